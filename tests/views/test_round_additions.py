"""Adding a person with a shorter employment to a round, with the reason: HR, and managers
only when policies.yml allows; CSRF; the typed reason survives errors; stored and audited."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from bs4 import BeautifulSoup
from flask import Flask
from flask.testing import FlaskClient

from formserver.services.roster import parse_roster
from formserver.store.people import import_roster
from formserver.store.talks import team_talks
from tests.factories import (
    PEOPLE,
    BreakConfig,
    conn,
    csrf_token,
    make_service,
    person,
    person_by_email,
    roster_csv,
    signed_in_browser,
)
from tests.factories import (
    talk_of as round_of,
)

DORA = "D1;Dora Korttid;dora.korttid@example.se;Syd;Vikarie;M1;visstid;2026-10-01;2027-01-31"
REASON = "Förordnandet förlängs troligen till hösten; hon vill prata om utveckling."


def hire_dora(app: Flask) -> str:
    """A fixed-term employee of four months joins Karin's unit after the round opened."""
    lines = [line for role, line in PEOPLE.items() if role != "leaver"]
    import_roster(conn(app), parse_roster(roster_csv(*lines, DORA)).rows)
    dora = person_by_email(conn(app), "dora.korttid@example.se")
    assert dora is not None
    return dora.id


def page_url(app: Flask) -> str:
    return f"/samtalsomgangar/{round_of(app, 'employee_a').round_id}/lagg-till"


def add(browser: FlaskClient, app: Flask, person_id: str, reason: str, token: str = "") -> Any:
    page = browser.get(page_url(app))
    data = {"csrf_token": token or csrf_token(page.text), "reason": reason}
    return browser.post(f"{page_url(app)}/{person_id}", data=data)


def additions_rows(app: Flask) -> list[dict[str, Any]]:
    return [dict(r) for r in conn(app).execute("SELECT * FROM round_additions")]


def denials(app: Flask) -> int:
    query = "SELECT count(*) FROM audit_log WHERE outcome = 'denied'"
    return int(conn(app).execute(query).fetchone()[0])


def test_hr_sees_who_is_outside_the_round_and_why(app: Flask) -> None:
    hire_dora(app)
    page = signed_in_browser(app, "hr").get(page_url(app))
    assert page.status_code == 200
    soup = BeautifulSoup(page.text, "html.parser")
    [section] = [s for s in soup.select("section.candidate") if "Dora Korttid" in s.text]
    assert "Syd, Vikarie. Tidsbegränsat anställd kortare tid än 5 månader." in section.text
    assert section.select_one("button").text == "Lägg till i omgången"
    assert "Samtalet hålls med Karin Chefsberg." in section.text


def test_hr_adds_a_short_employment_with_the_reason_stored_audited_and_shown(
    app: Flask,
) -> None:
    dora_id = hire_dora(app)
    hr = signed_in_browser(app, "hr")
    response = add(hr, app, dora_id, REASON)
    assert response.status_code == 302
    talks = [
        t for t in team_talks(conn(app), person(app, "manager").id) if t.employee_id == dora_id
    ]
    assert [(t.status, t.unit) for t in talks] == [("ej_kallad", "Syd")]
    [row] = additions_rows(app)
    assert (row["reason"], row["added_by"], row["talk_id"]) == (
        REASON,
        person(app, "hr").id,
        talks[0].id,
    )
    [entry] = conn(app).execute("SELECT * FROM audit_log WHERE action = 'round.add_person'")
    assert (entry["actor_id"], entry["object_type"]) == (person(app, "hr").id, "round")
    assert entry["detail"] == f"{dora_id} tillagd"

    page = hr.get(response.location)
    soup = BeautifulSoup(page.text, "html.parser")
    assert "Dora Korttid är nu med i samtalsomgången." in soup.select_one("[role=status]").text
    cells = [td.text for td in soup.select("table tbody td")]
    assert cells[:4] == ["Syd", "Dora Korttid", REASON, "Hanna Personalsson"]
    assert not [s for s in soup.select("section.candidate") if "Dora Korttid" in s.text]


def test_an_empty_reason_is_refused_and_nothing_is_added(app: Flask) -> None:
    dora_id = hire_dora(app)
    response = add(signed_in_browser(app, "hr"), app, dora_id, "   ")
    assert response.status_code == 400
    assert "Skriv varför samtalet ska hållas" in response.text
    assert additions_rows(app) == []


def test_an_expired_form_keeps_the_typed_reason(app: Flask) -> None:
    dora_id = hire_dora(app)
    response = add(signed_in_browser(app, "hr"), app, dora_id, REASON, token="gammal")
    assert response.status_code == 400
    soup = BeautifulSoup(response.text, "html.parser")
    assert "Sidan har varit öppen för länge" in soup.select_one("[role=alert]").text
    assert soup.select_one(f"#reason-{dora_id}").text == REASON
    assert additions_rows(app) == []


@pytest.mark.parametrize("role", ["manager", "other_manager", "employee_a"])
def test_without_the_policy_only_hr_may_add(app: Flask, role: str) -> None:
    dora_id = hire_dora(app)
    browser = signed_in_browser(app, role)
    before = denials(app)
    assert browser.get(page_url(app)).status_code == 404
    token = csrf_token(browser.get("/ny-lank").text)
    response = browser.post(
        f"{page_url(app)}/{dora_id}", data={"csrf_token": token, "reason": REASON}
    )
    assert response.status_code == 404
    assert additions_rows(app) == []
    assert denials(app) == before + 2


@pytest.fixture
def managers_may_app(tmp_path: Path, broken_config: BreakConfig) -> Iterator[Flask]:
    """A service whose policies.yml lets managers add their own employees."""
    root = broken_config(
        "policies.yml",
        "managers_may_add_short_employments: false",
        "managers_may_add_short_employments: true",
    )
    yield from make_service(tmp_path / "db", SITE_CONFIG_DIR=str(root))


def test_with_the_policy_a_manager_adds_only_their_own_employees(managers_may_app: Flask) -> None:
    app = managers_may_app
    dora_id = hire_dora(app)
    other = signed_in_browser(app, "other_manager")
    page = other.get(page_url(app))
    assert page.status_code == 200
    assert "Dora Korttid" not in page.text
    assert add(other, app, dora_id, REASON).status_code == 404

    karin = signed_in_browser(app, "manager")
    page = karin.get(page_url(app))
    assert "Dora Korttid" in page.text
    assert "Tillagda för hand" not in page.text  # HR's view of the reasons
    assert add(karin, app, dora_id, REASON).status_code == 302
    [row] = additions_rows(app)
    assert row["added_by"] == person(app, "manager").id

    assert signed_in_browser(app, "employee_a").get(page_url(app)).status_code == 404
