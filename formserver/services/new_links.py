"""Answering "send me a new sign-in link", after the page has gone out.

The page is the same for every address, and so is the work done before it (the rate limits):
looking the address up, making the link, mailing it and auditing it all happen here, in the
background worker, so a response's time cannot tell who is in the roster.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from formserver.documents import mail
from formserver.services import sign_in as signin
from formserver.services.recipients import writing_to
from formserver.store import audit
from formserver.store.people import person_by_email


@dataclass(frozen=True)
class LinkRequest:
    """One request for a link, as the page took it."""

    email: str  # trimmed, lower-case
    allowed: bool  # within the rate limits
    client: str | None
    now: datetime
    link_prefix: str  # the absolute address of a sign-in link, without its token
    language: str = ""  # the language of the page that asked (a fallback for the e-mail)


@dataclass(frozen=True)
class LinkMailing:
    """What making and mailing a link needs from the running service."""

    config: Mapping[str, Any]
    keys: Sequence[str | bytes]
    rules: signin.SignInRules
    organisation: str
    days: int


def answer(conn: sqlite3.Connection, ask: LinkRequest, mailing: LinkMailing) -> str:
    """Make and mail a link if the address may have one; audit the outcome and return it
    (rate_limited, unknown, sso_only, issued, sent or mail_failed). The token goes only
    into the e-mail."""
    person = person_by_email(conn, ask.email)
    outcome = "rate_limited" if not ask.allowed else "unknown"
    if ask.allowed and person and not signin.may_use(conn, person, "link", mailing.rules):
        # Signs in by single sign-on only: no link is made, and the page said the same.
        outcome = "sso_only"
    elif ask.allowed and person and not person.has_left(ask.now.date()):
        token = signin.issue_link(conn, mailing.keys, person, now=ask.now, days=mailing.days)
        outcome = "issued"
        if mail.smtp_configured(mailing.config):
            try:
                with writing_to(conn, person.id, ask.language):
                    msg = mail.sign_in_email(
                        sender=mailing.config["MAIL_SENDER"],
                        organisation=mailing.organisation,
                        name=person.name,
                        email=person.email,
                        url=ask.link_prefix + token,
                        days=mailing.days,
                    )
                mail.send(mailing.config, msg)
                outcome = "sent"
            except mail.MailError:  # also for an address we cannot write
                outcome = "mail_failed"
    event = audit.Event(
        person.id if person else None, "new_link", outcome=outcome, client=ask.client
    )
    audit.record(conn, event)
    return outcome
