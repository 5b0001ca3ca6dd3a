"""Verification codes printed on plan documents, and checking them against the records."""

from __future__ import annotations

import hmac
import sqlite3
from dataclasses import dataclass

from itsdangerous import Signer

from formserver.security.keys import Keys, signers_for
from formserver.security.tokens import as_key_list
from formserver.store import maintenance as store
from formserver.store import plan_pdfs, plans

VERIFICATION_SALT = "plan-verification"
VERIFICATION_CHARS = 12
# Where in the form service a signed-in person checks a code: the page's route and the address
# printed on the plan document.
VERIFY_PATH = "/kontrollera-kod"


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
    pdf_sha256: str = ""  # the stored PDF's SHA-256, once both have signed and it is stored

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
    stored = plan_pdfs.get(conn, version.id, version.content_hash, signers_for(keys).plan_pdf)
    return CodeCheck(
        version.id,
        facts.talk_id,
        version.number,
        facts.newest_number,
        facts.year,
        signed_by,
        stored.sha256 if stored else "",
    )
