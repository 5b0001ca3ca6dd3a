"""A real OpenID provider on loopback for tests (oidc-provider-mock in a thread of this
process), and the browser's part of the authorization code flow against it.

The provider signs real ID tokens with its own RSA key and publishes discovery and JWKS; it
accepts any client id and secret. `Provider.person` tells it a subject's claims; `authorize`
does what a person does on its page.
"""

from __future__ import annotations

import base64
import json
import threading
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, quote, urlencode, urlsplit

import oidc_provider_mock
import pytest
import requests
import werkzeug.serving
from flask import Flask
from flask.testing import FlaskClient

from formserver.store import db
from tests.factories import make_service
from tests.smtp import HOST

CLIENT_ID = "medarbetarsamtal"
CLIENT_SECRET = "test-client-secret"
NAME = "Exempel kommuns konto"  # OIDC_DISPLAY_NAME: "Logga in med Exempel kommuns konto"
WSGIApp = Callable[[dict[str, Any], Callable[..., Any]], Iterable[bytes]]
Wrap = Callable[[WSGIApp], WSGIApp]  # a WSGI middleware in front of the provider


class QuietHandler(werkzeug.serving.WSGIRequestHandler):
    """No request log on stderr."""

    def log_request(self, *args: Any, **kwargs: Any) -> None:
        pass


@dataclass(frozen=True)
class Provider:
    """A running provider: its issuer URL (also its discovery base)."""

    issuer: str

    def person(self, sub: str, **claims: Any) -> None:
        """Tell the provider who `sub` is: the claims it puts in the ID token."""
        response = requests.put(f"{self.issuer}/users/{quote(sub)}", json=claims, timeout=10)
        assert response.status_code == 204, response.text

    def settings(self, **extra: Any) -> dict[str, Any]:
        """The service's settings for this provider."""
        return {
            "OIDC_ISSUER": self.issuer,
            "OIDC_CLIENT_ID": CLIENT_ID,
            "OIDC_CLIENT_SECRET": CLIENT_SECRET,
            "OIDC_DISPLAY_NAME": NAME,
            **extra,
        }


@contextmanager
def running_provider(*, wrap: Wrap | None = None, **options: Any) -> Iterator[Provider]:
    """Run oidc-provider-mock on a free loopback port (options go to `oidc_provider_mock.app`,
    e.g. access_token_max_age, which is also the ID token's lifetime); `wrap` puts a WSGI
    middleware in front of it."""
    app: WSGIApp = oidc_provider_mock.app(**options)
    server = werkzeug.serving.make_server(
        HOST, 0, wrap(app) if wrap else app, threaded=True, request_handler=QuietHandler
    )
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05})
    thread.start()
    try:
        yield Provider(f"http://{HOST}:{server.server_port}")
    finally:
        server.shutdown()
        thread.join(5)
        server.server_close()


@pytest.fixture
def provider() -> Iterator[Provider]:
    """A provider for one test. Use it with ``provider = tests.oidc.provider`` in a module."""
    with running_provider() as running:
        yield running


SsoService = Callable[..., Flask]


@pytest.fixture
def sso_service(tmp_path: Path) -> Iterator[SsoService]:
    """sso_service(provider, **settings): a fresh service (the people of tests.factories) that
    signs in through `provider`. Use it with ``sso_service = tests.oidc.sso_service``."""
    made: list[Flask] = []

    def make(provider: Provider, **settings: Any) -> Flask:
        folder = tmp_path / f"service-{len(made)}"
        folder.mkdir()
        made.append(next(make_service(folder, **provider.settings(**settings))))
        return made[-1]

    yield make
    db.close_thread_connections()


def start(client: FlaskClient, path: str = "/logga-in/sso") -> str:
    """Press "Logga in med …": the provider's authorization URL the service redirects to."""
    response = client.get(path)
    assert response.status_code == 302, response.text
    return str(response.location)


def authorize(authorization_url: str, sub: str, *, deny: bool = False) -> str:
    """What the person does on the provider's page (sign in as `sub`, or deny): the callback
    path and query the provider sends the browser back to."""
    data = {"action": "deny"} if deny else {"sub": sub}
    response = requests.post(authorization_url, data=data, allow_redirects=False, timeout=10)
    assert response.status_code == 302, response.text
    back = urlsplit(response.headers["Location"])
    assert back.path == "/logga-in/sso/svar", back
    return f"{back.path}?{back.query}"


def sign_in(client: FlaskClient, sub: str, path: str = "/logga-in/sso") -> Any:
    """The whole flow in one browser: start, authorize as `sub`, come back; the last response."""
    return client.get(authorize(start(client, path), sub))


def query(url: str) -> dict[str, str]:
    """A URL's query parameters, one value each."""
    return {key: values[0] for key, values in parse_qs(urlsplit(url).query).items()}


def with_query(url: str, **changes: str) -> str:
    """`url` with some query parameters replaced."""
    parts = urlsplit(url)
    return f"{parts.path}?{urlencode({**query(url), **changes})}"


def issuing_for(client_id: str) -> Wrap:
    """A middleware that makes the provider issue its codes and tokens to `client_id` instead of
    the client that asked: its ID tokens are genuine, but for another audience."""

    def wrap(app: WSGIApp) -> WSGIApp:
        def middleware(environ: dict[str, Any], start_response: Callable[..., Any]) -> Any:
            if environ["PATH_INFO"] == "/oauth2/authorize":
                params = parse_qs(environ["QUERY_STRING"])
                params["client_id"] = [client_id]
                environ["QUERY_STRING"] = urlencode(params, doseq=True)
            if environ["PATH_INFO"] == "/oauth2/token" and "HTTP_AUTHORIZATION" in environ:
                basic = environ["HTTP_AUTHORIZATION"].removeprefix("Basic ")
                _, secret = base64.b64decode(basic).decode().split(":", 1)
                credentials = base64.b64encode(f"{client_id}:{secret}".encode()).decode()
                environ["HTTP_AUTHORIZATION"] = f"Basic {credentials}"
            return app(environ, start_response)

        return middleware

    return wrap


def answering_as(host: str) -> Wrap:
    """A middleware that makes the provider believe it is reached as `host`: it then names
    that host's issuer in its tokens (oidc-provider-mock takes the issuer from the request)."""

    def wrap(app: WSGIApp) -> WSGIApp:
        def middleware(environ: dict[str, Any], start_response: Callable[..., Any]) -> Any:
            environ["HTTP_HOST"] = host
            return app(environ, start_response)

        return middleware

    return wrap


def with_discovery(change: Callable[[dict[str, Any]], None]) -> Wrap:
    """A middleware that lets `change` edit the provider's discovery document."""

    def wrap(app: WSGIApp) -> WSGIApp:
        def middleware(environ: dict[str, Any], start_response: Callable[..., Any]) -> Any:
            if environ["PATH_INFO"] != "/.well-known/openid-configuration":
                return app(environ, start_response)
            status: list[str] = []
            body = b"".join(app(environ, lambda code, headers, *_: status.append(code)))
            document = json.loads(body)
            change(document)
            changed = json.dumps(document).encode()
            start_response(
                status[0],
                [("Content-Type", "application/json"), ("Content-Length", str(len(changed)))],
            )
            return [changed]

        return middleware

    return wrap


# A provider without RP-initiated logout, as Google's.
without_logout = with_discovery(lambda document: document.pop("end_session_endpoint"))
# One whose logout is on another origin than its issuer.
logout_elsewhere = with_discovery(
    lambda document: document.update(end_session_endpoint="https://logout.example.se/end")
)


# A lifetime in the past: the provider's ID tokens have expired when they arrive.
EXPIRED = timedelta(minutes=-10)
