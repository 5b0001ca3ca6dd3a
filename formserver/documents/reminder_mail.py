"""The reminder e-mails of `formserver send-reminders`: Swedish plain text, never any content.

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

from formserver.common.clock import STOCKHOLM
from formserver.common.text import clean_line
from formserver.documents.addresses import mailbox, new_message
from formserver.documents.invitations import MONTHS, swedish_datetime
from formserver.documents.mail import to_mailbox


@dataclass(frozen=True)
class Text:
    """A reminder's subject and its paragraphs."""

    subject: str
    paragraphs: tuple[str, ...]


def swedish_date(day: date) -> str:
    """'8 december 2026'."""
    return f"{day.day} {MONTHS[day.month - 1]} {day.year}"


def _when(starts_at: datetime) -> str:
    return swedish_datetime(starts_at.astimezone(STOCKHOLM))


def preparation_employee(*, manager: str, starts_at: datetime) -> Text:
    """The employee has not submitted their preparation and the talk is near."""
    return Text(
        "Påminnelse: förbered ditt medarbetarsamtal",
        (
            f"Ditt medarbetarsamtal med {clean_line(manager)} är {_when(starts_at)}. Du har ännu "
            "inte skickat in din förberedelse.",
            "Fyll i formuläret och skicka in det före samtalet. Det du redan har sparat finns "
            "kvar.",
        ),
    )


def preparation_manager(*, employee: str, starts_at: datetime) -> Text:
    """The manager has not submitted their own preparation and the talk is near."""
    return Text(
        f"Påminnelse: förbered medarbetarsamtalet med {clean_line(employee)}",
        (
            f"Medarbetarsamtalet med {clean_line(employee)} är {_when(starts_at)}. Du har ännu "
            "inte skickat in din egen förberedelse.",
            "Fyll i formuläret och skicka in det före samtalet. Ni ser varandras förberedelser "
            "när ni båda har skickat in.",
        ),
    )


def plan_unsigned(*, other: str, held_on: date) -> Text:
    """The plan of a held talk waits for the recipient's signature."""
    return Text(
        "Planen från medarbetarsamtalet väntar på din underskrift",
        (
            f"Medarbetarsamtalet hölls {swedish_date(held_on)}. Planen är ännu inte underskriven "
            "av er båda: din underskrift saknas.",
            "Läs planen och skriv under den. Om något inte stämmer, prata med "
            f"{clean_line(other)} innan du skriver under.",
        ),
    )


def followup_due(*, year: int, due: date) -> Text:
    """Rows of a signed plan have a date that has come."""
    return Text(
        "Dags att följa upp planen från medarbetarsamtalet",
        (
            f"I planen från medarbetarsamtalet {year} har en eller flera rader datumet "
            f"{swedish_date(due)}. Nu är det dags att följa upp dem: hur blev resultatet?",
            "Skriv in resultatet på sidan för uppföljning.",
        ),
    )


def not_called(*, year: int, opened_on: date, employees: Sequence[str]) -> Text:
    """A manager has eligible employees not yet called, some weeks into the round."""
    names = "\n".join(f"  - {clean_line(name)}" for name in employees)
    return Text(
        f"Medarbetare som du ännu inte har kallat till medarbetarsamtal {year}",
        (
            f"Samtalsomgången {year} öppnade {swedish_date(opened_on)}. De här medarbetarna har "
            f"du ännu inte kallat till medarbetarsamtal:\n{names}",
            "Kalla dem från sidan Mina medarbetare. Kalla i god tid, så att de hinner förbereda "
            "sig.",
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
            f"  - {clean_line(name)} (chef: {clean_line(manager)})" for name, manager in people
        )
        for unit, people in by_unit
    )
    count = sum(len(people) for _, people in by_unit)
    return Text(
        f"{count} medarbetare är ännu inte kallade till medarbetarsamtal {year}",
        (
            f"Samtalsomgången {year} öppnade {swedish_date(opened_on)}. De här medarbetarna är "
            f"ännu inte kallade till medarbetarsamtal, per enhet:\n\n{units}",
            "Cheferna har fått en påminnelse. Hela omgången ser du i formulärtjänsten.",
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
    """One reminder as a plain-text Swedish e-mail, ending with the link to the service page.

    `personal_link_days` is set when `url` is a personal single-use sign-in link (as in the
    invitation); otherwise `url` is the page itself, which asks for sign-in.
    """
    if personal_link_days is not None:
        link = (
            f"Här är din personliga länk. Den fungerar en gång och gäller i {personal_link_days} "
            f"dagar. Skicka inte vidare den eller det här e-postmeddelandet.\n{url}"
        )
    else:
        link = f"Logga in i formulärtjänsten här:\n{url}"
    body = "\n\n".join(
        (
            f"Hej {clean_line(name)}!",
            *text.paragraphs,
            link,
            "Det här är en automatisk påminnelse från formulärtjänsten.\n\nHälsningar\n"
            f"Medarbetarsamtal, {clean_line(organisation)}",
        )
    )
    msg = new_message()
    from_address = mailbox(f"Medarbetarsamtal, {organisation}", sender)
    msg["From"] = from_address
    msg["To"] = to_mailbox(name, email)
    msg["Subject"] = text.subject
    msg["Date"] = localtime()
    msg["Message-ID"] = make_msgid(domain=from_address.addr_spec.rpartition("@")[2])
    msg.set_content(body + "\n", cte="quoted-printable")
    msg["Content-Language"] = "sv"
    return msg
