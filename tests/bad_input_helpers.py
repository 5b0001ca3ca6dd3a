"""Helpers for the bad-input tests: reading pages and messages, counting what is stored."""

# Bad input: a clear error and nothing lost (issue 6).
#
# One parametrised test per kind of bad input, run against every free-text field a user
# reaches: the preparation, the manager's notes and plan rows, the follow-up, the call form
# and the signature comment. Each case asserts the status, a Swedish message that says what
# to do, the database unchanged (or changed exactly as intended) and the user's own text
# shown back.

from __future__ import annotations

import html as html_lib
import re

import pytest
from flask import Flask

from tests.factories import conn

# WeasyPrint 70 opens its sRGB profile for PDF/A and never closes it (weasyprint/pdf/__init__.py
# line 151): a ResourceWarning from the library, not from the service (as in test_maintenance).
WEASYPRINT_ICC_LEAK = pytest.mark.filterwarnings(
    r"ignore:unclosed file <_io\.BufferedReader name='.*sRGB2014\.icc'>:ResourceWarning"
)
SAVED = "Det här var sparat sedan tidigare."

# --- reading pages and messages -------------------------------------------------------------------

# Words a Swedish instruction uses: the message must say what to do, not only what went wrong.
WHAT_TO_DO = re.compile(
    r"\b(gå tillbaka|korta|skriv|välj|tryck|kontrollera|rätta|skicka|spara|ladda|jämför|vänta"
    r"|ta bort|lägg till|ange|försök|dela upp|läs)\b",
    re.IGNORECASE,
)
ENGLISH = re.compile(
    r"\b(field|must|invalid|not a valid|required|error|please|too large|bad request)\b",
    re.IGNORECASE,
)
SWEDISH = re.compile(
    r"[åäö]|\b(och|inte|är|för|det|du|som|att|av|en|ett|i|på|med|till|eller|kan|ska|får|finns"
    r"|saknas|fyll|skriv|välj|rad)\b",
    re.IGNORECASE,
)


def text_of(fragment: str) -> str:
    """The text a reader sees in an HTML fragment."""
    return " ".join(html_lib.unescape(re.sub(r"<[^>]+>", " ", fragment)).split())


def main_text(page: str) -> str:
    """The text of the page's <main>: no header, no footer."""
    match = re.search(r"<main\b.*?</main>", page, re.S)
    return text_of(match.group(0) if match else page)


def message_of(page: str) -> str:
    """The error message as the user reads it: the error summary, else the page's main text."""
    summary = re.search(r'<div class="error-summary".*?</div>', page, re.S)
    return text_of(summary.group(0)) if summary else main_text(page)


def assert_swedish_instruction(page: str, *fragments: str) -> None:
    """A Swedish message that says what to do (and contains each fragment)."""
    message = message_of(page)
    assert SWEDISH.search(message), f"not Swedish: {message!r}"
    assert not ENGLISH.search(message), f"English words in the message: {message!r}"
    assert WHAT_TO_DO.search(message), f"the message does not say what to do: {message!r}"
    for fragment in fragments:
        assert fragment in message, f"{fragment!r} not in {message!r}"


def textarea(page: str, name: str) -> str | None:
    """A textarea's exact content, or None when the page has no such textarea."""
    match = re.search(
        rf'<textarea\b[^>]*\bname="{re.escape(name)}"[^>]*>(.*?)</textarea>', page, re.S
    )
    return html_lib.unescape(match.group(1)) if match else None


def input_value(page: str, name: str) -> str | None:
    """An <input>'s value attribute, or None when the page has no such input."""
    match = re.search(rf'<input\b[^>]*\bname="{re.escape(name)}"[^>]*\bvalue="([^"]*)"', page)
    return html_lib.unescape(match.group(1)) if match else None


def input_values(page: str, name: str) -> list[str]:
    """Every value of inputs with this name, in page order."""
    pattern = rf'<input\b[^>]*\bname="{re.escape(name)}"[^>]*\bvalue="([^"]*)"'
    return [html_lib.unescape(v) for v in re.findall(pattern, page)]


def tables(app: Flask) -> list[str]:
    """The database's tables, to prove nothing was dropped."""
    rows = conn(app).execute("SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name")
    return [r[0] for r in rows]


def count(app: Flask, table: str) -> int:
    """The number of rows in a table."""
    return int(conn(app).execute(f"SELECT count(*) FROM {table}").fetchone()[0])
