"""A form sent from a page that is too old (its CSRF token no longer holds) says so in Swedish
and is shown again with what was typed and a token that works: calling, the roster upload,
opening a round, and asking for a new link."""

from __future__ import annotations

import io

from flask import Flask
from flask.testing import FlaskClient
from werkzeug.datastructures import FileStorage
from werkzeug.test import encode_multipart

from formserver.forms.messages import CSRF_EXPIRED, CSRF_EXPIRED_FILE
from tests.factories import SignIn, conn, csrf_token, data_dump, roster_csv, sign_in, talk_of
from tests.views.call_helpers import PLACE, call_page, in_days
from tests.views.hr_helpers import CURRENT, round_id
from tests.views.soup import one, parse, text_of


def stale_token(client: FlaskClient, app: Flask, role: str, path: str) -> str:
    """The token of a form opened before the person signed in again (in another tab): the
    page's token belongs to the old session, as a page left open too long does."""
    token = csrf_token(client.get(path).text)
    sign_in(client, app, role)
    return token


def alert_text(html: str) -> str:
    return text_of(one(parse(html), "div", class_="error-summary"))


def value_of(html: str, name: str) -> str:
    field = parse(html).find(attrs={"name": name})
    assert field is not None, name
    return str(field.get_text() if field.name == "textarea" else field.get("value", ""))


def test_calling_from_an_old_page_says_why_and_keeps_the_call(
    app: Flask, signed_in: SignIn
) -> None:
    talk = talk_of(app, "employee_a")
    manager = signed_in("manager")
    path = f"/samtal/{talk.id}/kalla"
    token = stale_token(manager, app, "manager", path)
    before = data_dump(app)
    day = in_days(30).isoformat()

    response = manager.post(
        path,
        data={
            "csrf_token": token,
            "version": "1",
            "day": day,
            "start": "10:00",
            "duration": "45",
            "place": PLACE,
            "message": "Ta med dina tankar.",
        },
    )

    assert response.status_code == 400
    assert CSRF_EXPIRED in alert_text(response.text)
    assert value_of(response.text, "day") == day
    assert value_of(response.text, "place") == PLACE
    assert value_of(response.text, "duration") == "45"
    assert "Ta med dina tankar." in value_of(response.text, "message")
    assert data_dump(app) == before
    # The page's new token works: pressing the button again calls.
    again = {
        "csrf_token": csrf_token(response.text),
        "version": "1",
        "day": day,
        "start": "10:00",
        "duration": "45",
        "place": PLACE,
    }
    assert manager.post(path, data=again).status_code == 200
    assert call_page(manager, talk.id)


def test_opening_a_round_from_an_old_page_says_why_and_keeps_the_choices(
    app: Flask, signed_in: SignIn
) -> None:
    hr = signed_in("hr")
    path = "/hr/samtalsomgangar/ny"
    token = stale_token(hr, app, "hr", path)
    data = {"year": "2031", "question_set": "rutin", "plan_template": "handlingsplan"}

    response = hr.post(path, data={"csrf_token": token, **data})

    assert response.status_code == 400
    assert CSRF_EXPIRED in alert_text(response.text)
    assert value_of(response.text, "year") == "2031"
    again = hr.post(path, data={"csrf_token": csrf_token(response.text), **data})
    assert again.status_code == 302
    assert round_id(app, 2031)


def test_the_roster_from_an_old_page_asks_for_the_file_again(app: Flask, signed_in: SignIn) -> None:
    hr = signed_in("hr")
    token = stale_token(hr, app, "hr", "/hr/personal")
    before = data_dump(app)
    roster = FileStorage(io.BytesIO(roster_csv(*CURRENT)), filename="p.csv")
    boundary, body = encode_multipart({"csrf_token": token, "roster": roster})

    response = hr.post(
        "/hr/personal", data=body, content_type=f"multipart/form-data; boundary={boundary}"
    )

    assert response.status_code == 400
    assert CSRF_EXPIRED_FILE in alert_text(response.text)
    assert data_dump(app) == before
    assert csrf_token(response.text) != token


def test_a_new_link_from_an_old_page_says_why_and_keeps_the_address(app: Flask) -> None:
    old = app.test_client()
    token = csrf_token(old.get("/ny-lank").text)
    browser = app.test_client()  # the session cookie of that page is gone

    response = browser.post("/ny-lank", data={"csrf_token": token, "email": "anna@example.se"})

    assert response.status_code == 400
    assert CSRF_EXPIRED in alert_text(response.text)
    assert value_of(response.text, "email") == "anna@example.se"
    rows = conn(app).execute("SELECT count(*) FROM audit_log WHERE action = 'new_link'")
    assert rows.fetchone()[0] == 0
    again = browser.post(
        "/ny-lank", data={"csrf_token": csrf_token(response.text), "email": "anna@example.se"}
    )
    assert again.status_code == 200
