"""A backup never overwrites a file, and a restored backup equals what was saved."""

from __future__ import annotations

import sqlite3
import stat
import threading
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskCliRunner

from formserver.store import audit, db, plan_pdfs, plans
from formserver.store.preparations import get_preparation, save_preparation
from formserver.store.talks import Talk
from tests.factories import SignIn, conn, signer, talk_of
from tests.recordkeeping.maintenance_helpers import (
    ANNA,
    ANNA_PLAN,
    BO,
    audit_rows,
    follow_up,
    full_dump,
    prepare,
    records,
    signed_plan,
    write_plan,
)

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
    versions = plans.versions(connection, talk.id, signer(app, "plan"))
    return (
        get_preparation(connection, talk.id, "employee", signer(app, "preparation")),
        versions,
        plans.followups(connection, talk.id, signer(app, "followup")),
        [
            plan_pdfs.get(connection, v.id, v.content_hash, signer(app, "plan_pdf"))
            for v in versions
        ],
    )


def test_a_restored_backup_equals_the_saved_records_and_verifies(
    app: Flask, signed_in: SignIn, runner: FlaskCliRunner, tmp_path: Path
) -> None:
    anna, bo = _records(app)
    saved, saved_anna, saved_bo = records(app), _verified(app, anna), _verified(app, bo)
    copy = tmp_path / "kopia.sqlite3"

    made = runner.invoke(args=["backup", str(copy)])

    assert made.exit_code == 0, made.output
    assert "integrity_check: ok" in made.output
    assert "1 sparade PDF-filer" in made.output  # Anna's signed plan, stored at signing
    assert stat.S_IMODE(copy.stat().st_mode) == 0o600
    # Things change after the backup: a new draft, a deleted follow-up, a new plan version.
    prepare(app, "employee_b", "employee_b", "Ett senare utkast", submit=False)
    conn(app).execute("DELETE FROM followups WHERE talk_id = ?", (anna.id,))
    write_plan(signed_in("manager"), anna, "En ändring efteråt")
    assert records(app) != saved

    refused = runner.invoke(args=["restore", str(copy)])
    assert refused.exit_code == 1 and "--yes" in refused.output
    assert records(app) != saved

    restored = runner.invoke(args=["restore", str(copy), "--yes"])

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


def test_a_backup_never_overwrites_a_file(runner: FlaskCliRunner, tmp_path: Path) -> None:
    existing = tmp_path / "finns.sqlite3"
    existing.write_bytes("annat innehåll".encode())

    result = runner.invoke(args=["backup", str(existing)])

    assert result.exit_code == 1
    assert "finns redan" in result.output
    assert existing.read_bytes() == "annat innehåll".encode()


@pytest.mark.parametrize("damage", ["not-a-database", "truncated"])
def test_a_damaged_backup_is_refused_and_the_live_database_is_untouched(
    app: Flask, runner: FlaskCliRunner, tmp_path: Path, damage: str
) -> None:
    _records(app)
    copy = tmp_path / "kopia.sqlite3"
    assert runner.invoke(args=["backup", str(copy)]).exit_code == 0
    body = copy.read_bytes()
    copy.write_bytes(b"x" * len(body) if damage == "not-a-database" else body[: len(body) // 2])
    dump = full_dump(app)

    result = runner.invoke(args=["restore", str(copy), "--yes"])

    assert result.exit_code == 1
    assert "Ingenting återställdes" in result.output
    assert full_dump(app) == dump


def test_a_backup_taken_while_another_thread_writes_restores_consistently(
    app: Flask, runner: FlaskCliRunner, tmp_path: Path
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
                audit.record(connection, audit.Event(None, "test.write", outcome=str(n + 1)))
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
        made = runner.invoke(args=["backup", str(copy)])
        at_backup = written[0]
        while written[0] < at_backup + 20 and not errors:
            threading.Event().wait(0.01)
    finally:
        stop.set()
        writer.join()
    assert errors == []
    assert made.exit_code == 0, (made.output, made.exception)

    restored = runner.invoke(args=["restore", str(copy), "--yes"])

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


def test_sqlite_can_read_a_backup_without_the_service(
    app: Flask, runner: FlaskCliRunner, tmp_path: Path
) -> None:
    _records(app)
    copy = tmp_path / "kopia.sqlite3"
    assert runner.invoke(args=["backup", str(copy)]).exit_code == 0

    plain = sqlite3.connect(copy)
    try:
        assert plain.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
        assert plain.execute("SELECT count(*) FROM plan_versions").fetchone()[0] == 1
    finally:
        plain.close()
