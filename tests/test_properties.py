"""Property tests over every form field (issue 6): any text is saved as its normalised self
(formserver.text.clean_text, clean_line for one-line fields) or refused with a Swedish field
error and shown back. Never a 500.

One service per module: each example reads what is stored before and after its own request.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path
from tempfile import gettempdir
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st
from hypothesis.configuration import set_hypothesis_home_dir
from werkzeug.test import TestResponse

from formserver import rounds
from formserver.paths import PROJECT_ROOT
from formserver.plan import check_questions, note_sections
from formserver.roster import COLUMNS, parse_roster
from formserver.siteconfig import load_site_config
from formserver.store import plans as plan_store
from formserver.store.preparations import get_preparation
from formserver.store.talks import get_talk
from formserver.text import clean_line, clean_text
from tests.factories import HEADER, conn, csrf_token, person
from tests.test_bad_input import (
    ENGLISH,
    ROW,
    SWEDISH,
    Target,
    _signature,
    call_directly,
    held_and_signed,
    input_value,
    latest_plan,
    make_app,
    message_of,
    signed_in,
    signer,
    talk_by_year,
    textarea,
)

# Hypothesis caches what it learns in .hypothesis/ of the working directory: keep the checkout
# clean (the example database is switched off below as well).
set_hypothesis_home_dir(str(Path(gettempdir()) / "formserver-hypothesis"))

SITE = load_site_config(PROJECT_ROOT / "site_config")
# Employee A has a talk in a round per question set (and so per plan template).
YEARS = {2026: "rutin", 2027: "goteborg", 2028: "kompetenssamtal", 2029: "rollsamtal"}
TEXT_LIMIT = 10_000  # TEXT_FIELD_MAX_CHARS

PROPERTY = settings(
    max_examples=60,
    deadline=None,
    database=None,
    derandomize=True,  # the same examples on every run: a failure is never a fluke
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)

# --- what people type ---------------------------------------------------------------------------

# Characters that normalisation, HTML, SQL, CSV and templates care about.
TRICKY = (
    "\x00\x01\x08\t\n\x0b\x0c\r\x1b\x1f\x7f\x85\x9f\xa0\xad \u200b\u200c\u200d\u200e\u200f"
    "\u2028\u2029\u202a\u202e\u2060\u2066\u2069\u3000\ufeff\ufffd\u212b\u0301\u0308\u030a"
    "aåäöÅ<>&\"';={}%$#@+-\\/\U0001f469\U0010fffd"
)


def repeated(limit: int) -> st.SearchStrategy[str]:
    """Long texts around a limit (before normalisation, which may shorten them)."""
    return st.builds(
        lambda unit, n: (unit * (n // len(unit) + 1))[:n],
        st.text(alphabet=st.sampled_from(TRICKY[60:] + "xyz\n"), min_size=1, max_size=4),
        st.integers(limit - 3, limit + 3),
    )


def texts(limit: int = TEXT_LIMIT) -> st.SearchStrategy[str]:
    """Any text: all of Unicode but surrogates, the tricky characters, and long ones."""
    return st.one_of(
        st.text(max_size=40),
        st.text(alphabet=st.sampled_from(TRICKY), max_size=40),
        repeated(limit),
    )


SHORT = st.one_of(st.text(max_size=20), st.text(alphabet=st.sampled_from(TRICKY), max_size=12))

# --- the service --------------------------------------------------------------------------------


@dataclass
class Service:
    """The module's service, its people's browsers and one CSRF token per browser."""

    app: Flask
    browsers: dict[str, FlaskClient] = field(default_factory=dict)
    tokens: dict[str, str] = field(default_factory=dict)

    def browser(self, role: str) -> FlaskClient:
        if role not in self.browsers:
            self.browsers[role] = signed_in(self.app, role)
            self.tokens[role] = csrf_token(self.browsers[role].get("/").text)
        return self.browsers[role]

    def post(self, role: str, url: str, data: dict[str, Any]) -> TestResponse:
        """A POST as the person's browser sends it (the CSRF token of their session)."""
        client = self.browser(role)
        return client.post(url, data={"csrf_token": self.tokens[role], **data})


@pytest.fixture(scope="module")
def service(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Service]:
    for app in make_app(tmp_path_factory.mktemp("properties"), NEW_LINK_LIMIT_PER_HOUR=10**9):
        for year, question_set in YEARS.items():
            if year != 2026:  # make_app opened 2026 with rutin
                rounds.open_round(
                    conn(app),
                    app.extensions["site_config"],
                    year=year,
                    question_set_id=question_set,
                    plan_template_id=SITE.question_sets[question_set].plan_template,
                    opened_by=person(app, "hr").id,
                    today=date(year, 1, 15),
                )
        # The plan talks are called (plan dates may not be before them); B's plan is signed.
        for year in YEARS:
            call_directly(app, talk_by_year(app, "employee_a", year), TALK_DAY)
        held_and_signed(app, talk_by_year(app, "employee_b"))
        yield Service(app)


TALK_DAY = datetime(2026, 12, 15, 10, 0)


def assert_field_error(page: str, name: str) -> None:
    """The page names the field as wrong, in Swedish."""
    assert f'id="{name}-fel"' in page, f"no field error for {name}"
    message = message_of(page)
    assert SWEDISH.search(message) and not ENGLISH.search(message), message


def differ(saved: str, expected: str) -> str:
    """Where a stored value parts from the expected one (long texts make unreadable diffs)."""
    at = next((i for i, (a, b) in enumerate(zip(saved, expected, strict=False)) if a != b), None)
    at = min(len(saved), len(expected)) if at is None else at
    return (
        f"stored {len(saved)} characters, expected {len(expected)}; they part at {at}: "
        f"{saved[at : at + 20]!r} != {expected[at : at + 20]!r}"
    )


def assert_not_500(response: TestResponse) -> None:
    assert response.status_code < 500, response.text[:500]


# --- the preparation: every text field and comment, every choice ----------------------------------


def _prep_fields() -> tuple[list[tuple[int, str, str, str]], list[tuple[int, str, str, list[str]]]]:
    text_fields, choice_fields = [], []
    for year, set_id in YEARS.items():
        question_set = SITE.question_sets[set_id]
        for q in question_set.questions():
            if q.kind == "text":
                text_fields.append((year, f"q_{q.id}", q.id, "value"))
                continue
            text_fields.append((year, f"c_{q.id}", q.id, "comment"))
            if q.kind == "scale":
                assert question_set.scale is not None
                choices = [str(v) for v in question_set.scale.values]
            else:
                choices = ["ja", "nej"]
            choice_fields.append((year, f"q_{q.id}", q.id, choices))
    return text_fields, choice_fields


PREP_TEXT, PREP_CHOICE = _prep_fields()


def _prepare(service: Service, year: int, fields: dict[str, str]) -> tuple[Any, TestResponse, Any]:
    app = service.app
    talk = talk_by_year(app, "employee_a", year)

    def stored() -> Any:
        return get_preparation(conn(app), talk.id, "employee", signer(app, "preparation"))

    before = stored()
    response = service.post(
        "employee_a",
        f"/samtal/{talk.id}/forberedelse",
        {"version": str(before.version if before else 0), "action": "spara", **fields},
    )
    return before, response, stored()


@PROPERTY
@example(target=PREP_TEXT[0], text="Sa\u030ang\u202e\u200b\r\n<b>{{ config }}</b>")
@example(target=PREP_TEXT[0], text="x" * (TEXT_LIMIT + 1))
@given(target=st.sampled_from(PREP_TEXT), text=texts())
def test_any_text_in_a_preparation_field_is_saved_normalised_or_refused(
    service: Service, target: tuple[int, str, str, str], text: str
) -> None:
    year, name, question, key = target

    before, response, after = _prepare(service, year, {name: text})

    assert_not_500(response)
    if response.status_code == 302:
        saved = after.answers.get(question, {}).get(key, "") if after else ""
        assert saved == clean_text(text), differ(saved, clean_text(text))
    else:
        assert response.status_code == 400
        assert_field_error(response.text, name)
        assert textarea(response.text, name) == clean_text(text)
        assert after == before


@PROPERTY
@example(target=PREP_CHOICE[0], text="6", pick=2)
@example(target=PREP_CHOICE[-1], text=" ", pick=2)
@given(
    target=st.sampled_from(PREP_CHOICE),
    text=st.one_of(
        st.sampled_from(
            ["", " ", "\t", "\u3000", " 3", "3 ", "JA", "Ja", "ja ", "0", "6", "nej\x00"]
        ),
        SHORT,
    ),
    pick=st.integers(0, 4),
)
def test_any_value_of_a_choice_is_a_listed_choice_or_refused(
    service: Service, target: tuple[int, str, str, list[str]], text: str, pick: int
) -> None:
    year, name, question, choices = target
    value = choices[pick % len(choices)] if pick < 2 else text

    before, response, after = _prepare(service, year, {name: value})

    assert_not_500(response)
    saved = after.answers.get(question, {}).get("value", "") if after else ""
    if response.status_code == 302:
        assert saved == (value if value in choices else ""), f"stored {saved!r} for {value!r}"
    else:
        assert response.status_code == 400
        assert_field_error(response.text, name)
        assert after == before


# --- the record of the talk: notes, plan cells, dates, yes/no items -------------------------------


def _plan_fields() -> tuple[list[tuple[int, str]], list[tuple[int, str]], list[tuple[int, str]]]:
    text_fields: list[tuple[int, str]] = []
    date_fields: list[tuple[int, str]] = []
    check_fields: list[tuple[int, str]] = []
    for year, set_id in YEARS.items():
        question_set = SITE.question_sets[set_id]
        template = SITE.plan_templates[question_set.plan_template]
        text_fields += [(year, f"note_{s.id}") for s in note_sections(question_set)]
        for grid in template.grids:
            for column in grid.columns:
                name = f"cell_{grid.id}_{ROW}_{column.id}"
                (date_fields if column.kind == "date" else text_fields).append((year, name))
                if column.kind == "result":
                    RESULT_FIELDS.add(name)
        check_fields += [(year, f"check_{q.id}") for q in check_questions(question_set)]
    return text_fields, date_fields, check_fields


# "Hur blev resultatet?" is written at the follow-up: a value posted with the plan is left out.
RESULT_FIELDS: set[str] = set()
PLAN_TEXT, PLAN_DATE, PLAN_CHECK = _plan_fields()


def _stored_plan_value(content: dict[str, Any], name: str) -> str:
    kind, _, rest = name.partition("_")
    if kind == "note":
        return str(content["notes"].get(rest, ""))
    if kind == "check":
        return str(content["checks"].get(rest, ""))
    grid_id, _, column = rest.partition(f"_{ROW}_")
    rows = [r for r in content["grids"].get(grid_id, []) if r["row_id"] == ROW]
    return str(rows[0].get(column, "")) if rows else ""


def _save_plan(service: Service, year: int, name: str, value: str) -> tuple[Any, TestResponse, Any]:
    app = service.app
    talk = talk_by_year(app, "employee_a", year)
    template = SITE.plan_templates[SITE.question_sets[YEARS[year]].plan_template]
    before = latest_plan(app, talk)
    response = service.post(
        "manager",
        f"/samtal/{talk.id}/plan",
        {
            "number": str(before.number if before else 0),
            "edits": str(before.edits if before else 0),
            "action": "spara",
            **{f"rows_{grid.id}": ROW for grid in template.grids},
            name: value,
        },
    )
    return before, response, latest_plan(app, talk)


@PROPERTY
@example(target=PLAN_TEXT[0], text="Sa\u030ang\u202e\u200b\r\n<b>{{ config }}</b>")
@example(target=PLAN_TEXT[0], text="x" * (TEXT_LIMIT + 1))
@given(target=st.sampled_from(PLAN_TEXT), text=texts())
def test_any_text_in_the_notes_and_plan_is_saved_normalised_or_refused(
    service: Service, target: tuple[int, str], text: str
) -> None:
    year, name = target

    before, response, after = _save_plan(service, year, name, text)

    assert_not_500(response)
    if response.status_code == 302:
        assert after is not None
        expected = "" if name in RESULT_FIELDS else clean_text(text)
        saved = _stored_plan_value(after.content, name)
        assert saved == expected, differ(saved, expected)
    else:
        assert response.status_code == 400
        assert_field_error(response.text, name)
        assert textarea(response.text, name) == clean_text(text)
        assert after == before


ISO_DAY = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")


@PROPERTY
@example(target=PLAN_DATE[0], day="2027-01-01")
@example(target=PLAN_DATE[0], day="20270101")
@example(target=PLAN_DATE[0], day="2026-02-30")
@given(
    target=st.sampled_from(PLAN_DATE),
    day=st.one_of(
        st.dates().map(date.isoformat),
        st.dates().map(lambda d: f" {d.isoformat()}\t"),
        st.dates().map(lambda d: d.strftime("%Y%m%d")),
        st.dates().map(lambda d: d.isoformat() + "T00:00"),
        st.sampled_from(["2026-02-30", "2026-13-01", "0000-01-01", "2026-W53-4", "9999-12-31"]),
        SHORT,
    ),
)
def test_any_plan_date_is_saved_as_an_iso_day_on_or_after_the_talk_or_refused(
    service: Service, target: tuple[int, str], day: str
) -> None:
    year, name = target

    before, response, after = _save_plan(service, year, name, day)

    assert_not_500(response)
    if response.status_code == 302:
        assert after is not None
        saved = _stored_plan_value(after.content, name)
        if day.strip():
            assert ISO_DAY.fullmatch(saved), f"stored {saved!r} for {day!r}"
            assert date.fromisoformat(saved) >= TALK_DAY.date()
            assert saved == date.fromisoformat(day.strip()).isoformat()
        else:
            assert saved == ""
    else:
        assert response.status_code == 400
        assert_field_error(response.text, name)
        assert input_value(response.text, name) == day.strip()
        assert after == before


@PROPERTY
@given(
    target=st.sampled_from(PLAN_CHECK),
    value=st.one_of(st.sampled_from(["ja", "nej", "", "JA", " ja", "nej\n"]), SHORT),
)
def test_any_value_of_a_yes_no_item_is_ja_nej_or_left_out(
    service: Service, target: tuple[int, str], value: str
) -> None:
    year, name = target

    _, response, after = _save_plan(service, year, name, value)

    assert_not_500(response)
    if response.status_code == 302:
        assert after is not None
        assert _stored_plan_value(after.content, name) == (value if value in ("ja", "nej") else "")
    else:
        assert response.status_code == 400
        assert_field_error(response.text, name)


# --- the follow-up: every row's status and result -------------------------------------------------

STATUSES = list(plan_store.FOLLOWUP_STATUSES)


@PROPERTY
@example(status="klar", text="x" * (TEXT_LIMIT + 1))
@example(status="ogiltig", text="Sa\u030ang\u202e\u200b")
@given(
    status=st.one_of(st.sampled_from(STATUSES), st.sampled_from(["", "KLAR", " klar"]), SHORT),
    text=texts(),
)
def test_any_follow_up_is_saved_normalised_or_refused(
    service: Service, status: str, text: str
) -> None:
    app = service.app
    talk = talk_by_year(app, "employee_b")

    def stored() -> Any:
        return plan_store.followups(conn(app), talk.id, signer(app, "followup")).get(ROW)

    before = stored()
    response = service.post(
        "employee_b",
        f"/samtal/{talk.id}/uppfoljning",
        {
            f"status_{ROW}": status,
            f"result_{ROW}": text,
            f"version_{ROW}": str(before.version if before else 0),
        },
    )

    assert_not_500(response)
    after = stored()
    if response.status_code == 302:
        assert after is not None
        assert after.status == status
        assert after.result == clean_text(text), differ(after.result, clean_text(text))
    else:
        assert response.status_code == 400
        if status not in STATUSES:
            assert "Välj en status i listan." in message_of(response.text)
        if len(clean_text(text)) > TEXT_LIMIT:
            assert_field_error(response.text, f"result_{ROW}")
        assert textarea(response.text, f"result_{ROW}") == clean_text(text)
        assert after == before


# --- the call: date, time, length, place and message ----------------------------------------------


@PROPERTY
@example(day="2030-01-01", start="10:00", duration="60", place="Rum\r\nBcc: x", message="")
@example(day="9999-12-31", start="10:00", duration="60", place="Rum", message="")
@given(
    day=st.one_of(
        st.dates(min_value=date.today(), max_value=date(9999, 12, 31)).map(date.isoformat),
        st.sampled_from(["2026-02-30", "9999-12-31", "", "i morgon"]),
        SHORT,
    ),
    start=st.one_of(st.sampled_from(["10:00", "00:00", "23:59", "24:00", "9", ""]), SHORT),
    duration=st.one_of(st.integers(-10, 600).map(str), SHORT),
    place=texts(300),
    message=texts(2000),
)
def test_any_call_is_recorded_normalised_or_refused(
    service: Service, day: str, start: str, duration: str, place: str, message: str
) -> None:
    app = service.app
    talk = talk_by_year(app, "employee_b")
    version = talk.version

    response = service.post(
        "manager",
        f"/samtal/{talk.id}/kalla",
        {
            "version": str(version),
            "day": day,
            "start": start,
            "duration": duration,
            "place": place,
            "message": message,
            "short_notice_ok": "y",
        },
    )

    assert_not_500(response)
    after = get_talk(conn(app), talk.id)
    assert after is not None
    if response.status_code == 200:
        assert after.place == clean_line(place), differ(after.place, clean_line(place))
        assert after.version == version + 1
        # What was accepted must work everywhere it goes: the calendar file too.
        assert_not_500(service.browser("manager").get(f"/samtal/{talk.id}/kallelse.ics"))
    else:
        assert response.status_code == 400
        assert 'class="field-error"' in response.text
        message_shown = message_of(response.text)
        assert SWEDISH.search(message_shown) and not ENGLISH.search(message_shown)
        assert input_value(response.text, "place") == clean_line(place)
        assert textarea(response.text, "message") == clean_text(message)
        assert after.version == version


# --- the signature comment ------------------------------------------------------------------------


@pytest.fixture(scope="module")
def signature(service: Service) -> Target:
    """Employee C signs their plan (talk held); each example gets a version nobody signed."""
    return _signature(service.app, "employee_c")


@PROPERTY
@example(text="Sa\u030ang\u202e\u200b\r\n<b>{{ config }}</b>")
@example(text="x" * 2001)
@given(text=texts(2000))
def test_any_signature_comment_is_saved_normalised_or_refused(
    service: Service, signature: Target, text: str
) -> None:
    signature.fresh()
    before = signature.read()

    response = signature.post(text)

    assert_not_500(response)
    if response.status_code == 302:
        saved = signature.read()
        assert saved == clean_text(text), differ(saved, clean_text(text))
    else:
        assert response.status_code == 400
        assert_field_error(response.text, "comment")
        assert textarea(response.text, "comment") == clean_text(text)
        assert signature.read() == before


# --- asking for a new sign-in link ----------------------------------------------------------------


@PROPERTY
@example(email=" Anna.Exempelsson@Example.SE\u200b ")
@given(email=st.one_of(st.emails(), st.emails().map(lambda e: f" {e.upper()}\u200b "), SHORT))
def test_any_address_for_a_new_link_is_looked_up_normalised_or_refused(
    service: Service, email: str
) -> None:
    client = service.app.test_client()
    page = client.get("/ny-lank")

    response = client.post("/ny-lank", data={"csrf_token": csrf_token(page.text), "email": email})

    assert_not_500(response)
    if response.status_code == 200:
        key = "ny-lank:e-post:" + clean_line(email).lower()
        row = conn(service.app).execute("SELECT 1 FROM rate_limits WHERE key = ?", (key,))
        assert row.fetchone() is not None, f"no attempt counted for {key!r}"
    else:
        assert response.status_code == 400
        assert_field_error(response.text, "email")
        assert input_value(response.text, "email") == clean_line(email)


# --- opening a round ------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def hr_service(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Service]:
    """A service of its own: opened rounds add talks for everyone."""
    for app in make_app(tmp_path_factory.mktemp("rounds")):
        yield Service(app)


@settings(PROPERTY, max_examples=30)
@example(year="2031", question_set="rutin", template="handlingsplan")
@example(year="10000", question_set="rutin", template="handlingsplan")
@given(
    year=st.one_of(st.integers(1990, 2110).map(str), SHORT),
    question_set=st.one_of(st.sampled_from(sorted(SITE.question_sets)), SHORT),
    template=st.one_of(st.sampled_from(sorted(SITE.plan_templates)), SHORT),
)
def test_any_new_round_is_opened_as_typed_or_refused(
    hr_service: Service, year: str, question_set: str, template: str
) -> None:
    app = hr_service.app
    rounds_before = conn(app).execute("SELECT count(*) FROM rounds").fetchone()[0]

    response = hr_service.post(
        "hr",
        "/hr/samtalsomgangar/ny",
        {"year": year, "question_set": question_set, "plan_template": template},
    )

    assert_not_500(response)
    rounds_after = conn(app).execute("SELECT count(*) FROM rounds").fetchone()[0]
    if response.status_code == 302:
        assert rounds_after == rounds_before + 1
        newest = conn(app).execute(
            "SELECT year, question_set_id, plan_template_id FROM rounds "
            "ORDER BY opened_at DESC, rowid DESC LIMIT 1"
        )
        assert tuple(newest.fetchone()) == (int(year), question_set, template)
    else:
        assert response.status_code in (400, 409)
        assert 'class="field-error"' in response.text
        assert rounds_after == rounds_before


# --- the roster: every cell -----------------------------------------------------------------------

ROSTER_PEOPLE = [
    "T1;Tove Toppsson;tove.toppsson@example.se;Ledning;Direktör;;tillsvidare;2020-01-01;",
    "A1;Anna Exempelsson;anna.exempelsson@example.se;Syd;Lärare;T1;tillsvidare;2020-01-01;",
]
FREE_TEXT = {"namn": "name", "enhet": "unit", "befattning": "title"}


def _csv_cell(value: str) -> str:
    return '"' + value.replace('"', '""') + '"'


@PROPERTY
@example(column="namn", text="Anna\u202eX")
@example(column="enhet", text="Syd\u200b")
@given(
    column=st.sampled_from(COLUMNS),
    text=st.one_of(
        texts(200),
        # No control characters (those are refused by design): the invisible ones get through.
        st.text(alphabet=st.characters(exclude_categories=("Cc", "Cs")), max_size=30),
        st.emails(),
        st.dates().map(str),
    ),
)
def test_any_roster_cell_is_read_normalised_or_reported_on_its_line(column: str, text: str) -> None:
    cells = ROSTER_PEOPLE[1].split(";")
    cells[COLUMNS.index(column)] = text
    line = ";".join(_csv_cell(c) for c in cells)
    data = (HEADER + "\n" + ROSTER_PEOPLE[0] + "\n" + line + "\n").encode()

    result = parse_roster(data)

    if result.ok:
        [_, row] = result.rows
        if column in FREE_TEXT:
            value = getattr(row, FREE_TEXT[column])
            # Runs of white space may be kept; nothing else may differ from clean_line.
            assert " ".join(value.split()) == clean_line(text), f"read {value!r} for {text!r}"
        elif column == "epost":
            assert row.email == clean_line(text).lower()
        elif column in ("startdatum", "slutdatum"):
            found = row.start_date if column == "startdatum" else row.end_date
            assert (found.isoformat() if found else "") == text.strip()
    else:
        assert {error.line for error in result.errors} == {3}, result.errors
        assert all(SWEDISH.search(error.message) for error in result.errors)
