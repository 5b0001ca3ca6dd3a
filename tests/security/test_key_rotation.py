"""Key rotation: a new key with the old one as fallback keeps sessions, open forms, links and
records working; removing the old key ends sessions and forms cleanly, text shown back."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from flask import Flask
from flask.testing import FlaskClient

from formserver import create_app
from formserver.security.keys import signers
from formserver.store import db
from formserver.store.preparations import get_preparation
from tests.factories import csrf_token, link_token, load_people, signed_in_browser, talk_of

OLD, NEW = "old-key-" + "o" * 40, "new-key-" + "n" * 40


def _app(tmp_path: Path, key: str, fallbacks: list[str]) -> Flask:
    return create_app(
        {
            "TESTING": True,
            "SECRET_KEY": key,
            "SECRET_KEY_FALLBACKS": fallbacks,
            "DATABASE": str(tmp_path / "rotate.sqlite3"),
        }
    )


@pytest.fixture
def old_app(tmp_path: Path) -> Iterator[Flask]:
    app = _app(tmp_path, OLD, [])
    load_people(app)
    yield app
    db.close_thread_connections()


def _moved(client: FlaskClient, app: Flask) -> FlaskClient:
    """The same browser (its cookie) talking to a restarted service."""
    moved = app.test_client()
    cookie = client.get_cookie("formserver_session")
    assert cookie is not None
    moved.set_cookie("formserver_session", cookie.value)
    return moved


def _form(app: Flask) -> str:
    return f"/samtal/{talk_of(app, 'employee_a').id}/forberedelse"


def test_new_key_with_old_as_fallback_keeps_everything_working(
    old_app: Flask, tmp_path: Path
) -> None:
    browser = signed_in_browser(old_app, "employee_a")
    page = browser.get(_form(old_app))
    token = csrf_token(page.text)
    saved = browser.post(
        _form(old_app), data={"csrf_token": token, "version": "0", "q_halsa": "Före bytet"}
    )
    assert saved.status_code == 302
    unused_link = link_token(old_app, "employee_b")

    rotated = _app(tmp_path, NEW, [OLD])
    browser = _moved(browser, rotated)
    assert browser.get(_form(rotated)).status_code == 200
    again = browser.post(
        _form(rotated), data={"csrf_token": token, "version": "1", "q_halsa": "Efter bytet"}
    )
    assert again.status_code == 302
    with rotated.test_request_context():
        stored = get_preparation(
            db.connection_for(rotated.config["DATABASE"]),
            talk_of(rotated, "employee_a").id,
            "employee",
            signers().preparation,
        )
    assert stored is not None and stored.answers["halsa"]["value"] == "Efter bytet"
    link_page = rotated.test_client().get(f"/logga-in/{unused_link}")
    assert link_page.status_code == 200


def test_removing_the_old_key_ends_sessions_and_forms_cleanly(
    old_app: Flask, tmp_path: Path
) -> None:
    browser = signed_in_browser(old_app, "employee_a")
    token = csrf_token(browser.get(_form(old_app)).text)

    retired = _app(tmp_path, NEW, [])
    browser = _moved(browser, retired)
    page = browser.get(_form(retired))
    assert page.status_code == 302
    assert page.location.startswith("/inloggning-kravs")
    typed = browser.post(
        _form(retired), data={"csrf_token": token, "version": "0", "q_halsa": "Mitt svar"}
    )
    assert typed.status_code == 401
    assert "Du behöver logga in" in typed.text
    assert "Mitt svar</textarea>" in typed.text


def _signed_plan_with_followup(app: Flask) -> str:
    """A plan both have signed, with a follow-up saved: every kind of MAC-checked record."""
    from tests.views.plan_helpers import signed_plan

    talk, _, employee = signed_plan(app)
    page = employee.get(f"/samtal/{talk.id}/uppfoljning")
    row_id = page.text.split('name="version_')[1].split('"')[0]
    saved = employee.post(
        f"/samtal/{talk.id}/uppfoljning",
        data={
            "csrf_token": csrf_token(page.text),
            f"status_{row_id}": "pagar",
            f"result_{row_id}": "Halvvägs",
            f"version_{row_id}": "0",
        },
    )
    assert saved.status_code == 302
    return talk.id


@pytest.mark.parametrize("rekeyed", [True, False], ids=["rekeyed", "not-rekeyed"])
def test_rekey_lets_the_old_key_go_without_losing_records(
    old_app: Flask, tmp_path: Path, rekeyed: bool
) -> None:
    browser = signed_in_browser(old_app, "employee_a")
    saved = browser.post(
        _form(old_app),
        data={
            "csrf_token": csrf_token(browser.get(_form(old_app)).text),
            "version": "0",
            "q_halsa": "Skrivet med den gamla nyckeln",
        },
    )
    assert saved.status_code == 302
    talk_id = _signed_plan_with_followup(old_app)

    if rekeyed:
        rotated = _app(tmp_path, NEW, [OLD])
        result = rotated.test_cli_runner().invoke(args=["rekey"])
        assert result.exit_code == 0, result.output
        assert "sparade uppgifter är nu skyddade med den nya nyckeln" in result.output

    retired = _app(tmp_path, NEW, [])
    reader = signed_in_browser(retired, "employee_a")
    pages = [
        reader.get(_form(retired)),
        reader.get(f"/samtal/{talk_id}/plan"),
        reader.get(f"/samtal/{talk_id}/uppfoljning"),
    ]
    if rekeyed:
        assert [p.status_code for p in pages] == [200, 200, 200]
        assert "Skrivet med den gamla nyckeln" in pages[0].text  # read-only: the talk is held
        assert "Halvvägs</textarea>" in pages[2].text
    else:
        # Without rekey the records made with the removed key cannot be verified: refused.
        assert [p.status_code for p in pages] == [500, 500, 500]
        assert all("Uppgifterna kunde inte visas" in p.text for p in pages)
