"""`formserver verify`: every talk's chain and record MACs, and the audit log's chain.

What it cannot see is said in README.md ("Checking the whole database"): the newest audit
entries deleted (unless an anchor from an earlier run is given), and a whole database, or a
whole talk with its head, put back from an older copy of the same database.
"""

from __future__ import annotations

import os
import sqlite3
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from formserver.security.keys import Signers
from formserver.security.records import ChainBroken, RecordTampered
from formserver.store import audit, chains, plans, preparations
from formserver.store import maintenance as store

KINDS = {
    "plan": "planversion eller underskrift",
    "preparation": "förberedelse",
    "followup": "uppföljning",
    "audit": "händelse i granskningsloggen",
}


@dataclass
class Report:
    """What the check found: problems per talk, the audit chain's, and counts."""

    talks: int = 0
    records: int = 0
    talk_problems: list[tuple[str, str]] = field(default_factory=list)  # (talk id, what)
    audit: audit.ChainCheck = field(default_factory=audit.ChainCheck)
    anchor_problem: str = ""

    @property
    def intact(self) -> bool:
        """Whether nothing at all was found."""
        return not (self.talk_problems or self.audit.problems or self.anchor_problem)

    @property
    def problem_count(self) -> int:
        """Talks with a problem, audit problems and a failed anchor, counted together."""
        return len(self.talk_problems) + len(self.audit.problems) + bool(self.anchor_problem)


def _what(error: RecordTampered) -> str:
    if isinstance(error, ChainBroken):
        return f"kedjan är bruten: {error.reason}"
    return (
        f"en {KINDS.get(error.kind, error.kind)} ({error.record_id}) stämmer inte med sin MAC: "
        "ändrad utanför tjänsten, eller sparad med en nyckel som inte längre finns"
    )


def check_talk(
    conn: sqlite3.Connection,
    talk_id: str,
    signers: Signers,
    signed: dict[str, int],
    saved: dict[str, int],
) -> tuple[int, str]:
    """(records checked, what is wrong or "") for one talk: its chain, every MAC, and whether
    the audit log shows more signatures or saves than the chain holds (both deleted at once)."""
    try:
        chain = chains.load(conn, talk_id, signers.plan)
        found = plans.versions_of(chain, signers.plan)
        count = len(found) + sum(len(v.signatures) for v in found)
        for role in ("employee", "manager"):
            count += (
                preparations.get_preparation(conn, talk_id, role, signers.preparation) is not None
            )
        count += len(plans.followups(conn, talk_id, signers.followup))
    except RecordTampered as error:
        return 0, _what(error)
    if chain.head.startswith(chains.PURGED):
        return count, ""  # purged: the audit log keeps what was, the records are gone
    in_chain = sum(len(v.signatures) for v in found)
    if signed.get(talk_id, 0) > in_chain:
        return count, (
            f"granskningsloggen visar {signed[talk_id]} underskrifter, planen har {in_chain}: "
            "underskrifter och kedjans huvud är borttagna eller utbytta"
        )
    if not found and saved.get(talk_id):
        return count, (
            "granskningsloggen visar att planen har sparats, men den saknas: planen och "
            "kedjans huvud är borttagna"
        )
    return count, ""


def check_all(
    conn: sqlite3.Connection,
    signers: Signers,
    *,
    anchor: Path | None = None,
    progress: Callable[[str], None] = lambda _: None,
) -> Report:
    """Check every talk and the audit log (read only; the caller audits the run)."""
    report = Report()
    talk_ids = store.all_talk_ids(conn)
    signed = audit.ok_counts(conn, "plan.sign")
    saved = audit.ok_counts(conn, "plan.save")
    for n, talk_id in enumerate(talk_ids, 1):
        if n == 1 or n % 500 == 0 or n == len(talk_ids):
            progress(f"Kontrollerar samtal {n} av {len(talk_ids)}")
        count, problem = check_talk(conn, talk_id, signers, signed, saved)
        report.talks += 1
        report.records += count
        if problem:
            report.talk_problems.append((talk_id, problem))
    progress("Kontrollerar granskningsloggen")
    report.audit = audit.verify_chain(
        conn, signers.audit, lambda n: progress(f"Kontrollerar granskningsloggen: {n} händelser")
    )
    if anchor is not None and anchor.exists():
        report.anchor_problem = check_anchor(conn, anchor)
    return report


def check_anchor(conn: sqlite3.Connection, anchor: Path) -> str:
    """ "" if the entry an earlier run anchored is still there, unchanged; otherwise what is not."""
    try:
        text = anchor.read_text("ascii").split()
        entry_id, expected = int(text[0]), text[1]
    except (OSError, ValueError, IndexError):
        return f"ankaret {anchor} kunde inte läsas"
    stored = audit.hash_of(conn, entry_id)
    if stored is None:
        return (
            f"händelse {entry_id}, som förra kontrollen sparade i {anchor}, finns inte längre: "
            "granskningsloggen har kortats"
        )
    if stored != expected:
        return f"händelse {entry_id} har en annan kontrollsumma än i {anchor}: loggen är omskriven"
    return ""


def write_anchor(anchor: Path, head: tuple[int, str]) -> None:
    """Replace the anchor file with the newest entry's id and hash (owner-only, atomic)."""
    temporary = anchor.with_name(anchor.name + ".ny")
    fd = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w", encoding="ascii") as out:
        out.write(f"{head[0]} {head[1]}\n")
        out.flush()
        os.fsync(out.fileno())
    os.replace(temporary, anchor)
