"""Reminders (`formserver send-reminders`): what is due, and sending each one once.

What is due follows `reminders` in policies.yml:
- the employee's and the manager's preparation not submitted `preparation_days_before` days
  before the talk (again if the talk is moved to another time);
- the plan not signed by both `unsigned_days_after` days after the talk was held, to whoever
  has not signed the newest version;
- plan rows of the newest version both signed whose date has come and whose follow-up is not
  done (klar or utgår), to employee and manager, once per talk and date;
- managers with talks not called `not_called_weeks` weeks after the round opened, and HR with a
  list of who is not called (names and units): once per round.
Dates and rounds older than `LOOKBACK` are left alone: old news is no reminder.

Sending is at least once (see formserver.store.reminders): claim, send, then record and audit
in one transaction; a failed send drops the claim and is tried again by the next run.
"""

from __future__ import annotations

import sqlite3
from collections import defaultdict
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from functools import partial
from typing import Any

from formserver.common.clock import STOCKHOLM
from formserver.documents import mail as mailer
from formserver.documents import reminder_mail as texts
from formserver.security.keys import Signers
from formserver.services import sign_in as signin
from formserver.services.following_up import signed_rows
from formserver.services.recipients import writing_to
from formserver.siteconfig import SiteConfig
from formserver.store import audit, plans
from formserver.store import reminders as store
from formserver.store.people import Person, get_person

LOOKBACK = timedelta(days=365)
# A claim older than this was left by a run that died: a later run takes it over.
STALE_CLAIM = timedelta(hours=1)
DONE_FOLLOWUPS = {"klar", "utgar"}

KIND_LABELS = store.KIND_LABELS


@dataclass(frozen=True)
class Reminder:
    """One reminder to one person, and the page it leads to."""

    key: store.Key
    recipient: Person
    text: Callable[[], texts.Text]  # made in the language being rendered
    path: str
    object_type: str
    object_id: str

    @property
    def label(self) -> str:
        """What kind of reminder, in the language being rendered."""
        return str(KIND_LABELS[self.key.kind])


def _local_date(moment: datetime) -> date:
    return moment.astimezone(STOCKHOLM).date()


def due_reminders(
    conn: sqlite3.Connection, config: SiteConfig, record_signers: Signers, now: datetime
) -> list[Reminder]:
    """Every reminder whose day has come, sent or not (sending skips those already sent)."""
    today = _local_date(now)
    people: dict[str, Person | None] = {}

    def still_here(person_id: str) -> Person | None:
        if person_id not in people:
            people[person_id] = get_person(conn, person_id)
        person = people[person_id]
        return person if person is not None and not person.has_left(today) else None

    found: list[Reminder] = []
    for make in (_preparations, _unsigned, _followups, _uncalled):
        for kind, subject, recipient_id, text, path, obj in make(conn, config, record_signers, now):
            recipient = still_here(recipient_id)
            if recipient is not None:
                key = store.Key(kind, subject, recipient_id)
                found.append(Reminder(key, recipient, text, path, *obj))
    return found


# Each reminder's text is made when it is sent, in the recipient's language.
Found = Iterator[tuple[str, str, str, Callable[[], texts.Text], str, tuple[str, str]]]


def _preparations(conn: sqlite3.Connection, config: SiteConfig, _: Signers, now: datetime) -> Found:
    days = config.policies.reminders.preparation_days_before
    for called in store.called_talks(conn):
        talk, starts_at = called.talk, called.talk.starts_at
        assert starts_at is not None
        if not (
            _local_date(starts_at) - timedelta(days=days) <= _local_date(now) and now < starts_at
        ):
            continue
        subject = f"{talk.id}@{starts_at.isoformat()}"  # a moved talk is a new reminder
        path = f"/samtal/{talk.id}/forberedelse"
        if "employee" not in called.submitted:
            text = partial(
                texts.preparation_employee, manager=talk.manager_name, starts_at=starts_at
            )
            yield "preparation_employee", subject, talk.employee_id, text, path, ("talk", talk.id)
        if "manager" not in called.submitted:
            text = partial(
                texts.preparation_manager, employee=talk.employee_name, starts_at=starts_at
            )
            yield "preparation_manager", subject, talk.manager_id, text, path, ("talk", talk.id)


def _unsigned(conn: sqlite3.Connection, config: SiteConfig, _: Signers, now: datetime) -> Found:
    after = timedelta(days=config.policies.reminders.unsigned_days_after)
    for held in store.held_unsigned(conn):
        talk = held.talk
        if held.held_at + after > now or held.held_at < now - LOOKBACK:
            continue
        path = f"/samtal/{talk.id}/plan"
        parties = (
            ("employee", talk.employee_id, talk.manager_name),
            ("manager", talk.manager_id, talk.employee_name),
        )
        for role, person_id, other in parties:
            if role not in held.signed:
                text = partial(texts.plan_unsigned, other=other, held_on=_local_date(held.held_at))
                yield "plan_unsigned", talk.id, person_id, text, path, ("talk", talk.id)


def _followups(
    conn: sqlite3.Connection, config: SiteConfig, record_signers: Signers, now: datetime
) -> Found:
    today = _local_date(now)
    for talk in store.talks_signed_by_both(conn):
        template = config.plan_templates.get(talk.plan_template_id)
        if template is None:
            continue
        done = {
            row_id
            for row_id, f in plans.followups(conn, talk.id, record_signers.followup).items()
            if f.status in DONE_FOLLOWUPS
        }
        due_dates = set()
        for grid, _number, row in signed_rows(conn, talk.id, template, record_signers.plan):
            if row.get("row_id") in done:
                continue
            for column in grid.columns:
                value = row.get(column.id, "") if column.kind == "date" else ""
                try:
                    day = date.fromisoformat(value) if value else None
                except ValueError:
                    day = None
                if day is not None and today - LOOKBACK <= day <= today:
                    due_dates.add(day)
        path = f"/samtal/{talk.id}/uppfoljning"
        for day in sorted(due_dates):
            text = partial(texts.followup_due, year=talk.year, due=day)
            subject = f"{talk.id}@{day.isoformat()}"
            for person_id in (talk.employee_id, talk.manager_id):
                yield "followup_due", subject, person_id, text, path, ("talk", talk.id)


def _uncalled(conn: sqlite3.Connection, config: SiteConfig, _: Signers, now: datetime) -> Found:
    weeks = timedelta(weeks=config.policies.reminders.not_called_weeks)
    by_round: dict[str, list[store.UncalledTalk]] = defaultdict(list)
    for uncalled in store.uncalled_talks(conn):
        opened = uncalled.round_opened_at
        if opened + weeks <= now and opened >= now - LOOKBACK:
            by_round[uncalled.talk.round_id].append(uncalled)
    hr = store.hr_people(conn)
    for round_id, talks in by_round.items():
        year, opened_on = talks[0].talk.year, _local_date(talks[0].round_opened_at)
        by_manager: dict[str, list[str]] = defaultdict(list)
        by_unit: dict[str, list[tuple[str, str]]] = defaultdict(list)
        for u in talks:
            by_manager[u.talk.manager_id].append(u.talk.employee_name)
            by_unit[u.talk.unit].append((u.talk.employee_name, u.talk.manager_name))
        for manager_id, names in by_manager.items():
            text = partial(texts.not_called, year=year, opened_on=opened_on, employees=names)
            yield "not_called", round_id, manager_id, text, "/chef", ("round", round_id)
        digest = partial(
            texts.hr_digest, year=year, opened_on=opened_on, by_unit=sorted(by_unit.items())
        )
        for person in hr:
            path = f"/hr/samtalsomgangar/{round_id}"
            yield "hr_digest", round_id, person.id, digest, path, ("round", round_id)


@dataclass(frozen=True)
class Outcome:
    """What a run sent, and what failed (to be tried again by the next run)."""

    sent: list[Reminder]
    failed: list[tuple[Reminder, str]]


def send_reminders(
    conn: sqlite3.Connection,
    due: Sequence[Reminder],
    *,
    app_config: Any,
    site_config: SiteConfig,
    keys: Sequence[str | bytes],
    rules: signin.SignInRules,
    base_url: str,
    link_url: Callable[[str], str],
    now: datetime,
) -> Outcome:
    """Send each due reminder not sent before; record and audit each one that went out.

    A person who may sign in with a link gets a fresh single-use link to the page, as in the
    invitation; others get the page's address, which asks them to sign in.
    """
    sent: list[Reminder] = []
    failed: list[tuple[Reminder, str]] = []
    days = int(app_config["SIGN_IN_LINK_DAYS"])
    for reminder in due:
        if not store.claim(conn, reminder.key, now, STALE_CLAIM):
            continue
        person = reminder.recipient
        if signin.may_use(conn, person, "link", rules):
            token = signin.issue_link(conn, keys, person, now=now, days=days, target=reminder.path)
            url, link_days = link_url(token), days
        else:
            url, link_days = base_url.rstrip("/") + reminder.path, None
        event = audit.Event(
            None,
            "reminder.sent",
            reminder.object_type,
            reminder.object_id,
            detail=f"{reminder.key.kind} till {person.id}",
        )
        try:
            with writing_to(conn, person.id):
                msg = texts.reminder_email(
                    reminder.text(),
                    sender=app_config["MAIL_SENDER"],
                    organisation=site_config.organisation.name,
                    name=person.name,
                    email=person.email,
                    url=url,
                    personal_link_days=link_days,
                )
            mailer.send(app_config, msg)
        except mailer.MailError as error:
            store.release(conn, reminder.key, _failed(event))
            failed.append((reminder, str(error)))
            continue
        store.mark_sent(conn, reminder.key, now, event)
        sent.append(reminder)
    return Outcome(sent, failed)


def _failed(event: audit.Event) -> audit.Event:
    return audit.Event(
        event.actor_id,
        "reminder.failed",
        event.object_type,
        event.object_id,
        event.detail,
        outcome="failed",
    )
