"""HR's pages: importing the roster, opening a round by the routine, and coverage that never
shows what anyone wrote."""

from __future__ import annotations

import csv
import io
import re
from datetime import date, timedelta
from typing import Any
from urllib.parse import urlsplit

import pytest
from flask import Flask
from flask.testing import FlaskClient
from werkzeug.datastructures import FileStorage
from werkzeug.test import encode_multipart

from tests.factories import (
    HEADER,
    PEOPLE,
    conn,
    csrf_token,
    data_dump,
    person,
    roster_csv,
    sign_in,
    talk_of,
)

# Everyone still employed (L has left): importing exactly this changes nothing.
CURRENT = [line for role, line in PEOPLE.items() if role != "leaver"]
NAME = {role: line.split(";")[1] for role, line in PEOPLE.items()}
UNIT = {role: line.split(";")[3] for role, line in PEOPLE.items()}
SECRET = "Hemligt-7f3a: jag funderar på att säga upp mig"
COVERAGE_ROW = re.compile(
    r"<tr><td>([^<]*)</td><td>([^<]*)</td><td>(\d+)</td><td>(\d+)</td><td>(\d+)</td>"
    r"<td>(\d+)</td><td>(\d+)</td></tr>"
)


def signed_in(app: Flask, role: str) -> FlaskClient:
    client = app.test_client()
    sign_in(client, app, role)
    return client


def upload(client: FlaskClient, data: bytes, filename: str = "personal.csv") -> Any:
    """Send a roster file the way the form does (multipart, field "roster")."""
    token = csrf_token(client.get("/hr/personal").text)
    # Encoded here in memory: for a large body the test client would spool to a temporary file
    # that it never closes (a ResourceWarning, an error under filterwarnings=error).
    roster = FileStorage(io.BytesIO(data), filename=filename, content_type="text/csv")
    boundary, body = encode_multipart({"csrf_token": token, "roster": roster})
    return client.post(
        "/hr/personal", data=body, content_type=f"multipart/form-data; boundary={boundary}"
    )


def open_round(client: FlaskClient, year: int, question_set: str = "rutin") -> Any:
    token = csrf_token(client.get("/hr/samtalsomgangar/ny").text)
    return client.post(
        "/hr/samtalsomgangar/ny",
        data={
            "csrf_token": token,
            "year": str(year),
            "question_set": question_set,
            "plan_template": "handlingsplan",
        },
    )


def audit_rows(app: Flask) -> list[dict[str, Any]]:
    return [dict(r) for r in conn(app).execute("SELECT * FROM audit_log ORDER BY id")]


def people_row(app: Flask, number: str) -> Any:
    return conn(app).execute("SELECT * FROM people WHERE employee_number = ?", (number,)).fetchone()


def round_id(app: Flask, year: int, question_set: str = "rutin") -> str:
    row = (
        conn(app)
        .execute(
            "SELECT id FROM rounds WHERE year = ? AND question_set_id = ?", (year, question_set)
        )
        .fetchone()
    )
    assert row is not None
    return str(row["id"])


def talk_numbers(app: Flask, rid: str) -> set[str]:
    rows = conn(app).execute(
        "SELECT p.employee_number FROM talks t JOIN people p ON p.id = t.employee_id "
        "WHERE t.round_id = ?",
        (rid,),
    )
    return {r[0] for r in rows}


def add_months(day: date, months: int) -> date:
    """`day` (the 1st of a month) `months` later."""
    index = day.month - 1 + months
    return day.replace(year=day.year + index // 12, month=index % 12 + 1)


# --- Importing the roster ------------------------------------------------------------------


def test_roster_page_explains_the_file(app: Flask) -> None:
    page = signed_in(app, "hr").get("/hr/personal")

    assert page.status_code == 200
    assert "<h1>Läs in personallistan</h1>" in page.text
    assert HEADER in page.text
    assert 'enctype="multipart/form-data"' in page.text
    assert '<input type="file" id="roster" name="roster"' in page.text


def test_a_good_roster_is_imported_and_the_same_file_again_changes_nothing(app: Flask) -> None:
    client = signed_in(app, "hr")
    new = "D1;Disa Nyberg;disa.nyberg@example.se;Enhet Syd;Lärare;M1;visstid;2026-01-01;2026-12-31"
    fields = PEOPLE["employee_b"].split(";")
    fields[4] = "Ny befattning"
    changed = ";".join(fields)
    lines = [line for line in CURRENT if not line.startswith("B1;")] + [changed, new]
    data = roster_csv(*lines)

    first = upload(client, data)

    assert first.status_code == 200, first.text
    assert "<h1>Personallistan är inläst</h1>" in first.text
    assert "Filen hade 8 personer." in first.text
    for label, count in [("Nya", 1), ("Ändrade", 1), ("Oförändrade", 6)]:
        assert f"<li>{label}: {count}</li>" in first.text
    assert "<li>Inte längre med i listan: 0</li>" in first.text
    disa = people_row(app, "D1")
    assert (disa["name"], disa["email"], disa["unit"], disa["manager_number"]) == (
        "Disa Nyberg", "disa.nyberg@example.se", "Enhet Syd", "M1",
    )  # fmt: skip
    assert (disa["employment_type"], disa["end_date"], disa["in_roster"]) == (
        "visstid", "2026-12-31", 1,
    )  # fmt: skip
    assert people_row(app, "B1")["title"] == "Ny befattning"
    assert people_row(app, "H1")["is_hr"] == 1  # HR keeps the role after an import
    entry = [r for r in audit_rows(app) if r["action"] == "roster.import"][-1]
    assert (entry["outcome"], entry["detail"]) == ("ok", "8 personer")
    before = data_dump(app)

    again = upload(client, data)

    assert again.status_code == 200, again.text
    for label, count in [("Nya", 0), ("Ändrade", 0), ("Oförändrade", 8)]:
        assert f"<li>{label}: {count}</li>" in again.text
    assert "<li>Inte längre med i listan: 0</li>" in again.text
    assert data_dump(app) == before


def test_someone_missing_from_the_file_counts_as_left(app: Flask) -> None:
    client = signed_in(app, "hr")

    response = upload(client, roster_csv(*[x for x in CURRENT if not x.startswith("C1;")]))

    assert response.status_code == 200, response.text
    assert "<li>Inte längre med i listan: 1</li>" in response.text
    assert people_row(app, "C1")["in_roster"] == 0


def test_every_bad_line_is_reported_and_nothing_is_imported(app: Flask) -> None:
    client = signed_in(app, "hr")
    lines = [
        *CURRENT,  # lines 2-8
        "D1;Disa Nyberg;disa.nyberg@example.se;Enhet Syd;Lärare;M1;tillsvidare;2024-01-01;",
        "E1;Elsa Fel;inte-en-adress;Enhet Syd;Lärare;M1;tillsvidare;2024-01-01;",
        "F1;Fia Fel;fia@example.se;Enhet Syd;Lärare;M1;tillsvidare;2024-13-01;",
        "G1;;g@example.se;Enhet Syd;Lärare;M1;tillsvidare;2024-01-01;",
        "H9;Hugo Fel;hugo@example.se;Enhet Syd;Lärare;M1;konsult;2024-01-01;",
    ]
    before = data_dump(app)

    response = upload(client, roster_csv(*lines))

    assert response.status_code == 422
    assert "Filen lästes inte in" in response.text
    assert "Ingenting har ändrats." in response.text
    assert "(4 fel)" in response.text
    assert "<li>Rad 10: epost ”inte-en-adress” är inte en giltig e-postadress." in response.text
    assert "<li>Rad 11: startdatum ”2024-13-01” är inte ett giltigt datum." in response.text
    assert "<li>Rad 12: namn saknas. Fyll i personens namn.</li>" in response.text
    assert "<li>Rad 13: anstallningsform ”konsult” är inte giltig." in response.text
    assert data_dump(app) == before  # not even the good new line 9
    assert people_row(app, "D1") is None
    entry = [r for r in audit_rows(app) if r["action"] == "roster.import"][-1]
    assert (entry["outcome"], entry["detail"]) == ("rejected", "4 fel")


def test_a_manager_ring_and_an_unknown_manager_are_reported(app: Flask) -> None:
    client = signed_in(app, "hr")
    lines = [
        *CURRENT,  # lines 2-8
        "X1;Xena Ring;xena@example.se;Enhet Väst;Chef;Y1;tillsvidare;2024-01-01;",
        "Y1;Yngve Ring;yngve@example.se;Enhet Väst;Chef;X1;tillsvidare;2024-01-01;",
        "Z1;Zara Okänd;zara@example.se;Enhet Väst;Lärare;Q9;tillsvidare;2024-01-01;",
    ]
    before = data_dump(app)

    response = upload(client, roster_csv(*lines))

    assert response.status_code == 422
    assert "Rad 9: chef_anstallningsnummer bildar en ring där ingen är högst upp: X1 → Y1 → X1" in (
        response.text
    )
    assert (
        "Rad 10: chef_anstallningsnummer bildar en ring där ingen är högst upp: Y1 → X1 → Y1"
        in (response.text)
    )
    assert "Rad 11: chef_anstallningsnummer ”Q9” finns inte som anställningsnummer" in response.text
    assert data_dump(app) == before


@pytest.mark.parametrize("delimiter", [";", ","], ids=["semikolon", "komma"])
def test_semicolon_and_comma_files_are_both_read(app: Flask, delimiter: str) -> None:
    client = signed_in(app, "hr")
    out = io.StringIO()
    writer = csv.writer(out, delimiter=delimiter, lineterminator="\r\n")
    for line in [HEADER, *CURRENT]:
        writer.writerow(line.split(";"))
    writer.writerow(
        ["D1", "Berg, Åsa", "asa.berg@example.se", "Enhet Syd", "Lärare; rektor", "M1",
         "tillsvidare", "2024-01-01", ""]
    )  # fmt: skip
    data = b"\xef\xbb\xbf" + out.getvalue().encode()  # Excel's "CSV UTF-8" starts with a BOM

    response = upload(client, data)

    assert response.status_code == 200, response.text
    assert "<li>Nya: 1</li>" in response.text
    assert "<li>Oförändrade: 7</li>" in response.text
    asa = people_row(app, "D1")
    assert (asa["name"], asa["title"], asa["manager_number"]) == (
        "Berg, Åsa",
        "Lärare; rektor",
        "M1",
    )


def test_a_file_that_is_not_utf8_is_refused_with_advice(app: Flask) -> None:
    client = signed_in(app, "hr")
    data = roster_csv(*CURRENT).decode().encode("cp1252")
    before = data_dump(app)

    response = upload(client, data)

    assert response.status_code == 422
    assert "Filen är inte sparad som UTF-8" in response.text
    assert "CSV UTF-8" in response.text
    assert data_dump(app) == before


def test_no_file_chosen_is_a_swedish_error(app: Flask) -> None:
    client = signed_in(app, "hr")
    token = csrf_token(client.get("/hr/personal").text)

    response = client.post(
        "/hr/personal", data={"csrf_token": token}, content_type="multipart/form-data"
    )

    assert response.status_code == 400
    assert "Välj en CSV-fil att läsa in." in response.text


def test_a_roster_of_50000_people_is_imported(app: Flask) -> None:
    client = signed_in(app, "hr")
    generated = [
        f"P{n:05d};Person {n:05d};person.{n:05d}@example.se;Enhet {n % 40};Handläggare;"
        f"{'M1' if n % 2 else 'N1'};tillsvidare;2020-01-01;"
        for n in range(50_000 - len(CURRENT))
    ]
    data = roster_csv(*CURRENT, *generated)
    assert len(data) > 512 * 1024  # more than the service's ordinary request limit

    response = upload(client, data)

    assert response.status_code == 200, response.text[:2000]
    assert "Filen hade 50000 personer." in response.text
    assert f"<li>Nya: {len(generated)}</li>" in response.text
    count = conn(app).execute("SELECT count(*) FROM people WHERE in_roster = 1").fetchone()[0]
    assert count == 50_000
    last = people_row(app, f"P{len(generated) - 1:05d}")
    assert last["email"] == f"person.{len(generated) - 1:05d}@example.se"


# --- Opening a round -----------------------------------------------------------------------


def test_new_round_form(app: Flask) -> None:
    page = signed_in(app, "hr").get("/hr/samtalsomgangar/ny")

    assert page.status_code == 200
    assert "<h1>Öppna en samtalsomgång</h1>" in page.text
    assert f'name="year" value="{date.today().year}"' in page.text
    assert '<option value="rutin" selected>' in page.text
    assert '<option value="handlingsplan" selected>' in page.text


def test_a_round_covers_whom_the_routine_says(app: Flask) -> None:
    client = signed_in(app, "hr")
    today = date.today()
    month = today.replace(day=1)
    lines = [
        *CURRENT,
        "P1;Per Fast;per.fast@example.se;Enhet Syd;Lärare;M1;tillsvidare;2020-01-01;",
        # Fixed term of six months: covered.
        f"V1;Vera Lång;vera.lang@example.se;Enhet Syd;Vikarie;M1;visstid;{month};"
        f"{add_months(month, 6)}",
        # Exactly five months: covered ("fem månader eller mer").
        f"V3;Vilma Fem;vilma.fem@example.se;Enhet Syd;Vikarie;M1;visstid;{month};"
        f"{add_months(month, 5)}",
        # One day short of five months: not covered.
        f"V4;Viggo Kort;viggo.kort@example.se;Enhet Syd;Vikarie;M1;visstid;{month};"
        f"{add_months(month, 5) - timedelta(days=1)}",
        # Four months: not covered.
        f"V2;Valle Kort;valle.kort@example.se;Enhet Syd;Vikarie;M1;visstid;{month};"
        f"{add_months(month, 4)}",
        "O1;Olle Annan;olle.annan@example.se;Enhet Syd;Praktikant;M1;annan;2024-01-01;",
    ]
    assert upload(client, roster_csv(*lines)).status_code == 200
    year = today.year + 1

    response = open_round(client, year)

    assert response.status_code == 302, response.text
    rid = round_id(app, year)
    assert response.location == f"/hr/samtalsomgangar/{rid}?opened=1"
    numbers = talk_numbers(app, rid)
    assert {"P1", "V1", "V3"} <= numbers
    assert not {"V2", "V4", "O1"} & numbers
    # Everyone else with a manager; the top manager has nobody to hold her talk; L has left.
    assert numbers == {"H1", "M1", "N1", "A1", "B1", "C1", "P1", "V1", "V3"}
    entry = [r for r in audit_rows(app) if r["action"] == "round.open"][-1]
    assert (entry["outcome"], entry["object_id"], entry["detail"]) == ("ok", rid, "9 samtal")
    page = client.get(response.location)
    assert page.status_code == 200
    assert "Samtalsomgången är öppnad. Cheferna kan nu kalla sina medarbetare." in page.text
    assert f"<h1>Samtalsomgång {year}</h1>" in page.text


def test_the_same_year_and_question_set_cannot_be_opened_twice(app: Flask) -> None:
    client = signed_in(app, "hr")
    before = data_dump(app)

    response = open_round(client, 2026)

    assert response.status_code == 409
    assert "Det finns redan en samtalsomgång för det året med det frågeformuläret." in response.text
    assert data_dump(app) == before

    other_set = open_round(client, 2026, "kompetenssamtal")

    assert other_set.status_code == 302
    assert talk_numbers(app, round_id(app, 2026, "kompetenssamtal")) == {
        "H1", "M1", "N1", "A1", "B1", "C1",
    }  # fmt: skip


@pytest.mark.parametrize(
    ("year", "error"),
    [
        ("", "Skriv vilket år samtalsomgången gäller."),
        ("1999", "Skriv ett år mellan 2000 och 2100."),
    ],
)
def test_a_wrong_year_is_a_swedish_error(app: Flask, year: str, error: str) -> None:
    client = signed_in(app, "hr")
    token = csrf_token(client.get("/hr/samtalsomgangar/ny").text)
    before = data_dump(app)

    response = client.post(
        "/hr/samtalsomgangar/ny",
        data={"csrf_token": token, "year": year, "question_set": "rutin",
              "plan_template": "handlingsplan"},
    )  # fmt: skip

    assert response.status_code == 400
    assert error in response.text
    assert data_dump(app) == before


# --- Coverage: counts, never content -------------------------------------------------------


def prepare_as_employee_a(app: Flask) -> str:
    """The manager calls A; A writes SECRET and submits. Returns the talk id."""
    talk = talk_of(app, "employee_a")
    manager = signed_in(app, "manager")
    form = manager.get(f"/samtal/{talk.id}/kalla").text
    called = manager.post(
        f"/samtal/{talk.id}/kalla",
        data={
            "csrf_token": csrf_token(form),
            "version": "1",
            "day": (date.today() + timedelta(days=21)).isoformat(),
            "start": "09:00",
            "duration": "60",
            "place": "Rum 1",
        },
    )
    assert called.status_code == 200, called.text
    employee = signed_in(app, "employee_a")
    form = employee.get(f"/samtal/{talk.id}/forberedelse").text
    sent = employee.post(
        f"/samtal/{talk.id}/forberedelse",
        data={
            "csrf_token": csrf_token(form),
            "version": "0",
            "action": "skicka",
            "q_halsa": SECRET,
        },
    )
    assert sent.status_code == 302, sent.text
    # The text is there for A: the check below for HR could otherwise pass for no reason.
    assert SECRET in employee.get(f"/samtal/{talk.id}/forberedelse").text
    assert SECRET in data_dump(app)
    return talk.id


def coverage_rows(html: str) -> dict[tuple[str, str], tuple[int, ...]]:
    return {(u, m): tuple(int(n) for n in counts) for u, m, *counts in COVERAGE_ROW.findall(html)}


def test_coverage_shows_counts_per_unit_and_manager_and_never_content(app: Flask) -> None:
    talk_id = prepare_as_employee_a(app)
    hr = signed_in(app, "hr")
    rid = round_id(app, 2026)

    page = hr.get(f"/hr/samtalsomgangar/{rid}")

    assert page.status_code == 200
    assert "Innehållet i samtalen visas aldrig här." in page.text
    assert "Frågeformulär: Rutin för medarbetarsamtal – reflektionsområden (version 1)" in page.text
    rows = coverage_rows(page.text)
    # (ska ha samtal, kallade, förberedda, genomförda, underskrivna); Karin's first count is
    # checked below.
    karin = (UNIT["employee_a"], NAME["manager"])
    expected = {
        (UNIT["employee_c"], NAME["other_manager"]): (1, 0, 0, 0, 0),
        (UNIT["other_manager"], NAME["boss"]): (1, 0, 0, 0, 0),
        (UNIT["manager"], NAME["boss"]): (1, 0, 0, 0, 0),
        (UNIT["hr"], NAME["boss"]): (1, 0, 0, 0, 0),
    }
    assert len(expected) == 4, "the test people's units have changed: update this test"
    assert {key: counts for key, counts in rows.items() if key != karin} == expected
    assert rows[karin][1:] == (1, 1, 0, 0)
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


def test_coverage_does_not_count_a_person_who_has_left_as_due(app: Flask) -> None:
    # L left after the round opened; Karin has two employees who should have a talk, not three.
    page = signed_in(app, "hr").get(f"/hr/samtalsomgangar/{round_id(app, 2026)}")

    rows = coverage_rows(page.text)
    assert rows[(UNIT["employee_a"], NAME["manager"])][0] == 2


def test_an_unknown_round_is_not_found(app: Flask) -> None:
    assert signed_in(app, "hr").get("/hr/samtalsomgangar/AAAAAAAAAAAAAAAA").status_code == 404


# --- Only HR -------------------------------------------------------------------------------

HR_ROUTES = [
    ("GET", "/hr/", "hr.overview"),
    ("GET", "/hr/personal", "hr.roster"),
    ("POST", "/hr/personal", "hr.roster"),
    ("GET", "/hr/samtalsomgangar/ny", "hr.new_round"),
    ("POST", "/hr/samtalsomgangar/ny", "hr.new_round"),
    ("GET", "/hr/samtalsomgangar/{rid}", "hr.round_status"),
]


def send(client: FlaskClient, method: str, path: str, token: str) -> Any:
    if method == "GET":
        return client.get(path)
    if path == "/hr/personal":
        return client.post(
            path,
            data={"csrf_token": token, "roster": (io.BytesIO(roster_csv(CURRENT[0])), "x.csv")},
            content_type="multipart/form-data",
        )
    return client.post(
        path,
        data={"csrf_token": token, "year": "2030", "question_set": "rutin",
              "plan_template": "handlingsplan"},
    )  # fmt: skip


@pytest.mark.parametrize("role", ["employee_a", "manager"])
@pytest.mark.parametrize(("method", "path", "endpoint"), HR_ROUTES)
def test_only_hr_may_use_hr_pages(
    app: Flask, role: str, method: str, path: str, endpoint: str
) -> None:
    client = signed_in(app, role)
    path = path.format(rid=round_id(app, 2026))
    token = csrf_token(client.get("/ny-lank").text)
    before, audited = data_dump(app), len(audit_rows(app))

    response = send(client, method, path, token)

    assert response.status_code == 403
    assert "Du har inte behörighet" in response.text
    assert data_dump(app) == before
    [denial] = audit_rows(app)[audited:]
    assert denial["actor_id"] == person(app, role).id
    assert (denial["action"], denial["outcome"]) == (f"route:{endpoint}", "denied")
    assert denial["detail"] == f"{method} {path}"


@pytest.mark.parametrize(("method", "path", "endpoint"), HR_ROUTES)
def test_anonymous_is_sent_to_sign_in(
    app: Flask, client: FlaskClient, method: str, path: str, endpoint: str
) -> None:
    path = path.format(rid=round_id(app, 2026))
    before = data_dump(app)

    response = send(client, method, path, "")

    if method == "POST":
        # A POST without a session: nothing saved, the sign-in page with the typed text back.
        assert response.status_code == 401
        assert "Du behöver logga in" in response.text
    else:
        assert response.status_code == 302
        assert urlsplit(response.location).path == "/inloggning-kravs"
    assert data_dump(app) == before
