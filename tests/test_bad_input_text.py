"""Control characters, markup, template and SQL syntax are stored as text and shown as text."""

from __future__ import annotations

import io

import pytest
from flask import Flask
from icalendar import Calendar
from markupsafe import escape

from tests.bad_input_helpers import WEASYPRINT_ICC_LEAK, count, tables
from tests.bad_input_targets import (
    EDITABLE,
    TARGETS,
    SharedService,
    note_target,
    place_target,
)
from tests.factories import csrf_token, talk_by_year
from tests.smtp import LoopbackSMTP

# --- 4. control characters, bidi overrides, zero-width characters, Unicode to normalise -----------

NORMALISED = [
    # (typed, kept in a multi-line field, kept in a one-line field)
    pytest.param("a\x00b\x07c\x1bd\x7fe\x85f\x9fg", "abcdefg", "abcdefg", id="styrtecken-C0-C1"),
    pytest.param(
        "Anna\u202eagirdroM\u202c \u2066x\u2069 \u200fy",
        "AnnaagirdroM x \u200fy",
        "AnnaagirdroM x \u200fy",
        id="bidi",
    ),
    pytest.param(
        "noll\u200bbredd\u2060ord\ufeff och \U0001f469\u200d\U0001f4bb",
        "nollbreddord och \U0001f469\u200d\U0001f4bb",
        "nollbreddord och \U0001f469\u200d\U0001f4bb",
        id="nollbredd",
    ),
    pytest.param("Sa\u030ang ho\u0308st \u212b", "Sång höst Å", "Sång höst Å", id="NFC"),
    pytest.param(
        "rad ett\r\nrad två\rrad tre\u2028rad fyra",
        "rad ett\nrad två\nrad tre\nrad fyra",
        "rad ett rad två rad tre rad fyra",
        id="radbrytningar",
    ),
    pytest.param("  \tindrag\tmed tabb \n", "indrag\tmed tabb", "indrag med tabb", id="kanter"),
]


@pytest.mark.parametrize(("typed", "kept_text", "kept_line"), NORMALISED)
@pytest.mark.parametrize("target_name", list(TARGETS))
def test_typed_text_is_normalised_before_it_is_stored_and_shown(
    shared: SharedService, target_name: str, typed: str, kept_text: str, kept_line: str
) -> None:
    target = shared.target(target_name)
    kept = kept_line if target.single_line else kept_text
    # The expectations are written out; they must also be what formserver.common.text says.
    assert kept == target.normalised(typed)

    response = target.post(typed)

    assert response.status_code == target.success, response.text[:300]
    assert target.read() == kept
    if target_name in EDITABLE:
        assert target.shown(target.open()) == kept


# --- 5. HTML, script and template syntax: text everywhere -----------------------------------------

MARKUP = [
    pytest.param("<script>alert('x')</script><img src=x onerror=alert(1)>", id="html-script"),
    pytest.param("{{ config }} {% debug %} {{ 7*7 }} ${7*7} #{7*7} <%= 7*7 %>", id="mallsyntax"),
    pytest.param("</textarea><b>fet</b>&amp; \"citat\" 'enkel'", id="textarea-utbrytning"),
]


@pytest.mark.parametrize("typed", MARKUP)
@pytest.mark.parametrize("target_name", list(TARGETS))
def test_markup_and_template_syntax_are_stored_as_typed_and_shown_as_text(
    shared: SharedService, target_name: str, typed: str
) -> None:
    target = shared.target(target_name)

    response = target.post(typed)

    assert response.status_code == target.success, response.text[:300]
    assert target.read() == typed
    page = target.open() if target_name in EDITABLE else target.client.get(target.page_url).text
    assert str(escape(typed)) in page
    assert "<script>" not in page and "<b>fet</b>" not in page
    assert shared.app.config["SECRET_KEY"] not in page and "&lt;Config" not in page
    if target_name in EDITABLE:
        assert target.shown(page) == typed


def test_markup_in_the_call_reaches_the_email_and_invitation_as_plain_text(
    mail_app: Flask, smtp_server: LoopbackSMTP
) -> None:
    place = "<b>Rum</b> {{ config }} ${7*7}"
    message = "<script>alert(1)</script>\n{% debug %} {{ 7*7 }} & <i>kursiv</i>"
    target = place_target(mail_app)

    response = target.post(place, message=message)

    assert response.status_code == 200, response.text[:300]
    [msg] = smtp_server.messages
    text_parts = [p for p in msg.walk() if p.get_content_type() == "text/plain"]
    assert [p.get_content_type() for p in msg.walk() if p.get_content_maintype() == "text"] == [
        "text/plain",
        "text/calendar",
    ]
    body = text_parts[0].get_content().replace("\r\n", "\n")
    assert f"Var: {place}" in body
    assert message in body
    assert mail_app.config["SECRET_KEY"] not in body
    [ics] = [p for p in msg.walk() if p.get_content_type() == "text/calendar"]
    [event] = Calendar.from_ical(ics.get_payload(decode=True)).walk("VEVENT")
    assert str(event["LOCATION"]) == place
    assert message in str(event["DESCRIPTION"])


@WEASYPRINT_ICC_LEAK
def test_markup_in_the_notes_is_text_in_the_pdf(app: Flask) -> None:
    from pypdf import PdfReader

    typed = "<script>alert(1)</script> {{ config }} {% debug %} ${7*7}"
    target = note_target(app)
    assert target.post(typed).status_code == 302
    talk = talk_by_year(app, "employee_a")
    page = target.open()
    held = target.client.post(
        f"/samtal/{talk.id}/plan/genomford", data={"csrf_token": csrf_token(page)}
    )
    assert held.status_code == 302

    response = target.client.get(f"/samtal/{talk.id}/plan.pdf")

    assert response.status_code == 200
    assert response.mimetype == "application/pdf"
    text = "".join(p.extract_text() for p in PdfReader(io.BytesIO(response.data)).pages)
    assert typed in text
    assert app.config["SECRET_KEY"] not in text


# --- 7. SQL syntax --------------------------------------------------------------------------------

SQL = [
    "'; DROP TABLE preparations; --",
    "Robert'); DROP TABLE people; --",
    "1' OR '1'='1",
    '" UNION SELECT id_hash FROM sessions --',
]


@pytest.mark.parametrize("typed", SQL)
@pytest.mark.parametrize("target_name", list(TARGETS))
def test_sql_syntax_is_stored_as_typed_and_the_tables_are_intact(
    shared: SharedService, target_name: str, typed: str
) -> None:
    target = shared.target(target_name)
    before_tables, people = tables(shared.app), count(shared.app, "people")

    response = target.post(typed)

    assert response.status_code == target.success, response.text[:300]
    assert target.read() == typed
    assert tables(shared.app) == before_tables
    assert count(shared.app, "people") == people
    page = target.open() if target_name in EDITABLE else target.client.get(target.page_url).text
    assert str(escape(typed)) in page
