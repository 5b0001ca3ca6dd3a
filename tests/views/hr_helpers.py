"""Helpers for the tests of HR's pages: uploads, rounds, audit rows and people."""

# HR's pages: importing the roster, opening a round by the routine, and coverage that
# never shows what anyone wrote.

from __future__ import annotations

import io
import re
from datetime import date
from typing import Any

from flask import Flask
from flask.testing import FlaskClient
from werkzeug.datastructures import FileStorage
from werkzeug.test import encode_multipart

from tests.factories import PEOPLE, conn, csrf_token

# Everyone still employed (L has left): importing exactly this changes nothing.
CURRENT = [line for role, line in PEOPLE.items() if role != "leaver"]
NAME = {role: line.split(";")[1] for role, line in PEOPLE.items()}
UNIT = {role: line.split(";")[3] for role, line in PEOPLE.items()}
SECRET = "Hemligt-7f3a: jag funderar på att säga upp mig"
# Each cell names its column (data-label) for the narrow layout.
# Unit, manager, then the counts: due, and one per status (ej kallad … underskriven av båda).
COVERAGE_ROW = re.compile(
    r"<tr><td[^>]*>([^<]*)</td><td[^>]*>([^<]*)</td>" + r"<td[^>]*>(\d+)</td>" * 7 + "</tr>"
)


def upload(client: FlaskClient, data: bytes, filename: str = "personal.csv") -> Any:
    """Send a roster file the way the form does (multipart, field "roster")."""
    token = csrf_token(client.get("/hr/personal").text)
    # Encoded here in memory: for a large body the test client would spool to a temporary file
    # that it never closes (a ResourceWarning, an error under filterwarnings=error).
    roster = FileStorage(io.BytesIO(data), filename=filename, content_type="text/csv")
    boundary, body = encode_multipart({"csrf_token": token, "roster": roster})
    return client.post(
        "/hr/personal", data=body, content_type=f"multipart/form-data; boundary={boundary}"
    )


def open_round(client: FlaskClient, year: int, question_set: str = "rutin") -> Any:
    token = csrf_token(client.get("/hr/samtalsomgangar/ny").text)
    return client.post(
        "/hr/samtalsomgangar/ny",
        data={
            "csrf_token": token,
            "year": str(year),
            "question_set": question_set,
            "plan_template": "handlingsplan",
        },
    )


def audit_rows(app: Flask) -> list[dict[str, Any]]:
    return [dict(r) for r in conn(app).execute("SELECT * FROM audit_log ORDER BY id")]


def people_row(app: Flask, number: str) -> Any:
    return conn(app).execute("SELECT * FROM people WHERE employee_number = ?", (number,)).fetchone()


def round_id(app: Flask, year: int, question_set: str = "rutin") -> str:
    row = (
        conn(app)
        .execute(
            "SELECT id FROM rounds WHERE year = ? AND question_set_id = ?", (year, question_set)
        )
        .fetchone()
    )
    assert row is not None
    return str(row["id"])


def talk_numbers(app: Flask, rid: str) -> set[str]:
    rows = conn(app).execute(
        "SELECT p.employee_number FROM talks t JOIN people p ON p.id = t.employee_id "
        "WHERE t.round_id = ?",
        (rid,),
    )
    return {r[0] for r in rows}


def add_months(day: date, months: int) -> date:
    """`day` (the 1st of a month) `months` later."""
    index = day.month - 1 + months
    return day.replace(year=day.year + index // 12, month=index % 12 + 1)
