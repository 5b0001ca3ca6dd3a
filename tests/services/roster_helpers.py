"""Helpers for the roster import tests: rows and files the way Excel writes them."""

# The roster import: what HR sees for good files, bad cells, bad files and broken
# hierarchies.

from __future__ import annotations

import csv
import io

from formserver.services.roster import COLUMNS, RosterResult, parse_roster

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
