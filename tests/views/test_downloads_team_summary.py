"""The team page shows self-assessments only as averages over at least three people."""

from __future__ import annotations

import re

from bs4 import Tag
from flask import Flask
from flask.testing import FlaskClient

from formserver.security.keys import key_list
from formserver.services import sign_in as signin
from formserver.services.roster import parse_roster
from formserver.store import db
from formserver.store.people import import_roster, person_by_email
from formserver.store.talks import Talk, employee_talks
from tests.factories import (
    PEOPLE,
    SignIn,
    conn,
    csrf_token,
    fill_in_preparation,
    open_round,
    person,
    roster_csv,
    signed_in_browser,
    talk_of,
)
from tests.views.soup import one, parse, text_of

# --- the team page: aggregates only, over at least three people ----------------------------------

THIRD = ("D1", "Dora Tredjesson", "dora.tredjesson@example.se", "Syd", "Lärare", "M1")
RATINGS = {  # Förmåga, Vilja, Kunskap, Färdigheter
    "employee_a": ("2", "1", "3", "5"),
    "employee_b": ("4", "2", "3", "5"),
    "third": ("5", "5", "4", "4"),
}
SCALE_QUESTIONS = ("skatta_formaga", "skatta_vilja", "skatta_kunskap", "skatta_fardigheter")
HIDDEN = "Självskattningarna visas när minst tre har skickat in sin förberedelse."


def _three_in_a_competence_round(app: Flask) -> dict[str, Talk]:
    """A third employee under manager M, then a 2027 round with "kompetenssamtal"."""
    lines = [line for role, line in PEOPLE.items() if role != "leaver"]
    third = ";".join((*THIRD, "tillsvidare", "2020-01-01", ""))
    import_roster(conn(app), parse_roster(roster_csv(*lines, third)).rows)
    open_round(app, 2027, "kompetenssamtal", "aktivitetsplan")
    found = person_by_email(conn(app), THIRD[2])
    assert found is not None
    talks = {
        "employee_a": talk_of(app, "employee_a"),
        "employee_b": talk_of(app, "employee_b"),
        "third": employee_talks(conn(app), found.id)[0],
    }
    assert {t.year for t in talks.values()} == {2027}
    assert {t.manager_id for t in talks.values()} == {person(app, "manager").id}
    return talks


def _browser_of(app: Flask, who: str) -> FlaskClient:
    if who != "third":
        return signed_in_browser(app, who)
    found = person_by_email(conn(app), THIRD[2])
    assert found is not None
    keys = key_list(app.config)
    token = signin.issue_link(conn(app), keys, found, now=db.utc_now(), days=21, target="/")
    browser = app.test_client()
    page = browser.get(f"/logga-in/{token}")
    done = browser.post(f"/logga-in/{token}", data={"csrf_token": csrf_token(page.text)})
    assert done.status_code == 302, done.text
    return browser


def _prepare(app: Flask, who: str, talk: Talk, *, submit: bool) -> None:
    answers = {f"q_{q}": value for q, value in zip(SCALE_QUESTIONS, RATINGS[who], strict=True)}
    fill_in_preparation(_browser_of(app, who), talk, answers, submit=submit)


def _summary(html: str) -> Tag:
    """Everything after the heading of the group summary (up to the next round's heading)."""
    heading = re.escape("<h3>Gruppen i samtalsomgången 2027</h3>")
    match = re.search(heading + r"(.*?)(?=<h2>|</main>|$)", html, re.S)
    assert match, "no group summary on the page"
    return parse(match.group(1))


def test_with_fewer_than_three_self_assessments_nothing_per_group_is_shown(
    app: Flask, signed_in: SignIn
) -> None:
    talks = _three_in_a_competence_round(app)
    _prepare(app, "employee_a", talks["employee_a"], submit=True)
    _prepare(app, "employee_b", talks["employee_b"], submit=True)
    _prepare(app, "third", talks["third"], submit=False)  # a draft does not count

    page = signed_in("manager").get("/chef")

    assert page.status_code == 200
    summary = _summary(page.text)
    assert HIDDEN in text_of(summary)
    assert summary.find_all("svg") == [] and summary.find_all("table") == []
    assert "3.0" not in text_of(summary) and "1.5" not in text_of(summary)


def test_with_three_self_assessments_the_averages_are_shown_as_chart_and_table(
    app: Flask,
    signed_in: SignIn,
) -> None:
    talks = _three_in_a_competence_round(app)
    for who, talk in talks.items():
        _prepare(app, who, talk, submit=True)

    page = signed_in("manager").get("/chef")

    assert page.status_code == 200
    summary = _summary(page.text)
    assert HIDDEN not in text_of(summary)
    (svg,) = summary.find_all("svg")
    assert svg.attrs["role"] == "img"
    title = one(svg, "title")
    assert svg.attrs["aria-labelledby"] == title.attrs["id"]
    assert text_of(title).startswith("Genomsnittlig självskattning (1–5).")
    # 2, 4, 5 → 3.7; 1, 2, 5 → 2.7; 3, 3, 4 → 3.3; 5, 5, 4 → 4.7
    averages = ["3.7", "2.7", "3.3", "4.7"]
    svg_texts = [text_of(t) for t in svg.find_all("text")]
    assert svg_texts == [
        "Förmåga",
        "3.7",
        "Vilja",
        "2.7",
        "Kunskap",
        "3.3",
        "Färdigheter",
        "4.7",
    ]
    (table,) = [t for t in summary.find_all("table") if "(tabell)" in text_of(one(t, "caption"))]
    cells = [[text_of(td) for td in tr.find_all("td")] for tr in one(table, "tbody").find_all("tr")]
    assert cells == [
        ["Förmåga", "3.7", "3"],
        ["Vilja", "2.7", "3"],
        ["Kunskap", "3.3", "3"],
        ["Färdigheter", "4.7", "3"],
    ]
    # Nobody's own rating, and nobody's name, is in the group's summary.
    assert [row[1] for row in cells] == averages
    for name in ("Anna Exempelsson", "Bo Provsson", "Dora Tredjesson"):
        assert name not in text_of(summary)
