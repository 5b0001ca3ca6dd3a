"""Retention: purge signed plans whose retention period has ended, leaving no trace."""

from __future__ import annotations

import sqlite3
from collections import Counter
from dataclasses import dataclass
from datetime import datetime

from formserver.common.text import clean_line
from formserver.recordkeeping import Refused
from formserver.security.records import RecordSigner
from formserver.store import db
from formserver.store import maintenance as store

GALLRING_REQUIRED = (
    "Ingenting gallrades: offentliga organisationer får bara gallra med stöd av ett "
    "gallringsbeslut (arkivlagen, 1990:782). Ange beslutet med "
    '--gallringsbeslut "diarienummer eller beslutets namn".'
)


def retention_cutoff(now: datetime, retention_years: int) -> datetime:
    """The moment `retention_years` calendar years before `now` (29 February → 28 February)."""
    try:
        return now.replace(year=now.year - retention_years)
    except ValueError:
        return now.replace(year=now.year - retention_years, day=28)


@dataclass(frozen=True)
class PurgeOverview:
    """What a purge would do: due talks, and old talks kept because their plan is not signed."""

    cutoff: datetime
    due: list[store.HeldTalk]
    kept: list[store.HeldTalk]

    def per_round(self, talks: list[store.HeldTalk]) -> list[tuple[int, str, int]]:
        """(year, question set, number of talks) per round, oldest first."""
        counts = Counter((t.year, t.question_set_id) for t in talks)
        return [(year, qs, n) for (year, qs), n in sorted(counts.items())]


def purge_overview(conn: sqlite3.Connection, retention_years: int, now: datetime) -> PurgeOverview:
    """Which talks are due: plan signed by both and held more than the retention period ago."""
    cutoff = retention_cutoff(now, retention_years)
    held = store.held_before(conn, db.iso(cutoff))
    return PurgeOverview(
        cutoff, [t for t in held if t.signed_by_both], [t for t in held if not t.signed_by_both]
    )


@dataclass(frozen=True)
class PurgeResult:
    """What a purge removed, and whether the database files could be fully rewritten."""

    purged: list[store.PurgedTalk]
    compacted: bool


def purge(
    conn: sqlite3.Connection,
    *,
    retention_years: int,
    public_sector: bool,
    gallringsbeslut: str | None,
    now: datetime,
    plan_signer: RecordSigner,
) -> PurgeResult:
    """Delete due talks' content so that no trace is left in the files; audited per talk."""
    decision = clean_line(gallringsbeslut or "")[:200]
    if public_sector and not decision:
        raise Refused(GALLRING_REQUIRED)
    overview = purge_overview(conn, retention_years, now)
    detail = f"bevarandetid {retention_years} år" + (
        f"; gallringsbeslut: {decision}" if decision else ""
    )
    with store.secure_delete(conn):
        purged = store.purge_talks(
            conn,
            [t.talk_id for t in overview.due],
            cutoff=db.iso(overview.cutoff),
            detail=detail,
            signer=plan_signer,
        )
        # Deleted pages may linger in the WAL and in free space: rewrite both files.
        try:
            compacted = store.compact(conn)
        except sqlite3.OperationalError:
            compacted = False  # busy: the purge stands, the caller is told to run it again
    return PurgeResult(purged, compacted)
