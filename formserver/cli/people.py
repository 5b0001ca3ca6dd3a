"""Commands for people, rounds and sign-in links (HR and IT)."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import click
from flask import current_app
from flask.cli import with_appcontext

from formserver.cli import demo
from formserver.cli._shared import _keys, _link
from formserver.common.clock import local_today
from formserver.services import first_hr
from formserver.services import rounds as round_logic
from formserver.services import sign_in as signin
from formserver.services.roster import parse_roster
from formserver.siteconfig import localized as site_config
from formserver.store import audit, db
from formserver.store.people import (
    RosterNotEmpty,
    count_people,
    import_roster,
    person_by_email,
    set_hr,
)
from formserver.store.rounds import RoundExists


@click.command("init-db")
@with_appcontext
def init_db() -> None:
    """Create the database, or bring it up to the newest schema."""
    version = db.migrate(db.connection_for(current_app.config["DATABASE"]))
    click.echo(f"Databasen är klar (schemaversion {version}): {current_app.config['DATABASE']}")


@click.command("import-roster")
@click.argument("csv_file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@with_appcontext
def import_roster_command(csv_file: Path) -> None:
    """Import the roster CSV: all or nothing; every bad line is reported."""
    result = parse_roster(csv_file.read_bytes())
    if not result.ok:
        for error in result.errors:
            click.echo(str(error), err=True)
        raise click.ClickException(f"Ingenting lästes in: {len(result.errors)} fel.")
    event = audit.Event(None, "roster.import", detail=f"{len(result.rows)} personer")
    summary = import_roster(db.connection_for(current_app.config["DATABASE"]), result.rows, event)
    click.echo(
        f"Inläst: {len(result.rows)} personer ({summary.created} nya, {summary.updated} ändrade, "
        f"{summary.unchanged} oförändrade, {summary.left_roster} inte längre med)."
    )


@click.command("grant-hr")
@click.argument("email")
@click.option("--revoke", is_flag=True, help="Take the HR role away instead.")
@click.option("--name", help="First HR person, while the roster is empty: their full name.")
@click.option("--employee-number", help="First HR person: their employee number in the HR system.")
@click.option("--unit", default="HR", show_default=True, help="First HR person: their unit.")
@with_appcontext
def grant_hr(
    email: str, revoke: bool, name: str | None, employee_number: str | None, unit: str
) -> None:
    """Give a person in the roster the HR role (or take it away).

    In a new installation, before any roster is imported, `--name` and `--employee-number`
    create the first HR person; a later import with the same number keeps them as HR.
    """
    conn = db.connection_for(current_app.config["DATABASE"])
    person = person_by_email(conn, email)
    if person is None and not revoke and count_people(conn) == 0:
        _first_hr(conn, email, name, employee_number, unit)
        return
    if person is None:
        raise click.ClickException(f"Ingen med e-postadressen {email} finns i personallistan.")
    if name or employee_number:
        raise click.ClickException(
            "--name och --employee-number gäller bara den första HR-personen, när "
            "personallistan är tom. Ändra namn och nummer i personallistan och läs in den igen."
        )
    action = "person.revoke_hr" if revoke else "person.grant_hr"
    set_hr(conn, person.id, not revoke, audit.Event(None, action, "person", person.id))
    click.echo(f"{person.name} {'har inte längre' if revoke else 'har nu'} HR-behörighet.")


def _first_hr(
    conn: sqlite3.Connection,
    email: str,
    name: str | None,
    employee_number: str | None,
    unit: str,
) -> None:
    if not name or not employee_number:
        raise click.ClickException(
            "Personallistan är tom. Lägg till den första HR-personen med namn och "
            f'anställningsnummer: formserver grant-hr {email} --name "Förnamn Efternamn" '
            "--employee-number NUMMER. Eller läs in personallistan först med formserver "
            "import-roster."
        )
    try:
        person = first_hr.set_up_first_hr(
            conn,
            email=email,
            name=name,
            employee_number=employee_number,
            unit=unit,
            today=local_today(),
        )
    except first_hr.NotAPerson as error:
        raise click.ClickException(
            "Personen lades inte till: " + " ".join(e.message for e in error.errors)
        ) from None
    except RosterNotEmpty:
        raise click.ClickException(
            "Det finns redan personer i databasen, så den första HR-personen kan inte läggas "
            f"till så här. Läs in personallistan och kör sedan formserver grant-hr {email}."
        ) from None
    click.echo(
        f"{person.name} ({person.email}, anställningsnummer {person.employee_number}) är "
        "tillagd och har nu HR-behörighet. Skapa en inloggningslänk med formserver issue-link "
        f"{person.email}. Läs sedan in personallistan med samma anställningsnummer för "
        f"{person.name}, annars räknas personen som slutad."
    )


@click.command("open-round")
@click.option("--year", type=int, required=True, help="The year of the round.")
@click.option("--question-set", help="Question set id (default: the organisation's default).")
@click.option("--plan-template", help="Plan template id (default: the question set's).")
@with_appcontext
def open_round(year: int, question_set: str | None, plan_template: str | None) -> None:
    """Open a samtalsomgång: a talk for everyone eligible, with their current manager."""
    config = site_config()
    qs = config.question_sets.get(question_set or config.organisation.default_question_set)
    if qs is None:
        raise click.ClickException(
            f"Frågeunderlaget finns inte. Välj bland: {', '.join(config.question_sets)}"
        )
    template = plan_template or qs.plan_template
    if template not in config.plan_templates:
        raise click.ClickException(
            f"Planmallen finns inte. Välj bland: {', '.join(config.plan_templates)}"
        )
    opened = round_logic.open_round(
        db.connection_for(current_app.config["DATABASE"]),
        config,
        year=year,
        question_set_id=qs.id,
        plan_template_id=template,
        opened_by=None,
        today=db.utc_now().date(),
    )
    click.echo(
        f"Samtalsomgång {year} öppnad: {opened.talks} samtal "
        f"({opened.without_manager} utan chef i listan fick inget samtal)."
    )


@click.command("issue-link")
@click.argument("email")
@with_appcontext
def issue_link(email: str) -> None:
    """Print a single-use sign-in link for a person (to hand over by other means)."""
    conn = db.connection_for(current_app.config["DATABASE"])
    person = person_by_email(conn, email)
    if person is None:
        raise click.ClickException(f"Ingen med e-postadressen {email} finns i personallistan.")
    token = signin.issue_link(
        conn, _keys(), person, now=db.utc_now(), days=int(current_app.config["SIGN_IN_LINK_DAYS"])
    )
    click.echo(_link(token))


@click.command("load-demo")
@with_appcontext
def load_demo() -> None:
    """Load the fictional demo organisation and open this year's round; print sign-in links."""
    conn = db.connection_for(current_app.config["DATABASE"])
    result = parse_roster(demo.DEMO_ROSTER.encode())
    assert result.ok, result.errors
    import_roster(conn, result.rows)
    hr = person_by_email(conn, demo.DEMO_HR)
    assert hr is not None
    set_hr(conn, hr.id, True)
    config = site_config()
    year = demo.demo_year(db.utc_now().date())
    try:
        round_logic.open_round(
            conn,
            config,
            year=year,
            question_set_id=config.organisation.default_question_set,
            plan_template_id=config.default_question_set.plan_template,
            opened_by=hr.id,
            today=db.utc_now().date(),
        )
    except RoundExists as error:  # a second load keeps the existing round
        click.echo(f"Samtalsomgången finns redan ({error}).")
    click.echo("Demo-organisationen är inläst. Inloggningslänkar (fungerar en gång var):")
    for role, email in (
        ("HR", demo.DEMO_HR),
        ("Chef", demo.DEMO_MANAGER),
        ("Medarbetare", demo.DEMO_EMPLOYEE),
    ):
        person = person_by_email(conn, email)
        assert person is not None
        token = signin.issue_link(
            conn,
            _keys(),
            person,
            now=db.utc_now(),
            days=int(current_app.config["SIGN_IN_LINK_DAYS"]),
        )
        click.echo(f"  {role:12} {person.name:22} {_link(token)}")
