"""Follow-up results after a plan change, and last year's plan in next year's preparation."""

from __future__ import annotations

import pytest
from bs4 import Tag
from flask import Flask

from formserver.store.talks import Talk
from tests.factories import SignIn, person
from tests.views.followup_helpers import (
    NOTHING_YET,
    RESULT,
    followup_url,
    open_followup,
    open_next_year,
    post_followup,
    result_text,
    row_ids,
)
from tests.views.plan_helpers import CHALLENGE, GOAL, HOW, signed_plan, write_plan
from tests.views.soup import one, parse, text_of

# --- 6. a change to the plan after signing --------------------------------------------------------


def test_results_stay_visible_while_a_changed_plan_waits_for_signatures(app: Flask) -> None:
    talk, manager, employee = signed_plan(app)
    goal_row, _ = row_ids(open_followup(employee, talk))
    assert (
        post_followup(
            employee, talk, {f"status_{goal_row}": "pagar", f"result_{goal_row}": RESULT}
        ).status_code
        == 302
    )
    # The manager changes the plan: version 2 waits for both signatures.
    assert (
        write_plan(manager, talk, notes={"samspela": "Tillägg efter samtalet"}).status_code == 302
    )

    html = open_followup(employee, talk)

    # Version 1 is still the plan both signed: its rows and results are not hidden.
    assert NOTHING_YET not in text_of(parse(html))
    assert goal_row in row_ids(html)
    assert result_text(html, goal_row) == RESULT


# --- 7. next year's preparation -------------------------------------------------------------------


def _followed_up_2026(app: Flask) -> tuple[Talk, str, str]:
    """A's 2026 plan signed by both; A saves the follow-up with the first row under way."""
    talk, _, employee = signed_plan(app)
    goal_row, challenge_row = row_ids(open_followup(employee, talk))
    assert (
        post_followup(
            employee, talk, {f"status_{goal_row}": "pagar", f"result_{goal_row}": RESULT}
        ).status_code
        == 302
    )
    return talk, goal_row, challenge_row


def _previous_plan(html: str) -> Tag | None:
    found = parse(html).find_all("section", class_="previous-plan")
    return found[0] if found else None


@pytest.mark.parametrize("viewer", ["employee_a", "manager"])
def test_next_years_preparation_shows_last_years_plan_and_its_follow_up(
    app: Flask, signed_in: SignIn, viewer: str
) -> None:
    talk_2026, _, _ = _followed_up_2026(app)
    talk_2027 = open_next_year(app)
    browser = signed_in(viewer)

    response = browser.get(f"/samtal/{talk_2027.id}/forberedelse")

    assert response.status_code == 200
    section = _previous_plan(response.text)
    assert section is not None
    assert text_of(one(section, "h2")) == "Planen från 2026 att följa upp"
    assert [text_of(h) for h in section.find_all("h3")] == [
        "Individuella mål och kompetensutveckling, rad 1",
        "Årets utmaning, rad 1",
    ]
    first, second = section.find_all("dl")
    pairs = list(zip([text_of(e) for e in first.find_all("dt")], first.find_all("dd"), strict=True))
    assert [(term, dd.get_text()) for term, dd in pairs] == [
        ("Medarbetarens mål", GOAL),
        ("Hur ska det ske? Vilka aktiviteter ska genomföras?", HOW),
        ("Status", "Pågår"),
        ("Hur blev resultatet?", RESULT),
    ]
    assert [
        (text_of(dt), dd.get_text())
        for dt, dd in zip(second.find_all("dt"), second.find_all("dd"), strict=True)
    ] == [("Medarbetarens utmaning", CHALLENGE), ("Status", "Inte påbörjad")]
    link = one(section, "a")
    assert link.attrs["href"] == followup_url(talk_2026)


def test_a_new_manager_does_not_see_last_years_plan(app: Flask, signed_in: SignIn) -> None:
    _followed_up_2026(app)
    talk_2027 = open_next_year(app, new_manager=True)
    assert talk_2027.manager_id == person(app, "other_manager").id
    new_manager = signed_in("other_manager")

    response = new_manager.get(f"/samtal/{talk_2027.id}/forberedelse")

    assert response.status_code == 200
    assert _previous_plan(response.text) is None
    assert "Planen från 2026" not in response.text
    for text in (GOAL, HOW, CHALLENGE, RESULT):
        assert text not in response.text
    # The employee still sees it in their own preparation.
    employee = signed_in("employee_a")
    own = employee.get(f"/samtal/{talk_2027.id}/forberedelse")
    section = _previous_plan(own.text)
    assert section is not None and GOAL in text_of(section)
