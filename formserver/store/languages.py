"""Each person's chosen language (people.language; NULL when they have not chosen)."""

from __future__ import annotations

import sqlite3

from formserver.store import audit
from formserver.store.db import transaction


def get_language(conn: sqlite3.Connection, person_id: str) -> str | None:
    """The language the person chose, or None."""
    row = conn.execute("SELECT language FROM people WHERE id = ?", (person_id,)).fetchone()
    return None if row is None or row[0] is None else str(row[0])


def set_language(
    conn: sqlite3.Connection, person_id: str, language: str, event: audit.Event
) -> None:
    """Remember the person's choice, audited in the same transaction."""
    with transaction(conn):
        conn.execute("UPDATE people SET language = ? WHERE id = ?", (language, person_id))
        audit.append(conn, event)
