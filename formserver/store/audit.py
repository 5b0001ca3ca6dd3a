"""The append-only audit log (database triggers refuse updates and deletes).

One way in for each kind of entry: a write passes its `Event` to the store function that
makes the change, which appends it in the same transaction (`append`); a read, a refusal
or a denial, which changes nothing else, is written on its own (`record`). No other module
has SQL on the audit table.
"""

from __future__ import annotations

import hashlib
import json
import sqlite3
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from flask import has_app_context

from formserver.security.keys import signers
from formserver.security.records import RecordSigner, RecordTampered, canonical
from formserver.store.db import iso, transaction, utc_now


@dataclass(frozen=True)
class Event:
    """One audit entry. Never form text or tokens in `detail`."""

    actor_id: str | None
    action: str
    object_type: str = ""
    object_id: str = ""
    detail: str = ""
    outcome: str = "ok"
    client: str | None = None  # the client's address, for entries made during a request


GENESIS = ""  # the prev_hash of the first chained entry (entries before migration 0010 have none)
_FIELDS = (
    "id",
    "at",
    "actor_id",
    "action",
    "object_type",
    "object_id",
    "outcome",
    "detail",
    "client",
)


def entry_hash(row: Mapping[str, Any], prev_hash: str) -> str:
    """SHA-256 over an entry's fields, its id included, and the hash of the entry before it."""
    fields = {k: row[k] for k in _FIELDS}
    return hashlib.sha256(canonical({**fields, "prev_hash": prev_hash})).hexdigest()


def mac_content(hash_: str) -> dict[str, str]:
    """What an entry's MAC covers: its hash (which covers everything before it)."""
    return {"entry_hash": hash_}


# The audit signer of each database a service in this process was started on, for entries
# written outside a request or command (scripts, threads of tests); see `use_signer`.
_SIGNERS: dict[str, RecordSigner] = {}


def use_signer(database: str, signer: RecordSigner) -> None:
    """Make `signer` the MAC signer for entries written to `database` without an app context."""
    _SIGNERS[str(database)] = signer


def _signer(conn: sqlite3.Connection) -> RecordSigner | None:
    # Every entry the service and its commands write is made in an app context, with its keys.
    # Elsewhere the service started on the file lends its signer; without one the entry is
    # chained but has no MAC, and `formserver verify` reports it.
    if has_app_context():
        return signers().audit
    path = conn.execute("PRAGMA database_list").fetchone()[2]
    return _SIGNERS.get(path)


def append(conn: sqlite3.Connection, event: Event) -> None:
    """Write `event` in the caller's open transaction, beside the change it records.

    The caller's BEGIN IMMEDIATE holds the write lock, so the newest entry read here stays the
    newest until the new one is in: the chain never forks.
    """
    last = conn.execute("SELECT id, entry_hash FROM audit_log ORDER BY id DESC LIMIT 1").fetchone()
    # AUTOINCREMENT's counter: an id is never used twice, even after the newest rows are deleted.
    seq = conn.execute("SELECT seq FROM sqlite_sequence WHERE name = 'audit_log'").fetchone()
    entry = {
        "id": max(seq[0] if seq else 0, last["id"] if last else 0) + 1,
        "at": iso(utc_now()),
        "actor_id": event.actor_id,
        "action": event.action,
        "object_type": event.object_type,
        "object_id": event.object_id,
        "outcome": event.outcome,
        "detail": event.detail,
        "client": event.client,
    }
    prev = (last["entry_hash"] or GENESIS) if last else GENESIS
    hash_ = entry_hash(entry, prev)
    signer = _signer(conn)
    conn.execute(
        "INSERT INTO audit_log (id, at, actor_id, action, object_type, object_id, outcome, "
        "detail, client, prev_hash, entry_hash, entry_mac) "
        "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        (
            *entry.values(),
            prev,
            hash_,
            signer.mac(mac_content(hash_)) if signer else None,
        ),
    )


def record(conn: sqlite3.Connection, event: Event) -> None:
    """Write a read, refusal or denial in a transaction of its own."""
    with transaction(conn):
        append(conn, event)


def entries_about(
    conn: sqlite3.Connection, person_id: str, object_ids: Sequence[str]
) -> list[dict[str, Any]]:
    """Entries made by the person or about any of `object_ids`, oldest first."""
    # The entry's fields only: its hash and MAC are the log's own integrity data, not about her.
    rows = conn.execute(
        f"SELECT {', '.join(_FIELDS)} FROM audit_log WHERE actor_id = ? "
        "OR object_id IN (SELECT value FROM json_each(?)) ORDER BY id",
        (person_id, json.dumps(list(object_ids))),
    )
    return [dict(r) for r in rows]


def rekey(conn: sqlite3.Connection, signer: RecordSigner) -> int:
    """Verify every entry's MAC with any current key and re-make it with the newest (in the
    caller's transaction); hashes never change, and an entry without a MAC is left without."""
    rows = conn.execute(
        "SELECT id, entry_hash, entry_mac FROM audit_log WHERE entry_mac IS NOT NULL"
    ).fetchall()
    for row in rows:
        signer.verify(mac_content(row["entry_hash"]), row["entry_mac"], f"audit {row['id']}")
        conn.execute(
            "UPDATE audit_log SET entry_mac = ? WHERE id = ?",
            (signer.mac(mac_content(row["entry_hash"])), row["id"]),
        )
    return len(rows)


def ok_counts(conn: sqlite3.Connection, action: str) -> dict[str, int]:
    """How many entries of `action` about talks succeeded, by talk id (for cross-checks)."""
    rows = conn.execute(
        "SELECT object_id, count(*) FROM audit_log WHERE action = ? AND outcome = 'ok' "
        "AND object_type = 'talk' GROUP BY object_id",
        (action,),
    )
    return {r[0]: int(r[1]) for r in rows}


@dataclass
class ChainCheck:
    """What walking the audit chain found: (first id, last id, what) per problem, the entries
    from before the chain, and the newest entry (id, hash) to anchor outside the database."""

    entries: int = 0
    before_chain: int = 0
    problems: list[tuple[int, int, str]] = field(default_factory=list)
    head: tuple[int, str] | None = None

    def add(self, first: int, last: int, what: str) -> None:
        """Note a problem, merged with the one before when they are the same and adjacent."""
        if self.problems and self.problems[-1][2] == what and self.problems[-1][1] + 1 == first:
            self.problems[-1] = (self.problems[-1][0], last, what)
        else:
            self.problems.append((first, last, what))


def verify_chain(
    conn: sqlite3.Connection, signer: RecordSigner, progress: Callable[[int], None] | None = None
) -> ChainCheck:
    """Walk the whole log, oldest first: every entry's hash, MAC and link to the one before.

    A deleted entry shows as a broken link (and missing ids), an edited one as a wrong hash or,
    if the hash was recomputed, a wrong MAC. Deleting the newest entries leaves a shorter chain
    that holds: only an anchor kept outside the database (`head`) shows that.
    """
    check = ChainCheck()
    prev: sqlite3.Row | None = None
    for row in conn.execute("SELECT * FROM audit_log ORDER BY id"):
        check.entries += 1
        if progress and check.entries % 10000 == 0:
            progress(check.entries)
        number = row["id"]
        gap = prev is not None and number != prev["id"] + 1
        if gap:
            assert prev is not None
            check.add(prev["id"] + 1, number - 1, "händelserna saknas (borttagna)")
        if row["entry_hash"] is None:
            if prev is not None and prev["entry_hash"] is not None:
                check.add(number, number, "händelsen saknar kontrollsumma (ändrad)")
            else:
                check.before_chain += 1
            prev = row
            continue
        expected = prev["entry_hash"] if prev is not None and prev["entry_hash"] else GENESIS
        if row["prev_hash"] != expected and not gap:
            check.add(number, number, "länken till händelsen före stämmer inte (ändrad)")
        if entry_hash(row, row["prev_hash"]) != row["entry_hash"]:
            check.add(number, number, "händelsen är ändrad")
        elif row["entry_mac"] is None:
            check.add(number, number, "händelsen saknar MAC (skriven utanför tjänsten)")
        else:
            try:
                signer.verify(mac_content(row["entry_hash"]), row["entry_mac"], str(number))
            except RecordTampered:
                check.add(number, number, "händelsen är ändrad (kontrollsumman omräknad)")
        prev = row
    if prev is not None:
        check.head = (int(prev["id"]), str(prev["entry_hash"] or ""))
    return check


def hash_of(conn: sqlite3.Connection, entry_id: int) -> str | None:
    """The stored hash of one entry ("" for one from before the chain), None if it is gone."""
    row = conn.execute("SELECT entry_hash FROM audit_log WHERE id = ?", (entry_id,)).fetchone()
    return None if row is None else (row[0] or "")


def head(conn: sqlite3.Connection) -> tuple[int, str] | None:
    """The newest entry's id and hash (to keep outside the database), None for an empty log."""
    row = conn.execute("SELECT id, entry_hash FROM audit_log ORDER BY id DESC LIMIT 1").fetchone()
    return None if row is None else (int(row[0]), str(row[1] or ""))
