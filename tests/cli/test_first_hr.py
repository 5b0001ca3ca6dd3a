"""The first HR person of a new installation, set up from the command line before any roster:
`formserver grant-hr EMAIL --name … --employee-number …`, then a link, then HR's pages."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from flask import Flask
from flask.testing import FlaskCliRunner

from formserver import create_app
from formserver.store import db
from tests.factories import csrf_token, roster_csv

HANNA = ["grant-hr", "Hanna.Personalsson@example.se", "--name", "Hanna Personalsson"]


@pytest.fixture
def new_app(tmp_path: Path) -> Iterator[Flask]:
    """A new installation: a database and nobody in it."""
    yield create_app(
        {
            "TESTING": True,
            "SECRET_KEY": "test-key-" + "x" * 32,
            "DATABASE": str(tmp_path / "new.sqlite3"),
            "HANDBOOK_DIR": str(tmp_path / "no-handbook"),
        }
    )
    db.close_thread_connections()


def people(app: Flask) -> list[tuple[str, str, str, int, int]]:
    rows = db.connection_for(app.config["DATABASE"]).execute(
        "SELECT employee_number, name, email, is_hr, in_roster FROM people ORDER BY name"
    )
    return [tuple(r) for r in rows]


def test_without_name_and_number_the_command_says_exactly_what_to_type(new_app: Flask) -> None:
    result = new_app.test_cli_runner().invoke(args=HANNA[:2])
    assert result.exit_code == 1
    assert (
        "Personallistan är tom. Lägg till den första HR-personen med namn och anställningsnummer: "
        'formserver grant-hr Hanna.Personalsson@example.se --name "Förnamn Efternamn" '
        "--employee-number NUMMER." in result.output
    )
    assert people(new_app) == []


def test_the_first_hr_person_signs_in_and_reaches_hrs_pages(new_app: Flask) -> None:
    runner: FlaskCliRunner = new_app.test_cli_runner()
    created = runner.invoke(args=[*HANNA, "--employee-number", "H1"])
    assert created.exit_code == 0, created.output
    assert "Hanna Personalsson (hanna.personalsson@example.se, anställningsnummer H1)" in (
        created.output
    )
    assert people(new_app) == [("H1", "Hanna Personalsson", "hanna.personalsson@example.se", 1, 1)]
    [entry] = db.connection_for(new_app.config["DATABASE"]).execute(
        "SELECT * FROM audit_log WHERE action = 'person.grant_hr'"
    )
    assert entry["detail"] == "första HR-personen, utan personallista"

    link = runner.invoke(args=["issue-link", "hanna.personalsson@example.se"]).output.strip()
    browser = new_app.test_client()
    path = "/" + link.split("/", 3)[3]
    confirm = browser.get(path)
    signed_in = browser.post(path, data={"csrf_token": csrf_token(confirm.text)})
    assert signed_in.status_code == 302
    page = browser.get("/hr/personal")
    assert page.status_code == 200
    assert "Personallista" in page.text


def test_a_later_roster_with_the_same_number_keeps_her_as_hr(
    new_app: Flask, tmp_path: Path
) -> None:
    runner = new_app.test_cli_runner()
    runner.invoke(args=[*HANNA, "--employee-number", "H1"])
    roster = tmp_path / "personal.csv"
    roster.write_bytes(
        roster_csv(
            "H1;Hanna Personalsson;hanna.personalsson@example.se;HR;HR;;tillsvidare;2020-01-01;",
            "A1;Anna Exempelsson;anna.exempelsson@example.se;Syd;Lärare;H1;tillsvidare;2021-01-01;",
        )
    )
    imported = runner.invoke(args=["import-roster", str(roster)])
    assert imported.exit_code == 0, imported.output
    assert people(new_app) == [
        ("A1", "Anna Exempelsson", "anna.exempelsson@example.se", 0, 1),
        ("H1", "Hanna Personalsson", "hanna.personalsson@example.se", 1, 1),
    ]
    # Once there is a roster, HR comes from it.
    other = runner.invoke(
        args=["grant-hr", "ny@example.se", "--name", "Ny Person", "--employee-number", "X1"]
    )
    assert other.exit_code == 1
    assert "Ingen med e-postadressen ny@example.se finns i personallistan." in other.output


def test_details_a_roster_would_refuse_are_refused_in_swedish(new_app: Flask) -> None:
    result = new_app.test_cli_runner().invoke(
        args=["grant-hr", "inte-en-adress", "--name", "Hanna", "--employee-number", "H 1"]
    )
    assert result.exit_code == 1
    assert "Personen lades inte till:" in result.output
    assert "anstallningsnummer" in result.output and "epost" in result.output
    assert people(new_app) == []
