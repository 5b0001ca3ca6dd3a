"""The manager's team: downloads (zip of signed PDFs, CSV overview, JSON for the HR system), the
group summary on the team page, and HR's coverage CSV (counts only).

What a manager, HR and an auditor would check: only plans signed by both leave the service as
completed plans, file names are made by the server, a spreadsheet never runs a formula hidden in
a name, the JSON says which question set and template (id and version) the plan was made with,
nobody outside the team gets anything, HR never gets content, every download is audited, and the
team page shows self-assessments only as averages over at least three people.
"""

from __future__ import annotations

import csv
import io
import json
import re
import zipfile
from datetime import date
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient

from formserver import rounds, signin
from formserver.roster import parse_roster
from formserver.store import db
from formserver.store.people import import_roster, person_by_email
from formserver.store.talks import Talk, employee_talks
from tests.factories import PEOPLE, conn, csrf_token, data_dump, person, roster_csv, talk_of
from tests.views.test_plan import (
    CHALLENGE,
    GOAL,
    NOTE,
    WEASYPRINT_ICC_LEAK,
    held_plan,
    pdf_text,
    sign_plan,
    signed_in,
    signed_plan,
    versions,
)
from tests.views.test_prepare import Element, audit_since, last_audit_id, parse

B_NOTE = "Bo vill gå ner i tid under våren."
QUOTED_FIELD = r'"(?:[^"]|"")*"'
OVERVIEW_HEADER = [
    "Medarbetare",
    "Enhet",
    "Status",
    "Datum",
    "Plats",
    "Planversion",
    "Underskriven av båda",
]
COVERAGE_HEADER = [
    "Enhet",
    "Chef",
    "Ska ha samtal",
    "Kallade",
    "Förberedda",
    "Genomförda",
    "Underskrivna",
]


def team_url(round_id: str, name: str) -> str:
    return f"/chef/samtalsomgangar/{round_id}/{name}"


def coverage_url(round_id: str) -> str:
    return f"/hr/samtalsomgangar/{round_id}/tackning.csv"


def download(client: FlaskClient, url: str) -> tuple[int, dict[str, str], bytes]:
    """Status, headers and the whole body of a download (the response closed after)."""
    with client.get(url) as response:
        body = response.get_data()
        return response.status_code, dict(response.headers), body


def csv_rows(body: bytes) -> list[list[str]]:
    """The cells of a CSV download, as Excel reads it (BOM, semicolons)."""
    assert body.startswith(b"\xef\xbb\xbf"), body[:10]
    text = body[3:].decode("utf-8")
    return list(csv.reader(io.StringIO(text, newline=""), delimiter=";"))


def assert_all_quoted(body: bytes) -> None:
    """Every line ends in CRLF and every field of it is quoted (read from the raw text)."""
    text = body.decode("utf-8-sig")
    assert text.endswith("\r\n")
    for line in text[: -len("\r\n")].split("\r\n"):
        assert re.fullmatch(rf"{QUOTED_FIELD}(?:;{QUOTED_FIELD})*", line), repr(line)


def assert_download_headers(headers: dict[str, str], content_type: str, filename: str) -> None:
    assert headers["Content-Type"] == content_type
    assert headers["Content-Disposition"] == f'attachment; filename="{filename}"'
    assert headers["Cache-Control"] == "no-store"


def audited(app: Flask, after: int, action: str) -> list[tuple[str, str, str, str]]:
    return [
        (r["actor_id"], r["outcome"], r["object_id"], r["detail"])
        for r in audit_since(app, after)
        if r["action"] == action
    ]


def a_signed_b_not(app: Flask) -> tuple[str, FlaskClient]:
    """A's plan signed by both; B's plan written and signed by the manager only."""
    talk_a, manager, _ = signed_plan(app)
    talk_b, _, _ = held_plan(app, "employee_b", note=B_NOTE)
    assert sign_plan(manager, talk_b).status_code == 302
    assert talk_a.round_id == talk_b.round_id
    return talk_a.round_id, manager


# --- the zip of signed PDFs --------------------------------------------------------------------


@WEASYPRINT_ICC_LEAK
def test_the_zip_holds_one_pdf_per_plan_signed_by_both_and_nothing_else(app: Flask) -> None:
    round_id, manager = a_signed_b_not(app)
    before = last_audit_id(app)

    status, headers, body = download(manager, team_url(round_id, "planer.zip"))

    assert status == 200
    assert_download_headers(headers, "application/zip", "planer-2026.zip")
    with zipfile.ZipFile(io.BytesIO(body)) as archive:
        assert archive.testzip() is None
        assert archive.namelist() == ["plan-2026-anna-exempelsson.pdf"]
        pdf = archive.read("plan-2026-anna-exempelsson.pdf")
    assert pdf.startswith(b"%PDF-")
    text = pdf_text(pdf)
    assert NOTE in text and GOAL in text and CHALLENGE in text
    assert "Anna Exempelsson" in text
    assert B_NOTE not in text
    assert audited(app, before, "team.download") == [
        (person(app, "manager").id, "ok", round_id, "zip")
    ]


@WEASYPRINT_ICC_LEAK
def test_zip_entry_names_are_made_by_the_server(app: Flask) -> None:
    talk_b, _, _ = signed_plan(app, "employee_b", note=B_NOTE)
    conn(app).execute(
        "UPDATE people SET name = ? WHERE id = ?",
        ('Bo "Örn" ../../etc/Provsson\r\nX-Header: 1 \\ ok', person(app, "employee_b").id),
    )
    manager = signed_in(app, "manager")

    status, _, body = download(manager, team_url(talk_b.round_id, "planer.zip"))

    assert status == 200
    with zipfile.ZipFile(io.BytesIO(body)) as archive:
        (name,) = archive.namelist()
        assert B_NOTE in pdf_text(archive.read(name))
    assert re.fullmatch(r"[a-z0-9.-]+\.pdf", name), name
    assert name.startswith("plan-2026-bo-orn-")
    assert "/" not in name and "\\" not in name and not name.startswith(".")


def test_a_zip_with_no_signed_plan_is_an_empty_valid_zip(app: Flask) -> None:
    talk, manager, _ = held_plan(app)

    status, _, body = download(manager, team_url(talk.round_id, "planer.zip"))

    assert status == 200
    with zipfile.ZipFile(io.BytesIO(body)) as archive:
        assert archive.namelist() == []


# --- the CSV overview ---------------------------------------------------------------------------


def test_the_overview_csv_is_excel_ready_and_lists_the_team(app: Flask) -> None:
    round_id, manager = a_signed_b_not(app)
    before = last_audit_id(app)

    status, headers, body = download(manager, team_url(round_id, "oversikt.csv"))

    assert status == 200
    assert_download_headers(headers, "text/csv; charset=utf-8", "oversikt-2026.csv")
    assert_all_quoted(body)
    assert body.decode("utf-8").startswith('\ufeff"Medarbetare";"Enhet";"Status";')
    assert csv_rows(body) == [
        OVERVIEW_HEADER,
        ["Anna Exempelsson", "Syd", "Genomförd", "", "", "1", "Ja"],
        ["Bo Provsson", "Syd", "Genomförd", "", "", "1", "Nej"],
    ]
    assert NOTE not in body.decode("utf-8-sig") and B_NOTE not in body.decode("utf-8-sig")
    assert audited(app, before, "team.download") == [
        (person(app, "manager").id, "ok", round_id, "csv")
    ]


@pytest.mark.parametrize(
    "name",
    [
        '=HYPERLINK("http://evil.example")',
        "+1",
        "-1",
        "@SUM(A1)",
        "\tTabb Tabbsson",
        "\rVagn Returnsson",
    ],
    ids=["equals", "plus", "minus", "at", "tab", "cr"],
)
def test_a_name_that_looks_like_a_formula_is_neutralised(app: Flask, name: str) -> None:
    talk = talk_of(app, "employee_a")
    conn(app).execute(
        "UPDATE people SET name = ? WHERE id = ?", (name, person(app, "employee_a").id)
    )
    manager = signed_in(app, "manager")

    status, _, body = download(manager, team_url(talk.round_id, "oversikt.csv"))

    assert status == 200
    cells = [row[0] for row in csv_rows(body)[1:]]
    assert "'" + name in cells
    assert name not in cells
    raw = body.decode("utf-8-sig")
    assert "\"'" + name.replace('"', '""') + '"' in raw
    if name.startswith("="):
        assert '"\'=HYPERLINK(""http://evil.example"")"' in raw


def test_safe_names_and_places_are_kept_and_a_formula_in_a_place_is_neutralised(
    app: Flask,
) -> None:
    talk = talk_of(app, "employee_a")
    conn(app).execute(
        "UPDATE people SET name = ? WHERE id = ?",
        ("Åsa Öberg-Ärlig", person(app, "employee_a").id),
    )
    conn(app).execute("UPDATE talks SET place = '@rum(1)' WHERE id = ?", (talk.id,))
    manager = signed_in(app, "manager")

    status, _, body = download(manager, team_url(talk.round_id, "oversikt.csv"))

    assert status == 200
    rows = {row[0]: row for row in csv_rows(body)[1:]}
    assert set(rows) == {"Åsa Öberg-Ärlig", "Bo Provsson"}
    assert rows["Åsa Öberg-Ärlig"][4] == "'@rum(1)"
    assert '"Åsa Öberg-Ärlig"' in body.decode("utf-8")


# --- the JSON for the HR system -------------------------------------------------------------------


def test_the_json_holds_the_signed_plans_with_set_and_template_versions(app: Flask) -> None:
    round_id, manager = a_signed_b_not(app)
    (version,) = versions(app, talk_of(app, "employee_a"))
    before = last_audit_id(app)

    status, headers, body = download(manager, team_url(round_id, "planer.json"))

    assert status == 200
    assert_download_headers(headers, "application/json", "planer-2026.json")
    assert b"Anna Exempelsson" in body
    assert "för mycket".encode() in body  # UTF-8 as written, not \u escapes
    data = json.loads(body)
    assert data["round_id"] == round_id
    (plan,) = data["plans"]
    assert plan["question_set"] == {"id": "rutin", "version": 1}
    assert plan["plan_template"] == {"id": "handlingsplan", "version": 1}
    assert plan["plan_version"] == 1
    assert plan["content_hash"] == version.content_hash
    assert plan["content"] == version.content
    assert plan["content"]["notes"] == {"arbetssituation": NOTE}
    assert plan["employee"] == {
        "name": "Anna Exempelsson",
        "email": "anna.exempelsson@example.se",
        "unit": "Syd",
    }
    assert plan["manager"]["name"] == "Karin Chefsberg"
    assert set(plan["signatures"]) == {"employee", "manager"}
    for role, signature in plan["signatures"].items():
        assert signature == {
            "signed_at": version.signatures[role].signed_at,
            "comment": "",
            "content_hash": version.content_hash,
        }
    assert B_NOTE not in body.decode("utf-8")
    assert audited(app, before, "team.download") == [
        (person(app, "manager").id, "ok", round_id, "json")
    ]


# --- nobody outside the team gets anything -------------------------------------------------------


@pytest.mark.parametrize("name", ["planer.zip", "oversikt.csv", "planer.json"])
@pytest.mark.parametrize("role", ["employee_a", "hr"])
def test_someone_without_a_team_in_the_round_gets_404_and_an_audited_denial(
    app: Flask, role: str, name: str
) -> None:
    round_id, _ = a_signed_b_not(app)
    browser = signed_in(app, role)
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
    opened = rounds.open_round(
        conn(app),
        app.extensions["site_config"],
        year=2027,
        question_set_id="rutin",
        plan_template_id="handlingsplan",
        opened_by=person(app, "hr").id,
        today=date(2027, 1, 15),
    )
    return opened.round_id


@pytest.mark.parametrize("name", ["planer.zip", "oversikt.csv", "planer.json"])
def test_another_manager_with_nobody_in_the_round_gets_404_and_an_audited_denial(
    app: Flask, name: str
) -> None:
    round_id = _move_c_to_manager_m_and_open_2027(app)
    other = signed_in(app, "other_manager")
    before = last_audit_id(app)

    status, _, _ = download(other, team_url(round_id, name))

    assert status == 404
    assert [
        (r["action"], r["outcome"], r["actor_id"], r["object_id"]) for r in audit_since(app, before)
    ] == [("team.download", "denied", person(app, "other_manager").id, round_id)]


@WEASYPRINT_ICC_LEAK
def test_another_manager_gets_only_their_own_team(app: Flask) -> None:
    round_id, _ = a_signed_b_not(app)
    other = signed_in(app, "other_manager")

    _, _, overview = download(other, team_url(round_id, "oversikt.csv"))
    _, _, handover = download(other, team_url(round_id, "planer.json"))
    _, _, archive = download(other, team_url(round_id, "planer.zip"))

    assert [row[0] for row in csv_rows(overview)[1:]] == ["Cecilia Testlund"]
    assert json.loads(handover)["plans"] == []
    with zipfile.ZipFile(io.BytesIO(archive)) as opened:
        assert opened.namelist() == []
    for body in (overview, handover):
        assert b"Anna" not in body and b"Bo Provsson" not in body


def test_an_unknown_round_is_404(app: Flask) -> None:
    manager = signed_in(app, "manager")

    status, _, _ = download(manager, team_url("x" * 16, "oversikt.csv"))

    assert status == 404


# --- HR's coverage: counts, never content --------------------------------------------------------


def _coverage(app: Flask, round_id: str) -> tuple[list[list[str]], bytes]:
    hr = signed_in(app, "hr")
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
    assert rows == [
        COVERAGE_HEADER,
        ["HR", "Tove Toppsson", "1", "0", "0", "0", "0"],
        ["Norr", "Erik Ledarsson", "1", "0", "0", "0", "0"],
        ["Norr", "Tove Toppsson", "1", "0", "0", "0", "0"],
        ["Syd", "Karin Chefsberg", "2", "0", "0", "0", "0"],
        ["Syd", "Tove Toppsson", "1", "0", "0", "0", "0"],
    ]

    a_signed_b_not(app)
    rows, body = _coverage(app, round_id)

    # A: held and signed by both. B: held, signed by the manager only.
    assert rows[4] == ["Syd", "Karin Chefsberg", "2", "2", "2", "2", "1"]
    assert rows[1:4] + rows[5:] == [
        ["HR", "Tove Toppsson", "1", "0", "0", "0", "0"],
        ["Norr", "Erik Ledarsson", "1", "0", "0", "0", "0"],
        ["Norr", "Tove Toppsson", "1", "0", "0", "0", "0"],
        ["Syd", "Tove Toppsson", "1", "0", "0", "0", "0"],
    ]
    text = body.decode("utf-8-sig")
    for content in (NOTE, B_NOTE, GOAL, CHALLENGE, "Anna Exempelsson", "Bo Provsson"):
        assert content not in text


@pytest.mark.parametrize("role", ["manager", "employee_a"])
def test_coverage_is_403_for_anyone_but_hr(app: Flask, role: str) -> None:
    round_id = talk_of(app, "employee_a").round_id
    browser = signed_in(app, role)
    before = last_audit_id(app)

    status, _, body = download(browser, coverage_url(round_id))

    assert status == 403
    assert "Du har inte behörighet".encode() in body
    new: list[dict[str, Any]] = audit_since(app, before)
    assert [(r["outcome"], r["actor_id"]) for r in new] == [("denied", person(app, role).id)]
    assert new[0]["action"] == "route:downloads.coverage_csv"


def test_coverage_of_an_unknown_round_is_404(app: Flask) -> None:
    hr = signed_in(app, "hr")

    status, _, _ = download(hr, coverage_url("y" * 16))

    assert status == 404


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
    rounds.open_round(
        conn(app),
        app.extensions["site_config"],
        year=2027,
        question_set_id="kompetenssamtal",
        plan_template_id="aktivitetsplan",
        opened_by=person(app, "hr").id,
        today=date(2027, 1, 15),
    )
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
        return signed_in(app, who)
    found = person_by_email(conn(app), THIRD[2])
    assert found is not None
    keys = [*app.config["SECRET_KEY_FALLBACKS"], app.config["SECRET_KEY"]]
    token = signin.issue_link(conn(app), keys, found, now=db.utc_now(), days=21, target="/")
    browser = app.test_client()
    page = browser.get(f"/logga-in/{token}")
    done = browser.post(f"/logga-in/{token}", data={"csrf_token": csrf_token(page.text)})
    assert done.status_code == 302, done.text
    return browser


def _prepare(app: Flask, who: str, talk: Talk, *, submit: bool) -> None:
    browser = _browser_of(app, who)
    url = f"/samtal/{talk.id}/forberedelse"
    page = browser.get(url)
    assert page.status_code == 200, page.text
    data = {
        "csrf_token": csrf_token(page.text),
        "version": "0",
        "action": "skicka" if submit else "spara",
        **{f"q_{q}": value for q, value in zip(SCALE_QUESTIONS, RATINGS[who], strict=True)},
    }
    assert browser.post(url, data=data).status_code == 302


def _summary(html: str) -> Element:
    """Everything after the heading of the group summary (up to the next round's heading)."""
    heading = re.escape("<h3>Gruppen i samtalsomgången 2027</h3>")
    match = re.search(heading + r"(.*?)(?=<h2>|</main>|$)", html, re.S)
    assert match, "no group summary on the page"
    return parse(match.group(1))


def test_with_fewer_than_three_self_assessments_nothing_per_group_is_shown(app: Flask) -> None:
    talks = _three_in_a_competence_round(app)
    _prepare(app, "employee_a", talks["employee_a"], submit=True)
    _prepare(app, "employee_b", talks["employee_b"], submit=True)
    _prepare(app, "third", talks["third"], submit=False)  # a draft does not count

    page = signed_in(app, "manager").get("/chef")

    assert page.status_code == 200
    summary = _summary(page.text)
    assert HIDDEN in summary.text()
    assert summary.find_all("svg") == [] and summary.find_all("table") == []
    assert "3.0" not in summary.text() and "1.5" not in summary.text()


def test_with_three_self_assessments_the_averages_are_shown_as_chart_and_table(
    app: Flask,
) -> None:
    talks = _three_in_a_competence_round(app)
    for who, talk in talks.items():
        _prepare(app, who, talk, submit=True)

    page = signed_in(app, "manager").get("/chef")

    assert page.status_code == 200
    summary = _summary(page.text)
    assert HIDDEN not in summary.text()
    (svg,) = summary.find_all("svg")
    assert svg.attrs["role"] == "img"
    title = svg.one("title")
    assert svg.attrs["aria-labelledby"] == title.attrs["id"]
    assert title.text().startswith("Genomsnittlig självskattning (1–5).")
    # 2, 4, 5 → 3.7; 1, 2, 5 → 2.7; 3, 3, 4 → 3.3; 5, 5, 4 → 4.7
    averages = ["3.7", "2.7", "3.3", "4.7"]
    svg_texts = [t.text() for t in svg.find_all("text")]
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
    (table,) = [t for t in summary.find_all("table") if "(tabell)" in t.one("caption").text()]
    cells = [[td.text() for td in tr.find_all("td")] for tr in table.one("tbody").find_all("tr")]
    assert cells == [
        ["Förmåga", "3.7", "3"],
        ["Vilja", "2.7", "3"],
        ["Kunskap", "3.3", "3"],
        ["Färdigheter", "4.7", "3"],
    ]
    # Nobody's own rating, and nobody's name, is in the group's summary.
    assert [row[1] for row in cells] == averages
    for name in ("Anna Exempelsson", "Bo Provsson", "Dora Tredjesson"):
        assert name not in summary.text()
