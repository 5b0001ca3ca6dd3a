"""The SQLite layer: durable settings, migrations, transactions, append-only audit log."""

from __future__ import annotations

import os
import sqlite3
import stat
import threading
from pathlib import Path

import pytest
from flask import Flask

from formserver.store import audit, db
from tests.factories import conn

MIGRATIONS = Path(db.__file__).parent / "migrations"


def test_connection_is_durable(tmp_path: Path) -> None:
    connection = db.connect(tmp_path / "d.sqlite3")
    assert connection.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    assert connection.execute("PRAGMA synchronous").fetchone()[0] == 2  # FULL
    assert connection.execute("PRAGMA foreign_keys").fetchone()[0] == 1
    assert connection.execute("PRAGMA busy_timeout").fetchone()[0] == db.BUSY_TIMEOUT_MS
    connection.close()


def test_migrations_run_once_and_record_the_version(tmp_path: Path) -> None:
    newest = max(int(p.name[:4]) for p in MIGRATIONS.glob("*.sql"))
    connection = db.connect(tmp_path / "m.sqlite3")
    assert db.migrate(connection) == newest
    assert db.migrate(connection) == newest
    assert connection.execute("PRAGMA user_version").fetchone()[0] == newest
    tables = {r[0] for r in connection.execute("SELECT name FROM sqlite_master WHERE type='table'")}
    assert {"people", "rounds", "talks", "preparations", "audit_log", "sessions"} <= tables
    connection.close()


def test_workers_starting_together_migrate_exactly_once(tmp_path: Path) -> None:
    path, errors = tmp_path / "race.sqlite3", []

    def start() -> None:
        connection = db.connect(path)
        try:
            db.migrate(connection)
        except sqlite3.Error as error:  # pragma: no cover - the failure we look for
            errors.append(error)
        finally:
            connection.close()

    threads = [threading.Thread(target=start) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []


def test_a_failed_transaction_leaves_nothing(app: Flask) -> None:
    connection = conn(app)
    before = connection.execute("SELECT count(*) FROM rate_limits").fetchone()[0]
    with pytest.raises(RuntimeError), db.transaction(connection):
        connection.execute("INSERT INTO rate_limits VALUES ('k', '2026-01-01', 1)")
        raise RuntimeError("half-way")
    assert connection.execute("SELECT count(*) FROM rate_limits").fetchone()[0] == before


@pytest.mark.parametrize(
    "statement",
    ["UPDATE audit_log SET outcome = 'ok'", "DELETE FROM audit_log"],
)
def test_audit_log_cannot_be_changed(app: Flask, statement: str) -> None:
    connection = conn(app)
    audit.record(connection, audit.Event(None, "test"))
    count = connection.execute("SELECT count(*) FROM audit_log").fetchone()[0]
    with pytest.raises(sqlite3.IntegrityError, match="append-only"):
        connection.execute(statement)
    assert connection.execute("SELECT count(*) FROM audit_log").fetchone()[0] == count


def test_ids_are_random_and_url_safe() -> None:
    ids = {db.new_id() for _ in range(1000)}
    assert len(ids) == 1000
    assert all(len(i) == 16 and i.replace("-", "").replace("_", "").isalnum() for i in ids)


def test_a_new_database_and_its_wal_are_readable_by_their_owner_only(tmp_path: Path) -> None:
    old = os.umask(0o022)
    try:
        connection = db.connect(tmp_path / "ny.sqlite3")
        with db.transaction(connection):
            connection.execute("CREATE TABLE t (x)")
        modes = {p.name: stat.S_IMODE(p.stat().st_mode) for p in tmp_path.iterdir() if p.is_file()}
        connection.close()
    finally:
        os.umask(old)
    assert modes["ny.sqlite3"] == 0o600
    assert all(mode == 0o600 for mode in modes.values()), modes
