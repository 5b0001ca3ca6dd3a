"""A signed plan's record copy: its PDF rendered once, stored with its SHA-256, then served as
stored by every download, zip, e-mail and export."""

from __future__ import annotations

import sqlite3

from formserver.documents import plan_document
from formserver.security.keys import signers
from formserver.store import plan_pdfs
from formserver.store.plan_pdfs import StoredPdf
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
