"""Helpers for the team download tests: URLs, CSV rows, headers and audit entries."""

# The manager's team: downloads (zip of signed PDFs, CSV overview, JSON for the HR system),
# the group summary on the team page, and HR's coverage CSV (counts only).
#
# What a manager, HR and an auditor would check: only plans signed by both leave the service
# as completed plans, file names are made by the server, a spreadsheet never runs a formula
# hidden in a name, the JSON says which question set and template (id and version) the plan
# was made with, nobody outside the team gets anything, HR never gets content, every
# download is audited, and the team page shows self-assessments only as averages over at
# least three people.

from __future__ import annotations

import csv
import io
import re

from flask import Flask
from flask.testing import FlaskClient

from tests.views.plan_helpers import held_plan, sign_plan, signed_plan
from tests.views.prepare_helpers import audit_since

B_NOTE = "Bo vill gå ner i tid under våren."
QUOTED_FIELD = r'"(?:[^"]|"")*"'
OVERVIEW_HEADER = [
    "Medarbetare",
    "Enhet",
    "Status",
    "Datum",
    "Plats",
    "Planversion",
    "Underskriven av båda",
]
COVERAGE_HEADER = [
    "Enhet",
    "Chef",
    "Ska ha samtal",
    "Ej kallad",
    "Kallad",
    "Förberedd",
    "Genomförd",
    "Väntar på underskrift",
    "Underskriven av båda",
]


def team_url(round_id: str, name: str) -> str:
    return f"/chef/samtalsomgangar/{round_id}/{name}"


def coverage_url(round_id: str) -> str:
    return f"/hr/samtalsomgangar/{round_id}/tackning.csv"


def download(client: FlaskClient, url: str) -> tuple[int, dict[str, str], bytes]:
    """Status, headers and the whole body of a download (the response closed after)."""
    with client.get(url) as response:
        body = response.get_data()
        return response.status_code, dict(response.headers), body


def csv_rows(body: bytes) -> list[list[str]]:
    """The cells of a CSV download, as Excel reads it (BOM, semicolons)."""
    assert body.startswith(b"\xef\xbb\xbf"), body[:10]
    text = body[3:].decode("utf-8")
    return list(csv.reader(io.StringIO(text, newline=""), delimiter=";"))


def assert_all_quoted(body: bytes) -> None:
    """Every line ends in CRLF and every field of it is quoted (read from the raw text)."""
    text = body.decode("utf-8-sig")
    assert text.endswith("\r\n")
    for line in text[: -len("\r\n")].split("\r\n"):
        assert re.fullmatch(rf"{QUOTED_FIELD}(?:;{QUOTED_FIELD})*", line), repr(line)


def assert_download_headers(headers: dict[str, str], content_type: str, filename: str) -> None:
    assert headers["Content-Type"] == content_type
    assert headers["Content-Disposition"] == f'attachment; filename="{filename}"'
    assert headers["Cache-Control"] == "no-store"


def audited(app: Flask, after: int, action: str) -> list[tuple[str, str, str, str]]:
    return [
        (r["actor_id"], r["outcome"], r["object_id"], r["detail"])
        for r in audit_since(app, after)
        if r["action"] == action
    ]


def a_signed_b_not(app: Flask) -> tuple[str, FlaskClient]:
    """A's plan signed by both; B's plan written and signed by the manager only."""
    talk_a, manager, _ = signed_plan(app)
    talk_b, _, _ = held_plan(app, "employee_b", note=B_NOTE)
    assert sign_plan(manager, talk_b).status_code == 302
    assert talk_a.round_id == talk_b.round_id
    return talk_a.round_id, manager
