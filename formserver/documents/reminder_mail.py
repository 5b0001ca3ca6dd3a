"""The reminder e-mails of `formserver send-reminders`: plain text in the recipient's language
(the caller renders them inside `in_language`), never any content.

Each function returns the subject and the paragraphs for one kind of reminder; `reminder_email`
wraps them in a message with the link to the service page. Only names, units, dates and the
year appear: no answers, notes or plan text.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime
from email.message import EmailMessage
from email.utils import localtime, make_msgid

from babel.dates import format_date

from formserver.common.clock import STOCKHOLM
from formserver.common.languages import current_language, gettext
from formserver.common.text import clean_line
from formserver.documents.addresses import mailbox, new_message
from formserver.documents.invitations import spoken_datetime
from formserver.documents.mail import to_mailbox


@dataclass(frozen=True)
class Text:
    """A reminder's subject and its paragraphs."""

    subject: str
    paragraphs: tuple[str, ...]


def spoken_date(day: date) -> str:
    """A date as the e-mail's language says it: '8 december 2026', '8 December 2026'."""
    return format_date(day, "d MMMM y", locale=current_language())


def _when(starts_at: datetime) -> str:
    return spoken_datetime(starts_at.astimezone(STOCKHOLM))


def preparation_employee(*, manager: str, starts_at: datetime) -> Text:
    """The employee has not submitted their preparation and the talk is near."""
    return Text(
        gettext("Påminnelse: förbered ditt medarbetarsamtal"),
        (
            gettext(
                "Ditt medarbetarsamtal med %(manager)s är %(when)s. Du har ännu inte skickat in "
                "din förberedelse.",
                manager=clean_line(manager),
                when=_when(starts_at),
            ),
            gettext(
                "Fyll i formuläret och skicka in det före samtalet. Det du redan har sparat finns "
                "kvar."
            ),
        ),
    )


def preparation_manager(*, employee: str, starts_at: datetime) -> Text:
    """The manager has not submitted their own preparation and the talk is near."""
    return Text(
        gettext(
            "Påminnelse: förbered medarbetarsamtalet med %(employee)s",
            employee=clean_line(employee),
        ),
        (
            gettext(
                "Medarbetarsamtalet med %(employee)s är %(when)s. Du har ännu inte skickat in din "
                "egen förberedelse.",
                employee=clean_line(employee),
                when=_when(starts_at),
            ),
            gettext(
                "Fyll i formuläret och skicka in det före samtalet. Ni ser varandras "
                "förberedelser när ni båda har skickat in."
            ),
        ),
    )


def plan_unsigned(*, other: str, held_on: date) -> Text:
    """The plan of a held talk waits for the recipient's signature."""
    return Text(
        gettext("Planen från medarbetarsamtalet väntar på din underskrift"),
        (
            gettext(
                "Medarbetarsamtalet hölls %(day)s. Planen är ännu inte underskriven av er båda: "
                "din underskrift saknas.",
                day=spoken_date(held_on),
            ),
            gettext(
                "Läs planen och skriv under den. Om något inte stämmer, prata med %(other)s "
                "innan du skriver under.",
                other=clean_line(other),
            ),
        ),
    )


def followup_due(*, year: int, due: date) -> Text:
    """Rows of a signed plan have a date that has come."""
    return Text(
        gettext("Dags att följa upp planen från medarbetarsamtalet"),
        (
            gettext(
                "I planen från medarbetarsamtalet %(year)s har en eller flera rader datumet "
                "%(day)s. Nu är det dags att följa upp dem: hur blev resultatet?",
                year=year,
                day=spoken_date(due),
            ),
            gettext("Skriv in resultatet på sidan för uppföljning."),
        ),
    )


def not_called(*, year: int, opened_on: date, employees: Sequence[str]) -> Text:
    """A manager has eligible employees not yet called, some weeks into the round."""
    names = "\n".join(f"  - {clean_line(name)}" for name in employees)
    return Text(
        gettext(
            "Medarbetare som du ännu inte har kallat till medarbetarsamtal %(year)s", year=year
        ),
        (
            gettext(
                "Samtalsomgången %(year)s öppnade %(day)s. De här medarbetarna har du ännu inte "
                "kallat till medarbetarsamtal:",
                year=year,
                day=spoken_date(opened_on),
            )
            + f"\n{names}",
            gettext(
                "Kalla dem från sidan Mina medarbetare. Kalla i god tid, så att de hinner "
                "förbereda sig."
            ),
        ),
    )


def hr_digest(
    *, year: int, opened_on: date, by_unit: Sequence[tuple[str, Sequence[tuple[str, str]]]]
) -> Text:
    """HR's short list of who is not called yet: units, names and managers, never content."""
    units = "\n\n".join(
        clean_line(unit)
        + "\n"
        + "\n".join(
            "  - "
            + gettext(
                "%(name)s (chef: %(manager)s)", name=clean_line(name), manager=clean_line(manager)
            )
            for name, manager in people
        )
        for unit, people in by_unit
    )
    count = sum(len(people) for _, people in by_unit)
    return Text(
        gettext(
            "%(count)s medarbetare är ännu inte kallade till medarbetarsamtal %(year)s",
            count=count,
            year=year,
        ),
        (
            gettext(
                "Samtalsomgången %(year)s öppnade %(day)s. De här medarbetarna är ännu inte "
                "kallade till medarbetarsamtal, per enhet:",
                year=year,
                day=spoken_date(opened_on),
            )
            + f"\n\n{units}",
            gettext("Cheferna har fått en påminnelse. Hela omgången ser du i formulärtjänsten."),
        ),
    )


def reminder_email(
    text: Text,
    *,
    sender: str,
    organisation: str,
    name: str,
    email: str,
    url: str,
    personal_link_days: int | None,
) -> EmailMessage:
    """One reminder as a plain-text e-mail, ending with the link to the service page.

    `personal_link_days` is set when `url` is a personal single-use sign-in link (as in the
    invitation); otherwise `url` is the page itself, which asks for sign-in.
    """
    if personal_link_days is not None:
        link = (
            gettext(
                "Här är din personliga länk. Den fungerar en gång och gäller i %(days)s dagar. "
                "Skicka inte vidare den eller det här e-postmeddelandet.",
                days=personal_link_days,
            )
            + f"\n{url}"
        )
    else:
        link = gettext("Logga in i formulärtjänsten här:") + f"\n{url}"
    body = "\n\n".join(
        (
            gettext("Hej %(name)s!", name=clean_line(name)),
            *text.paragraphs,
            link,
            gettext("Det här är en automatisk påminnelse från formulärtjänsten.")
            + "\n\n"
            + gettext("Hälsningar")
            + "\n"
            + gettext("Medarbetarsamtal, %(organisation)s", organisation=clean_line(organisation)),
        )
    )
    msg = new_message()
    from_address = mailbox(
        gettext("Medarbetarsamtal, %(organisation)s", organisation=organisation), sender
    )
    msg["From"] = from_address
    msg["To"] = to_mailbox(name, email)
    msg["Subject"] = text.subject
    msg["Date"] = localtime()
    msg["Message-ID"] = make_msgid(domain=from_address.addr_spec.rpartition("@")[2])
    msg.set_content(body + "\n", cte="quoted-printable")
    msg["Content-Language"] = current_language()
    return msg
