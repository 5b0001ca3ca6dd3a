"""A small certificate authority made in the test (no network): root → intermediate → seal,
and a timestamp authority, as an organisation's PKI would issue them."""

from __future__ import annotations

import threading
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, rsa
from cryptography.hazmat.primitives.serialization import pkcs12
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

PASSPHRASE = "rätt lösenfras 42"


@dataclass(frozen=True)
class Issued:
    """A certificate and its key."""

    certificate: x509.Certificate
    key: rsa.RSAPrivateKey | ec.EllipticCurvePrivateKey


def _name(common_name: str) -> x509.Name:
    return x509.Name(
        [
            x509.NameAttribute(NameOID.COUNTRY_NAME, "SE"),
            x509.NameAttribute(NameOID.ORGANIZATION_NAME, "Exempelkommunen"),
            x509.NameAttribute(NameOID.COMMON_NAME, common_name),
        ]
    )


def _usage(*, sign: bool = False, ca: bool = False) -> x509.KeyUsage:
    return x509.KeyUsage(
        digital_signature=sign,
        content_commitment=sign,
        key_encipherment=False,
        data_encipherment=False,
        key_agreement=False,
        key_cert_sign=ca,
        crl_sign=ca,
        encipher_only=False,
        decipher_only=False,
    )


def issue(
    common_name: str,
    issuer: Issued | None,
    *,
    ca: bool = False,
    eku: x509.ObjectIdentifier | None = None,
    valid_from: datetime | None = None,
    valid_days: int = 365,
    rsa_key: bool = False,
    crl_url: str | None = None,
) -> Issued:
    """A certificate for `common_name` signed by `issuer` (self-signed when None)."""
    key: rsa.RSAPrivateKey | ec.EllipticCurvePrivateKey = (
        rsa.generate_private_key(public_exponent=65537, key_size=2048)
        if rsa_key
        else ec.generate_private_key(ec.SECP256R1())
    )
    start = valid_from or datetime.now(UTC) - timedelta(days=1)
    builder = (
        x509.CertificateBuilder()
        .subject_name(_name(common_name))
        .issuer_name(issuer.certificate.subject if issuer else _name(common_name))
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(start)
        .not_valid_after(start + timedelta(days=valid_days))
        .add_extension(x509.BasicConstraints(ca=ca, path_length=None), critical=True)
        .add_extension(_usage(sign=not ca, ca=ca), critical=True)
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(key.public_key()), critical=False)
    )
    if issuer:
        builder = builder.add_extension(
            x509.AuthorityKeyIdentifier.from_issuer_public_key(issuer.key.public_key()),
            critical=False,
        )
    if eku:
        builder = builder.add_extension(x509.ExtendedKeyUsage([eku]), critical=True)
    if crl_url:
        point = x509.DistributionPoint(
            full_name=[x509.UniformResourceIdentifier(crl_url)],
            relative_name=None,
            reasons=None,
            crl_issuer=None,
        )
        builder = builder.add_extension(x509.CRLDistributionPoints([point]), critical=False)
    signing_key = issuer.key if issuer else key
    return Issued(builder.sign(signing_key, hashes.SHA256()), key)


@dataclass(frozen=True)
class Authority:
    """The test CA's certificates."""

    root: Issued
    intermediate: Issued
    seal: Issued
    tsa: Issued


def make_pki(crl_base: str | None = None) -> Authority:
    """Root, intermediate, the organisation's seal and a timestamp authority; with `crl_base`,
    the certificates below the root name their CRLs there (root.crl, intermediate.crl)."""
    root_crl = f"{crl_base}/root.crl" if crl_base else None
    intermediate_crl = f"{crl_base}/intermediate.crl" if crl_base else None
    root = issue("Exempelkommunen rot-CA (test)", None, ca=True, valid_days=3650)
    intermediate = issue("Exempelkommunen utfärdande CA (test)", root, ca=True, crl_url=root_crl)
    seal = issue("Exempelkommunen e-sigill (test)", intermediate, crl_url=intermediate_crl)
    # pyHanko's test timestamp authority signs with RSA only.
    tsa = issue(
        "Exempelkommunen tidsstämpel (test)",
        root,
        eku=ExtendedKeyUsageOID.TIME_STAMPING,
        rsa_key=True,
        crl_url=root_crl,
    )
    return Authority(root, intermediate, seal, tsa)


def write_pkcs12(
    path: Path, seal: Issued, chain: list[Issued], passphrase: str = PASSPHRASE
) -> Path:
    """The seal's key, certificate and chain as a passphrase-protected PKCS#12 file."""
    path.write_bytes(
        pkcs12.serialize_key_and_certificates(
            b"e-sigill",
            seal.key,
            seal.certificate,
            [c.certificate for c in chain],
            serialization.BestAvailableEncryption(passphrase.encode("utf-8")),
        )
    )
    return path


def crl(issuer: Issued, revoked: tuple[Issued, ...] = ()) -> bytes:
    """`issuer`'s certificate revocation list naming `revoked`, valid for a week (DER)."""
    now = datetime.now(UTC)
    builder = x509.CertificateRevocationListBuilder()
    for entry in revoked:
        builder = builder.add_revoked_certificate(
            x509.RevokedCertificateBuilder()
            .serial_number(entry.certificate.serial_number)
            .revocation_date(now - timedelta(hours=1))
            .build()
        )
    return (
        builder.issuer_name(issuer.certificate.subject)
        .last_update(now - timedelta(minutes=5))
        .next_update(now + timedelta(days=7))
        .add_extension(x509.CRLNumber(1), critical=False)
        .add_extension(
            x509.AuthorityKeyIdentifier.from_issuer_public_key(issuer.key.public_key()),
            critical=False,
        )
        .sign(issuer.key, hashes.SHA256())
        .public_bytes(serialization.Encoding.DER)
    )


class PKIServer:
    """The CA's CRLs and a timestamp authority over HTTP on loopback, in a thread."""

    def __init__(self) -> None:
        self.files: dict[str, tuple[str, bytes]] = {}
        self.timestamper: Any = None
        server = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:  # noqa: N802 - http.server's name
                self._answer(*server.files.get(self.path, ("text/plain", b"")))

            def do_POST(self) -> None:  # noqa: N802
                from asn1crypto import tsp

                body = self.rfile.read(int(self.headers["Content-Length"]))
                response = server.timestamper.request_tsa_response(tsp.TimeStampReq.load(body))
                self._answer("application/timestamp-reply", response.dump())

            def _answer(self, content_type: str, data: bytes) -> None:
                self.send_response(200 if data else 404)
                self.send_header("Content-Type", content_type)
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def log_message(self, *args: Any) -> None:
                pass

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.base = f"http://127.0.0.1:{self.httpd.server_address[1]}"
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)

    def __enter__(self) -> PKIServer:
        self.thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()
        self.thread.join(timeout=5)
