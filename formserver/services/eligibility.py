"""Who has a medarbetarsamtal: the routine's rule, configurable in site_config/policies.yml."""

from __future__ import annotations

import calendar
from datetime import date
from typing import Protocol

from formserver.common.languages import _l


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


def _full_months(start: date, end: date) -> int:
    """Whole calendar months from `start` to `end` (2026-01-15 to 2026-06-14: 4)."""
    months = 0
    while (reached := _add_months(start, months + 1)) is not None and reached <= end:
        months += 1
    return months


def _months(count: int) -> str:
    return (
        _l("%(count)s månad", count=count) if count == 1 else _l("%(count)s månader", count=count)
    )


def why_not_eligible(
    person: Employment, *, permanent: bool, fixed_term_min_months: int, other: bool, on: date
) -> str | None:
    """Why the routine does not cover this person on `on`, in words for HR; None if it does."""
    if is_eligible(
        person, permanent=permanent, fixed_term_min_months=fixed_term_min_months, other=other, on=on
    ):
        return None
    if person.start_date > on:
        return _l(
            "anställningen börjar %(day)s, efter omgångens start", day=person.start_date.isoformat()
        )
    if person.end_date is not None and person.end_date < on:
        return _l("anställningen slutade %(day)s", day=person.end_date.isoformat())
    if person.employment_type == "tillsvidare":
        return _l("tillsvidareanställda ingår inte enligt policies.yml")
    if person.employment_type == "visstid" and person.end_date is not None:
        months = _full_months(person.start_date, person.end_date)
        return _l(
            "tidsbegränsat anställd i %(months)s, under %(minimum)s",
            months=_months(months),
            minimum=_months(fixed_term_min_months),
        )
    if person.employment_type == "annan":
        return _l("anställningsformen ”annan” ingår inte enligt policies.yml")
    return _l("okänd anställningsform (%(kind)s)", kind=person.employment_type)
