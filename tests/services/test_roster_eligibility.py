"""Who is eligible for a talk, from the roster's employment type and dates."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

import pytest

from formserver.services.eligibility import is_eligible
from formserver.services.roster import parse_roster
from tests.services.roster_helpers import BOSS, person, roster

# --- eligibility ----------------------------------------------------------------------


@dataclass(frozen=True)
class StoredPerson:
    """Stands in for the store's person record: only the three attributes that matter."""

    employment_type: str
    start_date: date
    end_date: date | None


ON = date(2026, 3, 1)


@pytest.mark.parametrize(
    ("kind", "start", "end", "other", "eligible"),
    [
        ("tillsvidare", date(2020, 1, 1), None, False, True),
        ("visstid", date(2026, 1, 15), date(2026, 6, 15), False, True),  # exactly 5 months
        ("visstid", date(2026, 1, 15), date(2026, 6, 14), False, False),  # one day short
        ("visstid", date(2026, 1, 31), date(2026, 6, 30), False, True),  # month-end clamp
        ("visstid", date(2026, 1, 15), None, False, True),
        ("annan", date(2020, 1, 1), None, False, False),
        ("annan", date(2020, 1, 1), None, True, True),
        ("tillsvidare", date(2020, 1, 1), date(2026, 2, 28), True, False),  # has left
        ("tillsvidare", date(2020, 1, 1), ON, True, True),  # last day
        ("tillsvidare", date(2026, 3, 2), None, True, False),  # not started yet
        ("tillsvidare", ON, None, True, True),  # first day
        ("okänd", date(2020, 1, 1), None, True, False),
    ],
)
def test_eligibility(kind: str, start: date, end: date | None, other: bool, eligible: bool) -> None:
    stored = StoredPerson(kind, start, end)
    assert (
        is_eligible(stored, permanent=True, fixed_term_min_months=5, other=other, on=ON) is eligible
    )


def test_eligibility_takes_roster_rows_and_can_leave_out_permanent_staff() -> None:
    row = parse_roster(roster(person(**BOSS))).rows[0]
    assert is_eligible(row, permanent=True, fixed_term_min_months=5, other=False, on=ON)
    assert not is_eligible(row, permanent=False, fixed_term_min_months=5, other=True, on=ON)
