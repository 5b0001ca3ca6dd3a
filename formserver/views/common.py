"""Small helpers the feature views share, and the OpenID provider's client, which both the
sign-in views (auth: logout) and single sign-on (sso) use."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any
from urllib.parse import urlsplit

from flask import Flask, current_app, url_for
from werkzeug.wrappers import Response

from formserver.services import sign_in as signin
from formserver.services import sso


def download(body: bytes, mimetype: str, filename: str) -> Response:
    """A download: exact content type, attachment with a server-made name, never cached."""
    return Response(
        body,
        mimetype=mimetype,
        headers={
            "Content-Disposition": f'attachment; filename="{filename}"',
            "Cache-Control": "no-store",
        },
    )


def external_url(endpoint: str, **values: Any) -> str:
    """An absolute URL for e-mail: PUBLIC_URL when set, else this request's host."""
    base = current_app.config.get("PUBLIC_URL")
    path = url_for(endpoint, **values)
    return f"{base.rstrip('/')}{path}" if base else url_for(endpoint, _external=True, **values)


# --- Signing in ---------------------------------------------------------------------------------

OAUTH = "authlib.integrations.flask_client"


def sign_in_rules() -> signin.SignInRules:
    """The ways each role may sign in, from the settings."""
    config = current_app.config
    return signin.SignInRules(config["SIGN_IN_METHODS"], bool(config.get("OIDC_ISSUER")))


def sso_settings() -> sso.Settings:
    """How the provider's claims are read, from the settings."""
    config = current_app.config
    return sso.Settings(
        roster_claim=config["OIDC_ROSTER_CLAIM"],
        roster_field=config["OIDC_ROSTER_FIELD"],
        groups_claim=config["OIDC_GROUPS_CLAIM"],
        hr_group=config["OIDC_HR_GROUP"] or None,
    )


def register_sso(app: Flask) -> None:
    """Register the OpenID provider with Authlib, when OIDC_ISSUER is set.

    Authlib reads the provider's discovery document on first use and keeps it (and its keys,
    fetched again for an unknown key id) for the life of the process.
    """
    config = app.config
    if not config.get("OIDC_ISSUER"):
        return
    # Imported only when single sign-on is on: Authlib's client, requests and the crypto
    # under them add about 20 MB to every worker (bench/form_service.py measures RSS).
    from authlib.integrations.flask_client import OAuth

    registry = OAuth(app)
    registry.register(
        "sso",
        client_id=config["OIDC_CLIENT_ID"],
        client_secret=config["OIDC_CLIENT_SECRET"],
        server_metadata_url=f"{issuer(config)}/.well-known/openid-configuration",
        client_kwargs={
            "scope": config["OIDC_SCOPES"],
            "code_challenge_method": "S256",
            "default_timeout": config["OIDC_TIMEOUT_SECONDS"],
        },
    )


def issuer(config: Mapping[str, Any]) -> str:
    """The configured issuer, as the provider's discovery document must name it."""
    return str(config["OIDC_ISSUER"]).rstrip("/")


def origin(url: str) -> str:
    """scheme://host[:port] of a URL, as CSP names a source."""
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}"


def provider_origin(config: Mapping[str, Any]) -> str | None:
    """The provider's origin, which pages must allow as a form target (form-action) while
    single sign-on is on: logging out is a form posted to us and redirected to the provider's
    logout, and browsers check form-action on every redirect of a form's navigation."""
    return origin(issuer(config)) if config.get("OIDC_ISSUER") else None


def sso_client() -> Any:
    """Authlib's client for the provider, or None when single sign-on is off."""
    registry = current_app.extensions.get(OAUTH)
    return registry.create_client("sso") if registry is not None else None


def forget_unfinished_flows(session: Any) -> None:
    """Drop the state of sign-ins that were started and never finished (Authlib keeps each
    under "_state_sso_<state>" in the session cookie): one flow at a time per browser, so that
    pressing the button again and again cannot grow the cookie past what browsers keep."""
    for key in [key for key in session if key.startswith("_state_sso_")]:
        session.pop(key)


class ProviderUnavailable(Exception):
    """The provider's discovery document could not be read, or names another issuer."""


def provider_metadata(client: Any) -> dict[str, Any]:
    """The provider's discovery document (read once, then kept by Authlib)."""
    import requests  # loaded with Authlib's client: see register_sso

    try:
        metadata: dict[str, Any] = client.load_server_metadata()
    except (requests.RequestException, ValueError) as error:
        raise ProviderUnavailable(type(error).__name__) from error
    # OpenID Connect Discovery 1.0, section 4.3: the document must name the issuer we asked.
    if str(metadata.get("issuer", "")).rstrip("/") != issuer(current_app.config):
        raise ProviderUnavailable("issuer mismatch")
    return metadata


def provider_logout_url(id_token: str) -> str | None:
    """Where to send the browser to end the provider's session too (RP-initiated logout), when
    the provider supports it; it sends the person back to our "utloggad" page."""
    client = sso_client()
    if client is None:
        return None
    try:
        metadata = provider_metadata(client)
    except ProviderUnavailable:
        return None
    endpoint = metadata.get("end_session_endpoint")
    if not endpoint or origin(str(endpoint)) != provider_origin(current_app.config):
        # Elsewhere than the issuer's origin, the pages' form-action would stop the redirect.
        return None
    result = client.create_logout_url(
        post_logout_redirect_uri=external_url("auth.signed_out_done"),
        id_token_hint=id_token,
        client_id=client.client_id,
    )
    return str(result["url"])


def sign_in_options() -> dict[str, Any]:
    """What the sign-in pages offer: single sign-on (by its name) and whether links at all."""
    config = current_app.config
    return {
        "sso_name": config["OIDC_DISPLAY_NAME"] if sso_client() is not None else None,
        "links": sign_in_rules().links_for_anyone,
    }
