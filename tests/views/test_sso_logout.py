"""Logging out after single sign-on: the session ends here, and the browser goes on to the
provider's logout (RP-initiated logout) with the ID token as hint, and back to "utloggad"."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from urllib.parse import urlsplit

import pytest
import requests
from flask import Flask
from flask.testing import FlaskClient

from tests import oidc
from tests.factories import EMAIL, conn, csrf_token, make_service, sign_in
from tests.oidc import Provider, SsoService
from tests.views.soup import one, parse, text_of

provider = oidc.provider  # the fixtures, for the tests in this module
sso_service = oidc.sso_service


@pytest.fixture
def sso_app(tmp_path: Path, provider: Provider) -> Iterator[Flask]:
    yield from make_service(tmp_path, **provider.settings())


def log_out(client: FlaskClient) -> str:
    """Press "Logga ut"; where the browser is sent."""
    response = client.post("/logga-ut", data={"csrf_token": csrf_token(client.get("/").text)})
    assert response.status_code == 302, response.text
    return str(response.location)


def sign_outs(app: Flask) -> list[tuple[str, str]]:
    rows = conn(app).execute("SELECT detail, outcome FROM audit_log WHERE action = 'sign_out'")
    return [tuple(r) for r in rows]


def test_logout_ends_the_providers_session_too(sso_app: Flask, provider: Provider) -> None:
    provider.person("karin-sub", email=EMAIL["manager"])
    client = sso_app.test_client()
    oidc.sign_in(client, "karin-sub")
    [id_token] = [r[0] for r in conn(sso_app).execute("SELECT id_token FROM sessions")]
    cookie = client.get_cookie("formserver_session")
    assert cookie is not None

    location = log_out(client)

    assert location.startswith(f"{provider.issuer}/oauth2/end_session?")
    params = oidc.query(location)
    assert params["id_token_hint"] == id_token
    assert params["post_logout_redirect_uri"] == "http://localhost/utloggad"
    assert params["client_id"] == oidc.CLIENT_ID
    # Ended here first: the cookie is refused even if the provider is never reached.
    [(ended_at, kept)] = list(conn(sso_app).execute("SELECT ended_at, id_token FROM sessions"))
    assert ended_at is not None and kept is None
    replay = sso_app.test_client()
    replay.set_cookie("formserver_session", cookie.value)
    assert replay.get("/chef").status_code == 302
    assert sign_outs(sso_app) == [("sso", "ok")]

    # The provider's page ("End session"), then back to ours.
    form = one(parse(requests.get(location, timeout=10).text), "form")
    redirect_uri = one(form, "input", attrs={"name": "redirect_uri"})["value"]
    confirmed = requests.post(
        f"{provider.issuer}{form['action']}",
        data={"redirect_uri": redirect_uri},
        allow_redirects=False,
        timeout=10,
    )
    back = urlsplit(confirmed.headers["Location"])
    assert (back.netloc, back.path) == ("localhost", "/utloggad")
    page = client.get(f"{back.path}?{back.query}")
    assert page.status_code == 200
    assert text_of(one(parse(page.text), "h1")) == "Du är utloggad"


def test_logout_after_a_link_stays_here(sso_app: Flask) -> None:
    client = sso_app.test_client()
    sign_in(client, sso_app, "manager")

    assert log_out(client) == "/utloggad"
    assert sign_outs(sso_app) == [("", "ok")]


def test_every_page_may_send_its_form_on_to_the_provider(
    sso_app: Flask, provider: Provider
) -> None:
    """Logging out posts to us and is redirected to the provider: browsers check form-action
    on that redirect too, so the provider's origin is allowed beside our own."""
    for path in ("/", "/ny-lank", "/inloggning-kravs", "/finns-inte"):
        csp = sso_app.test_client().get(path).headers["Content-Security-Policy"]
        assert csp == (
            f"default-src 'self'; frame-ancestors 'none'; form-action 'self' {provider.issuer}; "
            "base-uri 'none'; object-src 'none'"
        )


@pytest.mark.parametrize("wrap", [oidc.without_logout, oidc.logout_elsewhere])
def test_without_a_logout_at_the_provider_the_session_ends_here_only(
    sso_service: SsoService, wrap: oidc.Wrap
) -> None:
    with oidc.running_provider(wrap=wrap) as provider:
        app = sso_service(provider)
        provider.person("karin-sub", email=EMAIL["manager"])
        client = app.test_client()
        oidc.sign_in(client, "karin-sub")

        assert log_out(client) == "/utloggad"

    [(ended_at, kept)] = list(conn(app).execute("SELECT ended_at, id_token FROM sessions"))
    assert ended_at is not None and kept is None
