"""The roster import reports rows against each other and whole-file problems."""

from __future__ import annotations

import pytest

from formserver.services.roster import COLUMNS, EMPLOYMENT_TYPES, RosterError, parse_roster
from tests.services.roster_helpers import BOSS, HEADER, messages, only_error, person, roster

# --- rows against each other ----------------------------------------------------------


def test_duplicate_employee_number_names_the_first_line() -> None:
    result = parse_roster(
        roster(person(**BOSS), person(), person(epost="annan@example.se"), person())
    )
    assert messages(result) == [
        "Rad 4: anstallningsnummer ”E2” finns redan på rad 3. Varje person ska finnas med en "
        "gång och ha ett eget anställningsnummer.",
        "Rad 5: anstallningsnummer ”E2” finns redan på rad 3. Varje person ska finnas med en "
        "gång och ha ett eget anställningsnummer.",
        "Rad 5: epost ”e2@example.se” finns redan på rad 3. Varje person ska ha en egen "
        "e-postadress.",
    ]
    assert [row.line for row in result.rows] == [2, 3]


def test_duplicate_email_ignores_case() -> None:
    result = parse_roster(
        roster(person(**BOSS), person(anstallningsnummer="E2", epost="E1@Example.se"))
    )
    assert messages(result) == [
        "Rad 3: epost ”e1@example.se” finns redan på rad 2. Varje person ska ha en egen "
        "e-postadress."
    ]


def test_unknown_manager() -> None:
    assert only_error(roster(person(**BOSS), person(chef_anstallningsnummer="E9"))) == (
        "Rad 3: chef_anstallningsnummer ”E9” finns inte som anställningsnummer i filen. "
        "Lägg till chefen i filen eller rätta numret."
    )


def test_manager_with_a_bad_row_is_still_known() -> None:
    result = parse_roster(roster(person(**BOSS, startdatum="x"), person()))
    assert [error.line for error in result.errors] == [2]


def test_own_manager() -> None:
    assert only_error(roster(person(**BOSS), person(chef_anstallningsnummer="E2"))) == (
        "Rad 3: personen är angiven som sin egen chef (”E2”). Ange personens chef, eller lämna "
        "chef_anstallningsnummer tomt om personen är högst upp i organisationen."
    )


def test_three_cycle_reports_each_member_once_with_its_chain() -> None:
    data = roster(
        person(**BOSS),
        person(anstallningsnummer="A", chef_anstallningsnummer="B"),
        person(anstallningsnummer="B", chef_anstallningsnummer="C"),
        person(anstallningsnummer="C", chef_anstallningsnummer="A"),
        person(anstallningsnummer="D", chef_anstallningsnummer="A"),  # hangs off the ring
    )
    result = parse_roster(data)
    tail = (
        ". Ändra chefen för någon i ringen, eller lämna fältet tomt för den som är högst upp i "
        "organisationen."
    )
    ring = "Rad {}: chef_anstallningsnummer bildar en ring där ingen är högst upp: {}" + tail
    assert messages(result) == [
        ring.format(3, "A → B → C → A"),
        ring.format(4, "B → C → A → B"),
        ring.format(5, "C → A → B → C"),
    ]
    assert [row.employee_number for row in result.rows] == ["E1", "D"]


def test_long_cycle_is_shortened_in_the_message() -> None:
    numbers = [f"N{i}" for i in range(10)]
    people = [
        person(anstallningsnummer=n, chef_anstallningsnummer=numbers[(i + 1) % 10])
        for i, n in enumerate(numbers)
    ]
    result = parse_roster(roster(*people))
    assert len(result.errors) == 10
    assert "N0 → N1 → N2 → N3 → N4 → N5 → … (10 personer) → N0." in result.errors[0].message


# --- whole-file problems --------------------------------------------------------------


def test_not_utf8_gives_one_error_explaining_how_to_save() -> None:
    data = roster(person(**BOSS, namn="Åsa")).decode().encode("cp1252")
    assert only_error(data) == (
        "Filen är inte sparad som UTF-8, så tecken som å, ä och ö kan inte läsas (första felet "
        "finns på rad 2). Spara om filen i Excel: välj Arkiv > Spara som och filformatet "
        "”CSV UTF-8 (kommaavgränsad) (*.csv)”. Ladda sedan upp den nya filen."
    )


def test_header_only() -> None:
    result = parse_roster(roster(bom=True))
    assert messages(result) == [
        "Filen innehåller inga personer. Lägg till en rad per person under rubrikraden."
    ]
    assert result.errors[0].line == 0


@pytest.mark.parametrize("data", [b"", b"\xef\xbb\xbf", b" \r\n\r\n", b";;;\r\n"])
def test_empty_file(data: bytes) -> None:
    assert (
        only_error(data) == "Filen är tom. Välj en CSV-fil med en rubrikrad och en rad per person."
    )


def test_extra_column_is_named_and_rows_are_still_checked() -> None:
    header = (*COLUMNS, "Lön", "telefon")
    result = parse_roster(roster(person(**BOSS, namn=""), header=header))
    assert messages(result) == [
        "Rad 1: okända kolumner i rubrikraden: ”Lön”, ”telefon”. Ta bort dem. Rubrikraden ska "
        f"vara: {HEADER}",
        "Rad 2: namn saknas. Fyll i personens namn.",
    ]


@pytest.mark.parametrize(
    ("dropped", "what"),
    [
        (("epost",), "kolumnen epost saknas"),
        (("namn", "chef_anstallningsnummer"), "kolumnerna namn, chef_anstallningsnummer saknas"),
    ],
)
def test_missing_columns_give_one_error_with_the_expected_header(
    dropped: tuple[str, ...], what: str
) -> None:
    header = tuple(column for column in COLUMNS if column not in dropped)
    data = roster(person(**BOSS), header=header, delimiter=";")
    assert only_error(data) == (
        f"Rad 1: {what} i rubrikraden. Rubrikraden ska vara: {HEADER.replace(',', ';')}"
    )


def test_duplicate_column() -> None:
    result = parse_roster(roster(person(**BOSS), header=(*COLUMNS, "Namn")))
    assert messages(result) == [
        "Rad 1: kolumnen namn finns flera gånger. Ta bort den extra kolumnen."
    ]


def test_more_rows_than_allowed_gives_one_error_and_no_rows() -> None:
    people = [person(anstallningsnummer=f"E{i}", chef_anstallningsnummer="") for i in range(4)]
    assert parse_roster(roster(*people[:3]), max_rows=3).ok
    result = parse_roster(roster(*people), max_rows=3)
    assert result.rows == ()
    assert messages(result) == [
        "Filen innehåller fler än 3 personer, vilket är mer än tjänsten tar emot. Dela upp "
        "filen eller kontrollera att den bara har en rad per person."
    ]


def test_error_text() -> None:
    assert str(RosterError(7, "namn saknas.")) == "Rad 7: namn saknas."
    assert str(RosterError(0, "Filen är tom.")) == "Filen är tom."


def test_fifty_thousand_rows_parse_without_errors() -> None:
    lines = [HEADER, "E0,Chef,e0@example.se,Ledning,Direktör,,tillsvidare,2010-01-01,"]
    lines += [
        f"E{i},Person {i},p{i}@example.se,Enhet {i % 50},Handläggare,E{i // 10},"
        f"{EMPLOYMENT_TYPES[i % 3]},2020-01-01,{'2026-12-31' if i % 3 == 1 else ''}"
        for i in range(1, 50_000)
    ]
    result = parse_roster("\r\n".join(lines).encode())
    assert result.ok, messages(result)[:5]
    assert len(result.rows) == 50_000
