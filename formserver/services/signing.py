"""Signing a plan version, and what follows once both have signed."""

from __future__ import annotations

import sqlite3
from collections.abc import Callable, Mapping
from dataclasses import dataclass, replace
from typing import Any

from formserver.documents import mail
from formserver.documents.seal import SealError
from formserver.security.records import RecordSigner
from formserver.services import waiting
from formserver.services.recipients import writing_to
from formserver.store import audit, plans
from formserver.store.plans import Content, PlanVersion
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
    stored_pdf: Callable[[Talk, PlanVersion], bytes],
    pdf_name: str,
    mailing: waiting.Mailing | None = None,
) -> Signed:
    """Sign exactly the version seen (`event` is audited with the signature); once both have
    signed, render and store its PDF (`stored_pdf`, plan_record.stored_pdf) and e-mail the
    employee those bytes where a mail server is configured, and audit that.
    When the employee signs first, the manager is told (with `mailing`) that it waits for them.

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
    if mailing is not None and role == "employee" and "manager" not in version.signatures:
        waiting.ask_to_sign(
            conn,
            talk,
            role="manager",
            number=version.number,
            why=waiting.why_signed,
            mailing=mailing,
            event=event,
        )
    if not version.signed_by_both:
        return Signed(version, None)
    try:
        stored_pdf(talk, version)  # the archival copy, sealed now: rendered once, here, and stored
    except SealError as error:
        # Both signatures stand; the archived copy is made on its first download instead.
        detail = f"version {version.number}; {error}"
        audit.record(conn, replace(event, action="plan.seal", detail=detail, outcome="failed"))
        return Signed(version, False if mail.smtp_configured(mail_config) else None)
    if not mail.smtp_configured(mail_config):
        return Signed(version, None)
    try:
        with writing_to(conn, talk.employee_id):  # the employee's copy in their language
            msg = mail.signed_plan_email(
                sender=mail_config["MAIL_SENDER"],
                organisation=organisation,
                name=talk.employee_name,
                email=talk.employee_email,
                year=talk.year,
                pdf=stored_pdf(talk, version),
                filename=pdf_name,
            )
        mail.send(mail_config, msg)
        sent = True
    except (mail.MailError, SealError):  # SealError: the employee's language's copy
        sent = False
    outcome = "ok" if sent else "failed"
    detail = f"version {version.number}"
    audit.record(conn, replace(event, action="plan.mail_copy", detail=detail, outcome=outcome))
    return Signed(version, sent)


def save_plan(
    conn: sqlite3.Connection,
    talk: Talk,
    content: Content,
    *,
    expected: tuple[int, int],
    author_id: str,
    signer: RecordSigner,
    event: audit.Event,
    mailing: waiting.Mailing | None = None,
) -> tuple[int, int]:
    """Save the plan (plans.save, audited with `event`); when that makes a new version after
    the employee had signed the one before, tell her a new version waits for her signature.
    Raises Conflict when someone saved in between."""
    before = plans.latest(conn, talk.id, signer)
    saved = plans.save(
        conn, talk.id, content, expected=expected, author_id=author_id, signer=signer, event=event
    )
    if (
        mailing is not None
        and before is not None
        and "employee" in before.signatures
        and saved[0] > before.number
    ):
        waiting.ask_to_sign(
            conn,
            talk,
            role="employee",
            number=saved[0],
            why=waiting.why_changed,
            mailing=mailing,
            event=event,
        )
    return saved
