"""Helpers for the preparation form tests: its page, how a browser sends it, what is stored."""

# The preparation form (/samtal/<id>/forberedelse) and what the talk page shows of it.
#
# What a user or an auditor would check: the form follows the round's question set, drafts
# are kept, the two parties prepare separately, errors never lose typed text, nothing is
# stored for sections that must not be documented, access is denied (and audited) for
# everyone else, a held talk is locked and a record changed behind the service's back is
# refused.

from __future__ import annotations

import sqlite3
from typing import Any

from bs4 import Tag
from flask import Flask
from flask.testing import FlaskClient
from werkzeug.test import TestResponse

from formserver.security.keys import signers
from formserver.store.preparations import Preparation, get_preparation
from formserver.store.talks import Talk
from tests.factories import conn, csrf_token, open_round, talk_of
from tests.views.soup import one, parse, text_of

PUBLIC_NOTE = "Det du skriver kan bli en allmän handling."
NEVER_TITLE = "Våld i nära relation och/eller hedersrelaterat våld"
SCALE_LABELS = [
    "1 – Behöver utvecklas mycket",
    "2 – Behöver utvecklas",
    "3 – Räcker för mina uppgifter",
    "4 – God",
    "5 – Mycket god, kan lära andra",
]


def preparation_form(html: str) -> Tag:
    """The preparation form (not the log-out form in the header)."""
    forms = [f for f in parse(html).find_all("form") if "logout" not in f.get("class", [])]
    assert len(forms) == 1, f"expected one preparation form, found {len(forms)}"
    return forms[0]


def section_fieldset(form: Tag, title: str) -> Tag:
    """A section's fieldset, by the text of its legend."""
    found = [
        fs
        for fs in form.find_all("fieldset", class_="section")
        if text_of(fs.find_all("legend")[0]) == title
    ]
    assert len(found) == 1, f"no single section titled {title!r}"
    return found[0]


def textarea_text(html: str, name: str) -> str:
    """What a textarea holds, exactly."""
    return one(parse(html), "textarea", attrs={"name": name}).get_text()


def page_version(html: str) -> int:
    """The version the form was loaded at (its hidden field)."""
    return int(one(parse(html), "input", attrs={"name": "version"}).attrs["value"])


# --- the service as its users reach it ------------------------------------------------------------


def form_url(talk: Talk) -> str:
    return f"/samtal/{talk.id}/forberedelse"


def overview_url(talk: Talk) -> str:
    return f"/samtal/{talk.id}"


def post_form(
    client: FlaskClient,
    talk: Talk,
    fields: dict[str, str],
    *,
    action: str = "spara",
    version: int | None = None,
) -> TestResponse:
    """Open the form as a browser does, then send it with `fields` typed in."""
    page = client.get(form_url(talk))
    assert page.status_code == 200, page.text
    data = {
        "csrf_token": csrf_token(page.text),
        "version": str(page_version(page.text) if version is None else version),
        "action": action,
        **fields,
    }
    return client.post(form_url(talk), data=data)


def talk_in_round(app: Flask, year: int, question_set_id: str, plan_template_id: str) -> Talk:
    """Open another round (as HR does) and return employee A's talk in it."""
    if year != 2026:  # the app fixture has already opened 2026 with "rutin"
        open_round(app, year, question_set_id, plan_template_id)
    talk = talk_of(app, "employee_a")
    assert (talk.year, talk.question_set_id) == (year, question_set_id)
    return talk


def stored(app: Flask, talk: Talk, role: str = "employee") -> Preparation | None:
    """The stored preparation, MAC-verified, as the service reads it."""
    with app.test_request_context():
        return get_preparation(conn(app), talk.id, role, signers().preparation)


def stored_row(app: Flask, talk: Talk, role: str = "employee") -> sqlite3.Row | None:
    """The raw preparations row."""
    row: sqlite3.Row | None = (
        conn(app)
        .execute(
            "SELECT * FROM preparations WHERE talk_id = ? AND author_role = ?", (talk.id, role)
        )
        .fetchone()
    )
    return row


def last_audit_id(app: Flask) -> int:
    return int(conn(app).execute("SELECT COALESCE(MAX(id), 0) FROM audit_log").fetchone()[0])


def audit_since(app: Flask, after: int) -> list[dict[str, Any]]:
    """Audit entries written after entry `after`, oldest first."""
    rows = conn(app).execute("SELECT * FROM audit_log WHERE id > ? ORDER BY id", (after,))
    return [dict(r) for r in rows]
