"""HR imports the roster: good files, bad lines, manager rings, encodings and size."""

from __future__ import annotations

import csv
import io

import pytest
from flask import Flask

from tests.factories import HEADER, PEOPLE, SignIn, conn, csrf_token, data_dump, roster_csv
from tests.views.hr_helpers import CURRENT, audit_rows, people_row, upload

# --- Importing the roster ------------------------------------------------------------------


def test_roster_page_explains_the_file(signed_in: SignIn) -> None:
    page = signed_in("hr").get("/hr/personal")

    assert page.status_code == 200
    assert "<h1>Läs in personallistan</h1>" in page.text
    assert HEADER in page.text
    assert 'enctype="multipart/form-data"' in page.text
    assert '<input type="file" id="roster" name="roster"' in page.text


def test_a_good_roster_is_imported_and_the_same_file_again_changes_nothing(
    app: Flask, signed_in: SignIn
) -> None:
    client = signed_in("hr")
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


def test_someone_missing_from_the_file_counts_as_left(app: Flask, signed_in: SignIn) -> None:
    client = signed_in("hr")

    response = upload(client, roster_csv(*[x for x in CURRENT if not x.startswith("C1;")]))

    assert response.status_code == 200, response.text
    assert "<li>Inte längre med i listan: 1</li>" in response.text
    assert people_row(app, "C1")["in_roster"] == 0


def test_every_bad_line_is_reported_and_nothing_is_imported(app: Flask, signed_in: SignIn) -> None:
    client = signed_in("hr")
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


def test_a_manager_ring_and_an_unknown_manager_are_reported(app: Flask, signed_in: SignIn) -> None:
    client = signed_in("hr")
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
def test_semicolon_and_comma_files_are_both_read(
    app: Flask, signed_in: SignIn, delimiter: str
) -> None:
    client = signed_in("hr")
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


def test_a_file_that_is_not_utf8_is_refused_with_advice(app: Flask, signed_in: SignIn) -> None:
    client = signed_in("hr")
    data = roster_csv(*CURRENT).decode().encode("cp1252")
    before = data_dump(app)

    response = upload(client, data)

    assert response.status_code == 422
    assert "Filen är inte sparad som UTF-8" in response.text
    assert "CSV UTF-8" in response.text
    assert data_dump(app) == before


def test_no_file_chosen_is_a_swedish_error(signed_in: SignIn) -> None:
    client = signed_in("hr")
    token = csrf_token(client.get("/hr/personal").text)

    response = client.post(
        "/hr/personal", data={"csrf_token": token}, content_type="multipart/form-data"
    )

    assert response.status_code == 400
    assert "Välj en CSV-fil att läsa in." in response.text


def test_a_roster_of_50000_people_is_imported(app: Flask, signed_in: SignIn) -> None:
    client = signed_in("hr")
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
