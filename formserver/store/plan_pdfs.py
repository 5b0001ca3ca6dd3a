"""Stored PDFs of plan versions both have signed: written once, read back verified."""

from __future__ import annotations

import hashlib
import json
import sqlite3
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from formserver.security.records import RecordSigner, RecordTampered
from formserver.store.db import iso, transaction, utc_now

ARCHIVE_LANGUAGE = "sv"  # the organisation's archival copy


@dataclass(frozen=True)
class StoredPdf:
    """A stored copy of a signed version's PDF, its SHA-256 checked against its bytes."""

    version_id: str
    language: str
    pdf: bytes
    sha256: str
    rendered_at: str


def _mac_content(
    version_id: str, language: str, sha256: str, rendered_at: str, content_hash: str
) -> dict[str, Any]:
    # The version's content hash binds the copy to the content it was rendered from.
    return {
        "version_id": version_id,
        "language": language,
        "sha256": sha256,
        "rendered_at": rendered_at,
        "content_hash": content_hash,
    }


def _record_id(version_id: str, language: str) -> str:
    return f"{version_id}/{language}"


def get(
    conn: sqlite3.Connection,
    version_id: str,
    content_hash: str,
    signer: RecordSigner,
    language: str = ARCHIVE_LANGUAGE,
) -> StoredPdf | None:
    """The stored copy, verified (MAC over the row, SHA-256 over the bytes); None if none.

    Raises RecordTampered when the bytes, the hash or the MAC were changed outside the service.
    """
    row = conn.execute(
        "SELECT * FROM plan_pdfs WHERE plan_version_id = ? AND language = ?",
        (version_id, language),
    ).fetchone()
    if row is None:
        return None
    return _verified(row, content_hash, signer)


def _verified(row: sqlite3.Row, content_hash: str, signer: RecordSigner) -> StoredPdf:
    version_id, language = row["plan_version_id"], row["language"]
    content = _mac_content(version_id, language, row["sha256"], row["rendered_at"], content_hash)
    signer.verify(content, row["mac"], _record_id(version_id, language))
    pdf = bytes(row["pdf"])
    if hashlib.sha256(pdf).hexdigest() != row["sha256"]:
        raise RecordTampered(signer.kind, _record_id(version_id, language))
    return StoredPdf(version_id, language, pdf, row["sha256"], row["rendered_at"])


def store(
    conn: sqlite3.Connection,
    version_id: str,
    content_hash: str,
    pdf: bytes,
    signer: RecordSigner,
    language: str = ARCHIVE_LANGUAGE,
) -> StoredPdf:
    """Store the copy unless one is stored already, and return the one stored (verified).

    The first copy stored wins: a second caller's INSERT is ignored under the write lock and it
    reads back the first one, so every download of a version hands out the same bytes.
    """
    sha256 = hashlib.sha256(pdf).hexdigest()
    rendered_at = iso(utc_now())
    mac = signer.mac(_mac_content(version_id, language, sha256, rendered_at, content_hash))
    with transaction(conn):
        conn.execute(
            "INSERT OR IGNORE INTO plan_pdfs "
            "(plan_version_id, language, pdf, sha256, mac, rendered_at) VALUES (?, ?, ?, ?, ?, ?)",
            (version_id, language, pdf, sha256, mac, rendered_at),
        )
        stored = get(conn, version_id, content_hash, signer, language)
    assert stored is not None
    return stored


@dataclass(frozen=True)
class NewestSigned:
    """A talk's newest version both signed, without its content, and whether a newer version
    waits for signatures and whether its copy is stored."""

    talk_id: str
    version_id: str
    content_hash: str
    newer: bool
    stored: bool


def newest_signed(
    conn: sqlite3.Connection, talk_ids: Sequence[str], language: str = ARCHIVE_LANGUAGE
) -> list[NewestSigned]:
    """For each talk that has one, in the order given: its newest version both signed."""
    rows = conn.execute(
        "WITH wanted(talk_id, position) AS (SELECT value, key FROM json_each(?)), "
        "signed AS (SELECT w.position, v.talk_id, v.id, v.content_hash, v.number, "
        "row_number() OVER (PARTITION BY v.talk_id ORDER BY v.number DESC) AS rank "
        "FROM wanted w JOIN plan_versions v ON v.talk_id = w.talk_id "
        "WHERE (SELECT count(DISTINCT role) FROM signatures s WHERE s.plan_version_id = v.id) = 2) "
        "SELECT s.talk_id, s.id, s.content_hash, "
        "(SELECT max(n.number) FROM plan_versions n WHERE n.talk_id = s.talk_id) > s.number, "
        "EXISTS (SELECT 1 FROM plan_pdfs p WHERE p.plan_version_id = s.id AND p.language = ?) "
        "FROM signed s WHERE s.rank = 1 ORDER BY s.position",
        (json.dumps(list(talk_ids)), language),
    )
    return [NewestSigned(r[0], r[1], r[2], bool(r[3]), bool(r[4])) for r in rows]


def missing(conn: sqlite3.Connection, language: str = ARCHIVE_LANGUAGE) -> list[tuple[str, str]]:
    """(talk id, version id) of every version both signed that has no stored copy yet."""
    rows = conn.execute(
        "SELECT v.talk_id, v.id FROM plan_versions v "
        "WHERE (SELECT count(DISTINCT role) FROM signatures s WHERE s.plan_version_id = v.id) = 2 "
        "AND NOT EXISTS (SELECT 1 FROM plan_pdfs p WHERE p.plan_version_id = v.id "
        "AND p.language = ?) ORDER BY v.created_at, v.id",
        (language,),
    )
    return [(r[0], r[1]) for r in rows]


def rekey(conn: sqlite3.Connection, signer: RecordSigner) -> int:
    """Verify every stored copy with any current key; re-make each MAC with the newest. The
    bytes never change (the trigger allows only the MAC column)."""
    count = 0
    with transaction(conn):
        rows = conn.execute(
            "SELECT p.plan_version_id, p.language, p.sha256, p.rendered_at, p.mac, v.content_hash "
            "FROM plan_pdfs p JOIN plan_versions v ON v.id = p.plan_version_id"
        ).fetchall()
        for r in rows:
            version_id, language = r["plan_version_id"], r["language"]
            content = _mac_content(
                version_id, language, r["sha256"], r["rendered_at"], r["content_hash"]
            )
            signer.verify(content, r["mac"], _record_id(version_id, language))
            conn.execute(
                "UPDATE plan_pdfs SET mac = ? WHERE plan_version_id = ? AND language = ?",
                (signer.mac(content), version_id, language),
            )
            count += 1
    return count
