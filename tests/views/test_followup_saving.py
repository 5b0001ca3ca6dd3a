"""What a signed plan has to follow up, and how status and result are saved."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from flask import Flask

from tests.factories import SignIn, person, talk_of
from tests.views.followup_helpers import (
    BAD_STATUS,
    CONFLICT,
    CSRF_EXPIRED,
    NOTHING_YET,
    RESULT,
    STATUS_LABELS,
    followup_form,
    followup_rows,
    followup_url,
    open_followup,
    plan_rows,
    post_followup,
    result_text,
    row_ids,
    selected_status,
)
from tests.views.plan_helpers import (
    CHALLENGE,
    GOAL,
    HOW,
    PUBLIC_NOTE,
    held_plan,
    mark_held,
    sign_plan,
    signed_plan,
    write_plan,
)
from tests.views.prepare_helpers import audit_since
from tests.views.soup import one, parse, text_of

# --- 1. nothing to follow up before both have signed ----------------------------------------------


@pytest.mark.parametrize("state", ["nothing_written", "held_not_signed", "manager_signed_only"])
def test_there_is_nothing_to_follow_up_before_both_have_signed(
    app: Flask, signed_in: SignIn, state: str
) -> None:
    talk = talk_of(app, "employee_a")
    if state != "nothing_written":
        talk, manager, _ = held_plan(app)
        if state == "manager_signed_only":
            assert sign_plan(manager, talk).status_code == 302

    for role in ("employee_a", "manager"):
        html = open_followup(signed_in(role), talk)

        assert NOTHING_YET in text_of(parse(html))
        assert "<select" not in html and "<textarea" not in html
        assert GOAL not in html
    assert [
        (r["outcome"], r["detail"]) for r in audit_since(app, 0) if r["action"] == "followup.read"
    ] == [("ok", "employee"), ("ok", "manager")]


# --- 2. the rows of the signed plan -------------------------------------------------------------


def test_after_both_sign_every_written_row_of_the_plan_is_listed(app: Flask) -> None:
    talk, _, employee = signed_plan(app)
    ids = plan_rows(app, talk)

    html = open_followup(employee, talk)

    form = followup_form(html)
    assert row_ids(html) == [ids[GOAL], ids[CHALLENGE]]
    legends = [text_of(one(fs, "legend")) for fs in form.find_all("fieldset", class_="section")]
    assert legends == ["Individuella mål och kompetensutveckling, rad 1", "Årets utmaning, rad 1"]
    first, second = form.find_all("fieldset", class_="section")
    assert [
        (text_of(dt), dd.get_text())
        for dt, dd in zip(first.find_all("dt"), first.find_all("dd"), strict=True)
    ] == [
        ("Medarbetarens mål", GOAL),
        ("Hur ska det ske? Vilka aktiviteter ska genomföras?", HOW),
    ]
    assert [dd.get_text() for dd in second.find_all("dd")] == [CHALLENGE]
    for row_id in row_ids(html):
        select = one(form, "select", attrs={"name": f"status_{row_id}"})
        assert [text_of(o) for o in select.find_all("option")] == STATUS_LABELS
        assert selected_status(html, row_id) == "ej_paborjad"
        assert (
            text_of(one(form, "label", attrs={"for": f"result_{row_id}"})) == "Hur blev resultatet?"
        )
        assert result_text(html, row_id) == ""
        hint = parse(html).find(id=f"result_{row_id}-offentlig")
        assert hint is not None and text_of(hint) == PUBLIC_NOTE


def test_empty_rows_are_not_listed(app: Flask, signed_in: SignIn) -> None:
    talk = talk_of(app, "employee_a")
    manager = signed_in("manager")
    # Two rows in the first grid, the second left empty.
    response = write_plan(
        manager,
        talk,
        cells={("mal", 0, "medarbetarens_mal"): GOAL, ("mal", 1, "ansvarig"): ""},
    )
    assert response.status_code == 302
    assert mark_held(manager, talk).status_code == 302
    assert sign_plan(manager, talk).status_code == 302
    employee = signed_in("employee_a")
    assert sign_plan(employee, talk).status_code == 302

    html = open_followup(employee, talk)

    assert row_ids(html) == [plan_rows(app, talk)[GOAL]]


# --- 3. saving ------------------------------------------------------------------------------------


def test_the_employee_and_the_manager_save_status_and_result(app: Flask) -> None:
    talk, manager, employee = signed_plan(app)
    goal_row, challenge_row = row_ids(open_followup(employee, talk))
    started = datetime.now(UTC) - timedelta(seconds=2)

    response = post_followup(
        employee, talk, {f"status_{goal_row}": "pagar", f"result_{goal_row}": RESULT}
    )

    assert response.status_code == 302
    assert response.location.endswith(f"{followup_url(talk)}?sparad=1")
    back = employee.get(response.location).text
    assert "Uppföljningen är sparad." in back
    assert selected_status(back, goal_row) == "pagar"
    assert result_text(back, goal_row) == RESULT
    rows = followup_rows(app, talk)
    assert [
        (r["row_id"], r["status"], r["result"], r["version"], r["updated_by"]) for r in rows
    ] == [
        (goal_row, "pagar", RESULT, 1, person(app, "employee_a").id),
        (challenge_row, "ej_paborjad", "", 1, person(app, "employee_a").id),
    ]
    assert started <= datetime.fromisoformat(rows[0]["updated_at"]) <= datetime.now(UTC)

    # The manager sees it and writes the next step.
    seen = open_followup(manager, talk)
    assert selected_status(seen, goal_row) == "pagar"
    assert result_text(seen, goal_row) == RESULT
    done = post_followup(
        manager,
        talk,
        {f"status_{goal_row}": "klar", f"result_{goal_row}": "Klart i maj."},
        page=seen,
    )

    assert done.status_code == 302
    rows = followup_rows(app, talk)
    assert [(r["status"], r["result"], r["version"], r["updated_by"]) for r in rows] == [
        ("klar", "Klart i maj.", 2, person(app, "manager").id),
        ("ej_paborjad", "", 1, person(app, "employee_a").id),
    ]
    assert [r["actor_id"] for r in audit_since(app, 0) if r["action"] == "followup.save"] == [
        person(app, "employee_a").id,
        person(app, "manager").id,
    ]


def test_a_stale_version_gives_409_and_keeps_the_typed_text(app: Flask) -> None:
    talk, manager, employee = signed_plan(app)
    employee_page = open_followup(employee, talk)
    goal_row, _ = row_ids(employee_page)
    assert (
        post_followup(
            manager, talk, {f"status_{goal_row}": "klar", f"result_{goal_row}": "Chefens text."}
        ).status_code
        == 302
    )

    response = post_followup(
        employee,
        talk,
        {f"status_{goal_row}": "utgar", f"result_{goal_row}": "Medarbetarens text."},
        page=employee_page,
    )

    assert response.status_code == 409
    assert CONFLICT in text_of(parse(response.text))
    assert result_text(response.text, goal_row) == "Medarbetarens text."
    assert selected_status(response.text, goal_row) == "utgar"
    rows = followup_rows(app, talk)
    assert [(r["status"], r["result"], r["version"]) for r in rows][0] == (
        "klar",
        "Chefens text.",
        1,
    )


def test_an_invalid_status_is_refused_with_the_text_kept(app: Flask) -> None:
    talk, _, employee = signed_plan(app)
    html = open_followup(employee, talk)
    goal_row, _ = row_ids(html)

    response = post_followup(
        employee,
        talk,
        {f"status_{goal_row}": "fardig", f"result_{goal_row}": RESULT},
        page=html,
    )

    assert response.status_code == 400
    assert BAD_STATUS in text_of(parse(response.text))
    assert result_text(response.text, goal_row) == RESULT
    assert followup_rows(app, talk) == []


def test_a_missing_csrf_token_keeps_the_text_and_stores_nothing(app: Flask) -> None:
    talk, _, employee = signed_plan(app)
    html = open_followup(employee, talk)
    goal_row, _ = row_ids(html)

    response = post_followup(
        employee,
        talk,
        {"csrf_token": "", f"status_{goal_row}": "pagar", f"result_{goal_row}": RESULT},
        page=html,
    )

    assert response.status_code == 400
    assert CSRF_EXPIRED in response.text
    assert result_text(response.text, goal_row) == RESULT
    assert selected_status(response.text, goal_row) == "pagar"
    assert followup_rows(app, talk) == []


def test_a_result_over_the_limit_is_refused_with_the_text_kept(app: Flask) -> None:
    talk, _, employee = signed_plan(app)
    html = open_followup(employee, talk)
    goal_row, _ = row_ids(html)
    typed = "Början. " + "x" * app.config["TEXT_FIELD_MAX_CHARS"]

    response = post_followup(employee, talk, {f"result_{goal_row}": typed}, page=html)

    assert response.status_code == 400
    assert "Texten är för lång" in text_of(parse(response.text))
    assert result_text(response.text, goal_row) == typed
    assert followup_rows(app, talk) == []
