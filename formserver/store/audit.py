"""The append-only audit log (database triggers refuse updates and deletes).

One way in for each kind of entry: a write passes its `Event` to the store function that
makes the change, which appends it in the same transaction (`append`); a read, a refusal
or a denial, which changes nothing else, is written on its own (`record`). No other module
has SQL on the audit table.
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from formserver.store.db import iso, transaction, utc_now


@dataclass(frozen=True)
class Event:
    """One audit entry. Never form text or tokens in `detail`."""

    actor_id: str | None
    action: str
    object_type: str = ""
    object_id: str = ""
    detail: str = ""
    outcome: str = "ok"
    client: str | None = None  # the client's address, for entries made during a request


def append(conn: sqlite3.Connection, event: Event) -> None:
    """Write `event` in the caller's open transaction, beside the change it records."""
    conn.execute(
        "INSERT INTO audit_log "
        "(at, actor_id, action, object_type, object_id, outcome, detail, client) "
        "VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
        (
            iso(utc_now()),
            event.actor_id,
            event.action,
            event.object_type,
            event.object_id,
            event.outcome,
            event.detail,
            event.client,
        ),
    )


def record(conn: sqlite3.Connection, event: Event) -> None:
    """Write a read, refusal or denial in a transaction of its own."""
    with transaction(conn):
        append(conn, event)


def entries_about(
    conn: sqlite3.Connection, person_id: str, object_ids: Sequence[str]
) -> list[dict[str, Any]]:
    """Entries made by the person or about any of `object_ids`, oldest first."""
    rows = conn.execute(
        "SELECT * FROM audit_log WHERE actor_id = ? "
        "OR object_id IN (SELECT value FROM json_each(?)) ORDER BY id",
        (person_id, json.dumps(list(object_ids))),
    )
    return [dict(r) for r in rows]
