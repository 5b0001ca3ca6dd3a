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


# ZWNJ/ZWJ are format characters too, but Persian and Indic names and emoji need them.
_KEEP_FORMAT = frozenset({"\u200c", "\u200d"})


def visible_line(value: str) -> str:
    """A value for one header or calendar line, as a reader will see it: NFC, every line end
    (CR, LF, NEL, U+2028 …, which mail and calendar parsers may break on) a space, and no bidi
    overrides or zero-width marks, which can make a name read as someone else's."""
    chars = []
    for char in unicodedata.normalize("NFC", value):
        category = unicodedata.category(char)
        if category in ("Cc", "Zl", "Zp"):
            chars.append(" ")
        elif category in ("Cf", "Cs") and char not in _KEEP_FORMAT:
            continue
        else:
            chars.append(char)
    return " ".join("".join(chars).split())
