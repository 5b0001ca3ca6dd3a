"""Sign-in by single-use links, and server-checked sessions."""

from __future__ import annotations

import hashlib
import secrets
import sqlite3
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from urllib.parse import urlsplit

from formserver.security import tokens
from formserver.store import auth
from formserver.store.people import Person, get_person

RATE_WINDOW = timedelta(hours=1)

LINK_PROBLEMS = {
    "invalid": "Länken fungerar inte. Den kan vara ofullständig eller ändrad, eller gjord med en "
    "nyckel som inte längre gäller.",
    "expired": "Länken har gått ut. En inloggningslänk gäller en begränsad tid.",
    "used": "Länken har redan använts. En inloggningslänk fungerar bara en gång.",
    "revoked": "Länken har spärrats.",
    "left": "Du finns inte längre med i personallistan och kan därför inte logga in. Kontakta HR "
    "om det är fel.",
}


@dataclass(frozen=True)
class LinkCheck:
    """A link's state as its confirmation page shows it."""

    problem: str | None
    target: str = "/"


def safe_target(target: str | None) -> str:
    """A local path to go to after sign-in; anything else (//evil.example, https://…) is '/'."""
    if not target or not target.startswith("/") or target.startswith("//") or "\\" in target:
        return "/"
    parts = urlsplit(target)
    if parts.scheme or parts.netloc:
        return "/"
    return target


def issue_link(
    conn: sqlite3.Connection,
    keys: Sequence[str | bytes],
    person: Person,
    *,
    now: datetime,
    days: int,
    target: str = "/",
) -> str:
    """Make a single-use sign-in token for `person`; only the nonce's hash is stored."""
    nonce = tokens.new_nonce()
    auth.create_link(
        conn,
        nonce_hash=tokens.nonce_hash(nonce),
        person_id=person.id,
        target=safe_target(target),
        now=now,
        expires_at=now + timedelta(days=days),
    )
    return tokens.dump(keys, tokens.SIGN_IN_SALT, nonce)


def _nonce(keys: Sequence[str | bytes], token: str, days: int) -> tuple[str | None, str | None]:
    try:
        return tokens.load(keys, tokens.SIGN_IN_SALT, token, max_age=days * 86400), None
    except tokens.TokenExpired:
        return None, "expired"
    except tokens.TokenInvalid:
        return None, "invalid"


def check_link(
    conn: sqlite3.Connection, keys: Sequence[str | bytes], token: str, *, now: datetime, days: int
) -> LinkCheck:
    """What a link's confirmation page should say, without using the link."""
    nonce, problem = _nonce(keys, token, days)
    if nonce is None:
        return LinkCheck(problem)
    state = auth.link_state(conn, tokens.nonce_hash(nonce))
    if state is None:
        return LinkCheck("invalid")
    if state.used:
        return LinkCheck("used")
    if state.revoked:
        return LinkCheck("revoked")
    if state.expires_at <= now:
        return LinkCheck("expired")
    return LinkCheck(None, state.target)


def session_hash(session_id: str) -> str:
    """What the database stores instead of the session id."""
    return hashlib.sha256(session_id.encode()).hexdigest()


@dataclass(frozen=True)
class SignedIn:
    """A fresh session made from a link."""

    session_id: str
    person_id: str
    target: str


def confirm_link(
    conn: sqlite3.Connection, keys: Sequence[str | bytes], token: str, *, now: datetime, days: int
) -> SignedIn | LinkCheck:
    """Use the link (once, even under concurrent requests) and start a new session."""
    nonce, problem = _nonce(keys, token, days)
    if nonce is None:
        return LinkCheck(problem)
    session_id = secrets.token_urlsafe(32)
    state = auth.consume_link(conn, tokens.nonce_hash(nonce), session_hash(session_id), now)
    if state is None:
        # Lost the race, or the link was already used, revoked or expired: say which.
        return check_link(conn, keys, token, now=now, days=days)
    person = get_person(conn, state.person_id)
    if person is None or person.has_left(now.date()):
        auth.end_session(conn, session_hash(session_id), now)
        return LinkCheck("left")
    return SignedIn(session_id, state.person_id, state.target)


def session_person(
    conn: sqlite3.Connection,
    session_id: str,
    *,
    now: datetime,
    idle: timedelta,
    absolute: timedelta,
) -> Person | None:
    """The person behind a session id, if the session is live and the person has not left."""
    key = session_hash(session_id)
    state = auth.get_session(conn, key)
    if state is None or state.ended:
        return None
    if now - state.last_seen_at > idle or now - state.created_at > absolute:
        auth.end_session(conn, key, now)
        return None
    person = get_person(conn, state.person_id)
    if person is None or person.has_left(now.date()):
        auth.end_session(conn, key, now)
        return None
    # One write a minute is enough for the idle time-out, and keeps reads cheap.
    if now - state.last_seen_at > timedelta(seconds=60):
        auth.touch_session(conn, key, now)
    return person


def end(conn: sqlite3.Connection, session_id: str, now: datetime) -> None:
    """Log out: the session's cookie is refused from now on."""
    auth.end_session(conn, session_hash(session_id), now)
