"""Time as people in Sweden read it: the one definition of the service's time zone."""

from __future__ import annotations

from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo

STOCKHOLM = ZoneInfo("Europe/Stockholm")


def local_today() -> date:
    """Today in Sweden: dates people type are Swedish dates."""
    return datetime.now(STOCKHOLM).date()


def local_start(naive: datetime) -> datetime:
    """A date and time typed in a form, as Swedish local time."""
    return naive.replace(tzinfo=STOCKHOLM)


def _moment(value: str | datetime) -> datetime:
    moment = datetime.fromisoformat(value) if isinstance(value, str) else value
    # Stored timestamps are UTC; one without an offset is read as such.
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def local_time(value: str | datetime | None) -> str:
    """A stored moment as people in Sweden read it: 2026-12-08 kl. 10.00 (Swedish time)."""
    if not value:
        return "–"
    return _moment(value).astimezone(STOCKHOLM).strftime("%Y-%m-%d kl. %H.%M")


def local_date(value: str | datetime | None) -> str:
    """The Swedish date of a stored moment: 2026-12-08."""
    if not value:
        return "–"
    return _moment(value).astimezone(STOCKHOLM).strftime("%Y-%m-%d")
