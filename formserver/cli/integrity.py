"""`formserver verify`: check every chain and MAC in the database and say what is broken."""

from __future__ import annotations

from pathlib import Path

import click
from flask.cli import with_appcontext

from formserver.cli._shared import _conn, _keys
from formserver.recordkeeping import integrity
from formserver.security.keys import signers_for
from formserver.store import audit

SHOWN = 50  # problems listed per kind; the counts cover all


def _entries(count: int) -> str:
    return f"{count} händelse" if count == 1 else f"{count} händelser"


def _range(first: int, last: int) -> str:
    return f"id {first}" if first == last else f"id {first}–{last}"


@click.command("verify")
@click.option(
    "--anchor",
    type=click.Path(dir_okay=False, path_type=Path),
    help="File with the newest audit entry of the last run (checked, then updated when intact).",
)
@click.option("--quiet", is_flag=True, help="No progress lines (the report is still printed).")
@with_appcontext
def verify_command(anchor: Path | None, quiet: bool) -> None:
    """Check every talk's chain, every record's MAC and the audit log's chain.

    Exits with status 0 when everything is intact and 1 when anything is broken. The run is
    written to the audit log. Progress goes to standard error, the report to standard output.
    """
    conn = _conn()
    keys = signers_for(_keys())

    def progress(line: str) -> None:
        if not quiet:
            click.echo(line, err=True)

    report = integrity.check_all(conn, keys, anchor=anchor, progress=progress)
    check = report.audit
    click.echo(
        f"Samtal: {report.talks} kontrollerade med {report.records} sparade uppgifter, "
        f"{len(report.talk_problems)} med fel."
    )
    for talk_id, what in report.talk_problems[:SHOWN]:
        click.echo(f"  Samtal {talk_id}: {what}.")
    if len(report.talk_problems) > SHOWN:
        click.echo(f"  … och {len(report.talk_problems) - SHOWN} samtal till.")
    click.echo(
        f"Granskningsloggen: {_entries(check.entries)}, {len(check.problems)} fel."
        + (
            f" {_entries(check.before_chain)} från före kedjan kan inte kontrolleras."
            if check.before_chain
            else ""
        )
    )
    for first, last, what in check.problems[:SHOWN]:
        click.echo(f"  Händelse {_range(first, last)}: {what}.")
    if len(check.problems) > SHOWN:
        click.echo(f"  … och {len(check.problems) - SHOWN} fel till.")
    if report.anchor_problem:
        click.echo(f"  Ankaret: {report.anchor_problem}.")
    detail = (
        f"{report.talks} samtal, {len(report.talk_problems)} med fel; {check.entries} händelser, "
        f"{len(check.problems)} fel" + ("; ankaret stämmer inte" if report.anchor_problem else "")
    )
    outcome = "ok" if report.intact else "failed"
    audit.record(conn, audit.Event(None, "records.verify_all", "", "", detail, outcome))
    head = audit.head(conn)
    if head is not None:
        click.echo(
            f"Senaste händelsen i granskningsloggen: id {head[0]}, kontrollsumma {head[1]}. "
            "Spara raden utanför servern (eller använd --anchor), så syns det om loggen kortas."
        )
        if anchor is not None and report.intact:
            integrity.write_anchor(anchor, head)
    if report.intact:
        click.echo("Resultat: allt är helt.")
        return
    click.echo(
        f"Resultat: {report.problem_count} fel. Återställ det som är fel från en "
        "säkerhetskopia, och ta reda på hur databasen har ändrats utanför tjänsten."
    )
    raise click.exceptions.Exit(1)
