"""Nobody else reaches a preparation, a held talk is locked, a tampered record is refused."""

from __future__ import annotations

import json
from typing import Any

import pytest
from flask import Flask

from formserver.store.talks import Talk
from tests.factories import SignIn, conn, csrf_token, data_dump, person, signed_in_browser, talk_of
from tests.views.prepare_helpers import (
    audit_since,
    form_url,
    last_audit_id,
    overview_url,
    post_form,
    stored_row,
)
from tests.views.soup import parse, text_of

# --- 7. nobody else reaches A's preparation -------------------------------------------------------


def _a_has_prepared(app: Flask) -> tuple[Talk, str]:
    talk = talk_of(app, "employee_a")
    text = "Anna skriver om sin hälsa"
    assert (
        post_form(signed_in_browser(app, "employee_a"), talk, {"q_halsa": text}).status_code == 302
    )
    return talk, text


@pytest.mark.parametrize("method", ["GET", "POST"])
@pytest.mark.parametrize("role", ["employee_b", "other_manager", "hr"])
def test_others_get_404_an_audited_denial_and_change_nothing(
    app: Flask, signed_in: SignIn, role: str, method: str
) -> None:
    talk, text = _a_has_prepared(app)
    intruder = signed_in(role)
    token = csrf_token(intruder.get("/").text)
    before_data, before_audit = data_dump(app), last_audit_id(app)

    if method == "GET":
        response = intruder.get(form_url(talk))
    else:
        response = intruder.post(
            form_url(talk),
            data={
                "csrf_token": token,
                "version": "1",
                "action": "skicka",
                "q_halsa": "Ändrat av någon",
            },
        )

    assert response.status_code == 404
    assert "Sidan finns inte" in response.text
    assert text not in response.text
    assert data_dump(app) == before_data
    new = audit_since(app, before_audit)
    assert [(r["outcome"], r["actor_id"], r["object_id"]) for r in new] == [
        ("denied", person(app, role).id, talk.id)
    ]
    assert f"{method} {form_url(talk)}" == new[0]["detail"]


@pytest.mark.parametrize("method", ["GET", "POST"])
def test_anonymous_is_sent_to_sign_in_and_changes_nothing(app: Flask, method: str) -> None:
    talk, text = _a_has_prepared(app)
    before = data_dump(app)
    anonymous = app.test_client()

    if method == "GET":
        response = anonymous.get(form_url(talk))
    else:
        response = anonymous.post(form_url(talk), data={"version": "1", "q_halsa": "Ändrat"})

    if method == "GET":
        assert response.status_code == 302
        assert response.location.startswith("/inloggning-kravs")
    else:
        # Nothing saved; the sign-in page shows the typed text back, never the stored one.
        assert response.status_code == 401
        assert "Ändrat</textarea>" in response.text
    assert text not in response.text
    assert data_dump(app) == before


@pytest.mark.parametrize("method", ["GET", "POST"])
def test_anonymous_attempt_is_audited_as_denied(app: Flask, method: str) -> None:
    talk, _ = _a_has_prepared(app)
    before = last_audit_id(app)

    anonymous = app.test_client()
    response = (
        anonymous.get(form_url(talk))
        if method == "GET"
        else anonymous.post(form_url(talk), data={"q_halsa": "Ändrat"})
    )

    assert response.status_code == (302 if method == "GET" else 401)

    new = audit_since(app, before)
    assert [(r["outcome"], r["actor_id"]) for r in new] == [("denied", None)]
    assert form_url(talk) in new[0]["object_id"] + new[0]["detail"]


# --- 8. a held talk is locked ---------------------------------------------------------------------


def test_after_the_talk_is_held_the_form_is_read_only_and_a_post_changes_nothing(
    app: Flask, signed_in: SignIn
) -> None:
    talk = talk_of(app, "employee_a")
    client = signed_in("employee_a")
    assert post_form(client, talk, {"q_halsa": "Skrivet före samtalet."}).status_code == 302
    conn(app).execute("UPDATE talks SET status = 'genomford' WHERE id = ?", (talk.id,))
    before = dict(stored_row(app, talk) or {})

    page = client.get(form_url(talk))

    assert page.status_code == 200
    assert "Samtalet är genomfört" in page.text
    assert "<textarea" not in page.text
    assert "Skicka in" not in page.text
    assert "Skrivet före samtalet." in text_of(parse(page.text))

    response = client.post(
        form_url(talk),
        data={
            "csrf_token": csrf_token(page.text),
            "version": "1",
            "action": "skicka",
            "q_halsa": "Ändrat efter samtalet.",
        },
    )

    assert response.status_code == 409
    assert "Samtalet är genomfört" in response.text
    assert dict(stored_row(app, talk) or {}) == before
    assert talk_of(app, "employee_a").status == "genomford"


# --- 9. a record changed behind the service's back is refused -------------------------------------


def _tamper_answers(app: Flask, talk: Talk) -> str:
    row = stored_row(app, talk)
    assert row is not None
    answers = json.loads(row["answers"])
    answers["halsa"]["value"] = "Manipulerad text i databasen"
    conn(app).execute(
        "UPDATE preparations SET answers = ? WHERE id = ?",
        (json.dumps(answers, ensure_ascii=False, sort_keys=True), row["id"]),
    )
    return "Manipulerad text i databasen"


def _tamper_submitted(app: Flask, talk: Talk) -> str:
    conn(app).execute(
        "UPDATE preparations SET submitted_at = '2026-11-02T08:00:00+00:00' "
        "WHERE talk_id = ? AND author_role = 'employee'",
        (talk.id,),
    )
    return "Du skickade in din förberedelse"


@pytest.mark.parametrize(
    "tamper", [_tamper_answers, _tamper_submitted], ids=["answers", "submitted_at"]
)
@pytest.mark.parametrize(
    ("viewer", "page"),
    [("employee_a", "form"), ("employee_a", "overview"), ("manager", "overview")],
)
def test_a_record_changed_in_the_database_is_refused_and_audited(
    app: Flask, signed_in: SignIn, viewer: str, page: str, tamper: Any
) -> None:
    talk = talk_of(app, "employee_a")
    original = "Ursprunglig text om hälsan"
    assert post_form(signed_in("employee_a"), talk, {"q_halsa": original}).status_code == 302
    browser = signed_in(viewer)
    row_id = (stored_row(app, talk) or {"id": None})["id"]
    tampered = tamper(app, talk)
    before = last_audit_id(app)

    response = browser.get(form_url(talk) if page == "form" else overview_url(talk))

    assert response.status_code == 500
    assert "Uppgifterna kunde inte visas" in response.text
    assert "Kontakta HR, som kan ta fram uppgifterna ur en säkerhetskopia." in response.text
    assert "kontrollsumma" not in response.text and "Posten" not in response.text
    assert tampered not in response.text
    assert original not in response.text
    failures = [r for r in audit_since(app, before) if r["action"] == "record.verify"]
    assert [(r["outcome"], r["object_type"], r["object_id"], r["actor_id"]) for r in failures] == [
        ("failed", "preparation", row_id, person(app, viewer).id)
    ]
