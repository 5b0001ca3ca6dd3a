"""Commands for records over time: purge, export, backup, restore, verify."""

from __future__ import annotations

import sqlite3
from pathlib import Path
from typing import IO, Any

import click
from flask import current_app, render_template
from flask.cli import with_appcontext

from formserver.cli._shared import _conn, _keys
from formserver.common.clock import local_time
from formserver.common.text import clean_line
from formserver.documents import exports, plan_record
from formserver.paths import STATIC_DIR
from formserver.recordkeeping import Refused, backup, person_export, retention, verification
from formserver.security.keys import signers, signers_for
from formserver.security.records import ChainBroken, RecordTampered
from formserver.services.recipients import writing_to
from formserver.siteconfig import localized as site_config
from formserver.store import audit, db, plan_pdfs, plans, preparations
from formserver.store.plans import FOLLOWUP_STATUSES
from formserver.store.talks import STATUS_LABELS, get_talk


class Stop(click.ClickException):
    """A refusal or failure, shown in Swedish without click's English "Error:" prefix."""

    def show(self, file: IO[Any] | None = None) -> None:
        """Print the message to standard error."""
        click.echo(self.format_message(), err=True)


def _audit(action: str, outcome: str, object_type: str, object_id: str, detail: str) -> None:
    """Audit what a command did: commands run as IT, with no actor from the roster."""
    audit.record(_conn(), audit.Event(None, action, object_type, object_id, detail, outcome))


def _tampered(error: RecordTampered, command: str) -> Stop:
    if isinstance(error, ChainBroken):
        _audit("record.verify", "tampered", "talk", error.record_id, f"{command}; {error.reason}")
        return Stop(
            f"Planen i samtalet {error.record_id} är inte hel: {error.reason}. Ingenting visades "
            "eller skrevs. Händelsen är loggad. Återställ planen från en säkerhetskopia, och kör "
            "formserver verify för att se om fler samtal är drabbade."
        )
    _audit("record.verify", "failed", error.kind, error.record_id, command)
    return Stop(
        f"Uppgifterna i {error.kind} {error.record_id} har ändrats utanför tjänsten, eller sparats "
        "med en nyckel som inte längre finns i SECRET_KEY_FALLBACKS. Ingenting visades eller "
        "skrevs. Händelsen är loggad. Lägg tillbaka den gamla nyckeln, eller återställ "
        "databasen från en säkerhetskopia."
    )


def _per_round(rounds: list[tuple[int, str, int]]) -> None:
    for year, question_set, talks in rounds:
        click.echo(f"  Samtalsomgång {year} ({question_set}): {talks} samtal")


@click.command("purge")
@click.option("--dry-run", is_flag=True, help="Only show what would be purged (the default).")
@click.option("--yes", is_flag=True, help="Purge for real: delete the content of every due talk.")
@click.option(
    "--gallringsbeslut",
    metavar="BESLUT",
    help="The decision (diarienummer or name) the purge rests on; required in the public sector.",
)
@with_appcontext
def purge_command(dry_run: bool, yes: bool, gallringsbeslut: str | None) -> None:
    """Purge signed plans whose retention period has ended (shows counts only unless --yes).

    A talk is due when both signed its newest plan version and it was held longer ago than
    policies.retention_years. Its plan versions, signatures, follow-ups and preparations are
    deleted and the database files rewritten; the talk row (status, dates) stays for statistics.
    """
    if dry_run and yes:
        raise Stop("Välj antingen --dry-run eller --yes, inte båda.")
    config = site_config()
    years = config.policies.retention_years
    public = config.organisation.public_sector
    if yes:
        try:
            result = retention.purge(
                _conn(),
                retention_years=years,
                public_sector=public,
                gallringsbeslut=gallringsbeslut,
                now=db.utc_now(),
                plan_signer=signers_for(_keys()).plan,
            )
        except Refused as error:
            raise Stop(str(error)) from None
        click.echo(
            f"Gallrat: {len(result.purged)} samtal. Planer, underskrifter, uppföljningar, "
            "förberedelser och skäl till tillägg för hand är raderade ur databasfilerna; "
            "samtalens status och datum finns kvar för statistiken. Varje samtal har fått en rad "
            "i granskningsloggen."
        )
        if not result.compacted:
            raise Stop(
                "Databasen lästes av någon annan samtidigt, så filerna kunde inte skrivas om helt "
                "och raderad text kan finnas kvar i dem. Kör formserver purge --yes igen när "
                "tjänsten är stilla."
            )
        return
    overview = retention.purge_overview(_conn(), years, db.utc_now())
    click.echo(
        f"Bevarandetid {years} år: planer som båda har skrivit under, i samtal som hölls före "
        f"{overview.cutoff.date().isoformat()}, ska gallras."
    )
    if overview.due:
        click.echo("Skulle gallras:")
        _per_round(overview.per_round(overview.due))
    else:
        click.echo("Inga samtal ska gallras nu.")
    if overview.kept:
        click.echo("Behålls, eftersom den senaste planversionen inte är underskriven av båda:")
        _per_round(overview.per_round(overview.kept))
    if public and not gallringsbeslut:
        click.echo("Organisationen är offentlig: gallringen kräver --gallringsbeslut.")
    click.echo("Ingenting har ändrats. Kör med --yes för att gallra.")


@click.command("export-person")
@click.argument("email")
@click.option(
    "--out",
    "out_dir",
    required=True,
    type=click.Path(file_okay=False, path_type=Path),
    help="Folder for the files (created if missing).",
)
@with_appcontext
def export_person(email: str, out_dir: Path) -> None:
    """Write everything stored about a person (GDPR access) as JSON and PDF into a folder, with
    the stored PDF of every plan version both signed."""
    conn = _conn()
    try:
        data = person_export.person_export(conn, _keys(), email, db.utc_now())
        copies = _plan_copies(conn, data)
    except Refused as error:
        raise Stop(str(error)) from None
    except RecordTampered as error:
        raise _tampered(error, "export-person") from None
    person = data["person"]
    name = exports.safe_filename("registerutdrag", person["name"], person["employee_number"])
    out_dir.mkdir(mode=0o700, parents=True, exist_ok=True)
    json_path, pdf_path = out_dir / f"{name}.json", out_dir / f"{name}.pdf"
    for path in (json_path, pdf_path, *(out_dir / file for file in copies)):
        if path.exists():
            raise Stop(f"{path} finns redan. Flytta eller ta bort den, eller välj en annan mapp.")
    # The registerutdrag in the person's own language: the PDF and the JSON's descriptions.
    with writing_to(conn, person["id"]):
        config = site_config()
        json_body = exports.json_bytes(data)
        html = render_template(
            "maintenance/person_export.html",
            export=data,
            question_sets=config.question_sets,
            plan_templates=config.plan_templates,
            status_labels=STATUS_LABELS,
            followup_statuses=FOLLOWUP_STATUSES,
        )
    pdf = exports.pdf_bytes(html, static_dir=STATIC_DIR, stylesheets=("document.css",))
    backup.write_new_file(json_path, json_body)
    backup.write_new_file(pdf_path, pdf)
    for file, body in copies.items():
        backup.write_new_file(out_dir / file, body)
    _audit("person.export", "ok", "person", person["id"], f"json och pdf, {len(copies)} planer")
    click.echo(
        f"Registerutdrag för {person['name']}: {len(data['talks'])} samtal, "
        f"{len(data['audit_log'])} händelser i granskningsloggen, {len(copies)} underskrivna "
        f"planer som PDF.\n  {json_path}\n  {pdf_path}"
    )


def _plan_copies(conn: sqlite3.Connection, data: dict[str, Any]) -> dict[str, bytes]:
    """The stored PDF of each plan version both signed in the export, by file name; each
    version in `data` gets its file name and SHA-256 ("stored_pdf")."""
    copies = {}
    for entry in data["talks"]:
        talk = get_talk(conn, entry["talk"]["id"])
        assert talk is not None
        versions = plans.versions(conn, talk.id, signers().plan)
        signed = {v.id: v for v in versions if v.signed_by_both}
        for version in entry["plan_versions"]:
            if version["id"] not in signed:
                continue
            copy = plan_record.stored_copy(conn, talk, signed[version["id"]])
            file = exports.safe_filename(
                "plan", str(talk.year), talk.employee_name, "version", str(version["number"])
            )
            copies[file + ".pdf"] = copy.pdf
            version["stored_pdf"] = {
                "file": file + ".pdf",
                "sha256": copy.sha256,
                "rendered_at": copy.rendered_at,
            }
    return copies


def _counts(checked: backup.CheckedCopy) -> str:
    counts = checked.counts
    return (
        f"{counts.get('people', 0)} personer, {counts.get('talks', 0)} samtal, "
        f"{counts.get('preparations', 0)} förberedelser, {counts.get('plan_versions', 0)} "
        f"planversioner, {counts.get('plan_pdfs', 0)} sparade PDF-filer, "
        f"{counts.get('audit_log', 0)} händelser i granskningsloggen"
    )


@click.command("backup")
@click.argument("path", type=click.Path(dir_okay=False, path_type=Path))
@with_appcontext
def backup_command(path: Path) -> None:
    """Write a consistent copy of the database to a new file (VACUUM INTO) and check it."""
    try:
        checked = backup.backup(_conn(), path)
    except Refused as error:
        raise Stop(str(error)) from None
    if checked.problems:
        raise Stop(
            f"Säkerhetskopian {path} klarade inte kontrollen och ska inte användas: "
            + "; ".join(checked.problems[:5])
        )
    _audit("database.backup", "ok", "", "", str(path))
    click.echo(
        f"Säkerhetskopian är skriven och kontrollerad (integrity_check: ok): {path}\n"
        f"  {_counts(checked)}."
    )


@click.command("restore")
@click.argument("path", type=click.Path(dir_okay=False, path_type=Path))
@click.option("--yes", is_flag=True, help="Confirm: replace every record in the live database.")
@with_appcontext
def restore_command(path: Path, yes: bool) -> None:
    """Replace the live database with a checked backup, then check the result.

    Without --yes only the backup is checked. Everything written after the backup was taken
    is lost, audit entries included; the restore itself is then written to the audit log.
    """
    database = Path(current_app.config["DATABASE"])
    if not yes:
        try:
            checked = backup.check_copy(path)
        except Refused as error:
            raise Stop(str(error)) from None
        state = "skadad: " + "; ".join(checked.problems[:5]) if checked.problems else "hel"
        raise Stop(
            f"Säkerhetskopian är {state}. Den innehåller {_counts(checked)}. Återställningen "
            f"ersätter allt i {database}, och det som har sparats sedan kopian gjordes försvinner. "
            "Kör igen med --yes för att återställa."
        )
    try:
        result = backup.restore(path, database, signers_for(_keys()).plan)
    except Refused as error:
        raise Stop(str(error)) from None
    if result.problems:
        raise Stop(
            "Efter återställningen hittade kontrollen fel i databasen: "
            + "; ".join(result.problems[:5])
        )
    _audit("database.restore", "ok", "", "", f"från {path}")
    click.echo(
        f"Databasen är återställd från {path} och kontrollerad (integrity_check: ok): "
        f"{_counts(result)}."
    )


ROLE_NAMES = {"employee": "medarbetare", "manager": "chef"}


# A version id may start with "-": the code must then still be read as the argument.
@click.command("verify-plan", context_settings={"ignore_unknown_options": True})
@click.argument("code")
@with_appcontext
def verify_plan(code: str) -> None:
    """Check a plan document's verification code against the stored record (no content shown).

    Exits with status 1 when the code matches no stored plan version.
    """
    try:
        found = verification.check_code(_conn(), _keys(), code)
    except RecordTampered as error:
        raise _tampered(error, "verify-plan") from None
    if found is None:
        _audit("plan.verify", "no_match", "", "", clean_line(code)[:80])
        click.echo(
            "Koden stämmer inte med någon sparad planversion. Kontrollera att den är rätt "
            "inskriven. En plan som har gallrats kan inte kontrolleras."
        )
        raise click.exceptions.Exit(1)
    _audit("plan.verify", "ok", "talk", found.talk_id, f"version {found.number}")
    click.echo(f"Koden stämmer: planversion {found.number} från medarbetarsamtalet {found.year}.")
    for signed in found.signed_by:
        when = local_time(signed.signed_at)
        click.echo(f"  Underskriven av {signed.name} ({ROLE_NAMES[signed.role]}) {when}.")
    if not found.signed_by:
        click.echo("  Versionen är inte underskriven.")
    elif not found.signed_by_both:
        click.echo("  Versionen är inte underskriven av båda.")
    if found.pdf_sha256:
        click.echo(f"  Den sparade PDF-filens SHA-256: {found.pdf_sha256}")
    if found.newest_number > found.number:
        click.echo(
            f"Obs: planen har ändrats efter den här versionen. Den senaste är version "
            f"{found.newest_number}."
        )


@click.command("rekey")
@with_appcontext
def rekey_command() -> None:
    """Re-make every record's MAC with the newest key (run before removing a retired key).

    Every record, chain head and audit entry MAC is first verified with the current key and its
    fallbacks; one that fails stops the command. Links and hashes are key-independent and stay.
    """

    keys = _keys()
    conn = _conn()
    try:
        kinds = signers_for(keys)
        count = preparations.rekey(conn, kinds.preparation)
        count += plans.rekey(conn, kinds.plan, kinds.followup)
        count += plan_pdfs.rekey(conn, kinds.plan_pdf)
        with db.transaction(conn):
            entries = audit.rekey(conn, kinds.audit)
    except RecordTampered as error:
        raise _tampered(error, "rekey") from None
    _audit("records.rekey", "ok", "", "", f"{count} poster, {entries} händelser")
    click.echo(
        f"{count} sparade uppgifter är nu skyddade med den nya nyckeln, och {entries} händelser "
        "i granskningsloggen. Nu kan den gamla nyckeln tas bort ur SECRET_KEY_FALLBACKS."
    )
