"""Nobody else reaches a follow-up, and a follow-up changed in the database is refused."""

from __future__ import annotations

import pytest
from flask import Flask

from tests.factories import SignIn, conn, csrf_token, data_dump, person
from tests.views.followup_helpers import (
    RESULT,
    followup_rows,
    followup_url,
    open_followup,
    post_followup,
    row_ids,
)
from tests.views.plan_helpers import GOAL, NOT_FOUND, NOT_VERIFIED, signed_plan
from tests.views.prepare_helpers import audit_since, last_audit_id

# --- 4. nobody else -------------------------------------------------------------------------------


@pytest.mark.parametrize("method", ["GET", "POST"])
@pytest.mark.parametrize("role", ["employee_b", "other_manager", "hr"])
def test_others_get_404_an_audited_denial_and_change_nothing(
    app: Flask, signed_in: SignIn, role: str, method: str
) -> None:
    talk, _, employee = signed_plan(app)
    goal_row, _ = row_ids(open_followup(employee, talk))
    intruder = signed_in(role)
    token = csrf_token(intruder.get("/").text)
    before_data, before = data_dump(app), last_audit_id(app)

    if method == "GET":
        response = intruder.get(followup_url(talk))
    else:
        response = intruder.post(
            followup_url(talk),
            data={
                "csrf_token": token,
                f"status_{goal_row}": "klar",
                f"result_{goal_row}": "Ändrat av någon annan",
                f"version_{goal_row}": "0",
            },
        )

    assert response.status_code == 404
    assert NOT_FOUND in response.text
    assert GOAL not in response.text
    assert data_dump(app) == before_data
    assert [
        (r["outcome"], r["actor_id"], r["object_id"], r["detail"]) for r in audit_since(app, before)
    ] == [("denied", person(app, role).id, talk.id, f"{method} {followup_url(talk)}")]


# --- 5. a follow-up changed behind the service's back is refused ----------------------------------


def test_a_followup_changed_in_the_database_is_refused_and_audited(app: Flask) -> None:
    talk, manager, employee = signed_plan(app)
    goal_row, _ = row_ids(open_followup(employee, talk))
    assert (
        post_followup(
            employee, talk, {f"status_{goal_row}": "pagar", f"result_{goal_row}": RESULT}
        ).status_code
        == 302
    )
    (stored, _) = followup_rows(app, talk)
    conn(app).execute(
        "UPDATE followups SET status = 'klar', result = 'Allt klart!' WHERE id = ?",
        (stored["id"],),
    )
    before = last_audit_id(app)

    for browser in (employee, manager):
        response = browser.get(followup_url(talk))
        assert response.status_code == 500
        assert NOT_VERIFIED in response.text
        assert "Allt klart!" not in response.text and RESULT not in response.text

    failures = [r for r in audit_since(app, before) if r["action"] == "record.verify"]
    assert [(r["outcome"], r["object_type"], r["object_id"]) for r in failures] == [
        ("failed", "followup", stored["id"]),
        ("failed", "followup", stored["id"]),
    ]
