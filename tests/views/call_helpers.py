"""Helpers for the tests of calling a talk: the call form, its rows and its e-mail."""

# The manager's team page and calling a talk (kallelse): what the manager, the employee
# and an auditor see, with a real SMTP server on loopback where e-mail is involved.

from __future__ import annotations

import re
from datetime import date, timedelta
from typing import Any
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo

from flask import Flask
from flask.testing import FlaskClient

from formserver.common.clock import local_today
from tests.factories import conn, csrf_token

STOCKHOLM = ZoneInfo("Europe/Stockholm")
LINK = re.compile(r"https?://[^\s<>\"']+/logga-in/[A-Za-z0-9_.\-]+")
PLACE = "Rum Ekern, plan 3"
MESSAGE = "Hej Anna!\nTa gärna med <dina> tankar & idéer."
MESSAGE_SHOWN = "Hej Anna!\nTa gärna med &lt;dina&gt; tankar &amp; idéer."


def in_days(days: int) -> date:
    return local_today() + timedelta(days=days)


def call_page(client: FlaskClient, talk_id: str) -> str:
    """The call form as the manager opens it."""
    page = client.get(f"/samtal/{talk_id}/kalla")
    assert page.status_code == 200, page.text
    return page.text


def post_call(
    client: FlaskClient,
    talk_id: str,
    day: date | str,
    *,
    version: str = "1",
    place: str = PLACE,
    message: str = MESSAGE,
    **extra: str,
) -> Any:
    """Fill in and send the call form (CSRF token taken from the form page)."""
    token = csrf_token(call_page(client, talk_id))
    data = {
        "csrf_token": token,
        "version": version,
        "day": day.isoformat() if isinstance(day, date) else day,
        "start": "10:00",
        "duration": "45",
        "place": place,
        "message": message,
        **extra,
    }
    return client.post(f"/samtal/{talk_id}/kalla", data=data)


def talk_row(app: Flask, talk_id: str) -> Any:
    return conn(app).execute("SELECT * FROM talks WHERE id = ?", (talk_id,)).fetchone()


def audit_rows(app: Flask) -> list[dict[str, Any]]:
    return [dict(r) for r in conn(app).execute("SELECT * FROM audit_log ORDER BY id")]


def sign_in_with(app: Flask, link: str) -> tuple[FlaskClient, str]:
    """Open a personal link in a fresh browser and press the button; returns it and where to."""
    browser = app.test_client()
    path = urlsplit(link).path
    confirm = browser.get(path)
    assert confirm.status_code == 200, confirm.text
    assert "Tryck på knappen för att logga in." in confirm.text
    done = browser.post(path, data={"csrf_token": csrf_token(confirm.text)})
    assert done.status_code == 302, done.text
    return browser, done.location
