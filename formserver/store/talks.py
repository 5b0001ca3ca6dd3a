"""Talks: who, when, where and how far they have come."""

from __future__ import annotations

import sqlite3
from dataclasses import dataclass
from datetime import datetime

from formserver.common.languages import _l
from formserver.store import audit
from formserver.store.db import Conflict, iso, transaction, utc_now

# The one status vocabulary (team page, HR's pages, CSV, the talk's own page), in the order
# a talk goes through it. The first four are stored in talks.status; the last two are read off
# the signatures (see Talk.progress).
STATUS_LABELS = {
    "ej_kallad": _l("Ej kallad"),
    "kallad": _l("Kallad"),
    "forberedd": _l("Förberedd"),
    "genomford": _l("Genomförd"),
    "vantar_underskrift": _l("Väntar på underskrift"),
    "underskriven": _l("Underskriven av båda"),
}


@dataclass(frozen=True)
class Talk:
    """A talk with the names the pages need."""

    id: str
    round_id: str
    year: int
    question_set_id: str
    question_set_version: int
    plan_template_id: str
    employee_id: str
    employee_name: str
    employee_email: str
    manager_id: str
    manager_name: str
    manager_email: str
    unit: str
    status: str
    starts_at: datetime | None
    duration_minutes: int | None
    place: str
    called_at: str | None
    version: int
    signed_at: str | None = None
    has_signature: bool = False
    calendar_sequence: int = 0
    cancelled_at: str | None = None

    @property
    def progress(self) -> str:
        """How far the talk has come, a key of STATUS_LABELS: held talks are "genomford" until
        someone signs, "vantar_underskrift" while a version lacks a signature (also a new
        version after both had signed) and "underskriven" once both signed the newest."""
        if not self.held:
            return self.status
        if self.signed_at:
            return "underskriven"
        return "vantar_underskrift" if self.has_signature else "genomford"

    @property
    def status_label(self) -> str:
        """The status in Swedish."""
        return STATUS_LABELS[self.progress]

    @property
    def held(self) -> bool:
        """Whether the manager has marked the talk held."""
        return self.status == "genomford"


_SELECT = (
    "SELECT t.*, r.year, r.question_set_id, r.question_set_version, r.plan_template_id, "
    "e.name AS employee_name, e.email AS employee_email, "
    "m.name AS manager_name, m.email AS manager_email, "
    "EXISTS (SELECT 1 FROM signatures s JOIN plan_versions v ON v.id = s.plan_version_id "
    "WHERE v.talk_id = t.id) AS has_signature "
    "FROM talks t JOIN rounds r ON r.id = t.round_id "
    "JOIN people e ON e.id = t.employee_id JOIN people m ON m.id = t.manager_id "
)


def _talk(row: sqlite3.Row) -> Talk:
    return Talk(
        id=row["id"],
        round_id=row["round_id"],
        year=row["year"],
        question_set_id=row["question_set_id"],
        question_set_version=row["question_set_version"],
        plan_template_id=row["plan_template_id"],
        employee_id=row["employee_id"],
        employee_name=row["employee_name"],
        employee_email=row["employee_email"],
        manager_id=row["manager_id"],
        manager_name=row["manager_name"],
        manager_email=row["manager_email"],
        unit=row["unit"],
        status=row["status"],
        starts_at=datetime.fromisoformat(row["starts_at"]) if row["starts_at"] else None,
        duration_minutes=row["duration_minutes"],
        place=row["place"] or "",
        called_at=row["called_at"],
        version=row["version"],
        signed_at=row["signed_at"],
        has_signature=bool(row["has_signature"]),
        calendar_sequence=row["calendar_sequence"],
        cancelled_at=row["cancelled_at"],
    )


def get_talk(conn: sqlite3.Connection, talk_id: str) -> Talk | None:
    """One talk by id."""
    row = conn.execute(_SELECT + "WHERE t.id = ?", (talk_id,)).fetchone()
    return _talk(row) if row else None


# People who have left: out of the roster, or employment ended before today.
_STILL_EMPLOYED = "e.in_roster = 1 AND (e.end_date IS NULL OR e.end_date >= date('now')) "


def team_talks(conn: sqlite3.Connection, manager_id: str) -> list[Talk]:
    """Every talk a manager holds with people still employed, newest round first, by name."""
    rows = conn.execute(
        _SELECT
        + "WHERE t.manager_id = ? AND "
        + _STILL_EMPLOYED
        + "ORDER BY r.year DESC, r.opened_at DESC, e.name",
        (manager_id,),
    )
    return [_talk(r) for r in rows]


def round_talks(conn: sqlite3.Connection, round_id: str) -> list[Talk]:
    """Every talk of a round with people still employed, by unit, then name."""
    rows = conn.execute(
        _SELECT + "WHERE t.round_id = ? AND " + _STILL_EMPLOYED + "ORDER BY t.unit, e.name",
        (round_id,),
    )
    return [_talk(r) for r in rows]


# Talk.progress in SQL, for counts over a whole round without loading each talk: keep the two
# alike (tests/services/test_round_coverage.py compares them on every status).
_PROGRESS = (
    "CASE WHEN t.status != 'genomford' THEN t.status "
    "WHEN t.signed_at IS NOT NULL THEN 'underskriven' "
    "WHEN EXISTS (SELECT 1 FROM signatures s JOIN plan_versions v ON v.id = s.plan_version_id "
    "WHERE v.talk_id = t.id) THEN 'vantar_underskrift' ELSE 'genomford' END"
)


def progress_counts(conn: sqlite3.Connection, round_id: str) -> list[tuple[str, str, str, int]]:
    """(unit, manager's name, progress, how many) over a round's talks with people still
    employed, by unit and manager: what round_talks would count, counted by SQLite."""
    rows = conn.execute(
        f"SELECT t.unit, m.name, {_PROGRESS} AS progress, count(*) FROM talks t "
        "JOIN people e ON e.id = t.employee_id JOIN people m ON m.id = t.manager_id "
        "WHERE t.round_id = ? AND " + _STILL_EMPLOYED + "GROUP BY t.unit, m.name, progress "
        "ORDER BY t.unit, m.name",
        (round_id,),
    )
    return [(r[0], r[1], r[2], r[3]) for r in rows]


def manages_anyone(conn: sqlite3.Connection, person_id: str, employee_number: str) -> bool:
    """Whether the person is the manager of any talk, of any round (they can still read those
    plans), or is named as manager by someone in the roster now."""
    row = conn.execute(
        "SELECT EXISTS (SELECT 1 FROM talks WHERE manager_id = ?) "
        "OR EXISTS (SELECT 1 FROM people WHERE manager_number = ? AND in_roster = 1)",
        (person_id, employee_number),
    ).fetchone()
    return bool(row[0])


def employee_talks(conn: sqlite3.Connection, employee_id: str) -> list[Talk]:
    """Every talk of an employee, newest first."""
    rows = conn.execute(
        _SELECT + "WHERE t.employee_id = ? ORDER BY r.year DESC, r.opened_at DESC", (employee_id,)
    )
    return [_talk(r) for r in rows]


def call_talk(
    conn: sqlite3.Connection,
    talk_id: str,
    *,
    expected_version: int,
    starts_at: datetime,
    duration_minutes: int,
    place: str,
    event: audit.Event | None = None,
) -> int:
    """Record the call (kallelse), audited: date, time and place. Returns the new version."""
    with transaction(conn):
        changed = conn.execute(
            "UPDATE talks SET starts_at = ?, duration_minutes = ?, place = ?, called_at = ?, "
            "status = CASE status WHEN 'ej_kallad' THEN 'kallad' ELSE status END, "
            # The first invitation is SEQUENCE 0; a move, or a new call after a
            # cancellation, replaces the entry in the calendar, so it counts up.
            "calendar_sequence = CASE WHEN called_at IS NULL AND cancelled_at IS NULL "
            "THEN calendar_sequence ELSE calendar_sequence + 1 END, cancelled_at = NULL, "
            "version = version + 1 WHERE id = ? AND version = ?",
            (
                starts_at.isoformat(),
                duration_minutes,
                place,
                iso(utc_now()),
                talk_id,
                expected_version,
            ),
        ).rowcount
        if changed != 1:
            raise Conflict(talk_id)
        if event is not None:
            audit.append(conn, event)
    return expected_version + 1


def cancel_talk(
    conn: sqlite3.Connection,
    talk_id: str,
    *,
    expected_version: int,
    event: audit.Event | None = None,
) -> int:
    """Cancel a called talk that is not held, audited: the date and place go, the calendar
    sequence counts up. Conflict if the talk changed since `expected_version` or is not called.
    Returns the new version."""
    with transaction(conn):
        changed = conn.execute(
            "UPDATE talks SET starts_at = NULL, called_at = NULL, cancelled_at = ?, "
            "status = CASE status WHEN 'kallad' THEN 'ej_kallad' ELSE status END, "
            "calendar_sequence = calendar_sequence + 1, version = version + 1 "
            "WHERE id = ? AND version = ? AND called_at IS NOT NULL AND status != 'genomford'",
            (iso(utc_now()), talk_id, expected_version),
        ).rowcount
        if changed != 1:
            raise Conflict(talk_id)
        if event is not None:
            audit.append(conn, event)
    return expected_version + 1
