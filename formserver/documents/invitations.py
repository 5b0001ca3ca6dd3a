"""Calling an employee to a talk: the calendar invite, the e-mail around it and SMTP delivery."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from email.message import EmailMessage
from email.utils import localtime, make_msgid

from babel.dates import format_datetime
from icalendar import Calendar, Event, vCalAddress

from formserver.common.clock import STOCKHOLM
from formserver.common.languages import current_language, gettext
from formserver.common.text import visible_line
from formserver.documents.addresses import Mailbox, mailbox, new_message

PRODID = "-//Medarbetarsamtal//Formulartjanst//SV"
# How each language says a talk's start, in Babel's patterns (weekday and month names come from
# Babel's locale data): "tisdag 8 december 2026 kl. 10.00", "Tuesday 8 December 2026 at 10:00".
SPOKEN_DATETIME = {"sv": "EEEE d MMMM y 'kl.' HH.mm", "en": "EEEE d MMMM y 'at' HH:mm"}


@dataclass(frozen=True)
class Invitation:
    """Everything needed to call one employee to one talk."""

    talk_id: str
    employee_name: str
    employee_email: str
    manager_name: str
    manager_email: str
    organisation: str
    starts_at: datetime
    duration_minutes: int
    place: str
    message: str
    sign_in_url: str
    routine_url: str
    public_sector: bool
    # The talk's page in the service. The calendar entry links here, never to the single-use
    # sign-in link, which stops working after the first sign-in; the page asks for a sign-in
    # or offers a new link as usual.
    talk_url: str = ""


def _one_line(text: str) -> str:
    """Text safe for a header or a single-line calendar value: no line breaks or hidden marks."""
    return visible_line(text)


def _multi_line(text: str) -> str:
    """Free text with its line breaks kept, each line cleaned like a single-line value."""
    lines = text.replace("\r\n", "\n").replace("\r", "\n").split("\n")
    return "\n".join(_one_line(line) for line in lines).strip("\n")


def _address(name: str, email: str) -> Mailbox:
    """A header address; raises ValueError if the e-mail address is not one plain address."""
    return mailbox(_one_line(name), email)


def _local_start(inv: Invitation) -> datetime:
    """The start in Stockholm time, so DTSTART and the e-mail agree whatever zone was given."""
    if inv.starts_at.tzinfo is None:
        raise ValueError("starts_at måste ha en tidszon.")
    return inv.starts_at.astimezone(STOCKHOLM)


def swedish_datetime(value: datetime) -> str:
    """'tisdag 8 december 2026 kl. 10.00' in the value's own timezone."""
    return format_datetime(value, SPOKEN_DATETIME["sv"], tzinfo=value.tzinfo, locale="sv")


def spoken_datetime(value: datetime) -> str:
    """The talk's start as the e-mail's language says it, in the value's own timezone
    ('tisdag 8 december 2026 kl. 10.00', 'Tuesday 8 December 2026 at 10:00')."""
    language = current_language()
    pattern = SPOKEN_DATETIME.get(language, SPOKEN_DATETIME["en"])
    return format_datetime(value, pattern, tzinfo=value.tzinfo, locale=language)


def _clock(value: datetime) -> str:
    """An end time: 11.00 in Swedish, 11:00 in English."""
    return f"{value:%H.%M}" if current_language() == "sv" else f"{value:%H:%M}"


def calendar_invite(
    inv: Invitation, *, sequence: int = 0, now: datetime | None = None, cancelled: bool = False
) -> bytes:
    """An iCalendar (.ics) event for the talk, made with icalendar: METHOD:REQUEST, or with
    `cancelled` METHOD:CANCEL and STATUS:CANCELLED. The UID is the talk's, so a calendar
    replaces its entry when `sequence` is higher than the one it has."""
    start = _local_start(inv)
    stamp = (now or datetime.now(UTC)).astimezone(UTC)
    manager = _address(inv.manager_name, inv.manager_email)
    employee = _address(inv.employee_name, inv.employee_email)
    organizer = vCalAddress.new(manager.addr_spec, cn=manager.display_name or None)
    attendee = vCalAddress.new(
        employee.addr_spec,
        cn=employee.display_name or None,
        role="REQ-PARTICIPANT",
        partstat="NEEDS-ACTION",
        rsvp=True,
    )
    description = "\n\n".join(
        part
        for part in (
            _multi_line(inv.message),
            gettext("Samtalets sida i formulärtjänsten, där du förbereder dig (logga in där):")
            + f"\n{_one_line(inv.talk_url)}"
            if inv.talk_url
            else "",
            gettext("Rutinen för medarbetarsamtal:") + f"\n{_one_line(inv.routine_url)}",
        )
        if part
    )
    event = Event.new(
        uid=f"{_one_line(inv.talk_id)}@medarbetarsamtal",
        stamp=stamp,
        sequence=sequence,
        start=start,
        end=start + timedelta(minutes=inv.duration_minutes),
        summary=(gettext("Inställt: ") if cancelled else "")
        + gettext(
            "Medarbetarsamtal med %(manager)s",
            manager=manager.display_name or gettext("din chef"),
        ),
        location=_one_line(inv.place),
        description=description,
        organizer=organizer,
        attendees=[attendee],
    )
    calendar = Calendar()
    # Built by hand rather than with Calendar.new, which adds a random calendar UID and would make
    # the same invitation differ byte for byte on every call.
    calendar.add("prodid", PRODID)
    calendar.add("version", "2.0")
    calendar.add("method", "CANCEL" if cancelled else "REQUEST")
    if cancelled:
        event.add("status", "CANCELLED")
    calendar.add_component(event)
    # A year either side is plenty for one event and keeps the VTIMEZONE to a few lines.
    calendar.add_missing_timezones(
        first_date=start.date() - timedelta(days=366),
        last_date=start.date() + timedelta(days=366),
    )
    for timezone in calendar.walk("VTIMEZONE"):
        # icalendar notes the covered dates in English; the file stays in the e-mail's language.
        timezone.pop("COMMENT", None)
    return bytes(calendar.to_ical())  # to_ical() is unannotated in icalendar


def _when_and_where(inv: Invitation) -> list[str]:
    """The talk's time and place, as the invitation and the moved e-mail give them."""
    start = _local_start(inv)
    end = start + timedelta(minutes=inv.duration_minutes)
    return [
        gettext("När: %(start)s–%(end)s", start=spoken_datetime(start), end=_clock(end)),
        gettext("Var: %(place)s", place=_one_line(inv.place)),
    ]


def _message_lines(inv: Invitation, caller: str) -> list[str]:
    """The manager's own message, when there is one."""
    message = _multi_line(inv.message)
    return ["", gettext("Meddelande från %(caller)s:", caller=caller), message] if message else []


def _body(inv: Invitation, manager: str, employee: str) -> str:
    """The plain-text body, in the order the employee needs it."""
    greeting = gettext("Hej %(name)s!", name=employee) if employee else gettext("Hej!")
    caller = manager or gettext("Din chef")
    lines = [
        greeting,
        "",
        gettext("%(caller)s kallar dig till medarbetarsamtal.", caller=caller),
        "",
        *_when_and_where(inv),
    ]
    lines += _message_lines(inv, caller)
    lines += [
        "",
        gettext("Förbered dig i formuläret före samtalet. Här är din länk:"),
        _one_line(inv.sign_in_url),
        gettext(
            "Länken är personlig och leder till dina egna svar. Skicka inte vidare länken eller "
            "det här e-postmeddelandet."
        ),
    ]
    if inv.public_sector:
        lines += [
            "",
            gettext(
                "Det du skriver i formuläret kan bli en allmän handling. Det betyder att andra "
                "kan ha rätt att läsa det, om inte uppgifterna omfattas av sekretess."
            ),
        ]
    lines += [
        "",
        gettext(
            "Läs gärna hela rutinen för medarbetarsamtal: %(url)s", url=_one_line(inv.routine_url)
        ),
        "",
        gettext("Samtalet finns som kalenderinbjudan i den bifogade filen medarbetarsamtal.ics."),
        *_closing(inv, caller)[1:],
    ]
    return "\n".join(lines) + "\n"


def invitation_email(inv: Invitation, *, sender: str, ics: bytes) -> EmailMessage:
    """The call to the talk: a plain-text e-mail (in the language being rendered) with the .ics
    attached."""
    manager = _address(inv.manager_name, inv.manager_email)
    employee = _address(inv.employee_name, inv.employee_email)
    return _talk_email(
        inv,
        sender=sender,
        subject=gettext(
            "Kallelse till medarbetarsamtal %(start)s", start=spoken_datetime(_local_start(inv))
        ),
        body=_body(inv, manager.display_name, employee.display_name),
        ics=ics,
    )


def _closing(inv: Invitation, caller: str) -> list[str]:
    return [
        "",
        gettext(
            "Har du frågor? Svara på det här e-postmeddelandet, så kommer svaret till %(caller)s.",
            caller=caller,
        ),
        "",
        gettext("Hälsningar"),
        caller,
        _one_line(inv.organisation),
    ]


def moved_email(inv: Invitation, *, sender: str, ics: bytes, sign_in_url: str) -> EmailMessage:
    """The talk has a new date, time or place: the e-mail with the updated calendar entry."""
    manager = _address(inv.manager_name, inv.manager_email).display_name
    employee = _address(inv.employee_name, inv.employee_email).display_name
    caller = manager or gettext("Din chef")
    lines = [
        gettext("Hej %(name)s!", name=employee) if employee else gettext("Hej!"),
        "",
        gettext(
            "%(caller)s har ändrat tid eller plats för ditt medarbetarsamtal. Det här gäller nu:",
            caller=caller,
        ),
        "",
        *_when_and_where(inv),
    ]
    lines += _message_lines(inv, caller)
    lines += [
        "",
        gettext(
            "Kalenderinbjudan i den bifogade filen medarbetarsamtal.ics ersätter den du fick "
            "tidigare. Öppna den, så flyttas samtalet i din kalender."
        ),
        "",
        gettext(
            "Din förberedelse finns kvar. Här är en ny personlig länk till formulärtjänsten "
            "(skicka inte vidare den):"
        ),
        _one_line(sign_in_url),
        *_closing(inv, caller),
    ]
    return _talk_email(
        inv,
        sender=sender,
        subject=gettext(
            "Medarbetarsamtalet är flyttat till %(start)s", start=spoken_datetime(_local_start(inv))
        ),
        body="\n".join(lines) + "\n",
        ics=ics,
    )


def cancelled_email(inv: Invitation, *, sender: str, ics: bytes) -> EmailMessage:
    """The talk is cancelled: the e-mail with the calendar cancellation."""
    manager = _address(inv.manager_name, inv.manager_email).display_name
    employee = _address(inv.employee_name, inv.employee_email).display_name
    caller = manager or gettext("Din chef")
    start = _local_start(inv)
    lines = [
        gettext("Hej %(name)s!", name=employee) if employee else gettext("Hej!"),
        "",
        gettext(
            "%(caller)s har ställt in ditt medarbetarsamtal %(start)s.",
            caller=caller,
            start=spoken_datetime(start),
        ),
    ]
    lines += _message_lines(inv, caller)
    lines += [
        "",
        gettext(
            "Du får en ny kallelse när %(caller)s har bokat en ny tid. "
            "Din förberedelse finns kvar.",
            caller=caller,
        ),
        "",
        gettext(
            "Öppna den bifogade filen medarbetarsamtal.ics, så tas samtalet bort ur din kalender."
        ),
        *_closing(inv, caller),
    ]
    return _talk_email(
        inv,
        sender=sender,
        subject=gettext("Medarbetarsamtalet %(start)s är inställt", start=spoken_datetime(start)),
        body="\n".join(lines) + "\n",
        ics=ics,
        method="CANCEL",
    )


def _talk_email(
    inv: Invitation, *, sender: str, subject: str, body: str, ics: bytes, method: str = "REQUEST"
) -> EmailMessage:
    """A plain-text e-mail from the manager (via the service) with the .ics attached."""
    manager = _address(inv.manager_name, inv.manager_email)
    employee = _address(inv.employee_name, inv.employee_email)
    organisation = _one_line(inv.organisation)
    via = f"{manager.display_name} via {organisation}" if manager.display_name else organisation
    from_address = _address(via, sender)

    msg = new_message()
    # Address headers take only a Mailbox, written by documents/addresses (encoded words, our
    # own folding), so no name can add an address or start a new header line.
    msg["From"] = from_address
    msg["Reply-To"] = manager
    msg["To"] = employee
    msg["Subject"] = subject
    msg["Date"] = localtime()
    msg["Message-ID"] = make_msgid(domain=from_address.addr_spec.rpartition("@")[2])
    # Quoted-printable keeps åäö intact even through relays that do not accept 8-bit mail.
    msg.set_content(body, cte="quoted-printable")
    # Set after set_content, which clears Content-* headers; add_attachment moves it to the text.
    msg["Content-Language"] = current_language()
    msg.add_attachment(
        ics,
        maintype="text",
        subtype="calendar",
        params={"method": method, "charset": "utf-8"},
        filename="medarbetarsamtal.ics",
    )
    return msg
