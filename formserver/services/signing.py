"""Signing a plan version, and what follows once both have signed."""

from __future__ import annotations

import sqlite3
from collections.abc import Callable, Mapping
from dataclasses import dataclass, replace
from typing import Any

from formserver.documents import mail
from formserver.security.records import RecordSigner
from formserver.store import audit, plans
from formserver.store.plans import PlanVersion
from formserver.store.talks import Talk

COMMENT_MAX = 2000


@dataclass(frozen=True)
class Signed:
    """What happened: the version as it stands now, and whether the employee's copy went out
    (None when it was not due: not both signed yet, or no mail server)."""

    version: PlanVersion
    copy_sent: bool | None


def sign_plan(
    conn: sqlite3.Connection,
    talk: Talk,
    *,
    role: str,
    person_id: str,
    number: int,
    seen_hash: str,
    comment: str,
    signer: RecordSigner,
    event: audit.Event,
    mail_config: Mapping[str, Any],
    organisation: str,
    render_pdf: Callable[[Talk, PlanVersion], bytes],
    pdf_name: str,
) -> Signed:
    """Sign exactly the version seen (`event` is audited with the signature); once both have
    signed, e-mail the employee their copy where a mail server is configured, and audit that.

    Raises plans.NotHeld before the talk is held, and Conflict or ValueError when the version
    changed or this person already signed it.
    """
    plans.sign(
        conn,
        talk.id,
        role=role,
        person_id=person_id,
        number=number,
        seen_hash=seen_hash,
        comment=comment,
        signer=signer,
        event=event,
    )
    version = plans.latest(conn, talk.id, signer)
    assert version is not None
    if not version.signed_by_both or not mail.smtp_configured(mail_config):
        return Signed(version, None)
    msg = mail.signed_plan_email(
        sender=mail_config["MAIL_SENDER"],
        organisation=organisation,
        name=talk.employee_name,
        email=talk.employee_email,
        year=talk.year,
        pdf=render_pdf(talk, version),
        filename=pdf_name,
    )
    try:
        mail.send(mail_config, msg)
        sent = True
    except mail.MailError:
        sent = False
    outcome = "ok" if sent else "failed"
    detail = f"version {version.number}"
    audit.record(conn, replace(event, action="plan.mail_copy", detail=detail, outcome=outcome))
    return Signed(version, sent)
