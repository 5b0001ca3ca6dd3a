"""A real SMTP server on loopback for tests: what the service sends, as a mail client gets it.

Tests ask for the ``smtp_server`` fixture (tests/conftest.py), or ``mail_app`` for a service
that sends through it; point SMTP_HOST at ``HOST`` and SMTP_PORT at ``smtp_server.port``.
"""

from __future__ import annotations

import email
import email.policy
import re
import socket
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from email.message import EmailMessage
from typing import Any

from aiosmtpd.controller import Controller

HOST = "127.0.0.1"


@dataclass(frozen=True)
class Envelope:
    """What the SMTP server was told outside the message: sender and recipients."""

    mail_from: str
    rcpt_tos: list[str]
    content: bytes


@dataclass
class LoopbackSMTP:
    """Every message the server accepted, parsed with the default (modern) e-mail policy.

    ``messages[i]`` and ``envelopes[i]`` belong to the same delivery.
    """

    port: int = 0
    messages: list[EmailMessage] = field(default_factory=list)
    envelopes: list[Envelope] = field(default_factory=list)
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False)

    @property
    def rcpt_tos(self) -> list[list[str]]:
        """The envelope recipients of each message, in order of arrival."""
        with self._lock:
            return [list(envelope.rcpt_tos) for envelope in self.envelopes]

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        content = bytes(envelope.content)
        parsed = email.message_from_bytes(content, policy=email.policy.default)
        assert isinstance(parsed, EmailMessage)
        with self._lock:
            self.envelopes.append(
                Envelope(str(envelope.mail_from), list(envelope.rcpt_tos), content)
            )
            self.messages.append(parsed)
        return "250 OK"


def free_port() -> int:
    """A loopback port that nothing listens on right now."""
    with socket.socket() as sock:
        sock.bind((HOST, 0))
        port: int = sock.getsockname()[1]
        return port


def serve() -> Iterator[LoopbackSMTP]:
    """A real SMTP server on 127.0.0.1 while the generator runs (aiosmtpd cannot use port 0, so
    it gets a free one)."""
    server = LoopbackSMTP(port=free_port())
    controller = Controller(server, hostname=HOST, port=server.port)
    controller.start()
    try:
        yield server
    finally:
        controller.stop()


HEADER_NAME = re.compile(rb"^([\x21-\x39\x3b-\x7e]+):")


def header_names(raw: bytes) -> list[str]:
    """Top-level header names of a raw message; fails on a line that is not a header or fold,
    so a CR/LF smuggled into a header shows up as a failure, not as a new header."""
    head = re.split(rb"\r?\n\r?\n", raw, maxsplit=1)[0]
    names = []
    for line in head.splitlines():
        if line[:1] in (b" ", b"\t"):
            continue
        match = HEADER_NAME.match(line)
        assert match, f"not a header line: {line!r}"
        names.append(match.group(1).decode().lower())
    return names
