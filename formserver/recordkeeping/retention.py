"""Record keeping: retention purge, a person's full export, backup and restore, plan codes."""

from __future__ import annotations

import hmac
import os
import sqlite3
from collections import Counter
from collections.abc import Sequence
from dataclasses import asdict, dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

from itsdangerous import Signer

from formserver.security.keys import signers_for
from formserver.security.tokens import as_key_list
from formserver.services.text import clean_line
from formserver.store import db, plans
from formserver.store import maintenance as store
from formserver.store.people import person_by_email
from formserver.store.preparations import get_preparation

Keys = Sequence[str | bytes]
VERIFICATION_SALT = "plan-verification"
VERIFICATION_CHARS = 12
GALLRING_REQUIRED = (
    "Ingenting gallrades: offentliga organisationer får bara gallra med stöd av ett "
    "gallringsbeslut (arkivlagen, 1990:782). Ange beslutet med "
    '--gallringsbeslut "diarienummer eller beslutets namn".'
)


class Refused(Exception):
    """The operation was refused before anything changed; the message says why, in Swedish."""


# --- retention purge ------------------------------------------------------------------------------


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
        )
        # Deleted pages may linger in the WAL and in free space: rewrite both files.
        try:
            compacted = store.compact(conn)
        except sqlite3.OperationalError:
            compacted = False  # busy: the purge stands, the caller is told to run it again
    return PurgeResult(purged, compacted)


# --- plan verification codes ----------------------------------------------------------------------


def verification_code(keys: Keys, version_id: str, content_hash: str) -> str:
    """The code printed on a plan document: version id and a short MAC of its content hash."""
    signature = Signer(as_key_list(keys), salt=VERIFICATION_SALT).get_signature(
        f"{version_id}:{content_hash}"
    )
    return f"{version_id}-{signature.decode()[:VERIFICATION_CHARS]}"


@dataclass(frozen=True)
class SignedBy:
    """Who signed a version, in which role, when."""

    role: str
    name: str
    signed_at: str


@dataclass(frozen=True)
class CodeCheck:
    """A code that matches a stored, verified plan version (no content)."""

    version_id: str
    talk_id: str
    number: int
    newest_number: int
    year: int
    signed_by: list[SignedBy]

    @property
    def signed_by_both(self) -> bool:
        """Whether employee and manager both signed this version."""
        return {s.role for s in self.signed_by} == {"employee", "manager"}


def check_code(conn: sqlite3.Connection, keys: Keys, code: str) -> CodeCheck | None:
    """The stored version a code belongs to, MAC-verified; None if it matches none.

    Any current key is accepted, so documents printed before a key rotation still check out.
    Raises RecordTampered if the version matches but its stored record fails verification.
    """
    code = code.strip()
    # The version id may itself hold "-": the MAC part has a fixed length, so split from the end.
    if len(code) <= VERIFICATION_CHARS + 1 or code[-VERIFICATION_CHARS - 1] != "-":
        return None
    version_id = code[: -VERIFICATION_CHARS - 1]
    facts = store.version_facts(conn, version_id)
    if facts is None:
        return None
    expected = [verification_code([key], version_id, facts.content_hash) for key in keys]
    if not any(hmac.compare_digest(code.encode(), e.encode()) for e in expected):
        return None
    version = next(
        v for v in plans.versions(conn, facts.talk_id, signers_for(keys).plan) if v.id == version_id
    )
    names = store.names_of(conn, [s.person_id for s in version.signatures.values()])
    signed_by = [
        SignedBy(s.role, names.get(s.person_id, "okänd"), s.signed_at)
        for s in sorted(version.signatures.values(), key=lambda s: s.signed_at)
    ]
    return CodeCheck(
        version.id, facts.talk_id, version.number, facts.newest_number, facts.year, signed_by
    )


# --- a person's full export (GDPR access) ---------------------------------------------------------


def person_export(
    conn: sqlite3.Connection, keys: Keys, email: str, now: datetime
) -> dict[str, Any]:
    """Everything stored about a person, every record MAC-verified (RecordTampered otherwise).

    For talks where the person is the employee both preparations are included, since the
    manager's is about them; where they are the manager, only what they wrote themselves.
    """
    person = person_by_email(conn, email)
    if person is None:
        raise Refused(f"Ingen med e-postadressen {email} finns i personallistan.")
    preparation_signer = signers_for(keys).preparation
    followup_signer = signers_for(keys).followup
    talks: list[dict[str, Any]] = []
    for talk in store.talks_of_person(conn, person.id):
        role = "employee" if talk["employee_id"] == person.id else "manager"
        authors = ("employee", "manager") if role == "employee" else ("manager",)
        preparations = [
            {
                "author_role": found.author_role,
                "answers": found.answers,
                "submitted_at": found.submitted_at,
                "updated_at": found.updated_at,
                "version": found.version,
            }
            for author in authors
            if (found := get_preparation(conn, talk["id"], author, preparation_signer))
        ]
        versions = [
            {
                "id": v.id,
                "number": v.number,
                "content": v.content,
                "content_hash": v.content_hash,
                "created_at": v.created_at,
                "updated_at": v.updated_at,
                "edits": v.edits,
                "verification_code": verification_code(keys, v.id, v.content_hash),
                "signatures": [asdict(s) for s in v.signatures.values()],
            }
            for v in plans.versions(conn, talk["id"], signers_for(keys).plan)
        ]
        followups = [asdict(f) for f in plans.followups(conn, talk["id"], followup_signer).values()]
        talks.append(
            {
                "role": role,
                "talk": talk,
                "preparations": preparations,
                "plan_versions": versions,
                "followups": followups,
            }
        )
    talk_ids = [t["talk"]["id"] for t in talks]
    object_ids = [person.id, *talk_ids, *store.record_ids(conn, talk_ids)]
    entries = store.audit_about(conn, person.id, object_ids)
    return {
        "format": "formserver-registerutdrag/1",
        "exported_at": db.iso(now),
        "person": store.person_record(conn, person.id),
        "talks": talks,
        "audit_log": entries,
        # Who the actors in the log are: a person has the right to know who read their data.
        "names": store.names_of(conn, [e["actor_id"] for e in entries if e["actor_id"]]),
        "sign_in_links": store.sign_in_links_of(conn, person.id),
        "sessions": store.sessions_of(conn, person.id),
    }


def write_new_file(path: Path, body: bytes) -> None:
    """Write a file readable by its owner only; refuse to replace an existing one."""
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "wb") as out:
        out.write(body)
        out.flush()
        os.fsync(out.fileno())


# --- backup and restore ---------------------------------------------------------------------------


@dataclass(frozen=True)
class CheckedCopy:
    """A database file and what the checks found: no problems means intact."""

    path: Path
    problems: list[str]
    counts: dict[str, int]


def backup(conn: sqlite3.Connection, path: Path) -> CheckedCopy:
    """Write a consistent copy with VACUUM INTO (owner-only file), then check the copy."""
    if path.exists():
        raise Refused(f"{path} finns redan. En säkerhetskopia skriver aldrig över en fil.")
    if not path.parent.is_dir():
        raise Refused(f"Mappen {path.parent} finns inte.")
    # Created empty first, owner-only and exclusively: VACUUM INTO fills an empty file.
    write_new_file(path, b"")
    try:
        store.vacuum_into(conn, path)
    except sqlite3.Error:
        path.unlink()
        raise
    with open(path, "rb") as written:
        os.fsync(written.fileno())
    return check_copy(path)


def check_copy(path: Path) -> CheckedCopy:
    """Open a database file read-only and run integrity and foreign-key checks on it."""
    if not path.is_file():
        raise Refused(f"{path} finns inte.")
    try:
        copy = store.open_read_only(path)
        try:
            return CheckedCopy(path, store.problems(copy), store.table_counts(copy))
        finally:
            copy.close()
    except sqlite3.DatabaseError as error:
        return CheckedCopy(path, [f"filen kunde inte läsas som en databas ({error})"], {})


def restore(backup_path: Path, database: Path) -> CheckedCopy:
    """Replace the live database with a checked backup, then check the result.

    The copy goes through SQLite's backup API under its locks, so a running service never
    reads a half-copied file; it sees the old data or the restored data.
    """
    checked = check_copy(backup_path)
    if checked.problems:
        raise Refused(
            f"Säkerhetskopian {backup_path} är skadad: {'; '.join(checked.problems[:5])}. "
            "Ingenting återställdes."
        )
    missing = [t for t in store.TABLES_OF_THE_SERVICE if t not in checked.counts]
    if missing:
        raise Refused(
            f"{backup_path} är inte en säkerhetskopia av formulärtjänsten "
            f"(tabeller saknas: {', '.join(missing)}). Ingenting återställdes."
        )
    source = store.open_read_only(backup_path)
    try:
        if store.schema_version(source) > store.newest_schema_version():
            raise Refused(
                "Säkerhetskopian är gjord med en nyare version av formulärtjänsten. "
                "Uppdatera tjänsten först. Ingenting återställdes."
            )
        db.close_thread_connections()
        live = db.connect(database)
        try:
            store.copy_database(source, live)
            db.migrate(live)
            return CheckedCopy(database, store.problems(live), store.table_counts(live))
        finally:
            live.close()
    finally:
        source.close()
