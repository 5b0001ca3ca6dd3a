"""Who has a medarbetarsamtal: the routine's rule, configurable in site_config/policies.yml."""

from __future__ import annotations

import calendar
from datetime import date
from typing import Protocol


class Employment(Protocol):
    """What eligibility looks at: a RosterRow or the store's person record."""

    @property
    def employment_type(self) -> str: ...
    @property
    def start_date(self) -> date: ...
    @property
    def end_date(self) -> date | None: ...


def _add_months(day: date, months: int) -> date | None:
    """The same day `months` later, clamped to the month's end; None past year 9999."""
    index = day.month - 1 + months
    year, month = day.year + index // 12, index % 12 + 1
    if year > date.max.year:
        return None
    return date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


def is_eligible(
    person: Employment, *, permanent: bool, fixed_term_min_months: int, other: bool, on: date
) -> bool:
    """Whether the routine covers this person on the day `on`."""
    if person.start_date > on or (person.end_date is not None and person.end_date < on):
        return False  # not started yet, or has left
    if person.employment_type == "tillsvidare":
        return permanent
    if person.employment_type == "annan":
        return other
    if person.employment_type != "visstid":
        return False
    if person.end_date is None:
        return True  # no end date yet: nothing says the employment is short
    # Calendar months: 2026-01-15 reaches 5 months on 2026-06-15.
    reached = _add_months(person.start_date, fixed_term_min_months)
    return reached is not None and reached <= person.end_date
