"""Time as people in Sweden read it: the one definition of the service's time zone."""

from __future__ import annotations

from datetime import date, datetime
from zoneinfo import ZoneInfo

STOCKHOLM = ZoneInfo("Europe/Stockholm")


def local_today() -> date:
    """Today in Sweden: dates people type are Swedish dates."""
    return datetime.now(STOCKHOLM).date()


def local_start(naive: datetime) -> datetime:
    """A date and time typed in a form, as Swedish local time."""
    return naive.replace(tzinfo=STOCKHOLM)
