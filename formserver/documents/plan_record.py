"""A signed plan's record copy: its PDF rendered once, stored with its SHA-256, then served as
stored by every download, zip, e-mail and export."""

from __future__ import annotations

import sqlite3

from formserver.documents import plan_document
from formserver.security.keys import signers
from formserver.security.records import RecordTampered
from formserver.store import plan_pdfs, plans
from formserver.store.plan_pdfs import NewestSigned, StoredPdf
from formserver.store.plans import PlanVersion
from formserver.store.talks import Talk


def finish_for_archive(pdf: bytes, talk: Talk, version: PlanVersion) -> bytes:
    """The bytes to store for a signed version's freshly rendered PDF.

    The one place a rendered PDF becomes the archived record (the organisation's PAdES seal is
    added here); today the rendered bytes as they are.
    """
    return pdf


def stored_copy(conn: sqlite3.Connection, talk: Talk, version: PlanVersion) -> StoredPdf:
    """The stored copy of a version both signed, verified; rendered and stored first if none is.

    Raises RecordTampered when the stored copy fails its SHA-256 or MAC check. Two requests
    rendering the same version at once store one copy and both return it.
    """
    if not version.signed_by_both:
        raise ValueError(f"plan version {version.id} is not signed by both")
    signer = signers().plan_pdf
    found = plan_pdfs.get(conn, version.id, version.content_hash, signer)
    if found is not None:
        return found
    pdf = finish_for_archive(plan_document.pdf(talk, version), talk, version)
    return plan_pdfs.store(conn, version.id, version.content_hash, pdf, signer)


def stored_pdf(conn: sqlite3.Connection, talk: Talk, version: PlanVersion) -> bytes:
    """The version's PDF as handed out: the stored copy once both have signed (see
    stored_copy), else rendered on demand and not stored (it may still change)."""
    if not version.signed_by_both:
        return plan_document.pdf(talk, version)
    return stored_copy(conn, talk, version).pdf


def team_copies(conn: sqlite3.Connection, talks: list[Talk]) -> list[tuple[Talk, NewestSigned]]:
    """Each talk's newest version both signed, its copy stored first where none is yet (rendered
    from the verified version). Read each copy with read_copy, one at a time."""
    by_id = {talk.id: talk for talk in talks}
    found = plan_pdfs.newest_signed(conn, list(by_id))
    for newest in found:
        if not newest.stored:
            versions = plans.versions(conn, newest.talk_id, signers().plan)
            version = next(v for v in versions if v.id == newest.version_id)
            stored_copy(conn, by_id[newest.talk_id], version)
    return [(by_id[newest.talk_id], newest) for newest in found]


def read_copy(conn: sqlite3.Connection, newest: NewestSigned) -> bytes:
    """The stored copy's bytes, its SHA-256 and MAC verified (RecordTampered otherwise).

    The MAC binds the bytes to the version id and content hash, so the version's content need
    not be loaded: the zip hands out the copy only.
    """
    found = plan_pdfs.get(conn, newest.version_id, newest.content_hash, signers().plan_pdf)
    if found is None:  # stored by team_copies a moment ago; gone only if purged since
        raise RecordTampered(signers().plan_pdf.kind, newest.version_id)
    return found.pdf
