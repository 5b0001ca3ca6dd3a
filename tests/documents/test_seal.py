"""The organisation's seal on a plan's PDF, checked as an archivist's validator would, offline:
a test certificate authority made here, pyHanko's validation trusting only its root."""

from __future__ import annotations

import asyncio
import io
import logging
import re
import sys
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from asn1crypto import keys as asn1_keys
from asn1crypto import x509 as asn1_x509
from cryptography.hazmat.primitives import serialization
from flask import Flask
from pyhanko.pdf_utils.reader import PdfFileReader
from pyhanko.sign.diff_analysis import ModificationLevel
from pyhanko.sign.timestamps import DummyTimeStamper
from pyhanko.sign.validation import validate_pdf_signature
from pyhanko.sign.validation.dss import DocumentSecurityStore
from pyhanko.sign.validation.status import SignatureCoverageLevel
from pyhanko_certvalidator import ValidationContext
from pypdf import PdfReader, PdfWriter
from pypdf.generic import DictionaryObject

from formserver import create_app
from formserver.common.clock import local_today
from formserver.common.languages import in_language
from formserver.config import UnsafeConfiguration, load_config
from formserver.documents import exports, seal
from formserver.paths import STATIC_DIR
from tests.documents.seal_ca import (
    PASSPHRASE,
    Authority,
    Issued,
    PKIServer,
    crl,
    issue,
    make_pki,
    write_pkcs12,
)

SIGNATORIES = [
    seal.Signatory("Anna Andersson", "employee", "2026-12-01T09:15:00+00:00"),
    seal.Signatory("Karin Berg", "manager", "2026-12-02T23:30:00+00:00"),  # 3 Dec in Sweden
]
ORGANISATION = "Exempelkommunen"
PAGES = "".join(f"<h2>Del {i}</h2><p>{'Mål och stöd i arbetet. ' * 40}</p>" for i in range(6))
HTML = (
    '<!doctype html><html lang="sv"><head><meta charset="utf-8"><title>Plan</title>'
    '<link rel="stylesheet" href="/static/document.css"></head>'
    f"<body><h1>Utvecklingsplan 2026</h1>{PAGES}</body></html>"
)


@pytest.fixture(scope="module")
def pki() -> Authority:
    return make_pki()


@pytest.fixture(scope="module")
def plan_pdf() -> bytes:
    """A PDF/A-2b document of several pages from the service's renderer and stylesheet."""
    return exports.pdf_bytes(HTML, static_dir=STATIC_DIR)


@pytest.fixture(scope="module")
def config(pki: Authority, tmp_path_factory: pytest.TempPathFactory) -> seal.SealConfig:
    path = tmp_path_factory.mktemp("seal") / "sigill.p12"
    write_pkcs12(path, pki.seal, [pki.intermediate, pki.root])
    loaded = seal.load_seal_config({"SEAL_PKCS12": str(path), "SEAL_PASSPHRASE": PASSPHRASE})
    assert loaded is not None
    return loaded


@pytest.fixture(scope="module")
def sealed(plan_pdf: bytes, config: seal.SealConfig) -> bytes:
    return seal.seal_pdf(
        plan_pdf, signatories=SIGNATORIES, organisation=ORGANISATION, config=config
    )


def asn1(issued: Issued) -> asn1_x509.Certificate:
    return asn1_x509.Certificate.load(issued.certificate.public_bytes(serialization.Encoding.DER))


def validate(pdf: bytes, pki: Authority) -> Any:
    """pyHanko's verdict on the document's last signature, trusting only the test root."""
    context = ValidationContext(trust_roots=[asn1(pki.root)], allow_fetching=False)
    signature = PdfFileReader(io.BytesIO(pdf)).embedded_signatures[-1]
    return validate_pdf_signature(signature, context)


def xmp(pdf: bytes) -> bytes:
    metadata = PdfReader(io.BytesIO(pdf)).xmp_metadata
    assert metadata is not None
    data: bytes = metadata.stream.get_data()
    return data


def seal_widget(pdf: bytes) -> tuple[int, DictionaryObject]:
    """The page number and annotation of the seal's signature field."""
    reader = PdfReader(io.BytesIO(pdf))
    found = [
        (number, annotation.get_object())
        for number, page in enumerate(reader.pages)
        for annotation in page.get("/Annots", [])
        if annotation.get_object().get("/FT") == "/Sig"
    ]
    assert len(found) == 1
    return found[0]


def stamp_strings(widget: DictionaryObject) -> tuple[str, list[DictionaryObject]]:
    """The text the stamp shows (its ActualText, as a reader copies it) and its fonts."""
    texts: list[str] = []
    fonts: list[DictionaryObject] = []

    def walk(xobject: Any) -> None:
        data = xobject.get_data().decode("latin-1")
        texts.extend(re.findall(r"/ActualText \(((?:\\.|[^\\)])*)\)", data))
        resources = xobject.get("/Resources", {})
        fonts.extend(f.get_object() for f in resources.get("/Font", {}).values())
        for inner in resources.get("/XObject", {}).values():
            walk(inner.get_object())

    walk(widget["/AP"]["/N"].get_object())
    decoded = [re.sub(r"\\([0-7]{3})", lambda m: chr(int(m[1], 8)), t) for t in texts]
    return " ".join(d.replace("\\(", "(").replace("\\)", ")") for d in decoded), fonts


# --- without a seal ---------------------------------------------------------------------------


def test_without_a_seal_nothing_changes(plan_pdf: bytes) -> None:
    assert seal.load_seal_config({"SEAL_PKCS12": None}) is None
    untouched = seal.seal_pdf(plan_pdf, signatories=SIGNATORIES, organisation="X", config=None)
    assert untouched is plan_pdf


# --- the sealed document -------------------------------------------------------------------------


def test_the_seal_is_intact_trusted_and_covers_the_whole_file(
    plan_pdf: bytes, sealed: bytes, pki: Authority
) -> None:
    status = validate(sealed, pki)

    assert (status.intact, status.valid, status.trusted) == (True, True, True)
    assert status.bottom_line
    assert status.coverage == SignatureCoverageLevel.ENTIRE_FILE
    assert status.signing_cert.subject.native["common_name"] == "Exempelkommunen e-sigill (test)"
    # An incremental update: WeasyPrint's file is kept byte for byte in front of the seal.
    assert sealed.startswith(plan_pdf) and len(sealed) > len(plan_pdf)
    signature = PdfFileReader(io.BytesIO(sealed)).embedded_signatures[-1]
    assert signature.sig_object["/SubFilter"] == "/ETSI.CAdES.detached"  # PAdES
    assert signature.field_name == seal.FIELD_NAME
    assert signature.sig_object["/Reason"] == seal.REASON
    assert "formulärtjänsten" in seal.REASON
    assert signature.sig_object["/Location"] == seal.LOCATION
    assert seal.level(sealed) == "B-B"


def test_the_pdf_a_identification_is_still_there(plan_pdf: bytes, sealed: bytes) -> None:
    before, after = xmp(plan_pdf), xmp(sealed)

    for data in (before, after):
        assert re.search(rb"pdfaid:part(>|=\")2", data), data[:2000]
        assert re.search(rb"pdfaid:conformance(>|=\")B", data, re.IGNORECASE)
    # PDF/A wants the information dictionary and the XMP to agree, also after pyHanko's update.
    reader = PdfReader(io.BytesIO(sealed))
    info, metadata = reader.metadata, reader.xmp_metadata
    assert info is not None and metadata is not None
    assert info.producer == metadata.pdf_producer
    assert info.title == metadata.dc_title["x-default"] == "Plan"
    assert "/NeedAppearances" not in reader.trailer["/Root"]["/AcroForm"]


def test_the_stamp_names_both_signatories_and_their_dates_in_the_bottom_margin(
    plan_pdf: bytes, sealed: bytes
) -> None:
    page_number, widget = seal_widget(sealed)
    text, fonts = stamp_strings(widget)

    pages = len(PdfReader(io.BytesIO(plan_pdf)).pages)
    assert pages > 1 and page_number == pages - 1  # the last page
    today = local_today().isoformat()
    assert text == (
        "Underskriven i formulärtjänsten av Anna Andersson (medarbetare) 2026-12-01 och "
        f"Karin Berg (chef) 2026-12-03. Förseglad av Exempelkommunen {today}."
    )
    # Below the text area: document.css gives the page a 20 mm bottom margin.
    x0, y0, x1, y1 = (float(v) for v in widget["/Rect"])
    assert 0 < y0 < y1 <= 20 * 72 / 25.4
    assert int(widget["/F"]) & 4  # printed (PDF/A wants the print flag)
    assert list(widget["/AP"]) == ["/N"]  # PDF/A: only a normal appearance
    # PDF/A: the stamp's font is embedded, its widths in the 1000 units per em PDF reads.
    (font,) = fonts
    descendant = font["/DescendantFonts"][0].get_object()
    assert "DejaVuSans" in str(font["/BaseFont"])
    assert "/FontFile2" in descendant["/FontDescriptor"].get_object()
    widths = descendant["/W"]
    every = [int(w) for i in range(1, len(widths), 2) for w in widths[i]]
    assert max(every) <= 1100, every  # not the font's 2048 units: letters would spread apart


def test_the_stamp_is_in_the_language_the_document_is_rendered_in(app: Flask) -> None:
    with app.test_request_context(), in_language("en"):
        english = seal.stamp_text(SIGNATORIES, ORGANISATION, "2026-12-04")
        one = seal.stamp_text(SIGNATORIES[:1], ORGANISATION, "2026-12-04")
    with app.test_request_context(), in_language("sv"):
        swedish = seal.stamp_text(SIGNATORIES, ORGANISATION, "2026-12-04")

    assert english == (
        "Signed in the form service by Anna Andersson (employee) 2026-12-01 and "
        "Karin Berg (manager) 2026-12-03. Sealed by Exempelkommunen 2026-12-04."
    )
    assert one.startswith("Signed in the form service by Anna Andersson (employee) 2026-12-01.")
    assert swedish == (
        "Underskriven i formulärtjänsten av Anna Andersson (medarbetare) 2026-12-01 och "
        "Karin Berg (chef) 2026-12-03. Förseglad av Exempelkommunen 2026-12-04."
    )


def test_long_and_odd_names_are_shown_whole(plan_pdf: bytes, config: seal.SealConfig) -> None:
    odd = "Åsa-Maria 100% (%(ts)s) von Ölund-Österberg " * 3
    people = [replace(SIGNATORIES[0], name=odd.strip()), SIGNATORIES[1]]

    sealed = seal.seal_pdf(plan_pdf, signatories=people, organisation="Kommun", config=config)

    text, _ = stamp_strings(seal_widget(sealed)[1])
    assert text.startswith(f"Underskriven i formulärtjänsten av {odd.strip()} (medarbetare)")


def test_a_text_added_after_sealing_is_reported_as_a_change(sealed: bytes, pki: Authority) -> None:
    writer = PdfWriter(io.BytesIO(sealed), incremental=True)
    page = writer.pages[0]
    content = page.get_contents()
    assert content is not None
    content.set_data(content.get_data() + b"\nBT /F1 12 Tf 72 72 Td (Ny text) Tj ET")
    page.replace_contents(content)
    out = io.BytesIO()
    writer.write(out)

    status = validate(out.getvalue(), pki)

    assert status.coverage == SignatureCoverageLevel.ENTIRE_REVISION
    assert status.modification_level == ModificationLevel.OTHER
    assert status.docmdp_ok is False


def test_a_byte_changed_in_the_sealed_range_breaks_the_seal(sealed: bytes, pki: Authority) -> None:
    # One bit inside a compressed page stream of WeasyPrint's file: the file still opens.
    at = sealed.index(b"stream\n", 1000) + 40
    changed = sealed[:at] + bytes([sealed[at] ^ 0x01]) + sealed[at + 1 :]

    status = validate(changed, pki)

    assert status.intact is False
    assert not status.bottom_line


def test_another_root_does_not_trust_the_seal(sealed: bytes) -> None:
    stranger = make_pki()

    assert validate(sealed, stranger).trusted is False


# --- timestamp ------------------------------------------------------------------------------------


def test_timestamper(pki: Authority) -> DummyTimeStamper:
    """pyHanko's test timestamp authority, with the test CA's timestamping certificate."""
    key = asn1_keys.PrivateKeyInfo.load(
        pki.tsa.key.private_bytes(
            serialization.Encoding.DER,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )
    return DummyTimeStamper(tsa_cert=asn1(pki.tsa), tsa_key=key)


test_timestamper.__test__ = False  # type: ignore[attr-defined]


def test_with_a_timestamp_authority_the_seal_carries_a_trusted_timestamp(
    plan_pdf: bytes, config: seal.SealConfig, pki: Authority
) -> None:
    sealed = seal.seal_pdf(
        plan_pdf,
        signatories=SIGNATORIES,
        organisation=ORGANISATION,
        config=config,
        timestamper=test_timestamper(pki),
    )

    status = validate(sealed, pki)
    assert status.bottom_line and status.coverage == SignatureCoverageLevel.ENTIRE_FILE
    stamp = status.timestamp_validity
    assert stamp is not None and (stamp.intact, stamp.valid, stamp.trusted) == (True, True, True)
    assert abs(stamp.timestamp - datetime.now(UTC)) < timedelta(minutes=5)
    assert seal.level(sealed) == "B-T"


def _seal_with_server(
    plan_pdf: bytes, tmp_path: Path, crl_base: str, server: PKIServer, revoke: bool = False
) -> Any:
    pki = make_pki(crl_base)
    revoked = (pki.seal,) if revoke else ()
    server.files["/root.crl"] = ("application/pkix-crl", crl(pki.root))
    server.files["/intermediate.crl"] = ("application/pkix-crl", crl(pki.intermediate, revoked))
    server.timestamper = test_timestamper(pki)
    path = write_pkcs12(tmp_path / "sigill.p12", pki.seal, [pki.intermediate, pki.root])
    config = seal.load_seal_config(
        {
            "SEAL_PKCS12": str(path),
            "SEAL_PASSPHRASE": PASSPHRASE,
            "SEAL_TSA_URL": f"{server.base}/tsa",
        }
    )
    sealed = seal.seal_pdf(
        plan_pdf, signatories=SIGNATORIES, organisation=ORGANISATION, config=config
    )
    return pki, sealed


def test_with_revocation_lists_and_a_timestamp_url_the_seal_is_b_lt(
    plan_pdf: bytes, tmp_path: Path
) -> None:
    with PKIServer() as server:
        pki, sealed = _seal_with_server(plan_pdf, tmp_path, server.base, server)

    # The server is gone: the embedded lists alone must prove the chain was not revoked.
    dss = DocumentSecurityStore.read_dss(PdfFileReader(io.BytesIO(sealed)))
    context = dss.as_validation_context(
        {"trust_roots": [asn1(pki.root)], "allow_fetching": False, "revocation_mode": "require"}
    )
    signature = PdfFileReader(io.BytesIO(sealed)).embedded_signatures[-1]
    status = validate_pdf_signature(signature, context)
    assert status.bottom_line and status.coverage == SignatureCoverageLevel.ENTIRE_FILE
    assert status.timestamp_validity is not None and status.timestamp_validity.trusted
    assert len(dss.crls) == 2
    assert seal.level(sealed) == "B-LT"


def test_a_revoked_seal_certificate_seals_nothing(plan_pdf: bytes, tmp_path: Path) -> None:
    with PKIServer() as server, pytest.raises(seal.SealError, match="spärrat"):
        _seal_with_server(plan_pdf, tmp_path, server.base, server, revoke=True)


def test_without_revocation_data_the_seal_is_made_and_the_log_says_so(
    plan_pdf: bytes, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    with PKIServer() as server, caplog.at_level(logging.INFO, logger=seal.__name__):
        # The lists' address answers nothing: the service's network has no CA in reach.
        pki, sealed = _seal_with_server(plan_pdf, tmp_path, "http://127.0.0.1:9", server)

    assert validate(sealed, pki).bottom_line
    assert seal.level(sealed) == "B-T"
    assert [r.getMessage() for r in caplog.records if r.name == seal.__name__] == [
        "seal: plan PDF sealed, PAdES B-T (no revocation data to embed)"
    ]


def test_a_timestamp_authority_that_does_not_answer_stops_the_seal(
    plan_pdf: bytes, config: seal.SealConfig
) -> None:
    silent = replace(config, tsa_url="http://127.0.0.1:9/tsa")  # discard port: refused

    with pytest.raises(seal.SealError, match="tidsstämpeltjänsten"):
        seal.seal_pdf(plan_pdf, signatories=SIGNATORIES, organisation="X", config=silent)


# --- the real plan ------------------------------------------------------------------------------


# --- start-up ------------------------------------------------------------------------------------


def test_start_up_refuses_a_wrong_passphrase_and_names_the_setting(
    pki: Authority, tmp_path: Path
) -> None:
    path = write_pkcs12(tmp_path / "sigill.p12", pki.seal, [pki.intermediate, pki.root])
    wrong = "fel-lösenfras-123"

    with pytest.raises(UnsafeConfiguration) as refused:
        create_app(
            {
                "TESTING": True,
                "DATABASE": str(tmp_path / "db.sqlite3"),
                "SEAL_PKCS12": str(path),
                "SEAL_PASSPHRASE": wrong,
            }
        )

    message = str(refused.value)
    assert "FORMSERVER_SEAL_PASSPHRASE" in message and "fel lösenfras" in message
    assert wrong not in message and PASSPHRASE not in message


def _expired(pki: Authority) -> Issued:
    return issue(
        "Exempelkommunen e-sigill (gammalt)",
        pki.intermediate,
        valid_from=datetime.now(UTC) - timedelta(days=400),
        valid_days=365,
    )


@pytest.mark.parametrize(
    ("case", "setting", "words"),
    [
        ("missing file", "FORMSERVER_SEAL_PKCS12", "kan inte läsas"),
        ("not pkcs12", "FORMSERVER_SEAL_PKCS12", "ingen PKCS#12-fil"),
        ("expired", "FORMSERVER_SEAL_PKCS12", "gick ut"),
        ("passphrase without file", "FORMSERVER_SEAL_PKCS12 saknas", "PKCS#12"),
        ("tsa not a url", "FORMSERVER_SEAL_TSA_URL", "https://"),
    ],
)
def test_a_seal_that_cannot_work_is_named_at_start_up(
    case: str, setting: str, words: str, pki: Authority, tmp_path: Path
) -> None:
    path = tmp_path / "sigill.p12"
    settings: dict[str, Any] = {"SEAL_PKCS12": str(path), "SEAL_PASSPHRASE": PASSPHRASE}
    if case == "not pkcs12":
        path.write_text("-----BEGIN CERTIFICATE-----\n")
    elif case == "expired":
        write_pkcs12(path, _expired(pki), [pki.intermediate, pki.root])
    elif case == "passphrase without file":
        settings["SEAL_PKCS12"] = None
    elif case == "tsa not a url":
        write_pkcs12(path, pki.seal, [pki.intermediate, pki.root])
        settings["SEAL_TSA_URL"] = "tsa.example.se"

    (problem,) = seal.seal_problems(settings)

    assert setting in problem and words in problem
    assert PASSPHRASE not in problem


def test_a_seal_configured_without_pyhanko_installed_says_how_to_install_it(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setitem(sys.modules, "pyhanko.sign.signers", None)  # import fails

    (problem,) = seal.seal_problems({"SEAL_PKCS12": str(tmp_path / "sigill.p12")})

    assert "pyHanko saknas" in problem and "pip install 'formserver[seal]'" in problem


@pytest.mark.parametrize("typed", ["1e3", "true", '"citerad"', "[1]"])
def test_the_passphrase_is_read_as_typed_not_as_json(
    typed: str, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setenv("FORMSERVER_SEAL_PASSPHRASE", typed)
    app = Flask("formserver.app", instance_path=str(tmp_path))

    load_config(app, None)

    assert app.config["SEAL_PASSPHRASE"] == typed


def test_the_seal_is_made_from_inside_a_running_event_loop(
    plan_pdf: bytes, config: seal.SealConfig, pki: Authority
) -> None:
    """An async server worker runs a loop in its thread; pyHanko's asyncio.run() must not
    meet it."""

    async def in_a_worker() -> bytes:
        return seal.seal_pdf(
            plan_pdf, signatories=SIGNATORIES, organisation=ORGANISATION, config=config
        )

    sealed = asyncio.run(in_a_worker())
    assert validate(sealed, pki).bottom_line
