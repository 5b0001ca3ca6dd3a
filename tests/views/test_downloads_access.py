"""Nobody outside the team gets a download, and HR's coverage CSV holds counts only."""

from __future__ import annotations

import io
import json
import zipfile
from typing import Any

import pytest
from flask import Flask

from formserver.services.roster import parse_roster
from formserver.store.people import import_roster
from tests.factories import (
    PEOPLE,
    SignIn,
    conn,
    data_dump,
    open_round,
    person,
    roster_csv,
    signed_in_browser,
    talk_of,
)
from tests.views.downloads_helpers import (
    B_NOTE,
    COVERAGE_HEADER,
    a_signed_b_not,
    assert_all_quoted,
    assert_download_headers,
    audited,
    coverage_url,
    csv_rows,
    download,
    team_url,
)
from tests.views.plan_helpers import CHALLENGE, GOAL, NOTE, WEASYPRINT_ICC_LEAK
from tests.views.prepare_helpers import audit_since, last_audit_id

# --- nobody outside the team gets anything -------------------------------------------------------


@pytest.mark.parametrize("name", ["planer.zip", "oversikt.csv", "planer.json"])
@pytest.mark.parametrize("role", ["employee_a", "hr"])
def test_someone_without_a_team_in_the_round_gets_404_and_an_audited_denial(
    app: Flask, signed_in: SignIn, role: str, name: str
) -> None:
    round_id, _ = a_signed_b_not(app)
    browser = signed_in(role)
    before_data, before = data_dump(app), last_audit_id(app)

    status, _, body = download(browser, team_url(round_id, name))

    assert status == 404
    assert b"Sidan finns inte" in body
    assert NOTE.encode() not in body
    assert data_dump(app) == before_data
    new = audit_since(app, before)
    assert [(r["action"], r["outcome"], r["actor_id"], r["object_id"]) for r in new] == [
        ("team.download", "denied", person(app, role).id, round_id)
    ]
    assert new[0]["detail"] == team_url(round_id, name)


def _move_c_to_manager_m_and_open_2027(app: Flask) -> str:
    """C moves to manager M; a 2027 round opens. Manager N has nobody in it."""
    lines = [
        line.replace(";N1;", ";M1;") if role == "employee_c" else line
        for role, line in PEOPLE.items()
        if role != "leaver"
    ]
    import_roster(conn(app), parse_roster(roster_csv(*lines)).rows)
    opened = open_round(app, 2027)
    return opened.round_id


@pytest.mark.parametrize("name", ["planer.zip", "oversikt.csv", "planer.json"])
def test_another_manager_with_nobody_in_the_round_gets_404_and_an_audited_denial(
    app: Flask, signed_in: SignIn, name: str
) -> None:
    round_id = _move_c_to_manager_m_and_open_2027(app)
    other = signed_in("other_manager")
    before = last_audit_id(app)

    status, _, _ = download(other, team_url(round_id, name))

    assert status == 404
    assert [
        (r["action"], r["outcome"], r["actor_id"], r["object_id"]) for r in audit_since(app, before)
    ] == [("team.download", "denied", person(app, "other_manager").id, round_id)]


@WEASYPRINT_ICC_LEAK
def test_another_manager_gets_only_their_own_team(app: Flask, signed_in: SignIn) -> None:
    round_id, _ = a_signed_b_not(app)
    other = signed_in("other_manager")

    _, _, overview = download(other, team_url(round_id, "oversikt.csv"))
    _, _, handover = download(other, team_url(round_id, "planer.json"))
    _, _, archive = download(other, team_url(round_id, "planer.zip"))

    assert [row[0] for row in csv_rows(overview)[1:]] == ["Cecilia Testlund"]
    assert json.loads(handover)["plans"] == []
    with zipfile.ZipFile(io.BytesIO(archive)) as opened:
        assert opened.namelist() == []
    for body in (overview, handover):
        assert b"Anna" not in body and b"Bo Provsson" not in body


def test_an_unknown_round_is_404(signed_in: SignIn) -> None:
    manager = signed_in("manager")

    status, _, _ = download(manager, team_url("x" * 16, "oversikt.csv"))

    assert status == 404


# --- HR's coverage: counts, never content --------------------------------------------------------


def _coverage(app: Flask, round_id: str) -> tuple[list[list[str]], bytes]:
    hr = signed_in_browser(app, "hr")
    before = last_audit_id(app)
    status, headers, body = download(hr, coverage_url(round_id))
    assert status == 200
    assert_download_headers(headers, "text/csv; charset=utf-8", "tackning-2026.csv")
    assert_all_quoted(body)
    assert audited(app, before, "round.coverage") == [(person(app, "hr").id, "ok", round_id, "csv")]
    return csv_rows(body), body


def test_coverage_counts_per_unit_and_manager_and_counts_signed_plans(app: Flask) -> None:
    round_id = talk_of(app, "employee_a").round_id
    rows, _ = _coverage(app, round_id)
    # Each person counted once, at their status: ej kallad, kallad, förberedd, genomförd,
    # väntar på underskrift, underskriven av båda.
    nobody_called = {
        "HR": ["HR", "Tove Toppsson", "1", "1", "0", "0", "0", "0", "0"],
        "Norr E": ["Norr", "Erik Ledarsson", "1", "1", "0", "0", "0", "0", "0"],
        "Norr T": ["Norr", "Tove Toppsson", "1", "1", "0", "0", "0", "0", "0"],
        "Syd T": ["Syd", "Tove Toppsson", "1", "1", "0", "0", "0", "0", "0"],
    }
    assert rows == [
        COVERAGE_HEADER,
        nobody_called["HR"],
        nobody_called["Norr E"],
        nobody_called["Norr T"],
        ["Syd", "Karin Chefsberg", "2", "2", "0", "0", "0", "0", "0"],
        nobody_called["Syd T"],
    ]

    a_signed_b_not(app)
    rows, body = _coverage(app, round_id)

    # A: held and signed by both. B: held, signed by the manager only.
    assert rows[4] == ["Syd", "Karin Chefsberg", "2", "0", "0", "0", "0", "1", "1"]
    assert rows[1:4] + rows[5:] == list(nobody_called.values())
    text = body.decode("utf-8-sig")
    for content in (NOTE, B_NOTE, GOAL, CHALLENGE, "Anna Exempelsson", "Bo Provsson"):
        assert content not in text


@pytest.mark.parametrize("role", ["manager", "employee_a"])
def test_coverage_is_403_for_anyone_but_hr(app: Flask, signed_in: SignIn, role: str) -> None:
    round_id = talk_of(app, "employee_a").round_id
    browser = signed_in(role)
    before = last_audit_id(app)

    status, _, body = download(browser, coverage_url(round_id))

    assert status == 403
    assert "Du har inte behörighet".encode() in body
    new: list[dict[str, Any]] = audit_since(app, before)
    assert [(r["outcome"], r["actor_id"]) for r in new] == [("denied", person(app, role).id)]
    assert new[0]["action"] == "route:downloads.coverage_csv"


def test_coverage_of_an_unknown_round_is_404(signed_in: SignIn) -> None:
    hr = signed_in("hr")

    status, _, _ = download(hr, coverage_url("y" * 16))

    assert status == 404
