"""Plain factory functions for test data: the service, its people, signing in, plan states."""

from __future__ import annotations

import re
import shutil
from collections.abc import Callable, Iterator
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from flask import Flask
from flask.testing import FlaskClient

from formserver import siteconfig
from formserver.common import background
from formserver.common.clock import local_today
from formserver.paths import PROJECT_ROOT
from formserver.security.keys import key_list
from formserver.security.records import RecordSigner
from formserver.services import rounds
from formserver.services import sign_in as signin
from formserver.services.roster import parse_roster
from formserver.siteconfig import SiteConfig
from formserver.store import db
from formserver.store import plans as plan_store
from formserver.store import talks as talk_store
from formserver.store.people import Person, import_roster, person_by_email, set_hr
from formserver.store.talks import Talk, employee_talks

SITE_CONFIG = PROJECT_ROOT / "site_config"
STOCKHOLM = ZoneInfo("Europe/Stockholm")
ROW = "r0000beef"  # a plan row id of the form the service makes (plan.new_row_id)

HEADER = (
    "anstallningsnummer;namn;epost;enhet;befattning;chef_anstallningsnummer;"
    "anstallningsform;startdatum;slutdatum"
)
# Fictional people: A and B report to manager M; manager N has C; H is HR; L has left.
PEOPLE = {
    role: ";".join(line)
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
    for line in [(*fields, "tillsvidare", "2020-01-01", "")]
}
EMAIL = {role: line.split(";")[2] for role, line in PEOPLE.items()}


# --- the service and its people ------------------------------------------------------------------


def conn(app: Flask) -> Any:
    """The test thread's connection to the app's database."""
    return db.connection_for(app.config["DATABASE"])


def site_config_of(app: Flask) -> SiteConfig:
    """The site configuration the app runs with."""
    with app.app_context():
        return siteconfig.current()


BreakConfig = Callable[[str, str, str], Path]


def broken_site_config(root: Path, relative: str, old: str, new: str) -> Path:
    """Copy site_config to `root` and replace `old` by `new` once in one file; returns `root`."""
    shutil.copytree(SITE_CONFIG, root)
    path = root / relative
    text = path.read_text(encoding="utf-8")
    assert old in text, f"{old!r} not in {relative}: the test's edit would do nothing"
    path.write_text(text.replace(old, new, 1), encoding="utf-8")
    return root


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
    set_hr(conn(app), person(app, "hr").id, True)
    open_round(app, 2026, today=date(2026, 11, 1))
    left = [line for role, line in PEOPLE.items() if role != "leaver"]
    import_roster(conn(app), parse_roster(roster_csv(*left)).rows)


def person(app: Flask, role: str) -> Person:
    """A person from PEOPLE by role."""
    found = person_by_email(conn(app), EMAIL[role])
    assert found is not None
    return found


def talk_of(app: Flask, role: str) -> Talk:
    """The newest talk of an employee from PEOPLE (the only one unless a test opens a round)."""
    return employee_talks(conn(app), person(app, role).id)[0]


def talk_by_year(app: Flask, role: str, year: int = 2026) -> Talk:
    """An employee's talk in a given year's round."""
    [found] = [t for t in employee_talks(conn(app), person(app, role).id) if t.year == year]
    return found


def open_round(
    app: Flask,
    year: int,
    question_set_id: str = "rutin",
    plan_template_id: str = "handlingsplan",
    *,
    today: date | None = None,
) -> Any:
    """HR opens a round for `year` (on 15 January of that year unless `today` is given)."""
    return rounds.open_round(
        conn(app),
        site_config_of(app),
        year=year,
        question_set_id=question_set_id,
        plan_template_id=plan_template_id,
        opened_by=person(app, "hr").id,
        today=today or date(year, 1, 15),
    )


# --- signing in -----------------------------------------------------------------------------------


def sent_after_response(app: Flask) -> None:
    """Wait until the work requests handed to the background (the /ny-lank e-mail and its
    audit entry) is done."""
    assert background.worker(app).drain(timeout=10.0), "background work did not finish"


def choosing_language(app: Flask, role: str, language: str) -> FlaskClient:
    """`role` signs in and chooses `language` in the header's switcher (stored for them)."""
    client = app.test_client()
    sign_in(client, app, role)
    page = client.get("/")
    data = {"language": language, "next": "/", "csrf_token": csrf_token(page.text)}
    assert client.post("/sprak", data=data).status_code == 303
    return client


def csrf_token(html: str) -> str:
    """The CSRF token of the first form on a page."""
    match = re.search(r'name="csrf_token" value="([^"]+)"', html)
    assert match, "no CSRF token on the page"
    return match.group(1)


def link_token(app: Flask, role: str, target: str = "/") -> str:
    """A fresh single-use sign-in token for a person from PEOPLE."""
    return signin.issue_link(
        conn(app), key_list(app.config), person(app, role), now=db.utc_now(), days=21, target=target
    )


def sign_in(client: FlaskClient, app: Flask, role: str) -> None:
    """Sign in as a person does: open the link, press the button."""
    token = link_token(app, role)
    page = client.get(f"/logga-in/{token}")
    assert page.status_code == 200, page.text
    response = client.post(f"/logga-in/{token}", data={"csrf_token": csrf_token(page.text)})
    assert response.status_code == 302, response.text


def signed_in_browser(app: Flask, role: str) -> FlaskClient:
    """A browser of its own, signed in as a person from PEOPLE."""
    browser = app.test_client()
    sign_in(browser, app, role)
    return browser


class SignIn:
    """Signs browsers in as the people of PEOPLE (the `signed_in` fixture; flaskr's AuthActions)."""

    def __init__(self, app: Flask) -> None:
        self._app = app

    def __call__(self, role: str) -> FlaskClient:
        """A browser of its own, signed in as `role` the way a person does it."""
        return signed_in_browser(self._app, role)


def data_dump(app: Flask) -> str:
    """Every row of every table except the audit log, to prove a request changed nothing.

    The audit log is left out on purpose: a denial must add exactly one audit entry.
    """
    skip = ('INSERT INTO "audit_log"', 'INSERT INTO "sqlite_sequence"')
    lines = conn(app).iterdump()
    return "\n".join(line for line in lines if not line.startswith(skip))


# --- preparations, filled in as a person does -----------------------------------------------------


def fill_in_preparation(
    browser: FlaskClient, talk: Talk, answers: dict[str, str], *, submit: bool = True
) -> None:
    """The browser's person fills in the talk's preparation form and sends it (or saves it)."""
    url = f"/samtal/{talk.id}/forberedelse"
    page = browser.get(url)
    assert page.status_code == 200, page.text
    version = re.search(r'name="version" value="([^"]*)"', page.text)
    assert version, "no version field on the preparation form"
    data = {
        "csrf_token": csrf_token(page.text),
        "version": version.group(1),
        "action": "skicka" if submit else "spara",
        **answers,
    }
    response = browser.post(url, data=data)
    assert response.status_code == 302, response.text


# --- records and plan states, written as the service writes them ---------------------------------


def signer(app: Flask, kind: str) -> RecordSigner:
    """The MAC signer of one kind of record (the salt the service uses)."""
    return RecordSigner(key_list(app.config), kind)


def plan_content(*, note: str = "", cell: str = "", day: str = "") -> dict[str, Any]:
    """Notes and one plan row of the rutin/handlingsplan talk, as the service stores them."""
    row = {"row_id": ROW}
    if cell:
        row["medarbetarens_mal"] = cell
    if day:
        row["datum"] = day
    return {
        "question_set": ["rutin", 1],
        "plan_template": ["handlingsplan", 1],
        "notes": {"arbetssituation": note} if note else {},
        "checks": {},
        "grids": {"mal": [row], "arets_utmaning": []},
    }


def latest_plan(app: Flask, talk: Talk) -> plan_store.PlanVersion | None:
    """The newest stored plan version, MAC-verified."""
    return plan_store.latest(conn(app), talk.id, signer(app, "plan"))


def save_plan(app: Flask, talk: Talk, content: dict[str, Any]) -> None:
    """Save a plan version as the manager's form would."""
    latest = latest_plan(app, talk)
    plan_store.save(
        conn(app),
        talk.id,
        content,
        expected=(latest.number, latest.edits) if latest else (0, 0),
        author_id=talk.manager_id,
        signer=signer(app, "plan"),
    )


def sign_plan(app: Flask, talk: Talk, *roles: str) -> None:
    """Sign the newest version (the talk must be held)."""
    latest = latest_plan(app, talk)
    assert latest is not None
    for role in roles:
        plan_store.sign(
            conn(app),
            talk.id,
            role=role,
            person_id=talk.employee_id if role == "employee" else talk.manager_id,
            number=latest.number,
            seen_hash=latest.content_hash,
            comment="",
            signer=signer(app, "plan"),
        )


def held_and_signed(app: Flask, talk: Talk, cell: str = "Lära mig SQL") -> None:
    """A plan with one row, the talk held and the plan signed by both."""
    save_plan(app, talk, plan_content(cell=cell))
    plan_store.mark_held(conn(app), talk.id)
    sign_plan(app, talk, "manager", "employee")


def call_directly(app: Flask, talk: Talk, starts: datetime, place: str = "Rum Ekern") -> None:
    """Record a call as the call form does, without the form."""
    talk_store.call_talk(
        conn(app),
        talk.id,
        expected_version=talk.version,
        starts_at=starts.replace(tzinfo=STOCKHOLM),
        duration_minutes=60,
        place=place,
    )


def in_days(days: int) -> date:
    """The day `days` from today."""
    return local_today() + timedelta(days=days)
