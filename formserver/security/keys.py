"""The service's keys, oldest → newest, and the MAC signer for each kind of record.

This is the only place that assembles the key list or names a record kind's salt.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

from flask import current_app

from formserver.security.records import RecordSigner

Keys = Sequence[str | bytes]


def key_list(config: Mapping[str, Any]) -> list[str | bytes]:
    """The configured keys, oldest → newest: the fallbacks (a list), then SECRET_KEY."""
    return [*config["SECRET_KEY_FALLBACKS"], config["SECRET_KEY"]]


def current_keys() -> list[str | bytes]:
    """The running app's keys, oldest → newest."""
    return key_list(current_app.config)


@dataclass(frozen=True)
class Signers:
    """One MAC signer per kind of stored record, each with its own salt."""

    preparation: RecordSigner
    plan: RecordSigner
    followup: RecordSigner
    audit: RecordSigner  # the MAC on each audit entry's hash
    plan_pdf: RecordSigner


@lru_cache(maxsize=8)
def _signers(keys: tuple[str | bytes, ...]) -> Signers:
    return Signers(
        preparation=RecordSigner(keys, "preparation"),
        plan=RecordSigner(keys, "plan"),
        followup=RecordSigner(keys, "followup"),
        audit=RecordSigner(keys, "audit"),
        plan_pdf=RecordSigner(keys, "plan_pdf"),
    )


def signers_for(keys: Keys) -> Signers:
    """The signers for an explicit key list (commands, tests, benchmarks)."""
    return _signers(tuple(keys))


def signers() -> Signers:
    """The running app's signers (built once per key list)."""
    return signers_for(current_keys())
