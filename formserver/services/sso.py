"""Signing in through the organisation's OpenID provider, once its ID token is validated: from
the token's claims to a person in the roster, the HR role from a group, and a fresh session."""

from __future__ import annotations

import sqlite3
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from formserver.common.languages import _l
from formserver.services import sign_in as signin
from formserver.store import audit
from formserver.store.people import Person, person_by_email, person_by_number, set_hr


@dataclass(frozen=True)
class Problem:
    """A page for an attempt that did not end in a session. The key is also the audit outcome."""

    title: str
    text: str
    status: int
    retry: bool = False  # offer to start single sign-on again
    link: bool = False  # offer to ask for a sign-in link


PROBLEMS = {
    "state": Problem(
        _l("Inloggningen kunde inte slutföras"),
        _l(
            "Inloggningen tog för lång tid, startades i ett annat fönster eller har redan använts. "
            "Börja om med knappen nedan."
        ),
        400,
        retry=True,
    ),
    "cancelled": Problem(
        _l("Inloggningen avbröts"),
        _l(
            "Inloggningen avbröts hos organisationens inloggning. Försök igen när du vill logga in."
        ),
        400,
        retry=True,
        link=True,
    ),
    "provider_error": Problem(
        _l("Inloggningen misslyckades"),
        _l(
            "Organisationens inloggning godkände inte inloggningen. Börja om med knappen nedan. "
            "Fungerar det ändå inte, kontakta IT-supporten."
        ),
        400,
        retry=True,
    ),
    "token_invalid": Problem(
        _l("Inloggningen kunde inte godkännas"),
        _l(
            "Svaret från organisationens inloggning gick inte att kontrollera: det kan ha varit "
            "för gammalt eller inte avsett för den här tjänsten. Börja om med knappen nedan. "
            "Fungerar det ändå inte, kontakta IT-supporten."
        ),
        400,
        retry=True,
    ),
    "unavailable": Problem(
        _l("Inloggningen fungerar inte just nu"),
        _l("Tjänsten får inte kontakt med organisationens inloggning. Försök igen om en stund."),
        503,
        retry=True,
        link=True,
    ),
    "claim_missing": Problem(
        _l("Vi vet inte vem du är"),
        _l(
            "Organisationens inloggning skickade inte den uppgift som tjänsten känner igen dig "
            "med. Kontakta IT-supporten och be dem kontrollera inställningarna för inloggningen."
        ),
        403,
    ),
    "email_unverified": Problem(
        _l("E-postadressen är inte bekräftad"),
        _l(
            "Organisationens inloggning har inte bekräftat din e-postadress, så vi kan inte logga "
            "in dig med den. Kontakta IT-supporten."
        ),
        403,
    ),
    "unknown": Problem(
        _l("Du finns inte i personallistan"),
        _l(
            "Du är inloggad hos organisationen, men vi hittar dig inte i personallistan för "
            "medarbetarsamtal. Kontakta HR och be dem kontrollera att du finns med i listan, med "
            "uppgiften nedan."
        ),
        403,
    ),
    "left": Problem(_l("Du kan inte logga in"), signin.LINK_PROBLEMS["left"], 403),
    "method_not_allowed": Problem(
        _l("Logga in med länk"),
        _l(
            "Du loggar in med en personlig länk, inte med organisationens inloggning. Har du ingen "
            "länk kan du be om en ny."
        ),
        403,
        link=True,
    ),
}


@dataclass(frozen=True)
class Settings:
    """How the provider's claims are read (the OIDC_* settings)."""

    roster_claim: str
    roster_field: str  # "email" or "employee_number"
    groups_claim: str
    hr_group: str | None


@dataclass(frozen=True)
class Refused:
    """Why a validated sign-in did not start a session (a key of PROBLEMS)."""

    problem: str
    person_id: str | None = None
    identity: str = ""  # what the provider called the person, to show them


def identity(claims: Mapping[str, Any], settings: Settings) -> str | None:
    """The value of the roster claim, if the token has one that can name a person."""
    value = claims.get(settings.roster_claim)
    if isinstance(value, int) and not isinstance(value, bool):
        value = str(value)
    if not isinstance(value, str) or not value.strip():
        return None
    return value.strip()


def find_person(conn: sqlite3.Connection, value: str, settings: Settings) -> Person | None:
    """The person in the roster whose field matches the claim (e-mail in any case)."""
    if settings.roster_field == "employee_number":
        return person_by_number(conn, value)
    return person_by_email(conn, value)


def hr_from_groups(claims: Mapping[str, Any], settings: Settings, current: bool) -> bool:
    """The HR role as the provider's groups say it, or `current` when they say nothing.

    A token without the groups claim says nothing (no HR group is configured, or the provider
    left the claim out, as Entra ID does for people in very many groups).
    """
    if not settings.hr_group or settings.groups_claim not in claims:
        return current
    groups = claims[settings.groups_claim]
    if isinstance(groups, str):
        groups = [groups]
    return isinstance(groups, list) and settings.hr_group in groups


def sign_in(
    conn: sqlite3.Connection,
    claims: Mapping[str, Any],
    *,
    settings: Settings,
    rules: signin.SignInRules,
    now: datetime,
    id_token: str | None,
    target: str,
    absolute: timedelta,
    client: str | None,
) -> signin.SignedIn | Refused:
    """Start a session for the person the validated `claims` name, if they may sign in so.

    The HR role follows the provider's group (audited when it changes) before the session
    starts, and counts when deciding whether this person may use single sign-on. `client` is
    the browser's address, for the audit log.
    """
    value = identity(claims, settings)
    if value is None:
        return Refused("claim_missing")
    if settings.roster_claim == "email" and claims.get("email_verified") is False:
        return Refused("email_unverified", identity=value)
    person = find_person(conn, value, settings)
    if person is None:
        return Refused("unknown", identity=value)
    if person.has_left(now.date()):
        return Refused("left", person.id)
    is_hr = hr_from_groups(claims, settings, person.is_hr)
    if not signin.may_use(conn, person, "sso", rules, is_hr=is_hr):
        return Refused("method_not_allowed", person.id)
    if is_hr != person.is_hr:
        action = "person.grant_hr" if is_hr else "person.revoke_hr"
        event = audit.Event(None, action, "person", person.id, "sso-grupp", client=client)
        set_hr(conn, person.id, is_hr, event)
    return signin.start_session(
        conn, person, now=now, id_token=id_token, target=target, absolute=absolute, client=client
    )
