"""The record of the talk (/samtal/<id>/plan): notes and plan rows, marking the talk held, both
signing the exact version, sealed versions and their history, the PDF copy and its e-mail.

What a user or an auditor would check: the manager's form follows the round's question set and
plan template (no field for what must not be documented), it works without JavaScript and never
loses typed text, the employee reads everything recorded, nobody else reaches it, a signature is
bound to exactly one version, a signed version never changes, a record changed behind the
service's back is refused, and the PDF holds exactly what was typed.
"""

from __future__ import annotations

import io
import json
import logging
import re
import sqlite3
from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta
from email.message import EmailMessage
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from flask import Flask
from flask.testing import FlaskClient
from pypdf import PdfReader
from pypdf.generic import DictionaryObject
from werkzeug.datastructures import MultiDict
from werkzeug.test import TestResponse

from formserver import rounds
from formserver.store import plans as plan_store
from formserver.store.talks import Talk
from formserver.views.plans import plan_signer, verification_code
from tests import smtp
from tests.factories import (
    EMAIL,
    conn,
    csrf_token,
    data_dump,
    make_service,
    person,
    sign_in,
    talk_of,
)
from tests.smtp import HOST, LoopbackSMTP
from tests.views.test_prepare import Element, audit_since, last_audit_id, parse

smtp_server = smtp.smtp_server  # the fixture, for the tests in this module

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
NOT_VERIFIED = "Posten kunde inte verifieras"
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


def signed_in(app: Flask, role: str) -> FlaskClient:
    """A browser of its own, signed in as a person from factories.PEOPLE."""
    browser = app.test_client()
    sign_in(browser, app, role)
    return browser


def open_plan(client: FlaskClient, talk: Talk) -> str:
    """The plan page as its reader opens it."""
    page = client.get(plan_url(talk))
    assert page.status_code == 200, page.text
    return page.text


def form_with_action(html: str, suffix: str) -> Element:
    """The only form on the page whose action ends with `suffix`."""
    forms = [f for f in parse(html).find_all("form") if f.attrs.get("action", "").endswith(suffix)]
    assert len(forms) == 1, f"expected one form posting to …{suffix}, found {len(forms)}"
    return forms[0]


def plan_form(html: str) -> Element:
    """The manager's notes-and-plan form."""
    return form_with_action(html, "/plan")


def browser_fields(form: Element) -> MultiDict[str, str]:
    """What a browser sends for a form as it stands (without the button pressed)."""
    data: MultiDict[str, str] = MultiDict()
    for element in form.iter():
        name = element.attrs.get("name")
        if not name or element.tag == "button":
            continue
        if element.tag == "textarea":
            data.add(name, element.raw_text())
        elif element.tag == "select":
            options = element.find_all("option")
            chosen = [o for o in options if "selected" in o.attrs] or options[:1]
            data.add(name, chosen[0].attrs.get("value", chosen[0].text()))
        elif element.tag == "input":
            kind = element.attrs.get("type", "text")
            if kind in ("radio", "checkbox"):
                if "checked" in element.attrs:
                    data.add(name, element.attrs.get("value", "on"))
            else:
                data.add(name, element.attrs.get("value", ""))
    return data


def row_ids(html: str, grid: str) -> list[str]:
    """The ids of a grid's rows, from the hidden `rows_<grid>` inputs of the plan form."""
    return [e.attrs["value"] for e in plan_form(html).find_all("input", name=f"rows_{grid}")]


def cell(grid: str, row_id: str, column: str) -> str:
    """The form name of one cell of the plan."""
    return f"cell_{grid}_{row_id}_{column}"


def field_text(html: str, name: str) -> str:
    """What a textarea holds, or an input's value, exactly."""
    found = [
        e
        for e in parse(html).iter()
        if e.tag in ("textarea", "input") and e.attrs.get("name") == name
    ]
    assert len(found) == 1, f"expected one field named {name}, found {len(found)}"
    element = found[0]
    return element.raw_text() if element.tag == "textarea" else element.attrs.get("value", "")


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
    manager = signed_in(app, "manager")
    standard_plan(manager, talk, note)
    assert mark_held(manager, talk).status_code == 302
    return talk, manager, signed_in(app, role)


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
        return plan_store.versions(conn(app), talk.id, plan_signer())


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
    heading = [h for h in document.find_all("h2") if h.text() == "Underskrifter"]
    assert heading, "no Underskrifter heading"
    lists = [
        ul
        for ul in document.find_all("ul")
        if ul.find_all("li") and ul.find_all("li")[0].text().startswith("Chef:")
    ]
    assert len(lists) == 1
    return [li.text() for li in lists[0].find_all("li")]


def call_talk(app: Flask, talk: Talk, day: date) -> None:
    """The manager calls the talk for `day` at 10.00 (so that it has a date)."""
    manager = signed_in(app, "manager")
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
    rounds.open_round(
        conn(app),
        app.extensions["site_config"],
        year=2027,
        question_set_id="goteborg",
        plan_template_id="utvecklingsplan",
        opened_by=person(app, "hr").id,
        today=date(2027, 1, 15),
    )
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


# --- 1. the manager's form at the talk --------------------------------------------------------


def test_the_managers_form_has_a_labelled_textarea_per_section_and_works_without_script(
    app: Flask,
) -> None:
    talk = talk_of(app, "employee_a")
    manager = signed_in(app, "manager")
    question_set = app.extensions["site_config"].question_sets["rutin"]

    html = open_plan(manager, talk)

    assert "<script" not in html
    form = plan_form(html)
    assert form.attrs["method"] == "post"
    for section in question_set.sections:
        assert section.has_fields
        name = f"note_{section.id}"
        label = form.one("label", for_=name)
        assert label.text() == f"Anteckningar: {section.title}"
        area = form.one("textarea", id=name, name=name)
        assert area.raw_text() == ""
        assert f"{name}-offentlig" in area.attrs["aria-describedby"].split()
        hint = parse(html).by_id(f"{name}-offentlig")
        assert hint is not None and hint.text() == PUBLIC_NOTE
    # One empty row per grid to start with, each with a button to add another.
    buttons = {b.attrs.get("value"): b.text() for b in form.find_all("button")}
    assert buttons["rad-till:mal"] == (
        "Lägg till en rad i Individuella mål och kompetensutveckling"
    )
    assert buttons["rad-till:arets_utmaning"] == "Lägg till en rad i Årets utmaning"
    assert len(row_ids(html, "mal")) == 1 and len(row_ids(html, "arets_utmaning")) == 1
    (row,) = row_ids(html, "mal")
    assert form.one("label", for_=cell("mal", row, "medarbetarens_mal")).text() == (
        "Medarbetarens mål"
    )
    assert form.one("input", name=cell("mal", row, "datum")).attrs["type"] == "date"
    assert "Allt som skrivs här kan medarbetaren läsa. Det finns inga privata anteckningar." in (
        parse(html).text()
    )


def test_a_never_section_has_no_field_bisyssla_has_yes_no_and_the_result_waits(
    app: Flask,
) -> None:
    talk = open_goteborg_round(app)
    manager = signed_in(app, "manager")

    html = open_plan(manager, talk)

    form = plan_form(html)
    never = [
        fs
        for fs in form.find_all("fieldset", class_="section")
        if fs.find_all("legend")[0].text() == NEVER_TITLE
    ]
    assert len(never) == 1
    assert never[0].find_all("textarea") == [] and never[0].find_all("input") == []
    assert "Ska inte dokumenteras." in never[0].text()
    assert "note_vald_i_nara_relation" not in html
    optional = form.one("textarea", name="note_arbetsmiljo_och_halsa")
    assert optional.raw_text() == ""
    # Bisysslor, jäv och mutor: two yes/no questions as radio groups.
    groups = {fs.one("legend").text(): fs for fs in form.find_all("fieldset", class_="choices")}
    assert set(groups) == {
        "Känner du till vad som gäller kring bisysslor, jäv och mutor?",
        "Har du någon bisyssla?",
    }
    radios = groups["Har du någon bisyssla?"].find_all("input", type="radio")
    assert [(r.attrs["name"], r.attrs["value"]) for r in radios] == [
        ("check_har_bisyssla", "ja"),
        ("check_har_bisyssla", "nej"),
    ]
    assert [
        groups["Har du någon bisyssla?"].one("label", for_=r.attrs["id"]).text() for r in radios
    ] == [
        "Ja",
        "Nej",
    ]
    # "Hur blev resultatet?" is filled in at the follow-up, not at the talk.
    (row,) = row_ids(html, "utveckling")
    assert cell("utveckling", row, "resultat") not in html
    assert not [
        e
        for e in form.iter()
        if e.tag in ("input", "textarea") and "resultat" in e.attrs.get("name", "")
    ]
    assert f"{RESULT_LABEL} Fylls i vid uppföljningen under året." in form.text()
    assert form.one("label", for_=cell("utveckling", row, "aktivitet")).text() == (
        "Vilken aktivitet planeras?"
    )


@pytest.mark.parametrize("target", ["never_note", "result_cell"])
def test_a_posted_field_the_form_does_not_have_stores_nothing(app: Flask, target: str) -> None:
    talk = open_goteborg_round(app)
    manager = signed_in(app, "manager")
    html = open_plan(manager, talk)
    (row,) = row_ids(html, "utveckling")
    secret = "Detta får inte sparas vid samtalet"
    name = {
        "never_note": "note_vald_i_nara_relation",
        "result_cell": cell("utveckling", row, "resultat"),
    }[target]

    response = post_plan(
        manager,
        talk,
        {
            "note_klargora_uppdrag": "Samma syn.",
            cell("utveckling", row, "aktivitet"): "Kurs",
            name: secret,
        },
        page=html,
    )

    assert response.status_code == 302
    (version,) = versions(app, talk)
    assert version.content["notes"] == {"klargora_uppdrag": "Samma syn."}
    assert version.content["grids"]["utveckling"] == [{"row_id": row, "aktivitet": "Kurs"}]
    assert secret not in data_dump(app)


def test_yes_no_answers_are_stored_and_shown_checked(app: Flask) -> None:
    talk = open_goteborg_round(app)
    manager = signed_in(app, "manager")

    response = write_plan(
        manager, talk, checks={"har_bisyssla": "ja", "kanner_till_reglerna": "nej"}
    )

    assert response.status_code == 302
    (version,) = versions(app, talk)
    assert version.content["checks"] == {"har_bisyssla": "ja", "kanner_till_reglerna": "nej"}
    form = plan_form(open_plan(manager, talk))
    checked = {
        r.attrs["name"]: r.attrs["value"]
        for r in form.find_all("input", type="radio")
        if "checked" in r.attrs
    }
    assert checked == {"check_har_bisyssla": "ja", "check_kanner_till_reglerna": "nej"}
    employee_view = parse(open_plan(signed_in(app, "employee_a"), talk))
    facts = employee_view.one("dl", class_="facts")
    pairs = dict(
        zip(
            [e.text() for e in facts.find_all("dt")],
            [e.text() for e in facts.find_all("dd")],
            strict=True,
        )
    )
    assert pairs == {
        "Känner du till vad som gäller kring bisysslor, jäv och mutor?": "Nej",
        "Har du någon bisyssla?": "Ja",
    }


# --- 2. rows are added and removed without JavaScript; typed text survives ---------------------


def test_adding_a_row_keeps_the_typed_text_and_adds_an_empty_row(app: Flask) -> None:
    talk = talk_of(app, "employee_a")
    manager = signed_in(app, "manager")
    html = open_plan(manager, talk)
    (first,) = row_ids(html, "mal")

    response = post_plan(
        manager,
        talk,
        {"note_samspela": "Bra samarbete.", cell("mal", first, "medarbetarens_mal"): GOAL},
        action="rad-till:mal",
        page=html,
    )

    assert response.status_code == 302
    assert response.location.endswith(f"{plan_url(talk)}?sparad=1#mal")
    after = manager.get(response.location).text
    ids = row_ids(after, "mal")
    assert len(ids) == 2 and ids[0] == first
    assert field_text(after, cell("mal", first, "medarbetarens_mal")) == GOAL
    assert field_text(after, cell("mal", ids[1], "medarbetarens_mal")) == ""
    assert field_text(after, "note_samspela") == "Bra samarbete."
    legends = [e.text() for e in plan_form(after).find_all("legend") if "rad" in e.text()]
    assert "Individuella mål och kompetensutveckling, rad 2" in legends
    assert len(row_ids(after, "arets_utmaning")) == 1


def test_removing_a_row_keeps_the_other_rows_and_the_notes(app: Flask) -> None:
    talk = talk_of(app, "employee_a")
    manager = signed_in(app, "manager")
    assert (
        write_plan(
            manager,
            talk,
            notes={"samspela": "Bra samarbete."},
            cells={
                ("mal", 0, "medarbetarens_mal"): "Första målet",
                ("mal", 1, "medarbetarens_mal"): "Andra målet",
            },
        ).status_code
        == 302
    )
    html = open_plan(manager, talk)
    first, second = row_ids(html, "mal")

    response = post_plan(
        manager,
        talk,
        {cell("mal", second, "ansvarig"): "Karin"},
        action=f"rad-bort:mal:{first}",
        page=html,
    )

    assert response.status_code == 302
    after = manager.get(response.location).text
    assert row_ids(after, "mal") == [second]
    assert field_text(after, cell("mal", second, "medarbetarens_mal")) == "Andra målet"
    assert field_text(after, cell("mal", second, "ansvarig")) == "Karin"
    assert field_text(after, "note_samspela") == "Bra samarbete."
    assert "Första målet" not in after
    stored = versions(app, talk)[-1].content
    assert stored["grids"]["mal"] == [
        {"row_id": second, "medarbetarens_mal": "Andra målet", "ansvarig": "Karin"}
    ]


# --- 3. dates -----------------------------------------------------------------------------------


@pytest.mark.parametrize("typed", ["2026-02-30", "30/11/2026", "nästa vecka"])
def test_an_impossible_date_is_refused_with_the_typed_text_back(app: Flask, typed: str) -> None:
    talk = talk_of(app, "employee_a")
    manager = signed_in(app, "manager")
    html = open_plan(manager, talk)
    (row,) = row_ids(html, "mal")
    date_field = cell("mal", row, "datum")

    response = post_plan(
        manager,
        talk,
        {
            "note_arbetssituation": NOTE,
            cell("mal", row, "medarbetarens_mal"): GOAL,
            date_field: typed,
        },
        page=html,
    )

    assert response.status_code == 400
    document = parse(response.text)
    error = document.by_id(f"{date_field}-fel")
    assert error is not None
    assert error.text() == f"Fel: ”{typed}” {BAD_DATE}"
    assert document.one("input", name=date_field).attrs.get("aria-invalid") == "true"
    assert field_text(response.text, date_field) == typed
    assert field_text(response.text, "note_arbetssituation") == NOTE
    assert field_text(response.text, cell("mal", row, "medarbetarens_mal")) == GOAL
    assert version_rows(app, talk) == []


def test_a_date_before_the_talk_is_refused_and_the_talk_day_is_accepted(app: Flask) -> None:
    talk_day = datetime.now(STOCKHOLM).date() + timedelta(days=30)
    call_talk(app, talk_of(app, "employee_a"), talk_day)
    talk = talk_of(app, "employee_a")
    manager = signed_in(app, "manager")
    html = open_plan(manager, talk)
    (row,) = row_ids(html, "arets_utmaning")
    date_field = cell("arets_utmaning", row, "datum")
    early = (talk_day - timedelta(days=1)).isoformat()

    response = post_plan(
        manager,
        talk,
        {cell("arets_utmaning", row, "utmaning"): CHALLENGE, date_field: early},
        page=html,
    )

    assert response.status_code == 400
    error = parse(response.text).by_id(f"{date_field}-fel")
    assert error is not None and error.text() == f"Fel: {EARLY_DATE}"
    assert field_text(response.text, date_field) == early
    assert field_text(response.text, cell("arets_utmaning", row, "utmaning")) == CHALLENGE
    assert version_rows(app, talk) == []

    retry = post_plan(
        manager,
        talk,
        {cell("arets_utmaning", row, "utmaning"): CHALLENGE, date_field: talk_day.isoformat()},
        page=response.text,
    )
    assert retry.status_code == 302
    (version,) = versions(app, talk)
    assert version.content["grids"]["arets_utmaning"] == [
        {"row_id": row, "utmaning": CHALLENGE, "datum": talk_day.isoformat()}
    ]


# --- 4. conflicts and expired pages never lose text ---------------------------------------------


def test_a_stale_version_gives_409_with_both_texts_and_overwrites_nothing(app: Flask) -> None:
    talk = talk_of(app, "employee_a")
    manager = signed_in(app, "manager")
    other_tab = open_plan(manager, talk)
    assert (
        write_plan(manager, talk, notes={"arbetssituation": "Text från första fliken."}).status_code
        == 302
    )

    response = post_plan(
        manager, talk, {"note_arbetssituation": "Text från andra fliken."}, page=other_tab
    )

    assert response.status_code == 409
    assert CONFLICT in parse(response.text).text()
    stored_section = parse(response.text).one("section", class_="stored-version")
    assert "Text från första fliken." in stored_section.text()
    assert field_text(response.text, "note_arbetssituation") == "Text från andra fliken."
    (version,) = versions(app, talk)
    assert (version.number, version.edits) == (1, 1)
    assert version.content["notes"] == {"arbetssituation": "Text från första fliken."}
    # The page now carries the stored version: saving from it is a deliberate change.
    form = plan_form(response.text)
    assert form.one("input", name="number").attrs["value"] == "1"
    assert form.one("input", name="edits").attrs["value"] == "1"
    again = post_plan(manager, talk, {}, page=response.text)
    assert again.status_code == 302
    (version,) = versions(app, talk)
    assert (version.number, version.edits) == (1, 2)
    assert version.content["notes"] == {"arbetssituation": "Text från andra fliken."}


@pytest.mark.parametrize("token", ["", "ogiltig.token.123"])
def test_a_missing_or_invalid_csrf_token_keeps_the_text_and_stores_nothing(
    app: Flask, token: str
) -> None:
    talk = talk_of(app, "employee_a")
    manager = signed_in(app, "manager")
    html = open_plan(manager, talk)
    data = browser_fields(plan_form(html))
    data.setlist("csrf_token", [token])
    data.setlist("note_arbetssituation", [NOTE])
    data.setlist("action", ["spara"])

    response = manager.post(plan_url(talk), data=data)

    assert response.status_code == 400
    assert CSRF_EXPIRED in response.text
    assert field_text(response.text, "note_arbetssituation") == NOTE
    assert version_rows(app, talk) == []
    retry = post_plan(manager, talk, {}, page=response.text)
    assert retry.status_code == 302
    assert versions(app, talk)[0].content["notes"] == {"arbetssituation": NOTE}


# --- 5. the employee reads everything; nobody else reaches it -----------------------------------


def test_the_employee_reads_everything_recorded_but_cannot_change_it(app: Flask) -> None:
    talk = talk_of(app, "employee_a")
    manager = signed_in(app, "manager")
    standard_plan(manager, talk)
    employee = signed_in(app, "employee_a")

    html = open_plan(employee, talk)

    document = parse(html)
    typed = [e.raw_text() for e in document.iter() if "typed" in e.attrs.get("class", "").split()]
    assert NOTE in typed and GOAL in typed and HOW in typed and CHALLENGE in typed
    assert "Det finns inga privata anteckningar." in document.text()
    assert document.find_all("textarea", name="note_arbetssituation") == []
    assert not [f for f in document.find_all("form") if f.attrs.get("action", "").endswith("/plan")]
    before_data, before_audit = data_dump(app), last_audit_id(app)

    response = employee.post(
        plan_url(talk),
        data={
            "csrf_token": csrf_token(html),
            "number": "1",
            "edits": "1",
            "action": "spara",
            "note_arbetssituation": "Medarbetaren skriver om",
        },
    )

    assert response.status_code == 404
    assert data_dump(app) == before_data
    new = audit_since(app, before_audit)
    assert [(r["action"], r["outcome"], r["actor_id"], r["object_id"]) for r in new] == [
        ("plan.edit", "denied", person(app, "employee_a").id, talk.id)
    ]
    held = employee.post(plan_url(talk, "/genomford"), data={"csrf_token": csrf_token(html)})
    assert held.status_code == 404
    assert talk_row(app, talk)["status"] != "genomford"


@pytest.mark.parametrize(
    ("method", "suffix"),
    [
        ("GET", ""),
        ("POST", ""),
        ("POST", "/genomford"),
        ("POST", "/signera"),
        ("GET", "/versioner"),
        ("GET", "/utskrift"),
        ("GET", ".pdf"),
    ],
)
@pytest.mark.parametrize("role", ["employee_b", "other_manager", "hr"])
def test_others_get_404_an_audited_denial_and_change_nothing(
    app: Flask, role: str, method: str, suffix: str
) -> None:
    talk, _, _ = held_plan(app)
    intruder = signed_in(app, role)
    token = csrf_token(intruder.get("/").text)
    version = versions(app, talk)[0]
    before_data, before_audit = data_dump(app), last_audit_id(app)

    if method == "GET":
        response = intruder.get(plan_url(talk, suffix))
    else:
        response = intruder.post(
            plan_url(talk, suffix),
            data={
                "csrf_token": token,
                "number": str(version.number),
                "edits": str(version.edits),
                "content_hash": version.content_hash,
                "action": "spara",
                "note_arbetssituation": "Ändrat av någon annan",
            },
        )

    assert response.status_code == 404
    assert NOT_FOUND in response.text
    assert NOTE not in response.text and GOAL not in response.text
    assert data_dump(app) == before_data
    new = audit_since(app, before_audit)
    assert [(r["outcome"], r["actor_id"], r["object_type"], r["object_id"]) for r in new] == [
        ("denied", person(app, role).id, "talk", talk.id)
    ]
    assert new[0]["detail"] == f"{method} {plan_url(talk, suffix)}"


def test_anonymous_is_sent_to_sign_in_and_changes_nothing(app: Flask) -> None:
    talk, _, _ = held_plan(app)
    anonymous = app.test_client()
    before = data_dump(app)

    for response in (anonymous.get(plan_url(talk)), anonymous.get(plan_url(talk, ".pdf"))):
        assert response.status_code == 302
        assert response.location.startswith("/inloggning-kravs")
        assert NOTE not in response.text
    posted = anonymous.post(plan_url(talk), data={"note_arbetssituation": "Anonym text"})
    # A form sent without a session: nothing saved, the sender gets their own text back.
    assert posted.status_code == 401
    assert NOTE not in posted.text and GOAL not in posted.text
    assert data_dump(app) == before


# --- 6. the talk is marked held; both sign the exact version ------------------------------------


@pytest.mark.parametrize("role", ["employee_a", "manager"])
def test_signing_before_the_talk_is_marked_held_is_refused(app: Flask, role: str) -> None:
    talk = talk_of(app, "employee_a")
    manager = signed_in(app, "manager")
    standard_plan(manager, talk)
    browser = manager if role == "manager" else signed_in(app, role)
    html = open_plan(browser, talk)
    assert "Planen kan skrivas under när chefen har markerat samtalet som genomfört." in html
    assert "Skriv under version" not in html
    (row,) = version_rows(app, talk)
    before = last_audit_id(app)

    # A form from elsewhere (an old tab, a crafted request) with the right version and hash.
    response = browser.post(
        plan_url(talk, "/signera"),
        data={
            "csrf_token": csrf_token(html),
            "number": str(row["number"]),
            "content_hash": row["content_hash"],
            "comment": "Jag skriver under nu",
        },
    )

    assert response.status_code == 409
    text = parse(response.text).text()
    assert NOT_HELD in text
    assert "Planen kan skrivas under först när chefen har markerat samtalet som genomfört." in text
    assert signature_rows(app, talk) == []
    assert talk_row(app, talk)["signed_at"] is None
    refused = [r for r in audit_since(app, before) if r["action"] == "plan.sign"]
    assert [(r["outcome"], r["detail"]) for r in refused] == [("refused", "inte genomfört")]


@pytest.mark.parametrize("saved", ["nothing_saved", "only_empty_rows"])
def test_marking_held_with_nothing_written_is_refused(app: Flask, saved: str) -> None:
    talk = talk_of(app, "employee_a")
    manager = signed_in(app, "manager")
    if saved == "only_empty_rows":
        assert post_plan(manager, talk, {}).status_code == 302
        assert len(version_rows(app, talk)) == 1

    response = mark_held(manager, talk)

    assert response.status_code == 409
    assert NOTHING_WRITTEN in parse(response.text).text()
    assert talk_row(app, talk)["status"] == "ej_kallad"
    assert talk_row(app, talk)["held_at"] is None


def test_after_held_both_sign_and_each_signature_records_who_when_and_what(
    app: Flask,
) -> None:
    talk, manager, employee = held_plan(app)
    assert talk_row(app, talk)["status"] == "genomford"
    assert talk_row(app, talk)["held_at"] is not None
    (version,) = version_rows(app, talk)
    comment = "Jag håller inte helt med om arbetsbelastningen – men planen stämmer."
    started = datetime.now(UTC) - timedelta(seconds=2)

    html = open_plan(manager, talk)
    assert signature_lines(html) == [
        "Chef: inte underskriven ännu",
        "Medarbetare: inte underskriven ännu",
    ]
    sign_form = form_with_action(html, "/plan/signera")
    assert sign_form.one("input", name="number").attrs["value"] == "1"
    assert sign_form.one("input", name="content_hash").attrs["value"] == version["content_hash"]
    first = sign_plan(manager, talk)
    assert first.status_code == 302
    assert first.location.endswith(f"{plan_url(talk)}?underskriven=1")
    assert talk_row(app, talk)["signed_at"] is None
    second = sign_plan(employee, talk, comment)
    assert second.status_code == 302

    rows = signature_rows(app, talk)
    assert [(r["role"], r["person_id"], r["number"]) for r in rows] == [
        ("manager", person(app, "manager").id, 1),
        ("employee", person(app, "employee_a").id, 1),
    ]
    assert all(r["content_hash"] == version["content_hash"] for r in rows)
    assert [r["comment"] for r in rows] == ["", comment]
    for r in rows:
        signed_at = datetime.fromisoformat(r["signed_at"])
        assert started <= signed_at <= datetime.now(UTC)
    assert talk_row(app, talk)["signed_at"] == rows[1]["signed_at"]
    (stored,) = versions(app, talk)
    assert stored.signed_by_both
    assert stored.content_hash == plan_store.content_hash(stored.content)

    page = employee.get(second.location).text
    assert "Din underskrift är sparad." in page
    assert "Version 1, underskriven av båda." in parse(page).text()
    lines = signature_lines(page)
    manager_time = rows[0]["signed_at"][:16].replace("T", " ")
    employee_time = rows[1]["signed_at"][:16].replace("T", " ")
    assert lines == [
        f"Chef: underskriven {manager_time} UTC",
        f"Medarbetare: underskriven {employee_time} UTC, med kommentar: {comment}",
    ]
    assert "Skriv under version" not in page
    signed = [
        (r["actor_id"], r["outcome"], r["detail"])
        for r in audit_since(app, 0)
        if r["action"] == "plan.sign"
    ]
    assert signed == [
        (person(app, "manager").id, "ok", "manager"),
        (person(app, "employee_a").id, "ok", "employee"),
    ]


@pytest.mark.parametrize("stale", ["hash", "number"])
def test_signing_a_version_that_changed_since_the_page_was_opened_is_refused(
    app: Flask, stale: str
) -> None:
    talk, manager, employee = held_plan(app)
    html = open_plan(employee, talk)
    data = browser_fields(form_with_action(html, "/plan/signera"))
    data.setlist("comment", ["Min kommentar"])
    if stale == "hash":
        # The manager changes the plan after the employee opened the page.
        assert (
            write_plan(manager, talk, notes={"arbetssituation": "Ändrad efteråt"}).status_code
            == 302
        )
    else:
        data.setlist("number", ["2"])
    before = last_audit_id(app)

    response = employee.post(plan_url(talk, "/signera"), data=data)

    assert response.status_code == 409
    assert CHANGED in parse(response.text).text()
    assert field_text(response.text, "comment") == "Min kommentar"
    assert signature_rows(app, talk) == []
    refused = [r for r in audit_since(app, before) if r["action"] == "plan.sign"]
    assert [(r["outcome"], r["detail"]) for r in refused] == [("refused", "planen ändrad")]
    # The page now offers the current version to sign.
    (row,) = version_rows(app, talk)
    form = form_with_action(response.text, "/plan/signera")
    assert form.one("input", name="content_hash").attrs["value"] == row["content_hash"]


def test_signing_twice_is_refused_and_keeps_one_signature(app: Flask) -> None:
    talk, manager, _ = held_plan(app)
    html = open_plan(manager, talk)
    data = browser_fields(form_with_action(html, "/plan/signera"))
    assert manager.post(plan_url(talk, "/signera"), data=data).status_code == 302

    again = manager.post(plan_url(talk, "/signera"), data=data)

    assert again.status_code == 409
    assert [r["role"] for r in signature_rows(app, talk)] == ["manager"]


def test_a_signed_version_is_sealed_in_the_database(app: Flask) -> None:
    talk, manager, _ = held_plan(app)
    assert sign_plan(manager, talk).status_code == 302
    (row,) = version_rows(app, talk)

    with pytest.raises(sqlite3.IntegrityError, match="sealed"):
        conn(app).execute(
            "UPDATE plan_versions SET content = ? WHERE id = ?", ('{"notes": {}}', row["id"])
        )
    with pytest.raises(sqlite3.IntegrityError, match="signatures cannot change"):
        conn(app).execute("UPDATE signatures SET comment = 'ändrad'")
    assert version_rows(app, talk) == [row]


def test_a_change_after_signing_makes_a_new_version_both_sign_again(app: Flask) -> None:
    talk, manager, employee = signed_plan(app, comment="Kommentar till version 1")
    (v1_row,) = version_rows(app, talk)
    assert talk_row(app, talk)["signed_at"] is not None

    response = write_plan(manager, talk, notes={"arbetssituation": "Ändrad efter underskrift"})

    assert response.status_code == 302
    v1, v2 = versions(app, talk)
    assert (v1.number, v2.number) == (1, 2)
    assert v1.signed_by_both and v1.content["notes"]["arbetssituation"] == NOTE
    assert version_rows(app, talk)[0] == v1_row
    assert v2.signatures == {}
    assert v2.content["notes"]["arbetssituation"] == "Ändrad efter underskrift"
    assert v2.content["grids"]["mal"] == v1.content["grids"]["mal"]
    assert talk_row(app, talk)["signed_at"] is None
    for browser in (manager, employee):
        page = open_plan(browser, talk)
        assert signature_lines(page) == [
            "Chef: inte underskriven ännu",
            "Medarbetare: inte underskriven ännu",
        ]
        form = form_with_action(page, "/plan/signera")
        assert form.one("input", name="number").attrs["value"] == "2"
        assert "Skriv under version 2" in form.text()
    assert sign_plan(manager, talk).status_code == 302
    assert sign_plan(employee, talk).status_code == 302
    assert [(r["number"], r["role"]) for r in signature_rows(app, talk)][-2:] == [
        (2, "manager"),
        (2, "employee"),
    ]
    assert talk_row(app, talk)["signed_at"] is not None


def test_the_version_history_lists_every_version_and_what_changed(app: Flask) -> None:
    talk, manager, employee = signed_plan(app)
    assert (
        write_plan(
            manager, talk, notes={"arbetssituation": "Ny text om arbetssituationen"}
        ).status_code
        == 302
    )

    for browser in (manager, employee):
        response = browser.get(plan_url(talk, "/versioner"))

        assert response.status_code == 200
        document = parse(response.text)
        sections = document.find_all("section", class_="version")
        assert [s.one("h2").text() for s in sections] == ["Version 2", "Version 1"]
        newest, oldest = sections
        assert [li.text() for li in newest.find_all("li")] == [
            "Karin Chefsberg: har inte skrivit under",
            "Anna Exempelsson: har inte skrivit under",
        ]
        assert all("skrev under" in li.text() for li in oldest.find_all("li"))
        changed = [
            tuple(td.raw_text() for td in tr.find_all("td"))
            for tr in newest.one("tbody").find_all("tr")
        ]
        assert changed == [
            ("Anteckningar: Arbetssituation och hälsa", NOTE, "Ny text om arbetssituationen")
        ]
        first = [
            tuple(td.raw_text() for td in tr.find_all("td"))
            for tr in oldest.one("tbody").find_all("tr")
        ]
        assert ("Anteckningar: Arbetssituation och hälsa", "", NOTE) in first
        assert (
            "Individuella mål och kompetensutveckling, rad 1: Medarbetarens mål",
            "",
            GOAL,
        ) in first
        assert ("Årets utmaning, rad 1: Medarbetarens utmaning", "", CHALLENGE) in first
    read = [r for r in audit_since(app, 0) if r["action"] == "plan.versions"]
    assert [r["detail"] for r in read] == ["manager", "employee"]


# --- 7. a record changed behind the service's back is refused ------------------------------------


def _replace_in_content(app: Flask, talk: Talk, old: str, new: str) -> str:
    (row,) = version_rows(app, talk)
    content = json.loads(row["content"])
    content["notes"]["arbetssituation"] = content["notes"]["arbetssituation"].replace(old, new)
    conn(app).execute(
        "UPDATE plan_versions SET content = ? WHERE id = ?",
        (json.dumps(content, ensure_ascii=False), row["id"]),
    )
    return str(row["id"])


@pytest.mark.parametrize("suffix", ["", "/versioner", "/utskrift", ".pdf"])
@pytest.mark.parametrize("viewer", ["manager", "employee_a"])
def test_plan_content_changed_in_the_database_is_refused_and_audited(
    app: Flask, viewer: str, suffix: str
) -> None:
    talk = talk_of(app, "employee_a")
    standard_plan(signed_in(app, "manager"), talk)
    browser = signed_in(app, viewer)
    version_id = _replace_in_content(app, talk, "för mycket", "lagom mycket")
    before = last_audit_id(app)

    response = browser.get(plan_url(talk, suffix))

    assert response.status_code == 500
    assert NOT_VERIFIED in response.text
    assert "lagom mycket" not in response.text and NOTE not in response.text
    assert GOAL not in response.text
    failures = [r for r in audit_since(app, before) if r["action"] == "record.verify"]
    assert [(r["outcome"], r["object_type"], r["object_id"], r["actor_id"]) for r in failures] == [
        ("failed", "plan", version_id, person(app, viewer).id)
    ]


def test_a_signature_changed_in_the_database_is_refused_and_audited(app: Flask) -> None:
    talk, manager, employee = signed_plan(app, comment="Jag håller med.")
    (signature,) = [r for r in signature_rows(app, talk) if r["role"] == "employee"]
    # Signatures have an UPDATE trigger. Someone with access to the file can drop it: do that in
    # this test's own database to simulate tampering behind the service's back.
    conn(app).execute("DROP TRIGGER signatures_final")
    conn(app).execute(
        "UPDATE signatures SET comment = 'Jag håller inte med.' WHERE id = ?", (signature["id"],)
    )
    before = last_audit_id(app)

    for browser in (manager, employee):
        response = browser.get(plan_url(talk))
        assert response.status_code == 500
        assert NOT_VERIFIED in response.text
        assert "Jag håller inte med." not in response.text
        assert NOTE not in response.text

    failures = [r for r in audit_since(app, before) if r["action"] == "record.verify"]
    assert [(r["outcome"], r["object_type"], r["object_id"]) for r in failures] == [
        ("failed", "plan", signature["id"]),
        ("failed", "plan", signature["id"]),
    ]


def test_a_changed_content_hash_is_refused(app: Flask) -> None:
    talk = talk_of(app, "employee_a")
    manager = signed_in(app, "manager")
    standard_plan(manager, talk)
    (row,) = version_rows(app, talk)
    conn(app).execute(
        "UPDATE plan_versions SET content_hash = ? WHERE id = ?", ("0" * 64, row["id"])
    )

    response = manager.get(plan_url(talk))

    assert response.status_code == 500
    assert NOT_VERIFIED in response.text
    assert NOTE not in response.text


# --- 8. the PDF -----------------------------------------------------------------------------------


@WEASYPRINT_ICC_LEAK
def test_the_pdf_is_an_audited_no_store_attachment_with_a_server_made_name(app: Flask) -> None:
    talk, manager, employee = signed_plan(app)

    for role, browser in (("manager", manager), ("employee", employee)):
        before = last_audit_id(app)
        with browser.get(plan_url(talk, ".pdf")) as response:
            body = response.get_data()
            assert response.status_code == 200
            assert response.headers["Content-Type"] == "application/pdf"
            assert response.headers["Content-Disposition"] == (
                'attachment; filename="plan-2026-anna-exempelsson.pdf"'
            )
            assert response.headers["Cache-Control"] == "no-store"
        assert body.startswith(b"%PDF-")
        audited = [r for r in audit_since(app, before) if r["action"] == "plan.download"]
        assert [(r["actor_id"], r["outcome"], r["object_id"], r["detail"]) for r in audited] == [
            (
                person(app, role if role == "manager" else "employee_a").id,
                "ok",
                talk.id,
                "pdf version 1",
            )
        ]


@WEASYPRINT_ICC_LEAK
def test_the_pdf_holds_what_was_typed_the_names_the_signatures_and_the_code(app: Flask) -> None:
    talk = talk_of(app, "employee_a")
    manager = signed_in(app, "manager")
    response = write_plan(
        manager,
        talk,
        notes={"arbetssituation": WORDY, "samspela": "Räksmörgås på fredagar"},
        cells={
            ("mal", 0, "medarbetarens_mal"): GOAL,
            ("arets_utmaning", 0, "utmaning"): "Öva “mod” – våga fråga",
        },
    )
    assert response.status_code == 302
    assert mark_held(manager, talk).status_code == 302
    employee = signed_in(app, "employee_a")
    assert sign_plan(manager, talk).status_code == 302
    assert sign_plan(employee, talk, "Tack för ett bra samtal – äntligen!").status_code == 302
    (version,) = versions(app, talk)
    with app.test_request_context():
        code = verification_code(version)
    assert re.fullmatch(rf"{version.id}-[A-Za-z0-9_-]{{12}}", code)

    with employee.get(plan_url(talk, ".pdf")) as pdf:
        text = pdf_text(pdf.get_data())

    assert one_line(WORDY) in text
    assert "Räksmörgås på fredagar" in text
    assert GOAL in text
    assert "Öva “mod” – våga fråga" in text
    assert "Tack för ett bra samtal – äntligen!" in text
    assert "Anna Exempelsson" in text and "Karin Chefsberg" in text
    for role in ("manager", "employee"):
        stamp = version.signatures[role].signed_at[:16].replace("T", " ")
        assert f"Underskriven {stamp} UTC" in text
    assert f"Verifieringskod: {code}" in text
    assert f"kontrollkod {version.content_hash[:12]}" in text
    assert "Handlingsplan för individuella mål och kompetensutveckling" in text


@WEASYPRINT_ICC_LEAK
def test_markup_typed_in_a_note_is_text_in_the_pdf(app: Flask) -> None:
    talk = talk_of(app, "employee_a")
    manager = signed_in(app, "manager")
    markup = '<script>alert("x")</script> <b>fet</b> <img src=x onerror=alert(1)> &amp;'
    assert write_plan(manager, talk, notes={"arbetssituation": markup}).status_code == 302

    with manager.get(plan_url(talk, ".pdf")) as pdf:
        text = pdf_text(pdf.get_data())

    assert one_line(markup) in text


@WEASYPRINT_ICC_LEAK
def test_the_pdf_is_laid_out_with_the_document_stylesheet(
    app: Flask, caplog: pytest.LogCaptureFixture
) -> None:
    talk, manager, _ = signed_plan(app)

    with caplog.at_level(logging.WARNING), manager.get(plan_url(talk, ".pdf")) as response:
        body = response.get_data()

    # document.css numbers the pages and sets DejaVu Sans (which has å ä ö – — “ ” … € •).
    assert re.search(r"Sida 1 av \d", pdf_text(body))
    reader = PdfReader(io.BytesIO(body))
    names = {
        str(f.get("/BaseFont")) for page in reader.pages for f in _fonts(page.get("/Resources"))
    }
    assert any("DejaVu-Sans" in n and "Mono" not in n for n in names), names
    problems = [r.getMessage() for r in caplog.records if r.name.startswith("weasyprint")]
    assert problems == []


def _fonts(resources: Any) -> Iterator[DictionaryObject]:
    fonts = resources.get_object().get("/Font") if resources else None
    for ref in (fonts.get_object() if fonts else {}).values():
        font = ref.get_object()
        yield font
        for descendant in font.get("/DescendantFonts", []):
            yield descendant.get_object()


@WEASYPRINT_ICC_LEAK
def test_the_pdf_is_pdf_a_with_every_font_embedded(app: Flask) -> None:
    talk, manager, _ = signed_plan(app)

    with manager.get(plan_url(talk, ".pdf")) as response:
        body = response.get_data()

    reader = PdfReader(io.BytesIO(body))
    metadata = reader.xmp_metadata
    assert metadata is not None
    xmp = metadata.stream.get_data()
    assert b"pdfaid" in xmp
    assert re.search(rb"pdfaid:part(>|=\")2", xmp), xmp[:2000]
    assert re.search(rb"pdfaid:conformance(>|=\")B", xmp, re.IGNORECASE)
    seen = 0
    for page in reader.pages:
        for font in _fonts(page.get("/Resources")):
            if font.get("/Subtype") == "/Type0":
                continue  # its descendant carries the descriptor
            descriptor = font["/FontDescriptor"].get_object()
            assert isinstance(descriptor, DictionaryObject)
            assert {"/FontFile", "/FontFile2", "/FontFile3"} & set(descriptor.keys()), font
            seen += 1
    assert seen > 0


def test_a_pdf_of_nothing_saved_is_404(app: Flask) -> None:
    talk = talk_of(app, "employee_a")
    manager = signed_in(app, "manager")

    response = manager.get(plan_url(talk, ".pdf"))

    assert response.status_code == 404


# --- 9. the employee's copy by e-mail ---------------------------------------------------------


@pytest.fixture
def mail_app(tmp_path: Path, smtp_server: LoopbackSMTP) -> Iterator[Flask]:
    """The service sending e-mail through the loopback SMTP server."""
    yield from make_service(tmp_path, SMTP_HOST=HOST, SMTP_PORT=smtp_server.port)


def _attachments(message: EmailMessage) -> list[EmailMessage]:
    return [part for part in message.iter_attachments() if isinstance(part, EmailMessage)]


@WEASYPRINT_ICC_LEAK
def test_after_both_sign_the_employee_gets_one_email_with_the_pdf(
    mail_app: Flask, smtp_server: LoopbackSMTP
) -> None:
    talk, manager, employee = held_plan(mail_app)
    assert sign_plan(manager, talk).status_code == 302
    assert smtp_server.messages == []

    assert sign_plan(employee, talk, "Bra samtal").status_code == 302

    assert len(smtp_server.messages) == 1
    assert smtp_server.rcpt_tos == [[EMAIL["employee_a"]]]
    message = smtp_server.messages[0]
    assert message["To"].addresses[0].addr_spec == EMAIL["employee_a"]
    assert message["Subject"] == "Din underskrivna plan från medarbetarsamtalet 2026"
    body = message.get_body(preferencelist=("plain",))
    assert body is not None and "Hej Anna Exempelsson!" in body.get_content()
    (attachment,) = _attachments(message)
    assert attachment.get_content_type() == "application/pdf"
    assert attachment.get_filename() == "plan-2026-anna-exempelsson.pdf"
    pdf = attachment.get_content()
    assert isinstance(pdf, bytes) and pdf.startswith(b"%PDF-")
    text = pdf_text(pdf)
    assert NOTE in text and GOAL in text and "Bra samtal" in text
    sent = [r for r in audit_since(mail_app, 0) if r["action"] == "plan.mail_copy"]
    assert [(r["outcome"], r["object_id"], r["detail"]) for r in sent] == [
        ("ok", talk.id, "version 1")
    ]


def test_no_email_after_only_one_signature(mail_app: Flask, smtp_server: LoopbackSMTP) -> None:
    talk, _, employee = held_plan(mail_app)

    assert sign_plan(employee, talk).status_code == 302

    assert smtp_server.messages == []
    assert not [r for r in audit_since(mail_app, 0) if r["action"] == "plan.mail_copy"]
