"""HR's round page lists each person per unit with their status, and who is not in the round
with the reason: statuses only, never what anyone wrote."""

from __future__ import annotations

from datetime import date, timedelta

from flask import Flask
from flask.testing import FlaskClient

from formserver.common.clock import local_today
from formserver.services.eligibility import why_not_eligible
from formserver.services.roster import parse_roster
from formserver.store.people import import_roster
from tests.factories import PEOPLE, SignIn, conn, open_round, roster_csv
from tests.views.hr_helpers import NAME, round_id
from tests.views.plan_helpers import NOTE, held_plan, sign_plan, signed_plan
from tests.views.soup import parse, text_of

SHORT_TERM = "V1;Vera Vikariesson;vera.vikariesson@example.se;Syd;Lärare;M1;visstid"


def tables(html: str) -> dict[str, list[list[str]]]:
    """Each table on the page by its caption, as rows of cell texts."""
    found = {}
    for table in parse(html).find_all("table"):
        caption = text_of(table.find("caption"))
        found[caption] = [
            [text_of(cell) for cell in row.find_all(["td"])]
            for row in table.find_all("tr")
            if row.find("td")
        ]
    return found


def round_page(hr: FlaskClient, app: Flask, year: int = 2026) -> str:
    page = hr.get(f"/hr/samtalsomgangar/{round_id(app, year)}")
    assert page.status_code == 200, page.text
    return page.text


def test_each_person_is_listed_per_unit_with_status_and_no_content(
    app: Flask, signed_in: SignIn
) -> None:
    signed_plan(app, "employee_a")  # A: both signed
    talk_b, manager, _ = held_plan(app, "employee_b", note="Bo vill byta arbetslag")
    assert sign_plan(manager, talk_b).status_code == 302  # B: the manager only

    html = round_page(signed_in("hr"), app)

    syd = tables(html)["Personer i Syd"]
    assert [NAME["employee_a"], NAME["manager"], "Underskriven av båda"] in syd
    assert [NAME["employee_b"], NAME["manager"], "Väntar på underskrift"] in syd
    assert [NAME["manager"], NAME["boss"], "Ej kallad"] in syd
    assert tables(html)["Personer i Norr"] == [
        [NAME["employee_c"], NAME["other_manager"], "Ej kallad"],
        [NAME["other_manager"], NAME["boss"], "Ej kallad"],
    ]
    assert NOTE not in html and "Bo vill byta arbetslag" not in html


def test_people_not_in_the_round_are_listed_with_the_reason(app: Flask, signed_in: SignIn) -> None:
    # Vera has a fixed-term job of four months: the routine needs five (policies.yml).
    start = local_today() - timedelta(days=20)
    end = start + timedelta(days=130)
    current = [line for role, line in PEOPLE.items() if role != "leaver"]
    rows = parse_roster(roster_csv(*current, f"{SHORT_TERM};{start};{end}")).rows
    import_roster(conn(app), rows)
    open_round(app, 2027, today=local_today())

    html = round_page(signed_in("hr"), app, 2027)

    outside = tables(html)["Personer som inte ingår, med skäl"]
    assert outside == [
        [NAME["boss"], "Ledning", "har ingen chef i personallistan"],
        ["Vera Vikariesson", "Syd", "tidsbegränsat anställd i 4 månader, under 5 månader"],
    ]
    assert "Vera Vikariesson" not in str(tables(html)["Personer i Syd"])
    assert "Alla i personallistan ingår" not in html


def test_someone_eligible_without_a_manager_is_listed_as_such(
    app: Flask, signed_in: SignIn
) -> None:
    # Tove, at the top, is eligible but has nobody to hold her talk with; L has left the roster.
    outside = tables(round_page(signed_in("hr"), app))["Personer som inte ingår, med skäl"]
    assert outside == [[NAME["boss"], "Ledning", "har ingen chef i personallistan"]]


def test_reasons_in_words() -> None:
    class Job:
        def __init__(self, kind: str, start: date, end: date | None) -> None:
            self.employment_type, self.start_date, self.end_date = kind, start, end

    on = date(2026, 9, 1)
    rules = {"permanent": True, "fixed_term_min_months": 5, "other": False, "on": on}
    assert why_not_eligible(Job("visstid", date(2026, 6, 1), date(2026, 10, 31)), **rules) == (
        "tidsbegränsat anställd i 4 månader, under 5 månader"
    )
    assert why_not_eligible(Job("visstid", date(2026, 6, 1), date(2026, 11, 1)), **rules) is None
    assert why_not_eligible(Job("tillsvidare", date(2026, 10, 1), None), **rules) == (
        "anställningen börjar 2026-10-01, efter omgångens start"
    )
    assert why_not_eligible(Job("annan", date(2020, 1, 1), None), **rules) == (
        "anställningsformen ”annan” ingår inte enligt policies.yml"
    )
