"""Property tests: any address for a new link, new round and roster cell is read or refused."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st

from formserver.common.text import clean_line
from formserver.services.roster import COLUMNS, parse_roster
from tests.bad_input_helpers import SWEDISH, input_value
from tests.factories import HEADER, conn, csrf_token, make_service
from tests.properties_helpers import (
    PROPERTY,
    SHORT,
    SITE,
    Service,
    assert_field_error,
    assert_not_500,
    texts,
)

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
    for app in make_service(tmp_path_factory.mktemp("rounds")):
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
