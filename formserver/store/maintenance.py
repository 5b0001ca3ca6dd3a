"""SQL for record keeping: retention purge, draft deletion, a person's export, backup, restore."""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, replace
from importlib import resources
from pathlib import Path
from typing import Any

from formserver.security.records import RecordSigner
from formserver.store import audit, chains
from formserver.store.db import transaction

# Both parties signed the newest version of the talk's plan (roles are 'employee'/'manager').
_SIGNED_BY_BOTH = (
    "(SELECT count(DISTINCT s.role) FROM signatures s WHERE s.plan_version_id = ("
    "SELECT v.id FROM plan_versions v WHERE v.talk_id = t.id ORDER BY v.number DESC LIMIT 1"
    ")) = 2"
)
_HAS_CONTENT = (
    "(EXISTS (SELECT 1 FROM plan_versions v WHERE v.talk_id = t.id) "
    "OR EXISTS (SELECT 1 FROM preparations p WHERE p.talk_id = t.id) "
    "OR EXISTS (SELECT 1 FROM followups f WHERE f.talk_id = t.id))"
)
TABLES_OF_THE_SERVICE = ("people", "rounds", "talks", "preparations", "plan_versions", "audit_log")


@dataclass(frozen=True)
class HeldTalk:
    """A talk held before a cut-off that still has content, and whether both signed its plan."""

    talk_id: str
    year: int
    question_set_id: str
    held_at: str
    signed_by_both: bool


@dataclass(frozen=True)
class PurgedTalk:
    """What the purge removed from one talk (counts only, never content)."""

    talk_id: str
    held_at: str
    plan_versions: int
    signatures: int
    preparations: int
    followups: int
    addition_reasons: int = 0  # the reason typed when the person was added to the round by hand
    stored_pdfs: int = 0  # the stored PDFs of versions both signed


@contextmanager
def secure_delete(conn: sqlite3.Connection) -> Iterator[None]:
    """Overwrite deleted content with zeros while inside, then restore the previous setting."""
    previous = int(conn.execute("PRAGMA secure_delete").fetchone()[0])
    conn.execute("PRAGMA secure_delete = ON")
    try:
        yield
    finally:
        conn.execute(f"PRAGMA secure_delete = {previous}")


def held_before(conn: sqlite3.Connection, cutoff: str) -> list[HeldTalk]:
    """Talks held before `cutoff` (ISO UTC) that still hold content, by round."""
    rows = conn.execute(
        "SELECT t.id, t.held_at, r.year, r.question_set_id, "
        f"{_SIGNED_BY_BOTH} AS signed_by_both FROM talks t JOIN rounds r ON r.id = t.round_id "
        f"WHERE t.held_at IS NOT NULL AND t.held_at < ? AND {_HAS_CONTENT} "
        "ORDER BY r.year, r.question_set_id, t.held_at, t.id",
        (cutoff,),
    )
    return [
        HeldTalk(r["id"], r["year"], r["question_set_id"], r["held_at"], bool(r["signed_by_both"]))
        for r in rows
    ]


def purge_talks(
    conn: sqlite3.Connection,
    talk_ids: Sequence[str],
    *,
    cutoff: str,
    detail: str,
    signer: RecordSigner,
) -> list[PurgedTalk]:
    """Delete each due talk's plan, signatures, stored PDFs, follow-ups and preparations, audited,
    all or none.

    The talk row stays (status and dates feed statistics); only its free-text place is cleared.
    A person added to the round by hand stays added (who, by whom, when), but the free-text
    reason about them is cleared with the rest of the content. The talk's chain head becomes a
    tombstone under `signer` (the plan signer), so the purged talk verifies clean. Call inside
    `secure_delete` so that the freed pages are zeroed.
    """
    purged = []
    with transaction(conn):
        for talk_id in talk_ids:
            # Checked again under the write lock: a plan changed since the listing is not due.
            row = conn.execute(
                f"SELECT t.held_at, {_SIGNED_BY_BOTH} AS due FROM talks t WHERE t.id = ?",
                (talk_id,),
            ).fetchone()
            if row is None or row["held_at"] is None or row["held_at"] >= cutoff or not row["due"]:
                continue
            signatures = conn.execute(
                "DELETE FROM signatures WHERE plan_version_id IN "
                "(SELECT id FROM plan_versions WHERE talk_id = ?)",
                (talk_id,),
            ).rowcount
            # After the signatures (a stored copy is kept while its version is signed).
            pdfs = conn.execute(
                "DELETE FROM plan_pdfs WHERE plan_version_id IN "
                "(SELECT id FROM plan_versions WHERE talk_id = ?)",
                (talk_id,),
            ).rowcount
            versions = conn.execute(
                "DELETE FROM plan_versions WHERE talk_id = ?", (talk_id,)
            ).rowcount
            preparations = conn.execute(
                "DELETE FROM preparations WHERE talk_id = ?", (talk_id,)
            ).rowcount
            followups = conn.execute("DELETE FROM followups WHERE talk_id = ?", (talk_id,)).rowcount
            reasons = conn.execute(
                "UPDATE round_additions SET reason = '' WHERE talk_id = ? AND reason != ''",
                (talk_id,),
            ).rowcount
            conn.execute(
                "UPDATE talks SET place = NULL, version = version + 1 WHERE id = ?", (talk_id,)
            )
            chains.tombstone(conn, talk_id, signer)
            done = PurgedTalk(
                talk_id,
                row["held_at"],
                versions,
                signatures,
                preparations,
                followups,
                reasons,
                pdfs,
            )
            # In the same transaction as the deletion: there is never a purge without its entry.
            audit.append(
                conn,
                audit.Event(None, "record.purge", "talk", talk_id, f"{detail}; {_counts(done)}"),
            )
            purged.append(done)
    return purged


def _counts(done: PurgedTalk) -> str:
    return (
        f"genomfört {done.held_at[:10]}; raderat {done.plan_versions} planversioner, "
        f"{done.signatures} underskrifter, {done.preparations} förberedelser, "
        f"{done.followups} uppföljningar"
        + (f", {done.stored_pdfs} sparade PDF-filer" if done.stored_pdfs else "")
        + (", skälet till att personen lades till för hand" if done.addition_reasons else "")
    )


def compact(conn: sqlite3.Connection) -> bool:
    """Checkpoint and truncate the WAL, VACUUM, and again; False if a reader blocked it."""
    first = conn.execute("PRAGMA wal_checkpoint(TRUNCATE)").fetchone()
    conn.execute("VACUUM")
    # VACUUM writes the rebuilt pages through the WAL: move them into the file and empty it.
    second = conn.execute("PRAGMA wal_checkpoint(TRUNCATE)").fetchone()
    return int(first[0]) == 0 and int(second[0]) == 0


def delete_draft(
    conn: sqlite3.Connection, talk_id: str, role: str, event: audit.Event | None = None
) -> bool:
    """Delete the author's preparation if it was never submitted; False if there was none.

    A submitted preparation is shared with the other party and stays. The draft's text is
    zeroed in the database pages (secure_delete); the WAL keeps it until the next checkpoint.
    """
    with secure_delete(conn), transaction(conn):
        deleted = conn.execute(
            "DELETE FROM preparations WHERE talk_id = ? AND author_role = ? "
            "AND submitted_at IS NULL",
            (talk_id, role),
        ).rowcount
        if event is not None:
            audit.append(conn, replace(event, outcome="ok" if deleted else "nothing"))
    return deleted == 1


# --- a person's export ----------------------------------------------------------------------------


def person_record(conn: sqlite3.Connection, person_id: str) -> dict[str, Any]:
    """Every stored field of a person."""
    return dict(conn.execute("SELECT * FROM people WHERE id = ?", (person_id,)).fetchone())


def talks_of_person(conn: sqlite3.Connection, person_id: str) -> list[dict[str, Any]]:
    """Every talk where the person is the employee or the manager, with its round, oldest first."""
    rows = conn.execute(
        "SELECT t.*, r.year, r.question_set_id, r.question_set_version, r.plan_template_id, "
        "r.plan_template_version, r.opened_at AS round_opened_at, "
        "e.name AS employee_name, m.name AS manager_name "
        "FROM talks t JOIN rounds r ON r.id = t.round_id "
        "JOIN people e ON e.id = t.employee_id JOIN people m ON m.id = t.manager_id "
        "WHERE t.employee_id = ? OR t.manager_id = ? ORDER BY r.year, r.opened_at, t.id",
        (person_id, person_id),
    )
    return [dict(r) for r in rows]


def record_ids(conn: sqlite3.Connection, talk_ids: Sequence[str]) -> list[str]:
    """Ids of every preparation, plan version, signature and follow-up of these talks."""
    rows = conn.execute(
        "WITH wanted(id) AS (SELECT value FROM json_each(?)) "
        "SELECT id FROM preparations WHERE talk_id IN wanted "
        "UNION ALL SELECT id FROM plan_versions WHERE talk_id IN wanted "
        "UNION ALL SELECT s.id FROM signatures s JOIN plan_versions v ON v.id = s.plan_version_id "
        "WHERE v.talk_id IN wanted "
        "UNION ALL SELECT id FROM followups WHERE talk_id IN wanted",
        (json.dumps(list(talk_ids)),),
    )
    return [r[0] for r in rows]


def sign_in_links_of(conn: sqlite3.Connection, person_id: str) -> list[dict[str, Any]]:
    """The person's sign-in links, without the nonce hashes."""
    rows = conn.execute(
        "SELECT target, created_at, expires_at, used_at, revoked_at FROM sign_in_links "
        "WHERE person_id = ? ORDER BY created_at",
        (person_id,),
    )
    return [dict(r) for r in rows]


def sessions_of(conn: sqlite3.Connection, person_id: str) -> list[dict[str, Any]]:
    """The person's sessions, without the id hashes."""
    rows = conn.execute(
        "SELECT created_at, last_seen_at, ended_at FROM sessions WHERE person_id = ? "
        "ORDER BY created_at",
        (person_id,),
    )
    return [dict(r) for r in rows]


def round_additions_of(conn: sqlite3.Connection, person_id: str) -> list[dict[str, Any]]:
    """Additions to a round by hand where the person was added or added someone, oldest first."""
    rows = conn.execute(
        "SELECT r.year, a.round_id, a.talk_id, a.employee_id, e.name AS employee_name, a.reason, "
        "a.added_by, b.name AS added_by_name, a.added_at "
        "FROM round_additions a JOIN rounds r ON r.id = a.round_id "
        "JOIN people e ON e.id = a.employee_id JOIN people b ON b.id = a.added_by "
        "WHERE a.employee_id = ? OR a.added_by = ? ORDER BY a.added_at, a.employee_id",
        (person_id, person_id),
    )
    return [dict(r) for r in rows]


def reminders_to(conn: sqlite3.Connection, person_id: str) -> list[dict[str, Any]]:
    """The reminders sent to the person: kind and when (not the claims of unsent ones)."""
    rows = conn.execute(
        "SELECT kind, sent_at FROM reminders WHERE recipient_id = ? AND sent_at IS NOT NULL "
        "ORDER BY sent_at, kind",
        (person_id,),
    )
    return [dict(r) for r in rows]


def names_of(conn: sqlite3.Connection, person_ids: Sequence[str]) -> dict[str, str]:
    """People's names by id."""
    rows = conn.execute(
        "SELECT id, name FROM people WHERE id IN (SELECT value FROM json_each(?))",
        (json.dumps(list(person_ids)),),
    )
    return {r["id"]: r["name"] for r in rows}


# --- verification codes ---------------------------------------------------------------------------


@dataclass(frozen=True)
class VersionFacts:
    """Where a plan version belongs, without its content."""

    version_id: str
    talk_id: str
    number: int
    content_hash: str
    year: int
    newest_number: int


def version_facts(conn: sqlite3.Connection, version_id: str) -> VersionFacts | None:
    """A plan version's talk, number, hash and round year, and the talk's newest number."""
    row = conn.execute(
        "SELECT v.id, v.talk_id, v.number, v.content_hash, r.year, "
        "(SELECT max(n.number) FROM plan_versions n WHERE n.talk_id = v.talk_id) AS newest "
        "FROM plan_versions v JOIN talks t ON t.id = v.talk_id "
        "JOIN rounds r ON r.id = t.round_id WHERE v.id = ?",
        (version_id,),
    ).fetchone()
    if row is None:
        return None
    return VersionFacts(
        row["id"], row["talk_id"], row["number"], row["content_hash"], row["year"], row["newest"]
    )


def all_talk_ids(conn: sqlite3.Connection) -> list[str]:
    """Every talk's id, in a stable order (for `formserver verify`)."""
    return [r[0] for r in conn.execute("SELECT id FROM talks ORDER BY rowid")]


# --- backup and restore ---------------------------------------------------------------------------


def open_read_only(path: Path) -> sqlite3.Connection:
    """Open a database file without any way to change it."""
    conn = sqlite3.connect(f"{path.resolve().as_uri()}?mode=ro", uri=True, isolation_level=None)
    conn.row_factory = sqlite3.Row
    return conn


def vacuum_into(conn: sqlite3.Connection, path: Path) -> None:
    """Write a compact, consistent copy of the database to `path` (must be new or empty)."""
    conn.execute("VACUUM INTO ?", (str(path),))


def problems(conn: sqlite3.Connection) -> list[str]:
    """What integrity_check and foreign_key_check find; empty when the database is sound."""
    found = [r[0] for r in conn.execute("PRAGMA integrity_check") if r[0] != "ok"]
    found += [
        f"{r[0]} rad {r[1]} pekar på {r[2]} som saknas"
        for r in conn.execute("PRAGMA foreign_key_check")
    ]
    return found


def table_counts(conn: sqlite3.Connection) -> dict[str, int]:
    """Rows per table (SQLite's own tables left out)."""
    names = [
        r[0]
        for r in conn.execute(
            "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' "
            "ORDER BY name"
        )
    ]
    return {
        name: int(conn.execute(f'SELECT count(*) FROM "{name}"').fetchone()[0]) for name in names
    }


def schema_version(conn: sqlite3.Connection) -> int:
    """The migration number the database is at."""
    return int(conn.execute("PRAGMA user_version").fetchone()[0])


def newest_schema_version() -> int:
    """The newest migration this code knows."""
    return max(
        int(item.name.split("_", 1)[0])
        for item in resources.files("formserver.store.migrations").iterdir()
        if item.name.endswith(".sql")
    )


def copy_database(source: sqlite3.Connection, destination: sqlite3.Connection) -> None:
    """Replace the destination's content with the source's in one step (SQLite backup API)."""
    source.backup(destination)
