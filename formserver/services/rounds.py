"""Opening a samtalsomgång by the routine's rules."""

from __future__ import annotations

import sqlite3
from datetime import date

from formserver.services.eligibility import is_eligible
from formserver.siteconfig import SiteConfig
from formserver.store import audit
from formserver.store import rounds as store
from formserver.store.people import Person


def open_round(
    conn: sqlite3.Connection,
    config: SiteConfig,
    *,
    year: int,
    question_set_id: str,
    plan_template_id: str,
    opened_by: str | None,
    today: date,
    client: str | None = None,
) -> store.OpenedRound:
    """Open a round, audited: a talk for everyone eligible today, with their current manager.

    `client` is the address the request came from, when it came from the service's pages.
    """
    qs = config.question_sets[question_set_id]
    plan = config.plan_templates[plan_template_id]
    rules = config.policies.eligibility

    def eligible(person: Person) -> bool:
        return is_eligible(
            person,
            permanent=rules.permanent,
            fixed_term_min_months=rules.fixed_term_min_months,
            other=rules.other,
            on=today,
        )

    return store.open_round(
        conn,
        year=year,
        question_set=(qs.id, qs.version),
        plan_template=(plan.id, plan.version),
        eligible=eligible,
        opened_by=opened_by,
        event=audit.Event(opened_by, "round.open", client=client),
    )
