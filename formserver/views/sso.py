"""Single sign-on with the organisation's OpenID provider: the authorization code flow with
PKCE, state and nonce (Authlib), then the roster decides who is signed in."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from flask import Blueprint, abort, current_app, g, redirect, render_template, request, session
from werkzeug.wrappers import Response

from formserver import access
from formserver.access import rule
from formserver.security import tokens
from formserver.services import sign_in as signin
from formserver.services import sso
from formserver.store import audit
from formserver.store.db import utc_now
from formserver.views.common import (
    ProviderUnavailable,
    external_url,
    forget_unfinished_flows,
    provider_metadata,
    sign_in_rules,
    sso_client,
    sso_settings,
)

bp = Blueprint("sso", __name__)

# Where to go after signing in, kept in the Flask session beside Authlib's state, nonce and
# PKCE verifier for the one flow; all of it goes when the session is replaced at sign-in.
NEXT = "sso_next"
# Clock skew allowed when checking the ID token's times (exp, iat, nbf).
LEEWAY_SECONDS = 60


def _client() -> Any:
    client = sso_client()
    if client is None:
        abort(404)
    return client


def _refuse(problem: str, person_id: str | None = None, identity: str = "") -> tuple[str, int]:
    """Audit a refused attempt (never a token or code) and say what to do next."""
    refused = audit.Event(
        person_id, "sign_in", detail="sso", outcome=problem, client=access.client()
    )
    audit.record(g.db, refused)
    session.pop(NEXT, None)
    page = sso.PROBLEMS[problem]
    return render_template("auth/sso_problem.html", problem=page, identity=identity), page.status


@bp.get("/logga-in/sso")
@rule("public")
def start() -> Response | tuple[str, int]:
    """Send the browser to the provider (a GET: it only starts the flow; the answer is checked)."""
    client = _client()
    try:
        provider_metadata(client)
    except ProviderUnavailable:
        return _refuse("unavailable")
    forget_unfinished_flows(session)
    session[NEXT] = signin.safe_target(request.args.get("next"))
    response: Response = client.authorize_redirect(external_url("sso.callback"))
    return response


@bp.get("/logga-in/sso/svar")
@rule("public")
def callback() -> Response | tuple[str, int]:
    """The provider's answer: check state, exchange the code, validate the ID token, sign in."""
    # Loaded only where single sign-on is on (see views.common.register_sso).
    import requests
    from authlib.integrations.base_client import MismatchingStateError, OAuthError
    from joserfc.errors import JoseError

    client = _client()
    try:
        metadata = provider_metadata(client)
        token = client.authorize_access_token(
            # Authlib checks the signature (the provider's published keys), nonce, exp and iat;
            # issuer and audience are pinned here, as Authlib does not pin the audience itself.
            claims_options={
                "iss": {"essential": True, "value": metadata["issuer"]},
                "aud": {"essential": True, "value": client.client_id},
            },
            leeway=LEEWAY_SECONDS,
        )
    except ProviderUnavailable:
        return _refuse("unavailable")
    except MismatchingStateError:
        return _refuse("state")
    except OAuthError as error:
        return _refuse("cancelled" if error.error == "access_denied" else "provider_error")
    except JoseError:
        return _refuse("token_invalid")
    except requests.RequestException:
        return _refuse("unavailable")
    claims = token.get("userinfo")
    if not claims:
        return _refuse("token_invalid")
    now = utc_now()
    result = sso.sign_in(
        g.db,
        claims,
        settings=sso_settings(),
        rules=sign_in_rules(),
        now=now,
        id_token=token.get("id_token"),
        target=str(session.get(NEXT, "/")),
        absolute=timedelta(hours=current_app.config["SESSION_ABSOLUTE_HOURS"]),
        client=access.client(),
    )
    if isinstance(result, sso.Refused):
        return _refuse(result.problem, result.person_id, result.identity)
    previous = session.get("sid")
    if isinstance(previous, str):
        signin.end(g.db, previous, now)
    session.clear()
    session.permanent = True
    session["sid"] = result.session_id
    session["csrf"] = tokens.new_nonce()
    return redirect(result.target)
