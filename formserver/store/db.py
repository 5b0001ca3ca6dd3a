"""SQLite connections, migrations and transactions: durable by default."""

from __future__ import annotations

import os
import secrets
import sqlite3
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from importlib import resources
from pathlib import Path

try:
    import fcntl
except ImportError:  # pragma: no cover - not on Linux or macOS: SQLite's busy handler only
    fcntl = None  # type: ignore[assignment]

BUSY_TIMEOUT_MS = 15000
_WRITE_LOCK = threading.RLock()
_local = threading.local()


class Conflict(Exception):
    """Someone else saved first: the expected version no longer matches."""


def connect(path: str | Path) -> sqlite3.Connection:
    """Open a connection with WAL, synchronous=FULL, a busy timeout and foreign keys on.

    A new database file is created readable by its owner only; SQLite gives its -wal and
    -shm files the same mode, whatever the umask of the process that opens it later.
    """
    if str(path) != ":memory:" and not Path(path).exists():
        try:
            os.close(os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600))
        except FileExistsError:
            pass  # another worker created it a moment ago
    conn = sqlite3.connect(path, isolation_level=None, timeout=BUSY_TIMEOUT_MS / 1000)
    conn.row_factory = sqlite3.Row
    conn.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")
    _enable_wal(conn)
    conn.execute("PRAGMA synchronous = FULL")
    conn.execute("PRAGMA foreign_keys = ON")
    return conn


def _enable_wal(conn: sqlite3.Connection) -> None:
    """Switch to WAL once per database file.

    The switch needs an exclusive lock and SQLite does not wait for it through the busy
    timeout, so workers opening a new database together retry for a while.
    """
    deadline = time.monotonic() + BUSY_TIMEOUT_MS / 1000
    while True:
        try:
            if conn.execute("PRAGMA journal_mode").fetchone()[0] != "wal":
                conn.execute("PRAGMA journal_mode = WAL")
            return
        except sqlite3.OperationalError as error:
            if "locked" not in str(error) or time.monotonic() > deadline:
                raise
            time.sleep(0.01)


_lock_files: dict[tuple[int, str], int] = {}


@contextmanager
def _process_lock(conn: sqlite3.Connection) -> Iterator[None]:
    """Queue writers of all processes (gunicorn workers) on a lock file beside the database.

    A blocked flock wakes the moment the lock is free; SQLite's own busy handler instead
    polls with sleeps of milliseconds, which under steady writes from several workers costs
    more than the writes themselves. SQLite's locking still guards correctness.
    """
    path = conn.execute("PRAGMA database_list").fetchone()[2]
    if fcntl is None or not path:
        yield
        return
    # Per process: a forked worker must not share its parent's open lock file (and lock).
    key = (os.getpid(), path)
    if key not in _lock_files:
        _lock_files[key] = os.open(path + "-writelock", os.O_RDWR | os.O_CREAT, 0o600)
    fd = _lock_files[key]
    fcntl.flock(fd, fcntl.LOCK_EX)
    try:
        yield
    finally:
        fcntl.flock(fd, fcntl.LOCK_UN)


def connection_for(path: str | Path) -> sqlite3.Connection:
    """This thread's long-lived connection to `path`.

    One connection per worker thread, kept open: closing the last connection checkpoints and
    deletes the WAL, so a connection per request would throw WAL's benefit away.
    """
    cache: dict[str, sqlite3.Connection] = _local.__dict__.setdefault("connections", {})
    key = str(path)
    if key not in cache:
        cache[key] = connect(path)
    return cache[key]


def close_thread_connections() -> None:
    """Close this thread's cached connections (tests and CLI commands)."""
    cache: dict[str, sqlite3.Connection] = _local.__dict__.get("connections", {})
    for conn in cache.values():
        conn.close()
    cache.clear()


@contextmanager
def transaction(conn: sqlite3.Connection) -> Iterator[sqlite3.Connection]:
    """A write transaction taken with BEGIN IMMEDIATE: it waits for the lock up front.

    Threads of one process queue on a lock first: SQLite's busy handler polls with sleeps of
    up to 100 ms, so under many threads one can miss the free lock for the whole timeout.
    Between processes (gunicorn workers) the busy timeout still applies.
    """
    with _WRITE_LOCK, _process_lock(conn):
        conn.execute("BEGIN IMMEDIATE")
        try:
            yield conn
        except BaseException:
            conn.execute("ROLLBACK")
            raise
        conn.execute("COMMIT")


def _statements(script: str) -> Iterator[str]:
    """Split a migration into complete SQL statements (triggers included)."""
    buffer = ""
    for line in script.splitlines(keepends=True):
        buffer += line
        if sqlite3.complete_statement(buffer):
            yield buffer
            buffer = ""


def migrate(conn: sqlite3.Connection) -> int:
    """Apply every numbered migration newer than the database; return the schema version.

    Runs in one BEGIN IMMEDIATE transaction, reading the version inside it, so workers that
    start together apply each migration exactly once.
    """
    scripts = sorted(
        (item.name, item)
        for item in resources.files("formserver.store.migrations").iterdir()
        if item.name.endswith(".sql")
    )
    with transaction(conn):
        current = int(conn.execute("PRAGMA user_version").fetchone()[0])
        for name, item in scripts:
            number = int(name.split("_", 1)[0])
            if number <= current:
                continue
            for statement in _statements(item.read_text("utf-8")):
                conn.execute(statement)
            conn.execute(f"PRAGMA user_version = {number}")
            current = number
    return current


def new_id() -> str:
    """A random, unguessable id (96 bits, URL-safe, 16 characters)."""
    return secrets.token_urlsafe(12)


def utc_now() -> datetime:
    """The current time in UTC."""
    return datetime.now(UTC)


def iso(moment: datetime) -> str:
    """A timestamp as stored: ISO 8601 in UTC, to the second."""
    return moment.astimezone(UTC).isoformat(timespec="seconds")
