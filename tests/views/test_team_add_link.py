""" "Mina medarbetare" links a manager to adding a not eligible employee to the round, only when
policies.yml lets managers do it, and the page behind the link offers only their own people."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from flask import Flask

from formserver.services.roster import parse_roster
from formserver.store.people import import_roster
from tests.factories import (
    PEOPLE,
    BreakConfig,
    conn,
    csrf_token,
    make_service,
    person_by_email,
    roster_csv,
    signed_in_browser,
    talk_of,
)
from tests.views.soup import parse, text_of

LINK_TEXT = "Lägg till en medarbetare som inte är med i samtalsomgången"
DORA = "D1;Dora Korttid;dora.korttid@example.se;Syd;Vikarie;M1;visstid;2026-10-01;2027-01-31"
OLA = "O1;Ola Korttid;ola.korttid@example.se;Norr;Vikarie;N1;visstid;2026-10-01;2027-01-31"
REASON = "Vikariatet förlängs troligen; hon vill prata om sin utveckling."


def hire_short_employments(app: Flask) -> str:
    """Dora joins Karin's unit and Ola Erik's, both for four months; Dora's id."""
    lines = [line for role, line in PEOPLE.items() if role != "leaver"]
    import_roster(conn(app), parse_roster(roster_csv(*lines, DORA, OLA)).rows)
    dora = person_by_email(conn(app), "dora.korttid@example.se")
    assert dora is not None
    return dora.id


def add_links(html: str) -> list[str]:
    """The hrefs of every link on the page that reads like the add link."""
    return [a["href"] for a in parse(html).find_all("a") if LINK_TEXT in text_of(a)]


@pytest.fixture
def managers_may_app(tmp_path: Path, broken_config: BreakConfig) -> Iterator[Flask]:
    """A service whose policies.yml lets managers add their own employees."""
    root = broken_config(
        "policies.yml",
        "managers_may_add_short_employments: false",
        "managers_may_add_short_employments: true",
    )
    yield from make_service(tmp_path / "db", SITE_CONFIG_DIR=str(root))


def test_without_the_policy_the_team_page_has_no_add_link(app: Flask) -> None:
    hire_short_employments(app)
    page = signed_in_browser(app, "manager").get("/chef")
    assert page.status_code == 200
    assert add_links(page.text) == []
    assert "lagg-till" not in page.text


def test_with_the_policy_the_team_page_links_to_the_open_round(managers_may_app: Flask) -> None:
    app = managers_may_app
    hire_short_employments(app)
    round_id = talk_of(app, "employee_a").round_id
    page = signed_in_browser(app, "manager").get("/chef")
    assert add_links(page.text) == [f"/samtalsomgangar/{round_id}/lagg-till"]


def test_from_the_link_a_manager_adds_their_own_employee_and_sees_them_on_the_team_page(
    managers_may_app: Flask,
) -> None:
    app = managers_may_app
    dora_id = hire_short_employments(app)
    karin = signed_in_browser(app, "manager")
    [href] = add_links(karin.get("/chef").text)

    page = karin.get(href)
    assert page.status_code == 200
    names = [text_of(h) for h in parse(page.text).select("section.candidate h3")]
    assert names == ["Dora Korttid"]  # not Erik's Ola

    form = parse(page.text).select_one("section.candidate form")
    assert form is not None
    data = {"csrf_token": csrf_token(page.text), "reason": REASON}
    added = karin.post(str(form["action"]), data=data)
    assert added.status_code == 302
    assert dora_id in added.location

    team = parse(karin.get("/chef").text)
    assert "Dora Korttid" in [text_of(a) for a in team.select("table tbody td a")]


def test_the_link_shows_for_a_manager_whose_only_employee_is_outside_the_round(
    managers_may_app: Flask,
) -> None:
    """Erik's only talk is Cecilia's; with her gone from the roster he still gets the link."""
    app = managers_may_app
    lines = [line for role, line in PEOPLE.items() if role not in ("leaver", "employee_c")]
    import_roster(conn(app), parse_roster(roster_csv(*lines, OLA)).rows)
    round_id = talk_of(app, "employee_a").round_id
    page = signed_in_browser(app, "other_manager").get("/chef")
    assert "Du har inga medarbetare i någon samtalsomgång." in page.text
    assert add_links(page.text) == [f"/samtalsomgangar/{round_id}/lagg-till"]
