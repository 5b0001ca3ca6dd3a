"""Time as people in Sweden read it: the one definition of the service's time zone."""

from __future__ import annotations

from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo

from babel.dates import format_date, format_datetime

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


# Swedish keeps the form people in Sweden write (2026-12-08 kl. 10.00); other languages get
# their own order and words from Babel's locale data, still in Swedish time.
_TIME_PATTERNS = {"sv": "yyyy-MM-dd 'kl.' HH.mm", "en": "d MMMM y 'at' HH:mm"}
_DATE_PATTERNS = {"sv": "yyyy-MM-dd", "en": "d MMMM y"}


def local_time(value: str | datetime | None, language: str = "sv") -> str:
    """A stored moment in Swedish time: 2026-12-08 kl. 10.00, 8 December 2026 at 10:00."""
    if not value:
        return "–"
    moment = _moment(value).astimezone(STOCKHOLM)
    pattern = _TIME_PATTERNS.get(language, _TIME_PATTERNS["en"])
    return format_datetime(moment, pattern, tzinfo=STOCKHOLM, locale=language)


def local_date(value: str | datetime | date | None, language: str = "sv") -> str:
    """The Swedish date of a stored moment (or a date): 2026-12-08, 8 December 2026."""
    if not value:
        return "–"
    day = value if isinstance(value, date) and not isinstance(value, datetime) else None
    if day is None:
        day = _moment(value).astimezone(STOCKHOLM).date()  # type: ignore[arg-type]
    pattern = _DATE_PATTERNS.get(language, _DATE_PATTERNS["en"])
    return format_date(day, pattern, locale=language)
