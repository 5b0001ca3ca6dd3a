"""Tamper-evident records: a MAC over each stored record's canonical content."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping, Sequence
from typing import Any

from itsdangerous import BadSignature, Signer

from formserver.security.tokens import as_key_list


class RecordTampered(Exception):
    """A stored record's MAC does not match its content: it was changed outside the service."""

    def __init__(self, kind: str, record_id: str) -> None:
        super().__init__(f"{kind} {record_id} failed MAC verification")
        self.kind = kind
        self.record_id = record_id


class ChainBroken(RecordTampered):
    """A chain of records does not hold: one was deleted, reordered, added or its head swapped.

    `reason` says what is broken, in Swedish, for the operator (never any content).
    """

    def __init__(self, kind: str, record_id: str, reason: str) -> None:
        super().__init__(kind, record_id)
        self.args = (f"{kind} {record_id}: chain broken ({reason})",)
        self.reason = reason


def canonical(content: Mapping[str, Any]) -> bytes:
    """Stable bytes for a record: sorted keys, no whitespace, UTF-8."""
    return json.dumps(content, sort_keys=True, ensure_ascii=False, separators=(",", ":")).encode()


class RecordSigner:
    """Signs and verifies records of one kind; a salt per kind, keys oldest → newest."""

    def __init__(self, keys: Sequence[str | bytes], kind: str) -> None:
        self.kind = kind
        self._signer = Signer(
            as_key_list(keys), salt=f"record:{kind}", digest_method=hashlib.sha256
        )

    def mac(self, content: Mapping[str, Any]) -> str:
        """The MAC to store beside `content` (made with the newest key)."""
        return self._signer.get_signature(canonical(content)).decode()

    def verify(self, content: Mapping[str, Any], mac: str, record_id: str) -> None:
        """Raise RecordTampered unless `mac` matches `content` under any current key."""
        try:
            self._signer.unsign(canonical(content) + b"." + mac.encode())
        except BadSignature:
            raise RecordTampered(self.kind, record_id) from None
