"""The roster import reads good files: delimiters, encodings, types and line numbers."""

from __future__ import annotations

from datetime import date

import pytest

from formserver.services.roster import COLUMNS, parse_roster
from formserver.store.people import RosterRow
from tests.services.roster_helpers import BOSS, HEADER, messages, person, roster

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
