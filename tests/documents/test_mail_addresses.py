"""No name in the roster can change where an e-mail goes or where a reply goes (issue 13).

Every message the service sends is built for real, turned into the bytes that go on the wire,
and read back the way mail clients read it: with the modern parser (email.policy.default) and
with the old compat32 parser and getaddresses, which many tools still use. Each address header
must hold exactly the one intended address, show the cleaned name, and add no header.
"""

from __future__ import annotations

import email
import email.policy
import re
from datetime import UTC, date, datetime
from email.header import decode_header, make_header
from email.message import EmailMessage, Message
from email.parser import BytesParser
from email.utils import getaddresses

import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st

from formserver.documents import invitations, mail, reminder_mail
from formserver.documents.addresses import clean_display_name, mailbox, new_message
from tests.smtp import header_names

SENDER = "medarbetarsamtal@example.se"
EMPLOYEE = "anna.andersson@example.se"
MANAGER = "bo.chefsson@example.se"
ISSUE_NAME = "Anna Andersson Förvaltningen för teknik och miljö enheten <evil@example.com>"
NAMES = [
    ISSUE_NAME,
    "Anna Andersson Forvaltningen for teknik och miljo enheten <evil@example.com>",
    '<img src="file:///etc/passwd">',
    'Anna "Boss" Andersson, Chef; Enhet: Teknik @ Miljö',
    "Andersson, Anna <evil@example.com>, Bo <evil2@example.com>",
    "Anna\r\nBcc: evil@example.com",
    "Anna\nReply-To: evil@example.com",
    "Anna \u202eevil@example.com\u202c Andersson\u2066\u2069\u200b",
    "Åsa Öberg-Ärlig 😀👩‍👩‍👧",
    "=?utf-8?q?evil=40example=2Ecom?= <evil@example.com>",
    'Anna \\" <evil@example.com> \\',
    "x" * 250 + " <evil@example.com>",
    "Förvaltningenförteknikochmiljöenhetenförvaltningenförteknikochmiljöenheten" * 3,
    ';:,@<>()[]\\".',
    "",
]


def talk(
    employee: str, manager: str, organisation: str = "Exempelkommunen"
) -> invitations.Invitation:
    return invitations.Invitation(
        talk_id="t-1",
        employee_name=employee,
        employee_email=EMPLOYEE,
        manager_name=manager,
        manager_email=MANAGER,
        organisation=organisation,
        starts_at=datetime(2026, 12, 8, 9, 0, tzinfo=UTC),
        duration_minutes=60,
        place="Rum Ekern",
        message="",
        sign_in_url="https://samtal.example.se/logga-in/t",
        routine_url="https://handbok.example.se/rutin/",
        public_sector=True,
    )


# What each header must hold: (header, address, the name the client must show).
Expected = list[tuple[str, str, str]]


def every_message(name: str) -> list[tuple[str, EmailMessage, Expected]]:
    """Every kind of e-mail the service sends, with `name` wherever a person's or the
    organisation's name goes."""
    org_from = clean_display_name(f"Medarbetarsamtal, {name}")
    person = clean_display_name(name)
    own = [("From", SENDER, org_from), ("To", EMPLOYEE, person)]
    common = {"sender": SENDER, "organisation": name, "name": name, "email": EMPLOYEE}
    inv = talk(name, name, organisation=name)
    via = clean_display_name(f"{person} via {person}") if person else person
    talk_headers = [("From", SENDER, via), ("Reply-To", MANAGER, person), ("To", EMPLOYEE, person)]
    ics = invitations.calendar_invite(inv, now=datetime(2026, 11, 1, tzinfo=UTC))
    reminder = reminder_mail.preparation_employee(
        manager=name, starts_at=datetime(2026, 12, 8, 9, 0, tzinfo=UTC)
    )
    link = "https://samtal.example.se/logga-in/t"
    return [
        ("sign-in", mail.sign_in_email(url=link, days=7, **common), own),
        (
            "signed plan",
            mail.signed_plan_email(year=2026, pdf=b"%PDF-1.7", filename="plan.pdf", **common),
            own,
        ),
        (
            "signature waiting",
            mail.signature_waiting_email(
                year=2026, number=2, url=link, link_days=7, why="Planen har ändrats.", **common
            ),
            own,
        ),
        ("invitation", invitations.invitation_email(inv, sender=SENDER, ics=ics), talk_headers),
        (
            "moved",
            invitations.moved_email(inv, sender=SENDER, ics=ics, sign_in_url=link),
            talk_headers,
        ),
        ("cancelled", invitations.cancelled_email(inv, sender=SENDER, ics=ics), talk_headers),
        (
            "reminder",
            reminder_mail.reminder_email(reminder, url=link, personal_link_days=7, **common),
            own,
        ),
        (
            "hr digest",
            reminder_mail.reminder_email(
                reminder_mail.not_called(year=2026, opened_on=date(2026, 11, 1), employees=[name]),
                url=link,
                personal_link_days=None,
                **common,
            ),
            own,
        ),
    ]


def compat_name(raw_name: str) -> str:
    """A display name as an RFC 2047 decoder (compat32's decode_header) shows it."""
    return str(make_header(decode_header(raw_name)))


def assert_reads_as_intended(kind: str, raw: bytes, expected: Expected) -> None:
    head = re.split(rb"\r\n\r\n", raw, maxsplit=1)[0]
    assert head.isascii(), kind
    assert all(len(line) <= 78 for line in head.split(b"\r\n")), kind
    names = header_names(raw)  # fails on a line that is neither a header nor a fold
    wanted = {header.lower() for header, _, _ in expected}
    assert {n for n in names if n in {"from", "to", "cc", "bcc", "reply-to", "sender"}} == wanted
    for single in (*wanted, "subject", "date", "message-id"):
        assert names.count(single) == 1, (kind, single)
    assert not {n for n in names if n.startswith("x-")}, kind

    modern = BytesParser(policy=email.policy.default).parsebytes(raw)
    old: Message = email.message_from_bytes(raw)
    for header, address, shown in expected:
        [one] = modern[header].addresses
        assert one.addr_spec == address, (kind, header, one)
        # CPython's modern parser keeps the space between two encoded words (RFC 2047 drops
        # it), so only the letters are compared here; the RFC 2047 decoder below is exact.
        assert one.display_name.split() == shown.split() or (
            "".join(one.display_name.split()) == "".join(shown.split())
        ), (kind, header, one.display_name, shown)
        assert not re.search(r"[\r\n\x00\x85\u2028\u202e\u2066\u2069\u200b]", one.display_name)
        [(raw_name, raw_address)] = getaddresses(old.get_all(header, []))
        assert raw_address == address, (kind, header, raw_name, raw_address)
        assert compat_name(raw_name) == shown, (kind, header)


@pytest.mark.parametrize("name", NAMES)
def test_no_name_redirects_any_message(name: str) -> None:
    for kind, msg, expected in every_message(name):
        assert_reads_as_intended(kind, msg.as_bytes(), expected)


NAME_CHARACTERS = st.one_of(
    st.sampled_from(
        list(" <>\"',;:@\\()[].=?_\r\n\t\x00\x85\u2028\u202e\u2066\u200b\u200dåäöÅÄÖ😀é")
    ),
    st.characters(codec="utf-8"),
)


@settings(max_examples=120, deadline=None, database=None, derandomize=True)
@example(name=ISSUE_NAME)
@given(name=st.text(NAME_CHARACTERS, max_size=300))
def test_any_name_keeps_every_address(name: str) -> None:
    for kind, msg, expected in every_message(name):
        assert_reads_as_intended(kind, msg.as_bytes(), expected)


def test_the_issue_name_is_shown_as_text_and_never_read_as_the_address() -> None:
    msg = invitations.invitation_email(
        talk(ISSUE_NAME, ISSUE_NAME), sender=SENDER, ics=b"BEGIN:VCALENDAR\r\nEND:VCALENDAR\r\n"
    )
    raw = msg.as_bytes()

    received = BytesParser(policy=email.policy.default).parsebytes(raw)
    [reply_to] = received["Reply-To"].addresses
    assert (reply_to.display_name.split(), reply_to.addr_spec) == (ISSUE_NAME.split(), MANAGER)
    head = raw.split(b"\r\n\r\n")[0]
    assert b"evil@example.com" not in head  # only inside encoded words, as text
    assert received["To"].addresses[0].addr_spec == EMPLOYEE


def test_clean_names_keep_what_people_write_and_drop_what_hides() -> None:
    assert clean_display_name("Åsa  Öberg\r\nBcc: x") == "Åsa Öberg Bcc: x"
    assert clean_display_name("Anna \u202eevil\u202c\u2066\u200b") == "Anna evil"
    assert clean_display_name('<img src="x">, "Boss"') == '<img src="x">, "Boss"'
    assert clean_display_name("👩‍👩‍👧 Ö") == "👩‍👩‍👧 Ö"  # ZWJ kept: the emoji needs it
    assert clean_display_name("A\u0301sa") == "Ása"  # one form (NFC)


@pytest.mark.parametrize(
    "address",
    ["", "anna", "anna@", "@example.se", "a b@example.se", 'a"b@example.se', "a,b@example.se",
     "a<b@example.se", "anna@example.se>", "anna@example.se, evil@example.com", "anna@localhost",
     "anna@example.se\r\nBcc: evil@example.com"],
)  # fmt: skip
def test_an_address_that_is_not_one_plain_address_is_refused(address: str) -> None:
    with pytest.raises(ValueError, match="Ogiltig e-postadress"):
        mailbox("Anna", address)


@pytest.mark.parametrize("header", ["From", "To", "Cc", "Reply-To", "Bcc"])
def test_address_headers_take_only_a_structured_address(header: str) -> None:
    msg = new_message()
    with pytest.raises(TypeError):
        msg[header] = "Anna <anna@example.se>"
    assert msg[header] is None


def test_the_folded_header_is_not_refolded_by_the_email_package() -> None:
    """What the service wrote is what goes out, whatever this Python's folder would do."""
    msg = mail.sign_in_email(
        sender=SENDER, organisation="Org", name=ISSUE_NAME, email=EMPLOYEE, url="u", days=7
    )
    written = "\r\n".join(
        f"{name}: {value}" for name, value in msg.raw_items() if name in ("From", "To")
    )

    head = msg.as_bytes().split(b"\r\nSubject:")[0].decode()

    assert head == written
    assert "=?utf-8?q?" in head


def test_a_roster_address_that_cannot_be_written_fails_as_mail_not_as_a_crash() -> None:
    with pytest.raises(mail.MailError, match="inte är en giltig adress"):
        mail.sign_in_email(
            sender=SENDER, organisation="Org", name="Anna", email='a"b@example.se', url="u", days=7
        )
    # Dots where RFC 5322 would not put them are still one plain address.
    assert mailbox("Anna", " anna.@example.se ").addr_spec == "anna.@example.se"
