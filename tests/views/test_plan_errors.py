"""Wrong plan dates, conflicts and expired pages never lose the typed text of the plan."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest
from flask import Flask

from tests.factories import SignIn, talk_of
from tests.views.plan_helpers import (
    BAD_DATE,
    CHALLENGE,
    CONFLICT,
    CSRF_EXPIRED,
    EARLY_DATE,
    GOAL,
    NOTE,
    STOCKHOLM,
    browser_fields,
    call_talk,
    cell,
    field_text,
    open_plan,
    plan_form,
    plan_url,
    post_plan,
    row_ids,
    version_rows,
    versions,
    write_plan,
)
from tests.views.soup import one, parse, text_of

# --- 3. dates -----------------------------------------------------------------------------------


@pytest.mark.parametrize("typed", ["2026-02-30", "30/11/2026", "nästa vecka"])
def test_an_impossible_date_is_refused_with_the_typed_text_back(
    app: Flask, signed_in: SignIn, typed: str
) -> None:
    talk = talk_of(app, "employee_a")
    manager = signed_in("manager")
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
    error = document.find(id=f"{date_field}-fel")
    assert error is not None
    assert text_of(error) == f"Fel: ”{typed}” {BAD_DATE}"
    assert one(document, "input", attrs={"name": date_field}).attrs.get("aria-invalid") == "true"
    assert field_text(response.text, date_field) == typed
    assert field_text(response.text, "note_arbetssituation") == NOTE
    assert field_text(response.text, cell("mal", row, "medarbetarens_mal")) == GOAL
    assert version_rows(app, talk) == []


def test_a_date_before_the_talk_is_refused_and_the_talk_day_is_accepted(
    app: Flask, signed_in: SignIn
) -> None:
    talk_day = datetime.now(STOCKHOLM).date() + timedelta(days=30)
    call_talk(app, talk_of(app, "employee_a"), talk_day)
    talk = talk_of(app, "employee_a")
    manager = signed_in("manager")
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
    error = parse(response.text).find(id=f"{date_field}-fel")
    assert error is not None and text_of(error) == f"Fel: {EARLY_DATE}"
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


def test_a_stale_version_gives_409_with_both_texts_and_overwrites_nothing(
    app: Flask, signed_in: SignIn
) -> None:
    talk = talk_of(app, "employee_a")
    manager = signed_in("manager")
    other_tab = open_plan(manager, talk)
    assert (
        write_plan(manager, talk, notes={"arbetssituation": "Text från första fliken."}).status_code
        == 302
    )

    response = post_plan(
        manager, talk, {"note_arbetssituation": "Text från andra fliken."}, page=other_tab
    )

    assert response.status_code == 409
    assert CONFLICT in text_of(parse(response.text))
    stored_section = one(parse(response.text), "section", class_="stored-version")
    assert "Text från första fliken." in text_of(stored_section)
    assert field_text(response.text, "note_arbetssituation") == "Text från andra fliken."
    (version,) = versions(app, talk)
    assert (version.number, version.edits) == (1, 1)
    assert version.content["notes"] == {"arbetssituation": "Text från första fliken."}
    # The page now carries the stored version: saving from it is a deliberate change.
    form = plan_form(response.text)
    assert one(form, "input", attrs={"name": "number"}).attrs["value"] == "1"
    assert one(form, "input", attrs={"name": "edits"}).attrs["value"] == "1"
    again = post_plan(manager, talk, {}, page=response.text)
    assert again.status_code == 302
    (version,) = versions(app, talk)
    assert (version.number, version.edits) == (1, 2)
    assert version.content["notes"] == {"arbetssituation": "Text från andra fliken."}


@pytest.mark.parametrize("token", ["", "ogiltig.token.123"])
def test_a_missing_or_invalid_csrf_token_keeps_the_text_and_stores_nothing(
    app: Flask, signed_in: SignIn, token: str
) -> None:
    talk = talk_of(app, "employee_a")
    manager = signed_in("manager")
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
