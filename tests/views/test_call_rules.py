"""Calling a talk: short notice, wrong dates, a stale version and who may call."""

from __future__ import annotations

from urllib.parse import urlsplit

import pytest
from flask import Flask
from flask.testing import FlaskClient

from tests.factories import SignIn, csrf_token, data_dump, person, site_config_of, talk_of
from tests.views.call_helpers import MESSAGE_SHOWN, PLACE, audit_rows, in_days, post_call, talk_row

# --- Short notice and wrong dates ----------------------------------------------------------


def test_short_notice_warns_first_and_calls_when_confirmed(app: Flask, signed_in: SignIn) -> None:
    client = signed_in("manager")
    talk = talk_of(app, "employee_a")
    before = data_dump(app)

    warned = post_call(client, talk.id, in_days(3))

    assert warned.status_code == 400
    assert "Kort tid att förbereda sig" in warned.text
    assert "Samtalet är om 3 dagar." in warned.text
    assert 'name="short_notice_ok" value="y"' in warned.text
    assert f'value="{PLACE}"' in warned.text
    assert f">{MESSAGE_SHOWN}</textarea>" in warned.text
    assert data_dump(app) == before
    assert talk_row(app, talk.id)["status"] == "ej_kallad"

    confirmed = post_call(client, talk.id, in_days(3), short_notice_ok="y")

    assert confirmed.status_code == 200, confirmed.text
    assert "Anna Exempelsson är kallad" in confirmed.text
    stored = talk_row(app, talk.id)
    assert stored["status"] == "kallad"
    assert stored["starts_at"].startswith(in_days(3).isoformat())


@pytest.mark.parametrize(("days", "warned"), [(13, True), (14, False)])
def test_notice_boundary_is_the_configured_days(
    app: Flask, signed_in: SignIn, days: int, warned: bool
) -> None:
    assert site_config_of(app).policies.call_notice_days == 14
    talk = talk_of(app, "employee_a")

    response = post_call(signed_in("manager"), talk.id, in_days(days))

    assert response.status_code == (400 if warned else 200)
    assert ("Kort tid att förbereda sig" in response.text) is warned
    assert talk_row(app, talk.id)["status"] == ("ej_kallad" if warned else "kallad")


@pytest.mark.parametrize(
    ("day", "error"),
    [
        (in_days(-1).isoformat(), "Datumet har redan passerat. Välj ett senare datum."),
        ("2026-02-30", "Det datumet finns inte. Skriv datum som ÅÅÅÅ-MM-DD"),
        ("", "Välj ett datum."),
    ],
    ids=["passerat", "finns-inte", "tomt"],
)
def test_a_wrong_date_is_refused_and_typed_text_kept(
    app: Flask, signed_in: SignIn, day: str, error: str
) -> None:
    client = signed_in("manager")
    talk = talk_of(app, "employee_a")
    before = data_dump(app)

    response = post_call(client, talk.id, day)

    assert response.status_code == 400
    assert "Något behöver rättas" in response.text
    assert f"Datum: {error}" in response.text
    assert f'value="{PLACE}"' in response.text
    assert f">{MESSAGE_SHOWN}</textarea>" in response.text
    assert data_dump(app) == before


def test_a_stale_version_overwrites_nothing(app: Flask, signed_in: SignIn) -> None:
    client = signed_in("manager")
    talk = talk_of(app, "employee_a")
    assert post_call(client, talk.id, in_days(21)).status_code == 200
    before = data_dump(app)

    stale = post_call(
        client,
        talk.id,
        in_days(28),
        version="1",
        place="Rum Björken",
        message="Nytt meddelande som inte får försvinna",
    )

    assert stale.status_code == 409
    assert "Någon annan har ändrat kallelsen" in stale.text
    assert 'value="Rum Björken"' in stale.text
    assert ">Nytt meddelande som inte får försvinna</textarea>" in stale.text
    assert '<input type="hidden" name="version" value="2">' in stale.text
    assert data_dump(app) == before
    stored = talk_row(app, talk.id)
    assert (stored["place"], stored["version"]) == (PLACE, 2)
    assert stored["starts_at"].startswith(in_days(21).isoformat())

    again = post_call(client, talk.id, in_days(28), version="2", place="Rum Björken")

    assert again.status_code == 200, again.text
    assert talk_row(app, talk.id)["place"] == "Rum Björken"


# --- Who may call --------------------------------------------------------------------------


@pytest.mark.parametrize("role", ["employee_a", "employee_b", "other_manager", "hr"])
@pytest.mark.parametrize("method", ["GET", "POST"])
def test_only_the_talks_manager_may_call(
    app: Flask, signed_in: SignIn, role: str, method: str
) -> None:
    client = signed_in(role)
    talk = talk_of(app, "employee_a")
    token = csrf_token(client.get("/ny-lank").text)  # a valid token of this session
    before, audited = data_dump(app), len(audit_rows(app))

    if method == "GET":
        response = client.get(f"/samtal/{talk.id}/kalla")
    else:
        response = client.post(
            f"/samtal/{talk.id}/kalla",
            data={
                "csrf_token": token,
                "version": "1",
                "day": in_days(21).isoformat(),
                "start": "10:00",
                "duration": "60",
                "place": "Hos mig",
            },
        )

    assert response.status_code == 404
    assert "Sidan finns inte" in response.text
    assert data_dump(app) == before
    [denial] = audit_rows(app)[audited:]
    assert denial["actor_id"] == person(app, role).id
    assert (denial["action"], denial["outcome"]) == ("talk.call", "denied")
    assert (denial["object_type"], denial["object_id"]) == ("talk", talk.id)
    assert denial["detail"] == f"{method} /samtal/{talk.id}/kalla"


@pytest.mark.parametrize("method", ["GET", "POST"])
def test_anonymous_is_sent_to_sign_in(app: Flask, client: FlaskClient, method: str) -> None:
    talk = talk_of(app, "employee_a")
    before = data_dump(app)

    response = client.open(
        f"/samtal/{talk.id}/kalla",
        method=method,
        data={"day": in_days(21).isoformat()} if method == "POST" else None,
    )

    if method == "POST":
        # A POST without a session: nothing saved, the sign-in page with the typed text back.
        assert response.status_code == 401
        assert "Du behöver logga in" in response.text
    else:
        assert response.status_code == 302
        assert urlsplit(response.location).path == "/inloggning-kravs"
    assert data_dump(app) == before
