"""Outgoing e-mail: the messages the service sends, and sending them over SMTP."""

from __future__ import annotations

import smtplib
import ssl
from email.message import EmailMessage
from email.utils import formatdate, make_msgid
from typing import Any

from formserver.common.languages import _l, current_language, gettext
from formserver.common.text import clean_line
from formserver.documents.addresses import Mailbox, envelope, mailbox, new_message


class MailError(Exception):
    """The message could not be handed to the mail server; the text is for the manager (lazy:
    in the language of the page that shows it, not the recipient's)."""


BAD_ADDRESS = _l(
    "E-postmeddelandet skickades inte eftersom mottagarens e-postadress inte är en giltig adress. "
    "Kontrollera adressen i personallistan."
)


def to_mailbox(name: str, email: str) -> Mailbox:
    """`mailbox`, with MailError (the text for the manager) for an address we cannot write."""
    try:
        return mailbox(name, email)
    except ValueError as exc:
        raise MailError(BAD_ADDRESS) from exc


def smtp_configured(config: Any) -> bool:
    """Whether the service can send e-mail itself."""
    return bool(config.get("SMTP_HOST"))


def send(config: Any, msg: EmailMessage) -> None:
    """Send through the configured SMTP server (MailError with a Swedish message on failure)."""
    send_email(
        msg,
        host=config["SMTP_HOST"],
        port=int(config["SMTP_PORT"]),
        username=config.get("SMTP_USERNAME"),
        password=config.get("SMTP_PASSWORD"),
        starttls=bool(config.get("SMTP_STARTTLS")),
    )


def _from(organisation: str, sender: str) -> Mailbox:
    return mailbox(gettext("Medarbetarsamtal, %(organisation)s", organisation=organisation), sender)


def _text(msg: EmailMessage, body: str) -> None:
    """The plain-text body, and the language it is written in."""
    msg.set_content(body, cte="quoted-printable")
    # Set after set_content, which clears Content-* headers; add_attachment moves it to the text.
    msg["Content-Language"] = current_language()


def sign_in_email(
    *, sender: str, organisation: str, name: str, email: str, url: str, days: int
) -> EmailMessage:
    """A new sign-in link, asked for by the person themself."""
    msg = new_message()
    msg["From"] = _from(organisation, sender)
    msg["To"] = to_mailbox(name, email)
    msg["Subject"] = gettext("Din inloggningslänk till medarbetarsamtal")
    msg["Date"] = formatdate(localtime=False)
    msg["Message-ID"] = make_msgid(domain=sender.partition("@")[2] or None)
    _text(
        msg,
        gettext("Hej %(name)s!", name=clean_line(name))
        + "\n\n"
        + gettext(
            "Du har bett om en ny länk för att logga in i formulärtjänsten för medarbetarsamtal."
        )
        + f"\n\n{url}\n\n"
        + gettext(
            "Länken fungerar en gång och gäller i %(days)s dagar. Den är personlig: skicka inte "
            "vidare den.",
            days=days,
        )
        + "\n\n"
        + gettext("Har du inte bett om en länk kan du bortse från det här e-postmeddelandet.")
        + "\n",
    )
    return msg


def signed_plan_email(
    *,
    sender: str,
    organisation: str,
    name: str,
    email: str,
    year: int,
    pdf: bytes,
    filename: str,
) -> EmailMessage:
    """The employee's own copy of the plan both have signed."""
    msg = new_message()
    msg["From"] = _from(organisation, sender)
    msg["To"] = to_mailbox(name, email)
    msg["Subject"] = gettext("Din underskrivna plan från medarbetarsamtalet %(year)s", year=year)
    msg["Date"] = formatdate(localtime=False)
    msg["Message-ID"] = make_msgid(domain=sender.partition("@")[2] or None)
    _text(
        msg,
        gettext("Hej %(name)s!", name=clean_line(name))
        + "\n\n"
        + gettext(
            "Du och din chef har båda skrivit under planen från medarbetarsamtalet %(year)s. Här "
            "är din kopia som PDF.",
            year=year,
        )
        + "\n\n"
        + gettext("Du kan också alltid ladda ner den i formulärtjänsten.")
        + "\n",
    )
    msg.add_attachment(pdf, maintype="application", subtype="pdf", filename=filename)
    return msg


def signature_waiting_email(
    *,
    sender: str,
    organisation: str,
    name: str,
    email: str,
    year: int,
    number: int,
    url: str,
    link_days: int | None,
    why: str,
) -> EmailMessage:
    """A plan version waits for this person's signature: `why` says what happened, `url` is a
    fresh single-use sign-in link (`link_days` valid) or, for those who sign in otherwise, the
    plan page's address."""
    msg = new_message()
    msg["From"] = _from(organisation, sender)
    msg["To"] = to_mailbox(name, email)
    msg["Subject"] = gettext(
        "Planen från medarbetarsamtalet %(year)s väntar på din underskrift", year=year
    )
    msg["Date"] = formatdate(localtime=False)
    msg["Message-ID"] = make_msgid(domain=sender.partition("@")[2] or None)
    if link_days is not None:
        how = (
            gettext("Läs igenom planen och skriv under med den här länken:")
            + f"\n\n{url}\n\n"
            + gettext(
                "Länken fungerar en gång och gäller i %(days)s dagar. Den är personlig: skicka "
                "inte vidare den.",
                days=link_days,
            )
        )
    else:
        how = (
            gettext("Läs igenom planen och skriv under i formulärtjänsten. Logga in som du brukar:")
            + f"\n\n{url}"
        )
    _text(
        msg,
        gettext("Hej %(name)s!", name=clean_line(name))
        + "\n\n"
        + clean_line(why)
        + " "
        + gettext("Version %(number)s av planen väntar nu på din underskrift.", number=number)
        + "\n\n"
        + gettext("På sidan ser du vad som har ändrats sedan du skrev under senast.")
        + f"\n\n{how}\n",
    )
    return msg


def send_email(
    msg: EmailMessage,
    *,
    host: str,
    port: int,
    username: str | None = None,
    password: str | None = None,
    starttls: bool = False,
    timeout: float = 10.0,
) -> None:
    """Send one message over SMTP (smtplib); raise MailError with a Swedish message on failure."""
    sender, recipients = envelope(msg)
    try:
        with smtplib.SMTP(host, port, timeout=timeout) as smtp:
            if starttls:
                smtp.starttls(context=ssl.create_default_context())
            if username is not None:
                smtp.login(username, password or "")
            # The envelope comes from our own structured headers, parsed back (never from a
            # name): the recipients are exactly the To and Cc addresses we wrote.
            refused = smtp.send_message(msg, from_addr=sender, to_addrs=recipients)
    except smtplib.SMTPAuthenticationError as exc:
        raise MailError(
            _l(
                "Kallelsen skickades inte. E-postservern godkände inte inloggningen. "
                "Kontakta den som sköter tjänsten."
            )
        ) from exc
    except smtplib.SMTPRecipientsRefused as exc:
        raise MailError(
            _l(
                "Kallelsen skickades inte. E-postservern tog inte emot mottagarens adress. "
                "Kontrollera e-postadressen och försök igen."
            )
        ) from exc
    except (smtplib.SMTPException, OSError) as exc:
        # OSError covers refused connections, unknown hosts and timeouts.
        raise MailError(
            _l(
                "Kallelsen skickades inte eftersom tjänsten inte fick kontakt med e-postservern. "
                "Försök igen om en stund. Om felet finns kvar, kontakta den som sköter tjänsten."
            )
        ) from exc
    if refused:
        raise MailError(
            _l(
                "Kallelsen skickades inte till alla mottagare. Kontrollera e-postadressen och "
                "försök igen."
            )
        )
