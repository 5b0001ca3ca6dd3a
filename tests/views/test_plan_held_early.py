"""Marking a talk held long before its booked day asks the manager to confirm first."""

from __future__ import annotations

from datetime import datetime, time

from flask import Flask

from tests.factories import call_directly, csrf_token, in_days, signed_in_browser, talk_of
from tests.views.plan_helpers import (
    call_talk,
    form_with_action,
    open_plan,
    plan_url,
    standard_plan,
    talk_row,
)
from tests.views.prepare_helpers import audit_since, last_audit_id
from tests.views.soup import parse, text_of

CONFIRM = "Ja, samtalet är genomfört, fast det var bokat till ett senare datum"


def test_marking_held_weeks_before_the_booked_day_asks_to_confirm(app: Flask) -> None:
    call_talk(app, talk_of(app, "employee_a"), in_days(20))
    talk = talk_of(app, "employee_a")
    manager = signed_in_browser(app, "manager")
    standard_plan(manager, talk)
    html = open_plan(manager, talk)
    before = last_audit_id(app)

    asked = manager.post(plan_url(talk, "/genomford"), data={"csrf_token": csrf_token(html)})

    assert asked.status_code == 409
    warning = text_of(parse(asked.text).find(id="genomfort-tidigt"))
    assert "Samtalet är bokat om 20 dagar" in warning
    assert in_days(20).isoformat() in warning
    assert talk_row(app, talk)["status"] != "genomford"
    entries = [(r["action"], r["outcome"]) for r in audit_since(app, before)]
    assert ("talk.held", "unconfirmed") in entries

    # The box is never ticked in advance; ticking it and pressing again marks the talk held.
    form = form_with_action(asked.text, "/plan/genomford")
    box = form.find("input", attrs={"name": "early_ok"})
    assert box is not None and "checked" not in box.attrs
    assert text_of(form.find("label", attrs={"for": "early_ok"})) == CONFIRM
    confirmed = manager.post(
        plan_url(talk, "/genomford"), data={"csrf_token": csrf_token(asked.text), "early_ok": "y"}
    )
    assert confirmed.status_code == 302
    assert talk_row(app, talk)["status"] == "genomford"


def test_marking_held_on_or_near_the_booked_day_needs_no_confirmation(app: Flask) -> None:
    # Six days ahead: called at short notice, outside the form (which would ask about that).
    call_directly(app, talk_of(app, "employee_a"), datetime.combine(in_days(6), time(10)))
    talk = talk_of(app, "employee_a")
    manager = signed_in_browser(app, "manager")
    standard_plan(manager, talk)

    done = manager.post(
        plan_url(talk, "/genomford"), data={"csrf_token": csrf_token(open_plan(manager, talk))}
    )

    assert done.status_code == 302
    assert talk_row(app, talk)["status"] == "genomford"
