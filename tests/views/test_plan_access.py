"""The employee reads the plan, nobody else reaches it, and a tampered plan record is refused."""

from __future__ import annotations

import json

import pytest
from flask import Flask

from formserver.store.talks import Talk
from tests.factories import SignIn, conn, csrf_token, data_dump, person, talk_of
from tests.views.plan_helpers import (
    CHALLENGE,
    GOAL,
    HOW,
    NOT_FOUND,
    NOT_VERIFIED,
    NOTE,
    held_plan,
    open_plan,
    plan_url,
    signature_rows,
    signed_plan,
    standard_plan,
    talk_row,
    version_rows,
    versions,
)
from tests.views.prepare_helpers import audit_since, last_audit_id
from tests.views.soup import parse, text_of

# --- 5. the employee reads everything; nobody else reaches it -----------------------------------


def test_the_employee_reads_everything_recorded_but_cannot_change_it(
    app: Flask, signed_in: SignIn
) -> None:
    talk = talk_of(app, "employee_a")
    manager = signed_in("manager")
    standard_plan(manager, talk)
    employee = signed_in("employee_a")

    html = open_plan(employee, talk)

    document = parse(html)
    typed = [e.get_text() for e in document.find_all(True) if "typed" in e.get("class", [])]
    assert NOTE in typed and GOAL in typed and HOW in typed and CHALLENGE in typed
    assert "Det finns inga privata anteckningar." in text_of(document)
    assert document.find_all("textarea", attrs={"name": "note_arbetssituation"}) == []
    assert not [f for f in document.find_all("form") if f.attrs.get("action", "").endswith("/plan")]
    before_data, before_audit = data_dump(app), last_audit_id(app)

    response = employee.post(
        plan_url(talk),
        data={
            "csrf_token": csrf_token(html),
            "number": "1",
            "edits": "1",
            "action": "spara",
            "note_arbetssituation": "Medarbetaren skriver om",
        },
    )

    assert response.status_code == 404
    assert data_dump(app) == before_data
    new = audit_since(app, before_audit)
    assert [(r["action"], r["outcome"], r["actor_id"], r["object_id"]) for r in new] == [
        ("plan.edit", "denied", person(app, "employee_a").id, talk.id)
    ]
    held = employee.post(plan_url(talk, "/genomford"), data={"csrf_token": csrf_token(html)})
    assert held.status_code == 404
    assert talk_row(app, talk)["status"] != "genomford"


@pytest.mark.parametrize(
    ("method", "suffix"),
    [
        ("GET", ""),
        ("POST", ""),
        ("POST", "/genomford"),
        ("POST", "/signera"),
        ("GET", "/versioner"),
        ("GET", "/utskrift"),
        ("GET", ".pdf"),
    ],
)
@pytest.mark.parametrize("role", ["employee_b", "other_manager", "hr"])
def test_others_get_404_an_audited_denial_and_change_nothing(
    app: Flask, signed_in: SignIn, role: str, method: str, suffix: str
) -> None:
    talk, _, _ = held_plan(app)
    intruder = signed_in(role)
    token = csrf_token(intruder.get("/").text)
    version = versions(app, talk)[0]
    before_data, before_audit = data_dump(app), last_audit_id(app)

    if method == "GET":
        response = intruder.get(plan_url(talk, suffix))
    else:
        response = intruder.post(
            plan_url(talk, suffix),
            data={
                "csrf_token": token,
                "number": str(version.number),
                "edits": str(version.edits),
                "content_hash": version.content_hash,
                "action": "spara",
                "note_arbetssituation": "Ändrat av någon annan",
            },
        )

    assert response.status_code == 404
    assert NOT_FOUND in response.text
    assert NOTE not in response.text and GOAL not in response.text
    assert data_dump(app) == before_data
    new = audit_since(app, before_audit)
    assert [(r["outcome"], r["actor_id"], r["object_type"], r["object_id"]) for r in new] == [
        ("denied", person(app, role).id, "talk", talk.id)
    ]
    assert new[0]["detail"] == f"{method} {plan_url(talk, suffix)}"


def test_anonymous_is_sent_to_sign_in_and_changes_nothing(app: Flask) -> None:
    talk, _, _ = held_plan(app)
    anonymous = app.test_client()
    before = data_dump(app)

    for response in (anonymous.get(plan_url(talk)), anonymous.get(plan_url(talk, ".pdf"))):
        assert response.status_code == 302
        assert response.location.startswith("/inloggning-kravs")
        assert NOTE not in response.text
    posted = anonymous.post(plan_url(talk), data={"note_arbetssituation": "Anonym text"})
    # A form sent without a session: nothing saved, the sender gets their own text back.
    assert posted.status_code == 401
    assert NOTE not in posted.text and GOAL not in posted.text
    assert data_dump(app) == before


# --- 7. a record changed behind the service's back is refused ------------------------------------


def _replace_in_content(app: Flask, talk: Talk, old: str, new: str) -> str:
    (row,) = version_rows(app, talk)
    content = json.loads(row["content"])
    content["notes"]["arbetssituation"] = content["notes"]["arbetssituation"].replace(old, new)
    conn(app).execute(
        "UPDATE plan_versions SET content = ? WHERE id = ?",
        (json.dumps(content, ensure_ascii=False), row["id"]),
    )
    return str(row["id"])


@pytest.mark.parametrize("suffix", ["", "/versioner", "/utskrift", ".pdf"])
@pytest.mark.parametrize("viewer", ["manager", "employee_a"])
def test_plan_content_changed_in_the_database_is_refused_and_audited(
    app: Flask, signed_in: SignIn, viewer: str, suffix: str
) -> None:
    talk = talk_of(app, "employee_a")
    standard_plan(signed_in("manager"), talk)
    browser = signed_in(viewer)
    version_id = _replace_in_content(app, talk, "för mycket", "lagom mycket")
    before = last_audit_id(app)

    response = browser.get(plan_url(talk, suffix))

    assert response.status_code == 500
    assert NOT_VERIFIED in response.text
    assert "lagom mycket" not in response.text and NOTE not in response.text
    assert GOAL not in response.text
    failures = [r for r in audit_since(app, before) if r["action"] == "record.verify"]
    assert [(r["outcome"], r["object_type"], r["object_id"], r["actor_id"]) for r in failures] == [
        ("failed", "plan", version_id, person(app, viewer).id)
    ]


def test_a_signature_changed_in_the_database_is_refused_and_audited(app: Flask) -> None:
    talk, manager, employee = signed_plan(app, comment="Jag håller med.")
    (signature,) = [r for r in signature_rows(app, talk) if r["role"] == "employee"]
    # Signatures have an UPDATE trigger. Someone with access to the file can drop it: do that in
    # this test's own database to simulate tampering behind the service's back.
    conn(app).execute("DROP TRIGGER signatures_final")
    conn(app).execute(
        "UPDATE signatures SET comment = 'Jag håller inte med.' WHERE id = ?", (signature["id"],)
    )
    before = last_audit_id(app)

    for browser in (manager, employee):
        response = browser.get(plan_url(talk))
        assert response.status_code == 500
        assert NOT_VERIFIED in response.text
        assert "Jag håller inte med." not in response.text
        assert NOTE not in response.text

    failures = [r for r in audit_since(app, before) if r["action"] == "record.verify"]
    assert [(r["outcome"], r["object_type"], r["object_id"]) for r in failures] == [
        ("failed", "plan", signature["id"]),
        ("failed", "plan", signature["id"]),
    ]


def test_a_changed_content_hash_is_refused(app: Flask, signed_in: SignIn) -> None:
    talk = talk_of(app, "employee_a")
    manager = signed_in("manager")
    standard_plan(manager, talk)
    (row,) = version_rows(app, talk)
    conn(app).execute(
        "UPDATE plan_versions SET content_hash = ? WHERE id = ?", ("0" * 64, row["id"])
    )

    response = manager.get(plan_url(talk))

    assert response.status_code == 500
    assert NOT_VERIFIED in response.text
    assert NOTE not in response.text
