"""Single-use sign-in links and server-checked sessions, through HTTP as a browser uses them."""

from __future__ import annotations

import threading
import time
from datetime import timedelta

import pytest
from flask import Flask
from flask.testing import FlaskClient

from formserver.security import tokens
from formserver.services import sign_in as signin
from formserver.store import db
from tests.factories import SignIn, conn, csrf_token, link_token, person

BAD_LINK = "Länken fungerar inte."


def sessions(app: Flask) -> int:
    return int(conn(app).execute("SELECT count(*) FROM sessions").fetchone()[0])


def test_opening_the_link_uses_nothing(app: Flask, client: FlaskClient) -> None:
    token = link_token(app, "employee_a", target="/chef")
    for _ in range(2):
        assert client.get(f"/logga-in/{token}").status_code == 200
        assert client.head(f"/logga-in/{token}").status_code == 200
    page = client.get(f"/logga-in/{token}")
    assert "Tryck på knappen för att logga in." in page.text
    assert sessions(app) == 0
    done = client.post(f"/logga-in/{token}", data={"csrf_token": csrf_token(page.text)})
    assert done.status_code == 302
    assert done.location == "/chef"
    assert token not in done.location
    assert sessions(app) == 1


def test_the_sign_in_page_sends_no_referer_so_the_token_stays_out_of_logs(
    app: Flask, client: FlaskClient
) -> None:
    token = link_token(app, "employee_a")
    page = client.get(f"/logga-in/{token}")
    assert page.status_code == 200
    assert page.headers["Referrer-Policy"] == "no-referrer"
    # The page loads its stylesheet from the service: without a Referer, no proxy log
    # between the browser and the service sees the token.
    assert '<link rel="stylesheet" href="/static/service.css">' in page.text
    assert client.get("/").headers["Referrer-Policy"] == "same-origin"


def test_a_link_works_once(app: Flask, client: FlaskClient) -> None:
    token = link_token(app, "employee_a")
    page = client.get(f"/logga-in/{token}")
    client.post(f"/logga-in/{token}", data={"csrf_token": csrf_token(page.text)})
    again = app.test_client()
    second = again.get(f"/logga-in/{token}")
    assert second.status_code == 400
    assert "Länken har redan använts." in second.text
    assert "Be om en ny inloggningslänk" in second.text


def test_confirmation_without_csrf_token_signs_nobody_in(app: Flask, client: FlaskClient) -> None:
    token = link_token(app, "employee_a")
    response = client.post(f"/logga-in/{token}", data={})
    assert response.status_code == 400
    assert "Tryck på knappen igen" in response.text
    assert sessions(app) == 0


def test_sign_in_makes_a_fresh_session_with_exact_cookie_flags(
    app: Flask, client: FlaskClient
) -> None:
    token = link_token(app, "employee_a")
    page = client.get(f"/logga-in/{token}")
    before = client.get_cookie("formserver_session")
    assert before is not None
    response = client.post(f"/logga-in/{token}", data={"csrf_token": csrf_token(page.text)})
    cookie = response.headers["Set-Cookie"]
    assert cookie.startswith("formserver_session=")
    assert "HttpOnly" in cookie and "SameSite=Lax" in cookie and "Path=/" in cookie
    after = client.get_cookie("formserver_session")
    assert after is not None and after.value != before.value


def _at(monkeypatch: pytest.MonkeyPatch, offset: timedelta) -> None:
    real = time.time
    monkeypatch.setattr("itsdangerous.timed.time.time", lambda: real() + offset.total_seconds())


def test_an_expired_link_says_so(
    app: Flask, client: FlaskClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    token = link_token(app, "employee_a")
    _at(monkeypatch, timedelta(days=22))
    response = client.get(f"/logga-in/{token}")
    assert response.status_code == 400
    assert "Länken har gått ut." in response.text


def test_a_link_dated_in_the_future_is_refused(
    app: Flask, client: FlaskClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    _at(monkeypatch, timedelta(days=2))
    token = link_token(app, "employee_a")
    monkeypatch.undo()
    response = client.get(f"/logga-in/{token}")
    assert response.status_code == 400
    assert "Länken har gått ut." in response.text


def _variants(app: Flask) -> dict[str, str]:
    token = link_token(app, "employee_a")
    other_purpose = tokens.dump([app.config["SECRET_KEY"]], tokens.CSRF_SALT, "x" * 43)
    retired = tokens.dump(["r" * 48], tokens.SIGN_IN_SALT, "y" * 43)
    return {
        "truncated": token[:-5],
        "altered": token[:-1] + ("A" if token[-1] != "A" else "B"),
        "padded": token + "====",
        "long": "A" * 5000,
        "nul": token + "%00",
        "other-purpose": other_purpose,
        "retired-key": retired,
        "non-ascii": token + "%C3%A5",
    }


@pytest.mark.parametrize(
    "kind",
    ["truncated", "altered", "padded", "long", "nul", "other-purpose", "retired-key", "non-ascii"],
)
def test_a_broken_link_gets_a_clear_swedish_page(
    app: Flask, client: FlaskClient, kind: str
) -> None:
    token = _variants(app)[kind]
    for response in (
        client.get(f"/logga-in/{token}"),
        client.post(f"/logga-in/{token}", data={"csrf_token": "x"}),
    ):
        assert response.status_code == 400
        assert BAD_LINK in response.text or "Tryck på knappen igen" in response.text
    assert sessions(app) == 0


def test_no_token_at_all_is_a_plain_404(client: FlaskClient) -> None:
    response = client.get("/logga-in/")
    assert response.status_code == 404
    assert "Sidan finns inte" in response.text


def test_a_revoked_link_is_refused(app: Flask, client: FlaskClient) -> None:
    from formserver.store import auth

    token = link_token(app, "employee_a")
    auth.revoke_links(conn(app), person(app, "employee_a").id, db.utc_now())
    response = client.get(f"/logga-in/{token}")
    assert response.status_code == 400
    assert "Länken har spärrats." in response.text


def test_twenty_parallel_confirmations_make_one_session(app: Flask) -> None:
    token = link_token(app, "employee_a")
    clients = [app.test_client() for _ in range(20)]
    pages = [c.get(f"/logga-in/{token}") for c in clients]
    statuses: list[int] = []
    barrier = threading.Barrier(20)

    def confirm(index: int) -> None:
        barrier.wait()
        response = clients[index].post(
            f"/logga-in/{token}", data={"csrf_token": csrf_token(pages[index].text)}
        )
        statuses.append(response.status_code)
        db.close_thread_connections()

    threads = [threading.Thread(target=confirm, args=(i,)) for i in range(20)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(statuses) == [302] + [400] * 19
    assert sessions(app) == 1


def _age_session(app: Flask, **ago: timedelta) -> None:
    now = db.utc_now()
    for column, delta in ago.items():
        conn(app).execute(f"UPDATE sessions SET {column} = ?", (db.iso(now - delta),))


@pytest.mark.parametrize(
    "ago",
    [
        {"last_seen_at": timedelta(minutes=31)},
        {"created_at": timedelta(hours=8, minutes=1)},
    ],
    ids=["idle", "absolute"],
)
def test_sessions_time_out_on_the_server(
    app: Flask, signed_in: SignIn, ago: dict[str, timedelta]
) -> None:
    client = signed_in("employee_a")
    assert client.get("/chef").status_code == 200
    _age_session(app, **ago)
    response = client.get("/chef")
    assert response.status_code == 302
    assert response.location.startswith("/inloggning-kravs")
    ended = conn(app).execute("SELECT ended_at FROM sessions").fetchone()[0]
    assert ended is not None


def test_a_cookie_replayed_after_logout_is_refused(app: Flask, signed_in: SignIn) -> None:
    client = signed_in("employee_a")
    cookie = client.get_cookie("formserver_session")
    assert cookie is not None
    home = client.get("/")
    out = client.post("/logga-ut", data={"csrf_token": csrf_token(home.text)})
    assert out.status_code == 302
    replay = app.test_client()
    replay.set_cookie("formserver_session", cookie.value)
    response = replay.get("/chef")
    assert response.status_code == 302
    assert response.location.startswith("/inloggning-kravs")


def test_logout_needs_the_csrf_token(signed_in: SignIn) -> None:
    client = signed_in("employee_a")
    assert client.post("/logga-ut", data={}).status_code == 400
    assert client.get("/chef").status_code == 200


def test_a_person_who_has_left_cannot_sign_in(app: Flask, client: FlaskClient) -> None:
    token = link_token(app, "leaver")
    page = client.get(f"/logga-in/{token}")
    response = client.post(f"/logga-in/{token}", data={"csrf_token": csrf_token(page.text)})
    assert response.status_code == 400
    assert "Du finns inte längre med i personallistan" in response.text
    assert client.get("/chef").status_code == 302


@pytest.mark.parametrize(
    "target",
    ["//evil.example", "https://evil.example/", "/\\evil.example", "javascript:alert(1)", ""],
)
def test_sign_in_never_redirects_off_site(target: str) -> None:
    assert signin.safe_target(target) == "/"


def test_next_parameter_goes_nowhere(client: FlaskClient) -> None:
    response = client.get("/inloggning-kravs?next=//evil.example")
    assert response.status_code == 200
    assert "evil.example" not in response.text


def test_sign_in_is_audited_without_the_token(app: Flask, client: FlaskClient) -> None:
    token = link_token(app, "employee_a")
    page = client.get(f"/logga-in/{token}")
    client.post(f"/logga-in/{token}", data={"csrf_token": csrf_token(page.text)})
    rows = conn(app).execute("SELECT * FROM audit_log WHERE action = 'sign_in'").fetchall()
    assert [(r["actor_id"], r["outcome"]) for r in rows] == [(person(app, "employee_a").id, "ok")]
    dump = "\n".join(conn(app).iterdump())
    assert token not in dump
    assert token.split(".")[0] not in dump
