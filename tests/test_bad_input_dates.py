"""Impossible and out-of-order dates get a Swedish error with the typed text back."""

from __future__ import annotations

import pytest
from flask import Flask

from tests.bad_input_helpers import assert_swedish_instruction, input_value, textarea
from tests.bad_input_targets import SharedService, place_target
from tests.factories import ROW, data_dump, in_days, latest_plan, talk_by_year

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
    shared: SharedService, day: str
) -> None:
    app = shared.app
    target = shared.target("kallelse")
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
    target = place_target(app)
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
    shared: SharedService, day: str, fragment: str
) -> None:
    app = shared.app
    target = shared.dated_plan()
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
def test_a_plan_date_is_stored_as_yyyy_mm_dd_or_refused(shared: SharedService, day: str) -> None:
    app = shared.app
    target = shared.dated_plan()
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
