"""Preparations: each party's answers to the round's question set, MAC-checked."""

from __future__ import annotations

import json
import sqlite3
from dataclasses import dataclass, replace
from typing import Any

from formserver.security.records import RecordSigner
from formserver.store import audit
from formserver.store.db import Conflict, iso, new_id, transaction, utc_now

Answers = dict[str, dict[str, str]]


class TalkLocked(Exception):
    """The talk has been held: preparations can no longer change."""


@dataclass(frozen=True)
class Preparation:
    """One party's preparation for a talk."""

    talk_id: str
    author_role: str
    answers: Answers
    submitted_at: str | None
    updated_at: str
    version: int

    @property
    def submitted(self) -> bool:
        """Whether the author has sent it in."""
        return self.submitted_at is not None


def _content(
    talk_id: str,
    role: str,
    answers: Answers,
    submitted_at: str | None,
    version: int,
    question_set: tuple[str, int],
) -> dict[str, Any]:
    return {
        "talk_id": talk_id,
        "author_role": role,
        "question_set": list(question_set),
        "answers": answers,
        "submitted_at": submitted_at,
        "version": version,
    }


def get_preparation(
    conn: sqlite3.Connection, talk_id: str, role: str, signer: RecordSigner
) -> Preparation | None:
    """A preparation, verified against its MAC (RecordTampered if it fails)."""
    row = conn.execute(
        "SELECT p.*, r.question_set_id, r.question_set_version FROM preparations p "
        "JOIN talks t ON t.id = p.talk_id JOIN rounds r ON r.id = t.round_id "
        "WHERE p.talk_id = ? AND p.author_role = ?",
        (talk_id, role),
    ).fetchone()
    if row is None:
        return None
    answers = json.loads(row["answers"])
    question_set = (row["question_set_id"], row["question_set_version"])
    content = _content(talk_id, role, answers, row["submitted_at"], row["version"], question_set)
    signer.verify(content, row["mac"], row["id"])
    return Preparation(
        talk_id, role, answers, row["submitted_at"], row["updated_at"], row["version"]
    )


def save_preparation(
    conn: sqlite3.Connection,
    talk_id: str,
    role: str,
    answers: Answers,
    *,
    expected_version: int,
    submit: bool,
    signer: RecordSigner,
    event: audit.Event | None = None,
) -> int:
    """Save a draft or submit, if nobody saved in between; returns the new version.

    `event` is written to the audit log in the same transaction.
    """
    now = iso(utc_now())
    with transaction(conn):
        talk = conn.execute(
            "SELECT t.status, r.question_set_id, r.question_set_version FROM talks t "
            "JOIN rounds r ON r.id = t.round_id WHERE t.id = ?",
            (talk_id,),
        ).fetchone()
        if talk is None:
            raise LookupError(talk_id)
        if talk["status"] == "genomford":
            raise TalkLocked(talk_id)
        current = conn.execute(
            "SELECT id, version, submitted_at FROM preparations "
            "WHERE talk_id = ? AND author_role = ?",
            (talk_id, role),
        ).fetchone()
        if (current["version"] if current else 0) != expected_version:
            raise Conflict(talk_id)
        version = expected_version + 1
        submitted_at = now if submit else (current["submitted_at"] if current else None)
        question_set = (talk["question_set_id"], talk["question_set_version"])
        mac = signer.mac(_content(talk_id, role, answers, submitted_at, version, question_set))
        body = json.dumps(answers, ensure_ascii=False, sort_keys=True)
        if current is None:
            conn.execute(
                "INSERT INTO preparations (id, talk_id, author_role, answers, submitted_at, "
                "updated_at, version, mac) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                (new_id(), talk_id, role, body, submitted_at, now, version, mac),
            )
        else:
            conn.execute(
                "UPDATE preparations SET answers = ?, submitted_at = ?, updated_at = ?, "
                "version = ?, mac = ? WHERE id = ?",
                (body, submitted_at, now, version, mac, current["id"]),
            )
        if event is not None:
            audit.append(conn, replace(event, detail=f"{event.detail} v{version}".strip()))
        if role == "employee" and submitted_at:
            conn.execute(
                "UPDATE talks SET status = 'forberedd', version = version + 1 "
                "WHERE id = ? AND status IN ('ej_kallad', 'kallad')",
                (talk_id,),
            )
    return version


def rekey(conn: sqlite3.Connection, signer: RecordSigner) -> int:
    """Verify every preparation with any current key and re-make its MAC with the newest."""
    count = 0
    with transaction(conn):
        rows = conn.execute(
            "SELECT p.*, r.question_set_id, r.question_set_version FROM preparations p "
            "JOIN talks t ON t.id = p.talk_id JOIN rounds r ON r.id = t.round_id"
        ).fetchall()
        for row in rows:
            content = _content(
                row["talk_id"],
                row["author_role"],
                json.loads(row["answers"]),
                row["submitted_at"],
                row["version"],
                (row["question_set_id"], row["question_set_version"]),
            )
            signer.verify(content, row["mac"], row["id"])
            conn.execute(
                "UPDATE preparations SET mac = ? WHERE id = ?", (signer.mac(content), row["id"])
            )
            count += 1
    return count
