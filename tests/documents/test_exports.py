"""Exports as pure functions (formserver.documents.exports): CSV, JSON, file names, zips.

What a manager opening a download, and an auditor, would check: a cell never runs as a formula,
Swedish Excel reads åäö and the columns, a file name made from a person's name is plain ASCII
and never a path, a streamed zip is a valid zip with every file intact, however many.
"""

from __future__ import annotations

import csv
import io
import json
import re
import zipfile
from collections.abc import Iterator

import pytest

from formserver.documents.exports import (
    UniqueNames,
    csv_bytes,
    json_bytes,
    neutralise,
    safe_filename,
    stream_zip,
)

BOM = b"\xef\xbb\xbf"


# --- neutralise: no formulas in cells -----------------------------------------------------------


@pytest.mark.parametrize(
    "cell",
    [
        '=HYPERLINK("http://evil.example")',
        "=1+1",
        "+1",
        "+46 70 123 45 67",
        "-1",
        "-2+3",
        "@SUM(A1)",
        "\tTabb",
        "\rVagnretur",
        "=",
    ],
)
def test_a_cell_starting_like_a_formula_gets_a_leading_apostrophe(cell: str) -> None:
    assert neutralise(cell) == "'" + cell


@pytest.mark.parametrize(
    "cell",
    [
        "Anna Exempelsson",
        "Åsa Öberg",
        "",
        "1",
        "2026-11-03",
        "a=b",
        "x+1",
        " =1",  # a leading space: Excel does not read it as a formula
        "'redan skyddad",
        "\nny rad först",
        "Planen – “klar”…",
    ],
)
def test_a_safe_cell_is_kept_as_it_is(cell: str) -> None:
    assert neutralise(cell) == cell


@pytest.mark.parametrize(
    ("value", "text"),
    [(None, ""), (3, "3"), (-3, "'-3"), (1.5, "1.5"), (True, "True")],
)
def test_non_text_cells_become_text_and_negative_numbers_are_neutralised(
    value: object, text: str
) -> None:
    assert neutralise(value) == text


# --- csv_bytes ------------------------------------------------------------------------------------


def test_csv_has_a_bom_semicolons_every_field_quoted_and_crlf() -> None:
    body = csv_bytes(("Namn", "Enhet", "Antal"), [("Åsa Öberg", "Syd", 3), ("Bo", "", None)])

    assert body.startswith(BOM)
    assert body[len(BOM) :].decode("utf-8") == (
        '"Namn";"Enhet";"Antal"\r\n"Åsa Öberg";"Syd";"3"\r\n"Bo";"";""\r\n'
    )


def test_csv_quotes_quotes_semicolons_and_line_breaks_and_reads_back() -> None:
    rows = [
        ('Säger "hej"', "a;b", "rad ett\nrad två"),
        ("=SUM(A1)", "@x", "\tindrag"),
    ]

    body = csv_bytes(("A", "B", "C"), rows)

    text = body[len(BOM) :].decode("utf-8")
    assert '"Säger ""hej"""' in text
    assert '"a;b"' in text
    assert '"rad ett\nrad två"' in text
    read = list(csv.reader(io.StringIO(text, newline=""), delimiter=";"))
    assert read == [
        ["A", "B", "C"],
        ['Säger "hej"', "a;b", "rad ett\nrad två"],
        ["'=SUM(A1)", "'@x", "'\tindrag"],
    ]


def test_csv_neutralises_the_header_too() -> None:
    body = csv_bytes(("=Namn", "Enhet"), [])

    assert body == BOM + b'"\'=Namn";"Enhet"\r\n'


def test_csv_streams_from_a_generator_of_rows() -> None:
    body = csv_bytes(("N",), ((str(i),) for i in range(1000)))

    lines = body[len(BOM) :].decode("utf-8").split("\r\n")
    assert lines[0] == '"N"' and lines[1000] == '"999"' and lines[1001] == ""


# --- safe_filename --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("parts", "expected"),
    [
        (("plan", "2026", "Anna Exempelsson"), "plan-2026-anna-exempelsson"),
        (("plan", "2026", "Åsa Öberg-Ärlig"), "plan-2026-asa-oberg-arlig"),
        (("plan", "2026", 'Bo "Bosse" Provsson'), "plan-2026-bo-bosse-provsson"),
        (("plan", "2026", "Ny\r\nRad: X"), "plan-2026-ny-rad-x"),
        (("plan", "2026", "a/b\\c"), "plan-2026-a-b-c"),
        (("../../etc/passwd",), "etc-passwd"),
        (("..",), "dokument"),
        (("",), "dokument"),
        (("日本語",), "dokument"),
        (("plan", "2026", "Zoë Ångström"), "plan-2026-zoe-angstrom"),
    ],
)
def test_safe_filename_is_plain_ascii_and_never_a_path(
    parts: tuple[str, ...], expected: str
) -> None:
    name = safe_filename(*parts)

    assert name == expected
    assert re.fullmatch(r"[a-z0-9][a-z0-9.-]*", name)
    assert "/" not in name and "\\" not in name and not name.startswith(".")


def test_safe_filename_is_at_most_120_characters() -> None:
    name = safe_filename("plan", "2026", "Långt Namn " * 40)

    assert len(name) <= 120
    assert name.startswith("plan-2026-langt-namn-")


# --- stream_zip -----------------------------------------------------------------------------------


def _zip_of(files: list[tuple[str, bytes]]) -> zipfile.ZipFile:
    return zipfile.ZipFile(io.BytesIO(b"".join(stream_zip(iter(files)))))


def test_stream_zip_makes_a_valid_zip_with_the_same_files() -> None:
    files = [
        ("plan-2026-anna-exempelsson.pdf", b"%PDF-1.7 Anna\x00\xff" * 100),
        ("plan-2026-bo-provsson.pdf", b"%PDF-1.7 Bo"),
        ("tom.pdf", b""),
    ]

    with _zip_of(files) as archive:
        assert archive.testzip() is None
        assert archive.namelist() == [name for name, _ in files]
        assert [archive.read(name) for name, _ in files] == [content for _, content in files]
        assert {i.compress_type for i in archive.infolist()} == {zipfile.ZIP_STORED}


def test_stream_zip_yields_as_it_goes() -> None:
    produced: list[str] = []

    def files() -> Iterator[tuple[str, bytes]]:
        for i in range(3):
            produced.append(f"f{i}")
            yield f"f{i}.pdf", b"x" * 1000

    chunks = stream_zip(files())
    first = next(chunks)

    assert produced == ["f0"]
    assert first.startswith(b"PK\x03\x04")
    rest = b"".join(chunks)
    with zipfile.ZipFile(io.BytesIO(first + rest)) as archive:
        assert archive.namelist() == ["f0.pdf", "f1.pdf", "f2.pdf"]


def test_stream_zip_works_with_500_entries() -> None:
    files = [(f"plan-{i:03d}.pdf", f"innehåll {i}".encode() * (i % 7 + 1)) for i in range(500)]

    with _zip_of(files) as archive:
        assert archive.testzip() is None
        assert len(archive.namelist()) == 500
        assert archive.namelist() == [name for name, _ in files]
        for name, content in files:
            assert archive.read(name) == content


def test_stream_zip_of_nothing_is_an_empty_valid_zip() -> None:
    with _zip_of([]) as archive:
        assert archive.namelist() == []


# --- json_bytes -----------------------------------------------------------------------------------


def test_json_bytes_round_trips_swedish_text_as_utf8() -> None:
    data = {"namn": "Åsa Öberg", "anteckning": "Räksmörgås – “bra” …", "antal": 3, "lista": [1]}

    body = json_bytes(data)

    assert json.loads(body.decode("utf-8")) == data
    assert "Åsa Öberg".encode() in body
    assert b"\\u00c5" not in body
    assert body.index(b'"antal"') < body.index(b'"anteckning"') < body.index(b'"namn"')


def test_two_employees_with_the_same_name_get_a_file_each_in_one_zip() -> None:
    names = UniqueNames()
    given = [
        names.unique(n) for n in ("plan-2026-anna.pdf", "plan-2026-anna.pdf", "noter", "noter")
    ]
    assert given == ["plan-2026-anna.pdf", "plan-2026-anna-2.pdf", "noter", "noter-2"]
    body = b"".join(stream_zip((name, b"%PDF") for name in given))
    with zipfile.ZipFile(io.BytesIO(body)) as archive:
        assert archive.namelist() == given
