"""The menu and the service's own words: who sees "Mina medarbetare", where the handbook and the
routine link, and error pages that say what happened and what to do."""

from __future__ import annotations

import pytest
from flask import Flask

from formserver.paths import PROJECT_ROOT
from tests.factories import SignIn, conn, person, roster_csv
from tests.views.hr_helpers import CURRENT, upload
from tests.views.soup import one, parse, text_of


def menu(html: str) -> dict[str, str]:
    nav = one(parse(html), "nav", attrs={"aria-label": "Huvudmeny"})
    return {text_of(a): str(a["href"]) for a in nav.find_all("a")}


@pytest.mark.parametrize(
    ("role", "items"),
    [
        ("employee_a", ["Start", "Handboken"]),
        ("manager", ["Start", "Mina medarbetare", "Handboken"]),
        ("boss", ["Start", "Mina medarbetare", "Handboken"]),  # managers' manager
        ("hr", ["Start", "HR", "Handboken"]),
    ],
)
def test_mina_medarbetare_is_in_the_menu_only_for_people_with_employees(
    signed_in: SignIn, role: str, items: list[str]
) -> None:
    assert list(menu(signed_in(role).get("/").text)) == items


def test_a_manager_whose_employees_are_gone_still_has_the_talks_of_past_rounds(
    app: Flask, signed_in: SignIn
) -> None:
    # Karin's employees leave the roster; her talks of this year's round remain hers.
    hr = signed_in("hr")
    without = [line for line in CURRENT if ";M1;" not in line]
    assert upload(hr, roster_csv(*without)).status_code == 200
    assert person(app, "manager").employee_number == "M1"
    assert (
        conn(app)
        .execute("SELECT count(*) FROM people WHERE manager_number = 'M1' AND in_roster = 1")
        .fetchone()[0]
        == 0
    )

    assert "Mina medarbetare" in menu(signed_in("manager").get("/").text)


def test_the_menu_names_the_handbook_and_the_footer_links_the_whole_routine(app: Flask) -> None:
    page = parse(app.test_client().get("/").text)
    handbook = "http://127.0.0.1:5000/handbok/"  # site_config/organisation.yml

    assert menu(str(page))["Handboken"] == handbook
    footer = one(page, "footer")
    link = one(footer, "a")
    assert str(link["href"]) == f"{handbook}hela-rutinen/"
    assert text_of(footer) == (
        "Frågor om medarbetarsamtal? Läs hela rutinen för medarbetarsamtal i handboken."
    )
    # The print page of the whole routine is a page of the handbook.
    assert (PROJECT_ROOT / "docs" / "hela-rutinen.md").is_file()
    assert "hela-rutinen.md" in (PROJECT_ROOT / "mkdocs.yml").read_text("utf-8")


def test_a_page_for_another_role_says_what_to_do(signed_in: SignIn) -> None:
    response = signed_in("employee_a").get("/hr/")

    assert response.status_code == 403
    main = text_of(one(parse(response.text), "main"))
    assert "inte till för dig" not in main
    assert "sidan hör till en annan roll (till exempel HR)" in main
    assert "Gå till startsidan." in main


def test_a_broken_link_says_what_to_do_without_jargon(app: Flask) -> None:
    response = app.test_client().get("/logga-in/" + "A" * 40 + ".BBBBBB.CCCCCCCCCC")

    assert response.status_code == 400
    main = text_of(one(parse(response.text), "main"))
    assert "nyckel" not in main
    assert "Logga in på ett av sätten nedan." in main
    assert "Be om en ny inloggningslänk" in main
