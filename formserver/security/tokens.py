"""Signed tokens with itsdangerous: a salt per purpose and a max_age on every read."""

from __future__ import annotations

import hashlib
import secrets
from collections.abc import Sequence

from itsdangerous import BadData, SignatureExpired, URLSafeTimedSerializer
from itsdangerous.encoding import base64_decode, base64_encode

SIGN_IN_SALT = "formserver.sign-in-link"
CSRF_SALT = "formserver.csrf"
MAX_TOKEN_LENGTH = 512


class TokenExpired(Exception):
    """The token is genuine but too old (or dated in the future)."""


class TokenInvalid(Exception):
    """The token is not one of ours: altered, truncated, another purpose or a retired key."""


def serializer(keys: Sequence[str | bytes], salt: str) -> URLSafeTimedSerializer:
    """A serializer for one purpose; keys oldest → newest (signs with the newest)."""
    return URLSafeTimedSerializer(as_key_list(keys), salt=salt)


def as_key_list(keys: Sequence[str | bytes]) -> list[bytes]:
    """Keys for itsdangerous: a list, oldest → newest. A lone string is refused, never split."""
    if isinstance(keys, str | bytes):
        raise TypeError("keys must be a list, oldest first, never a single string")
    return [key.encode() if isinstance(key, str) else key for key in keys]


def new_nonce() -> str:
    """A random nonce: the only thing a sign-in token carries."""
    return secrets.token_urlsafe(32)


def nonce_hash(nonce: str) -> str:
    """What the database stores instead of the nonce."""
    return hashlib.sha256(nonce.encode()).hexdigest()


def dump(keys: Sequence[str | bytes], salt: str, value: str) -> str:
    """Sign `value` for `salt`'s purpose."""
    return serializer(keys, salt).dumps(value)


def _canonical(token: str) -> bool:
    """Exactly the form we issue: three base64url parts without padding or spare bits.

    base64 decoding forgives padding and the unused low bits of the last character, so
    without this check a token could be altered and still verify.
    """
    parts = token.split(".")
    if len(parts) != 3 or not token.isascii():
        return False
    try:
        return all(part and base64_encode(base64_decode(part)).decode() == part for part in parts)
    except (BadData, ValueError):
        return False


def load(keys: Sequence[str | bytes], salt: str, token: str, max_age: int) -> str:
    """Verify a token for `salt`'s purpose and age; return the value it carries."""
    if not token or len(token) > MAX_TOKEN_LENGTH or not _canonical(token):
        raise TokenInvalid
    try:
        value = serializer(keys, salt).loads(token, max_age=max_age)
    except SignatureExpired:
        # itsdangerous also raises this for a timestamp in the future (negative age).
        raise TokenExpired from None
    except (BadData, UnicodeError, ValueError):
        raise TokenInvalid from None
    if not isinstance(value, str):
        raise TokenInvalid
    return value
