"""Single sign-on against a real OpenID provider on loopback (tests/oidc.py): the code flow with
PKCE, state and nonce; the ID token's signature, issuer, audience and expiry; the roster claim;
and what a person and an auditor see when it does not work out."""

from __future__ import annotations

from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient

from tests import oidc
from tests.factories import EMAIL, conn, person
from tests.oidc import NAME, Provider, SsoService
from tests.views.soup import one, parse, text_of

provider = oidc.provider  # the fixtures, for the tests in this module
sso_service = oidc.sso_service


@pytest.fixture
def sso_app(sso_service: SsoService, provider: Provider) -> Flask:
    return sso_service(provider)


SIGN_IN_CLIENTS = "SELECT client FROM audit_log WHERE action = 'sign_in'"


def sign_in_audit(app: Flask) -> list[tuple[str | None, str, str]]:
    rows = conn(app).execute(
        "SELECT actor_id, detail, outcome FROM audit_log WHERE action = 'sign_in' ORDER BY id"
    )
    return [(r["actor_id"], r["detail"], r["outcome"]) for r in rows]


def sessions(app: Flask) -> list[dict[str, Any]]:
    rows = conn(app).execute("SELECT * FROM sessions ORDER BY created_at")
    return [dict(r) for r in rows]


def signed_in_as(client: FlaskClient) -> str:
    page = parse(client.get("/").text)
    found = page.find_all("span", class_="who")
    return text_of(found[0]) if found else ""


def test_the_sign_in_pages_offer_the_organisations_sign_in(sso_app: Flask) -> None:
    client = sso_app.test_client()
    for path in ("/", "/inloggning-kravs?next=/chef", "/utloggad"):
        page = parse(client.get(path).text)
        [button] = [
            a for a in page.find_all("a", class_="button") if text_of(a) == f"Logga in med {NAME}"
        ]
        expected = "/logga-in/sso?next=/chef" if "next" in path else "/logga-in/sso"
        assert button.attrs["href"] == expected
        assert page.find_all("a", href="/ny-lank"), "links are still allowed by default"
    # A form sent after the session ended: the sign-in page, with the same choice.
    ended = client.post("/logga-ut", data={"csrf_token": "x"})
    assert ended.status_code == 401
    assert text_of(one(parse(ended.text), "a", href="/logga-in/sso")) == f"Logga in med {NAME}"


def test_without_an_issuer_there_is_no_single_sign_on(client: FlaskClient) -> None:
    assert "/logga-in/sso" not in client.get("/").text
    assert client.get("/logga-in/sso").status_code == 404
    assert client.get("/logga-in/sso/svar?code=x&state=y").status_code == 404


def test_the_flow_starts_with_pkce_state_and_nonce(sso_app: Flask, provider: Provider) -> None:
    url = oidc.start(sso_app.test_client())

    assert url.startswith(f"{provider.issuer}/oauth2/authorize?")
    params = oidc.query(url)
    assert params["response_type"] == "code"
    assert params["client_id"] == oidc.CLIENT_ID
    assert params["redirect_uri"] == "http://localhost/logga-in/sso/svar"
    assert params["scope"] == "openid email profile"
    assert params["code_challenge_method"] == "S256"
    assert len(params["code_challenge"]) == 43  # base64url of a SHA-256, no padding
    assert len(params["state"]) >= 20 and len(params["nonce"]) >= 20
    # A second attempt gets its own state and nonce.
    again = oidc.query(oidc.start(sso_app.test_client()))
    assert again["state"] != params["state"] and again["nonce"] != params["nonce"]


def flask_session(app: Flask, client: FlaskClient) -> dict[str, Any]:
    """What the browser's session cookie holds (signed, not encrypted: it is readable)."""
    cookie = client.get_cookie("formserver_session")
    assert cookie is not None
    serializer = app.session_interface.get_signing_serializer(app)  # type: ignore[attr-defined]
    return dict(serializer.loads(cookie.value))


def test_an_employee_signs_in(sso_app: Flask, provider: Provider) -> None:
    provider.person("anna-sub", email=EMAIL["employee_a"], name="Anna E")
    client = sso_app.test_client()
    url = oidc.start(client)
    during = flask_session(sso_app, client)
    assert [key for key in during if key.startswith("_state_sso_")], "Authlib's flow state"

    response = client.get(oidc.authorize(url, "anna-sub"))

    assert response.status_code == 302
    assert response.location == "/"
    assert signed_in_as(client) == "Inloggad som Anna Exempelsson"
    # A new session replaces the flow's: nothing of Authlib's state, nonce or verifier is left.
    after = flask_session(sso_app, client)
    assert sorted(after) == ["_permanent", "csrf", "sid"]
    anna = person(sso_app, "employee_a")
    [row] = sessions(sso_app)
    assert (row["person_id"], row["method"], row["ended_at"]) == (anna.id, "sso", None)
    assert row["id_token"].count(".") == 2  # kept for the provider's logout
    assert sign_in_audit(sso_app) == [(anna.id, "sso", "ok")]
    [address] = [r[0] for r in conn(sso_app).execute(SIGN_IN_CLIENTS)]
    assert address == "127.0.0.1"  # the browser's, as for every entry made during a request
    audit_text = "\n".join(str(tuple(r)) for r in conn(sso_app).execute("SELECT * FROM audit_log"))
    assert row["id_token"] not in audit_text and "anna-sub" not in audit_text


def test_a_manager_comes_back_to_the_page_they_asked_for(
    sso_app: Flask, provider: Provider
) -> None:
    provider.person("karin-sub", email=EMAIL["manager"])
    client = sso_app.test_client()
    wanted = client.get("/chef")
    assert wanted.location == "/inloggning-kravs?next=/chef"

    response = oidc.sign_in(client, "karin-sub", "/logga-in/sso?next=/chef")

    assert response.location == "/chef"
    assert client.get("/chef").status_code == 200
    assert signed_in_as(client) == "Inloggad som Karin Chefsberg"


def test_the_page_to_come_back_to_stays_on_this_site(sso_app: Flask, provider: Provider) -> None:
    provider.person("karin-sub", email=EMAIL["manager"])
    client = sso_app.test_client()

    response = oidc.sign_in(client, "karin-sub", "/logga-in/sso?next=//evil.example/")

    assert response.location == "/"


def test_every_sign_in_gets_a_new_session_id_and_ends_the_old_one(
    sso_app: Flask, provider: Provider
) -> None:
    provider.person("anna-sub", email=EMAIL["employee_a"])
    client = sso_app.test_client()
    oidc.sign_in(client, "anna-sub")
    first = client.get_cookie("formserver_session")
    assert first is not None

    oidc.sign_in(client, "anna-sub")

    second = client.get_cookie("formserver_session")
    assert second is not None and second.value != first.value
    old, new = sessions(sso_app)
    assert old["id_hash"] != new["id_hash"]
    assert old["ended_at"] is not None and old["id_token"] is None
    assert new["ended_at"] is None
    replay = sso_app.test_client()
    replay.set_cookie("formserver_session", first.value)
    assert replay.get("/chef").status_code == 302


def test_the_roster_claim_can_be_the_employee_number(
    sso_service: SsoService, provider: Provider
) -> None:
    app = sso_service(
        provider, OIDC_ROSTER_CLAIM="employee_number", OIDC_ROSTER_FIELD="employee_number"
    )
    # The e-mail address says someone else: the configured claim decides.
    provider.person("x-17", employee_number="A1", email=EMAIL["employee_b"])
    client = app.test_client()

    assert oidc.sign_in(client, "x-17").status_code == 302

    assert signed_in_as(client) == "Inloggad som Anna Exempelsson"


def test_an_address_is_matched_whatever_its_case(sso_app: Flask, provider: Provider) -> None:
    provider.person("anna-sub", email="Anna.Exempelsson@EXAMPLE.se")
    client = sso_app.test_client()

    oidc.sign_in(client, "anna-sub")

    assert signed_in_as(client) == "Inloggad som Anna Exempelsson"


# --- Refusals: what the person reads, what the auditor finds, and no session --------------------


def assert_refused(
    app: Flask,
    response: Any,
    status: int,
    heading: str,
    outcome: str,
    actor: str | None = None,
    sessions_before: int = 0,
) -> None:
    """The page says why, no session was started, and the audit log has the attempt."""
    assert response.status_code == status, response.text
    page = parse(response.text)
    assert text_of(one(page, "h1")) == heading
    assert len(sessions(app)) == sessions_before
    assert sign_in_audit(app)[-1] == (actor, "sso", outcome)
    assert "Inloggad som" not in response.text


def test_an_unknown_person_gets_a_clear_page_and_the_attempt_is_audited(
    sso_app: Flask, provider: Provider
) -> None:
    provider.person("stranger", email="ny.person@example.se")

    response = oidc.sign_in(sso_app.test_client(), "stranger")

    assert_refused(sso_app, response, 403, "Du finns inte i personallistan", "unknown")
    assert "Kontakta HR" in response.text
    [address] = [r[0] for r in conn(sso_app).execute(SIGN_IN_CLIENTS)]
    assert address == "127.0.0.1"
    assert "Organisationens inloggning uppgav: <strong>ny.person@example.se</strong>" in (
        response.text
    )
    audit_text = "\n".join(str(tuple(r)) for r in conn(sso_app).execute("SELECT * FROM audit_log"))
    assert "ny.person@example.se" not in audit_text


def test_a_person_who_has_left_cannot_sign_in(sso_app: Flask, provider: Provider) -> None:
    provider.person("lars-sub", email=EMAIL["leaver"])

    response = oidc.sign_in(sso_app.test_client(), "lars-sub")

    leaver = person(sso_app, "leaver")
    assert_refused(sso_app, response, 403, "Du kan inte logga in", "left", leaver.id)
    assert "Du finns inte längre med i personallistan" in response.text


def test_a_token_without_the_roster_claim_is_refused(
    sso_service: SsoService, provider: Provider
) -> None:
    app = sso_service(
        provider, OIDC_ROSTER_CLAIM="employee_number", OIDC_ROSTER_FIELD="employee_number"
    )
    provider.person("anna-sub", email=EMAIL["employee_a"])

    response = oidc.sign_in(app.test_client(), "anna-sub")

    assert_refused(app, response, 403, "Vi vet inte vem du är", "claim_missing")


def test_an_unverified_address_is_refused(sso_app: Flask, provider: Provider) -> None:
    provider.person("anna-sub", email=EMAIL["employee_a"], email_verified=False)

    response = oidc.sign_in(sso_app.test_client(), "anna-sub")

    assert_refused(sso_app, response, 403, "E-postadressen är inte bekräftad", "email_unverified")


def test_a_wrong_state_is_refused(sso_app: Flask, provider: Provider) -> None:
    provider.person("anna-sub", email=EMAIL["employee_a"])
    client = sso_app.test_client()
    back = oidc.authorize(oidc.start(client), "anna-sub")

    response = client.get(oidc.with_query(back, state="not-the-state-we-sent"))

    assert_refused(sso_app, response, 400, "Inloggningen kunde inte slutföras", "state")
    assert "Börja om" in response.text
    assert text_of(one(parse(response.text), "a", href="/logga-in/sso")) == (
        f"Logga in med {NAME} igen"
    )


def test_only_the_latest_flow_of_a_browser_can_finish(sso_app: Flask, provider: Provider) -> None:
    """Pressing the button again replaces the flow's state, so the cookie cannot grow."""
    provider.person("anna-sub", email=EMAIL["employee_a"])
    client = sso_app.test_client()
    first = oidc.start(client)
    for _ in range(10):
        latest = oidc.start(client)
    states = [key for key in flask_session(sso_app, client) if key.startswith("_state_sso_")]
    assert states == [f"_state_sso_{oidc.query(latest)['state']}"]

    stale = client.get(oidc.authorize(first, "anna-sub"))

    assert_refused(sso_app, stale, 400, "Inloggningen kunde inte slutföras", "state")
    assert client.get(oidc.authorize(latest, "anna-sub")).status_code == 302
    assert signed_in_as(client) == "Inloggad som Anna Exempelsson"


def test_an_answer_meant_for_another_browser_is_refused(sso_app: Flask, provider: Provider) -> None:
    """Login CSRF: a callback URL from the attacker's own flow, opened in the victim's browser."""
    provider.person("anna-sub", email=EMAIL["employee_a"])
    back = oidc.authorize(oidc.start(sso_app.test_client()), "anna-sub")

    response = sso_app.test_client().get(back)

    assert_refused(sso_app, response, 400, "Inloggningen kunde inte slutföras", "state")


def test_a_replayed_callback_is_refused(sso_app: Flask, provider: Provider) -> None:
    provider.person("anna-sub", email=EMAIL["employee_a"])
    client = sso_app.test_client()
    back = oidc.authorize(oidc.start(client), "anna-sub")
    assert client.get(back).status_code == 302
    [first] = sessions(sso_app)

    again = client.get(back)

    assert again.status_code == 400
    assert text_of(one(parse(again.text), "h1")) == "Inloggningen kunde inte slutföras"
    assert sessions(sso_app) == [first]
    assert sign_in_audit(sso_app)[-1] == (None, "sso", "state")


def test_a_used_code_is_refused_by_the_provider(sso_app: Flask, provider: Provider) -> None:
    """A code seen once (in a log, a proxy), tried again in a fresh flow with a valid state:
    the provider itself refuses the second use."""
    provider.person("anna-sub", email=EMAIL["employee_a"])
    anna = sso_app.test_client()
    used = oidc.authorize(oidc.start(anna), "anna-sub")
    assert anna.get(used).status_code == 302
    thief = sso_app.test_client()
    fresh_state = oidc.query(oidc.start(thief))["state"]

    response = thief.get(oidc.with_query(used, state=fresh_state))

    assert_refused(
        sso_app, response, 400, "Inloggningen misslyckades", "provider_error", sessions_before=1
    )


def test_a_token_for_another_audience_is_refused(sso_service: SsoService) -> None:
    with oidc.running_provider(wrap=oidc.issuing_for("another-service")) as provider:
        app = sso_service(provider)
        provider.person("anna-sub", email=EMAIL["employee_a"])

        response = oidc.sign_in(app.test_client(), "anna-sub")

        assert_refused(app, response, 400, "Inloggningen kunde inte godkännas", "token_invalid")
        assert "inte avsett för den här tjänsten" in response.text


def test_an_expired_id_token_is_refused(sso_service: SsoService) -> None:
    with oidc.running_provider(access_token_max_age=oidc.EXPIRED) as provider:
        app = sso_service(provider)
        provider.person("anna-sub", email=EMAIL["employee_a"])

        response = oidc.sign_in(app.test_client(), "anna-sub")

        assert_refused(app, response, 400, "Inloggningen kunde inte godkännas", "token_invalid")


def test_a_token_signed_with_a_key_the_issuer_does_not_publish_is_refused(
    sso_service: SsoService,
) -> None:
    """A second provider that calls itself by the first one's issuer (so iss, aud, nonce and
    exp are all right) answers the token request: only its signing key is wrong."""
    with oidc.running_provider() as real:
        issuer_host = real.issuer.removeprefix("http://")
        with oidc.running_provider(wrap=oidc.answering_as(issuer_host)) as forger:
            app = sso_service(real)
            # The service's cached discovery, with the forger's code and token endpoints.
            authlib_client = app.extensions["authlib.integrations.flask_client"].create_client(
                "sso"
            )
            metadata = authlib_client.load_server_metadata()
            metadata["authorization_endpoint"] = f"{forger.issuer}/oauth2/authorize"
            metadata["token_endpoint"] = f"{forger.issuer}/oauth2/token"
            forger.person("anna-sub", email=EMAIL["employee_a"])

            response = oidc.sign_in(app.test_client(), "anna-sub")

    assert_refused(app, response, 400, "Inloggningen kunde inte godkännas", "token_invalid")


def test_a_person_who_cancels_at_the_provider_is_told_so(
    sso_app: Flask, provider: Provider
) -> None:
    client = sso_app.test_client()
    back = oidc.authorize(oidc.start(client), "", deny=True)

    response = client.get(back)

    assert_refused(sso_app, response, 400, "Inloggningen avbröts", "cancelled")
    assert parse(response.text).find_all("a", href="/ny-lank")


def test_an_unreachable_provider_gets_a_swedish_page(sso_service: SsoService) -> None:
    with oidc.running_provider() as gone:
        pass
    app = sso_service(gone)

    response = app.test_client().get("/logga-in/sso")

    assert_refused(app, response, 503, "Inloggningen fungerar inte just nu", "unavailable")
    assert parse(response.text).find_all("a", href="/ny-lank")
