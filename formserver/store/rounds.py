"""Rounds (samtalsomgångar) and the talks they create."""

from __future__ import annotations

import sqlite3
from collections.abc import Callable
from dataclasses import dataclass, replace

from formserver.store import audit
from formserver.store.db import iso, new_id, transaction, utc_now
from formserver.store.people import Person, _person


@dataclass(frozen=True)
class Round:
    """A samtalsomgång: a year with a question set and a plan template."""

    id: str
    year: int
    question_set_id: str
    question_set_version: int
    plan_template_id: str
    plan_template_version: int
    opened_at: str


@dataclass(frozen=True)
class OpenedRound:
    """The result of opening a round."""

    round_id: str
    talks: int
    without_manager: int


class RoundExists(Exception):
    """A round for this year and question set is already open."""


def _round(row: sqlite3.Row) -> Round:
    return Round(
        row["id"],
        row["year"],
        row["question_set_id"],
        row["question_set_version"],
        row["plan_template_id"],
        row["plan_template_version"],
        row["opened_at"],
    )


def open_round(
    conn: sqlite3.Connection,
    *,
    year: int,
    question_set: tuple[str, int],
    plan_template: tuple[str, int],
    eligible: Callable[[Person], bool],
    opened_by: str | None,
    event: audit.Event | None = None,
) -> OpenedRound:
    """Open a round: one talk per eligible person in the roster, with their current manager."""
    round_id = new_id()
    with transaction(conn):
        clash = conn.execute(
            "SELECT 1 FROM rounds WHERE year = ? AND question_set_id = ?",
            (year, question_set[0]),
        ).fetchone()
        if clash:
            raise RoundExists(f"{year}/{question_set[0]}")
        conn.execute(
            "INSERT INTO rounds (id, year, question_set_id, question_set_version, "
            "plan_template_id, plan_template_version, opened_at, opened_by) "
            "VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
            (round_id, year, *question_set, *plan_template, iso(utc_now()), opened_by),
        )
        rows = conn.execute(
            "SELECT p.*, m.id AS manager_id FROM people p "
            "LEFT JOIN people m ON m.employee_number = p.manager_number AND m.in_roster = 1 "
            "WHERE p.in_roster = 1"
        ).fetchall()
        talks, without_manager = [], 0
        for row in rows:
            person = _person(row)
            if not eligible(person):
                continue
            if row["manager_id"] is None:
                without_manager += 1
                continue
            talks.append((new_id(), round_id, person.id, row["manager_id"], person.unit))
        conn.executemany(
            "INSERT INTO talks (id, round_id, employee_id, manager_id, unit) "
            "VALUES (?, ?, ?, ?, ?)",
            talks,
        )
        if event is not None:
            detail = f"{len(talks)} samtal"
            audit.append(
                conn, replace(event, object_type="round", object_id=round_id, detail=detail)
            )
    return OpenedRound(round_id, len(talks), without_manager)


def get_round(conn: sqlite3.Connection, round_id: str) -> Round | None:
    """One round by id."""
    row = conn.execute("SELECT * FROM rounds WHERE id = ?", (round_id,)).fetchone()
    return _round(row) if row else None


def list_rounds(conn: sqlite3.Connection) -> list[Round]:
    """Every round, newest first."""
    return [
        _round(r) for r in conn.execute("SELECT * FROM rounds ORDER BY year DESC, opened_at DESC")
    ]
