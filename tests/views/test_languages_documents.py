"""E-mails, the calendar file, the plan's PDF and the CSV files in the reader's language: an
employee who chose English and a manager who works in Swedish, read from the outside (raw
e-mail bytes, PDF text, CSV bytes)."""

from __future__ import annotations

from email.message import EmailMessage

from babel.dates import format_date
from flask import Flask
from icalendar import Calendar

from formserver import siteconfig
from tests.factories import choosing_language, conn, talk_of
from tests.smtp import LoopbackSMTP
from tests.views.call_helpers import in_days, post_call
from tests.views.downloads_helpers import coverage_url, team_url
from tests.views.plan_helpers import (
    WEASYPRINT_ICC_LEAK,
    held_plan,
    pdf_text,
    plan_url,
    sign_plan,
)
from tests.views.soup import parse, text_of

ENGLISH_COPY = "This document is in English. The organisation’s archival copy of the plan is in"
ARCHIVAL = "Dokumentet är på svenska. Det är organisationens arkivexemplar."


chooses = choosing_language


def to(smtp: LoopbackSMTP, email: str) -> list[EmailMessage]:
    return [m for m in smtp.messages if email in str(m["To"])]


def text_part(message: EmailMessage) -> EmailMessage:
    body = message.get_body(preferencelist=("plain",))
    assert isinstance(body, EmailMessage)
    return body


def one_line(text: str) -> str:
    return " ".join(text.split())


def test_the_invitation_and_its_calendar_file_are_in_the_employees_language(
    mail_app: Flask, smtp_server: LoopbackSMTP
) -> None:
    talk = talk_of(mail_app, "employee_a")
    chooses(mail_app, "employee_a", "en")
    manager = chooses(mail_app, "manager", "sv")
    day = in_days(21)
    response = post_call(manager, talk.id, day)
    assert response.status_code == 200, text_of(parse(response.text).find("main"))
    [message] = to(smtp_server, talk.employee_email)
    spoken = format_date(day, "EEEE d MMMM y", locale="en")
    # A subject longer than a header line is folded after "Subject:"; unfolded it reads:
    subject = one_line(str(message["Subject"]))
    assert subject == f"Invitation to a development dialogue {spoken} at 10:00"
    body = text_part(message)
    assert body["Content-Language"] == "en"
    text = body.get_content()
    assert f"When: {spoken} at 10:00–10:45" in text
    assert text.startswith("Hello Anna Exempelsson,")
    assert "invites you to a development dialogue" in text and "kallar dig" not in text
    [ics] = [p for p in message.iter_attachments() if p.get_content_type() == "text/calendar"]
    event = Calendar.from_ical(ics.get_payload(decode=True)).walk("VEVENT")[0]
    assert str(event["SUMMARY"]).startswith("Development dialogue with ")
    assert "The routine for development dialogues:" in str(event["DESCRIPTION"])
    with mail_app.app_context():
        organisation = siteconfig.current().organisation
    english_routine = organisation.handbook_url.rstrip("/") + "/en/hela-rutinen/"
    assert english_routine in str(event["DESCRIPTION"]) and english_routine in text


def test_the_manager_in_swedish_and_the_employee_in_english_each_get_their_own(
    mail_app: Flask, smtp_server: LoopbackSMTP
) -> None:
    talk, manager, employee = held_plan(mail_app)
    chooses(mail_app, "employee_a", "en")
    # The employee signs first: the manager is told in Swedish, as before.
    assert sign_plan(employee, talk).status_code == 302
    [waiting] = to(smtp_server, talk.manager_email)
    assert waiting["Subject"] == "Planen från medarbetarsamtalet 2026 väntar på din underskrift"
    assert text_part(waiting)["Content-Language"] == "sv"
    assert (
        "har skrivit under planen från medarbetarsamtalet 2026." in text_part(waiting).get_content()
    )
    # The manager signs: the employee's copy comes in English, in English.
    assert sign_plan(manager, talk).status_code == 302
    [copy] = to(smtp_server, talk.employee_email)
    assert copy["Subject"] == "Your signed plan from the development dialogue 2026"
    assert text_part(copy)["Content-Language"] == "en"
    [attachment] = list(copy.iter_attachments())
    english = one_line(pdf_text(attachment.get_content()))
    assert ENGLISH_COPY + " Swedish" in english
    assert "Notes" in english and "Anteckningar" not in english
    assert "Page 1 of" in english and "Sida" not in english


@WEASYPRINT_ICC_LEAK
def test_the_archival_copy_stays_swedish_and_a_reader_may_download_either(
    mail_app: Flask, smtp_server: LoopbackSMTP
) -> None:
    talk, manager, employee = held_plan(mail_app)
    chooses(mail_app, "employee_a", "en")
    assert sign_plan(manager, talk).status_code == 302
    assert sign_plan(employee, talk).status_code == 302
    rows = conn(mail_app).execute("SELECT language, pdf FROM plan_pdfs ORDER BY rendered_at")
    stored = {row["language"]: bytes(row["pdf"]) for row in rows}
    assert set(stored) == {"sv", "en"}  # the archival copy first, then the employee's
    archival = one_line(pdf_text(stored["sv"]))
    assert ARCHIVAL in archival and "Anteckningar" in archival and "Notes" not in archival
    assert "Sida 1 av" in archival and "Page" not in archival
    # Each reader downloads the stored copy in their language; the other one on request.
    assert manager.get(plan_url(talk, ".pdf")).data == stored["sv"]
    employee_browser = chooses(mail_app, "employee_a", "en")
    assert employee_browser.get(plan_url(talk, ".pdf")).data == stored["en"]
    assert employee_browser.get(plan_url(talk, ".pdf?sprak=sv")).data == stored["sv"]
    page = parse(employee_browser.get(plan_url(talk)).text)
    other = page.find("a", hreflang="sv")
    assert other is not None and text_of(other) == "Ladda ner på svenska"
    printed = text_of(parse(employee_browser.get(plan_url(talk, "/utskrift")).text))
    assert "Notes" in printed and ENGLISH_COPY in printed


def test_the_csv_headers_follow_the_readers_language(app: Flask) -> None:
    talk = talk_of(app, "employee_a")
    english = chooses(app, "manager", "en").get(team_url(talk.round_id, "oversikt.csv"))
    header = english.data.decode("utf-8-sig").splitlines()[0]
    assert header == ('"Employee";"Unit";"Status";"Date";"Place";"Plan version";"Signed by both"')
    swedish = chooses(app, "manager", "sv").get(team_url(talk.round_id, "oversikt.csv"))
    assert swedish.data.decode("utf-8-sig").splitlines()[0] == (
        '"Medarbetare";"Enhet";"Status";"Datum";"Plats";"Planversion";"Underskriven av båda"'
    )
    coverage = chooses(app, "hr", "en").get(coverage_url(talk.round_id))
    assert (
        coverage.data.decode("utf-8-sig")
        .splitlines()[0]
        .startswith('"Unit";"Manager";"Due a dialogue";')
    )
