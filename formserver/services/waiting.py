"""Telling people what is waiting for them: a plan version to sign, by e-mail with a fresh
single-use sign-in link (or the page's address, for those who may not use links)."""

from __future__ import annotations

import sqlite3
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from formserver.common.languages import gettext
from formserver.documents import mail
from formserver.services import sign_in as signin
from formserver.services.recipients import writing_to
from formserver.store import audit
from formserver.store.people import get_person
from formserver.store.talks import Talk


@dataclass(frozen=True)
class Mailing:
    """What sending a "waits for your signature" e-mail needs from the running service."""

    config: Mapping[str, Any]
    keys: Sequence[str | bytes]
    organisation: str
    rules: signin.SignInRules
    now: datetime
    link_url: Callable[[str], str]  # a sign-in token to its absolute link
    plan_url: Callable[[str], str]  # a talk id to the absolute address of its plan page


def why_changed(talk: Talk) -> str:
    """What the employee is told when the manager changed a plan she had signed."""
    return gettext(
        "%(manager)s har ändrat planen från medarbetarsamtalet %(year)s efter att du skrev "
        "under den.",
        manager=talk.manager_name,
        year=talk.year,
    )


def why_signed(talk: Talk) -> str:
    """What the manager is told when the employee has signed and the manager has not."""
    return gettext(
        "%(employee)s har skrivit under planen från medarbetarsamtalet %(year)s.",
        employee=talk.employee_name,
        year=talk.year,
    )


def ask_to_sign(
    conn: sqlite3.Connection,
    talk: Talk,
    *,
    role: str,
    number: int,
    why: Callable[[Talk], str],
    mailing: Mailing,
    event: audit.Event,
) -> bool | None:
    """E-mail the talk's employee or manager (`role`) that version `number` waits for their
    signature (`why` says what happened, in the person's language: why_changed, why_signed),
    audited as plan.sign_request_mail; None when there is no mail server or the
    person has left, else whether the e-mail went. The sign-in link, never its token, goes
    only into the e-mail."""
    if not mail.smtp_configured(mailing.config):
        return None
    person = get_person(conn, talk.employee_id if role == "employee" else talk.manager_id)
    if person is None or person.has_left(mailing.now.date()):
        return None
    path = f"/samtal/{talk.id}/plan"
    days: int | None = int(mailing.config["SIGN_IN_LINK_DAYS"])
    if signin.may_use(conn, person, "link", mailing.rules):
        token = signin.issue_link(
            conn, mailing.keys, person, now=mailing.now, days=days or 1, target=path
        )
        url = mailing.link_url(token)
    else:
        url, days = mailing.plan_url(talk.id), None
    try:
        with writing_to(conn, person.id):
            msg = mail.signature_waiting_email(
                sender=mailing.config["MAIL_SENDER"],
                organisation=mailing.organisation,
                name=person.name,
                email=person.email,
                year=talk.year,
                number=number,
                url=url,
                link_days=days,
                why=why(talk),
            )
        mail.send(mailing.config, msg)
        sent = True
    except mail.MailError:
        sent = False
    audit.record(
        conn,
        audit.Event(
            event.actor_id,
            "plan.sign_request_mail",
            "talk",
            talk.id,
            f"{role} version {number}",
            "ok" if sent else "failed",
            event.client,
        ),
    )
    return sent
