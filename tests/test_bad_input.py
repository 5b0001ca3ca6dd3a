"""Bad input: a clear error and nothing lost (issue 6).

One parametrised test per kind of bad input, run against every free-text field a user reaches:
the preparation, the manager's notes and plan rows, the follow-up, the call form and the
signature comment. Each case asserts the status, a Swedish message that says what to do, the
database unchanged (or changed exactly as intended) and the user's own text shown back.
"""

from __future__ import annotations

import csv
import email.policy
import html as html_lib
import io
import json
import re
import urllib.parse
import zipfile
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from itertools import count as counter
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from flask import Flask
from flask.testing import FlaskClient
from icalendar import Calendar
from markupsafe import escape
from werkzeug.test import TestResponse

from formserver import rounds
from formserver.records import RecordSigner
from formserver.store import db
from formserver.store import plans as plan_store
from formserver.store import talks as talk_store
from formserver.store.preparations import get_preparation
from formserver.store.talks import Talk, employee_talks, get_talk
from formserver.text import clean_line, clean_text
from tests import smtp
from tests.factories import (
    EMAIL,
    HEADER,
    conn,
    csrf_token,
    data_dump,
    make_service,
    person,
    sign_in,
)
from tests.smtp import HOST, LoopbackSMTP

smtp_server = smtp.smtp_server  # the fixture, for the e-mail tests in this module

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


# --- every free-text field, as its user reaches it ------------------------------------------------


@dataclass
class Target:
    """One free-text field: where its form is, how it is sent and where its value is stored."""

    name: str
    client: FlaskClient
    page_url: str
    post_url: str
    field: str
    limit: int
    single_line: bool
    hidden: Callable[[str], dict[str, Any]]
    read: Callable[[], str]
    success: int = 302
    fresh: Callable[[], None] = lambda: None  # make it ready for one more save

    def open(self) -> str:
        """The form page, as the user opens it."""
        page = self.client.get(self.page_url)
        assert page.status_code == 200, page.text
        return page.text

    def data(self, text: str, page: str | None = None, **extra: Any) -> dict[str, Any]:
        """Everything the form sends, with `text` typed into the field."""
        return {**self.hidden(page or self.open()), self.field: text, **extra}

    def post(self, text: str, page: str | None = None, **extra: Any) -> TestResponse:
        """Open the form (unless given) and send it with `text` typed in."""
        return self.client.post(self.post_url, data=self.data(text, page, **extra))

    def post_raw(self, body: bytes, content_type: str) -> TestResponse:
        return self.client.post(self.post_url, data=body, content_type=content_type)

    def shown(self, page: str) -> str | None:
        """What the field holds on a page (a textarea, or an input for one-line fields)."""
        found = textarea(page, self.field)
        return found if found is not None else input_value(page, self.field)

    def normalised(self, text: str) -> str:
        """What the service should store for `text`."""
        return clean_line(text) if self.single_line else clean_text(text)


def _preparation(app: Flask, role: str = "employee_a", year: int = 2026) -> Target:
    talk = talk_by_year(app, role, year)
    url = f"/samtal/{talk.id}/forberedelse"

    def hidden(page: str) -> dict[str, Any]:
        return {
            "csrf_token": csrf_token(page),
            "version": input_value(page, "version"),
            "action": "spara",
        }

    def read() -> str:
        found = get_preparation(conn(app), talk.id, "employee", signer(app, "preparation"))
        return found.answers.get("halsa", {}).get("value", "") if found else ""

    limit = int(app.config["TEXT_FIELD_MAX_CHARS"])
    client = signed_in(app, role)
    return Target("forberedelse", client, url, url, "q_halsa", limit, False, hidden, read)


def _plan_hidden(page: str) -> dict[str, Any]:
    return {
        "csrf_token": csrf_token(page),
        "number": input_value(page, "number"),
        "edits": input_value(page, "edits"),
        "action": "spara",
        "rows_mal": input_values(page, "rows_mal"),
        "rows_arets_utmaning": input_values(page, "rows_arets_utmaning"),
    }


def _plan(app: Flask, field: str, column: str | None, year: int = 2026) -> Target:
    talk = talk_by_year(app, "employee_a", year)
    save_plan(app, talk, plan_content())  # one (empty) row with a known id

    def read() -> str:
        latest = latest_plan(app, talk)
        if latest is None:
            return ""
        if column is None:
            return str(latest.content["notes"].get("arbetssituation", ""))
        [row] = [r for r in latest.content["grids"]["mal"] if r["row_id"] == ROW]
        return str(row.get(column, ""))

    url = f"/samtal/{talk.id}/plan"
    limit = int(app.config["TEXT_FIELD_MAX_CHARS"])
    name = "anteckningar" if column is None else "planrad"
    client = signed_in(app, "manager")
    return Target(name, client, url, url, field, limit, False, _plan_hidden, read)


def _note(app: Flask) -> Target:
    return _plan(app, "note_arbetssituation", None)


def _cell(app: Flask) -> Target:
    return _plan(app, f"cell_mal_{ROW}_medarbetarens_mal", "medarbetarens_mal")


def _followup(app: Flask, role: str = "employee_b") -> Target:
    talk = talk_by_year(app, role)
    held_and_signed(app, talk)
    url = f"/samtal/{talk.id}/uppfoljning"

    def hidden(page: str) -> dict[str, Any]:
        return {
            "csrf_token": csrf_token(page),
            f"status_{ROW}": "pagar",
            f"version_{ROW}": input_value(page, f"version_{ROW}"),
        }

    def read() -> str:
        found = plan_store.followups(conn(app), talk.id, signer(app, "followup")).get(ROW)
        return found.result if found else ""

    limit = int(app.config["TEXT_FIELD_MAX_CHARS"])
    client = signed_in(app, role)
    return Target("uppfoljning", client, url, url, f"result_{ROW}", limit, False, hidden, read)


def _place(app: Flask) -> Target:
    talk = talk_by_year(app, "employee_a")
    url = f"/samtal/{talk.id}/kalla"

    def hidden(page: str) -> dict[str, Any]:
        return {
            "csrf_token": csrf_token(page),
            "version": input_value(page, "version"),
            "day": in_days(30).isoformat(),
            "start": "10:00",
            "duration": "45",
            "message": "",
        }

    def read() -> str:
        found = get_talk(conn(app), talk.id)
        return found.place if found else ""

    client = signed_in(app, "manager")
    return Target("kallelse", client, url, url, "place", 300, True, hidden, read, success=200)


def _signature(app: Flask, role: str = "employee_a") -> Target:
    talk = talk_by_year(app, role)
    save_plan(app, talk, plan_content(cell="Gå en kurs i svenska"))
    plan_store.mark_held(conn(app), talk.id)
    versions = counter(1)

    def fresh() -> None:
        """A version nobody has signed yet (a signed one gets a successor)."""
        latest = latest_plan(app, talk)
        if latest is not None and latest.signatures:
            save_plan(app, talk, plan_content(cell=f"Gå en kurs i svenska, del {next(versions)}"))

    def hidden(page: str) -> dict[str, Any]:
        return {
            "csrf_token": csrf_token(page),
            "number": input_value(page, "number"),
            "content_hash": input_value(page, "content_hash"),
        }

    def read() -> str:
        latest = latest_plan(app, talk)
        signature = latest.signatures.get("employee") if latest else None
        return signature.comment if signature else ""

    url = f"/samtal/{talk.id}/plan"
    client = signed_in(app, role)
    return Target(
        "underskrift",
        client,
        url,
        url + "/signera",
        "comment",
        2000,
        False,
        hidden,
        read,
        fresh=fresh,
    )


TARGETS: dict[str, Callable[[Flask], Target]] = {
    "forberedelse": _preparation,
    "anteckningar": _note,
    "planrad": _cell,
    "uppfoljning": _followup,
    "kallelse": _place,
    "underskrift": _signature,
}
# Targets whose saved value can be saved again (a signature cannot be signed twice).
EDITABLE = [name for name in TARGETS if name != "underskrift"]


# In the shared service each target has a talk of its own: the signature needs a held talk,
# which would lock the preparation.
SHARED_ROLES = {"uppfoljning": "employee_b", "underskrift": "employee_c"}


def target_for(app: Flask, name: str) -> Target:
    """The target in this service (built once per service), ready for one more save."""
    built: dict[str, Target] = app.extensions.setdefault("bad_input_targets", {})
    if name not in built:
        build: Any = TARGETS[name]
        built[name] = build(app, SHARED_ROLES[name]) if name in SHARED_ROLES else build(app)
    target = built[name]
    target.fresh()
    return target


def seeded(app: Flask, name: str) -> Target:
    """The target with a value already saved (a draft that bad input must not wipe)."""
    target = target_for(app, name)
    if name in EDITABLE:
        response = target.post(SAVED)
        assert response.status_code == target.success, response.text
        assert target.read() == SAVED
    return target


@pytest.fixture(scope="module")
def shared_app(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Flask]:
    """One service for the many cases that each check their own before and after.

    Every such case proves "nothing changed" by comparing the database before and after its
    own request, so the cases need not start from an empty database.
    """
    for application in make_app(tmp_path_factory.mktemp("shared")):
        rounds.open_round(
            conn(application),
            application.extensions["site_config"],
            year=2027,
            question_set_id="rutin",
            plan_template_id="handlingsplan",
            opened_by=person(application, "hr").id,
            today=date(2027, 1, 15),
        )
        call_directly(application, talk_by_year(application, "employee_a", 2027), TALK_DAY)
        yield application


# The talk whose plan dates are checked (employee A, 2027 round) is held on this day.
TALK_DAY = datetime(2026, 12, 15, 10, 0)


def dated_plan(app: Flask) -> Target:
    """The plan row of a talk with a date (2027 round), built once per service."""
    built: dict[str, Target] = app.extensions.setdefault("bad_input_targets", {})
    if "datum" not in built:
        built["datum"] = _plan(app, f"cell_mal_{ROW}_medarbetarens_mal", "medarbetarens_mal", 2027)
    return built["datum"]


@pytest.fixture(params=list(TARGETS))
def target_name(request: pytest.FixtureRequest) -> str:
    return str(request.param)


def make_app(tmp_path: Path, **extra: Any) -> Iterator[Flask]:
    """Like the conftest app, with extra settings (SMTP)."""
    yield from make_service(tmp_path, **extra)


@pytest.fixture
def mail_app(tmp_path: Path, smtp_server: LoopbackSMTP) -> Iterator[Flask]:
    """The service sending e-mail through the loopback SMTP server."""
    yield from make_app(tmp_path, SMTP_HOST=HOST, SMTP_PORT=smtp_server.port)


# --- 1. oversized bodies and fields ---------------------------------------------------------------


def test_a_body_over_the_size_limit_gets_the_413_page_and_changes_nothing(
    shared_app: Flask, target_name: str
) -> None:
    target = seeded(shared_app, target_name)
    before = data_dump(shared_app)

    response = target.post("x" * (shared_app.config["MAX_CONTENT_LENGTH"] + 1024))

    assert response.status_code == 413
    assert_swedish_instruction(response.text, "Det du skickade var för stort", "Ingenting sparades")
    assert data_dump(shared_app) == before


def test_one_field_over_the_form_memory_limit_gets_the_413_page_and_changes_nothing(
    shared_app: Flask, target_name: str
) -> None:
    target = seeded(shared_app, target_name)
    too_big = "x" * (shared_app.config["MAX_FORM_MEMORY_SIZE"] + 1024)
    assert len(too_big) < shared_app.config["MAX_CONTENT_LENGTH"] - 4096
    before = data_dump(shared_app)

    response = target.post_raw(*multipart(target.data(too_big)))

    assert response.status_code == 413
    assert_swedish_instruction(response.text, "Det du skickade var för stort")
    assert data_dump(shared_app) == before


def test_one_big_urlencoded_field_is_refused_and_nothing_lost(
    shared_app: Flask, target_name: str
) -> None:
    """Over MAX_FORM_MEMORY_SIZE in an ordinary form post: the 413 page, or the text back."""
    target = seeded(shared_app, target_name)
    too_big = "Början. " + "x" * shared_app.config["MAX_FORM_MEMORY_SIZE"]
    before = data_dump(shared_app)

    response = target.post(too_big)

    assert response.status_code in (400, 413), response.status_code
    if response.status_code == 400:
        assert target.shown(response.text) == target.normalised(too_big)
    assert_swedish_instruction(response.text)
    assert data_dump(shared_app) == before


def test_a_text_over_the_field_limit_is_refused_with_the_text_shown_back(
    shared_app: Flask, target_name: str
) -> None:
    target = seeded(shared_app, target_name)
    typed = "Början av en lång text.\n" + "å" * target.limit
    before = data_dump(shared_app)

    response = target.post(typed)

    assert response.status_code == 400, (response.status_code, response.text[:300])
    assert_swedish_instruction(response.text, str(target.limit))
    assert target.shown(response.text) == target.normalised(typed)
    assert data_dump(shared_app) == before


def test_a_text_at_the_field_limit_is_saved_whole(shared_app: Flask, target_name: str) -> None:
    target = seeded(shared_app, target_name)
    typed = "å" * target.limit

    response = target.post(typed)

    assert response.status_code == target.success, response.text[:300]
    assert target.read() == typed


# --- 2. thousands of form fields ------------------------------------------------------------------


@pytest.mark.parametrize("encoding", ["urlencoded", "multipart"])
def test_thousands_of_fields_get_the_413_page_and_change_nothing(
    shared_app: Flask, target_name: str, encoding: str
) -> None:
    target = seeded(shared_app, target_name)
    assert shared_app.config["MAX_FORM_PARTS"] == 2000
    fields = target.data("Ny text som inte ska sparas", **{f"x{i}": "1" for i in range(5000)})
    body = (
        multipart(fields)
        if encoding == "multipart"
        else (urlencoded(fields).encode(), "application/x-www-form-urlencoded")
    )
    before = data_dump(shared_app)

    response = target.post_raw(*body)

    assert response.status_code == 413, response.status_code
    assert_swedish_instruction(response.text, "Ingenting sparades")
    assert data_dump(shared_app) == before


# --- 3. invalid UTF-8 and wrong content types: never "every field empty" --------------------------


def multipart(
    fields: dict[str, Any], raw_field: str | None = None, raw_value: bytes = b""
) -> tuple[bytes, str]:
    """A multipart body made in memory (one part's value may be given as raw bytes).

    Made by hand rather than by the test client, which spools big bodies to a temporary file
    that it never closes.
    """
    boundary = "gransgransgrans"
    parts = []
    for name, value in fields.items():
        for item in value if isinstance(value, list) else [value]:
            header = f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"\r\n\r\n'
            parts.append(header.encode() + str(item).encode() + b"\r\n")
    if raw_field is not None:
        header = f'--{boundary}\r\nContent-Disposition: form-data; name="{raw_field}"\r\n\r\n'
        parts.append(header.encode() + raw_value + b"\r\n")
    body = b"".join(parts) + f"--{boundary}--\r\n".encode()
    return body, f"multipart/form-data; boundary={boundary}"


def urlencoded(fields: dict[str, Any]) -> str:
    return urllib.parse.urlencode(fields, doseq=True)


BODIES: dict[str, Callable[[dict[str, Any], str], tuple[bytes, str]]] = {
    "json": lambda f, n: (json.dumps({**f, n: ""}).encode(), "application/json"),
    "text-plain": lambda f, n: (
        (urlencoded(f) + f"&{n}=").encode(),
        "text/plain",
    ),
    "xml": lambda f, n: (f"<form><{n}/></form>".encode(), "application/xml"),
    "latin1-raw": lambda f, n: (
        (urlencoded(f) + f"&{n}=").encode() + "h\xe4lsa".encode("latin-1"),
        "application/x-www-form-urlencoded",
    ),
    "latin1-percent": lambda f, n: (
        (urlencoded(f) + f"&{n}=h%E4lsa").encode(),
        "application/x-www-form-urlencoded",
    ),
    "overlong-utf8": lambda f, n: (
        (urlencoded(f) + f"&{n}=%C0%AF").encode(),
        "application/x-www-form-urlencoded",
    ),
    "surrogate-utf8": lambda f, n: (
        (urlencoded(f) + f"&{n}=%ED%A0%80").encode(),
        "application/x-www-form-urlencoded",
    ),
    "multipart-latin1": lambda f, n: multipart(f, n, "h\xe4lsa".encode("latin-1")),
}


@pytest.mark.parametrize("body", list(BODIES))
def test_an_unreadable_post_is_refused_and_the_saved_text_kept(
    shared_app: Flask, target_name: str, body: str
) -> None:
    target = seeded(shared_app, target_name)
    fields = target.hidden(target.open())
    raw, content_type = BODIES[body](fields, target.field)
    before = data_dump(shared_app)
    stored = target.read()

    response = target.post_raw(raw, content_type)

    assert response.status_code in (400, 415), (response.status_code, response.text[:300])
    assert_swedish_instruction(response.text)
    assert target.read() == stored
    assert data_dump(shared_app) == before


def test_a_post_without_a_body_is_refused_and_the_draft_kept(shared_app: Flask) -> None:
    target = seeded(shared_app, "forberedelse")
    before = data_dump(shared_app)

    response = target.post_raw(b"", "application/x-www-form-urlencoded")

    assert response.status_code == 400
    assert_swedish_instruction(response.text)
    assert target.read() == SAVED
    assert data_dump(shared_app) == before


# --- 4. control characters, bidi overrides, zero-width characters, Unicode to normalise -----------

NORMALISED = [
    # (typed, kept in a multi-line field, kept in a one-line field)
    pytest.param("a\x00b\x07c\x1bd\x7fe\x85f\x9fg", "abcdefg", "abcdefg", id="styrtecken-C0-C1"),
    pytest.param(
        "Anna\u202eagirdroM\u202c \u2066x\u2069 \u200fy",
        "AnnaagirdroM x \u200fy",
        "AnnaagirdroM x \u200fy",
        id="bidi",
    ),
    pytest.param(
        "noll\u200bbredd\u2060ord\ufeff och \U0001f469\u200d\U0001f4bb",
        "nollbreddord och \U0001f469\u200d\U0001f4bb",
        "nollbreddord och \U0001f469\u200d\U0001f4bb",
        id="nollbredd",
    ),
    pytest.param("Sa\u030ang ho\u0308st \u212b", "Sång höst Å", "Sång höst Å", id="NFC"),
    pytest.param(
        "rad ett\r\nrad två\rrad tre\u2028rad fyra",
        "rad ett\nrad två\nrad tre\nrad fyra",
        "rad ett rad två rad tre rad fyra",
        id="radbrytningar",
    ),
    pytest.param("  \tindrag\tmed tabb \n", "indrag\tmed tabb", "indrag med tabb", id="kanter"),
]


@pytest.mark.parametrize(("typed", "kept_text", "kept_line"), NORMALISED)
def test_typed_text_is_normalised_before_it_is_stored_and_shown(
    shared_app: Flask, target_name: str, typed: str, kept_text: str, kept_line: str
) -> None:
    target = target_for(shared_app, target_name)
    kept = kept_line if target.single_line else kept_text
    # The expectations are written out; they must also be what formserver.text says.
    assert kept == target.normalised(typed)

    response = target.post(typed)

    assert response.status_code == target.success, response.text[:300]
    assert target.read() == kept
    if target_name in EDITABLE:
        assert target.shown(target.open()) == kept


# --- 5. HTML, script and template syntax: text everywhere -----------------------------------------

MARKUP = [
    pytest.param("<script>alert('x')</script><img src=x onerror=alert(1)>", id="html-script"),
    pytest.param("{{ config }} {% debug %} {{ 7*7 }} ${7*7} #{7*7} <%= 7*7 %>", id="mallsyntax"),
    pytest.param("</textarea><b>fet</b>&amp; \"citat\" 'enkel'", id="textarea-utbrytning"),
]


@pytest.mark.parametrize("typed", MARKUP)
def test_markup_and_template_syntax_are_stored_as_typed_and_shown_as_text(
    shared_app: Flask, target_name: str, typed: str
) -> None:
    target = target_for(shared_app, target_name)

    response = target.post(typed)

    assert response.status_code == target.success, response.text[:300]
    assert target.read() == typed
    page = target.open() if target_name in EDITABLE else target.client.get(target.page_url).text
    assert str(escape(typed)) in page
    assert "<script>" not in page and "<b>fet</b>" not in page
    assert shared_app.config["SECRET_KEY"] not in page and "&lt;Config" not in page
    if target_name in EDITABLE:
        assert target.shown(page) == typed


def test_markup_in_the_call_reaches_the_email_and_invitation_as_plain_text(
    mail_app: Flask, smtp_server: LoopbackSMTP
) -> None:
    place = "<b>Rum</b> {{ config }} ${7*7}"
    message = "<script>alert(1)</script>\n{% debug %} {{ 7*7 }} & <i>kursiv</i>"
    target = _place(mail_app)

    response = target.post(place, message=message)

    assert response.status_code == 200, response.text[:300]
    [msg] = smtp_server.messages
    text_parts = [p for p in msg.walk() if p.get_content_type() == "text/plain"]
    assert [p.get_content_type() for p in msg.walk() if p.get_content_maintype() == "text"] == [
        "text/plain",
        "text/calendar",
    ]
    body = text_parts[0].get_content().replace("\r\n", "\n")
    assert f"Var: {place}" in body
    assert message in body
    assert mail_app.config["SECRET_KEY"] not in body
    [ics] = [p for p in msg.walk() if p.get_content_type() == "text/calendar"]
    [event] = Calendar.from_ical(ics.get_payload(decode=True)).walk("VEVENT")
    assert str(event["LOCATION"]) == place
    assert message in str(event["DESCRIPTION"])


@WEASYPRINT_ICC_LEAK
def test_markup_in_the_notes_is_text_in_the_pdf(app: Flask) -> None:
    from pypdf import PdfReader

    typed = "<script>alert(1)</script> {{ config }} {% debug %} ${7*7}"
    target = _note(app)
    assert target.post(typed).status_code == 302
    talk = talk_by_year(app, "employee_a")
    page = target.open()
    held = target.client.post(
        f"/samtal/{talk.id}/plan/genomford", data={"csrf_token": csrf_token(page)}
    )
    assert held.status_code == 302

    response = target.client.get(f"/samtal/{talk.id}/plan.pdf")

    assert response.status_code == 200
    assert response.mimetype == "application/pdf"
    text = "".join(p.extract_text() for p in PdfReader(io.BytesIO(response.data)).pages)
    assert typed in text
    assert app.config["SECRET_KEY"] not in text


# --- 6. formula cells in exports ------------------------------------------------------------------


def read_csv(body: bytes) -> list[list[str]]:
    assert body.startswith(b"\xef\xbb\xbf")
    return list(csv.reader(io.StringIO(body[3:].decode("utf-8")), delimiter=";"))


FORMULAS = [
    pytest.param("=1+1", "'=1+1", id="likhetstecken"),
    pytest.param(
        '=HYPERLINK("http://x.se/?a","Klicka")',
        '\'=HYPERLINK("http://x.se/?a","Klicka")',
        id="lank",
    ),
    pytest.param("+46 70 123 45 67", "'+46 70 123 45 67", id="plus"),
    pytest.param("-2+3", "'-2+3", id="minus"),
    pytest.param("@SUMMA(A1:A9)", "'@SUMMA(A1:A9)", id="snabel-a"),
    pytest.param("\u200b=1+1", "'=1+1", id="nollbredd-forst"),
    pytest.param("\t=cmd|' /C calc'!A0", "'=cmd|' /C calc'!A0", id="tabb-forst"),
    pytest.param("<b>Rum</b> {{ config }}", "<b>Rum</b> {{ config }}", id="markup"),
]


@pytest.mark.parametrize(("typed", "cell"), FORMULAS)
def test_formula_cells_in_the_team_csv_are_neutralised(
    shared_app: Flask, typed: str, cell: str
) -> None:
    app = shared_app
    target = target_for(app, "kallelse")
    assert target.post(typed).status_code == 200
    talk = talk_by_year(app, "employee_a")
    employee = person(app, "employee_a")
    try:
        with db.transaction(conn(app)):
            conn(app).execute(
                "UPDATE people SET name = ? WHERE id = ?", (clean_line(typed), employee.id)
            )
            conn(app).execute(
                "UPDATE talks SET unit = ? WHERE id = ?", (clean_line(typed), talk.id)
            )

        response = target.client.get(f"/chef/samtalsomgangar/{talk.round_id}/oversikt.csv")
    finally:
        with db.transaction(conn(app)):
            conn(app).execute(
                "UPDATE people SET name = ? WHERE id = ?", (employee.name, employee.id)
            )
            conn(app).execute("UPDATE talks SET unit = ? WHERE id = ?", (talk.unit, talk.id))

    assert response.status_code == 200
    rows = read_csv(response.data)
    [row] = [r for r in rows[1:] if r[4] == cell]
    assert row[0] == cell and row[1] == cell


def test_formula_cells_in_the_hr_coverage_csv_are_neutralised(app: Flask) -> None:
    with db.transaction(conn(app)):
        conn(app).execute(
            "UPDATE people SET name = '=cmd|''/C calc''!A0', unit = '@SUMMA(A1)' "
            "WHERE employee_number = 'M1'"
        )
        conn(app).execute(
            "UPDATE talks SET unit = '@SUMMA(A1)' WHERE employee_id = ?",
            (person(app, "employee_a").id,),
        )
    client = signed_in(app, "hr")
    talk = talk_by_year(app, "employee_a")

    response = client.get(f"/hr/samtalsomgangar/{talk.round_id}/tackning.csv")

    assert response.status_code == 200
    rows = read_csv(response.data)
    assert ["'@SUMMA(A1)", "'=cmd|'/C calc'!A0"] in [r[:2] for r in rows]
    assert not [cell for r in rows for cell in r if cell[:1] in ("=", "+", "-", "@")]


# --- 7. SQL syntax --------------------------------------------------------------------------------

SQL = [
    "'; DROP TABLE preparations; --",
    "Robert'); DROP TABLE people; --",
    "1' OR '1'='1",
    '" UNION SELECT id_hash FROM sessions --',
]


@pytest.mark.parametrize("typed", SQL)
def test_sql_syntax_is_stored_as_typed_and_the_tables_are_intact(
    shared_app: Flask, target_name: str, typed: str
) -> None:
    target = target_for(shared_app, target_name)
    before_tables, people = tables(shared_app), count(shared_app, "people")

    response = target.post(typed)

    assert response.status_code == target.success, response.text[:300]
    assert target.read() == typed
    assert tables(shared_app) == before_tables
    assert count(shared_app, "people") == people
    page = target.open() if target_name in EDITABLE else target.client.get(target.page_url).text
    assert str(escape(typed)) in page


# --- 8. CR/LF in anything that reaches an e-mail header or a file name ----------------------------

CRLF_NAME = "Anna Exempelsson\r\nBcc: evil@example.com"
HEADER_LINE = re.compile(rb"^([\x21-\x39\x3b-\x7e]+):")


def header_names(raw: bytes) -> list[str]:
    """Top-level header names of a raw message; fails on a line that is not a header or fold."""
    head = re.split(rb"\r?\n\r?\n", raw, maxsplit=1)[0]
    names = []
    for line in head.splitlines():
        if line[:1] in (b" ", b"\t"):
            continue
        match = HEADER_LINE.match(line)
        assert match, f"not a header line: {line!r}"
        names.append(match.group(1).decode().lower())
    return names


def set_name(app: Flask, number: str, name: str) -> None:
    """The roster refuses control characters, so put the name straight into the database."""
    with db.transaction(conn(app)):
        conn(app).execute("UPDATE people SET name = ? WHERE employee_number = ?", (name, number))


@pytest.mark.parametrize(
    ("number", "mail"), [("A1", "kallelse"), ("M1", "kallelse"), ("A1", "ny-lank")]
)
def test_a_line_break_in_a_name_cannot_add_a_header_or_a_recipient(
    mail_app: Flask, smtp_server: LoopbackSMTP, number: str, mail: str
) -> None:
    set_name(mail_app, number, CRLF_NAME)
    if mail == "kallelse":
        response = _place(mail_app).post("Rum Ekern")
        assert response.status_code == 200, response.text[:300]
    else:
        client = mail_app.test_client()
        page = client.get("/ny-lank")
        response = client.post(
            "/ny-lank",
            data={"csrf_token": csrf_token(page.text), "email": EMAIL["employee_a"]},
        )
        assert response.status_code == 200, response.text[:300]

    assert smtp_server.rcpt_tos == [[EMAIL["employee_a"]]]
    raw = smtp_server.envelopes[0].content
    names = header_names(raw)
    assert "bcc" not in names
    assert names.count("to") == 1 and names.count("from") == 1
    msg = smtp_server.messages[0]
    for header in ("To", "From", "Reply-To"):
        for address in getattr(msg[header], "addresses", ()):
            assert not re.search(r"[\r\n]", address.display_name)
            assert address.addr_spec != "evil@example.com"


FILENAME = re.compile(r'attachment; filename="[a-z0-9][a-z0-9.-]*"')
EVIL_NAME = 'Anna "Ex"\r\nX-Injected: ja ../../etc/passwd\\..\\boot.ini\x00'


@WEASYPRINT_ICC_LEAK
def test_a_name_with_quotes_and_line_breaks_gives_a_safe_pdf_file_name(app: Flask) -> None:
    set_name(app, "A1", EVIL_NAME)
    talk = talk_by_year(app, "employee_a")
    save_plan(app, talk, plan_content(note="Anteckning"))
    client = signed_in(app, "manager")

    response = client.get(f"/samtal/{talk.id}/plan.pdf")

    assert response.status_code == 200
    disposition = response.headers["Content-Disposition"]
    assert FILENAME.fullmatch(disposition), disposition
    assert disposition.endswith('.pdf"') and "/" not in disposition and "\\" not in disposition
    assert "X-Injected" not in response.headers


@WEASYPRINT_ICC_LEAK
def test_names_in_the_team_zip_are_safe_file_names(app: Flask) -> None:
    set_name(app, "A1", EVIL_NAME)
    talk = talk_by_year(app, "employee_a")
    held_and_signed(app, talk)
    client = signed_in(app, "manager")

    response = client.get(f"/chef/samtalsomgangar/{talk.round_id}/planer.zip")

    assert response.status_code == 200
    assert FILENAME.fullmatch(response.headers["Content-Disposition"])
    names = zipfile.ZipFile(io.BytesIO(response.data)).namelist()
    assert len(names) == 1
    assert all(re.fullmatch(r"[a-z0-9][a-z0-9.-]*\.pdf", n) for n in names), names


@WEASYPRINT_ICC_LEAK
def test_the_signed_copy_email_has_one_recipient_and_a_safe_attachment_name(
    mail_app: Flask, smtp_server: LoopbackSMTP
) -> None:
    set_name(mail_app, "A1", CRLF_NAME)
    talk = talk_by_year(mail_app, "employee_a")
    save_plan(mail_app, talk, plan_content(cell="Lära mig SQL"))
    plan_store.mark_held(conn(mail_app), talk.id)
    sign_plan(mail_app, talk, "manager")
    latest = latest_plan(mail_app, talk)
    assert latest is not None
    client = signed_in(mail_app, "employee_a")
    page = client.get(f"/samtal/{talk.id}/plan").text

    response = client.post(
        f"/samtal/{talk.id}/plan/signera",
        data={
            "csrf_token": csrf_token(page),
            "number": str(latest.number),
            "content_hash": latest.content_hash,
            "comment": "",
        },
    )

    assert response.status_code == 302, response.text[:300]
    assert smtp_server.rcpt_tos == [[EMAIL["employee_a"]]]
    raw = smtp_server.envelopes[0].content
    names = header_names(raw)
    assert "bcc" not in names and names.count("to") == 1
    msg = smtp_server.messages[0]
    [attachment] = list(msg.iter_attachments())
    filename = attachment.get_filename()
    assert filename and re.fullmatch(r"[a-z0-9][a-z0-9.-]*\.pdf", filename), filename
    parsed = email.message_from_bytes(raw, policy=email.policy.default)
    assert [a.addr_spec for a in parsed["To"].addresses] == [EMAIL["employee_a"]]


# --- 9. impossible and out-of-order dates ---------------------------------------------------------


@pytest.mark.parametrize(
    "day",
    [
        "2026-02-30",
        "2026-13-01",
        "0000-01-01",
        "10000-01-01",
        "31/12/2026",
        "i morgon",
        in_days(-1).isoformat(),
        "9999-12-31",
    ],
    ids=[
        "30-februari",
        "manad-13",
        "ar-0",
        "ar-10000",
        "fel-format",
        "text",
        "igar",
        "utanfor-rimligt-intervall",
    ],
)
def test_a_wrong_call_date_is_a_swedish_error_with_the_typed_text_back(
    shared_app: Flask, day: str
) -> None:
    app = shared_app
    target = target_for(app, "kallelse")
    message = "Ta med <dina> tankar & idéer."
    before = data_dump(app)

    response = target.post("Rum Björken", day=day, message=message)

    assert response.status_code == 400, (response.status_code, response.text[:300])
    assert_swedish_instruction(response.text, "Datum")
    assert 'id="day-fel"' in response.text
    assert input_value(response.text, "day") == day
    assert input_value(response.text, "place") == "Rum Björken"
    assert textarea(response.text, "message") == message
    assert data_dump(app) == before


def test_a_far_future_call_date_cannot_break_the_calendar_file(app: Flask) -> None:
    """Whatever date the call form accepts, the invitation for it can be downloaded."""
    target = _place(app)
    response = target.post("Rum Björken", day="9999-12-31", short_notice_ok="y")
    talk = talk_by_year(app, "employee_a")
    if response.status_code == 200:
        ics = target.client.get(f"/samtal/{talk.id}/kallelse.ics")
        assert ics.status_code == 200
    else:
        assert response.status_code == 400
        assert talk.starts_at is None


@pytest.mark.parametrize(
    ("day", "fragment"),
    [
        ("2026-02-30", "inte ett giltigt datum"),
        ("2026-13-01", "inte ett giltigt datum"),
        ("31/12/2026", "inte ett giltigt datum"),
        ("2026-12-14", "före samtalet"),
        ("2020-01-01", "före samtalet"),
    ],
    ids=["30-februari", "manad-13", "fel-format", "dagen-fore-samtalet", "flera-ar-fore"],
)
def test_a_wrong_plan_date_is_a_swedish_error_with_the_typed_text_back(
    shared_app: Flask, day: str, fragment: str
) -> None:
    app = shared_app
    target = dated_plan(app)
    note = "Anteckning som inte får försvinna <b>."
    date_field = f"cell_mal_{ROW}_datum"
    before = data_dump(app)

    response = target.post(
        "Mål som inte får försvinna", **{date_field: day, "note_arbetssituation": note}
    )

    assert response.status_code == 400, (response.status_code, response.text[:300])
    assert_swedish_instruction(response.text, fragment)
    assert input_value(response.text, date_field) == day
    assert textarea(response.text, target.field) == "Mål som inte får försvinna"
    assert textarea(response.text, "note_arbetssituation") == note
    assert data_dump(app) == before


@pytest.mark.parametrize("day", ["20261231", "2026-W53-4", "2026-12-31T00:00"])
def test_a_plan_date_is_stored_as_yyyy_mm_dd_or_refused(shared_app: Flask, day: str) -> None:
    app = shared_app
    target = dated_plan(app)
    date_field = f"cell_mal_{ROW}_datum"

    response = target.post("Mål", **{date_field: day})

    if response.status_code == 302:
        latest = latest_plan(app, talk_by_year(app, "employee_a", 2027))
        assert latest is not None
        [row] = latest.content["grids"]["mal"]
        assert row["datum"] == "2026-12-31"
    else:
        assert response.status_code == 400
        assert_swedish_instruction(response.text)


# --- 10. a stale version: both texts shown, nothing overwritten -----------------------------------


@pytest.mark.parametrize("name", EDITABLE)
def test_a_stale_version_shows_both_texts_and_overwrites_nothing(
    shared_app: Flask, name: str
) -> None:
    target = seeded(shared_app, name)
    first_tab, second_tab = target.open(), target.open()
    assert target.post("Text från första fliken.", first_tab).status_code == target.success

    response = target.post("Text från andra fliken.", second_tab)

    assert response.status_code == 409, (response.status_code, response.text[:300])
    assert_swedish_instruction(response.text)
    assert target.shown(response.text) == "Text från andra fliken."
    assert "Text från första fliken." in main_text(response.text), "the saved text is not shown"
    assert target.read() == "Text från första fliken."


# --- 11. a double submit: one record --------------------------------------------------------------


def _records(app: Flask, name: str) -> list[tuple[Any, ...]]:
    """The rows that one save of each target writes."""
    query = {
        "forberedelse": "SELECT talk_id, version, answers FROM preparations",
        "anteckningar": "SELECT talk_id, number, edits, content FROM plan_versions",
        "planrad": "SELECT talk_id, number, edits, content FROM plan_versions",
        "uppfoljning": "SELECT talk_id, row_id, version, result FROM followups",
        "kallelse": "SELECT id, version, place FROM talks WHERE called_at IS NOT NULL",
        "underskrift": "SELECT plan_version_id, role, comment FROM signatures",
    }[name]
    return [tuple(r) for r in conn(app).execute(query)]


def test_a_double_submit_stores_one_record(shared_app: Flask, target_name: str) -> None:
    target = target_for(shared_app, target_name)
    before = _records(shared_app, target_name)
    links = count(shared_app, "sign_in_links")
    page = target.open()

    first = target.post("Skickat två gånger.", page)
    after_first = _records(shared_app, target_name)
    second = target.post("Skickat två gånger.", page)

    assert first.status_code == target.success, first.text[:300]
    assert second.status_code == 409, (second.status_code, second.text[:300])
    assert_swedish_instruction(second.text)
    assert _records(shared_app, target_name) == after_first != before
    assert target.read() == "Skickat två gånger."
    if target_name == "kallelse":
        assert count(shared_app, "sign_in_links") == links + 1


# --- 12. a signed plan and an unfinished one ------------------------------------------------------


def test_editing_a_signed_plan_makes_a_new_version_and_keeps_the_signed_one(app: Flask) -> None:
    talk = talk_by_year(app, "employee_a")
    held_and_signed(app, talk, cell="Det vi skrev under")
    [signed] = plan_store.versions(conn(app), talk.id, signer(app, "plan"))
    target = _cell(app)

    response = target.post("Ändrat efter underskriften")

    assert response.status_code == 302, response.text[:300]
    old, new = plan_store.versions(conn(app), talk.id, signer(app, "plan"))
    assert old == signed
    assert old.content["grids"]["mal"][0]["medarbetarens_mal"] == "Det vi skrev under"
    assert set(old.signatures) == {"employee", "manager"}
    assert new.number == 2 and not new.signatures
    assert new.content["grids"]["mal"][0]["medarbetarens_mal"] == "Ändrat efter underskriften"
    assert (
        conn(app).execute("SELECT signed_at FROM talks WHERE id = ?", (talk.id,)).fetchone()[0]
        is None
    )
    page = target.open()
    assert "Version 2" in page and "Skriv under version 2" in page


def test_signing_before_the_talk_is_held_is_refused_with_the_comment_back(app: Flask) -> None:
    talk = talk_by_year(app, "employee_a")
    save_plan(app, talk, plan_content(cell="Inte klart än"))
    client = signed_in(app, "employee_a")
    page = client.get(f"/samtal/{talk.id}/plan").text
    latest = latest_plan(app, talk)
    assert latest is not None
    before = data_dump(app)

    response = client.post(
        f"/samtal/{talk.id}/plan/signera",
        data={
            "csrf_token": csrf_token(page),
            "number": str(latest.number),
            "content_hash": latest.content_hash,
            "comment": "Min kommentar <i>här</i>",
        },
    )

    assert response.status_code == 409
    assert textarea(response.text, "comment") == "Min kommentar <i>här</i>", "comment lost"
    assert_swedish_instruction(response.text, "inte markerat som genomfört")
    assert data_dump(app) == before
    assert count(app, "signatures") == 0


def test_marking_a_talk_held_with_nothing_written_is_refused(app: Flask) -> None:
    talk = talk_by_year(app, "employee_a")
    client = signed_in(app, "manager")
    page = client.get(f"/samtal/{talk.id}/plan").text
    before = data_dump(app)

    response = client.post(
        f"/samtal/{talk.id}/plan/genomford", data={"csrf_token": csrf_token(page)}
    )

    assert response.status_code == 409
    assert_swedish_instruction(response.text)
    assert data_dump(app) == before


def test_signing_a_version_that_changed_since_it_was_shown_is_refused(app: Flask) -> None:
    talk = talk_by_year(app, "employee_a")
    target = _signature(app)
    page = target.open()
    save_plan(app, talk, plan_content(cell="Ändrat av chefen under tiden"))
    before = data_dump(app)

    response = target.post("Jag skriver under", page)

    assert response.status_code == 409
    assert_swedish_instruction(response.text, "har ändrats")
    assert textarea(response.text, "comment") == "Jag skriver under"
    assert data_dump(app) == before


# --- 13. a roster with broken lines ---------------------------------------------------------------


def test_a_roster_with_broken_lines_lists_every_line_and_imports_nothing(app: Flask) -> None:
    lines = [
        HEADER,
        "T1;Tove Toppsson;tove.toppsson@example.se;Ledning;Direktör;;tillsvidare;2020-01-01;",
        "X2;Utan E-post;;Syd;Lärare;T1;tillsvidare;2020-01-01;",  # 3: no e-mail
        "X3;Fel Datum;x3@example.se;Syd;Lärare;T1;tillsvidare;2026-02-30;",  # 4: no such day
        'X4;"Trasiga citat;x4@example.se;Syd;Lärare;T1;tillsvidare;2020-01-01;',  # 5..: quotes
    ]
    broken_quotes = "\n".join(lines) + "\n"
    other_lines = [
        HEADER,
        "T1;Tove Toppsson;tove.toppsson@example.se;Ledning;Direktör;;tillsvidare;2020-01-01;",
        "X2;Utan E-post;;Syd;Lärare;T1;tillsvidare;2020-01-01;",
        "X3;Fel Datum;x3@example.se;Syd;Lärare;T1;tillsvidare;2026-02-30;",
        "X4;Slut Före;x4@example.se;Syd;Lärare;T1;visstid;2024-05-01;2024-01-01",
        "X5;Okänd Chef;x5@example.se;Syd;Lärare;Z9;tillsvidare;2020-01-01;",
        "X6;Berg, Anna;x6@example.se;Syd;Lärare;T1;tillsvidare;2020-01-01;;extra",
        "X7;<script>alert(1)</script>;x7@example.se;Syd;Lärare;T1;okänd;2020-01-01;",
    ]
    client = signed_in(app, "hr")
    for body, expected_lines in (
        (broken_quotes, [3, 4, 5]),
        ("\n".join(other_lines) + "\n", [3, 4, 5, 6, 7, 8]),
    ):
        page = client.get("/hr/personal")
        before = data_dump(app)

        response = client.post(
            "/hr/personal",
            data={
                "csrf_token": csrf_token(page.text),
                "roster": (io.BytesIO(body.encode()), "personal.csv"),
            },
            content_type="multipart/form-data",
        )

        assert response.status_code == 422
        assert_swedish_instruction(response.text, "Ingenting har ändrats")
        listed = [int(n) for n in re.findall(r"<li>Rad (\d+):", response.text)]
        assert sorted(set(listed)) == expected_lines, listed
        assert "<script>alert(1)</script>" not in response.text
        assert data_dump(app) == before
