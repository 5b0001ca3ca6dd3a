"""Stored moments (UTC) read as Swedish time: winter, summer, and the day they fall on."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from formserver.common.clock import local_date, local_time


@pytest.mark.parametrize(
    ("stored", "shown", "day"),
    [
        ("2026-12-01T21:30:00+00:00", "2026-12-01 kl. 22.30", "2026-12-01"),
        # Summer time (UTC+2): half past ten at night in UTC is already the next day.
        ("2026-06-30T22:30:00+00:00", "2026-07-01 kl. 00.30", "2026-07-01"),
        ("2026-03-29T01:00:00", "2026-03-29 kl. 03.00", "2026-03-29"),  # no offset: UTC
        ("2026-12-08T10:00:00+01:00", "2026-12-08 kl. 10.00", "2026-12-08"),
        (datetime(2026, 1, 31, 23, 5, tzinfo=UTC), "2026-02-01 kl. 00.05", "2026-02-01"),
    ],
)
def test_a_stored_moment_reads_as_swedish_time(stored: str, shown: str, day: str) -> None:
    assert local_time(stored) == shown
    assert local_date(stored) == day


@pytest.mark.parametrize("missing", [None, ""])
def test_nothing_stored_reads_as_a_dash(missing: str | None) -> None:
    assert local_time(missing) == "–"
    assert local_date(missing) == "–"
