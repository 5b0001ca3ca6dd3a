"""HR's coverage page shows counts per unit and manager, never what anyone wrote."""

from __future__ import annotations

from datetime import timedelta

from flask import Flask

from formserver.common.clock import local_today
from tests.factories import (
    SignIn,
    csrf_token,
    data_dump,
    fill_in_preparation,
    person,
    signed_in_browser,
    talk_of,
)
from tests.views.hr_helpers import COVERAGE_ROW, NAME, SECRET, UNIT, audit_rows, round_id
from tests.views.soup import one, parse, text_of

# --- Coverage: counts, never content -------------------------------------------------------


def prepare_as_employee_a(app: Flask) -> str:
    """The manager calls A; A writes SECRET and submits. Returns the talk id."""
    talk = talk_of(app, "employee_a")
    manager = signed_in_browser(app, "manager")
    form = manager.get(f"/samtal/{talk.id}/kalla").text
    called = manager.post(
        f"/samtal/{talk.id}/kalla",
        data={
            "csrf_token": csrf_token(form),
            "version": "1",
            "day": (local_today() + timedelta(days=21)).isoformat(),
            "start": "09:00",
            "duration": "60",
            "place": "Rum 1",
        },
    )
    assert called.status_code == 200, called.text
    employee = signed_in_browser(app, "employee_a")
    fill_in_preparation(employee, talk, {"q_halsa": SECRET})
    # The text is there for A: the check below for HR could otherwise pass for no reason.
    assert SECRET in employee.get(f"/samtal/{talk.id}/forberedelse").text
    assert SECRET in data_dump(app)
    return talk.id


def coverage_rows(html: str) -> dict[tuple[str, str], tuple[int, ...]]:
    return {(u, m): tuple(int(n) for n in counts) for u, m, *counts in COVERAGE_ROW.findall(html)}


def test_coverage_shows_counts_per_unit_and_manager_and_never_content(
    app: Flask, signed_in: SignIn
) -> None:
    talk_id = prepare_as_employee_a(app)
    hr = signed_in("hr")
    rid = round_id(app, 2026)

    page = hr.get(f"/hr/samtalsomgangar/{rid}")

    assert page.status_code == 200
    assert "Innehållet i samtalen visas aldrig här." in page.text
    assert "Frågeunderlag: Rutin för medarbetarsamtal – reflektionsområden (version 1)" in page.text
    rows = coverage_rows(page.text)
    # (ska ha samtal, then each counted once at their status: ej kallad, kallad, förberedd,
    # genomförd, väntar på underskrift, underskriven av båda); Karin's first count is checked
    # below.
    karin = (UNIT["employee_a"], NAME["manager"])
    expected = {
        (UNIT["employee_c"], NAME["other_manager"]): (1, 1, 0, 0, 0, 0, 0),
        (UNIT["other_manager"], NAME["boss"]): (1, 1, 0, 0, 0, 0, 0),
        (UNIT["manager"], NAME["boss"]): (1, 1, 0, 0, 0, 0, 0),
        (UNIT["hr"], NAME["boss"]): (1, 1, 0, 0, 0, 0, 0),
    }
    assert len(expected) == 4, "the test people's units have changed: update this test"
    assert {key: counts for key, counts in rows.items() if key != karin} == expected
    # B not called, A prepared.
    assert rows[karin][1:] == (1, 0, 1, 0, 0, 0)
    assert list(rows) == sorted(rows)
    entry = [r for r in audit_rows(app) if r["action"] == "round.coverage"][-1]
    assert (entry["actor_id"], entry["object_id"]) == (person(app, "hr").id, rid)

    hr_pages = [
        "/hr/",
        "/hr/personal",
        "/hr/samtalsomgangar/ny",
        f"/hr/samtalsomgangar/{rid}",
        "/",
        "/chef",
    ]
    for path in hr_pages:
        shown = hr.get(path)
        assert shown.status_code == 200, path
        assert SECRET not in shown.text, path
        assert "funderar på att säga upp" not in shown.text, path
    for path in (f"/samtal/{talk_id}", f"/samtal/{talk_id}/forberedelse"):
        refused = hr.get(path)
        assert refused.status_code == 404, path
        assert SECRET not in refused.text, path


def test_coverage_does_not_count_a_person_who_has_left_as_due(
    app: Flask, signed_in: SignIn
) -> None:
    # L left after the round opened; Karin has two employees who should have a talk, not three.
    page = signed_in("hr").get(f"/hr/samtalsomgangar/{round_id(app, 2026)}")

    rows = coverage_rows(page.text)
    assert rows[(UNIT["employee_a"], NAME["manager"])][0] == 2


def test_an_unknown_round_is_not_found(signed_in: SignIn) -> None:
    assert signed_in("hr").get("/hr/samtalsomgangar/AAAAAAAAAAAAAAAA").status_code == 404


def test_rounds_show_the_titles_of_their_question_set_and_plan_template(
    app: Flask, signed_in: SignIn
) -> None:
    hr = signed_in("hr")
    rid = round_id(app, 2026)

    overview = parse(hr.get("/hr/").text)
    status = parse(hr.get(f"/hr/samtalsomgangar/{rid}").text)

    [row] = one(overview, "table").tbody("tr")
    assert [text_of(cell) for cell in row("td")][1:3] == [
        "Rutin för medarbetarsamtal – reflektionsområden (version 1)",
        "Handlingsplan för individuella mål och kompetensutveckling",
    ]
    shown = text_of(status)
    assert "Planmall: Handlingsplan för individuella mål och kompetensutveckling." in shown
    assert "Planmall: handlingsplan" not in shown and "rutin (version" not in text_of(overview)
