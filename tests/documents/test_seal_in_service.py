"""The seal as the service uses it: the archived copy stored when both have signed is sealed,
and a seal that cannot be made leaves the signatures standing and stores nothing unsealed."""

from __future__ import annotations

import logging
import re
from dataclasses import replace
from pathlib import Path

import pytest
from pyhanko.sign.validation.status import SignatureCoverageLevel

from formserver.documents import seal
from tests.documents.seal_ca import PASSPHRASE, Authority, make_pki, write_pkcs12
from tests.documents.test_seal import seal_widget, stamp_strings, validate, xmp
from tests.factories import conn, make_service
from tests.views.plan_helpers import (
    WEASYPRINT_ICC_LEAK,
    held_plan,
    plan_url,
    sign_plan,
    signed_plan,
)
from tests.views.test_languages_documents import chooses


@pytest.fixture(scope="module")
def pki() -> Authority:
    return make_pki()


@WEASYPRINT_ICC_LEAK
def test_a_plan_signed_in_a_sealing_service_is_stored_sealed_naming_both_signatories(
    tmp_path: Path, pki: Authority, caplog: pytest.LogCaptureFixture
) -> None:
    """The service with a seal configured: the copy stored when both sign, and handed out by
    every download, carries the seal, still PDF/A, its stamp naming both people."""
    path = write_pkcs12(tmp_path / "sigill.p12", pki.seal, [pki.intermediate, pki.root])
    service = make_service(tmp_path, SEAL_PKCS12=str(path), SEAL_PASSPHRASE=PASSPHRASE)
    app = next(service)
    with caplog.at_level(logging.INFO, logger="formserver.documents.seal"):
        talk, manager, employee = signed_plan(app)
    with manager.get(plan_url(talk, ".pdf")) as response:
        downloaded = response.get_data()
    with employee.get(plan_url(talk, ".pdf")) as response:
        assert response.get_data() == downloaded

    status = validate(downloaded, pki)
    assert status.bottom_line and status.coverage == SignatureCoverageLevel.ENTIRE_FILE
    assert re.search(rb"pdfaid:part(>|=\")2", xmp(downloaded))
    text, _ = stamp_strings(seal_widget(downloaded)[1])
    assert talk.employee_name in text and talk.manager_name in text
    assert "(medarbetare)" in text and "(chef)" in text
    assert [r.getMessage() for r in caplog.records if r.name == seal.__name__] == [
        "seal: plan PDF sealed, PAdES B-B (no revocation data to embed)"
    ]
    assert PASSPHRASE not in caplog.text


@WEASYPRINT_ICC_LEAK
def test_an_english_copy_is_sealed_with_an_english_stamp_and_the_archival_copy_a_swedish_one(
    tmp_path: Path, pki: Authority
) -> None:
    """The employee works in English: their copy's stamp is English, whoever made it first
    (the archival copy is made in the same request, by an English reader, and stays Swedish)."""
    path = write_pkcs12(tmp_path / "sigill.p12", pki.seal, [pki.intermediate, pki.root])
    app = next(make_service(tmp_path, SEAL_PKCS12=str(path), SEAL_PASSPHRASE=PASSPHRASE))
    talk, manager, _ = held_plan(app)
    employee = chooses(app, "employee_a", "en")
    assert sign_plan(manager, talk).status_code == 302
    assert sign_plan(employee, talk).status_code == 302  # the archival copy is sealed here

    english = employee.get(plan_url(talk, ".pdf")).get_data()
    swedish = manager.get(plan_url(talk, ".pdf")).get_data()
    assert validate(english, pki).bottom_line and validate(swedish, pki).bottom_line
    english_stamp, _ = stamp_strings(seal_widget(english)[1])
    swedish_stamp, _ = stamp_strings(seal_widget(swedish)[1])
    assert english_stamp.startswith(
        f"Signed in the form service by {talk.manager_name} (manager) "
    ), english_stamp
    assert f" and {talk.employee_name} (employee) " in english_stamp
    assert ". Sealed by " in english_stamp and "Underskriven" not in english_stamp
    assert swedish_stamp.startswith(
        f"Underskriven i formulärtjänsten av {talk.manager_name} (chef) "
    ), swedish_stamp
    assert f" och {talk.employee_name} (medarbetare) " in swedish_stamp
    assert "Signed" not in swedish_stamp


@WEASYPRINT_ICC_LEAK
def test_a_seal_that_cannot_be_made_keeps_the_signatures_and_stores_nothing_unsealed(
    tmp_path: Path, pki: Authority
) -> None:
    path = write_pkcs12(tmp_path / "sigill.p12", pki.seal, [pki.intermediate, pki.root])
    silent_tsa = "http://127.0.0.1:9/tsa"  # the discard port: refused at once
    settings = {"SEAL_PKCS12": str(path), "SEAL_PASSPHRASE": PASSPHRASE}
    app = next(make_service(tmp_path, **settings, SEAL_TSA_URL=silent_tsa))

    talk, manager, _ = signed_plan(app)  # both signatures are taken (302s)

    db = conn(app)
    assert db.execute("SELECT count(*) FROM plan_pdfs").fetchone()[0] == 0
    (seal_entry,) = db.execute(
        "SELECT outcome, detail FROM audit_log WHERE action = 'plan.seal'"
    ).fetchall()
    assert seal_entry["outcome"] == "failed" and "tidsstämpeltjänsten" in seal_entry["detail"]
    refused = manager.get(plan_url(talk, ".pdf"))
    assert refused.status_code == 503
    assert "Planen kunde inte förseglas just nu" in refused.text
    assert db.execute("SELECT count(*) FROM plan_pdfs").fetchone()[0] == 0

    # The timestamp authority answers again (here: the seal without one): the first download
    # seals and stores the copy.
    app.extensions[seal.EXTENSION] = replace(app.extensions[seal.EXTENSION], tsa_url=None)
    with manager.get(plan_url(talk, ".pdf")) as response:
        assert response.status_code == 200
        assert validate(response.get_data(), pki).bottom_line
    assert db.execute("SELECT count(*) FROM plan_pdfs").fetchone()[0] == 1
