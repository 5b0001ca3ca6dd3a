"""The plan's PDF copy and the employee's copy by e-mail."""

from __future__ import annotations

import io
import logging
import re
from collections.abc import Iterator
from datetime import datetime
from email.message import EmailMessage
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from flask import Flask
from pypdf import PdfReader
from pypdf.generic import DictionaryObject

from formserver.documents.plan_document import code as verification_code
from tests.factories import EMAIL, SignIn, person, talk_of
from tests.smtp import LoopbackSMTP
from tests.views.plan_helpers import (
    GOAL,
    NOTE,
    WEASYPRINT_ICC_LEAK,
    WORDY,
    held_plan,
    mark_held,
    one_line,
    pdf_text,
    plan_url,
    sign_plan,
    signed_plan,
    versions,
    write_plan,
)
from tests.views.prepare_helpers import audit_since, last_audit_id
from tests.views.soup import one, parse, text_of

# --- 8. the PDF -----------------------------------------------------------------------------------


@WEASYPRINT_ICC_LEAK
def test_the_pdf_is_an_audited_no_store_attachment_with_a_server_made_name(app: Flask) -> None:
    talk, manager, employee = signed_plan(app)

    for role, browser in (("manager", manager), ("employee", employee)):
        before = last_audit_id(app)
        with browser.get(plan_url(talk, ".pdf")) as response:
            body = response.get_data()
            assert response.status_code == 200
            assert response.headers["Content-Type"] == "application/pdf"
            assert response.headers["Content-Disposition"] == (
                'attachment; filename="plan-2026-anna-exempelsson.pdf"'
            )
            assert response.headers["Cache-Control"] == "no-store"
        assert body.startswith(b"%PDF-")
        audited = [r for r in audit_since(app, before) if r["action"] == "plan.download"]
        assert [(r["actor_id"], r["outcome"], r["object_id"], r["detail"]) for r in audited] == [
            (
                person(app, role if role == "manager" else "employee_a").id,
                "ok",
                talk.id,
                "pdf version 1",
            )
        ]


@WEASYPRINT_ICC_LEAK
def test_the_pdf_holds_what_was_typed_the_names_the_signatures_and_the_code(
    app: Flask, signed_in: SignIn
) -> None:
    talk = talk_of(app, "employee_a")
    manager = signed_in("manager")
    response = write_plan(
        manager,
        talk,
        notes={"arbetssituation": WORDY, "samspela": "Räksmörgås på fredagar"},
        cells={
            ("mal", 0, "medarbetarens_mal"): GOAL,
            ("arets_utmaning", 0, "utmaning"): "Öva “mod” – våga fråga",
        },
    )
    assert response.status_code == 302
    assert mark_held(manager, talk).status_code == 302
    employee = signed_in("employee_a")
    assert sign_plan(manager, talk).status_code == 302
    assert sign_plan(employee, talk, "Tack för ett bra samtal – äntligen!").status_code == 302
    (version,) = versions(app, talk)
    with app.test_request_context():
        code = verification_code(version)
    assert re.fullmatch(rf"{version.id}-[A-Za-z0-9_-]{{12}}", code)

    with employee.get(plan_url(talk, ".pdf")) as pdf:
        text = pdf_text(pdf.get_data())

    assert one_line(WORDY) in text
    assert "Räksmörgås på fredagar" in text
    assert GOAL in text
    assert "Öva “mod” – våga fråga" in text
    assert "Tack för ett bra samtal – äntligen!" in text
    assert "Anna Exempelsson" in text and "Karin Chefsberg" in text
    for role in ("manager", "employee"):
        signed = datetime.fromisoformat(version.signatures[role].signed_at)
        stamp = signed.astimezone(ZoneInfo("Europe/Stockholm")).strftime("%Y-%m-%d kl. %H.%M")
        assert f"Underskriven {stamp}" in text
    assert "UTC" not in text
    assert f"Verifieringskod: {code}" in text
    assert f"kontrollkod {version.content_hash[:12]}" in text
    assert "Handlingsplan för individuella mål och kompetensutveckling" in text


@WEASYPRINT_ICC_LEAK
def test_markup_typed_in_a_note_is_text_in_the_pdf(app: Flask, signed_in: SignIn) -> None:
    talk = talk_of(app, "employee_a")
    manager = signed_in("manager")
    markup = '<script>alert("x")</script> <b>fet</b> <img src=x onerror=alert(1)> &amp;'
    assert write_plan(manager, talk, notes={"arbetssituation": markup}).status_code == 302

    with manager.get(plan_url(talk, ".pdf")) as pdf:
        text = pdf_text(pdf.get_data())

    assert one_line(markup) in text


@WEASYPRINT_ICC_LEAK
def test_the_pdf_is_laid_out_with_the_document_stylesheet(
    app: Flask, caplog: pytest.LogCaptureFixture
) -> None:
    talk, manager, _ = signed_plan(app)

    with caplog.at_level(logging.WARNING), manager.get(plan_url(talk, ".pdf")) as response:
        body = response.get_data()

    # document.css numbers the pages and sets DejaVu Sans (which has å ä ö – — “ ” … € •).
    assert re.search(r"Sida 1 av \d", pdf_text(body))
    reader = PdfReader(io.BytesIO(body))
    names = {
        str(f.get("/BaseFont")) for page in reader.pages for f in _fonts(page.get("/Resources"))
    }
    assert any("DejaVu-Sans" in n and "Mono" not in n for n in names), names
    problems = [r.getMessage() for r in caplog.records if r.name.startswith("weasyprint")]
    assert problems == []


def _fonts(resources: Any) -> Iterator[DictionaryObject]:
    fonts = resources.get_object().get("/Font") if resources else None
    for ref in (fonts.get_object() if fonts else {}).values():
        font = ref.get_object()
        yield font
        for descendant in font.get("/DescendantFonts", []):
            yield descendant.get_object()


@WEASYPRINT_ICC_LEAK
def test_the_pdf_is_pdf_a_with_every_font_embedded(app: Flask) -> None:
    talk, manager, _ = signed_plan(app)

    with manager.get(plan_url(talk, ".pdf")) as response:
        body = response.get_data()

    reader = PdfReader(io.BytesIO(body))
    metadata = reader.xmp_metadata
    assert metadata is not None
    xmp = metadata.stream.get_data()
    assert b"pdfaid" in xmp
    assert re.search(rb"pdfaid:part(>|=\")2", xmp), xmp[:2000]
    assert re.search(rb"pdfaid:conformance(>|=\")B", xmp, re.IGNORECASE)
    seen = 0
    for page in reader.pages:
        for font in _fonts(page.get("/Resources")):
            if font.get("/Subtype") == "/Type0":
                continue  # its descendant carries the descriptor
            descriptor = font["/FontDescriptor"].get_object()
            assert isinstance(descriptor, DictionaryObject)
            assert {"/FontFile", "/FontFile2", "/FontFile3"} & set(descriptor.keys()), font
            seen += 1
    assert seen > 0


def test_a_pdf_of_nothing_saved_is_404(app: Flask, signed_in: SignIn) -> None:
    talk = talk_of(app, "employee_a")
    manager = signed_in("manager")

    response = manager.get(plan_url(talk, ".pdf"))

    assert response.status_code == 404


# --- 9. the employee's copy by e-mail ---------------------------------------------------------


def _attachments(message: EmailMessage) -> list[EmailMessage]:
    return [part for part in message.iter_attachments() if isinstance(part, EmailMessage)]


@WEASYPRINT_ICC_LEAK
def test_after_both_sign_the_employee_gets_one_email_with_the_pdf(
    mail_app: Flask, smtp_server: LoopbackSMTP
) -> None:
    talk, manager, employee = held_plan(mail_app)
    assert sign_plan(manager, talk).status_code == 302
    assert smtp_server.messages == []

    assert sign_plan(employee, talk, "Bra samtal").status_code == 302

    assert len(smtp_server.messages) == 1
    assert smtp_server.rcpt_tos == [[EMAIL["employee_a"]]]
    message = smtp_server.messages[0]
    assert message["To"].addresses[0].addr_spec == EMAIL["employee_a"]
    assert message["Subject"] == "Din underskrivna plan från medarbetarsamtalet 2026"
    body = message.get_body(preferencelist=("plain",))
    assert body is not None and "Hej Anna Exempelsson!" in body.get_content()
    (attachment,) = _attachments(message)
    assert attachment.get_content_type() == "application/pdf"
    assert attachment.get_filename() == "plan-2026-anna-exempelsson.pdf"
    pdf = attachment.get_content()
    assert isinstance(pdf, bytes) and pdf.startswith(b"%PDF-")
    text = pdf_text(pdf)
    assert NOTE in text and GOAL in text and "Bra samtal" in text
    sent = [r for r in audit_since(mail_app, 0) if r["action"] == "plan.mail_copy"]
    assert [(r["outcome"], r["object_id"], r["detail"]) for r in sent] == [
        ("ok", talk.id, "version 1")
    ]


def test_no_copy_after_only_one_signature(mail_app: Flask, smtp_server: LoopbackSMTP) -> None:
    talk, _, employee = held_plan(mail_app)

    assert sign_plan(employee, talk).status_code == 302

    # Only the manager's "waits for your signature" (tests/views/test_plan_resign_mail.py).
    [msg] = smtp_server.messages
    assert "väntar på din underskrift" in msg["Subject"]
    assert not list(msg.iter_attachments())
    assert not [r for r in audit_since(mail_app, 0) if r["action"] == "plan.mail_copy"]


def test_the_document_uses_the_templates_words_and_titles_never_ids(app: Flask) -> None:
    talk, manager, _ = signed_plan(app)

    page = parse(manager.get(plan_url(talk, "/utskrift")).text)

    header = {text_of(row.th): text_of(row.td) for row in one(page, "table", class_="header")("tr")}
    # handlingsplan.yml: header_fields [Datum, Medarbetare, Ansvarig chef, "Verksamhet, enhet"]
    assert list(header) == [
        "Datum",
        "Medarbetare",
        "Ansvarig chef",
        "Verksamhet, enhet",
        "Samtalsomgång",
    ]
    assert header["Ansvarig chef"] == "Karin Chefsberg"
    assert header["Samtalsomgång"] == (
        "2026, frågeunderlag: Rutin för medarbetarsamtal – reflektionsområden (version 1)"
    )
    signatures = one(page, "table", class_="signatures")
    roles = [text_of(row.td) for row in signatures.tbody("tr")]
    assert roles == ["Ansvarig chef", "Medarbetare"]
