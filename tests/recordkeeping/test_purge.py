"""The retention purge and deleting drafts leave no trace in the database files."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from bs4 import BeautifulSoup
from flask import Flask
from flask.testing import FlaskCliRunner

from formserver.recordkeeping import retention
from formserver.store import db, plans
from formserver.store.maintenance import delete_draft
from formserver.store.preparations import get_preparation
from formserver.store.talks import Talk
from tests.factories import (
    BreakConfig,
    conn,
    data_dump,
    held_and_signed,
    make_service,
    signed_in_browser,
    signer,
    talk_of,
)
from tests.recordkeeping.maintenance_helpers import (
    DECISION,
    DORA,
    KEPT,
    OLA,
    SECRET,
    add_by_hand,
    audit_rows,
    count,
    database_files,
    follow_up,
    full_dump,
    held_years_ago,
    hire,
    plain_sqlite,
    prepare,
    records,
    signed_plan,
    stored_bytes,
    traces,
)

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


def test_purge_leaves_no_trace_of_due_content_in_the_database_files(
    app: Flask, runner: FlaskCliRunner
) -> None:
    due, kept, held_at = _due_and_kept(app)
    stored = "SELECT count(*) FROM plan_pdfs p JOIN plan_versions v ON v.id = p.plan_version_id "
    assert count(app, stored + "WHERE v.talk_id = ?", due.id) == 1  # stored at signing
    before = database_files(app)
    assert SECRET.encode() in before and KEPT.encode() in before  # the check can see text
    earlier_audit = audit_rows(app)

    result = runner.invoke(args=["purge", "--yes", "--gallringsbeslut", DECISION])

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
    assert count(app, "SELECT count(*) FROM plan_pdfs") == 1  # B's stored PDF
    assert count(app, stored + "WHERE v.talk_id = ?", kept.id) == 1
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
    assert (
        "raderat 1 planversioner, 2 underskrifter, 2 förberedelser, 1 uppföljningar, "
        "1 sparade PDF-filer"
    ) in detail
    assert "UTVECKLINGSM" not in json.dumps(now, ensure_ascii=False)


# ASCII, so that traces() also looks for its start in the files.
WHY_PURGED = "TILLAGGSSKAL-HEMLIGT-909"
WHY_KEPT = "TILLAGGSSKAL-KVAR-808"


def test_purge_clears_the_reason_for_an_addition_by_hand_and_keeps_the_addition(
    app: Flask, runner: FlaskCliRunner
) -> None:
    """The typed reason is about the person: it goes with the talk's content; the fact that
    they were added, by whom and when, stays. A talk not yet due keeps its reason."""
    plain_sqlite(app)
    dora_id, ola_id = hire(app, DORA, OLA)
    due = add_by_hand(app, dora_id, WHY_PURGED)
    kept = add_by_hand(app, ola_id, WHY_KEPT)
    for talk in (due, kept):
        held_and_signed(app, talk)
    held_years_ago(app, due, 4)
    before = {r["talk_id"]: r for r in _additions(app)}
    assert WHY_PURGED.encode() in database_files(app)

    result = runner.invoke(args=["purge", "--yes", "--gallringsbeslut", DECISION])

    assert result.exit_code == 0, result.output
    assert "Gallrat: 1 samtal." in result.output
    after = database_files(app)
    for trace in traces(WHY_PURGED):
        assert trace not in after, trace
    rows = {r["talk_id"]: r for r in _additions(app)}
    assert rows[due.id] == {**before[due.id], "reason": ""}
    assert rows[kept.id] == before[kept.id] and rows[kept.id]["reason"] == WHY_KEPT
    [purge] = [r for r in audit_rows(app) if r["action"] == "record.purge"]
    assert purge["object_id"] == due.id
    assert "skälet till att personen lades till för hand" in purge["detail"]

    page = signed_in_browser(app, "hr").get(
        f"/samtalsomgangar/{talk_of(app, 'employee_a').round_id}/lagg-till"
    )
    cells = [td.get_text() for td in BeautifulSoup(page.text, "html.parser").select("tbody td")]
    assert cells[:3] == ["Norr", "Ola Korttid", WHY_KEPT]  # by unit, then name
    assert cells[5:8] == ["Syd", "Dora Korttid", "Gallrat efter bevarandetiden"]


def _additions(app: Flask) -> list[dict[str, Any]]:
    return [dict(r) for r in conn(app).execute("SELECT * FROM round_additions")]


def test_purging_again_finds_nothing_and_keeps_every_remaining_record(
    app: Flask, runner: FlaskCliRunner
) -> None:
    _due_and_kept(app)
    assert runner.invoke(args=["purge", "--yes", "--gallringsbeslut", DECISION]).exit_code == 0
    dump = records(app)

    again = runner.invoke(args=["purge", "--yes", "--gallringsbeslut", DECISION])

    assert again.exit_code == 0, again.output
    assert "Gallrat: 0 samtal." in again.output
    assert records(app) == dump
    assert count(app, "SELECT count(*) FROM audit_log WHERE action = 'record.purge'") == 1


@pytest.mark.parametrize("flags", [[], ["--dry-run"]], ids=["default", "dry-run"])
def test_a_dry_run_shows_counts_per_round_and_changes_nothing(
    app: Flask, runner: FlaskCliRunner, flags: list[str]
) -> None:
    _due_and_kept(app)
    unsigned = signed_plan(app, "employee_c", "Osignerad plan", sign_it=False)
    held_years_ago(app, unsigned, 5)
    dump, files = full_dump(app), stored_bytes(app)

    result = runner.invoke(args=["purge", *flags])

    assert result.exit_code == 0, result.output
    lines = result.output.splitlines()
    assert "Skulle gallras:" in lines
    assert "  Samtalsomgång 2026 (rutin): 1 samtal" in lines
    assert "Behålls, eftersom den senaste planversionen inte är underskriven av båda:" in lines
    assert "Ingenting har ändrats. Kör med --yes för att gallra." in lines
    assert "UTVECKLINGSM" not in result.output and "Osignerad" not in result.output
    assert full_dump(app) == dump
    assert stored_bytes(app) == files


def test_a_talk_held_within_the_retention_period_is_not_due(
    app: Flask, runner: FlaskCliRunner
) -> None:
    talk = signed_plan(app, "employee_a", SECRET)
    held_years_ago(app, talk, 2)
    dump = records(app)

    result = runner.invoke(args=["purge", "--yes", "--gallringsbeslut", DECISION])

    assert result.exit_code == 0, result.output
    assert "Gallrat: 0 samtal." in result.output
    assert records(app) == dump
    assert SECRET.encode() in database_files(app)


@pytest.mark.parametrize("decision", [None, "   ", "\u200b"], ids=["none", "blank", "invisible"])
def test_a_public_body_cannot_purge_without_a_gallringsbeslut(
    app: Flask, runner: FlaskCliRunner, decision: str | None
) -> None:
    _due_and_kept(app)
    dump = full_dump(app)
    extra = [] if decision is None else ["--gallringsbeslut", decision]

    result = runner.invoke(args=["purge", "--yes", *extra])

    assert result.exit_code == 1
    assert "offentliga organisationer får bara gallra med stöd av ett gallringsbeslut" in (
        result.output
    )
    assert "arkivlagen" in result.output
    assert "Error" not in result.output
    assert full_dump(app) == dump
    assert SECRET.encode() in database_files(app)


@pytest.fixture
def private_app(tmp_path: Path, broken_config: BreakConfig) -> Iterator[Flask]:
    """The service of a private company (the shipped organisation is a public body)."""
    root = broken_config("organisation.yml", "public_sector: true", "public_sector: false")
    yield from make_service(tmp_path, SITE_CONFIG_DIR=str(root))


def test_a_private_company_purges_without_a_decision_and_audits_none(private_app: Flask) -> None:
    app = private_app
    runner = app.test_cli_runner()
    due, _, _ = _due_and_kept(app)

    result = runner.invoke(args=["purge", "--yes"])

    assert result.exit_code == 0, result.output
    assert SECRET.encode() not in database_files(app)
    entries = [r for r in audit_rows(app) if r["action"] == "record.purge"]
    assert [r["object_id"] for r in entries] == [due.id]
    assert "gallringsbeslut" not in entries[0]["detail"]


def test_dry_run_and_yes_together_are_refused(runner: FlaskCliRunner) -> None:
    result = runner.invoke(args=["purge", "--dry-run", "--yes"])
    assert result.exit_code == 1
    assert "Välj antingen --dry-run eller --yes" in result.output


def test_retention_cutoff_is_calendar_years_back() -> None:
    now = db.utc_now().replace(year=2028, month=2, day=29, hour=12)
    assert retention.retention_cutoff(now, 3).date().isoformat() == "2025-02-28"
    assert retention.retention_cutoff(now, 4).date().isoformat() == "2024-02-29"


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
