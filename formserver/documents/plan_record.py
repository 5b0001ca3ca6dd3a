"""A signed plan's record copy: its PDF rendered once, stored with its SHA-256, then served as
stored by every download, zip, e-mail and export.

The organisation's archival copy is in its own language (organisation.yml default_language) and
is always made first. A reader in another language gets a second stored copy in theirs, made the
same way (rendered once, sealed as the archival copy is: both are handed out by the organisation
as the signed plan, so both can be checked), which says that the record is the archival copy."""

from __future__ import annotations

import sqlite3
from collections.abc import Callable, Iterator

from formserver.common.languages import current_language, default_language, in_language
from formserver.documents import exports, plan_document
from formserver.documents.seal import Signatory, current_seal, seal_pdf
from formserver.security.keys import signers
from formserver.security.records import ChainBroken, RecordSigner, RecordTampered
from formserver.siteconfig import localized as site_config
from formserver.store import chains, plan_pdfs, plans
from formserver.store.plan_pdfs import NewestSigned, StoredPdf
from formserver.store.plans import PlanVersion
from formserver.store.talks import Talk


def finish_for_archive(pdf: bytes, talk: Talk, version: PlanVersion) -> bytes:
    """The bytes to store for a signed version's freshly rendered PDF.

    The one place a rendered PDF becomes the archived record: with a seal configured
    (FORMSERVER_SEAL_PKCS12), the organisation's PAdES seal is added as an incremental update,
    its stamp naming both signatories and the dates they signed; without one, the rendered bytes
    as they are. Raises seal.SealError when a configured seal cannot be made (then nothing is
    stored: the next use tries again, and an unsealed copy is never archived).
    """
    config = current_seal()
    if config is None:
        return pdf
    names = plan_document.signer_names(talk)
    signatories = [
        Signatory(names[s.role], s.role, s.signed_at)
        for s in sorted(version.signatures.values(), key=lambda s: s.signed_at)
    ]
    return seal_pdf(
        pdf,
        signatories=signatories,
        organisation=site_config().organisation.name,
        config=config,
    )


def stored_copy(
    conn: sqlite3.Connection, talk: Talk, version: PlanVersion, language: str | None = None
) -> StoredPdf:
    """The stored copy of a version both signed, verified; rendered and stored first if none is.
    Without `language` (or in the organisation's own), the archival copy; in another, that
    language's copy, the archival copy made first if it is not yet.

    Raises RecordTampered when the stored copy fails its SHA-256 or MAC check. Two requests
    rendering the same version at once store one copy and both return it.
    """
    if not version.signed_by_both:
        raise ValueError(f"plan version {version.id} is not signed by both")
    archival = _stored(conn, talk, version, default_language())
    if language is None or language == archival.language:
        return archival
    return _stored(conn, talk, version, language)


def _stored(conn: sqlite3.Connection, talk: Talk, version: PlanVersion, language: str) -> StoredPdf:
    signer = signers().plan_pdf
    found = plan_pdfs.get(conn, version.id, version.content_hash, signer, language)
    if found is not None:
        return found
    with in_language(language):  # the seal's stamp too: the copy is in one language throughout
        pdf = finish_for_archive(plan_document.pdf(talk, version), talk, version)
    return plan_pdfs.store(conn, version.id, version.content_hash, pdf, signer, language)


def stored_pdf(
    conn: sqlite3.Connection, talk: Talk, version: PlanVersion, language: str | None = None
) -> bytes:
    """The version's PDF as handed out, in `language` (else the language being rendered): the
    stored copy once both have signed (see stored_copy), else rendered on demand and not stored
    (it may still change)."""
    language = language or current_language()
    if not version.signed_by_both:
        with in_language(language):
            return plan_document.pdf(talk, version)
    return stored_copy(conn, talk, version, language).pdf


def team_copies(
    conn: sqlite3.Connection, talks: list[Talk]
) -> tuple[list[tuple[Talk, NewestSigned]], list[tuple[Talk, RecordTampered]]]:
    """Each talk's newest version both signed, its copy stored first where none is yet (rendered
    from the verified version); read each copy with read_copy, one at a time. Every talk's chain
    is walked first (in bulk): a talk whose chain is broken, or whose newest version both signed
    is not the one the chain ends with (rows deleted to roll the agreement back), comes back in
    the second list instead, with what was found."""
    by_id = {talk.id: talk for talk in talks}
    checked = chains.newest_signed_by_both(conn, list(by_id), signers().plan)
    good: list[tuple[Talk, NewestSigned]] = []
    refused: list[tuple[Talk, RecordTampered]] = []
    for talk_id, problem in checked.items():
        if isinstance(problem, RecordTampered):
            refused.append((by_id[talk_id], problem))
    for newest in plan_pdfs.newest_signed(conn, list(by_id)):
        if isinstance(checked.get(newest.talk_id), RecordTampered):
            continue
        if checked.get(newest.talk_id) != newest.version_id:
            why = "den senaste versionen som båda har skrivit under är inte kedjans"
            broken = ChainBroken("plan", newest.talk_id, why)
            refused.append((by_id[newest.talk_id], broken))
            continue
        if not newest.stored:
            versions = plans.versions(conn, newest.talk_id, signers().plan)
            version = next(v for v in versions if v.id == newest.version_id)
            stored_copy(conn, by_id[newest.talk_id], version)
        good.append((by_id[newest.talk_id], newest))
    return good, refused


IN_PROGRESS_FILE = "nyare-versioner-pagar.txt"
REFUSED_FILE = "planer-som-inte-kunde-kontrolleras.txt"


def team_files(
    conn: sqlite3.Connection,
    signed: list[tuple[Talk, NewestSigned]],
    refused: list[Talk],
    on_tampered: Callable[[RecordTampered], None],
) -> Iterator[tuple[str, bytes]]:
    """The team zip's files, one stored copy read at a time (memory stays flat): each plan under
    a name of its own, then a note naming the plans where a newer version waits for signatures
    and one naming those left out (`refused`, and any copy that fails its check now, which is
    passed to `on_tampered`: the response has begun, so no error page can be shown)."""
    in_progress, left_out = [], [talk.employee_name for talk in refused]
    names, signer = exports.UniqueNames(), signers().plan_pdf
    for talk, newest in signed:
        try:
            pdf = read_copy(conn, newest, signer)
        except RecordTampered as error:
            on_tampered(error)
            left_out.append(talk.employee_name)
            continue
        yield names.unique(plan_document.file_name(talk)), pdf
        if newest.newer:
            in_progress.append(talk.employee_name)
    if in_progress:
        yield IN_PROGRESS_FILE, exports.in_progress_note(in_progress)
    if left_out:
        yield REFUSED_FILE, exports.refused_note(left_out)


def read_copy(
    conn: sqlite3.Connection, newest: NewestSigned, signer: RecordSigner | None = None
) -> bytes:
    """The stored copy's bytes, its SHA-256 and MAC verified (RecordTampered otherwise).

    The MAC binds the bytes to the version id and content hash, so the version's content need
    not be loaded: the zip hands out the copy only.
    """
    signer = signer or signers().plan_pdf
    found = plan_pdfs.get(conn, newest.version_id, newest.content_hash, signer)
    if found is None:  # stored by team_copies a moment ago; gone only if purged since
        raise RecordTampered(signer.kind, newest.version_id)
    return found.pdf
