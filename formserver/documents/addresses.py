"""Address headers that no display name can redirect.

The email package's own folding of address headers has lost the quotes around a long display
name (CPython gh-80222, fixed only in later point releases, and gh-87720 for encoded words), so
`Anna … <evil@example.com>` in a roster name reached the wire unquoted and clients read it as the
address. So the service writes every From, To, Cc and Reply-To itself: a display name that holds
anything beyond plain ASCII words goes out as RFC 2047 encoded words, which decode to text and
never to structure, and the message policy stores that pre-folded line as it is, whatever
the Python version's folder would have done.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from email.message import EmailMessage
from email.policy import EmailPolicy
from typing import Any

from formserver.common.text import visible_line

ADDRESS_HEADERS = frozenset({"from", "to", "cc", "bcc", "reply-to", "sender"})
# A name of only these words is written as it is; anything else is encoded.
_PLAIN_WORDS = re.compile(r"[A-Za-z0-9'-]{1,40}(?: [A-Za-z0-9'-]{1,40})*")
# Characters an encoded word in a phrase may hold literally (RFC 2047 section 5 (3)).
_Q_LITERAL = frozenset("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789!*+-/")
_EW_PAYLOAD = 50  # keeps "Reply-To: " plus one encoded word within 76 characters
_LINE = 76
# RFC 5322 atext, and RFC 6532 UTF-8 beyond the C1 controls (sent only with SMTPUTF8).
_ATEXT = "A-Za-z0-9!#$%&'*+/=?^_`{|}~\u00a0-\U0010ffff-"
# Dots anywhere (some providers hand out "anna.@…"); never a quote, bracket, comma or space.
_ADDRESS_PART = re.compile(f"[{_ATEXT}.]+")


def clean_display_name(name: str) -> str:
    """A name as mail clients will show it: NFC, one line, no controls or hidden marks."""
    return visible_line(name)


@dataclass(frozen=True)
class Mailbox:
    """One header address: `display_name` is only ever text, `addr_spec` the one address."""

    display_name: str
    addr_spec: str


def mailbox(name: str, email: str) -> Mailbox:
    """A cleaned name and a checked plain address (no quotes, brackets, commas or spaces, one
    @, a dot in the domain); ValueError if `email` is not one."""
    spec = email.strip()
    local, at, domain = spec.rpartition("@")
    if not at or not _ADDRESS_PART.fullmatch(local) or not _ADDRESS_PART.fullmatch(domain):
        raise ValueError(f"Ogiltig e-postadress: {email!r}")
    if "." not in domain.strip(".") or len(spec) > 254:
        raise ValueError(f"Ogiltig e-postadress: {email!r}")
    return Mailbox(clean_display_name(name), spec)


def _q_piece(char: str) -> str:
    if char in _Q_LITERAL:
        return char
    if char == " ":
        return "_"
    return "".join(f"={byte:02X}" for byte in char.encode("utf-8"))


def encoded_words(text: str) -> list[str]:
    """`text` as RFC 2047 Q encoded words of whole characters, each short enough for a line.

    A word ends after an (encoded) space where it can, because decoders drop the white space
    between two encoded words; only a single word longer than one encoded word is split."""
    pieces = [_q_piece(char) for char in text]
    words, start = [], 0
    while start < len(pieces):
        end, size, last_space = start, 0, None
        while end < len(pieces) and size + len(pieces[end]) <= _EW_PAYLOAD:
            size += len(pieces[end])
            if pieces[end] == "_":
                last_space = end
            end += 1
        if end < len(pieces) and last_space is not None:
            end = last_space + 1
        words.append(f"=?utf-8?q?{''.join(pieces[start:end])}?=")
        start = end
    return words


def _phrase(name: str, display: str, spec: str) -> list[str]:
    """The display name's words: plain words as they are; a short ASCII name as one quoted
    string that needs no folding; anything else (non-ASCII, long) as encoded words."""
    if _PLAIN_WORDS.fullmatch(display):
        return display.split(" ")
    quoted = '"' + display.replace("\\", "\\\\").replace('"', '\\"') + '"'
    one_line = len(name) + 2 + len(quoted) + len(spec) + 3 <= _LINE
    if display.isascii() and "=?" not in display and one_line:
        return [quoted]
    return encoded_words(display)


def header_value(name: str, box: Mailbox) -> str:
    """The folded value of header `name` (without "Name: ") holding exactly `box`."""
    display = box.display_name
    tokens = _phrase(name, display, box.addr_spec) if display else []
    tokens.append(f"<{box.addr_spec}>")
    lines = [tokens[0]]
    used = len(name) + 2 + len(tokens[0])
    for token in tokens[1:]:
        if used + 1 + len(token) <= _LINE:
            lines[-1] += " " + token
            used += 1 + len(token)
        else:
            # Folding only ever happens between words, never inside a quoted or encoded one.
            lines.append(" " + token)
            used = 1 + len(token)
    return "\r\n".join(lines)


class _StructuredAddressPolicy(EmailPolicy):
    """The SMTP policy, except that address headers take only a Mailbox and keep our folding."""

    def header_store_parse(self, name: str, value: Any) -> tuple[str, Any]:
        """Address headers: the pre-folded line; anything else as the SMTP policy does."""
        if name.lower() in ADDRESS_HEADERS:
            if not isinstance(value, Mailbox):
                raise TypeError(f"{name} takes a Mailbox, not {type(value).__name__}")
            return (name, header_value(name, value))
        return super().header_store_parse(name, value)


# refold_source="none": a stored line is written as it is, never refolded by the email package.
MAIL_POLICY = _StructuredAddressPolicy(linesep="\r\n", refold_source="none")


def new_message() -> EmailMessage:
    """An empty message whose address headers are written by this module."""
    return EmailMessage(policy=MAIL_POLICY)


def envelope(msg: EmailMessage) -> tuple[str, list[str]]:
    """The SMTP envelope of `msg`: the From address and every To and Cc address."""
    [sender] = msg["From"].addresses
    recipients = [
        address.addr_spec
        for name in ("To", "Cc")
        for header in msg.get_all(name, [])
        for address in header.addresses
    ]
    return sender.addr_spec, recipients
