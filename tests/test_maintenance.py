"""Record keeping from the command line: purge, drafts, a person's export, backup, restore, codes.

What an auditor would check: purged text is gone from the database files byte for byte while
records not yet due stay; a dry run changes nothing; a public body cannot purge without a
gallringsbeslut; every purge is in the audit log; an export holds everything about the person
and nothing about anyone else; a restored backup equals what was saved and still verifies; a
plan document's code is checked against the stored, signed version.
"""

from __future__ import annotations

import io
import json
import re
import sqlite3
import stat
import threading
from dataclasses import replace
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from click.testing import Result
from flask import Flask
from flask.testing import FlaskClient
from pypdf import PdfReader

from formserver import maintenance
from formserver.records import RecordSigner
from formserver.store import audit, db, plans
from formserver.store.maintenance import delete_draft
from formserver.store.preparations import get_preparation, save_preparation
from formserver.store.talks import Talk
from formserver.views.plans import verification_code as document_code
from tests.factories import conn, csrf_token, data_dump, person, sign_in, talk_of

SECRET = "HEMLIGT-UTVECKLINGSMÅL-123"
KEPT = "KVAR-UTVECKLINGSMÅL-456"
DECISION = "Dnr HR 2026/17, gallringsbeslut för medarbetarsamtal"
# WeasyPrint 70 opens its sRGB profile for PDF/A and never closes it (weasyprint/pdf/__init__.py
# line 151): a ResourceWarning from the library, not from the export.
WEASYPRINT_ICC_LEAK = pytest.mark.filterwarnings(
    r"ignore:unclosed file <_io\.BufferedReader name='.*sRGB2014\.icc'>:ResourceWarning"
)


# --- the service as its users reach it ------------------------------------------------------------


def keys(app: Flask) -> list[str | bytes]:
    return [*app.config["SECRET_KEY_FALLBACKS"], app.config["SECRET_KEY"]]


def signer(app: Flask, kind: str) -> RecordSigner:
    return RecordSigner(keys(app), kind)


def browser(app: Flask, role: str) -> FlaskClient:
    client = app.test_client()
    sign_in(client, app, role)
    return client


def hidden(html: str, name: str) -> str:
    match = re.search(rf'name="{name}" value="([^"]*)"', html)
    assert match, f"no hidden field {name} on the page"
    return match.group(1)


def prepare(app: Flask, employee: str, author: str, text: str, *, submit: bool = True) -> None:
    """`author` fills in the preparation for `employee`'s talk through the form."""
    talk = talk_of(app, employee)
    client = browser(app, author)
    url = f"/samtal/{talk.id}/forberedelse"
    page = client.get(url)
    response = client.post(
        url,
        data={
            "csrf_token": csrf_token(page.text),
            "version": hidden(page.text, "version"),
            "action": "skicka" if submit else "spara",
            "q_halsa": text,
        },
    )
    assert response.status_code == 302, response.text


def write_plan(client: FlaskClient, talk: Talk, text: str) -> None:
    """The manager writes a note and a plan row and saves."""
    url = f"/samtal/{talk.id}/plan"
    page = client.get(url)
    response = client.post(
        url,
        data={
            "csrf_token": csrf_token(page.text),
            "number": hidden(page.text, "number"),
            "edits": hidden(page.text, "edits"),
            "action": "spara",
            "note_arbetssituation": f"Anteckning: {text}",
            "rows_mal": "rtest1",
            "cell_mal_rtest1_medarbetarens_mal": f"Mål: {text}",
        },
    )
    assert response.status_code == 302, response.text


def sign(client: FlaskClient, talk: Talk, comment: str = "") -> None:
    page = client.get(f"/samtal/{talk.id}/plan")
    response = client.post(
        f"/samtal/{talk.id}/plan/signera",
        data={
            "csrf_token": csrf_token(page.text),
            "number": hidden(page.text, "number"),
            "content_hash": hidden(page.text, "content_hash"),
            "comment": comment,
        },
    )
    assert response.status_code == 302, response.text


def signed_plan(app: Flask, employee: str, text: str, *, sign_it: bool = True) -> Talk:
    """Held talk whose plan (and the employee's signature comment) hold `text`, signed by both."""
    talk = talk_of(app, employee)
    manager_role = "manager" if talk.manager_id == person(app, "manager").id else "other_manager"
    manager = browser(app, manager_role)
    write_plan(manager, talk, text)
    page = manager.get(f"/samtal/{talk.id}/plan")
    held = manager.post(
        f"/samtal/{talk.id}/plan/genomford", data={"csrf_token": csrf_token(page.text)}
    )
    assert held.status_code == 302, held.text
    if sign_it:
        sign(manager, talk)
        sign(browser(app, employee), talk, comment=f"Kommentar: {text}")
    return talk


def follow_up(app: Flask, talk: Talk, text: str) -> None:
    plans.save_followups(
        conn(app),
        talk.id,
        [("rtest1", "pagar", f"Resultat: {text}", 0)],
        author_id=talk.manager_id,
        signer=signer(app, "followup"),
    )


def held_years_ago(app: Flask, talk: Talk, years: int) -> str:
    """Move the talk's held date back (time passing), as stored: ISO 8601 in UTC."""
    moment = db.iso(db.utc_now() - timedelta(days=365 * years + 30))
    conn(app).execute("UPDATE talks SET held_at = ? WHERE id = ?", (moment, talk.id))
    return moment


def run(app: Flask, *args: str) -> Result:
    return app.test_cli_runner().invoke(args=list(args))


def database_files(app: Flask) -> bytes:
    """The raw bytes of the database file and every file beside it (-wal, -shm, -journal)."""
    path = Path(app.config["DATABASE"])
    return b"".join(p.read_bytes() for p in sorted(path.parent.glob(path.name + "*")))


def stored_bytes(app: Flask) -> bytes:
    """The database file and its WAL: what holds data (readers may touch -shm, an index)."""
    path = Path(app.config["DATABASE"])
    return b"".join(p.read_bytes() for p in (path, Path(f"{path}-wal")) if p.exists())


def traces(text: str) -> list[bytes]:
    """Ways a text could sit in the files: UTF-8, UTF-16, JSON-escaped, or its ASCII start."""
    ascii_start = text.encode("ascii", "ignore").split(b"\xc3")[0][:16]
    escaped = json.dumps(text).strip('"').encode()
    return [text.encode("utf-8"), text.encode("utf-16-le"), escaped, ascii_start]


def records(app: Flask) -> list[str]:
    """Every row and schema statement but the audit log, in an order VACUUM cannot change."""
    return sorted(data_dump(app).splitlines())


def full_dump(app: Flask) -> str:
    """Every row of every table, the audit log included."""
    return "\n".join(conn(app).iterdump())


def audit_rows(app: Flask) -> list[dict[str, Any]]:
    return [dict(r) for r in conn(app).execute("SELECT * FROM audit_log ORDER BY id")]


def count(app: Flask, sql: str, *args: str) -> int:
    return int(conn(app).execute(sql, args).fetchone()[0])


def plain_sqlite(app: Flask) -> None:
    """Deleted content stays in the file, as in most SQLite builds (Debian's zeroes it anyway)."""
    conn(app).execute("PRAGMA secure_delete = OFF")


def private_sector(app: Flask) -> None:
    """Make the organisation a private company (the shipped one is a public body)."""
    config = app.extensions["site_config"]
    organisation = replace(config.organisation, public_sector=False)
    app.extensions["site_config"] = replace(config, organisation=organisation)


# --- 1. retention purge ---------------------------------------------------------------------------


def _due_and_kept(app: Flask) -> tuple[Talk, Talk, str]:
    """A's talk: everything holds SECRET, signed, held four years ago. B's: KEPT, held now."""
    plain_sqlite(app)
    prepare(app, "employee_a", "employee_a", f"Förberedelse: {SECRET}")
    prepare(app, "employee_a", "manager", f"Chefens förberedelse: {SECRET}", submit=False)
    due = signed_plan(app, "employee_a", SECRET)
    follow_up(app, due, SECRET)
    prepare(app, "employee_b", "employee_b", f"Förberedelse: {KEPT}")
    kept = signed_plan(app, "employee_b", KEPT)
    follow_up(app, kept, KEPT)
    held_at = held_years_ago(app, due, 4)
    return due, kept, held_at


def test_purge_leaves_no_trace_of_due_content_in_the_database_files(app: Flask) -> None:
    due, kept, held_at = _due_and_kept(app)
    before = database_files(app)
    assert SECRET.encode() in before and KEPT.encode() in before  # the check can see text
    earlier_audit = audit_rows(app)

    result = run(app, "purge", "--yes", "--gallringsbeslut", DECISION)

    assert result.exit_code == 0, result.output
    assert "Gallrat: 1 samtal." in result.output
    after = database_files(app)
    for trace in traces(SECRET):
        assert trace not in after, trace
    assert KEPT.encode() in after
    wal = Path(app.config["DATABASE"] + "-wal")
    assert not wal.exists() or wal.stat().st_size == 0
    # Rows: A's content is gone, the talk row stays with status and dates; B is untouched.
    for table in ("preparations", "plan_versions", "followups"):
        assert count(app, f"SELECT count(*) FROM {table} WHERE talk_id = ?", due.id) == 0
    assert count(app, "SELECT count(*) FROM signatures") == 2  # B's two
    row = conn(app).execute("SELECT * FROM talks WHERE id = ?", (due.id,)).fetchone()
    assert (row["status"], row["held_at"], row["place"]) == ("genomford", held_at, None)
    assert row["signed_at"] is not None
    kept_plan = plans.versions(conn(app), kept.id, signer(app, "plan"))
    assert len(kept_plan) == 1 and kept_plan[0].signed_by_both
    assert f"Mål: {KEPT}" in json.dumps(kept_plan[0].content, ensure_ascii=False)
    kept_prep = get_preparation(conn(app), kept.id, "employee", signer(app, "preparation"))
    assert kept_prep is not None and kept_prep.answers["halsa"]["value"] == f"Förberedelse: {KEPT}"
    assert plans.followups(conn(app), kept.id, signer(app, "followup"))["rtest1"].result.endswith(
        KEPT
    )
    # The audit log: every earlier entry unchanged, one purge entry for A, without content.
    now = audit_rows(app)
    assert now[: len(earlier_audit)] == earlier_audit
    purges = [r for r in now if r["action"] == "record.purge"]
    assert [(r["object_type"], r["object_id"], r["outcome"]) for r in purges] == [
        ("talk", due.id, "ok")
    ]
    detail = purges[0]["detail"]
    assert f"gallringsbeslut: {DECISION}" in detail and "bevarandetid 3 år" in detail
    assert "raderat 1 planversioner, 2 underskrifter, 2 förberedelser, 1 uppföljningar" in detail
    assert "UTVECKLINGSM" not in json.dumps(now, ensure_ascii=False)


def test_purging_again_finds_nothing_and_keeps_every_remaining_record(app: Flask) -> None:
    _due_and_kept(app)
    assert run(app, "purge", "--yes", "--gallringsbeslut", DECISION).exit_code == 0
    dump = records(app)

    again = run(app, "purge", "--yes", "--gallringsbeslut", DECISION)

    assert again.exit_code == 0, again.output
    assert "Gallrat: 0 samtal." in again.output
    assert records(app) == dump
    assert count(app, "SELECT count(*) FROM audit_log WHERE action = 'record.purge'") == 1


@pytest.mark.parametrize("flags", [[], ["--dry-run"]], ids=["default", "dry-run"])
def test_a_dry_run_shows_counts_per_round_and_changes_nothing(app: Flask, flags: list[str]) -> None:
    _due_and_kept(app)
    unsigned = signed_plan(app, "employee_c", "Osignerad plan", sign_it=False)
    held_years_ago(app, unsigned, 5)
    dump, files = full_dump(app), stored_bytes(app)

    result = run(app, "purge", *flags)

    assert result.exit_code == 0, result.output
    lines = result.output.splitlines()
    assert "Skulle gallras:" in lines
    assert "  Samtalsomgång 2026 (rutin): 1 samtal" in lines
    assert "Behålls, eftersom den senaste planversionen inte är underskriven av båda:" in lines
    assert "Ingenting har ändrats. Kör med --yes för att gallra." in lines
    assert "UTVECKLINGSM" not in result.output and "Osignerad" not in result.output
    assert full_dump(app) == dump
    assert stored_bytes(app) == files


def test_a_talk_held_within_the_retention_period_is_not_due(app: Flask) -> None:
    talk = signed_plan(app, "employee_a", SECRET)
    held_years_ago(app, talk, 2)
    dump = records(app)

    result = run(app, "purge", "--yes", "--gallringsbeslut", DECISION)

    assert result.exit_code == 0, result.output
    assert "Gallrat: 0 samtal." in result.output
    assert records(app) == dump
    assert SECRET.encode() in database_files(app)


@pytest.mark.parametrize("decision", [None, "   ", "\u200b"], ids=["none", "blank", "invisible"])
def test_a_public_body_cannot_purge_without_a_gallringsbeslut(
    app: Flask, decision: str | None
) -> None:
    _due_and_kept(app)
    dump = full_dump(app)
    extra = [] if decision is None else ["--gallringsbeslut", decision]

    result = run(app, "purge", "--yes", *extra)

    assert result.exit_code == 1
    assert "offentliga organisationer får bara gallra med stöd av ett gallringsbeslut" in (
        result.output
    )
    assert "arkivlagen" in result.output
    assert "Error" not in result.output
    assert full_dump(app) == dump
    assert SECRET.encode() in database_files(app)


def test_a_private_company_purges_without_a_decision_and_audits_none(app: Flask) -> None:
    private_sector(app)
    due, _, _ = _due_and_kept(app)

    result = run(app, "purge", "--yes")

    assert result.exit_code == 0, result.output
    assert SECRET.encode() not in database_files(app)
    entries = [r for r in audit_rows(app) if r["action"] == "record.purge"]
    assert [r["object_id"] for r in entries] == [due.id]
    assert "gallringsbeslut" not in entries[0]["detail"]


def test_dry_run_and_yes_together_are_refused(app: Flask) -> None:
    result = run(app, "purge", "--dry-run", "--yes")
    assert result.exit_code == 1
    assert "Välj antingen --dry-run eller --yes" in result.output


def test_retention_cutoff_is_calendar_years_back() -> None:
    now = db.utc_now().replace(year=2028, month=2, day=29, hour=12)
    assert maintenance.retention_cutoff(now, 3).date().isoformat() == "2025-02-28"
    assert maintenance.retention_cutoff(now, 4).date().isoformat() == "2024-02-29"


# --- 2. drafts deleted by their author ------------------------------------------------------------


def _row(app: Flask, talk: Talk, role: str) -> dict[str, Any] | None:
    found = (
        conn(app)
        .execute(
            "SELECT * FROM preparations WHERE talk_id = ? AND author_role = ?", (talk.id, role)
        )
        .fetchone()
    )
    return dict(found) if found else None


def test_an_author_deletes_their_own_draft_and_only_that(app: Flask) -> None:
    prepare(app, "employee_a", "employee_a", "Mitt utkast", submit=False)
    prepare(app, "employee_a", "manager", "Chefens utkast", submit=False)
    talk = talk_of(app, "employee_a")
    manager_row = _row(app, talk, "manager")

    assert delete_draft(conn(app), talk.id, "employee") is True

    assert _row(app, talk, "employee") is None
    assert _row(app, talk, "manager") == manager_row
    assert delete_draft(conn(app), talk.id, "employee") is False


def test_a_deleted_draft_is_zeroed_in_the_file_at_the_next_checkpoint(app: Flask) -> None:
    plain_sqlite(app)
    prepare(app, "employee_a", "employee_a", f"Utkast: {SECRET}", submit=False)
    talk = talk_of(app, "employee_a")
    assert SECRET.encode() in database_files(app)

    assert delete_draft(conn(app), talk.id, "employee") is True
    conn(app).execute("PRAGMA wal_checkpoint(TRUNCATE)")  # as SQLite's automatic one would

    for trace in traces(SECRET):
        assert trace not in database_files(app), trace


def test_a_submitted_preparation_is_not_a_draft_and_stays(app: Flask) -> None:
    prepare(app, "employee_a", "employee_a", "Inskickad förberedelse")
    talk = talk_of(app, "employee_a")
    before = _row(app, talk, "employee")

    assert delete_draft(conn(app), talk.id, "employee") is False

    assert _row(app, talk, "employee") == before
    assert talk_of(app, "employee_a").status == "forberedd"


def test_deleting_a_draft_that_does_not_exist_changes_nothing(app: Flask) -> None:
    prepare(app, "employee_a", "employee_a", "Medarbetarens utkast", submit=False)
    talk = talk_of(app, "employee_a")
    dump = data_dump(app)

    assert delete_draft(conn(app), talk.id, "manager") is False
    assert delete_draft(conn(app), talk_of(app, "employee_b").id, "employee") is False

    assert data_dump(app) == dump


# --- 3. a person's full export (GDPR access) ------------------------------------------------------

ANNA = "Annas-förberedelse-314"
ABOUT_ANNA = "Chefen-om-Anna-271"
ANNA_PLAN = "Annas-plan-161"
BO = "Bos-hemlighet-577"
ABOUT_BO = "Chefen-om-Bo-662"


def _two_employees(app: Flask) -> tuple[Talk, Talk]:
    prepare(app, "employee_a", "employee_a", ANNA)
    prepare(app, "employee_a", "manager", ABOUT_ANNA, submit=False)
    anna = signed_plan(app, "employee_a", ANNA_PLAN)
    follow_up(app, anna, ANNA_PLAN)
    prepare(app, "employee_b", "employee_b", BO)
    prepare(app, "employee_b", "manager", ABOUT_BO)
    bo = signed_plan(app, "employee_b", BO)
    return anna, bo


def _export(app: Flask, out: Path, role: str) -> tuple[dict[str, Any], bytes, bytes]:
    email = person(app, role).email
    result = run(app, "export-person", email.upper(), "--out", str(out))
    assert result.exit_code == 0, result.output
    files = sorted(out.iterdir())
    assert [f.suffix for f in files] == [".json", ".pdf"]
    for file in files:
        assert stat.S_IMODE(file.stat().st_mode) == 0o600
    raw = files[0].read_bytes()
    return json.loads(raw), raw, files[1].read_bytes()


@WEASYPRINT_ICC_LEAK
def test_an_employees_export_holds_everything_about_them(app: Flask, tmp_path: Path) -> None:
    anna, _ = _two_employees(app)
    data, raw, _ = _export(app, tmp_path / "ut", "employee_a")

    assert data["person"]["email"] == "anna.exempelsson@example.se"
    assert data["person"]["employee_number"] == "A1"
    [entry] = data["talks"]
    talk = entry["talk"]
    assert (entry["role"], talk["id"], talk["year"], talk["employee_name"]) == (
        "employee",
        anna.id,
        2026,
        "Anna Exempelsson",
    )
    answers = {p["author_role"]: p["answers"]["halsa"]["value"] for p in entry["preparations"]}
    assert answers == {"employee": ANNA, "manager": ABOUT_ANNA}
    [version] = entry["plan_versions"]
    assert version["content"]["notes"]["arbetssituation"] == f"Anteckning: {ANNA_PLAN}"
    assert {s["role"] for s in version["signatures"]} == {"employee", "manager"}
    assert version["verification_code"].startswith(version["id"] + "-")
    assert [f["result"] for f in entry["followups"]] == [f"Resultat: {ANNA_PLAN}"]
    actions = {(e["action"], e["actor_id"]) for e in data["audit_log"]}
    anna_id, manager_id = person(app, "employee_a").id, person(app, "manager").id
    assert ("plan.sign", anna_id) in actions and ("plan.sign", manager_id) in actions
    assert ("sign_in", anna_id) in actions
    assert data["names"][manager_id] == "Karin Chefsberg"
    assert data["sign_in_links"] and data["sessions"]


@WEASYPRINT_ICC_LEAK
def test_an_employees_export_holds_nothing_about_anyone_else(app: Flask, tmp_path: Path) -> None:
    anna, bo = _two_employees(app)
    data, raw, pdf = _export(app, tmp_path / "ut", "employee_a")

    text = raw.decode()
    for other in (BO, ABOUT_BO, bo.id, "Bo Provsson", "bo.provsson@example.se"):
        assert other not in text
    anna_ids = {anna.id, person(app, "employee_a").id}
    rows = conn(app).execute("SELECT id FROM preparations WHERE talk_id = ?", (anna.id,))
    record_ids = {r[0] for r in rows} | {v["id"] for v in data["talks"][0]["plan_versions"]}
    for entry in data["audit_log"]:
        assert entry["actor_id"] == person(app, "employee_a").id or entry["object_id"] in (
            anna_ids | record_ids
        ), entry
    # Only metadata of links and sessions: the stored hashes never leave the database.
    hashes = [r[0] for r in conn(app).execute("SELECT nonce_hash FROM sign_in_links")]
    hashes += [r[0] for r in conn(app).execute("SELECT id_hash FROM sessions")]
    assert hashes and not [h for h in hashes if h in text]
    assert "nonce_hash" not in text and "id_hash" not in text and '"mac"' not in text
    assert BO not in _pdf_text(pdf)


def _pdf_text(pdf: bytes) -> str:
    reader = PdfReader(io.BytesIO(pdf))
    return "".join("".join(page.extract_text().split()) for page in reader.pages)


@WEASYPRINT_ICC_LEAK
def test_the_pdf_is_a_readable_swedish_summary(app: Flask, tmp_path: Path) -> None:
    _two_employees(app)
    _, _, pdf = _export(app, tmp_path / "ut", "employee_a")

    assert pdf.startswith(b"%PDF-")
    text = _pdf_text(pdf)
    for expected in ("RegisterutdragförAnnaExempelsson", ANNA, ABOUT_ANNA, ANNA_PLAN):
        assert expected in text, expected
    assert "Granskningslogg" in text
    assert "Sida1av" in text  # the page footer comes from document.css: the stylesheet loaded


@WEASYPRINT_ICC_LEAK
def test_a_managers_export_has_their_talks_and_only_their_own_preparations(
    app: Flask, tmp_path: Path
) -> None:
    anna, bo = _two_employees(app)
    data, raw, _ = _export(app, tmp_path / "ut", "manager")

    assert {(t["role"], t["talk"]["id"]) for t in data["talks"]} >= {
        ("manager", anna.id),
        ("manager", bo.id),
    }
    written = {
        p["answers"]["halsa"]["value"]
        for t in data["talks"]
        for p in t["preparations"]
        if p["author_role"] == "manager"
    }
    assert written == {ABOUT_ANNA, ABOUT_BO}
    assert ANNA not in raw.decode() and BO.encode() in raw  # Bo's text is in the signed plan
    assert all(p["author_role"] == "manager" for t in data["talks"] for p in t["preparations"])


@WEASYPRINT_ICC_LEAK
def test_an_export_is_audited_and_never_overwrites(app: Flask, tmp_path: Path) -> None:
    _two_employees(app)
    out = tmp_path / "ut"
    _export(app, out, "employee_a")
    entries = [r for r in audit_rows(app) if r["action"] == "person.export"]
    assert [(r["object_id"], r["outcome"]) for r in entries] == [
        (person(app, "employee_a").id, "ok")
    ]
    before = {f.name: f.read_bytes() for f in out.iterdir()}

    again = run(app, "export-person", person(app, "employee_a").email, "--out", str(out))

    assert again.exit_code == 1
    assert "finns redan" in again.output
    assert {f.name: f.read_bytes() for f in out.iterdir()} == before


def test_an_export_with_a_tampered_record_is_refused_and_audited(
    app: Flask, tmp_path: Path
) -> None:
    anna, _ = _two_employees(app)
    conn(app).execute(
        "UPDATE preparations SET answers = ? WHERE talk_id = ? AND author_role = 'employee'",
        (json.dumps({"halsa": {"value": "Ändrad i databasen"}}), anna.id),
    )
    out = tmp_path / "ut"

    result = run(app, "export-person", person(app, "employee_a").email, "--out", str(out))

    assert result.exit_code == 1
    assert "stämmer inte med sin kontrollsumma" in result.output
    assert not out.exists() or not list(out.iterdir())
    failures = [r for r in audit_rows(app) if r["action"] == "record.verify"]
    assert [(r["object_type"], r["outcome"]) for r in failures] == [("preparation", "failed")]


def test_an_unknown_address_is_refused(app: Flask, tmp_path: Path) -> None:
    result = run(app, "export-person", "ingen@example.se", "--out", str(tmp_path / "ut"))
    assert result.exit_code == 1
    assert "Ingen med e-postadressen ingen@example.se finns i personallistan." in result.output


# --- 4. backup and restore ------------------------------------------------------------------------


def _records(app: Flask) -> tuple[Talk, Talk]:
    prepare(app, "employee_a", "employee_a", ANNA)
    anna = signed_plan(app, "employee_a", ANNA_PLAN)
    follow_up(app, anna, ANNA_PLAN)
    prepare(app, "employee_b", "employee_b", BO, submit=False)
    return anna, talk_of(app, "employee_b")


def _verified(app: Flask, talk: Talk) -> tuple[Any, ...]:
    """Everything about a talk read through the store, every MAC checked."""
    connection = conn(app)
    return (
        get_preparation(connection, talk.id, "employee", signer(app, "preparation")),
        plans.versions(connection, talk.id, signer(app, "plan")),
        plans.followups(connection, talk.id, signer(app, "followup")),
    )


def test_a_restored_backup_equals_the_saved_records_and_verifies(
    app: Flask, tmp_path: Path
) -> None:
    anna, bo = _records(app)
    saved, saved_anna, saved_bo = records(app), _verified(app, anna), _verified(app, bo)
    copy = tmp_path / "kopia.sqlite3"

    made = run(app, "backup", str(copy))

    assert made.exit_code == 0, made.output
    assert "integrity_check: ok" in made.output
    assert stat.S_IMODE(copy.stat().st_mode) == 0o600
    # Things change after the backup: a new draft, a deleted follow-up, a new plan version.
    prepare(app, "employee_b", "employee_b", "Ett senare utkast", submit=False)
    conn(app).execute("DELETE FROM followups WHERE talk_id = ?", (anna.id,))
    write_plan(browser(app, "manager"), anna, "En ändring efteråt")
    assert records(app) != saved

    refused = run(app, "restore", str(copy))
    assert refused.exit_code == 1 and "--yes" in refused.output
    assert records(app) != saved

    restored = run(app, "restore", str(copy), "--yes")

    assert restored.exit_code == 0, restored.output
    assert "integrity_check: ok" in restored.output
    assert records(app) == saved
    assert _verified(app, anna) == saved_anna and _verified(app, bo) == saved_bo
    assert conn(app).execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    last = audit_rows(app)[-1]
    assert (last["action"], last["outcome"], last["detail"]) == (
        "database.restore",
        "ok",
        f"från {copy}",
    )


def test_a_backup_never_overwrites_a_file(app: Flask, tmp_path: Path) -> None:
    existing = tmp_path / "finns.sqlite3"
    existing.write_bytes("annat innehåll".encode())

    result = run(app, "backup", str(existing))

    assert result.exit_code == 1
    assert "finns redan" in result.output
    assert existing.read_bytes() == "annat innehåll".encode()


@pytest.mark.parametrize("damage", ["not-a-database", "truncated"])
def test_a_damaged_backup_is_refused_and_the_live_database_is_untouched(
    app: Flask, tmp_path: Path, damage: str
) -> None:
    _records(app)
    copy = tmp_path / "kopia.sqlite3"
    assert run(app, "backup", str(copy)).exit_code == 0
    body = copy.read_bytes()
    copy.write_bytes(b"x" * len(body) if damage == "not-a-database" else body[: len(body) // 2])
    dump = full_dump(app)

    result = run(app, "restore", str(copy), "--yes")

    assert result.exit_code == 1
    assert "Ingenting återställdes" in result.output
    assert full_dump(app) == dump


def test_a_backup_taken_while_another_thread_writes_restores_consistently(
    app: Flask, tmp_path: Path
) -> None:
    talk = talk_of(app, "employee_b")
    written, errors, stop = [0], [], threading.Event()

    def keep_writing() -> None:
        connection = db.connect(app.config["DATABASE"])
        try:
            while not stop.is_set():
                n = written[0]
                save_preparation(
                    connection,
                    talk.id,
                    "employee",
                    {"halsa": {"value": f"Utkast nummer {n + 1} " + "å" * 3000}},
                    expected_version=n,
                    submit=False,
                    signer=signer(app, "preparation"),
                )
                audit.record(connection, actor_id=None, action="test.write", outcome=str(n + 1))
                written[0] = n + 1
                # A breath between saves, as between requests: a writer that never lets go
                # would starve the backup command's own audit entry past the busy timeout.
                stop.wait(0.002)
        except Exception as error:  # noqa: BLE001 - reported by the assertion below
            errors.append(error)
        finally:
            connection.close()

    writer = threading.Thread(target=keep_writing)
    writer.start()
    try:
        while written[0] < 20 and not errors:
            threading.Event().wait(0.01)
        copy = tmp_path / "kopia.sqlite3"
        made = run(app, "backup", str(copy))
        at_backup = written[0]
        while written[0] < at_backup + 20 and not errors:
            threading.Event().wait(0.01)
    finally:
        stop.set()
        writer.join()
    assert errors == []
    assert made.exit_code == 0, (made.output, made.exception)

    restored = run(app, "restore", str(copy), "--yes")

    assert restored.exit_code == 0, restored.output
    assert "integrity_check: ok" in restored.output
    kept = get_preparation(conn(app), talk.id, "employee", signer(app, "preparation"))
    assert kept is not None
    assert 20 <= kept.version < written[0]
    assert kept.answers["halsa"]["value"].startswith(f"Utkast nummer {kept.version} ")
    # Every audit entry of the writer in the copy is whole and in order.
    outcomes = [int(r["outcome"]) for r in audit_rows(app) if r["action"] == "test.write"]
    assert outcomes == list(range(1, len(outcomes) + 1))
    assert len(outcomes) in (kept.version, kept.version - 1)


# --- 5. plan verification codes -------------------------------------------------------------------


def _printed_code(app: Flask, talk: Talk) -> str:
    page = browser(app, "employee_a").get(f"/samtal/{talk.id}/plan/utskrift")
    match = re.search(r"Verifieringskod: <strong>([^<]+)</strong>", page.text)
    assert match, page.text
    return match.group(1)


def test_the_code_on_the_document_checks_out_without_showing_content(app: Flask) -> None:
    talk = signed_plan(app, "employee_a", SECRET)
    code = _printed_code(app, talk)

    result = run(app, "verify-plan", code)

    assert result.exit_code == 0, result.output
    lines = result.output.splitlines()
    assert lines[0] == "Koden stämmer: planversion 1 från medarbetarsamtalet 2026."
    signed = re.compile(r"  Underskriven av Karin Chefsberg \(chef\) [\d-]+ [\d:]+ UTC\.")
    assert any(signed.fullmatch(line) for line in lines)
    assert any("Anna Exempelsson (medarbetare)" in x for x in lines)
    assert "UTVECKLINGSM" not in result.output
    entries = [r for r in audit_rows(app) if r["action"] == "plan.verify"]
    assert [(r["object_id"], r["outcome"]) for r in entries] == [(talk.id, "ok")]


def test_the_moved_code_function_makes_the_same_code_as_the_document(app: Flask) -> None:
    talk = signed_plan(app, "employee_a", "Plan")
    [version] = plans.versions(conn(app), talk.id, signer(app, "plan"))

    code = maintenance.verification_code(keys(app), version.id, version.content_hash)

    with app.test_request_context():
        assert code == document_code(version)
    assert code == _printed_code(app, talk)


@pytest.mark.parametrize(
    "change",
    [
        lambda code: code[:-1] + ("A" if code[-1] != "A" else "B"),
        lambda code: "x" * 16 + code[16:],
        lambda code: code[:-13],
        lambda code: "inte-en-kod",
        lambda code: "",
    ],
    ids=["mac", "version-id", "no-mac", "garbage", "empty"],
)
def test_a_wrong_code_exits_with_1(app: Flask, change: Any) -> None:
    talk = signed_plan(app, "employee_a", "Plan")

    result = run(app, "verify-plan", change(_printed_code(app, talk)))

    assert result.exit_code == 1
    assert "Koden stämmer inte med någon sparad planversion." in result.output


def test_a_code_starting_with_a_dash_is_read_as_a_code(
    app: Flask, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Ids are URL-safe base64: about one in 64 starts with "-", which looks like an option.
    monkeypatch.setattr(plans, "new_id", lambda: "-Xb3" + db.new_id()[4:])
    talk = signed_plan(app, "employee_a", "Plan")
    code = _printed_code(app, talk)
    assert code.startswith("-Xb3")

    result = run(app, "verify-plan", code)

    assert result.exit_code == 0, result.output
    assert result.output.startswith("Koden stämmer: planversion 1")


def test_a_code_printed_before_a_key_rotation_still_checks_out(app: Flask) -> None:
    talk = signed_plan(app, "employee_a", "Plan")
    code = _printed_code(app, talk)
    app.config["SECRET_KEY_FALLBACKS"] = [app.config["SECRET_KEY"]]
    app.config["SECRET_KEY"] = "a-new-key-" + "y" * 32

    result = run(app, "verify-plan", code)

    assert result.exit_code == 0, result.output
    assert _printed_code(app, talk) != code


def test_an_older_version_says_a_newer_one_exists(app: Flask) -> None:
    talk = signed_plan(app, "employee_a", "Plan")
    code = _printed_code(app, talk)
    write_plan(browser(app, "manager"), talk, "Ändrad efter underskriften")

    result = run(app, "verify-plan", code)

    assert result.exit_code == 0, result.output
    assert "Den senaste är version 2." in result.output


def test_a_tampered_plan_is_refused_and_audited(app: Flask) -> None:
    talk = signed_plan(app, "employee_a", "Plan")
    code = _printed_code(app, talk)
    conn(app).execute("DROP TRIGGER plan_versions_sealed")  # as someone with file access could
    conn(app).execute("UPDATE plan_versions SET mac = 'fel' WHERE talk_id = ?", (talk.id,))

    result = run(app, "verify-plan", code)

    assert result.exit_code == 1
    assert "stämmer inte med sin kontrollsumma" in result.output
    failures = [r for r in audit_rows(app) if r["action"] == "record.verify"]
    assert [(r["object_type"], r["outcome"]) for r in failures] == [("plan", "failed")]


# --- every command explains itself ----------------------------------------------------------------


@pytest.mark.parametrize(
    "command", ["purge", "export-person", "backup", "restore", "verify-plan", "init-db"]
)
def test_every_command_has_help(app: Flask, command: str) -> None:
    result = run(app, command, "--help")
    assert result.exit_code == 0, result.output
    assert result.output.startswith("Usage:")
    assert len(result.output.splitlines()) > 4


def test_sqlite_can_read_a_backup_without_the_service(app: Flask, tmp_path: Path) -> None:
    _records(app)
    copy = tmp_path / "kopia.sqlite3"
    assert run(app, "backup", str(copy)).exit_code == 0

    plain = sqlite3.connect(copy)
    try:
        assert plain.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
        assert plain.execute("SELECT count(*) FROM plan_versions").fetchone()[0] == 1
    finally:
        plain.close()
