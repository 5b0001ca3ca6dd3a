"""Adding a person the eligibility rule leaves out to a round ("När det är relevant kan samtalet
hållas med medarbetare med kortare anställning än så", the routine), with the reason."""

from __future__ import annotations

import sqlite3
from dataclasses import dataclass, replace
from datetime import date

from formserver.common.languages import _l
from formserver.services.eligibility import is_eligible
from formserver.siteconfig.model import Eligibility
from formserver.store import additions, audit
from formserver.store.people import Person

REASON_MAX_CHARS = 1000


class NotAddable(Exception):
    """The person cannot be added: already in the round, left, or without a manager."""


@dataclass(frozen=True)
class Candidate:
    """A person outside the round, why they are outside, and the manager they would talk with."""

    person: Person
    manager: Person | None
    why: str

    @property
    def addable(self) -> bool:
        """Whether there is a manager to hold the talk."""
        return self.manager is not None


def why_outside(person: Person, manager: Person | None, rules: Eligibility, today: date) -> str:
    """Why the person has no talk in the round, in Swedish."""
    if manager is None:
        return _l("Har ingen chef i personallistan.")
    if person.start_date > today:
        return _l("Anställningen börjar %(day)s.", day=person.start_date.isoformat())
    eligible = is_eligible(
        person,
        permanent=rules.permanent,
        fixed_term_min_months=rules.fixed_term_min_months,
        other=rules.other,
        on=today,
    )
    if eligible:
        return _l("Kom med i personallistan efter att samtalsomgången öppnades.")
    if person.employment_type == "visstid":
        return _l(
            "Tidsbegränsat anställd kortare tid än %(months)s månader.",
            months=rules.fixed_term_min_months,
        )
    if person.employment_type == "annan":
        return _l("Anställningsformen ingår inte i rutinen.")
    return _l("Anställningsformen ingår inte i rutinen enligt policies.yml.")


def candidates(
    conn: sqlite3.Connection,
    round_id: str,
    rules: Eligibility,
    today: date,
    managed_by: Person | None = None,
) -> list[Candidate]:
    """Everyone still employed without a talk in the round (only `managed_by`'s own employees,
    when given), with the reason they are outside it."""
    return [
        Candidate(o.person, o.manager, why_outside(o.person, o.manager, rules, today))
        for o in additions.outside_round(conn, round_id)
        if managed_by is None or (o.manager is not None and o.manager.id == managed_by.id)
    ]


def add(
    conn: sqlite3.Connection,
    candidate: Candidate,
    *,
    round_id: str,
    reason: str,
    event: audit.Event,
) -> str:
    """Give the candidate a talk in the round with their manager, the reason recorded and
    audited; returns the talk's id. `event` says who did it (action round.add_person)."""
    if candidate.manager is None or event.actor_id is None:
        raise NotAddable(candidate.person.id)
    try:
        return additions.add_to_round(
            conn,
            round_id=round_id,
            employee=candidate.person,
            manager=candidate.manager,
            reason=reason,
            added_by=event.actor_id,
            event=replace(
                event,
                object_type="round",
                object_id=round_id,
                detail=f"{candidate.person.id} tillagd",
            ),
        )
    except additions.AlreadyInRound as error:
        raise NotAddable(candidate.person.id) from error
