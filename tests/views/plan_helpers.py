"""Helpers for the tests of the record of the talk: its page, how a browser sends it, rows."""

# The record of the talk (/samtal/<id>/plan): notes and plan rows, marking the talk held,
# both signing the exact version, sealed versions and their history, the PDF copy and its
# e-mail.
#
# What a user or an auditor would check: the manager's form follows the round's question set
# and plan template (no field for what must not be documented), it works without JavaScript
# and never loses typed text, the employee reads everything recorded, nobody else reaches
# it, a signature is bound to exactly one version, a signed version never changes, a record
# changed behind the service's back is refused, and the PDF holds exactly what was typed.

from __future__ import annotations

import io
from datetime import date
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from bs4 import Tag
from flask import Flask
from flask.testing import FlaskClient
from pypdf import PdfReader
from werkzeug.datastructures import MultiDict
from werkzeug.test import TestResponse

from formserver.security.keys import signers
from formserver.store import plans as plan_store
from formserver.store.talks import Talk
from tests.factories import conn, csrf_token, open_round, signed_in_browser, talk_of
from tests.views.soup import parse, text_of

NOT_HELD = "Samtalet är inte markerat som genomfört ännu."
CHANGED = "Planen har ändrats sedan du öppnade sidan, eller så har du redan skrivit under."
NOTHING_WRITTEN = "Skriv och spara anteckningar eller plan först."
CSRF_EXPIRED = "Sidan har varit öppen för länge"
CONFLICT = "Planen sparades av någon annan medan du skrev. Ingenting är överskrivet."
BAD_DATE = "är inte ett giltigt datum. Skriv datum som ÅÅÅÅ-MM-DD."
EARLY_DATE = (
    "Datumet för genomförande och uppföljning kan inte vara före samtalet. Välj samtalsdagen "
    "eller ett senare datum."
)
NOT_VERIFIED = "Uppgifterna kunde inte visas"
NOT_FOUND = "Sidan finns inte"
PUBLIC_NOTE = "Det du skriver kan bli en allmän handling."
NEVER_TITLE = "Våld i nära relation och/eller hedersrelaterat våld"
RESULT_LABEL = "Hur blev resultatet? (Vad / Hur)"
STOCKHOLM = ZoneInfo("Europe/Stockholm")
# WeasyPrint 70 opens its sRGB profile for PDF/A and never closes it (weasyprint/pdf/__init__.py
# line 151): a ResourceWarning from the library, not from our code.
WEASYPRINT_ICC_LEAK = pytest.mark.filterwarnings(
    r"ignore:unclosed file <_io\.BufferedReader name='.*sRGB2014\.icc'>:ResourceWarning"
)

# What the manager types at the talk (rutin / handlingsplan).
NOTE = "Anna trivs i arbetslaget men har för mycket att göra under hösten."
GOAL = "Leda ämneslaget i svenska"
HOW = "Gå kursen i ledarskap och skugga en erfaren ämnesledare"
CHALLENGE = "Starta en läsecirkel för årskurs 8"
# Swedish letters and the punctuation Word puts into pasted text.
WORDY = "Åsa och Örjan äter “gröt” – nej — inte nu… 500 € • klart"

# --- the page as a browser sees and sends it --------------------------------------------------


def plan_url(talk: Talk, suffix: str = "") -> str:
    return f"/samtal/{talk.id}/plan{suffix}"


def open_plan(client: FlaskClient, talk: Talk) -> str:
    """The plan page as its reader opens it."""
    page = client.get(plan_url(talk))
    assert page.status_code == 200, page.text
    return page.text


def form_with_action(html: str, suffix: str) -> Tag:
    """The only form on the page whose action ends with `suffix`."""
    forms = [f for f in parse(html).find_all("form") if f.attrs.get("action", "").endswith(suffix)]
    assert len(forms) == 1, f"expected one form posting to …{suffix}, found {len(forms)}"
    return forms[0]


def plan_form(html: str) -> Tag:
    """The manager's notes-and-plan form."""
    return form_with_action(html, "/plan")


def browser_fields(form: Tag) -> MultiDict[str, str]:
    """What a browser sends for a form as it stands (without the button pressed)."""
    data: MultiDict[str, str] = MultiDict()
    for element in form.find_all(True):
        name = element.attrs.get("name")
        if not name or element.name == "button":
            continue
        if element.name == "textarea":
            data.add(name, element.get_text())
        elif element.name == "select":
            options = element.find_all("option")
            chosen = [o for o in options if "selected" in o.attrs] or options[:1]
            data.add(name, chosen[0].attrs.get("value", text_of(chosen[0])))
        elif element.name == "input":
            kind = element.attrs.get("type", "text")
            if kind in ("radio", "checkbox"):
                if "checked" in element.attrs:
                    data.add(name, element.attrs.get("value", "on"))
            else:
                data.add(name, element.attrs.get("value", ""))
    return data


def row_ids(html: str, grid: str) -> list[str]:
    """The ids of a grid's rows, from the hidden `rows_<grid>` inputs of the plan form."""
    return [
        e.attrs["value"] for e in plan_form(html).find_all("input", attrs={"name": f"rows_{grid}"})
    ]


def cell(grid: str, row_id: str, column: str) -> str:
    """The form name of one cell of the plan."""
    return f"cell_{grid}_{row_id}_{column}"


def field_text(html: str, name: str) -> str:
    """What a textarea holds, or an input's value, exactly."""
    found = [
        e
        for e in parse(html).find_all(True)
        if e.name in ("textarea", "input") and e.attrs.get("name") == name
    ]
    assert len(found) == 1, f"expected one field named {name}, found {len(found)}"
    element = found[0]
    return element.get_text() if element.name == "textarea" else element.attrs.get("value", "")


def post_plan(
    client: FlaskClient,
    talk: Talk,
    fields: dict[str, str],
    *,
    action: str = "spara",
    page: str | None = None,
) -> TestResponse:
    """Send the plan form as it stands on `page` (opened now if not given) with `fields` typed."""
    html = open_plan(client, talk) if page is None else page
    data = browser_fields(plan_form(html))
    for name, value in fields.items():
        data.setlist(name, [value])
    data.setlist("action", [action])
    return client.post(plan_url(talk), data=data)


def write_plan(
    client: FlaskClient,
    talk: Talk,
    *,
    notes: dict[str, str] | None = None,
    cells: dict[tuple[str, int, str], str] | None = None,
    checks: dict[str, str] | None = None,
) -> TestResponse:
    """Type notes, cells (grid, row index, column) and yes/no answers, adding rows as needed."""
    cells = cells or {}
    html = open_plan(client, talk)
    for grid, index, _ in cells:
        while len(row_ids(html, grid)) <= index:
            added = post_plan(client, talk, {}, action=f"rad-till:{grid}", page=html)
            assert added.status_code == 302, added.text
            html = open_plan(client, talk)
    fields = {f"note_{section}": text for section, text in (notes or {}).items()}
    fields.update({f"check_{question}": value for question, value in (checks or {}).items()})
    for (grid, index, column), text in cells.items():
        fields[cell(grid, row_ids(html, grid)[index], column)] = text
    return post_plan(client, talk, fields, page=html)


def mark_held(client: FlaskClient, talk: Talk) -> TestResponse:
    """Press "Markera samtalet som genomfört"."""
    html = open_plan(client, talk)
    return client.post(plan_url(talk, "/genomford"), data={"csrf_token": csrf_token(html)})


def sign_plan(client: FlaskClient, talk: Talk, comment: str = "") -> TestResponse:
    """Press "Skriv under version N" on the plan page, with a comment."""
    html = open_plan(client, talk)
    data = browser_fields(form_with_action(html, "/plan/signera"))
    data.setlist("comment", [comment])
    return client.post(plan_url(talk, "/signera"), data=data)


def standard_plan(client: FlaskClient, talk: Talk, note: str = NOTE) -> None:
    """The manager records a note and a row in each grid of the handlingsplan."""
    response = write_plan(
        client,
        talk,
        notes={"arbetssituation": note},
        cells={
            ("mal", 0, "medarbetarens_mal"): GOAL,
            ("mal", 0, "hur_aktiviteter"): HOW,
            ("arets_utmaning", 0, "utmaning"): CHALLENGE,
        },
    )
    assert response.status_code == 302, response.text


def held_plan(
    app: Flask, role: str = "employee_a", note: str = NOTE
) -> tuple[Talk, FlaskClient, FlaskClient]:
    """A's (or B's) plan written by the manager and the talk marked held: (talk, manager, them)."""
    talk = talk_of(app, role)
    manager = signed_in_browser(app, "manager")
    standard_plan(manager, talk, note)
    assert mark_held(manager, talk).status_code == 302
    return talk, manager, signed_in_browser(app, role)


def signed_plan(
    app: Flask, role: str = "employee_a", comment: str = "", note: str = NOTE
) -> tuple[Talk, FlaskClient, FlaskClient]:
    """A plan both have signed."""
    talk, manager, employee = held_plan(app, role, note)
    assert sign_plan(manager, talk).status_code == 302
    assert sign_plan(employee, talk, comment).status_code == 302
    return talk, manager, employee


def versions(app: Flask, talk: Talk) -> list[plan_store.PlanVersion]:
    """Every stored version, MAC-verified, as the service reads them."""
    with app.test_request_context():
        return plan_store.versions(conn(app), talk.id, signers().plan)


def version_rows(app: Flask, talk: Talk) -> list[dict[str, Any]]:
    rows = conn(app).execute(
        "SELECT * FROM plan_versions WHERE talk_id = ? ORDER BY number", (talk.id,)
    )
    return [dict(r) for r in rows]


def signature_rows(app: Flask, talk: Talk) -> list[dict[str, Any]]:
    rows = conn(app).execute(
        "SELECT s.*, v.number FROM signatures s JOIN plan_versions v ON v.id = s.plan_version_id "
        "WHERE v.talk_id = ? ORDER BY s.rowid",
        (talk.id,),
    )
    return [dict(r) for r in rows]


def talk_row(app: Flask, talk: Talk) -> dict[str, Any]:
    return dict(conn(app).execute("SELECT * FROM talks WHERE id = ?", (talk.id,)).fetchone())


def signature_lines(html: str) -> list[str]:
    """The "Underskrifter" list on the plan page, as read."""
    document = parse(html)
    heading = [h for h in document.find_all("h2") if text_of(h) == "Underskrifter"]
    assert heading, "no Underskrifter heading"
    lists = [
        ul
        for ul in document.find_all("ul")
        if ul.find_all("li") and text_of(ul.find_all("li")[0]).startswith("Chef:")
    ]
    assert len(lists) == 1
    return [text_of(li) for li in lists[0].find_all("li")]


def call_talk(app: Flask, talk: Talk, day: date) -> None:
    """The manager calls the talk for `day` at 10.00 (so that it has a date)."""
    manager = signed_in_browser(app, "manager")
    page = manager.get(f"/samtal/{talk.id}/kalla")
    assert page.status_code == 200, page.text
    response = manager.post(
        f"/samtal/{talk.id}/kalla",
        data={
            "csrf_token": csrf_token(page.text),
            "version": str(talk.version),
            "day": day.isoformat(),
            "start": "10:00",
            "duration": "60",
            "place": "Rum Ekern",
            "message": "",
        },
    )
    assert response.status_code == 200, response.text
    assert talk_of(app, "employee_a").starts_at is not None


def open_goteborg_round(app: Flask) -> Talk:
    """Open a 2027 round with Göteborg's question set; employee A's talk in it."""
    open_round(app, 2027, "goteborg", "utvecklingsplan")
    talk = talk_of(app, "employee_a")
    assert (talk.year, talk.question_set_id, talk.plan_template_id) == (
        2027,
        "goteborg",
        "utvecklingsplan",
    )
    return talk


def pdf_text(body: bytes) -> str:
    """The text of a PDF as a reader copies it, whitespace collapsed."""
    reader = PdfReader(io.BytesIO(body))
    return " ".join(" ".join(page.extract_text() for page in reader.pages).split())


def one_line(text: str) -> str:
    return " ".join(text.split())
