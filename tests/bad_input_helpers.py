"""Helpers for the bad-input tests: reading pages and messages, records as the service has them."""

# Bad input: a clear error and nothing lost (issue 6).
#
# One parametrised test per kind of bad input, run against every free-text field a user
# reaches: the preparation, the manager's notes and plan rows, the follow-up, the call form
# and the signature comment. Each case asserts the status, a Swedish message that says what
# to do, the database unchanged (or changed exactly as intended) and the user's own text
# shown back.

from __future__ import annotations

import html as html_lib
import re
from datetime import date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from flask import Flask
from flask.testing import FlaskClient

from formserver.security.records import RecordSigner
from formserver.store import plans as plan_store
from formserver.store import talks as talk_store
from formserver.store.talks import Talk, employee_talks
from tests.factories import conn, person, sign_in

STOCKHOLM = ZoneInfo("Europe/Stockholm")
# WeasyPrint 70 opens its sRGB profile for PDF/A and never closes it (weasyprint/pdf/__init__.py
# line 151): a ResourceWarning from the library, not from the service (as in test_maintenance).
WEASYPRINT_ICC_LEAK = pytest.mark.filterwarnings(
    r"ignore:unclosed file <_io\.BufferedReader name='.*sRGB2014\.icc'>:ResourceWarning"
)
ROW = "r0000beef"  # a plan row id of the form the service makes (plan.new_row_id)
SAVED = "Det här var sparat sedan tidigare."

# --- reading pages and messages -------------------------------------------------------------------

# Words a Swedish instruction uses: the message must say what to do, not only what went wrong.
WHAT_TO_DO = re.compile(
    r"\b(gå tillbaka|korta|skriv|välj|tryck|kontrollera|rätta|skicka|spara|ladda|jämför|vänta"
    r"|ta bort|lägg till|ange|försök|dela upp|läs)\b",
    re.IGNORECASE,
)
ENGLISH = re.compile(
    r"\b(field|must|invalid|not a valid|required|error|please|too large|bad request)\b",
    re.IGNORECASE,
)
SWEDISH = re.compile(
    r"[åäö]|\b(och|inte|är|för|det|du|som|att|av|en|ett|i|på|med|till|eller|kan|ska|får|finns"
    r"|saknas|fyll|skriv|välj|rad)\b",
    re.IGNORECASE,
)


def text_of(fragment: str) -> str:
    """The text a reader sees in an HTML fragment."""
    return " ".join(html_lib.unescape(re.sub(r"<[^>]+>", " ", fragment)).split())


def main_text(page: str) -> str:
    """The text of the page's <main>: no header, no footer."""
    match = re.search(r"<main\b.*?</main>", page, re.S)
    return text_of(match.group(0) if match else page)


def message_of(page: str) -> str:
    """The error message as the user reads it: the error summary, else the page's main text."""
    summary = re.search(r'<div class="error-summary".*?</div>', page, re.S)
    return text_of(summary.group(0)) if summary else main_text(page)


def assert_swedish_instruction(page: str, *fragments: str) -> None:
    """A Swedish message that says what to do (and contains each fragment)."""
    message = message_of(page)
    assert SWEDISH.search(message), f"not Swedish: {message!r}"
    assert not ENGLISH.search(message), f"English words in the message: {message!r}"
    assert WHAT_TO_DO.search(message), f"the message does not say what to do: {message!r}"
    for fragment in fragments:
        assert fragment in message, f"{fragment!r} not in {message!r}"


def textarea(page: str, name: str) -> str | None:
    """A textarea's exact content, or None when the page has no such textarea."""
    match = re.search(
        rf'<textarea\b[^>]*\bname="{re.escape(name)}"[^>]*>(.*?)</textarea>', page, re.S
    )
    return html_lib.unescape(match.group(1)) if match else None


def input_value(page: str, name: str) -> str | None:
    """An <input>'s value attribute, or None when the page has no such input."""
    match = re.search(rf'<input\b[^>]*\bname="{re.escape(name)}"[^>]*\bvalue="([^"]*)"', page)
    return html_lib.unescape(match.group(1)) if match else None


def input_values(page: str, name: str) -> list[str]:
    """Every value of inputs with this name, in page order."""
    pattern = rf'<input\b[^>]*\bname="{re.escape(name)}"[^>]*\bvalue="([^"]*)"'
    return [html_lib.unescape(v) for v in re.findall(pattern, page)]


def tables(app: Flask) -> list[str]:
    """The database's tables, to prove nothing was dropped."""
    rows = conn(app).execute("SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name")
    return [r[0] for r in rows]


def count(app: Flask, table: str) -> int:
    return int(conn(app).execute(f"SELECT count(*) FROM {table}").fetchone()[0])


# --- records, read and written as the service does ------------------------------------------------


def keys(app: Flask) -> list[str | bytes]:
    return [*app.config["SECRET_KEY_FALLBACKS"], app.config["SECRET_KEY"]]


def signer(app: Flask, kind: str) -> RecordSigner:
    """The MAC signer of one kind of record (the salt the service uses)."""
    return RecordSigner(keys(app), kind)


def talk_by_year(app: Flask, role: str, year: int = 2026) -> Talk:
    """An employee's talk in a given year's round."""
    [found] = [t for t in employee_talks(conn(app), person(app, role).id) if t.year == year]
    return found


def plan_content(*, note: str = "", cell: str = "", day: str = "") -> dict[str, Any]:
    """Notes and one plan row of the rutin/handlingsplan talk, as the service stores them."""
    row = {"row_id": ROW}
    if cell:
        row["medarbetarens_mal"] = cell
    if day:
        row["datum"] = day
    return {
        "question_set": ["rutin", 1],
        "plan_template": ["handlingsplan", 1],
        "notes": {"arbetssituation": note} if note else {},
        "checks": {},
        "grids": {"mal": [row], "arets_utmaning": []},
    }


def latest_plan(app: Flask, talk: Talk) -> plan_store.PlanVersion | None:
    return plan_store.latest(conn(app), talk.id, signer(app, "plan"))


def save_plan(app: Flask, talk: Talk, content: dict[str, Any]) -> None:
    """Save a plan version as the manager's form would."""
    latest = latest_plan(app, talk)
    plan_store.save(
        conn(app),
        talk.id,
        content,
        expected=(latest.number, latest.edits) if latest else (0, 0),
        author_id=talk.manager_id,
        signer=signer(app, "plan"),
    )


def sign_plan(app: Flask, talk: Talk, *roles: str) -> None:
    """Sign the newest version (the talk must be held)."""
    latest = latest_plan(app, talk)
    assert latest is not None
    for role in roles:
        plan_store.sign(
            conn(app),
            talk.id,
            role=role,
            person_id=talk.employee_id if role == "employee" else talk.manager_id,
            number=latest.number,
            seen_hash=latest.content_hash,
            comment="",
            signer=signer(app, "plan"),
        )


def held_and_signed(app: Flask, talk: Talk, cell: str = "Lära mig SQL") -> None:
    """A plan with one row, the talk held and the plan signed by both."""
    save_plan(app, talk, plan_content(cell=cell))
    plan_store.mark_held(conn(app), talk.id)
    sign_plan(app, talk, "manager", "employee")


def call_directly(app: Flask, talk: Talk, starts: datetime, place: str = "Rum Ekern") -> None:
    """Record a call as the call form does, without the form."""
    talk_store.call_talk(
        conn(app),
        talk.id,
        expected_version=talk.version,
        starts_at=starts.replace(tzinfo=STOCKHOLM),
        duration_minutes=60,
        place=place,
    )


def in_days(days: int) -> date:
    return date.today() + timedelta(days=days)


def signed_in(app: Flask, role: str) -> FlaskClient:
    """A browser of its own, signed in as a person from factories.PEOPLE."""
    browser = app.test_client()
    sign_in(browser, app, role)
    return browser
