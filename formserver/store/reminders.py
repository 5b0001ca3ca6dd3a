"""Reminders: what may be due (talks, plans, rounds) and the ledger of what was sent.

The ledger is a claim/mark pattern. `claim` takes a reminder before its e-mail goes out;
`mark_sent` records it, with its audit entry, in one transaction once the mail server has
accepted the message; `release` drops the claim, with its audit entry, when sending failed.
A run that dies between sending and marking leaves a claim that a later run takes over once it
is older than `stale_after`: a reminder is sent at least once, and twice only after such a
crash, never lost.
"""

from __future__ import annotations

import sqlite3
from dataclasses import dataclass
from datetime import datetime, timedelta

from formserver.common.languages import _l
from formserver.store import audit
from formserver.store.db import iso, transaction
from formserver.store.people import Person, _person
from formserver.store.talks import _SELECT, _STILL_EMPLOYED, Talk, _talk

# What each kind of reminder is about, in the language it is shown in (send-reminders' report,
# and a person's export in their language).
KIND_LABELS = {
    "preparation_employee": _l("Förberedelse inte inskickad (medarbetare)"),
    "preparation_manager": _l("Förberedelse inte inskickad (chef)"),
    "plan_unsigned": _l("Plan inte underskriven"),
    "followup_due": _l("Dags för uppföljning"),
    "not_called": _l("Medarbetare inte kallade (chef)"),
    "hr_digest": _l("Inte kallade, sammanställning (HR)"),
}


@dataclass(frozen=True)
class Key:
    """One reminder to one person: its kind, what it is about, and to whom."""

    kind: str
    subject: str
    recipient_id: str


def claim(conn: sqlite3.Connection, key: Key, now: datetime, stale_after: timedelta) -> bool:
    """Take the reminder for sending; False if it was sent, or another run holds a fresh claim."""
    with transaction(conn):
        row = conn.execute(
            "SELECT claimed_at, sent_at FROM reminders "
            "WHERE kind = ? AND subject = ? AND recipient_id = ?",
            (key.kind, key.subject, key.recipient_id),
        ).fetchone()
        if row is not None and (
            row["sent_at"] is not None
            or datetime.fromisoformat(row["claimed_at"]) > now - stale_after
        ):
            return False
        conn.execute(
            "INSERT INTO reminders (kind, subject, recipient_id, claimed_at) VALUES (?, ?, ?, ?) "
            "ON CONFLICT (kind, subject, recipient_id) "
            "DO UPDATE SET claimed_at = excluded.claimed_at",
            (key.kind, key.subject, key.recipient_id, iso(now)),
        )
    return True


def mark_sent(conn: sqlite3.Connection, key: Key, now: datetime, event: audit.Event) -> None:
    """Record that the reminder was sent, audited in the same transaction."""
    with transaction(conn):
        conn.execute(
            "UPDATE reminders SET sent_at = ? WHERE kind = ? AND subject = ? AND recipient_id = ?",
            (iso(now), key.kind, key.subject, key.recipient_id),
        )
        audit.append(conn, event)


def release(conn: sqlite3.Connection, key: Key, event: audit.Event) -> None:
    """Drop the claim of a reminder that could not be sent (the next run tries again), audited."""
    with transaction(conn):
        conn.execute(
            "DELETE FROM reminders WHERE kind = ? AND subject = ? AND recipient_id = ? "
            "AND sent_at IS NULL",
            (key.kind, key.subject, key.recipient_id),
        )
        audit.append(conn, event)


# --- what may be due ------------------------------------------------------------------------------


@dataclass(frozen=True)
class CalledTalk:
    """A called talk not yet held, and whose preparation is submitted."""

    talk: Talk
    submitted: frozenset[str]  # the roles that have submitted their preparation


def called_talks(conn: sqlite3.Connection) -> list[CalledTalk]:
    """Every called, not yet held talk of people still employed."""
    submitted = (
        "(SELECT group_concat(author_role) FROM preparations p "
        "WHERE p.talk_id = t.id AND p.submitted_at IS NOT NULL) AS submitted_roles"
    )
    rows = conn.execute(
        _select_with(submitted)
        + "WHERE t.starts_at IS NOT NULL AND t.status != 'genomford' AND "
        + _STILL_EMPLOYED
    ).fetchall()
    return [
        CalledTalk(_talk(r), frozenset((r["submitted_roles"] or "").split(",")) - {""})
        for r in rows
    ]


def _select_with(extra: str) -> str:
    # _SELECT ends with the joins; the extra columns go before its own FROM (its columns hold
    # subqueries with a FROM of their own).
    head, _, tail = _SELECT.partition(" FROM talks t ")
    return f"{head}, {extra} FROM talks t {tail}"


@dataclass(frozen=True)
class HeldTalk:
    """A held talk whose newest plan version both have not signed yet."""

    talk: Talk
    held_at: datetime
    signed: frozenset[str]  # the roles that have signed the newest version


def held_unsigned(conn: sqlite3.Connection) -> list[HeldTalk]:
    """Held talks of people still employed whose newest plan version lacks a signature."""
    newest = (
        "(SELECT group_concat(s.role) FROM signatures s JOIN plan_versions v "
        "ON v.id = s.plan_version_id WHERE v.talk_id = t.id AND v.number = "
        "(SELECT max(number) FROM plan_versions WHERE talk_id = t.id)) AS signed_roles"
    )
    rows = conn.execute(
        _select_with(newest) + "WHERE t.status = 'genomford' AND t.signed_at IS NULL "
        "AND t.held_at IS NOT NULL AND EXISTS (SELECT 1 FROM plan_versions WHERE talk_id = t.id) "
        "AND " + _STILL_EMPLOYED
    ).fetchall()
    return [
        HeldTalk(
            _talk(r),
            datetime.fromisoformat(r["held_at"]),
            frozenset((r["signed_roles"] or "").split(",")) - {""},
        )
        for r in rows
    ]


def talks_signed_by_both(conn: sqlite3.Connection) -> list[Talk]:
    """Talks of people still employed with a plan version both have signed (to follow up)."""
    rows = conn.execute(
        _SELECT + "WHERE " + _STILL_EMPLOYED + "AND EXISTS (SELECT 1 FROM plan_versions v "
        "WHERE v.talk_id = t.id AND (SELECT count(*) FROM signatures s "
        "WHERE s.plan_version_id = v.id) = 2)"
    ).fetchall()
    return [_talk(r) for r in rows]


@dataclass(frozen=True)
class UncalledTalk:
    """A talk nobody has called yet, and when its round opened."""

    talk: Talk
    round_opened_at: datetime


def uncalled_talks(conn: sqlite3.Connection) -> list[UncalledTalk]:
    """Talks not called yet, of people still employed, by round, unit and name."""
    rows = conn.execute(
        _select_with("r.opened_at AS round_opened_at")
        + "WHERE t.status = 'ej_kallad' AND "
        + _STILL_EMPLOYED
        + "ORDER BY r.opened_at, t.unit, e.name"
    ).fetchall()
    return [UncalledTalk(_talk(r), datetime.fromisoformat(r["round_opened_at"])) for r in rows]


def hr_people(conn: sqlite3.Connection) -> list[Person]:
    """Everyone with the HR role who is still in the roster."""
    rows = conn.execute("SELECT * FROM people WHERE is_hr = 1 AND in_roster = 1 ORDER BY name")
    return [_person(r) for r in rows]
