"""A read-only database or a full disk: a Swedish 503 page with the typed text, nothing saved."""

from __future__ import annotations

import sqlite3
from html import unescape

import pytest
from flask import Flask
from flask.testing import FlaskClient
from werkzeug.test import TestResponse

from formserver.store import plans
from formserver.store.preparations import get_preparation
from tests.concurrency_helpers import plan_signed_by_both
from tests.factories import SignIn, conn, csrf_token, data_dump, sign_in, signer, talk_of

# --- (c) a read-only database and a full disk ----------------------------------------------------

PREPARATION_TEXTS = {
    "q_halsa": "Jag mår bra, men sover dåligt under perioder med mycket kvällsmöten.",
    "q_arbetssituation": "Arbetsbelastningen är hög i maj och juni, annars rimlig.",
}


def _post_expecting_no_crash(client: FlaskClient, url: str, data: dict[str, str]) -> TestResponse:
    try:
        return client.post(url, data=data)
    except sqlite3.Error as error:  # the app had no error page for it
        pytest.fail(f"the database error reached the user as a crash: {error!r}")


def _assert_unavailable_page_gives_text_back(response: TestResponse, texts: dict[str, str]) -> None:
    assert response.status_code == 503, response.status_code
    page = response.text
    assert '<html lang="sv"' in page
    assert "sparades" in page  # says, in Swedish, that nothing was saved
    shown = unescape(page)
    for field, text in texts.items():
        assert text in shown, f"the typed text of {field} is not shown back"
    assert response.headers["Cache-Control"] == "no-store"


@pytest.mark.parametrize("condition", ["read-only", "disk full"])
def test_a_preparation_save_the_database_refuses_gets_503_with_the_text_and_stores_nothing(
    app: Flask, signed_in: SignIn, condition: str
) -> None:
    talk = talk_of(app, "employee_a")
    url = f"/samtal/{talk.id}/forberedelse"
    client = signed_in("employee_a")
    page = client.get(url)
    assert page.status_code == 200
    texts = dict(PREPARATION_TEXTS)
    if condition == "disk full":  # big enough to need pages the database may not grow by
        long = ("Min långa reflektion om året som gått och vad jag vill utveckla. " * 140).strip()
        texts |= {f"q_{q}": f"{q}: {long}" for q in ("forbattring", "individuella_mal")}
        texts |= {f"q_{q}": f"{q}: {long}" for q in ("uppna_malen", "kompetensutveckling")}
    data = {"csrf_token": csrf_token(page.text), "version": "0", "action": "spara", **texts}
    before = data_dump(app)
    connection = conn(app)
    limit = connection.execute("PRAGMA max_page_count").fetchone()[0]
    if condition == "read-only":
        connection.execute("PRAGMA query_only = ON")
    else:
        pages = connection.execute("PRAGMA page_count").fetchone()[0]
        free = connection.execute("PRAGMA freelist_count").fetchone()[0]
        size = connection.execute("PRAGMA page_size").fetchone()[0]
        assert free * size < sum(map(len, texts.values())) // 2, "test text too small"
        connection.execute(f"PRAGMA max_page_count = {pages}")
    try:
        response = _post_expecting_no_crash(client, url, data)
    finally:
        connection.execute("PRAGMA query_only = OFF")
        connection.execute(f"PRAGMA max_page_count = {limit}")

    _assert_unavailable_page_gives_text_back(response, texts)
    assert data_dump(app) == before  # no partial record
    assert connection.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
    # Once the database can be written again, the same form saves (no transaction left open).
    again = client.post(url, data=data)
    assert again.status_code == 302, again.status_code
    stored = get_preparation(connection, talk.id, "employee", signer(app, "preparation"))
    assert stored is not None and stored.version == 1
    assert stored.answers["halsa"]["value"] == texts["q_halsa"]


def test_a_plan_save_on_a_full_disk_gets_503_with_the_notes_and_stores_nothing(
    app: Flask, signed_in: SignIn
) -> None:
    talk = talk_of(app, "employee_a")
    url = f"/samtal/{talk.id}/plan"
    client = signed_in("manager")
    page = client.get(url)
    assert page.status_code == 200
    long = ("Vi kom överens om att prova nya arbetssätt i arbetslaget under hösten. " * 120).strip()
    texts = {
        f"note_{s}": f"{s}: {long}"
        for s in ("arbetssituation", "maluppfyllelse", "skapa_varde", "samspela")
    }
    data = {"csrf_token": csrf_token(page.text), "number": "0", "edits": "0", **texts}
    data["action"] = "spara"
    before = data_dump(app)
    connection = conn(app)
    limit = connection.execute("PRAGMA max_page_count").fetchone()[0]
    pages = connection.execute("PRAGMA page_count").fetchone()[0]
    connection.execute(f"PRAGMA max_page_count = {pages}")
    try:
        response = _post_expecting_no_crash(client, url, data)
    finally:
        connection.execute(f"PRAGMA max_page_count = {limit}")

    _assert_unavailable_page_gives_text_back(response, texts)
    assert data_dump(app) == before
    plan_signer = signer(app, "plan")
    assert plans.latest(connection, talk.id, plan_signer) is None
    again = client.post(url, data=data)
    assert again.status_code == 302, again.status_code
    saved = plans.latest(connection, talk.id, plan_signer)
    assert saved is not None and saved.content["notes"]["samspela"] == texts["note_samspela"]


def _form_for(app: Flask, client: FlaskClient, what: str) -> tuple[str, dict[str, str]]:
    """Sign in and open a form that saves a record of kind `what`; (url, fields to post)."""
    if what == "followup":
        talk, row_id = plan_signed_by_both(app)
    else:
        talk, row_id = talk_of(app, "employee_a"), ""
    sign_in(client, app, "manager" if what == "plan" else "employee_a")
    path = {"preparation": "forberedelse", "plan": "plan", "followup": "uppfoljning"}[what]
    url = f"/samtal/{talk.id}/{path}"
    page = client.get(url)
    assert page.status_code == 200
    data = {"csrf_token": csrf_token(page.text), "action": "spara"}
    if what == "preparation":
        data |= {"version": "0", **PREPARATION_TEXTS}
    elif what == "plan":
        data |= {"number": "0", "edits": "0", "note_samspela": PREPARATION_TEXTS["q_halsa"]}
    else:
        data |= {f"version_{row_id}": "0", f"status_{row_id}": "klar"}
        data[f"result_{row_id}"] = PREPARATION_TEXTS["q_halsa"]
    return url, data


@pytest.mark.parametrize("what", ["preparation", "plan", "followup"])
def test_when_the_audit_entry_of_a_save_fails_the_503_page_tells_the_truth(
    app: Flask, client: FlaskClient, what: str
) -> None:
    """The 503 page says nothing was saved: that must be true whichever write failed.

    A save is followed by its audit entry; here the audit entry fails (as it does when the disk
    fills up or the lock wait runs out just then). Either both are written or neither is.
    """
    url, data = _form_for(app, client, what)
    before = data_dump(app)
    connection = conn(app)
    connection.execute(
        "CREATE TEMP TRIGGER audit_fails BEFORE INSERT ON main.audit_log "
        "BEGIN SELECT RAISE(ABORT, 'database or disk is full'); END"
    )
    try:
        response = _post_expecting_no_crash(client, url, data)
    finally:
        connection.execute("DROP TRIGGER temp.audit_fails")

    assert response.status_code == 503
    assert "Ingenting av det du skickade sparades" in response.text
    assert data_dump(app) == before, (
        f"the page says nothing was saved, but the {what} was saved (only its audit entry failed)"
    )
