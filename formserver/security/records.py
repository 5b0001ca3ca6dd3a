"""Tamper-evident records: a MAC over each stored record's canonical content."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping, Sequence
from typing import Any

from itsdangerous import BadData, Signer
from itsdangerous.encoding import base64_decode

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


# One encoder, made once: json.dumps with these options builds a new encoder on every call, and
# chains and stored copies are verified by the thousand in an export.
_CANONICAL = json.JSONEncoder(sort_keys=True, ensure_ascii=False, separators=(",", ":"))


def canonical(content: Mapping[str, Any]) -> bytes:
    """Stable bytes for a record: sorted keys, no whitespace, UTF-8."""
    return _CANONICAL.encode(content).encode()


class RecordSigner:
    """Signs and verifies records of one kind; a salt per kind, keys oldest → newest.

    The MACs are itsdangerous's (Signer with this salt and SHA-256). The key derived from each
    secret is worked out once, newest first, rather than on every record: an export verifies
    thousands.
    """

    def __init__(self, keys: Sequence[str | bytes], kind: str) -> None:
        self.kind = kind
        self._signer = Signer(
            as_key_list(keys), salt=f"record:{kind}", digest_method=hashlib.sha256
        )
        self._derived = [self._signer.derive_key(k) for k in reversed(self._signer.secret_keys)]

    def mac(self, content: Mapping[str, Any]) -> str:
        """The MAC to store beside `content` (made with the newest key)."""
        return self._signer.get_signature(canonical(content)).decode()

    def verify(self, content: Mapping[str, Any], mac: str, record_id: str) -> None:
        """Raise RecordTampered unless `mac` matches `content` under any current key."""
        try:
            signature = base64_decode(mac)
        except (BadData, ValueError, TypeError):
            raise RecordTampered(self.kind, record_id) from None
        value = canonical(content)
        algorithm = self._signer.algorithm
        if not any(algorithm.verify_signature(key, value, signature) for key in self._derived):
            raise RecordTampered(self.kind, record_id)
