"""Helpers for the follow-up tests: the follow-up page, how a browser sends it, rows."""

# Follow-up of a signed plan (/samtal/<id>/uppfoljning) and last year's plan in next
# year's preparation.
#
# What a user or an auditor would check: there is nothing to follow up until both have
# signed, then every row of the signed plan gets a status and "Hur blev resultatet?",
# written by the employee or the manager, never overwriting each other, never losing
# typed text; a follow-up changed behind the service's back is refused; next year the
# employee (and the manager, if it is still the same) sees last year's plan with its
# results, a new manager does not.

from __future__ import annotations

import json
from typing import Any

from bs4 import Tag
from flask import Flask
from flask.testing import FlaskClient
from werkzeug.datastructures import MultiDict
from werkzeug.test import TestResponse

from formserver.services.roster import parse_roster
from formserver.store.people import import_roster
from formserver.store.talks import Talk
from tests.factories import PEOPLE, conn, open_round, roster_csv, talk_of
from tests.views.plan_helpers import browser_fields
from tests.views.soup import one, parse

NOTHING_YET = (
    "Det finns ingen plan som båda har skrivit under ännu, så det finns inget att följa upp."
)
CONFLICT = "Någon annan sparade uppföljningen medan du skrev. Ingenting är överskrivet."
BAD_STATUS = "Välj en status i listan."
CSRF_EXPIRED = "Sidan har varit öppen för länge"
STATUS_LABELS = ["Inte påbörjad", "Pågår", "Klar", "Utgår"]
RESULT = "Kursen är bokad – halvvägs “klar”, återstår: skuggning i maj…"

# --- the page as a browser sees and sends it --------------------------------------------------


def followup_url(talk: Talk) -> str:
    return f"/samtal/{talk.id}/uppfoljning"


def open_followup(client: FlaskClient, talk: Talk) -> str:
    page = client.get(followup_url(talk))
    assert page.status_code == 200, page.text
    return page.text


def followup_form(html: str) -> Tag:
    """The follow-up form (the one with the status lists)."""
    forms = [f for f in parse(html).find_all("form") if f.find_all("select")]
    assert len(forms) == 1, f"expected one follow-up form, found {len(forms)}"
    return forms[0]


def row_ids(html: str) -> list[str]:
    """The plan rows on the follow-up page, in order (from their status lists)."""
    return [s.attrs["name"].removeprefix("status_") for s in followup_form(html).find_all("select")]


def post_followup(
    client: FlaskClient, talk: Talk, fields: dict[str, str], *, page: str | None = None
) -> TestResponse:
    """Send the follow-up form as it stands on `page` (opened now if not given), with `fields`."""
    html = open_followup(client, talk) if page is None else page
    data: MultiDict[str, str] = browser_fields(followup_form(html))
    for name, value in fields.items():
        data.setlist(name, [value])
    return client.post(followup_url(talk), data=data)


def selected_status(html: str, row_id: str) -> str:
    select = one(parse(html), "select", attrs={"name": f"status_{row_id}"})
    return [o.attrs["value"] for o in select.find_all("option") if "selected" in o.attrs][0]


def result_text(html: str, row_id: str) -> str:
    return one(parse(html), "textarea", attrs={"name": f"result_{row_id}"}).get_text()


def followup_rows(app: Flask, talk: Talk) -> list[dict[str, Any]]:
    rows = conn(app).execute("SELECT * FROM followups WHERE talk_id = ? ORDER BY rowid", (talk.id,))
    return [dict(r) for r in rows]


def plan_rows(app: Flask, talk: Talk) -> dict[str, str]:
    """Row ids of the stored plan by the text in their first written cell."""
    row = (
        conn(app)
        .execute(
            "SELECT content FROM plan_versions WHERE talk_id = ? ORDER BY number DESC LIMIT 1",
            (talk.id,),
        )
        .fetchone()
    )
    content = json.loads(row["content"])
    found = {}
    for rows in content["grids"].values():
        for r in rows:
            texts = [v for k, v in r.items() if k != "row_id"]
            if texts:
                found[texts[0]] = r["row_id"]
    return found


def open_next_year(app: Flask, *, new_manager: bool = False) -> Talk:
    """Open a 2027 round with "rutin" (A moved to manager N first, if asked); A's talk in it."""
    if new_manager:
        lines = [
            line.replace(";M1;", ";N1;") if role == "employee_a" else line
            for role, line in PEOPLE.items()
            if role != "leaver"
        ]
        import_roster(conn(app), parse_roster(roster_csv(*lines)).rows)
    open_round(app, 2027)
    talk = talk_of(app, "employee_a")
    assert talk.year == 2027
    return talk
