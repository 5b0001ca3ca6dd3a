"""People from the roster, and the HR role."""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import date

from formserver.store import audit
from formserver.store.db import iso, new_id, transaction, utc_now


@dataclass(frozen=True)
class RosterRow:
    """One person from the roster, every field checked."""

    line: int
    employee_number: str
    name: str
    email: str
    unit: str
    title: str
    manager_number: str | None
    employment_type: str  # one of EMPLOYMENT_TYPES
    start_date: date
    end_date: date | None


@dataclass(frozen=True)
class Person:
    """A person as the service knows them."""

    id: str
    employee_number: str
    name: str
    email: str
    unit: str
    title: str
    manager_number: str | None
    employment_type: str
    start_date: date
    end_date: date | None
    is_hr: bool
    in_roster: bool

    def has_left(self, today: date) -> bool:
        """Whether the person has left: out of the roster, or employment ended."""
        return not self.in_roster or (self.end_date is not None and self.end_date < today)


@dataclass(frozen=True)
class ImportSummary:
    """What a roster import changed."""

    created: int
    updated: int
    unchanged: int
    left_roster: int


def _person(row: sqlite3.Row) -> Person:
    return Person(
        id=row["id"],
        employee_number=row["employee_number"],
        name=row["name"],
        email=row["email"],
        unit=row["unit"],
        title=row["title"],
        manager_number=row["manager_number"],
        employment_type=row["employment_type"],
        start_date=date.fromisoformat(row["start_date"]),
        end_date=date.fromisoformat(row["end_date"]) if row["end_date"] else None,
        is_hr=bool(row["is_hr"]),
        in_roster=bool(row["in_roster"]),
    )


_FIELDS = (
    "name",
    "email",
    "unit",
    "title",
    "manager_number",
    "employment_type",
    "start_date",
    "end_date",
)


def _values(row: RosterRow) -> tuple[object, ...]:
    return (
        row.name,
        row.email,
        row.unit,
        row.title,
        row.manager_number,
        row.employment_type,
        row.start_date.isoformat(),
        row.end_date.isoformat() if row.end_date else None,
    )


def import_roster(
    conn: sqlite3.Connection, rows: Sequence[RosterRow], event: audit.Event | None = None
) -> ImportSummary:
    """Create or update everyone in `rows` in one audited transaction; mark the rest as out of
    roster."""
    stamp = iso(utc_now())
    in_file = json.dumps([row.employee_number for row in rows])
    with transaction(conn):
        existing: dict[str, tuple[object, ...]] = {}
        owner_of_email: dict[str, str] = {}
        for r in conn.execute(
            f"SELECT employee_number, in_roster, {', '.join(_FIELDS)} FROM people"
        ):
            existing[r["employee_number"]] = (*(r[f] for f in _FIELDS), r["in_roster"])
            owner_of_email[r["email"]] = r["employee_number"]
        # E-mail addresses are unique. Park the address of anyone whose address now belongs to
        # someone else; people still in the roster get their new address below.
        parked = {
            owner
            for row in rows
            if (owner := owner_of_email.get(row.email)) and owner != row.employee_number
        }
        conn.executemany(
            "UPDATE people SET email = id || '@parkerad.invalid' WHERE employee_number = ?",
            [(number,) for number in parked],
        )
        inserts, updates, unchanged = [], [], 0
        for row in rows:
            values = _values(row)
            old = existing.get(row.employee_number)
            if old is None:
                inserts.append((new_id(), row.employee_number, *values, stamp))
            elif old != (*values, 1) or row.employee_number in parked:
                updates.append((*values, stamp, row.employee_number))
            else:
                unchanged += 1
        conn.executemany(
            f"UPDATE people SET {', '.join(f'{f} = ?' for f in _FIELDS)}, updated_at = ?, "
            "in_roster = 1 WHERE employee_number = ?",
            updates,
        )
        conn.executemany(
            f"INSERT INTO people (id, employee_number, {', '.join(_FIELDS)}, updated_at) "
            f"VALUES ({', '.join('?' * (len(_FIELDS) + 3))})",
            inserts,
        )
        left = conn.execute(
            "UPDATE people SET in_roster = 0, updated_at = ? WHERE in_roster = 1 AND "
            "employee_number NOT IN (SELECT value FROM json_each(?))",
            (stamp, in_file),
        ).rowcount
        if event is not None:
            audit.append(conn, event)
    return ImportSummary(len(inserts), len(updates), unchanged, left)


def get_person(conn: sqlite3.Connection, person_id: str) -> Person | None:
    """One person by id."""
    row = conn.execute("SELECT * FROM people WHERE id = ?", (person_id,)).fetchone()
    return _person(row) if row else None


def person_by_email(conn: sqlite3.Connection, email: str) -> Person | None:
    """One person by e-mail address (stored lower-case)."""
    row = conn.execute("SELECT * FROM people WHERE email = ?", (email.strip().lower(),)).fetchone()
    return _person(row) if row else None


def person_by_number(conn: sqlite3.Connection, employee_number: str) -> Person | None:
    """One person by employee number."""
    row = conn.execute(
        "SELECT * FROM people WHERE employee_number = ?", (employee_number,)
    ).fetchone()
    return _person(row) if row else None


def set_hr(
    conn: sqlite3.Connection, person_id: str, is_hr: bool, event: audit.Event | None = None
) -> None:
    """Give or take the HR role (audited with `event`)."""
    with transaction(conn):
        conn.execute("UPDATE people SET is_hr = ? WHERE id = ?", (int(is_hr), person_id))
        if event is not None:
            audit.append(conn, event)


def count_people(conn: sqlite3.Connection) -> int:
    """How many people are in the roster."""
    return int(conn.execute("SELECT count(*) FROM people WHERE in_roster = 1").fetchone()[0])


def outside_round(conn: sqlite3.Connection, round_id: str) -> list[tuple[Person, bool]]:
    """People in the roster without a talk in the round, by unit and name, each with whether
    they have a manager in the roster."""
    rows = conn.execute(
        "SELECT p.*, EXISTS (SELECT 1 FROM people m WHERE m.employee_number = p.manager_number "
        "AND m.in_roster = 1) AS has_manager FROM people p WHERE p.in_roster = 1 "
        "AND NOT EXISTS (SELECT 1 FROM talks t WHERE t.round_id = ? AND t.employee_id = p.id) "
        "ORDER BY p.unit, p.name",
        (round_id,),
    )
    return [(_person(r), bool(r["has_manager"])) for r in rows]


class RosterNotEmpty(Exception):
    """Someone is in the roster already: the first HR person comes from the roster."""


def create_first_hr(conn: sqlite3.Connection, row: RosterRow, event: audit.Event) -> Person:
    """Create the installation's first person, with the HR role, while nobody is in the roster
    (audited with `event`). A later roster import with the same employee number updates them."""
    person_id = new_id()
    with transaction(conn):
        if conn.execute("SELECT 1 FROM people LIMIT 1").fetchone():
            raise RosterNotEmpty()
        conn.execute(
            f"INSERT INTO people (id, employee_number, {', '.join(_FIELDS)}, updated_at, is_hr) "
            f"VALUES ({', '.join('?' * (len(_FIELDS) + 3))}, 1)",
            (person_id, row.employee_number, *_values(row), iso(utc_now())),
        )
        audit.append(conn, replace(event, object_type="person", object_id=person_id))
    found = get_person(conn, person_id)
    assert found is not None
    return found


def has_team(conn: sqlite3.Connection, person: Person) -> bool:
    """Whether anyone in the roster has this person as manager, or they were the manager of a
    talk in some round (whose plans they may still download)."""
    row = conn.execute(
        "SELECT EXISTS (SELECT 1 FROM people WHERE manager_number = ? AND in_roster = 1) "
        "OR EXISTS (SELECT 1 FROM talks WHERE manager_id = ?)",
        (person.employee_number, person.id),
    ).fetchone()
    return bool(row[0])
