"""The organisation's seal on a signed plan's PDF: a PAdES signature made with pyHanko.

Optional: configured by FORMSERVER_SEAL_PKCS12 (+ _PASSPHRASE, _TSA_URL) and installed with
the `seal` extra. pyHanko is imported only when a seal is configured. The seal is added as an
incremental update, so the PDF/A-2b file WeasyPrint made stays byte for byte in front of it.
"""

from __future__ import annotations

import asyncio
import io
import logging
from collections.abc import Callable, Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import UTC, datetime
from functools import partial
from pathlib import Path
from typing import Any

from formserver.common.clock import local_date
from formserver.common.languages import _l
from formserver.documents.seal_stamp import (
    FONT,
    Signatory,
    font_bytes,
    stamp_box,
    stamp_style,
    stamp_text,
)

__all__ = [
    "SealConfig",
    "SealConfigError",
    "SealError",
    "Signatory",
    "current_seal",
    "level",
    "load_seal_config",
    "seal_pdf",
    "seal_problems",
]

log = logging.getLogger(__name__)

EXTENSION = "formserver.seal"
SETTINGS = ("SEAL_PKCS12", "SEAL_PASSPHRASE", "SEAL_TSA_URL")
FIELD_NAME = "Organisationens-forsegling"
# What a PDF reader's signature panel shows, in the language of the copy being sealed.
REASON = _l("Organisationens försegling av en plan som båda har skrivit under i formulärtjänsten")
LOCATION = _l("Formulärtjänsten för medarbetarsamtal")
TSA_TIMEOUT_SECONDS = 10


class SealConfigError(ValueError):
    """The seal is configured but cannot be used: the message names the setting to fix."""


class SealError(RuntimeError):
    """A plan could not be sealed (for example: the timestamp authority did not answer)."""


class _ValidationDataUnavailable(Exception):
    """The chain or its revocation data could not be had: seal without them."""


@dataclass(frozen=True)
class SealConfig:
    """The loaded seal: the organisation's key and certificate chain, and the timestamp URL."""

    pkcs12_path: Path
    tsa_url: str | None
    subject: str
    not_after: datetime
    signer: Any = field(repr=False)  # pyhanko SimpleSigner; holds the private key


def load_seal_config(config: Mapping[str, Any]) -> SealConfig | None:
    """The seal from the settings, None when none is set; SealConfigError says what to fix.

    The passphrase is never part of a message.
    """
    path, passphrase, tsa_url = (config.get(name) for name in SETTINGS)
    if not path:
        if passphrase or tsa_url:
            raise SealConfigError(
                "FORMSERVER_SEAL_PASSPHRASE eller FORMSERVER_SEAL_TSA_URL är satt men "
                "FORMSERVER_SEAL_PKCS12 saknas: ange sökvägen till organisationens "
                "PKCS#12-fil (.p12/.pfx), eller ta bort de andra inställningarna."
            )
        return None
    try:
        from pyhanko.sign.signers import SimpleSigner
    except ImportError:
        raise SealConfigError(
            "FORMSERVER_SEAL_PKCS12 är satt men pyHanko saknas, så planerna kan inte "
            "förseglas. Installera med: pip install 'formserver[seal]'."
        ) from None
    if tsa_url is not None and not str(tsa_url).startswith(("https://", "http://")):
        raise SealConfigError(
            "FORMSERVER_SEAL_TSA_URL ska vara tidsstämpeltjänstens adress, som börjar med "
            "https:// eller http://."
        )
    if not FONT.is_file():
        raise SealConfigError(
            f"Sigillets typsnitt {FONT} saknas: installera paketet fonts-dejavu-core."
        )
    font_bytes()  # prepared once at start-up, not in the first signer's request
    pkcs12_path = Path(str(path))
    data = _read(pkcs12_path)
    secret = None if passphrase is None else str(passphrase).encode("utf-8")
    key, certificate, chain = _open_pkcs12(pkcs12_path, data, secret)
    _check_certificate(pkcs12_path, certificate)
    signer = SimpleSigner.load_pkcs12_data(data, other_certs=[], passphrase=secret)
    return SealConfig(
        pkcs12_path=pkcs12_path,
        tsa_url=str(tsa_url) if tsa_url else None,
        subject=certificate.subject.rfc4514_string(),
        not_after=certificate.not_valid_after_utc,
        signer=signer,
    )


def current_seal() -> SealConfig | None:
    """The running service's seal, loaded at start-up (None when none is configured)."""
    from flask import current_app

    configured: SealConfig | None = current_app.extensions.get(EXTENSION)
    return configured


def seal_problems(config: Mapping[str, Any]) -> list[str]:
    """What keeps the configured seal from working (empty when it works or none is set)."""
    try:
        load_seal_config(config)
    except SealConfigError as error:
        return [str(error)]
    return []


def _read(path: Path) -> bytes:
    try:
        return path.read_bytes()
    except OSError as error:
        raise SealConfigError(
            f"FORMSERVER_SEAL_PKCS12: filen {path} kan inte läsas "
            f"({error.strerror or type(error).__name__})."
        ) from None


def _open_pkcs12(path: Path, data: bytes, secret: bytes | None) -> tuple[Any, Any, list[Any]]:
    from asn1crypto import pkcs12 as asn1_pkcs12
    from cryptography.hazmat.primitives.serialization import pkcs12

    try:
        key, certificate, chain = pkcs12.load_key_and_certificates(data, secret)
    except ValueError:
        if _is_pkcs12(asn1_pkcs12, data):
            raise SealConfigError(
                f"FORMSERVER_SEAL_PASSPHRASE öppnar inte {path}: fel lösenfras för "
                "PKCS#12-filen i FORMSERVER_SEAL_PKCS12."
            ) from None
        raise SealConfigError(
            f"FORMSERVER_SEAL_PKCS12: {path} är ingen PKCS#12-fil (.p12/.pfx)."
        ) from None
    if key is None or certificate is None:
        raise SealConfigError(
            f"FORMSERVER_SEAL_PKCS12: {path} ska innehålla både organisationens privata nyckel "
            "och dess certifikat."
        )
    return key, certificate, list(chain)


def _is_pkcs12(asn1_pkcs12: Any, data: bytes) -> bool:
    try:
        asn1_pkcs12.Pfx.load(data).native  # noqa: B018 - parses the whole structure
    except Exception:  # asn1crypto raises several kinds for bytes that are not DER
        return False
    return True


def _check_certificate(path: Path, certificate: Any) -> None:
    from cryptography import x509

    now = datetime.now(UTC)
    subject = certificate.subject.rfc4514_string()
    if certificate.not_valid_after_utc <= now:
        raise SealConfigError(
            f"FORMSERVER_SEAL_PKCS12: sigillcertifikatet ({subject}) i {path} gick ut "
            f"{certificate.not_valid_after_utc:%Y-%m-%d}. Beställ ett nytt certifikat."
        )
    if certificate.not_valid_before_utc > now:
        raise SealConfigError(
            f"FORMSERVER_SEAL_PKCS12: sigillcertifikatet ({subject}) i {path} gäller först "
            f"från {certificate.not_valid_before_utc:%Y-%m-%d}."
        )
    try:
        usage = certificate.extensions.get_extension_for_class(x509.KeyUsage).value
    except x509.ExtensionNotFound:
        return
    if not (usage.digital_signature or usage.content_commitment):
        raise SealConfigError(
            f"FORMSERVER_SEAL_PKCS12: sigillcertifikatet ({subject}) får inte användas för "
            "underskrifter (nyckelanvändningen saknar digitalSignature och nonRepudiation)."
        )


def seal_pdf(
    pdf: bytes,
    *,
    signatories: Sequence[Signatory],
    organisation: str,
    config: SealConfig | None,
    timestamper: Any = None,
) -> bytes:
    """The PDF with the organisation's PAdES seal added; the bytes untouched without a config.

    B-B; B-T with a timestamp (FORMSERVER_SEAL_TSA_URL, or `timestamper` in tests); B-LT when
    revocation data for the chain could be fetched and embedded. Raises SealError when the
    certificate has expired or the timestamp authority fails (a weaker seal is never made
    silently).
    """
    if config is None:
        return pdf
    if config.not_after <= datetime.now(UTC):
        raise SealError(f"sigillcertifikatet ({config.subject}) har gått ut")
    if timestamper is None and config.tsa_url:
        from pyhanko.sign.timestamps.requests_client import RequestsHTTPTimeStamper

        timestamper = RequestsHTTPTimeStamper(  # type: ignore[no-untyped-call]
            config.tsa_url, timeout=TSA_TIMEOUT_SECONDS
        )
    text = stamp_text(signatories, organisation, local_date(datetime.now(UTC)))
    try:
        sealed = _off_loop(partial(_sign, pdf, text, config, timestamper, with_revocation=True))
    except _ValidationDataUnavailable as error:
        log.warning("seal: no validation data embedded (%s); sealing without it", error)
        sealed = _off_loop(partial(_sign, pdf, text, config, timestamper, with_revocation=False))
    reached = level(sealed)
    if reached == "B-LT":
        log.info("seal: plan PDF sealed, PAdES B-LT")
    else:
        log.info("seal: plan PDF sealed, PAdES %s (no revocation data to embed)", reached)
    return sealed


def _off_loop(work: Callable[[], bytes]) -> bytes:
    """Run `work` here, or in a thread of its own when this thread already runs an asyncio
    loop (an async server worker): pyHanko's signing calls asyncio.run(), which refuses to
    start inside a running loop."""
    try:
        asyncio.get_running_loop()
    except RuntimeError:
        return work()
    with ThreadPoolExecutor(max_workers=1) as pool:
        return pool.submit(work).result()


def _sign(
    pdf: bytes, text: str, config: SealConfig, timestamper: Any, with_revocation: bool
) -> bytes:
    from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter
    from pyhanko.sign import fields, signers
    from pyhanko.sign.general import SigningError
    from pyhanko.sign.signers.pdf_signer import DSSContentSettings, SigDSSPlacementPreference
    from pyhanko.sign.timestamps.common_utils import TimestampRequestError
    from pyhanko_certvalidator.errors import PathError, RevokedError, ValidationError

    writer = IncrementalPdfFileWriter(io.BytesIO(pdf))
    _producer_in_step(writer)
    last = int(writer.root["/Pages"]["/Count"]) - 1
    box = stamp_box(writer, last)
    meta = signers.PdfSignatureMetadata(
        field_name=FIELD_NAME,
        subfilter=fields.SigSeedSubFilter.PADES,
        md_algorithm="sha256",
        reason=str(REASON),
        location=str(LOCATION),
        embed_validation_info=with_revocation,
        # The chain and revocation data go into the signed revision itself (no VRI, which is
        # deprecated), so the seal covers the whole file and no update follows it.
        dss_settings=DSSContentSettings(
            include_vri=False, placement=SigDSSPlacementPreference.TOGETHER_WITH_SIGNATURE
        ),
        validation_context=_validation_context(config) if with_revocation else None,
        signer_key_usage={"digital_signature", "non_repudiation"},  # one of them suffices
    )
    signer = signers.PdfSigner(
        meta,
        config.signer,
        timestamper=timestamper,
        stamp_style=stamp_style(text, width=box[2] - box[0]),
        new_field_spec=fields.SigFieldSpec(sig_field_name=FIELD_NAME, on_page=last, box=box),
    )
    try:
        out = signer.sign_pdf(writer)
    except TimestampRequestError as error:
        raise SealError(f"tidsstämpeltjänsten svarade inte ({type(error).__name__})") from None
    except SigningError as error:
        if isinstance(error.__cause__, RevokedError):
            raise SealError(f"sigillcertifikatet ({config.subject}) är spärrat") from None
        if not with_revocation:
            raise
        # The pre-signing check of the chain failed (no path to a root, no data): name why.
        cause = error.__cause__ or error
        raise _ValidationDataUnavailable(type(cause).__name__) from error
    except (PathError, ValidationError, OSError) as error:
        if not with_revocation:
            raise
        raise _ValidationDataUnavailable(type(error).__name__) from error
    return bytes(out.getvalue())


def _producer_in_step(writer: Any) -> None:
    """Name pyHanko alone as the producer, in the information dictionary as in the XMP.

    pyHanko 0.38 writes "WeasyPrint …; pyHanko …" in one and "pyHanko …" in the other, and
    PDF/A wants the two to agree. (The first revision still names WeasyPrint.)
    """
    from pyhanko.pdf_utils import generic
    from pyhanko.pdf_utils.metadata.model import VENDOR

    old = writer.prev.trailer_view.get("/Info")
    info = generic.DictionaryObject(  # type: ignore[no-untyped-call]
        old.get_object() if old is not None else {}
    )
    info[generic.NameObject("/Producer")] = generic.TextStringObject(VENDOR)
    writer.set_info(info)


def _validation_context(config: SealConfig) -> Any:
    from pyhanko_certvalidator import ValidationContext

    chain = list(config.signer.cert_registry)
    roots = [c for c in chain if c.self_issued]
    # Soft-fail: a chain without revocation data is still sealed; level() says what was had.
    # A root left out of the PKCS#12 file is looked for among the system's trusted roots.
    return ValidationContext(
        trust_roots=roots or None,
        other_certs=chain,
        allow_fetching=True,
        revocation_mode="soft-fail",
    )


def level(sealed: bytes) -> str:
    """The PAdES baseline level a sealed PDF reaches: B-B, B-T or B-LT."""
    from pyhanko.pdf_utils.reader import PdfFileReader

    reader = PdfFileReader(io.BytesIO(sealed))
    signature = reader.embedded_signatures[-1]
    unsigned = signature.signer_info["unsigned_attrs"]
    types = {a["type"].native for a in unsigned} if unsigned.native else set()
    result = "B-T" if "signature_time_stamp_token" in types else "B-B"
    dss = reader.root.get("/DSS")
    dss = dss.get_object() if dss is not None else {}
    if result == "B-T" and ("/OCSPs" in dss or "/CRLs" in dss):
        result = "B-LT"
    return result
