"""Only HR may use HR's pages; anyone signed out is sent to sign in."""

from __future__ import annotations

import io
from typing import Any
from urllib.parse import urlsplit

import pytest
from flask import Flask
from flask.testing import FlaskClient

from tests.factories import SignIn, csrf_token, data_dump, person, roster_csv
from tests.views.hr_helpers import CURRENT, audit_rows, round_id

# --- Only HR -------------------------------------------------------------------------------

HR_ROUTES = [
    ("GET", "/hr/", "hr.overview"),
    ("GET", "/hr/personal", "hr.roster"),
    ("POST", "/hr/personal", "hr.roster"),
    ("GET", "/hr/samtalsomgangar/ny", "hr.new_round"),
    ("POST", "/hr/samtalsomgangar/ny", "hr.new_round"),
    ("GET", "/hr/samtalsomgangar/{rid}", "hr.round_status"),
]


def send(client: FlaskClient, method: str, path: str, token: str) -> Any:
    if method == "GET":
        return client.get(path)
    if path == "/hr/personal":
        return client.post(
            path,
            data={"csrf_token": token, "roster": (io.BytesIO(roster_csv(CURRENT[0])), "x.csv")},
            content_type="multipart/form-data",
        )
    return client.post(
        path,
        data={"csrf_token": token, "year": "2030", "question_set": "rutin",
              "plan_template": "handlingsplan"},
    )  # fmt: skip


@pytest.mark.parametrize("role", ["employee_a", "manager"])
@pytest.mark.parametrize(("method", "path", "endpoint"), HR_ROUTES)
def test_only_hr_may_use_hr_pages(
    app: Flask, signed_in: SignIn, role: str, method: str, path: str, endpoint: str
) -> None:
    client = signed_in(role)
    path = path.format(rid=round_id(app, 2026))
    token = csrf_token(client.get("/ny-lank").text)
    before, audited = data_dump(app), len(audit_rows(app))

    response = send(client, method, path, token)

    assert response.status_code == 403
    assert "Du har inte behörighet" in response.text
    assert data_dump(app) == before
    [denial] = audit_rows(app)[audited:]
    assert denial["actor_id"] == person(app, role).id
    assert (denial["action"], denial["outcome"]) == (f"route:{endpoint}", "denied")
    assert denial["detail"] == f"{method} {path}"


@pytest.mark.parametrize(("method", "path", "endpoint"), HR_ROUTES)
def test_anonymous_is_sent_to_sign_in(
    app: Flask, client: FlaskClient, method: str, path: str, endpoint: str
) -> None:
    path = path.format(rid=round_id(app, 2026))
    before = data_dump(app)

    response = send(client, method, path, "")

    if method == "POST":
        # A POST without a session: nothing saved, the sign-in page with the typed text back.
        assert response.status_code == 401
        assert "Du behöver logga in" in response.text
    else:
        assert response.status_code == 302
        assert urlsplit(response.location).path == "/inloggning-kravs"
    assert data_dump(app) == before


@pytest.mark.parametrize(
    ("role", "sees_hr"), [("hr", True), ("manager", False), ("employee_a", False)]
)
def test_only_hr_is_shown_the_way_to_hrs_pages(signed_in: SignIn, role: str, sees_hr: bool) -> None:
    page = signed_in(role).get("/")

    assert page.status_code == 200
    assert ('<a href="/hr/">HR</a>' in page.text) is sees_hr
