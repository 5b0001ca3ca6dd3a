"""Backup and restore: consistent, checked copies of the database."""

from __future__ import annotations

import os
import sqlite3
from dataclasses import dataclass
from pathlib import Path

from formserver.recordkeeping import Refused
from formserver.security.records import RecordSigner
from formserver.store import chains, db
from formserver.store import maintenance as store


def write_new_file(path: Path, body: bytes) -> None:
    """Write a file readable by its owner only; refuse to replace an existing one."""
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "wb") as out:
        out.write(body)
        out.flush()
        os.fsync(out.fileno())


@dataclass(frozen=True)
class CheckedCopy:
    """A database file and what the checks found: no problems means intact."""

    path: Path
    problems: list[str]
    counts: dict[str, int]


def backup(conn: sqlite3.Connection, path: Path) -> CheckedCopy:
    """Write a consistent copy with VACUUM INTO (owner-only file), then check the copy."""
    if path.exists():
        raise Refused(f"{path} finns redan. En säkerhetskopia skriver aldrig över en fil.")
    if not path.parent.is_dir():
        raise Refused(f"Mappen {path.parent} finns inte.")
    # Created empty first, owner-only and exclusively: VACUUM INTO fills an empty file.
    write_new_file(path, b"")
    try:
        store.vacuum_into(conn, path)
    except sqlite3.Error:
        path.unlink()
        raise
    with open(path, "rb") as written:
        os.fsync(written.fileno())
    return check_copy(path)


def check_copy(path: Path) -> CheckedCopy:
    """Open a database file read-only and run integrity and foreign-key checks on it."""
    if not path.is_file():
        raise Refused(f"{path} finns inte.")
    try:
        copy = store.open_read_only(path)
        try:
            return CheckedCopy(path, store.problems(copy), store.table_counts(copy))
        finally:
            copy.close()
    except sqlite3.DatabaseError as error:
        return CheckedCopy(path, [f"filen kunde inte läsas som en databas ({error})"], {})


def restore(
    backup_path: Path, database: Path, plan_signer: RecordSigner | None = None
) -> CheckedCopy:
    """Replace the live database with a checked backup, then check the result.

    The copy goes through SQLite's backup API under its locks, so a running service never
    reads a half-copied file; it sees the old data or the restored data. A backup from before
    chains (migration 0010) gets its chains at once with `plan_signer`, as at start-up.
    """
    checked = check_copy(backup_path)
    if checked.problems:
        raise Refused(
            f"Säkerhetskopian {backup_path} är skadad: {'; '.join(checked.problems[:5])}. "
            "Ingenting återställdes."
        )
    missing = [t for t in store.TABLES_OF_THE_SERVICE if t not in checked.counts]
    if missing:
        raise Refused(
            f"{backup_path} är inte en säkerhetskopia av formulärtjänsten "
            f"(tabeller saknas: {', '.join(missing)}). Ingenting återställdes."
        )
    source = store.open_read_only(backup_path)
    try:
        if store.schema_version(source) > store.newest_schema_version():
            raise Refused(
                "Säkerhetskopian är gjord med en nyare version av formulärtjänsten. "
                "Uppdatera tjänsten först. Ingenting återställdes."
            )
        db.close_thread_connections()
        live = db.connect(database)
        try:
            store.copy_database(source, live)
            db.migrate(live)
            if plan_signer is not None:
                chains.chain_at_start(live, plan_signer)
            return CheckedCopy(database, store.problems(live), store.table_counts(live))
        finally:
            live.close()
    finally:
        source.close()
