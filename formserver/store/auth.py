"""Sign-in links, server-side sessions and rate limits."""

from __future__ import annotations

import sqlite3
from dataclasses import dataclass
from datetime import datetime, timedelta

from formserver.store import audit
from formserver.store.db import iso, transaction


@dataclass(frozen=True)
class LinkState:
    """What the service knows about a sign-in link (by the hash of its nonce)."""

    person_id: str
    target: str
    expires_at: datetime
    used: bool
    revoked: bool


@dataclass(frozen=True)
class SessionState:
    """A server-side session."""

    person_id: str
    created_at: datetime
    last_seen_at: datetime
    ended: bool
    method: str = "link"


def create_link(
    conn: sqlite3.Connection,
    *,
    nonce_hash: str,
    person_id: str,
    target: str,
    now: datetime,
    expires_at: datetime,
) -> None:
    """Store a new sign-in link (only the nonce's hash)."""
    with transaction(conn):
        conn.execute(
            "INSERT INTO sign_in_links (nonce_hash, person_id, target, created_at, expires_at) "
            "VALUES (?, ?, ?, ?, ?)",
            (nonce_hash, person_id, target, iso(now), iso(expires_at)),
        )


def link_state(conn: sqlite3.Connection, nonce_hash: str) -> LinkState | None:
    """A link's state, or None if the service never made it."""
    row = conn.execute("SELECT * FROM sign_in_links WHERE nonce_hash = ?", (nonce_hash,)).fetchone()
    if row is None:
        return None
    return LinkState(
        row["person_id"],
        row["target"],
        datetime.fromisoformat(row["expires_at"]),
        row["used_at"] is not None,
        row["revoked_at"] is not None,
    )


def consume_link(
    conn: sqlite3.Connection, nonce_hash: str, session_hash: str, now: datetime
) -> LinkState | None:
    """Use a link once and start a session; None if it is unknown, used, revoked or expired."""
    with transaction(conn):
        changed = conn.execute(
            "UPDATE sign_in_links SET used_at = ? WHERE nonce_hash = ? AND used_at IS NULL "
            "AND revoked_at IS NULL AND expires_at > ?",
            (iso(now), nonce_hash, iso(now)),
        ).rowcount
        if changed != 1:
            return None
        state = link_state(conn, nonce_hash)
        assert state is not None
        conn.execute(
            "INSERT INTO sessions (id_hash, person_id, created_at, last_seen_at) "
            "VALUES (?, ?, ?, ?)",
            (session_hash, state.person_id, iso(now), iso(now)),
        )
    return state


def revoke_links(conn: sqlite3.Connection, person_id: str, now: datetime) -> int:
    """Revoke every unused link of a person; returns how many."""
    with transaction(conn):
        return conn.execute(
            "UPDATE sign_in_links SET revoked_at = ? WHERE person_id = ? AND used_at IS NULL "
            "AND revoked_at IS NULL",
            (iso(now), person_id),
        ).rowcount


def get_session(conn: sqlite3.Connection, session_hash: str) -> SessionState | None:
    """A session by the hash of its id."""
    row = conn.execute("SELECT * FROM sessions WHERE id_hash = ?", (session_hash,)).fetchone()
    if row is None:
        return None
    return SessionState(
        row["person_id"],
        datetime.fromisoformat(row["created_at"]),
        datetime.fromisoformat(row["last_seen_at"]),
        row["ended_at"] is not None,
        row["method"],
    )


def start_session(
    conn: sqlite3.Connection,
    session_hash: str,
    person_id: str,
    *,
    now: datetime,
    method: str,
    id_token: str | None,
    event: audit.Event,
    forget_tokens_before: datetime,
) -> None:
    """Start a session not made from a link (single sign-on), audited with `event`.

    ID tokens are kept only while a session can live: those of sessions started before
    `forget_tokens_before` (abandoned, never logged out) are removed here.
    """
    with transaction(conn):
        conn.execute(
            "UPDATE sessions SET id_token = NULL WHERE id_token IS NOT NULL AND created_at < ?",
            (iso(forget_tokens_before),),
        )
        conn.execute(
            "INSERT INTO sessions (id_hash, person_id, created_at, last_seen_at, method, id_token) "
            "VALUES (?, ?, ?, ?, ?, ?)",
            (session_hash, person_id, iso(now), iso(now), method, id_token),
        )
        audit.append(conn, event)


def touch_session(conn: sqlite3.Connection, session_hash: str, now: datetime) -> None:
    """Record activity on a session (for the idle time-out)."""
    with transaction(conn):
        conn.execute(
            "UPDATE sessions SET last_seen_at = ? WHERE id_hash = ?", (iso(now), session_hash)
        )


def end_session(conn: sqlite3.Connection, session_hash: str, now: datetime) -> str | None:
    """End a session for good (log out): its cookie is refused from now on.

    Returns the session's ID token, if it had one, for the provider's logout; the database
    forgets it here.
    """
    with transaction(conn):
        row = conn.execute(
            "SELECT id_token FROM sessions WHERE id_hash = ? AND ended_at IS NULL", (session_hash,)
        ).fetchone()
        conn.execute(
            "UPDATE sessions SET ended_at = ?, id_token = NULL WHERE id_hash = ? "
            "AND ended_at IS NULL",
            (iso(now), session_hash),
        )
    return str(row["id_token"]) if row and row["id_token"] else None


def allow(
    conn: sqlite3.Connection, key: str, *, limit: int, window: timedelta, now: datetime
) -> bool:
    """Count one attempt for `key`; False once `limit` attempts fall within `window`."""
    with transaction(conn):
        row = conn.execute(
            "SELECT window_start, count FROM rate_limits WHERE key = ?", (key,)
        ).fetchone()
        if row is None or datetime.fromisoformat(row["window_start"]) + window <= now:
            conn.execute(
                "INSERT OR REPLACE INTO rate_limits (key, window_start, count) VALUES (?, ?, 1)",
                (key, iso(now)),
            )
            return True
        if row["count"] >= limit:
            return False
        conn.execute("UPDATE rate_limits SET count = count + 1 WHERE key = ?", (key,))
        return True
