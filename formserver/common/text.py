"""Normalising what people type: one form of every character, no invisible tricks."""

from __future__ import annotations

import re
import unicodedata

# C0/C1 controls except tab and newline; bidi overrides and isolates; zero-width space,
# word joiner and BOM. ZWJ/ZWNJ stay: some scripts and emoji need them.
_INVISIBLE = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\u200b\u2060\ufeff\u202a-\u202e\u2066-\u2069]")


def clean_text(value: str) -> str:
    """NFC, newlines as \\n, invisible and control characters removed, ends trimmed."""
    value = value.replace("\r\n", "\n").replace("\r", "\n").replace("\u2028", "\n")
    value = unicodedata.normalize("NFC", value)
    return _INVISIBLE.sub("", value).strip()


def clean_line(value: str) -> str:
    """clean_text for single-line values: every line break becomes a space."""
    return " ".join(clean_text(value).split())
