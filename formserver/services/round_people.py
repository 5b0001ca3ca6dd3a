"""HR's view of a round: each person's status per unit, and who is not in it and why.

Statuses only (Talk.progress, the one vocabulary), never anything anyone wrote.
"""

from __future__ import annotations

import sqlite3
from collections import Counter
from dataclasses import dataclass
from datetime import date

from formserver.common.languages import _l
from formserver.services.eligibility import why_not_eligible
from formserver.siteconfig.model import Eligibility
from formserver.store.people import outside_round
from formserver.store.talks import STATUS_LABELS, Talk, progress_counts

NO_MANAGER = _l("har ingen chef i personallistan")


@dataclass(frozen=True)
class CoverageRow:
    """How many people of one unit and manager are at each status."""

    unit: str
    manager_name: str
    counts: dict[str, int]

    @property
    def total(self) -> int:
        """Everyone with a talk in the round."""
        return sum(self.counts.values())


@dataclass(frozen=True)
class Outside:
    """Someone in the roster who has no talk in the round, and the reason in words."""

    name: str
    unit: str
    reason: str


def coverage(talks: list[Talk]) -> list[CoverageRow]:
    """Per unit and manager, the number of people at each status (each counted once)."""
    groups: dict[tuple[str, str], Counter[str]] = {}
    for talk in talks:
        groups.setdefault((talk.unit, talk.manager_name), Counter())[talk.progress] += 1
    return [
        CoverageRow(unit, manager, {key: counts[key] for key in STATUS_LABELS})
        for (unit, manager), counts in sorted(groups.items())
    ]


def round_coverage(conn: sqlite3.Connection, round_id: str) -> list[CoverageRow]:
    """Coverage of a round, over people still employed: `coverage` of its talks, counted by
    SQLite without loading each talk (tens of thousands in a large organisation)."""
    groups: dict[tuple[str, str], dict[str, int]] = {}
    for unit, manager, progress, count in progress_counts(conn, round_id):
        groups.setdefault((unit, manager), dict.fromkeys(STATUS_LABELS, 0))[progress] = count
    return [CoverageRow(unit, manager, counts) for (unit, manager), counts in groups.items()]


def outside(
    conn: sqlite3.Connection, round_id: str, rules: Eligibility, opened_on: date
) -> list[Outside]:
    """Who in the roster has no talk in the round, with why (as of the day it opened)."""
    found = []
    for person, has_manager in outside_round(conn, round_id):
        reason = why_not_eligible(
            person,
            permanent=rules.permanent,
            fixed_term_min_months=rules.fixed_term_min_months,
            other=rules.other,
            on=opened_on,
        )
        if reason is None:
            reason = NO_MANAGER if not has_manager else _l("lades till i personallistan senare")
        found.append(Outside(person.name, person.unit, reason))
    return found
