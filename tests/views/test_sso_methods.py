"""Which ways each role may sign in (SIGN_IN_METHODS), checked at sign-in: an old link of a
manager who may only use single sign-on is refused and left unused, `/ny-lank` sends it no
link, and the HR role can come from a group claim."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient

from tests import oidc
from tests.factories import (
    EMAIL,
    conn,
    csrf_token,
    link_token,
    make_service,
    person,
    sent_after_response,
    sign_in,
)
from tests.oidc import NAME, Provider, SsoService
from tests.smtp import HOST, LoopbackSMTP
from tests.views.soup import one, parse, text_of

provider = oidc.provider  # the fixtures, for the tests in this module (smtp_server: conftest)
sso_service = oidc.sso_service

LINKS_AND_SSO = ["link", "sso"]
MANAGERS_BY_SSO = {"employee": LINKS_AND_SSO, "manager": ["sso"], "hr": ["sso"]}
HR_GROUP = "medarbetarsamtal-hr"


@pytest.fixture
def sso_app(tmp_path: Path, provider: Provider, smtp_server: LoopbackSMTP) -> Iterator[Flask]:
    """Everyone may use both ways until a test changes SIGN_IN_METHODS (as after a restart)."""
    yield from make_service(
        tmp_path,
        SMTP_HOST=HOST,
        SMTP_PORT=smtp_server.port,
        **provider.settings(OIDC_HR_GROUP=HR_GROUP),
    )


def only_sso_for_managers_and_hr(app: Flask) -> None:
    """The setting changes (in production: a new value and a restart)."""
    app.config["SIGN_IN_METHODS"] = MANAGERS_BY_SSO


def used_at(app: Flask, role: str) -> list[str | None]:
    rows = conn(app).execute(
        "SELECT used_at FROM sign_in_links WHERE person_id = ? ORDER BY created_at",
        (person(app, role).id,),
    )
    return [r[0] for r in rows]


def sign_in_audit(app: Flask) -> list[tuple[str | None, str, str]]:
    rows = conn(app).execute(
        "SELECT actor_id, detail, outcome FROM audit_log WHERE action = 'sign_in' ORDER BY id"
    )
    return [(r["actor_id"], r["detail"], r["outcome"]) for r in rows]


def live_sessions(app: Flask) -> int:
    query = "SELECT count(*) FROM sessions WHERE ended_at IS NULL"
    return int(conn(app).execute(query).fetchone()[0])


def test_a_managers_old_link_is_refused_once_only_sso_is_allowed(
    sso_app: Flask, provider: Provider
) -> None:
    token = link_token(sso_app, "manager", target="/chef")  # made while links were allowed
    client = sso_app.test_client()
    opened_before = client.get(f"/logga-in/{token}")
    assert opened_before.status_code == 200
    only_sso_for_managers_and_hr(sso_app)

    page = client.get(f"/logga-in/{token}")

    assert page.status_code == 403
    tree = parse(page.text)
    assert text_of(one(tree, "h1")) == "Logga in på annat sätt"
    assert "Du loggar in med organisationens inloggning, inte med länk." in page.text
    assert "Länken har inte använts." in page.text
    button = one(tree, "a", class_="button")
    assert (text_of(button), button.attrs["href"]) == (
        f"Logga in med {NAME}",
        "/logga-in/sso?next=/chef",
    )
    assert not tree.find_all("a", href="/ny-lank")

    # Pressing "Logga in" on the confirmation page opened earlier is refused the same way.
    token_field = csrf_token(opened_before.text)
    pressed = client.post(f"/logga-in/{token}", data={"csrf_token": token_field})

    assert pressed.status_code == 403
    assert "Länken har inte använts." in pressed.text
    assert used_at(sso_app, "manager") == [None]
    assert live_sessions(sso_app) == 0
    assert sign_in_audit(sso_app) == [(person(sso_app, "manager").id, "", "sso_only")]

    # The button on the page: through the provider, and on to the page the link was for.
    provider.person("karin-sub", email=EMAIL["manager"])
    done = oidc.sign_in(client, "karin-sub", button.attrs["href"])
    assert done.location == "/chef"
    assert client.get("/chef").status_code == 200


def test_an_employees_link_still_works_when_only_managers_must_use_sso(sso_app: Flask) -> None:
    only_sso_for_managers_and_hr(sso_app)
    client = sso_app.test_client()

    sign_in(client, sso_app, "employee_a")

    assert "Inloggad som Anna Exempelsson" in client.get("/").text


@pytest.mark.parametrize(
    ("role", "methods"),
    [
        # Tove manages the managers and has no talk as manager: named in the roster suffices.
        ("boss", {"employee": LINKS_AND_SSO, "manager": ["sso"], "hr": LINKS_AND_SSO}),
        # Hanna is HR and manages nobody: the HR rule decides.
        ("hr", {"employee": LINKS_AND_SSO, "manager": LINKS_AND_SSO, "hr": ["sso"]}),
        # Everyone is an employee.
        ("employee_a", {"employee": ["sso"], "manager": LINKS_AND_SSO, "hr": LINKS_AND_SSO}),
    ],
)
def test_the_strictest_of_a_persons_roles_decides(
    sso_app: Flask, role: str, methods: dict[str, list[str]]
) -> None:
    token = link_token(sso_app, role)
    sso_app.config["SIGN_IN_METHODS"] = methods

    response = sso_app.test_client().get(f"/logga-in/{token}")

    assert response.status_code == 403
    assert "Länken har inte använts." in response.text


def test_a_manager_who_may_only_use_sso_is_mailed_no_link(
    sso_app: Flask, smtp_server: LoopbackSMTP
) -> None:
    only_sso_for_managers_and_hr(sso_app)

    answers = []
    for role in ("manager", "employee_a"):
        browser = sso_app.test_client()
        form = browser.get("/ny-lank")
        answers.append(
            browser.post(
                "/ny-lank", data={"csrf_token": csrf_token(form.text), "email": EMAIL[role]}
            )
        )

    sent_after_response(sso_app)
    manager, employee = answers
    assert manager.status_code == employee.status_code == 200
    assert manager.text == employee.text  # the same answer for everyone, as for unknown addresses
    assert smtp_server.rcpt_tos == [[EMAIL["employee_a"]]]
    assert used_at(sso_app, "manager") == []
    outcomes = conn(sso_app).execute(
        "SELECT actor_id, outcome FROM audit_log WHERE action = 'new_link' ORDER BY id"
    )
    assert [tuple(r) for r in outcomes] == [
        (person(sso_app, "manager").id, "sso_only"),
        (person(sso_app, "employee_a").id, "sent"),
    ]


def test_a_person_who_may_only_use_links_is_refused_sso(sso_app: Flask, provider: Provider) -> None:
    sso_app.config["SIGN_IN_METHODS"] = {"employee": ["link"], "manager": ["link"], "hr": ["link"]}
    provider.person("anna-sub", email=EMAIL["employee_a"])

    response = oidc.sign_in(sso_app.test_client(), "anna-sub")

    assert response.status_code == 403
    page = parse(response.text)
    assert text_of(one(page, "h1")) == "Logga in med länk"
    assert text_of(one(page, "a", href="/ny-lank")) == "Be om en ny inloggningslänk"
    assert live_sessions(sso_app) == 0
    assert sign_in_audit(sso_app) == [
        (person(sso_app, "employee_a").id, "sso", "method_not_allowed")
    ]


# --- The HR role from the provider's groups ----------------------------------------------------


def hr_audit(app: Flask) -> list[tuple[str, str, str]]:
    rows = conn(app).execute(
        "SELECT action, object_id, detail FROM audit_log WHERE action LIKE 'person.%' ORDER BY id"
    )
    return [tuple(r) for r in rows]


def sso_client(app: Flask, provider: Provider, role: str, **claims: Any) -> FlaskClient:
    provider.person(f"{role}-sub", email=EMAIL[role], **claims)
    client = app.test_client()
    assert oidc.sign_in(client, f"{role}-sub").status_code == 302
    return client


def test_the_hr_group_grants_the_hr_role(sso_app: Flask, provider: Provider) -> None:
    client = sso_client(sso_app, provider, "employee_b", groups=["alla", HR_GROUP])

    assert client.get("/hr/").status_code == 200
    assert person(sso_app, "employee_b").is_hr
    assert hr_audit(sso_app) == [("person.grant_hr", person(sso_app, "employee_b").id, "sso-grupp")]


def test_leaving_the_hr_group_takes_the_role_away(sso_app: Flask, provider: Provider) -> None:
    client = sso_client(sso_app, provider, "hr", groups=["alla"])

    assert client.get("/hr/").status_code == 403
    assert not person(sso_app, "hr").is_hr
    assert hr_audit(sso_app) == [("person.revoke_hr", person(sso_app, "hr").id, "sso-grupp")]


def test_a_token_without_groups_leaves_the_hr_role_as_it_is(
    sso_app: Flask, provider: Provider
) -> None:
    client = sso_client(sso_app, provider, "hr")

    assert client.get("/hr/").status_code == 200
    assert hr_audit(sso_app) == []


def test_hr_by_group_must_be_allowed_to_use_sso(sso_app: Flask, provider: Provider) -> None:
    """Whoever the group makes HR counts as HR when the methods are checked."""
    sso_app.config["SIGN_IN_METHODS"] = {
        "employee": LINKS_AND_SSO,
        "manager": LINKS_AND_SSO,
        "hr": ["link"],
    }
    provider.person("bo-sub", email=EMAIL["employee_b"], groups=[HR_GROUP])

    response = oidc.sign_in(sso_app.test_client(), "bo-sub")

    assert response.status_code == 403
    assert not person(sso_app, "employee_b").is_hr
    assert hr_audit(sso_app) == []


def test_without_an_hr_group_the_groups_claim_changes_nothing(
    sso_service: SsoService, provider: Provider
) -> None:
    app = sso_service(provider)

    client = sso_client(app, provider, "employee_b", groups=[HR_GROUP])

    assert client.get("/hr/").status_code == 403
    assert not person(app, "employee_b").is_hr
