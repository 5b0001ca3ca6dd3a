"""Follow-up of a signed plan (/samtal/<id>/uppfoljning) and last year's plan in next year's
preparation.

What a user or an auditor would check: there is nothing to follow up until both have signed,
then every row of the signed plan gets a status and "Hur blev resultatet?", written by the
employee or the manager, never overwriting each other, never losing typed text; a follow-up
changed behind the service's back is refused; next year the employee (and the manager, if it is
still the same) sees last year's plan with its results, a new manager does not.
"""

from __future__ import annotations

import json
from datetime import UTC, date, datetime, timedelta
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from werkzeug.datastructures import MultiDict
from werkzeug.test import TestResponse

from formserver import rounds
from formserver.roster import parse_roster
from formserver.store.people import import_roster
from formserver.store.talks import Talk
from tests.factories import PEOPLE, conn, csrf_token, data_dump, person, roster_csv, talk_of
from tests.views.test_plan import (
    CHALLENGE,
    GOAL,
    HOW,
    NOT_FOUND,
    NOT_VERIFIED,
    PUBLIC_NOTE,
    browser_fields,
    held_plan,
    mark_held,
    sign_plan,
    signed_in,
    signed_plan,
    write_plan,
)
from tests.views.test_prepare import Element, audit_since, last_audit_id, parse

NOTHING_YET = (
    "Det finns ingen plan som båda har skrivit under ännu, så det finns inget att följa upp."
)
CONFLICT = "Någon annan sparade uppföljningen medan du skrev. Ingenting är överskrivet."
BAD_STATUS = "Välj en status i listan."
CSRF_EXPIRED = "Sidan har varit öppen för länge"
STATUS_LABELS = ["Inte påbörjad", "Pågår", "Klar", "Utgår"]
RESULT = "Kursen är bokad – halvvägs “klar”, återstår: skuggning i maj…"

# --- the page as a browser sees and sends it --------------------------------------------------


def followup_url(talk: Talk) -> str:
    return f"/samtal/{talk.id}/uppfoljning"


def open_followup(client: FlaskClient, talk: Talk) -> str:
    page = client.get(followup_url(talk))
    assert page.status_code == 200, page.text
    return page.text


def followup_form(html: str) -> Element:
    """The follow-up form (the one with the status lists)."""
    forms = [f for f in parse(html).find_all("form") if f.find_all("select")]
    assert len(forms) == 1, f"expected one follow-up form, found {len(forms)}"
    return forms[0]


def row_ids(html: str) -> list[str]:
    """The plan rows on the follow-up page, in order (from their status lists)."""
    return [s.attrs["name"].removeprefix("status_") for s in followup_form(html).find_all("select")]


def post_followup(
    client: FlaskClient, talk: Talk, fields: dict[str, str], *, page: str | None = None
) -> TestResponse:
    """Send the follow-up form as it stands on `page` (opened now if not given), with `fields`."""
    html = open_followup(client, talk) if page is None else page
    data: MultiDict[str, str] = browser_fields(followup_form(html))
    for name, value in fields.items():
        data.setlist(name, [value])
    return client.post(followup_url(talk), data=data)


def selected_status(html: str, row_id: str) -> str:
    select = parse(html).one("select", name=f"status_{row_id}")
    return [o.attrs["value"] for o in select.find_all("option") if "selected" in o.attrs][0]


def result_text(html: str, row_id: str) -> str:
    return parse(html).one("textarea", name=f"result_{row_id}").raw_text()


def followup_rows(app: Flask, talk: Talk) -> list[dict[str, Any]]:
    rows = conn(app).execute("SELECT * FROM followups WHERE talk_id = ? ORDER BY rowid", (talk.id,))
    return [dict(r) for r in rows]


def plan_rows(app: Flask, talk: Talk) -> dict[str, str]:
    """Row ids of the stored plan by the text in their first written cell."""
    row = (
        conn(app)
        .execute(
            "SELECT content FROM plan_versions WHERE talk_id = ? ORDER BY number DESC LIMIT 1",
            (talk.id,),
        )
        .fetchone()
    )
    content = json.loads(row["content"])
    found = {}
    for rows in content["grids"].values():
        for r in rows:
            texts = [v for k, v in r.items() if k != "row_id"]
            if texts:
                found[texts[0]] = r["row_id"]
    return found


def open_next_year(app: Flask, *, new_manager: bool = False) -> Talk:
    """Open a 2027 round with "rutin" (A moved to manager N first, if asked); A's talk in it."""
    if new_manager:
        lines = [
            line.replace(";M1;", ";N1;") if role == "employee_a" else line
            for role, line in PEOPLE.items()
            if role != "leaver"
        ]
        import_roster(conn(app), parse_roster(roster_csv(*lines)).rows)
    rounds.open_round(
        conn(app),
        app.extensions["site_config"],
        year=2027,
        question_set_id="rutin",
        plan_template_id="handlingsplan",
        opened_by=person(app, "hr").id,
        today=date(2027, 1, 15),
    )
    talk = talk_of(app, "employee_a")
    assert talk.year == 2027
    return talk


# --- 1. nothing to follow up before both have signed ----------------------------------------------


@pytest.mark.parametrize("state", ["nothing_written", "held_not_signed", "manager_signed_only"])
def test_there_is_nothing_to_follow_up_before_both_have_signed(app: Flask, state: str) -> None:
    talk = talk_of(app, "employee_a")
    if state != "nothing_written":
        talk, manager, _ = held_plan(app)
        if state == "manager_signed_only":
            assert sign_plan(manager, talk).status_code == 302

    for role in ("employee_a", "manager"):
        html = open_followup(signed_in(app, role), talk)

        assert NOTHING_YET in parse(html).text()
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
    legends = [fs.one("legend").text() for fs in form.find_all("fieldset", class_="section")]
    assert legends == ["Individuella mål och kompetensutveckling, rad 1", "Årets utmaning, rad 1"]
    first, second = form.find_all("fieldset", class_="section")
    assert [
        (dt.text(), dd.raw_text())
        for dt, dd in zip(first.find_all("dt"), first.find_all("dd"), strict=True)
    ] == [
        ("Medarbetarens mål", GOAL),
        ("Hur ska det ske? Vilka aktiviteter ska genomföras?", HOW),
    ]
    assert [dd.raw_text() for dd in second.find_all("dd")] == [CHALLENGE]
    for row_id in row_ids(html):
        select = form.one("select", name=f"status_{row_id}")
        assert [o.text() for o in select.find_all("option")] == STATUS_LABELS
        assert selected_status(html, row_id) == "ej_paborjad"
        assert form.one("label", for_=f"result_{row_id}").text() == "Hur blev resultatet?"
        assert result_text(html, row_id) == ""
        hint = parse(html).by_id(f"result_{row_id}-offentlig")
        assert hint is not None and hint.text() == PUBLIC_NOTE


def test_empty_rows_are_not_listed(app: Flask) -> None:
    talk = talk_of(app, "employee_a")
    manager = signed_in(app, "manager")
    # Two rows in the first grid, the second left empty.
    response = write_plan(
        manager,
        talk,
        cells={("mal", 0, "medarbetarens_mal"): GOAL, ("mal", 1, "ansvarig"): ""},
    )
    assert response.status_code == 302
    assert mark_held(manager, talk).status_code == 302
    assert sign_plan(manager, talk).status_code == 302
    employee = signed_in(app, "employee_a")
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
    assert CONFLICT in parse(response.text).text()
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
    assert BAD_STATUS in parse(response.text).text()
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
    assert "Texten är för lång" in parse(response.text).text()
    assert result_text(response.text, goal_row) == typed
    assert followup_rows(app, talk) == []


# --- 4. nobody else -------------------------------------------------------------------------------


@pytest.mark.parametrize("method", ["GET", "POST"])
@pytest.mark.parametrize("role", ["employee_b", "other_manager", "hr"])
def test_others_get_404_an_audited_denial_and_change_nothing(
    app: Flask, role: str, method: str
) -> None:
    talk, _, employee = signed_plan(app)
    goal_row, _ = row_ids(open_followup(employee, talk))
    intruder = signed_in(app, role)
    token = csrf_token(intruder.get("/").text)
    before_data, before = data_dump(app), last_audit_id(app)

    if method == "GET":
        response = intruder.get(followup_url(talk))
    else:
        response = intruder.post(
            followup_url(talk),
            data={
                "csrf_token": token,
                f"status_{goal_row}": "klar",
                f"result_{goal_row}": "Ändrat av någon annan",
                f"version_{goal_row}": "0",
            },
        )

    assert response.status_code == 404
    assert NOT_FOUND in response.text
    assert GOAL not in response.text
    assert data_dump(app) == before_data
    assert [
        (r["outcome"], r["actor_id"], r["object_id"], r["detail"]) for r in audit_since(app, before)
    ] == [("denied", person(app, role).id, talk.id, f"{method} {followup_url(talk)}")]


# --- 5. a follow-up changed behind the service's back is refused ----------------------------------


def test_a_followup_changed_in_the_database_is_refused_and_audited(app: Flask) -> None:
    talk, manager, employee = signed_plan(app)
    goal_row, _ = row_ids(open_followup(employee, talk))
    assert (
        post_followup(
            employee, talk, {f"status_{goal_row}": "pagar", f"result_{goal_row}": RESULT}
        ).status_code
        == 302
    )
    (stored, _) = followup_rows(app, talk)
    conn(app).execute(
        "UPDATE followups SET status = 'klar', result = 'Allt klart!' WHERE id = ?",
        (stored["id"],),
    )
    before = last_audit_id(app)

    for browser in (employee, manager):
        response = browser.get(followup_url(talk))
        assert response.status_code == 500
        assert NOT_VERIFIED in response.text
        assert "Allt klart!" not in response.text and RESULT not in response.text

    failures = [r for r in audit_since(app, before) if r["action"] == "record.verify"]
    assert [(r["outcome"], r["object_type"], r["object_id"]) for r in failures] == [
        ("failed", "followup", stored["id"]),
        ("failed", "followup", stored["id"]),
    ]


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
    assert NOTHING_YET not in parse(html).text()
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


def _previous_plan(html: str) -> Element | None:
    found = parse(html).find_all("section", class_="previous-plan")
    return found[0] if found else None


@pytest.mark.parametrize("viewer", ["employee_a", "manager"])
def test_next_years_preparation_shows_last_years_plan_and_its_follow_up(
    app: Flask, viewer: str
) -> None:
    talk_2026, _, _ = _followed_up_2026(app)
    talk_2027 = open_next_year(app)
    browser = signed_in(app, viewer)

    response = browser.get(f"/samtal/{talk_2027.id}/forberedelse")

    assert response.status_code == 200
    section = _previous_plan(response.text)
    assert section is not None
    assert section.one("h2").text() == "Planen från 2026 att följa upp"
    assert [h.text() for h in section.find_all("h3")] == [
        "Individuella mål och kompetensutveckling, rad 1",
        "Årets utmaning, rad 1",
    ]
    first, second = section.find_all("dl")
    pairs = list(zip([e.text() for e in first.find_all("dt")], first.find_all("dd"), strict=True))
    assert [(term, dd.raw_text()) for term, dd in pairs] == [
        ("Medarbetarens mål", GOAL),
        ("Hur ska det ske? Vilka aktiviteter ska genomföras?", HOW),
        ("Status", "Pågår"),
        ("Hur blev resultatet?", RESULT),
    ]
    assert [
        (dt.text(), dd.raw_text())
        for dt, dd in zip(second.find_all("dt"), second.find_all("dd"), strict=True)
    ] == [("Medarbetarens utmaning", CHALLENGE), ("Status", "Inte påbörjad")]
    link = section.one("a")
    assert link.attrs["href"] == followup_url(talk_2026)


def test_a_new_manager_does_not_see_last_years_plan(app: Flask) -> None:
    _followed_up_2026(app)
    talk_2027 = open_next_year(app, new_manager=True)
    assert talk_2027.manager_id == person(app, "other_manager").id
    new_manager = signed_in(app, "other_manager")

    response = new_manager.get(f"/samtal/{talk_2027.id}/forberedelse")

    assert response.status_code == 200
    assert _previous_plan(response.text) is None
    assert "Planen från 2026" not in response.text
    for text in (GOAL, HOW, CHALLENGE, RESULT):
        assert text not in response.text
    # The employee still sees it in their own preparation.
    employee = signed_in(app, "employee_a")
    own = employee.get(f"/samtal/{talk_2027.id}/forberedelse")
    section = _previous_plan(own.text)
    assert section is not None and GOAL in section.text()
