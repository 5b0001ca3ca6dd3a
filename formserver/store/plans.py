"""Plan versions (notes + plan rows), signatures and follow-ups. Every record is MAC-checked."""

from __future__ import annotations

import hashlib
import json
import sqlite3
from dataclasses import dataclass, field
from typing import Any

from formserver.security.records import RecordSigner, RecordTampered, canonical
from formserver.store import audit
from formserver.store.db import Conflict, iso, new_id, transaction, utc_now

Content = dict[str, Any]


class NotHeld(Exception):
    """The talk is not marked held yet: nothing can be signed."""


@dataclass(frozen=True)
class Signature:
    """Who signed which version, when, and what they saw (its hash)."""

    role: str
    person_id: str
    signed_at: str
    content_hash: str
    comment: str


@dataclass(frozen=True)
class PlanVersion:
    """One version of the record of a talk."""

    id: str
    talk_id: str
    number: int
    content: Content
    content_hash: str
    created_at: str
    updated_at: str
    edits: int
    signatures: dict[str, Signature] = field(default_factory=dict)

    @property
    def sealed(self) -> bool:
        """Whether anyone has signed this version (then it never changes)."""
        return bool(self.signatures)

    @property
    def signed_by_both(self) -> bool:
        """Whether employee and manager have both signed this version."""
        return {"employee", "manager"} <= set(self.signatures)


def content_hash(content: Content) -> str:
    """The hash people sign: SHA-256 over the canonical content."""
    return hashlib.sha256(canonical(content)).hexdigest()


def _version_mac_content(talk_id: str, number: int, content: Content) -> dict[str, Any]:
    return {"talk_id": talk_id, "number": number, "content": content}


def _signature_mac_content(version_id: str, s: Signature) -> dict[str, Any]:
    return {
        "version_id": version_id,
        "role": s.role,
        "person_id": s.person_id,
        "signed_at": s.signed_at,
        "content_hash": s.content_hash,
        "comment": s.comment,
    }


def _load(
    conn: sqlite3.Connection, rows: list[sqlite3.Row], signer: RecordSigner
) -> list[PlanVersion]:
    versions = []
    for row in rows:
        content = json.loads(row["content"])
        signer.verify(
            _version_mac_content(row["talk_id"], row["number"], content), row["mac"], row["id"]
        )
        if content_hash(content) != row["content_hash"]:
            raise_tampered(signer, row["id"])
        signatures = {}
        for s in conn.execute("SELECT * FROM signatures WHERE plan_version_id = ?", (row["id"],)):
            signature = Signature(
                s["role"], s["person_id"], s["signed_at"], s["content_hash"], s["comment"]
            )
            signer.verify(_signature_mac_content(row["id"], signature), s["mac"], s["id"])
            signatures[signature.role] = signature
        versions.append(
            PlanVersion(
                row["id"],
                row["talk_id"],
                row["number"],
                content,
                row["content_hash"],
                row["created_at"],
                row["updated_at"],
                row["edits"],
                signatures,
            )
        )
    return versions


def raise_tampered(signer: RecordSigner, record_id: str) -> None:
    """Refuse a record whose stored hash does not match its content."""
    raise RecordTampered(signer.kind, record_id)


def versions(conn: sqlite3.Connection, talk_id: str, signer: RecordSigner) -> list[PlanVersion]:
    """Every version of a talk's plan, oldest first, each verified."""
    rows = conn.execute(
        "SELECT * FROM plan_versions WHERE talk_id = ? ORDER BY number", (talk_id,)
    ).fetchall()
    return _load(conn, rows, signer)


def latest(conn: sqlite3.Connection, talk_id: str, signer: RecordSigner) -> PlanVersion | None:
    """The newest version of a talk's plan, verified."""
    rows = conn.execute(
        "SELECT * FROM plan_versions WHERE talk_id = ? ORDER BY number DESC LIMIT 1", (talk_id,)
    ).fetchall()
    found = _load(conn, rows, signer)
    return found[0] if found else None


def latest_signed_by_both(
    conn: sqlite3.Connection, talk_id: str, signer: RecordSigner
) -> tuple[PlanVersion, bool] | None:
    """The newest version both signed, verified, and whether a newer version exists."""
    row = conn.execute(
        "SELECT v.*, v.number < (SELECT max(number) FROM plan_versions WHERE talk_id = ?) "
        "AS newer FROM plan_versions v WHERE v.talk_id = ? "
        "AND (SELECT count(*) FROM signatures s WHERE s.plan_version_id = v.id) = 2 "
        "ORDER BY v.number DESC LIMIT 1",
        (talk_id, talk_id),
    ).fetchone()
    if row is None:
        return None
    return _load(conn, [row], signer)[0], bool(row["newer"])


def save(
    conn: sqlite3.Connection,
    talk_id: str,
    content: Content,
    *,
    expected: tuple[int, int],
    author_id: str,
    signer: RecordSigner,
    event: audit.Event | None = None,
) -> tuple[int, int]:
    """Save the plan if nobody saved in between; a sealed version gets a successor.

    `expected` is (version number, edits) as the editor saw them; returns the new pair.
    `event` goes to the audit log in the same transaction.
    """
    now = iso(utc_now())
    digest = content_hash(content)
    with transaction(conn):
        row = conn.execute(
            "SELECT id, number, edits, content_hash, "
            "EXISTS (SELECT 1 FROM signatures WHERE plan_version_id = plan_versions.id) AS sealed "
            "FROM plan_versions WHERE talk_id = ? ORDER BY number DESC LIMIT 1",
            (talk_id,),
        ).fetchone()
        current = (row["number"], row["edits"]) if row else (0, 0)
        if current != expected:
            raise Conflict(talk_id)
        if event is not None:
            audit.append(conn, event)
        if row and row["content_hash"] == digest:
            return current
        if row is None or row["sealed"]:
            number = current[0] + 1
            conn.execute("UPDATE talks SET signed_at = NULL WHERE id = ?", (talk_id,))
            mac = signer.mac(_version_mac_content(talk_id, number, content))
            conn.execute(
                "INSERT INTO plan_versions (id, talk_id, number, content, content_hash, mac, "
                "created_at, updated_at, updated_by) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
                (
                    new_id(),
                    talk_id,
                    number,
                    json.dumps(content, ensure_ascii=False),
                    digest,
                    mac,
                    now,
                    now,
                    author_id,
                ),
            )
            return number, 1
        mac = signer.mac(_version_mac_content(talk_id, row["number"], content))
        conn.execute(
            "UPDATE plan_versions SET content = ?, content_hash = ?, mac = ?, updated_at = ?, "
            "updated_by = ?, edits = edits + 1 WHERE id = ?",
            (json.dumps(content, ensure_ascii=False), digest, mac, now, author_id, row["id"]),
        )
        return row["number"], row["edits"] + 1


def mark_held(conn: sqlite3.Connection, talk_id: str, event: audit.Event | None = None) -> bool:
    """Mark the talk held (genomförd); False if it already was."""
    with transaction(conn):
        if event is not None:
            audit.append(conn, event)
        return (
            conn.execute(
                "UPDATE talks SET status = 'genomford', held_at = ?, version = version + 1 "
                "WHERE id = ? AND status != 'genomford'",
                (iso(utc_now()), talk_id),
            ).rowcount
            == 1
        )


def sign(
    conn: sqlite3.Connection,
    talk_id: str,
    *,
    role: str,
    person_id: str,
    number: int,
    seen_hash: str,
    comment: str,
    signer: RecordSigner,
    event: audit.Event | None = None,
) -> Signature:
    """Sign exactly the version the signer saw; Conflict if the plan changed since."""
    with transaction(conn):
        if event is not None:
            audit.append(conn, event)
        status = conn.execute("SELECT status FROM talks WHERE id = ?", (talk_id,)).fetchone()
        if status is None or status["status"] != "genomford":
            raise NotHeld(talk_id)
        row = conn.execute(
            "SELECT id, number, content_hash FROM plan_versions WHERE talk_id = ? "
            "ORDER BY number DESC LIMIT 1",
            (talk_id,),
        ).fetchone()
        if row is None or row["number"] != number or row["content_hash"] != seen_hash:
            raise Conflict(talk_id)
        existing = conn.execute(
            "SELECT 1 FROM signatures WHERE plan_version_id = ? AND role = ?", (row["id"], role)
        ).fetchone()
        signature = Signature(role, person_id, iso(utc_now()), seen_hash, comment)
        if existing:
            raise Conflict(talk_id)
        conn.execute(
            "INSERT INTO signatures (id, plan_version_id, role, person_id, signed_at, "
            "content_hash, comment, mac) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
            (
                new_id(),
                row["id"],
                role,
                person_id,
                signature.signed_at,
                seen_hash,
                comment,
                signer.mac(_signature_mac_content(row["id"], signature)),
            ),
        )
        both = conn.execute(
            "SELECT count(*) FROM signatures WHERE plan_version_id = ?", (row["id"],)
        ).fetchone()[0]
        if both == 2:
            conn.execute(
                "UPDATE talks SET signed_at = ? WHERE id = ?", (signature.signed_at, talk_id)
            )
    return signature


FOLLOWUP_STATUSES = {
    "ej_paborjad": "Inte påbörjad",
    "pagar": "Pågår",
    "klar": "Klar",
    "utgar": "Utgår",
}


@dataclass(frozen=True)
class Followup:
    """How a plan row went: "Hur blev resultatet?" and a status."""

    row_id: str
    status: str
    result: str
    updated_at: str
    version: int


def _followup_mac_content(talk_id: str, f: Followup) -> dict[str, Any]:
    return {
        "talk_id": talk_id,
        "row_id": f.row_id,
        "status": f.status,
        "result": f.result,
        "version": f.version,
    }


def followups(conn: sqlite3.Connection, talk_id: str, signer: RecordSigner) -> dict[str, Followup]:
    """Every row's follow-up for a talk, verified, by row id."""
    found = {}
    for r in conn.execute("SELECT * FROM followups WHERE talk_id = ?", (talk_id,)):
        followup = Followup(r["row_id"], r["status"], r["result"], r["updated_at"], r["version"])
        signer.verify(_followup_mac_content(talk_id, followup), r["mac"], r["id"])
        found[followup.row_id] = followup
    return found


def save_followups(
    conn: sqlite3.Connection,
    talk_id: str,
    entries: list[tuple[str, str, str, int]],
    *,
    author_id: str,
    signer: RecordSigner,
    event: audit.Event | None = None,
) -> None:
    """Save (row id, status, result, expected version) for several rows: all or none."""
    now = iso(utc_now())
    with transaction(conn):
        if event is not None:
            audit.append(conn, event)
        for row_id, status, result, expected in entries:
            current = conn.execute(
                "SELECT id, version, status, result FROM followups "
                "WHERE talk_id = ? AND row_id = ?",
                (talk_id, row_id),
            ).fetchone()
            if (current["version"] if current else 0) != expected:
                raise Conflict(talk_id)
            if current and (current["status"], current["result"]) == (status, result):
                continue
            followup = Followup(row_id, status, result, now, expected + 1)
            mac = signer.mac(_followup_mac_content(talk_id, followup))
            if current is None:
                conn.execute(
                    "INSERT INTO followups (id, talk_id, row_id, status, result, updated_at, "
                    "updated_by, version, mac) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
                    (new_id(), talk_id, row_id, status, result, now, author_id, 1, mac),
                )
            else:
                conn.execute(
                    "UPDATE followups SET status = ?, result = ?, updated_at = ?, "
                    "updated_by = ?, version = ?, mac = ? WHERE id = ?",
                    (status, result, now, author_id, expected + 1, mac, current["id"]),
                )


def previous_signed_talk(conn: sqlite3.Connection, employee_id: str, year: int) -> str | None:
    """The employee's most recent earlier talk whose plan both signed, if any."""
    row = conn.execute(
        "SELECT t.id FROM talks t JOIN rounds r ON r.id = t.round_id WHERE t.employee_id = ? "
        "AND r.year < ? AND EXISTS (SELECT 1 FROM plan_versions v WHERE v.talk_id = t.id "
        "AND (SELECT count(*) FROM signatures s WHERE s.plan_version_id = v.id) = 2) "
        "ORDER BY r.year DESC LIMIT 1",
        (employee_id, year),
    ).fetchone()
    return str(row["id"]) if row else None


def rekey(
    conn: sqlite3.Connection, plan_signer: RecordSigner, followup_signer: RecordSigner
) -> int:
    """Verify every plan version, signature and follow-up with any current key; re-make each MAC
    with the newest. Content never changes (the seal triggers allow only the MAC column)."""
    count = 0
    with transaction(conn):
        for row in conn.execute("SELECT * FROM plan_versions").fetchall():
            content = _version_mac_content(
                row["talk_id"], row["number"], json.loads(row["content"])
            )
            plan_signer.verify(content, row["mac"], row["id"])
            conn.execute(
                "UPDATE plan_versions SET mac = ? WHERE id = ?",
                (plan_signer.mac(content), row["id"]),
            )
            count += 1
        for s in conn.execute("SELECT * FROM signatures").fetchall():
            signature = Signature(
                s["role"], s["person_id"], s["signed_at"], s["content_hash"], s["comment"]
            )
            content = _signature_mac_content(s["plan_version_id"], signature)
            plan_signer.verify(content, s["mac"], s["id"])
            conn.execute(
                "UPDATE signatures SET mac = ? WHERE id = ?", (plan_signer.mac(content), s["id"])
            )
            count += 1
        for r in conn.execute("SELECT * FROM followups").fetchall():
            followup = Followup(
                r["row_id"], r["status"], r["result"], r["updated_at"], r["version"]
            )
            content = _followup_mac_content(r["talk_id"], followup)
            followup_signer.verify(content, r["mac"], r["id"])
            conn.execute(
                "UPDATE followups SET mac = ? WHERE id = ?", (followup_signer.mac(content), r["id"])
            )
            count += 1
    return count
