"""The append-only audit log (database triggers refuse updates and deletes)."""

from __future__ import annotations

import sqlite3
from dataclasses import dataclass

from formserver.store.db import iso, transaction, utc_now


@dataclass(frozen=True)
class Event:
    """An audit entry to write inside another transaction, so the change and its entry commit
    together (one disk flush, and never a change without its entry)."""

    actor_id: str | None
    action: str
    object_type: str = ""
    object_id: str = ""
    detail: str = ""


def append(conn: sqlite3.Connection, event: Event, outcome: str = "ok") -> None:
    """Write `event` in the caller's open transaction."""
    conn.execute(
        "INSERT INTO audit_log (at, actor_id, action, object_type, object_id, outcome, detail) "
        "VALUES (?, ?, ?, ?, ?, ?, ?)",
        (
            iso(utc_now()),
            event.actor_id,
            event.action,
            event.object_type,
            event.object_id,
            outcome,
            event.detail,
        ),
    )


def record(
    conn: sqlite3.Connection,
    *,
    actor_id: str | None,
    action: str,
    outcome: str,
    object_type: str = "",
    object_id: str = "",
    detail: str = "",
) -> None:
    """Append one entry in its own transaction. Never pass form text or tokens in `detail`."""
    with transaction(conn):
        append(conn, Event(actor_id, action, object_type, object_id, detail), outcome)
