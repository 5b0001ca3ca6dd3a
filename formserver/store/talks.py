"""Talks: who, when, where and how far they have come."""

from __future__ import annotations

import sqlite3
from dataclasses import dataclass
from datetime import datetime

from formserver.store import audit
from formserver.store.db import Conflict, iso, transaction, utc_now

STATUS_LABELS = {
    "ej_kallad": "Ej kallad",
    "kallad": "Kallad",
    "forberedd": "Förberedd",
    "genomford": "Genomförd",
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

    @property
    def status_label(self) -> str:
        """The status in Swedish."""
        return STATUS_LABELS[self.status]

    @property
    def held(self) -> bool:
        """Whether the manager has marked the talk held."""
        return self.status == "genomford"


_SELECT = (
    "SELECT t.*, r.year, r.question_set_id, r.question_set_version, r.plan_template_id, "
    "e.name AS employee_name, e.email AS employee_email, "
    "m.name AS manager_name, m.email AS manager_email "
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
