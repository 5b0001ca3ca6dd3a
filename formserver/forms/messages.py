"""The texts the forms show, each written once (the templates read them too).

The constants are the Swedish texts (the catalogue's msgids, marked with N_); where they are
shown they pass through gettext, so each reader gets their own language.
"""

from __future__ import annotations

import re
from datetime import date

from formserver.common.languages import N_, _l

CSRF_EXPIRED = N_(
    "Sidan har varit öppen för länge, så vi kunde inte ta emot formuläret. Det du skrev finns "
    "kvar nedan. Tryck på knappen en gång till."
)
CSRF_EXPIRED_FILE = N_(
    "Sidan har varit öppen för länge, så vi kunde inte ta emot filen. Välj filen en gång till "
    "och tryck på Läs in."
)
PUBLIC_NOTE = N_("Det du skriver kan bli en allmän handling.")
NEVER_DOCUMENTED_TITLE = N_("Ska inte dokumenteras.")
NEVER_DOCUMENTED = N_(
    "Det här avsnittet är bara samtalsstöd. Här finns inget att fylla i, och ingenting om det "
    "sparas."
)
OPTIONAL_SECTION = N_("Det här avsnittet behöver inte fyllas i eller dokumenteras.")
SAVE_DRAFT = N_("Spara utkast")  # the preparation's save button, at the end and in every section
RESULT_QUESTION = N_("Hur blev resultatet?")  # a plan row's follow-up
NOT_A_CHOICE = N_("Välj ett av alternativen, eller inget.")
DATE_FORMAT = N_("Skriv datum som ÅÅÅÅ-MM-DD")
_ISO_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")


def too_long(max_chars: int) -> str:
    """The message for a text over the limit: what is wrong and what to do."""
    return _l("Texten är för lång: högst %(max)s tecken. Korta den, så sparas den.", max=max_chars)


def comment_label(about: str) -> str:
    """The label of an optional comment field, on `about` (a question, the signature)."""
    return _l("Kommentar till %(about)s (valfritt)", about=about)


def strict_date(text: str) -> date:
    """A date written exactly ÅÅÅÅ-MM-DD (ValueError otherwise).

    date.fromisoformat alone would also take 20261231 and 2026-W53-4.
    """
    if not _ISO_DATE.fullmatch(text):
        raise ValueError(text)
    return date.fromisoformat(text)
