"""Sign-in by single-use links, which ways each role may sign in, and server-checked sessions."""

from __future__ import annotations

import hashlib
import secrets
import sqlite3
from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from urllib.parse import urlsplit

from formserver.common.languages import _l
from formserver.security import tokens
from formserver.store import audit, auth
from formserver.store.people import Person, get_person
from formserver.store.talks import manages_anyone

RATE_WINDOW = timedelta(hours=1)

# The keys and values of the SIGN_IN_METHODS setting.
ROLES = ("employee", "manager", "hr")
METHODS = ("link", "sso")

LINK_PROBLEMS = {
    "invalid": _l(
        "Länken fungerar inte. Den kan ha kopierats ofullständigt, eller vara så gammal "
        "att den inte gäller längre. Logga in på ett av sätten nedan."
    ),
    "expired": _l("Länken har gått ut. En inloggningslänk gäller en begränsad tid."),
    "used": _l("Länken har redan använts. En inloggningslänk fungerar bara en gång."),
    "revoked": _l("Länken har spärrats."),
    "left": _l(
        "Du finns inte längre med i personallistan och kan därför inte logga in. Kontakta HR "
        "om det är fel."
    ),
    "sso_only": _l(
        "Du loggar in med organisationens inloggning, inte med länk. Länken har inte använts."
    ),
}


@dataclass(frozen=True)
class SignInRules:
    """The ways each role may sign in (the SIGN_IN_METHODS setting), and whether single
    sign-on is configured at all."""

    methods: Mapping[str, Sequence[str]]
    sso_configured: bool

    def allowed(self, roles: Collection[str]) -> frozenset[str]:
        """The methods that every one of `roles` allows: the strictest role decides."""
        usable = set(METHODS) if self.sso_configured else {"link"}
        for role in roles:
            usable &= set(self.methods.get(role, ()))
        return frozenset(usable)

    @property
    def links_for_anyone(self) -> bool:
        """Whether some role may still sign in with a link (the pages offer one then)."""
        return any("link" in self.methods.get(role, ()) for role in ROLES)


def roles_of(conn: sqlite3.Connection, person: Person, *, is_hr: bool | None = None) -> set[str]:
    """A person's roles for signing in. Everyone is an employee; a manager is the manager of a
    talk in any round, or named as manager by someone in the roster; HR has the HR role
    (`is_hr` when it is about to change, from the provider's groups)."""
    roles = {"employee"}
    if manages_anyone(conn, person.id, person.employee_number):
        roles.add("manager")
    if person.is_hr if is_hr is None else is_hr:
        roles.add("hr")
    return roles


def may_use(
    conn: sqlite3.Connection,
    person: Person,
    method: str,
    rules: SignInRules,
    *,
    is_hr: bool | None = None,
) -> bool:
    """Whether `person` may sign in by `method` ("link" or "sso")."""
    return method in rules.allowed(roles_of(conn, person, is_hr=is_hr))


@dataclass(frozen=True)
class LinkCheck:
    """A link's state as its confirmation page shows it."""

    problem: str | None
    target: str = "/"
    person_id: str | None = None


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
    conn: sqlite3.Connection,
    keys: Sequence[str | bytes],
    token: str,
    *,
    now: datetime,
    days: int,
    rules: SignInRules,
) -> LinkCheck:
    """What a link's confirmation page should say, without using the link.

    A person whose roles no longer allow links (the setting changed after the link was made)
    is told to use single sign-on; the link stays unused.
    """
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
    person = get_person(conn, state.person_id)
    if person is not None and not may_use(conn, person, "link", rules):
        return LinkCheck("sso_only", state.target, person.id)
    return LinkCheck(None, state.target, state.person_id)


def session_hash(session_id: str) -> str:
    """What the database stores instead of the session id."""
    return hashlib.sha256(session_id.encode()).hexdigest()


@dataclass(frozen=True)
class SignedIn:
    """A fresh session, made from a link or by single sign-on."""

    session_id: str
    person_id: str
    target: str


def confirm_link(
    conn: sqlite3.Connection,
    keys: Sequence[str | bytes],
    token: str,
    *,
    now: datetime,
    days: int,
    rules: SignInRules,
) -> SignedIn | LinkCheck:
    """Use the link (once, even under concurrent requests) and start a new session; a link
    its person may not use is refused before it is used."""
    nonce, problem = _nonce(keys, token, days)
    if nonce is None:
        return LinkCheck(problem)
    check = check_link(conn, keys, token, now=now, days=days, rules=rules)
    if check.problem == "sso_only":
        return check
    session_id = secrets.token_urlsafe(32)
    state = auth.consume_link(conn, tokens.nonce_hash(nonce), session_hash(session_id), now)
    if state is None:
        # Lost the race, or the link was already used, revoked or expired: say which.
        return check_link(conn, keys, token, now=now, days=days, rules=rules)
    person = get_person(conn, state.person_id)
    if person is None or person.has_left(now.date()):
        auth.end_session(conn, session_hash(session_id), now)
        return LinkCheck("left", person_id=state.person_id)
    return SignedIn(session_id, state.person_id, state.target)


def start_session(
    conn: sqlite3.Connection,
    person: Person,
    *,
    now: datetime,
    id_token: str | None,
    target: str,
    absolute: timedelta,
    client: str | None = None,
) -> SignedIn:
    """Start a fresh single sign-on session (a new random id every time), audited.

    `id_token` is kept with the session, for the provider's logout, until it ends.
    """
    session_id = secrets.token_urlsafe(32)
    auth.start_session(
        conn,
        session_hash(session_id),
        person.id,
        now=now,
        method="sso",
        id_token=id_token,
        event=audit.Event(person.id, "sign_in", detail="sso", client=client),
        forget_tokens_before=now - absolute,
    )
    return SignedIn(session_id, person.id, safe_target(target))


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


def end(conn: sqlite3.Connection, session_id: str, now: datetime) -> str | None:
    """Log out: the session's cookie is refused from now on. Returns the ID token of a single
    sign-on session (for the provider's logout), which the database forgets here."""
    return auth.end_session(conn, session_hash(session_id), now)
