"""Calling a talk (kallelse): record it, make the invitation, send it or hand it over."""

from __future__ import annotations

import sqlite3
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from datetime import date, datetime
from typing import Any

from formserver.common.clock import STOCKHOLM
from formserver.documents import mail as mailer
from formserver.documents.invitations import (
    Invitation,
    calendar_invite,
    cancelled_email,
    invitation_email,
    moved_email,
)
from formserver.services import sign_in as signin
from formserver.services.recipients import language_of, writing_to
from formserver.siteconfig import SiteConfig
from formserver.store import audit, talks
from formserver.store.db import Conflict
from formserver.store.people import get_person

# Marking a talk held this many days or more before its booked day asks the manager to
# confirm: most often it is the wrong talk, or the plan was only drafted ahead.
EARLY_HELD_DAYS = 7


def days_early(talk: talks.Talk, today: date) -> int:
    """How many days before its booked day the talk would be marked held, if that is so early
    that the manager should confirm (EARLY_HELD_DAYS or more); else 0."""
    if talk.starts_at is None:
        return 0
    days = (talk.starts_at.astimezone(STOCKHOLM).date() - today).days
    return days if days >= EARLY_HELD_DAYS else 0


@dataclass(frozen=True)
class CallResult:
    """What happened when the manager called the talk."""

    version: int
    sign_in_url: str
    sent: bool
    mail_error: str | None
    moved: bool = False  # the talk was called before: this call gave it a new time or place


def invitation_for(
    talk: talks.Talk,
    config: SiteConfig,
    *,
    starts_at: datetime,
    duration: int,
    place: str,
    message: str,
    sign_in_url: str,
    routine_url: str,
    talk_url: str = "",
) -> Invitation:
    """The invitation's data for a talk."""
    return Invitation(
        talk_id=talk.id,
        employee_name=talk.employee_name,
        employee_email=talk.employee_email,
        manager_name=talk.manager_name,
        manager_email=talk.manager_email,
        organisation=config.organisation.name,
        starts_at=starts_at,
        duration_minutes=duration,
        place=place,
        message=message,
        sign_in_url=sign_in_url,
        routine_url=routine_url,
        public_sector=config.organisation.public_sector,
        talk_url=talk_url,
    )


def call_talk(
    conn: sqlite3.Connection,
    talk: talks.Talk,
    *,
    app_config: Any,
    site_config: SiteConfig,
    keys: Sequence[str | bytes],
    starts_at: datetime,
    duration: int,
    place: str,
    message: str,
    expected_version: int,
    now: datetime,
    link_url: Callable[[str], str],
    talk_url: str,
    event: audit.Event,
) -> CallResult:
    """Record the call (audited with it), issue the employee's personal link and e-mail the
    invitation if we can; the e-mail's fate is audited once it is known. `event` says who
    called (action talk.call); its detail is filled in here. A talk already called is moved:
    audited as talk.move, and the e-mail says so, with the calendar entry's next SEQUENCE."""
    by_mail = mailer.smtp_configured(app_config)
    moving = talk.called_at is not None
    action = "talk.move" if moving else event.action
    version = talks.call_talk(
        conn,
        talk.id,
        expected_version=expected_version,
        starts_at=starts_at,
        duration_minutes=duration,
        place=place,
        event=replace(event, action=action, detail="e-post" if by_mail else "lämnas över"),
    )
    called = talks.get_talk(conn, talk.id)
    assert called is not None
    employee = get_person(conn, talk.employee_id)
    assert employee is not None
    token = signin.issue_link(
        conn,
        keys,
        employee,
        now=now,
        days=int(app_config["SIGN_IN_LINK_DAYS"]),
        target=f"/samtal/{talk.id}/forberedelse",
    )
    sign_in_url = link_url(token)
    if not by_mail:
        return CallResult(version, sign_in_url, sent=False, mail_error=None, moved=moving)
    invitation = invitation_for(
        talk,
        site_config,
        starts_at=starts_at,
        duration=duration,
        place=place,
        message=message,
        sign_in_url=sign_in_url,
        routine_url=site_config.organisation.routine_url_in(language_of(conn, talk.employee_id)),
        talk_url=talk_url,
    )
    sender = app_config["MAIL_SENDER"]
    with writing_to(conn, talk.employee_id):  # the e-mail and its .ics in the employee's language
        ics = calendar_invite(invitation, sequence=called.calendar_sequence, now=now)
        if moving:
            msg = moved_email(invitation, sender=sender, ics=ics, sign_in_url=sign_in_url)
        else:
            msg = invitation_email(invitation, sender=sender, ics=ics)
    error = _send(conn, app_config, msg, replace(event, action="talk.invitation_mail"))
    return CallResult(version, sign_in_url, sent=error is None, mail_error=error, moved=moving)


def _send(conn: sqlite3.Connection, app_config: Any, msg: Any, event: audit.Event) -> str | None:
    """Send `msg` and audit whether it went (`event` names the mail); the error for the
    manager, or None."""
    try:
        mailer.send(app_config, msg)
        error = None
    except mailer.MailError as failure:
        error = str(failure)
    mailed = replace(
        event,
        detail="e-post skickad" if error is None else "e-post misslyckades",
        outcome="ok" if error is None else "failed",
    )
    audit.record(conn, mailed)
    return error


@dataclass(frozen=True)
class CancelResult:
    """What happened when the manager cancelled the talk: the cancellation to hand over
    (without a mail server) and whether the e-mail went."""

    ics: bytes
    sent: bool
    mail_error: str | None


def cancel_talk(
    conn: sqlite3.Connection,
    talk: talks.Talk,
    *,
    app_config: Any,
    site_config: SiteConfig,
    message: str,
    expected_version: int,
    now: datetime,
    talk_url: str,
    event: audit.Event,
) -> CancelResult:
    """Cancel a called talk (audited with the change) and send the employee the calendar
    cancellation: the same UID, the next SEQUENCE, METHOD:CANCEL. Raises Conflict when the
    talk changed in between, or is not called or already held."""
    if talk.starts_at is None:
        raise Conflict(talk.id)
    by_mail = mailer.smtp_configured(app_config)
    talks.cancel_talk(
        conn,
        talk.id,
        expected_version=expected_version,
        event=replace(event, detail="e-post" if by_mail else "lämnas över"),
    )
    cancelled = talks.get_talk(conn, talk.id)
    assert cancelled is not None
    invitation = invitation_for(
        talk,
        site_config,
        starts_at=talk.starts_at,
        duration=talk.duration_minutes or 60,
        place=talk.place,
        message=message,
        sign_in_url="",
        routine_url=site_config.organisation.handbook_url_in(language_of(conn, talk.employee_id)),
        talk_url=talk_url,
    )
    with writing_to(conn, talk.employee_id):  # the employee's calendar, the employee's language
        ics = calendar_invite(
            invitation, sequence=cancelled.calendar_sequence, now=now, cancelled=True
        )
    if not by_mail:
        return CancelResult(ics, sent=False, mail_error=None)
    with writing_to(conn, talk.employee_id):
        msg = cancelled_email(invitation, sender=app_config["MAIL_SENDER"], ics=ics)
    error = _send(conn, app_config, msg, replace(event, action="talk.cancel_mail"))
    return CancelResult(ics, sent=error is None, mail_error=error)
