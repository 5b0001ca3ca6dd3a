"""Typed preparation text survives errors, is normalised, stored as typed and shown escaped."""

from __future__ import annotations

import json
import time

import pytest
from flask import Flask
from flask.testing import FlaskClient
from itsdangerous import TimestampSigner, URLSafeTimedSerializer

from formserver.security import tokens
from formserver.security.keys import key_list
from tests.factories import SignIn, csrf_token, talk_of
from tests.views.prepare_helpers import (
    audit_since,
    form_url,
    last_audit_id,
    overview_url,
    page_version,
    post_form,
    stored,
    stored_row,
    textarea_text,
)
from tests.views.soup import one, parse, text_of

# --- 5. errors keep the typed text ----------------------------------------------------------------


class _OldSigner(TimestampSigner):
    """Signs as if it were 13 hours ago (CSRF tokens live 12 hours)."""

    def get_timestamp(self) -> int:
        return int(time.time()) - 13 * 3600


def _expired_token(app: Flask, client: FlaskClient) -> str:
    with client.session_transaction() as session:
        nonce = session["csrf"]
    keys = key_list(app.config)
    return URLSafeTimedSerializer(keys, salt=tokens.CSRF_SALT, signer=_OldSigner).dumps(nonce)


@pytest.mark.parametrize("kind", ["expired", "invalid", "missing", "other_purpose"])
def test_expired_or_invalid_csrf_token_keeps_the_typed_text_and_stores_nothing(
    app: Flask, signed_in: SignIn, kind: str
) -> None:
    talk = talk_of(app, "employee_a")
    client = signed_in("employee_a")
    assert client.get(form_url(talk)).status_code == 200
    keys = key_list(app.config)
    token = {
        "expired": _expired_token(app, client),
        "invalid": "ogiltig.token.123",
        "missing": "",
        "other_purpose": tokens.dump(keys, tokens.SIGN_IN_SALT, "x"),
    }[kind]
    typed = "Det här skrev jag under en lång eftermiddag.\nRad två."

    response = client.post(
        form_url(talk),
        data={
            "csrf_token": token,
            "version": "0",
            "action": "spara",
            "q_halsa": typed,
        },
    )

    assert response.status_code == 400
    assert "Sidan har varit öppen för länge" in response.text
    assert textarea_text(response.text, "q_halsa") == typed
    assert stored_row(app, talk) is None
    # The page carries a fresh token: pressing the button again works.
    retry = client.post(
        form_url(talk),
        data={
            "csrf_token": csrf_token(response.text),
            "version": "0",
            "action": "spara",
            "q_halsa": textarea_text(response.text, "q_halsa"),
        },
    )
    assert retry.status_code == 302
    again = stored(app, talk)
    assert again is not None and again.answers == {"halsa": {"value": typed}}


def test_a_text_at_the_limit_is_saved(app: Flask, signed_in: SignIn) -> None:
    talk = talk_of(app, "employee_a")
    client = signed_in("employee_a")
    limit = app.config["TEXT_FIELD_MAX_CHARS"]
    assert limit == 10_000
    typed = "å" * limit  # characters, not bytes: 20,000 bytes in UTF-8

    response = post_form(client, talk, {"q_halsa": typed})

    assert response.status_code == 302
    saved = stored(app, talk)
    assert saved is not None and saved.answers == {"halsa": {"value": typed}}


@pytest.mark.parametrize("name", ["q_halsa", "q_arets_utmaning"])
def test_a_text_over_the_limit_is_refused_with_the_text_kept(
    app: Flask, signed_in: SignIn, name: str
) -> None:
    talk = talk_of(app, "employee_a")
    client = signed_in("employee_a")
    typed = "Början av en lång text. " + "x" * app.config["TEXT_FIELD_MAX_CHARS"]

    response = post_form(client, talk, {name: typed, "q_be_om_hjalp": "Kort svar."})

    assert response.status_code == 400
    assert "Texten är för lång" in response.text
    document = parse(response.text)
    field = one(document, "textarea", attrs={"name": name})
    assert field.get_text() == typed
    assert field.attrs.get("aria-invalid") == "true"
    assert f"{name}-fel" in field.attrs["aria-describedby"].split()
    error = document.find(id=f"{name}-fel")
    assert error is not None and "Texten är för lång" in text_of(error)
    assert textarea_text(response.text, "q_be_om_hjalp") == "Kort svar."
    assert stored_row(app, talk) is None


def test_a_stale_version_from_another_tab_shows_both_texts_and_overwrites_nothing(
    app: Flask, signed_in: SignIn
) -> None:
    talk = talk_of(app, "employee_a")
    client = signed_in("employee_a")
    tab = client.get(form_url(talk))  # the second tab, opened at version 0
    assert page_version(tab.text) == 0

    first = post_form(client, talk, {"q_halsa": "Texten från första fliken."}, version=0)
    assert first.status_code == 302

    response = client.post(
        form_url(talk),
        data={
            "csrf_token": csrf_token(tab.text),
            "version": "0",
            "action": "spara",
            "q_halsa": "Texten från andra fliken.",
        },
    )

    assert response.status_code == 409
    assert "Förberedelsen har ändrats på annat håll" in response.text
    document = parse(response.text)
    stored_version = one(document, "section", class_="stored-version")
    assert "Texten från första fliken." in text_of(stored_version)
    assert textarea_text(response.text, "q_halsa") == "Texten från andra fliken."
    row = stored(app, talk)
    assert row is not None
    assert (row.version, row.answers) == (1, {"halsa": {"value": "Texten från första fliken."}})
    # The page now carries the stored version: saving from it is a deliberate overwrite.
    assert page_version(response.text) == 1
    resaved = client.post(
        form_url(talk),
        data={
            "csrf_token": csrf_token(response.text),
            "version": str(page_version(response.text)),
            "action": "spara",
            "q_halsa": textarea_text(response.text, "q_halsa"),
        },
    )
    assert resaved.status_code == 302
    row = stored(app, talk)
    assert row is not None
    assert (row.version, row.answers) == (2, {"halsa": {"value": "Texten från andra fliken."}})


def test_a_body_over_the_size_limit_gets_the_swedish_413_page_and_stores_nothing(
    app: Flask, signed_in: SignIn
) -> None:
    talk = talk_of(app, "employee_a")
    client = signed_in("employee_a")
    too_big = "x" * (app.config["MAX_CONTENT_LENGTH"] + 1024)
    before = last_audit_id(app)

    response = post_form(client, talk, {"q_halsa": too_big})

    assert response.status_code == 413
    assert "Det du skickade var för stort" in response.text
    assert "Ingenting sparades." in response.text
    assert stored_row(app, talk) is None
    assert not [r for r in audit_since(app, before) if r["action"].startswith("preparation.s")]


# --- 6. what is typed is normalised, stored as typed otherwise, and shown escaped -----------------


@pytest.mark.parametrize(
    ("typed", "kept"),
    [
        pytest.param("Sa\u030ang och ho\u0308st", "Sång och höst", id="NFC"),
        pytest.param("rad ett\r\nrad två\rrad tre", "rad ett\nrad två\nrad tre", id="CRLF"),
        pytest.param("fil\u202egpj.exe", "filgpj.exe", id="bidi-override"),
        pytest.param("noll\u200bbredd", "nollbredd", id="zero-width-space"),
        pytest.param("nul\x00tecken", "nultecken", id="NUL"),
        pytest.param("  mellanslag runt om \n", "mellanslag runt om", id="trimmed"),
    ],
)
def test_typed_text_is_normalised_before_it_is_stored(
    app: Flask, signed_in: SignIn, typed: str, kept: str
) -> None:
    talk = talk_of(app, "employee_a")
    client = signed_in("employee_a")

    response = post_form(client, talk, {"q_halsa": typed})

    assert response.status_code == 302
    saved = stored(app, talk)
    assert saved is not None
    assert saved.answers == {"halsa": {"value": kept}}
    row = stored_row(app, talk)
    assert row is not None and json.loads(row["answers"]) == {"halsa": {"value": kept}}
    assert textarea_text(client.get(form_url(talk)).text, "q_halsa") == kept


def test_markup_and_template_syntax_are_stored_as_typed_and_shown_escaped(
    app: Flask, signed_in: SignIn
) -> None:
    talk = talk_of(app, "employee_a")
    client = signed_in("employee_a")
    script = "<script>alert(1)</script>"
    template = "{{ 7*7 }} och {% if true %}ja{% endif %}"

    response = post_form(
        client, talk, {"q_halsa": script, "q_be_om_hjalp": template}, action="skicka"
    )

    assert response.status_code == 302
    saved = stored(app, talk)
    assert saved is not None
    assert saved.answers == {"halsa": {"value": script}, "be_om_hjalp": {"value": template}}
    form = client.get(form_url(talk)).text
    overview = client.get(overview_url(talk)).text
    for page in (form, overview):
        assert "<script>alert" not in page
        assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page
        assert ">49<" not in page
    assert textarea_text(form, "q_halsa") == script
    assert textarea_text(form, "q_be_om_hjalp") == template
    typed = [p.get_text() for p in parse(overview).find_all("p", class_="typed")]
    assert script in typed
    assert template in typed
