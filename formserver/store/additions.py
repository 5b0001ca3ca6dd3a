"""People added to a round by hand, outside the eligibility rule, with the reason."""

from __future__ import annotations

import json
import sqlite3
from dataclasses import dataclass
from datetime import date, datetime

from formserver.common.clock import STOCKHOLM
from formserver.store import audit
from formserver.store.db import iso, new_id, transaction, utc_now
from formserver.store.people import Person, _person


class AlreadyInRound(Exception):
    """The person already has a talk in the round."""


@dataclass(frozen=True)
class Outside:
    """A person still employed without a talk in the round, and their manager in the roster."""

    person: Person
    manager: Person | None


@dataclass(frozen=True)
class Addition:
    """Someone added to a round by hand: who, why, by whom and when (never talk content)."""

    employee_name: str
    unit: str
    reason: str
    added_by_name: str
    added_at: str

    @property
    def added_on(self) -> date:
        """The day it was added, in Sweden."""
        return datetime.fromisoformat(self.added_at).astimezone(STOCKHOLM).date()


def outside_round(conn: sqlite3.Connection, round_id: str) -> list[Outside]:
    """Everyone in the roster, still employed, with no talk in the round; by unit and name."""
    rows = conn.execute(
        "SELECT p.*, m.id AS m_id FROM people p "
        "LEFT JOIN people m ON m.employee_number = p.manager_number AND m.in_roster = 1 "
        "WHERE p.in_roster = 1 AND (p.end_date IS NULL OR p.end_date >= date('now')) "
        "AND NOT EXISTS (SELECT 1 FROM talks t WHERE t.round_id = ? AND t.employee_id = p.id) "
        "ORDER BY p.unit, p.name",
        (round_id,),
    ).fetchall()
    managers = {
        r["id"]: _person(r)
        for r in conn.execute(
            "SELECT * FROM people WHERE id IN (SELECT value FROM json_each(?))",
            (json.dumps([r["m_id"] for r in rows if r["m_id"]]),),
        )
    }
    return [Outside(_person(r), managers.get(r["m_id"])) for r in rows]


def add_to_round(
    conn: sqlite3.Connection,
    *,
    round_id: str,
    employee: Person,
    manager: Person,
    reason: str,
    added_by: str,
    event: audit.Event,
) -> str:
    """Give the person a talk in the round with `manager`, record the reason, audited; returns
    the talk's id. AlreadyInRound if they have one."""
    talk_id = new_id()
    with transaction(conn):
        if conn.execute(
            "SELECT 1 FROM talks WHERE round_id = ? AND employee_id = ?", (round_id, employee.id)
        ).fetchone():
            raise AlreadyInRound(employee.id)
        conn.execute(
            "INSERT INTO talks (id, round_id, employee_id, manager_id, unit) "
            "VALUES (?, ?, ?, ?, ?)",
            (talk_id, round_id, employee.id, manager.id, employee.unit),
        )
        conn.execute(
            "INSERT INTO round_additions (round_id, employee_id, talk_id, reason, added_by, "
            "added_at) VALUES (?, ?, ?, ?, ?, ?)",
            (round_id, employee.id, talk_id, reason, added_by, iso(utc_now())),
        )
        audit.append(conn, event)
    return talk_id


def additions(conn: sqlite3.Connection, round_id: str) -> list[Addition]:
    """Everyone added to the round by hand, by unit and name."""
    rows = conn.execute(
        "SELECT e.name AS employee_name, e.unit, a.reason, b.name AS added_by_name, a.added_at "
        "FROM round_additions a JOIN people e ON e.id = a.employee_id "
        "JOIN people b ON b.id = a.added_by WHERE a.round_id = ? ORDER BY e.unit, e.name",
        (round_id,),
    )
    return [
        Addition(r["employee_name"], r["unit"], r["reason"], r["added_by_name"], r["added_at"])
        for r in rows
    ]
