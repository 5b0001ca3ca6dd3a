"""The roster import: what HR sees for good files, bad cells, bad files and broken hierarchies."""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass
from datetime import date

import pytest

from formserver.roster import (
    COLUMNS,
    EMPLOYMENT_TYPES,
    RosterError,
    RosterResult,
    RosterRow,
    is_eligible,
    parse_roster,
)

HEADER = ",".join(COLUMNS)
BOSS = {"anstallningsnummer": "E1", "chef_anstallningsnummer": ""}


def person(**changes: str) -> dict[str, str]:
    """One valid roster row as column -> value, with `changes` applied."""
    number = changes.get("anstallningsnummer", "E2")
    values = {
        "anstallningsnummer": number,
        "namn": f"Person {number}",
        "epost": f"{number.lower()}@example.se",
        "enhet": "Ekonomi",
        "befattning": "Controller",
        "chef_anstallningsnummer": "E1",
        "anstallningsform": "tillsvidare",
        "startdatum": "2020-01-01",
        "slutdatum": "",
    }
    return values | changes


def roster(
    *people: dict[str, str],
    delimiter: str = ",",
    bom: bool = False,
    header: tuple[str, ...] = COLUMNS,
) -> bytes:
    """A CSV file the way Excel writes it (CRLF, quotes only where needed)."""
    out = io.StringIO()
    writer = csv.writer(out, delimiter=delimiter, lineterminator="\r\n")
    writer.writerow(header)
    for values in people:
        writer.writerow([values.get(column, "") for column in header])
    return (b"\xef\xbb\xbf" if bom else b"") + out.getvalue().encode("utf-8")


def messages(result: RosterResult) -> list[str]:
    """The errors as HR reads them."""
    return [str(error) for error in result.errors]


def only_error(data: bytes) -> str:
    """The single error a file gives, as HR reads it."""
    result = parse_roster(data)
    assert len(result.errors) == 1, messages(result)
    return str(result.errors[0])


# --- good files -----------------------------------------------------------------------


@pytest.mark.parametrize("delimiter", [",", ";"])
@pytest.mark.parametrize("bom", [False, True])
def test_good_file_is_read_with_every_value(delimiter: str, bom: bool) -> None:
    data = roster(
        person(**BOSS, namn="Åsa Öberg", befattning="Förvaltningschef"),
        person(
            namn="  Berg, Anna  ",
            epost="Anna.Berg@Example.SE",
            befattning="",
            anstallningsform="visstid",
            startdatum="2026-01-15",
            slutdatum="2026-06-15",
        ),
        delimiter=delimiter,
        bom=bom,
    )
    result = parse_roster(data)
    assert result.ok, messages(result)
    assert result.rows == (
        RosterRow(
            line=2,
            employee_number="E1",
            name="Åsa Öberg",
            email="e1@example.se",
            unit="Ekonomi",
            title="Förvaltningschef",
            manager_number=None,
            employment_type="tillsvidare",
            start_date=date(2020, 1, 1),
            end_date=None,
        ),
        RosterRow(
            line=3,
            employee_number="E2",
            name="Berg, Anna",
            email="anna.berg@example.se",
            unit="Ekonomi",
            title="",
            manager_number="E1",
            employment_type="visstid",
            start_date=date(2026, 1, 15),
            end_date=date(2026, 6, 15),
        ),
    )


def test_header_is_case_insensitive_order_free_and_may_have_spaces() -> None:
    header = tuple(f" {column.upper()} " for column in reversed(COLUMNS))
    boss = {f" {column.upper()} ": value for column, value in person(**BOSS).items()}
    result = parse_roster(roster(boss, header=header, delimiter=";"))
    assert result.ok, messages(result)
    assert result.rows[0].employee_number == "E1"


def test_a_second_byte_order_mark_and_space_before_quotes_are_accepted() -> None:
    data = f'\ufeff{HEADER}\nE1, "Berg, Anna",e1@example.se,Ekonomi,,,annan,2020-01-01,\n'
    result = parse_roster(data.encode("utf-8-sig"))
    assert result.ok, messages(result)
    assert result.rows[0].name == "Berg, Anna"


def test_optional_columns_may_be_left_out() -> None:
    header = tuple(c for c in COLUMNS if c not in ("befattning", "slutdatum"))
    result = parse_roster(roster(person(**BOSS), header=header))
    assert result.ok, messages(result)
    assert (result.rows[0].title, result.rows[0].end_date) == ("", None)


@pytest.mark.parametrize(
    ("written", "stored"),
    [
        ("tillsvidare", "tillsvidare"),
        ("Visstid", "visstid"),
        ("annan", "annan"),
        ("permanent", "tillsvidare"),
        ("Fixed-term", "visstid"),
        ("other", "annan"),
    ],
)
def test_employment_types_and_english_aliases(written: str, stored: str) -> None:
    result = parse_roster(roster(person(**BOSS, anstallningsform=written)))
    assert result.ok, messages(result)
    assert result.rows[0].employment_type == stored


def test_decomposed_letters_are_stored_composed() -> None:
    result = parse_roster(roster(person(**BOSS, namn="Ma\u030ans Ka\u0308llstro\u0308m")))
    assert result.rows[0].name == "Måns Källström"
    assert len(result.rows[0].name) == len("Måns Källström")


def test_blank_lines_are_ignored_and_lines_stay_physical() -> None:
    data = (
        f"{HEADER}\r\n\r\n"
        "E1,Chef,e1@example.se,Ekonomi,,,tillsvidare,2020-01-01,\r\n"
        "   \r\n,,,,,,,,\r\n\r\n"
        "E2,Anna,e2@example.se,Ekonomi,,E1,tillsvidare,2020-13-01,\r\n\r\n"
    ).encode()
    result = parse_roster(data)
    assert [row.line for row in result.rows] == [3]
    assert messages(result) == [
        "Rad 7: startdatum ”2020-13-01” är inte ett giltigt datum. Skriv datum som ÅÅÅÅ-MM-DD."
    ]


def test_quoted_line_breaks_keep_line_numbers_of_the_record_start() -> None:
    data = (
        f"{HEADER}\n"
        'E1,"Chef, Cecilia",e1@example.se,Ekonomi,"Chef för\nekonomi\n  och lön",,tillsvidare,'
        "2020-01-01,\n"
        'E2,Anna,e2@example.se,"Ekonomi\r\n",,E1,tillsvidare,2020-02-30,\n'
        "E3,Bo,e3@example.se,Ekonomi,,E1,tillsvidare,2020-01-01,2019-12-31\n"
    ).encode()
    result = parse_roster(data)
    assert result.rows[0].name == "Chef, Cecilia"
    assert result.rows[0].title == "Chef för ekonomi och lön"
    assert messages(result) == [
        "Rad 5: startdatum ”2020-02-30” är inte ett giltigt datum. Skriv datum som ÅÅÅÅ-MM-DD.",
        "Rad 7: slutdatum 2019-12-31 är före startdatum 2020-01-01. Rätta något av datumen.",
    ]


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


# --- eligibility ----------------------------------------------------------------------


@dataclass(frozen=True)
class StoredPerson:
    """Stands in for the store's person record: only the three attributes that matter."""

    employment_type: str
    start_date: date
    end_date: date | None


ON = date(2026, 3, 1)


@pytest.mark.parametrize(
    ("kind", "start", "end", "other", "eligible"),
    [
        ("tillsvidare", date(2020, 1, 1), None, False, True),
        ("visstid", date(2026, 1, 15), date(2026, 6, 15), False, True),  # exactly 5 months
        ("visstid", date(2026, 1, 15), date(2026, 6, 14), False, False),  # one day short
        ("visstid", date(2026, 1, 31), date(2026, 6, 30), False, True),  # month-end clamp
        ("visstid", date(2026, 1, 15), None, False, True),
        ("annan", date(2020, 1, 1), None, False, False),
        ("annan", date(2020, 1, 1), None, True, True),
        ("tillsvidare", date(2020, 1, 1), date(2026, 2, 28), True, False),  # has left
        ("tillsvidare", date(2020, 1, 1), ON, True, True),  # last day
        ("tillsvidare", date(2026, 3, 2), None, True, False),  # not started yet
        ("tillsvidare", ON, None, True, True),  # first day
        ("okänd", date(2020, 1, 1), None, True, False),
    ],
)
def test_eligibility(kind: str, start: date, end: date | None, other: bool, eligible: bool) -> None:
    stored = StoredPerson(kind, start, end)
    assert (
        is_eligible(stored, permanent=True, fixed_term_min_months=5, other=other, on=ON) is eligible
    )


def test_eligibility_takes_roster_rows_and_can_leave_out_permanent_staff() -> None:
    row = parse_roster(roster(person(**BOSS))).rows[0]
    assert is_eligible(row, permanent=True, fixed_term_min_months=5, other=False, on=ON)
    assert not is_eligible(row, permanent=False, fixed_term_min_months=5, other=True, on=ON)
