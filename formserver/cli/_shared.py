"""Helpers shared by the command modules."""

from __future__ import annotations

import sqlite3

from flask import current_app

from formserver.security.keys import key_list
from formserver.store import db


def _conn() -> sqlite3.Connection:
    return db.connection_for(current_app.config["DATABASE"])


def _keys() -> list[str | bytes]:
    return key_list(current_app.config)


def _link(token: str) -> str:
    base = current_app.config.get("PUBLIC_URL") or "http://127.0.0.1:5000"
    return f"{base.rstrip('/')}/logga-in/{token}"
