"""Plain factory functions for test data and for signing in the way a person does."""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import date
from pathlib import Path
from typing import Any

from flask import Flask
from flask.testing import FlaskClient

from formserver.services import rounds
from formserver.services import sign_in as signin
from formserver.services.roster import parse_roster
from formserver.store import db
from formserver.store.people import Person, import_roster, person_by_email, set_hr
from formserver.store.talks import Talk, employee_talks

HEADER = (
    "anstallningsnummer;namn;epost;enhet;befattning;chef_anstallningsnummer;"
    "anstallningsform;startdatum;slutdatum"
)
# Fictional people: A and B report to manager M; manager N has C; H is HR; L has left.
PEOPLE = {
    role: ";".join(fields)
    for role, fields in {
        "boss": ("T1", "Tove Toppsson", "tove.toppsson@example.se", "Ledning", "Direktör", ""),
        "hr": ("H1", "Hanna Personalsson", "hanna.personalsson@example.se", "HR", "HR", "T1"),
        "manager": ("M1", "Karin Chefsberg", "karin.chefsberg@example.se", "Syd", "Chef", "T1"),
        "other_manager": (
            "N1",
            "Erik Ledarsson",
            "erik.ledarsson@example.se",
            "Norr",
            "Chef",
            "T1",
        ),
        "employee_a": (
            "A1",
            "Anna Exempelsson",
            "anna.exempelsson@example.se",
            "Syd",
            "Lärare",
            "M1",
        ),
        "employee_b": ("B1", "Bo Provsson", "bo.provsson@example.se", "Syd", "Barnskötare", "M1"),
        "employee_c": (
            "C1",
            "Cecilia Testlund",
            "cecilia.testlund@example.se",
            "Norr",
            "Ingenjör",
            "N1",
        ),
        "leaver": (
            "L1",
            "Lars Slutadsson",
            "lars.slutadsson@example.se",
            "Syd",
            "Handläggare",
            "M1",
        ),
    }.items()
    for fields in [(*fields, "tillsvidare", "2020-01-01", "")]
}
EMAIL = {role: line.split(";")[2] for role, line in PEOPLE.items()}


def conn(app: Flask) -> Any:
    """The test thread's connection to the app's database."""
    return db.connection_for(app.config["DATABASE"])


def make_service(tmp_path: Path, **extra: Any) -> Iterator[Flask]:
    """A service with a fresh database and the people of PEOPLE (plus `extra` settings, e.g.
    SMTP); yields it and closes this thread's connections afterwards."""
    from formserver import create_app

    application = create_app(
        {
            "TESTING": True,
            "SECRET_KEY": "test-key-" + "x" * 32,
            "DATABASE": str(tmp_path / "test.sqlite3"),
            "HANDBOOK_DIR": str(tmp_path / "no-handbook"),
            **extra,
        }
    )
    load_people(application)
    yield application
    db.close_thread_connections()


def roster_csv(*lines: str) -> bytes:
    """A roster file with the standard header."""
    return ("\n".join((HEADER, *lines)) + "\n").encode()


def load_people(app: Flask) -> None:
    """Import everyone in PEOPLE, make H HR, open this year's round, then let L leave."""
    result = parse_roster(roster_csv(*PEOPLE.values()))
    assert result.ok, result.errors
    import_roster(conn(app), result.rows)
    hr = person(app, "hr")
    set_hr(conn(app), hr.id, True)
    site_config = app.extensions["site_config"]
    rounds.open_round(
        conn(app),
        site_config,
        year=2026,
        question_set_id="rutin",
        plan_template_id="handlingsplan",
        opened_by=hr.id,
        today=date(2026, 11, 1),
    )
    left = [line for role, line in PEOPLE.items() if role != "leaver"]
    import_roster(conn(app), parse_roster(roster_csv(*left)).rows)


def person(app: Flask, role: str) -> Person:
    """A person from PEOPLE by role."""
    found = person_by_email(conn(app), EMAIL[role])
    assert found is not None
    return found


def talk_of(app: Flask, role: str) -> Talk:
    """The (only) talk of an employee from PEOPLE."""
    return employee_talks(conn(app), person(app, role).id)[0]


def csrf_token(html: str) -> str:
    """The CSRF token of the first form on a page."""
    match = re.search(r'name="csrf_token" value="([^"]+)"', html)
    assert match, "no CSRF token on the page"
    return match.group(1)


def link_token(app: Flask, role: str, target: str = "/") -> str:
    """A fresh single-use sign-in token for a person from PEOPLE."""
    keys = [*app.config["SECRET_KEY_FALLBACKS"], app.config["SECRET_KEY"]]
    return signin.issue_link(
        conn(app), keys, person(app, role), now=db.utc_now(), days=21, target=target
    )


def sign_in(client: FlaskClient, app: Flask, role: str) -> None:
    """Sign in as a person does: open the link, press the button."""
    token = link_token(app, role)
    page = client.get(f"/logga-in/{token}")
    assert page.status_code == 200, page.text
    response = client.post(f"/logga-in/{token}", data={"csrf_token": csrf_token(page.text)})
    assert response.status_code == 302, response.text


def data_dump(app: Flask) -> str:
    """Every row of every table except the audit log, to prove a request changed nothing.

    The audit log is left out on purpose: a denial must add exactly one audit entry.
    """
    skip = ('INSERT INTO "audit_log"', 'INSERT INTO "sqlite_sequence"')
    lines = conn(app).iterdump()
    return "\n".join(line for line in lines if not line.startswith(skip))
