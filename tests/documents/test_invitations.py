"""Invitations: what the employee receives through a real SMTP server on loopback."""

from __future__ import annotations

import email
import email.policy
import re
from dataclasses import replace
from datetime import UTC, datetime
from email.message import EmailMessage
from zoneinfo import ZoneInfo

import pytest
from icalendar import Calendar

from formserver.documents.invitations import (
    Invitation,
    calendar_invite,
    invitation_email,
    swedish_datetime,
)
from formserver.documents.mail import MailError, send_email
from tests.smtp import HOST, Envelope, LoopbackSMTP, free_port, header_names

STOCKHOLM = ZoneInfo("Europe/Stockholm")
SENDER = "medarbetarsamtal@example.se"
NOW = datetime(2026, 11, 20, 9, 0, tzinfo=UTC)
SIGN_IN = "https://samtal.example.se/in/hemlig-token-123"
ROUTINE = "https://handbok.example.se/rutin/medarbetarsamtal/"
TALK_PAGE = "https://samtal.example.se/samtal/t-4f9a2c"

INVITATION = Invitation(
    talk_id="t-4f9a2c",
    employee_name="Anna Exempelsson",
    employee_email="anna.exempelsson@example.se",
    manager_name="Bo Chefsson",
    manager_email="bo.chefsson@example.se",
    organisation="Exempelkommunen",
    starts_at=datetime(2026, 12, 8, 10, 0, tzinfo=STOCKHOLM),
    duration_minutes=60,
    place="Rum Ekern, plan 3",
    message="Hej Anna!\nTa gärna med dina tankar om nästa år.",
    sign_in_url=SIGN_IN,
    routine_url=ROUTINE,
    public_sector=True,
    talk_url=TALK_PAGE,
)


def deliver(inv: Invitation, server: LoopbackSMTP) -> tuple[Envelope, EmailMessage]:
    """Build and send the invitation; return the envelope and the message as received."""
    ics = calendar_invite(inv, now=NOW)
    send_email(invitation_email(inv, sender=SENDER, ics=ics), host=HOST, port=server.port)
    assert len(server.envelopes) == 1
    envelope = server.envelopes[0]
    received = email.message_from_bytes(envelope.content, policy=email.policy.default)
    assert isinstance(received, EmailMessage)
    return envelope, received


def body_and_calendar(msg: EmailMessage) -> tuple[str, Calendar]:
    """The plain-text body and the attached calendar, as a mail client would find them."""
    body = msg.get_body(preferencelist=("plain",))
    assert body is not None
    attachments = list(msg.iter_attachments())
    assert len(attachments) == 1
    ics = attachments[0]
    assert ics.get_content_type() == "text/calendar"
    assert ics.get_param("method") == "REQUEST"
    assert ics.get_filename() == "medarbetarsamtal.ics"
    payload = ics.get_payload(decode=True)
    assert isinstance(payload, bytes)
    # Quoted-printable decodes to the wire's CRLF; compare text as the reader sees it.
    return body.get_content().replace("\r\n", "\n"), Calendar.from_ical(payload)


def test_the_employee_gets_a_complete_invitation(smtp_server: LoopbackSMTP) -> None:
    envelope, msg = deliver(INVITATION, smtp_server)

    assert envelope.mail_from == SENDER
    assert envelope.rcpt_tos == ["anna.exempelsson@example.se"]
    assert msg["Subject"] == "Kallelse till medarbetarsamtal tisdag 8 december 2026 kl. 10.00"
    sender = msg["From"].addresses[0]
    assert sender.display_name == "Bo Chefsson via Exempelkommunen"
    assert sender.addr_spec == SENDER
    reply_to = msg["Reply-To"].addresses[0]
    assert (reply_to.display_name, reply_to.addr_spec) == ("Bo Chefsson", "bo.chefsson@example.se")
    to = msg["To"].addresses[0]
    assert (to.display_name, to.addr_spec) == ("Anna Exempelsson", "anna.exempelsson@example.se")

    body, calendar = body_and_calendar(msg)
    assert "Bo Chefsson kallar dig till medarbetarsamtal." in body
    assert "När: tisdag 8 december 2026 kl. 10.00–11.00" in body
    assert "Var: Rum Ekern, plan 3" in body
    assert "Hej Anna!\nTa gärna med dina tankar om nästa år." in body
    assert SIGN_IN in body
    assert "Länken är personlig" in body
    assert f"Läs gärna hela rutinen för medarbetarsamtal: {ROUTINE}" in body

    [event] = calendar.events
    assert calendar["METHOD"] == "REQUEST"
    assert event.start == datetime(2026, 12, 8, 10, 0, tzinfo=STOCKHOLM)
    assert isinstance(event.start, datetime)
    assert str(event.start.tzinfo) == "Europe/Stockholm"
    assert event.end == datetime(2026, 12, 8, 11, 0, tzinfo=STOCKHOLM)
    assert [tz.tz_name for tz in calendar.timezones] == ["Europe/Stockholm"]
    assert event["SUMMARY"] == "Medarbetarsamtal med Bo Chefsson"
    assert event["LOCATION"] == "Rum Ekern, plan 3"
    assert event["UID"] == "t-4f9a2c@medarbetarsamtal"
    assert event["ORGANIZER"] == "mailto:bo.chefsson@example.se"
    assert event["ORGANIZER"].params["CN"] == "Bo Chefsson"
    [attendee] = event.attendees
    assert attendee == "mailto:anna.exempelsson@example.se"
    assert attendee.params["CN"] == "Anna Exempelsson"
    assert attendee.params["ROLE"] == "REQ-PARTICIPANT"
    assert attendee.params["RSVP"] == "TRUE"
    description = str(event["DESCRIPTION"])
    assert "Ta gärna med dina tankar" in description
    # The calendar links to the talk's page: a single-use sign-in link would stop working
    # after the first sign-in, and the entry lives on for weeks.
    assert TALK_PAGE in description
    assert ROUTINE in description


def test_the_sign_in_link_is_nowhere_in_the_calendar_file() -> None:
    ics = calendar_invite(INVITATION, now=NOW)
    assert SIGN_IN.encode() not in ics
    assert b"hemlig-token" not in ics.replace(b"\r\n ", b"")


def test_the_calendar_file_has_no_english_text() -> None:
    # icalendar's generated VTIMEZONE said "This timezone only works from … to …".
    calendar = Calendar.from_ical(calendar_invite(INVITATION, now=NOW))
    [timezone] = calendar.walk("VTIMEZONE")
    assert "COMMENT" not in timezone
    unfolded = calendar_invite(INVITATION, now=NOW).replace(b"\r\n ", b"").decode()
    for english in ("This", "timezone", "only works", "from"):
        assert english not in unfolded


def test_a_new_call_updates_the_same_event() -> None:
    first = calendar_invite(INVITATION, now=NOW)
    assert first == calendar_invite(INVITATION, now=NOW)
    moved = replace(INVITATION, starts_at=datetime(2026, 12, 9, 13, 0, tzinfo=STOCKHOLM))
    [before] = Calendar.from_ical(first).events
    [after] = Calendar.from_ical(calendar_invite(moved, sequence=1, now=NOW)).events
    assert after["UID"] == before["UID"]
    assert (before["SEQUENCE"], after["SEQUENCE"]) == (0, 1)


def test_start_in_another_zone_is_shown_in_stockholm_time() -> None:
    summer = replace(INVITATION, starts_at=datetime(2026, 7, 1, 8, 0, tzinfo=UTC))
    msg = invitation_email(summer, sender=SENDER, ics=calendar_invite(summer, now=NOW))
    assert msg["Subject"].endswith("onsdag 1 juli 2026 kl. 10.00")
    [event] = Calendar.from_ical(calendar_invite(summer, now=NOW)).events
    assert event.start == datetime(2026, 7, 1, 10, 0, tzinfo=STOCKHOLM)
    assert isinstance(event.start, datetime)
    assert str(event.start.tzinfo) == "Europe/Stockholm"


INJECTED_NAMES = [
    "Anna Exempelsson\r\nBcc: evil@example.com",
    'Åsa Öberg, "chef"',
    "Name\nX-Injected: 1",
    "Exempelsson " * 25,
    "Anna\u200bExempels\u202esson\u2066\u2069",
    "Anna\u2028Bcc: evil@example.com\x85X-Injected: 1\x00",
]


@pytest.mark.parametrize("name", INJECTED_NAMES)
def test_names_cannot_add_headers(name: str, smtp_server: LoopbackSMTP) -> None:
    inv = replace(INVITATION, employee_name=name, manager_name=name, organisation=name)
    envelope, msg = deliver(inv, smtp_server)

    assert envelope.rcpt_tos == ["anna.exempelsson@example.se"]
    head = re.split(rb"\r?\n\r?\n", envelope.content, maxsplit=1)[0]
    assert head.isascii()
    names = header_names(envelope.content)
    assert "bcc" not in names and "x-injected" not in names
    for single in ("from", "to", "reply-to", "subject", "date", "message-id"):
        assert names.count(single) == 1, single
    shown = [msg[key].addresses[0].display_name for key in ("From", "To", "Reply-To")]
    for display_name in shown:
        assert not re.search(r"[\r\n\x00\x85\u2028\u200b\u202e\u2066\u2069]", display_name)
    if name == 'Åsa Öberg, "chef"':
        assert shown[1:] == [name, name]

    _, calendar = body_and_calendar(msg)
    [event] = calendar.events
    assert "X-INJECTED" not in event and "BCC" not in event
    for address in (event["ORGANIZER"], *event.attendees):
        assert not re.search(r"[\r\n]", address.params["CN"])


def test_an_address_with_a_line_break_is_refused() -> None:
    inv = replace(INVITATION, employee_email="anna@example.se\r\nBcc: evil@example.com")
    with pytest.raises(ValueError, match="Ogiltig e-postadress"):
        invitation_email(inv, sender=SENDER, ics=b"")
    with pytest.raises(ValueError, match="Ogiltig e-postadress"):
        calendar_invite(inv, now=NOW)


@pytest.mark.parametrize(
    ("public_sector", "expected"), [(True, True), (False, False)], ids=["offentlig", "privat"]
)
def test_public_document_sentence(public_sector: bool, expected: bool) -> None:
    inv = replace(INVITATION, public_sector=public_sector)
    body, _ = body_and_calendar(invitation_email(inv, sender=SENDER, ics=calendar_invite(inv)))
    assert ("kan bli en allmän handling" in body) is expected


def test_empty_message_leaves_no_empty_heading() -> None:
    inv = replace(INVITATION, message="  \n ")
    body, calendar = body_and_calendar(
        invitation_email(inv, sender=SENDER, ics=calendar_invite(inv, now=NOW))
    )
    assert "Meddelande från" not in body
    assert str(calendar.events[0]["DESCRIPTION"]).startswith("Samtalets sida")


def test_mail_error_when_nothing_listens() -> None:
    msg = invitation_email(INVITATION, sender=SENDER, ics=calendar_invite(INVITATION, now=NOW))
    with pytest.raises(MailError, match="Kallelsen skickades inte") as caught:
        send_email(msg, host=HOST, port=free_port(), timeout=2)
    assert isinstance(caught.value.__cause__, OSError)


def test_mail_error_when_the_server_cannot_encrypt(smtp_server: LoopbackSMTP) -> None:
    msg = invitation_email(INVITATION, sender=SENDER, ics=calendar_invite(INVITATION, now=NOW))
    with pytest.raises(MailError, match="Kallelsen skickades inte"):
        send_email(msg, host=HOST, port=smtp_server.port, starttls=True, timeout=2)
    assert smtp_server.envelopes == []


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        (datetime(2026, 12, 8, 10, 0, tzinfo=STOCKHOLM), "tisdag 8 december 2026 kl. 10.00"),
        (datetime(2026, 6, 15, 9, 5, tzinfo=STOCKHOLM), "måndag 15 juni 2026 kl. 09.05"),
        # The last Sunday of March: summer time starts at 02.00, so 03.30 exists, 02.30 does not.
        (datetime(2026, 3, 29, 3, 30, tzinfo=STOCKHOLM), "söndag 29 mars 2026 kl. 03.30"),
        (datetime(2026, 10, 25, 14, 0, tzinfo=STOCKHOLM), "söndag 25 oktober 2026 kl. 14.00"),
        (datetime(2027, 1, 1, 8, 30, tzinfo=UTC), "fredag 1 januari 2027 kl. 08.30"),
    ],
)
def test_swedish_datetime(value: datetime, expected: str) -> None:
    assert swedish_datetime(value) == expected
