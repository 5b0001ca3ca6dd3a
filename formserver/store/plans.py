"""Plan versions (notes + plan rows), signatures and follow-ups. Every record is MAC-checked."""

from __future__ import annotations

import hashlib
import json
import sqlite3
from dataclasses import asdict, dataclass, field
from typing import Any

from formserver.common.languages import _l
from formserver.security.records import RecordSigner, RecordTampered, canonical
from formserver.store import audit, chains
from formserver.store.chains import GENESIS
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


def _version(
    row: sqlite3.Row, signatures: list[sqlite3.Row], signer: RecordSigner, *, content: bool = True
) -> PlanVersion:
    """A version from its verified chain rows; its content (and every MAC) checked too."""
    parsed = json.loads(row["content"]) if content else {}
    if content:
        mac_content = chains.version_mac_content(
            row["talk_id"], row["number"], parsed, row["prev_hash"]
        )
        signer.verify(mac_content, row["mac"], row["id"])
        if content_hash(parsed) != row["content_hash"]:
            raise_tampered(signer, row["id"])
    found = {}
    for s in signatures:
        signer.verify(chains.signature_mac_content(s, s["prev_hash"]), s["mac"], s["id"])
        found[s["role"]] = Signature(
            s["role"], s["person_id"], s["signed_at"], s["content_hash"], s["comment"]
        )
    return PlanVersion(
        row["id"],
        row["talk_id"],
        row["number"],
        parsed,
        row["content_hash"],
        row["created_at"],
        row["updated_at"],
        row["edits"],
        found,
    )


def raise_tampered(signer: RecordSigner, record_id: str) -> None:
    """Refuse a record whose stored hash does not match its content."""
    raise RecordTampered(signer.kind, record_id)


# Every read walks the talk's whole chain (two queries: versions, signatures) from its MAC'd
# head, so a deleted signature or a rolled-back version is refused, never shown as valid.


def versions(conn: sqlite3.Connection, talk_id: str, signer: RecordSigner) -> list[PlanVersion]:
    """Every version of a talk's plan, oldest first, each verified, the chain too."""
    return versions_of(chains.load(conn, talk_id, signer), signer)


def versions_of(chain: chains.Chain, signer: RecordSigner) -> list[PlanVersion]:
    """The versions of a verified chain (loaded with content), every MAC checked."""
    return [_version(v, chain.signatures[v["id"]], signer) for v in chain.versions]


def latest(conn: sqlite3.Connection, talk_id: str, signer: RecordSigner) -> PlanVersion | None:
    """The newest version of a talk's plan, verified with the chain up to it."""
    chain = chains.load(conn, talk_id, signer)
    newest = chain.newest
    return None if newest is None else _version(newest, chain.signatures[newest["id"]], signer)


def latest_signed_by_both(
    conn: sqlite3.Connection, talk_id: str, signer: RecordSigner
) -> tuple[PlanVersion, bool] | None:
    """The newest version both signed, verified with the chain, and whether a newer one exists."""
    chain = chains.load(conn, talk_id, signer)
    for row in reversed(chain.versions):
        signed = chain.signatures[row["id"]]
        if {s["role"] for s in signed} == {"employee", "manager"}:
            return _version(row, signed, signer), row is not chain.versions[-1]
    return None


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
    body = json.dumps(content, ensure_ascii=False)
    with transaction(conn):
        chain = chains.load(conn, talk_id, signer, content=False)  # never extend a broken chain
        row = chain.newest
        current = (row["number"], row["edits"]) if row else (0, 0)
        if current != expected:
            raise Conflict(talk_id)
        if event is not None:
            audit.append(conn, event)
        if row and row["content_hash"] == digest:
            return current
        if row is None or chain.signatures[row["id"]]:
            number, prev, length = current[0] + 1, chain.head if chain.length else GENESIS, 1
            conn.execute("UPDATE talks SET signed_at = NULL WHERE id = ?", (talk_id,))
            mac = signer.mac(chains.version_mac_content(talk_id, number, content, prev))
            conn.execute(
                "INSERT INTO plan_versions (id, talk_id, number, content, content_hash, mac, "
                "created_at, updated_at, updated_by, prev_hash) "
                "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                (new_id(), talk_id, number, body, digest, mac, now, now, author_id, prev),
            )
            saved = number, 1
        else:
            # The newest version, unsigned, is edited in place: same place in the chain (its
            # prev_hash stays), a new link, so the head moves.
            number, prev, length = row["number"], row["prev_hash"], 0
            mac = signer.mac(chains.version_mac_content(talk_id, number, content, prev))
            conn.execute(
                "UPDATE plan_versions SET content = ?, content_hash = ?, mac = ?, "
                "updated_at = ?, updated_by = ?, edits = edits + 1 WHERE id = ?",
                (body, digest, mac, now, author_id, row["id"]),
            )
            saved = number, row["edits"] + 1
        head = chains.version_link(talk_id, number, digest, prev)
        chains.set_head(conn, talk_id, head, chain.length + length, signer)
        return saved


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
        chain = chains.load(conn, talk_id, signer, content=False)
        row = chain.newest
        if row is None or row["number"] != number or row["content_hash"] != seen_hash:
            raise Conflict(talk_id)
        given = chain.signatures[row["id"]]
        if role in {s["role"] for s in given}:
            raise Conflict(talk_id)
        signature = Signature(role, person_id, iso(utc_now()), seen_hash, comment)
        fields = {"plan_version_id": row["id"], **asdict(signature)}
        conn.execute(
            "INSERT INTO signatures (id, plan_version_id, role, person_id, signed_at, "
            "content_hash, comment, mac, prev_hash) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
            (
                new_id(),
                row["id"],
                role,
                person_id,
                signature.signed_at,
                seen_hash,
                comment,
                signer.mac(chains.signature_mac_content(fields, chain.head)),
                chain.head,
            ),
        )
        head = chains.signature_link(row["id"], fields, chain.head)
        chains.set_head(conn, talk_id, head, chain.length + 1, signer)
        if len(given) == 1:
            conn.execute(
                "UPDATE talks SET signed_at = ? WHERE id = ?", (signature.signed_at, talk_id)
            )
    return signature


FOLLOWUP_STATUSES = {  # lazy: each shown in the reader's language
    "ej_paborjad": _l("Inte påbörjad"),
    "pagar": _l("Pågår"),
    "klar": _l("Klar"),
    "utgar": _l("Utgår"),
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
    """Verify every talk's chain, plan version, signature and follow-up with any current key;
    re-make each MAC (and each chain head's) with the newest. Content and links never change
    (the seal triggers allow only the MAC column); rows from before chains are chained first."""
    count = 0
    with transaction(conn):
        _, left = chains.chain_existing(conn, plan_signer)
        if left:
            raise RecordTampered(plan_signer.kind, left[0])
        for (talk_id,) in conn.execute("SELECT id FROM talks").fetchall():
            chain = chains.load(conn, talk_id, plan_signer)
            for row in chain.versions:
                signed = chain.signatures[row["id"]]
                version = _version(row, signed, plan_signer)  # every MAC verified
                content = chains.version_mac_content(
                    talk_id, row["number"], version.content, row["prev_hash"]
                )
                conn.execute(
                    "UPDATE plan_versions SET mac = ? WHERE id = ?",
                    (plan_signer.mac(content), row["id"]),
                )
                for s in signed:
                    conn.execute(
                        "UPDATE signatures SET mac = ? WHERE id = ?",
                        (plan_signer.mac(chains.signature_mac_content(s, s["prev_hash"])), s["id"]),
                    )
                count += 1 + len(signed)
            if chain.head or chain.length:
                chains.set_head(conn, talk_id, chain.head, chain.length, plan_signer)
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
