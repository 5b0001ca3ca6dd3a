"""Helpers for the chain tests: a realistic database, a copy of it, and an attacker's sqlite3.

The attacker has the database file and nothing else (no key): they open a copy with the plain
sqlite3 module, drop the triggers that protect the rows, and delete, reorder or swap them.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from flask import Flask

from formserver import create_app
from formserver.recordkeeping import verification
from formserver.security.keys import key_list
from formserver.store import plans
from formserver.store.talks import Talk
from tests.factories import conn, signed_in_browser, signer, talk_of
from tests.recordkeeping.maintenance_helpers import sign, signed_plan, write_plan

Tamper = Callable[[sqlite3.Connection, "Records"], None]


@dataclass(frozen=True)
class Records:
    """The talks the tests tamper with, made as their users make them."""

    twice: Talk  # Anna: version 1 signed by both, changed after signing, version 2 signed by both
    once: Talk  # Bo: one version, signed by both
    first_code: str  # the verification code of Anna's version 1
    once_code: str  # the verification code of Bo's version


def build(app: Flask) -> Records:
    """Anna's plan signed, changed after signing and signed again; Bo's signed once."""
    twice = signed_plan(app, "employee_a", "Första planen")
    manager = signed_in_browser(app, "manager")
    write_plan(manager, twice, "Ändrad efter underskrift")
    sign(manager, twice)
    sign(signed_in_browser(app, "employee_a"), twice)
    once = signed_plan(app, "employee_b", "Bos plan")
    found = {t.id: plans.versions(conn(app), t.id, signer(app, "plan")) for t in (twice, once)}
    assert [(v.number, v.signed_by_both) for v in found[twice.id]] == [(1, True), (2, True)]
    keys = key_list(app.config)
    first, only = found[twice.id][0], found[once.id][0]
    return Records(
        talk_of(app, "employee_a"),
        talk_of(app, "employee_b"),
        verification.verification_code(keys, first.id, first.content_hash),
        verification.verification_code(keys, only.id, only.content_hash),
    )


def copy_of(app: Flask, path: Path) -> Path:
    """A consistent copy of the app's database file (SQLite's backup API)."""
    target = sqlite3.connect(path)
    conn(app).backup(target)
    target.close()
    return path


def tamper(path: Path, change: Callable[[sqlite3.Connection], Any]) -> None:
    """Change the file as an attacker with the file (and no key) would: triggers dropped."""
    raw = sqlite3.connect(path, isolation_level=None)
    raw.row_factory = sqlite3.Row
    for (name,) in raw.execute("SELECT name FROM sqlite_master WHERE type = 'trigger'").fetchall():
        raw.execute(f'DROP TRIGGER "{name}"')
    change(raw)
    raw.close()


def service_on(app: Flask, path: Path, **settings: Any) -> Flask:
    """The service started on another database file, with the same keys."""
    return create_app(
        {
            "TESTING": True,
            "SECRET_KEY": app.config["SECRET_KEY"],
            "SECRET_KEY_FALLBACKS": app.config["SECRET_KEY_FALLBACKS"],
            "DATABASE": str(path),
            "HANDBOOK_DIR": app.config["HANDBOOK_DIR"],
            **settings,
        }
    )


def version_ids(raw: sqlite3.Connection, talk: Talk) -> list[str]:
    rows = raw.execute("SELECT id FROM plan_versions WHERE talk_id = ? ORDER BY number", (talk.id,))
    return [r[0] for r in rows]


def audit_ids(raw: sqlite3.Connection) -> list[int]:
    return [r[0] for r in raw.execute("SELECT id FROM audit_log ORDER BY id")]
