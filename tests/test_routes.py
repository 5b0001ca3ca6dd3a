"""Structural checks over every route, the exact security headers, and the access matrix."""

from __future__ import annotations

import re
from collections.abc import Callable

import pytest
from flask import Flask
from flask.testing import FlaskClient

from formserver import access
from tests.factories import conn, csrf_token, data_dump, sign_in, talk_of

ALLOWED_CONVERTERS = {"rid", "token", "path"}
SEGMENT = re.compile(r"^([a-z0-9]+(-[a-z0-9]+)*(\.[a-z]+)?|<[a-z]+:[a-z_]+>)$")


def test_every_route_has_an_access_rule(app: Flask) -> None:
    missing = [
        rule.endpoint
        for rule in app.url_map.iter_rules()
        if rule.endpoint != "static" and access.rule_of(app.view_functions[rule.endpoint]) is None
    ]
    assert missing == []


def test_url_parameters_are_typed_and_paths_kebab_case(app: Flask) -> None:
    for rule in app.url_map.iter_rules():
        converters = {name: type(conv).__name__ for name, conv in rule._converters.items()}
        for name, converter in converters.items():
            assert converter in {"RandomIdConverter", "TokenConverter", "PathConverter"}, (
                rule.rule,
                name,
            )
        if "PathConverter" in converters.values():
            assert rule.endpoint in {"static", "handbook.page"}
        for segment in filter(None, rule.rule.split("/")):
            assert SEGMENT.match(segment), f"{rule.rule}: {segment}"


def test_only_post_changes_state(app: Flask) -> None:
    for rule in app.url_map.iter_rules():
        assert rule.methods is not None
        assert rule.methods <= {"GET", "HEAD", "OPTIONS", "POST"}, rule.rule


PRIVATE = {
    "Content-Security-Policy": "default-src 'self'; frame-ancestors 'none'; form-action 'self'; "
    "base-uri 'none'; object-src 'none'",
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "same-origin",
    "X-Frame-Options": "DENY",
    "Cross-Origin-Opener-Policy": "same-origin",
    "Permissions-Policy": "camera=(), microphone=(), geolocation=()",
    "Cache-Control": "no-store",
}


@pytest.mark.parametrize(
    ("method", "path", "status"),
    [
        ("GET", "/", 200),
        ("GET", "/ny-lank", 200),
        ("GET", "/logga-in/not-a-token", 400),
        ("GET", "/chef", 302),
        ("GET", "/finns-inte", 404),
        ("GET", "/logga-ut", 405),
        ("POST", "/ny-lank", 400),
        ("POST", "/ny-lank?x=1", 413),
    ],
)
def test_exact_security_headers_everywhere(
    client: FlaskClient, method: str, path: str, status: int
) -> None:
    data = {"email": "x" * 600_000} if status == 413 else {}
    response = client.open(path, method=method, data=data)
    assert response.status_code == status
    # A sign-in link's page sends no Referer at all: its path holds the token.
    expected = {**PRIVATE, "Referrer-Policy": "no-referrer"} if "/logga-in/" in path else PRIVATE
    for header, value in expected.items():
        assert response.headers[header] == value, header


def test_static_assets_may_be_cached_but_keep_the_other_headers(client: FlaskClient) -> None:
    with client.get("/static/service.css") as response:
        assert response.status_code == 200
        assert response.headers["Cache-Control"] == "public, max-age=300"
        assert response.headers["X-Content-Type-Options"] == "nosniff"


# --- The access matrix -----------------------------------------------------------------------

ROLES = ["anonymous", "employee_a", "employee_b", "manager", "other_manager", "hr", "left"]
Request = Callable[[Flask], tuple[str, str]]


def _talk(app: Flask) -> str:
    return talk_of(app, "employee_a").id


def _round(app: Flask) -> str:
    return str(conn(app).execute("SELECT id FROM rounds").fetchone()[0])


# Team downloads: each manager gets their own team in the round
# (tests/views/test_downloads_access.py checks that nobody else's plans are in it); people who
# manage nobody there get a 404.
MANAGERS = {"manager", "other_manager"}
# (method, path maker, who may, status for the allowed)
ROUTES: list[tuple[str, Callable[[Flask], str], set[str], int]] = [
    ("GET", lambda app: "/", set(ROLES), 200),
    ("GET", lambda app: "/chef", set(ROLES) - {"anonymous", "left"}, 200),
    ("GET", lambda app: "/hr/", {"hr"}, 200),
    ("GET", lambda app: "/hr/personal", {"hr"}, 200),
    ("POST", lambda app: "/hr/personal", {"hr"}, 400),
    ("GET", lambda app: "/hr/samtalsomgangar/ny", {"hr"}, 200),
    ("POST", lambda app: "/hr/samtalsomgangar/ny", {"hr"}, 400),
    ("GET", lambda app: f"/hr/samtalsomgangar/{_round(app)}", {"hr"}, 200),
    ("GET", lambda app: f"/samtal/{_talk(app)}", {"employee_a", "manager"}, 200),
    ("GET", lambda app: f"/samtal/{_talk(app)}/forberedelse", {"employee_a", "manager"}, 200),
    ("POST", lambda app: f"/samtal/{_talk(app)}/forberedelse", {"employee_a", "manager"}, 302),
    (
        "POST",
        lambda app: f"/samtal/{_talk(app)}/forberedelse/ta-bort",
        {"employee_a", "manager"},
        302,
    ),
    ("GET", lambda app: f"/samtal/{_talk(app)}/kalla", {"manager"}, 200),
    ("POST", lambda app: f"/samtal/{_talk(app)}/kalla", {"manager"}, 400),
    ("GET", lambda app: f"/samtal/{_talk(app)}/kallelse.ics", {"employee_a", "manager"}, 404),
    ("GET", lambda app: f"/samtal/{_talk(app)}/stall-in", {"manager"}, 200),
    # Not called yet: nothing to cancel.
    ("POST", lambda app: f"/samtal/{_talk(app)}/stall-in", {"manager"}, 409),
    ("GET", lambda app: f"/samtal/{_talk(app)}/plan", {"employee_a", "manager"}, 200),
    ("POST", lambda app: f"/samtal/{_talk(app)}/plan", {"manager"}, 302),
    ("POST", lambda app: f"/samtal/{_talk(app)}/plan/genomford", {"manager"}, 409),
    ("POST", lambda app: f"/samtal/{_talk(app)}/plan/signera", {"employee_a", "manager"}, 409),
    ("GET", lambda app: f"/samtal/{_talk(app)}/plan/versioner", {"employee_a", "manager"}, 200),
    ("GET", lambda app: f"/samtal/{_talk(app)}/plan/utskrift", {"employee_a", "manager"}, 404),
    ("GET", lambda app: f"/samtal/{_talk(app)}/plan.pdf", {"employee_a", "manager"}, 404),
    ("GET", lambda app: f"/samtal/{_talk(app)}/uppfoljning", {"employee_a", "manager"}, 200),
    ("POST", lambda app: f"/samtal/{_talk(app)}/uppfoljning", {"employee_a", "manager"}, 302),
    ("GET", lambda app: f"/chef/samtalsomgangar/{_round(app)}/planer.zip", MANAGERS, 200),
    ("GET", lambda app: f"/chef/samtalsomgangar/{_round(app)}/oversikt.csv", MANAGERS, 200),
    ("GET", lambda app: f"/chef/samtalsomgangar/{_round(app)}/planer.json", MANAGERS, 200),
    ("GET", lambda app: f"/hr/samtalsomgangar/{_round(app)}/tackning.csv", {"hr"}, 200),
    ("GET", lambda app: "/kontrollera-kod", set(ROLES) - {"anonymous", "left"}, 200),
    # No code typed: the form says what to write.
    ("POST", lambda app: "/kontrollera-kod", set(ROLES) - {"anonymous", "left"}, 400),
    ("GET", lambda app: f"/samtalsomgangar/{_round(app)}/lagg-till", {"hr"}, 200),
    # Everyone here is in the round already: nobody, not even HR, may add employee A again.
    ("POST", lambda app: f"/samtalsomgangar/{_round(app)}/lagg-till/{_person(app)}", set(), 0),
]


def _person(app: Flask) -> str:
    return talk_of(app, "employee_a").employee_id


def _client_for(app: Flask, role: str) -> FlaskClient:
    client = app.test_client()
    if role == "left":
        sign_in(client, app, "employee_b")
        conn(app).execute("UPDATE people SET in_roster = 0 WHERE employee_number = 'B1'")
    elif role != "anonymous":
        sign_in(client, app, role)
    return client


def _denials(app: Flask) -> int:
    query = "SELECT count(*) FROM audit_log WHERE outcome = 'denied'"
    return int(conn(app).execute(query).fetchone()[0])


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize(("method", "path", "allowed", "status"), ROUTES, ids=lambda v: str(v))
def test_access_matrix(
    app: Flask,
    role: str,
    method: str,
    path: Callable[[Flask], str],
    allowed: set[str],
    status: int,
) -> None:
    client = _client_for(app, role)
    token = csrf_token(client.get("/ny-lank").text)
    url = path(app)
    before, denials = data_dump(app), _denials(app)
    data = {"csrf_token": token, "version": "0", "action": "spara"} if method == "POST" else None
    response = client.open(url, method=method, data=data)
    response.close()
    if role in allowed:
        assert response.status_code == status, response.text[:500]
        return
    expected = 302 if role in {"anonymous", "left"} else (403 if "/hr/" in url else 404)
    if expected == 302 and method == "POST":
        expected = 401  # the sign-in page itself, with any typed text shown back
    assert response.status_code == expected
    if expected == 302:
        assert response.location.startswith("/inloggning-kravs")
    assert data_dump(app) == before
    assert _denials(app) == denials + 1
