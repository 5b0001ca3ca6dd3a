"""The roster import reports one bad cell as one error on its line, in HR's words."""

from __future__ import annotations

import pytest

from formserver.services.roster import parse_roster
from tests.services.roster_helpers import BOSS, HEADER, messages, only_error, person, roster

# --- one bad cell ---------------------------------------------------------------------

TOO_LONG_EMAIL = "a" * 244 + "@example.se"  # 255 characters


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        (
            {"anstallningsnummer": " ", "epost": "e2@example.se"},
            "anstallningsnummer saknas. Fyll i personens anställningsnummer.",
        ),
        (
            {"anstallningsnummer": "E 2", "epost": "e2@example.se"},
            "anstallningsnummer ”E 2” är inte giltigt. Det får bara innehålla bokstäverna A–Z, "
            "siffror och bindestreck.",
        ),
        (
            {"anstallningsnummer": "E" * 33, "epost": "e2@example.se"},
            "anstallningsnummer är för långt (33 tecken). Det får vara högst 32 tecken.",
        ),
        ({"namn": ""}, "namn saknas. Fyll i personens namn."),
        ({"namn": "x" * 201}, "namn är för långt (201 tecken). Det får vara högst 200 tecken."),
        (
            {"befattning": "x" * 201},
            "befattning är för långt (201 tecken). Det får vara högst 200 tecken.",
        ),
        ({"epost": ""}, "epost saknas. Fyll i personens e-postadress."),
        (
            {"epost": "anna.berg"},
            "epost ”anna.berg” är inte en giltig e-postadress. Skriv adressen som "
            "namn@exempel.se, utan mellanslag.",
        ),
        (
            {"epost": "anna@@example.se"},
            "epost ”anna@@example.se” är inte en giltig e-postadress. Skriv adressen som "
            "namn@exempel.se, utan mellanslag.",
        ),
        (
            {"epost": "anna berg@example.se"},
            "epost ”anna berg@example.se” är inte en giltig e-postadress. Skriv adressen som "
            "namn@exempel.se, utan mellanslag.",
        ),
        (
            {"epost": "anna@localhost"},
            "epost ”anna@localhost” är inte en giltig e-postadress. Skriv adressen som "
            "namn@exempel.se, utan mellanslag.",
        ),
        (
            {"epost": TOO_LONG_EMAIL},
            "epost är för långt (255 tecken). Det får vara högst 254 tecken.",
        ),
        ({"enhet": ""}, "enhet saknas. Fyll i vilken enhet personen tillhör."),
        (
            {"chef_anstallningsnummer": "E/1"},
            "chef_anstallningsnummer ”E/1” är inte giltigt. Det får bara innehålla "
            "bokstäverna A–Z, siffror och bindestreck.",
        ),
        (
            {"anstallningsform": ""},
            "anstallningsform saknas. Skriv tillsvidare, visstid eller annan.",
        ),
        (
            {"anstallningsform": "konsult"},
            "anstallningsform ”konsult” är inte giltig. Skriv tillsvidare, visstid eller annan.",
        ),
        (
            {"startdatum": ""},
            "startdatum saknas. Fyll i när anställningen började, som ÅÅÅÅ-MM-DD.",
        ),
        (
            {"startdatum": "2024-13-01"},
            "startdatum ”2024-13-01” är inte ett giltigt datum. Skriv datum som ÅÅÅÅ-MM-DD.",
        ),
        (
            {"startdatum": "20240101"},
            "startdatum ”20240101” är inte ett giltigt datum. Skriv datum som ÅÅÅÅ-MM-DD.",
        ),
        (
            {"startdatum": "1/2/2024"},
            "startdatum ”1/2/2024” är inte ett giltigt datum. Skriv datum som ÅÅÅÅ-MM-DD.",
        ),
        (
            {"slutdatum": "2024-02-30"},
            "slutdatum ”2024-02-30” är inte ett giltigt datum. Skriv datum som ÅÅÅÅ-MM-DD.",
        ),
        (
            {"slutdatum": "2019-12-31"},
            "slutdatum 2019-12-31 är före startdatum 2020-01-01. Rätta något av datumen.",
        ),
    ],
)
def test_single_bad_cell_gives_one_error_on_its_line(changes: dict[str, str], message: str) -> None:
    result = parse_roster(roster(person(**BOSS), person(**changes)))
    assert messages(result) == [f"Rad 3: {message}"]
    assert [row.line for row in result.rows] == [2]


def test_long_values_are_shortened_in_messages() -> None:
    message = only_error(roster(person(**BOSS, startdatum="9" * 100)))
    assert message == (
        f"Rad 2: startdatum ”{'9' * 60}…” är inte ett giltigt datum. Skriv datum som ÅÅÅÅ-MM-DD."
    )


def test_every_error_of_a_row_is_reported() -> None:
    result = parse_roster(roster(person(**BOSS, namn="", epost="x", startdatum="igår")))
    assert messages(result) == [
        "Rad 2: namn saknas. Fyll i personens namn.",
        "Rad 2: epost ”x” är inte en giltig e-postadress. Skriv adressen som namn@exempel.se, "
        "utan mellanslag.",
        "Rad 2: startdatum ”igår” är inte ett giltigt datum. Skriv datum som ÅÅÅÅ-MM-DD.",
    ]
    assert result.rows == ()


@pytest.mark.parametrize("control", ["\x00", "\x07", "\x1b", "\x0b", "\x7f", "\x85"])
@pytest.mark.parametrize("column", ["anstallningsnummer", "namn", "epost", "befattning"])
def test_control_characters_are_reported_for_their_line(control: str, column: str) -> None:
    bad = person(**BOSS)
    bad[column] = f"{bad[column][:2]}{control}{bad[column][2:]}"
    assert only_error(roster(bad)) == (
        f"Rad 2: {column} innehåller ett osynligt styrtecken. Skriv in värdet på nytt för hand "
        "i stället för att klistra in det."
    )


@pytest.mark.parametrize(
    "line",
    [
        "E2,Berg, Anna,e2@example.se,Ekonomi,,E1,tillsvidare,2020-01-01,",
        "E2,Anna,e2@example.se,Ekonomi,,E1,tillsvidare,2020-01-01,,Stockholm",
    ],
)
def test_values_beyond_the_header_give_one_error(line: str) -> None:
    data = f"{HEADER}\nE1,Chef,e1@example.se,Ekonomi,,,tillsvidare,2020-01-01,\n{line}\n"
    data += "E3,Bo,e3@example.se,Ekonomi,,E2,tillsvidare,2020-01-01,\n"
    result = parse_roster(data.encode())
    assert messages(result) == [
        "Rad 3: raden har fler värden än rubrikraden har kolumnnamn. Ta bort de extra värdena, "
        "eller sätt citattecken runt värden som innehåller avgränsningstecknet."
    ]
    assert [row.line for row in result.rows] == [2, 4]


def test_trailing_empty_columns_from_excel_are_accepted() -> None:
    data = f"{HEADER};;\r\nE1;Anna;e1@example.se;Ekonomi;;;visstid;2020-01-01;;;\r\n"
    data += "E2;Bo;e2@example.se;Ekonomi;;E1;visstid;2020-01-01;\r\n"
    result = parse_roster(data.replace(",", ";").encode())
    assert result.ok, messages(result)


def test_unclosed_quote_is_reported_on_the_line_it_starts() -> None:
    data = (
        f"{HEADER}\n"
        "E1,Chef,e1@example.se,Ekonomi,,,tillsvidare,2020-01-01,\n"
        'E2,"Anna,e2@example.se,Ekonomi,,E1,tillsvidare,2020-01-01,\n'
        "E3,Bo,e3@example.se,Ekonomi,,E1,tillsvidare,2020-01-01,\n"
    ).encode()
    result = parse_roster(data)
    assert messages(result) == [
        'Rad 3: raden kunde inte läsas eftersom citattecknen (") inte stämmer. Kontrollera att '
        "varje värde som börjar med citattecken också slutar med ett."
    ]
    assert [row.line for row in result.rows] == [2]
