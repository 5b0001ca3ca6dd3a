"""Moving and cancelling a called talk: the e-mail and the calendar file the employee gets,
read as a mail client and a calendar read them (same UID, higher SEQUENCE, newer DTSTAMP;
METHOD:CANCEL with STATUS:CANCELLED), and the calendar entry's link to the talk's page."""

from __future__ import annotations

import time
from datetime import datetime
from email.message import EmailMessage

from flask import Flask
from icalendar import Calendar

from tests.factories import SignIn, csrf_token, signed_in_browser, talk_of
from tests.smtp import LoopbackSMTP
from tests.views.call_helpers import LINK, in_days, post_call, sign_in_with, talk_row
from tests.views.prepare_helpers import audit_since, last_audit_id

NEW_PLACE = "Rum Björken, plan 2"


def received(msg: EmailMessage) -> tuple[str, Calendar, str]:
    """The body, the attached calendar and the attachment's METHOD parameter."""
    body = msg.get_body(preferencelist=("plain",))
    assert body is not None
    [attachment] = list(msg.iter_attachments())
    assert attachment.get_content_type() == "text/calendar"
    payload = attachment.get_payload(decode=True)
    assert isinstance(payload, bytes)
    text = body.get_content().replace("\r\n", "\n")
    return text, Calendar.from_ical(payload), str(attachment.get_param("method"))


def test_moving_a_talk_updates_the_same_calendar_entry(
    mail_app: Flask, smtp_server: LoopbackSMTP
) -> None:
    manager = signed_in_browser(mail_app, "manager")
    talk = talk_of(mail_app, "employee_a")
    assert post_call(manager, talk.id, in_days(20)).status_code == 200
    time.sleep(1)  # DTSTAMP has whole seconds
    before = last_audit_id(mail_app)

    moved = post_call(
        manager,
        talk.id,
        in_days(22),
        version=str(talk_row(mail_app, talk.id)["version"]),
        place=NEW_PLACE,
        message="Jag fick förhinder, förlåt!",
    )

    assert moved.status_code == 200, moved.text
    assert "<h1>Samtalet med Anna Exempelsson är flyttat</h1>" in moved.text
    first, second = smtp_server.messages
    _, first_calendar, _ = received(first)
    body, calendar, method = received(second)
    assert second["Subject"].startswith("Medarbetarsamtalet är flyttat till ")
    assert "har ändrat tid eller plats för ditt medarbetarsamtal" in body
    assert f"Var: {NEW_PLACE}" in body
    assert "Jag fick förhinder, förlåt!" in body
    assert "ersätter den du fick tidigare" in body
    [old_event], [event] = first_calendar.events, calendar.events
    assert (calendar["METHOD"], method) == ("REQUEST", "REQUEST")
    assert event["UID"] == old_event["UID"] == f"{talk.id}@medarbetarsamtal"
    assert (old_event["SEQUENCE"], event["SEQUENCE"]) == (0, 1)
    assert event["DTSTAMP"].dt > old_event["DTSTAMP"].dt
    assert event.start.date() == in_days(22)
    assert str(event["LOCATION"]) == NEW_PLACE
    assert talk_row(mail_app, talk.id)["calendar_sequence"] == 1
    actions = [(r["action"], r["outcome"]) for r in audit_since(mail_app, before)]
    assert ("talk.move", "ok") in actions and ("talk.invitation_mail", "ok") in actions

    # The fresh link in the e-mail signs her in; the calendar holds no sign-in link at all.
    [link] = LINK.findall(body)
    _, target = sign_in_with(mail_app, link)
    assert target.endswith(f"/samtal/{talk.id}/forberedelse")
    assert "/logga-in/" not in str(event["DESCRIPTION"])
    assert f"/samtal/{talk.id}\n" in str(event["DESCRIPTION"])


def test_the_calendar_link_still_works_after_the_first_sign_in(
    mail_app: Flask, smtp_server: LoopbackSMTP
) -> None:
    talk = talk_of(mail_app, "employee_a")
    assert (
        post_call(signed_in_browser(mail_app, "manager"), talk.id, in_days(20)).status_code == 200
    )
    body, calendar, _ = received(smtp_server.messages[0])
    [link] = LINK.findall(body)
    sign_in_with(mail_app, link)  # the e-mail's link is used up now

    [event] = calendar.events
    page = str(event["DESCRIPTION"]).split("logga in där):\n")[1].split("\n")[0]
    path = "/" + page.split("/", 3)[3]
    fresh = mail_app.test_client().get(path)
    # Not "Länken fungerar inte": the talk's page asks the person to sign in.
    assert fresh.status_code == 302
    assert fresh.location == f"/inloggning-kravs?next=/samtal/{talk.id}"
    asks = mail_app.test_client().get(fresh.location)
    assert asks.status_code == 200
    assert "Länken fungerar inte" not in asks.text
    assert signed_in_browser(mail_app, "employee_a").get(path).status_code == 200


def test_cancelling_sends_a_cancellation_with_the_same_uid(
    mail_app: Flask, smtp_server: LoopbackSMTP
) -> None:
    manager = signed_in_browser(mail_app, "manager")
    talk = talk_of(mail_app, "employee_a")
    assert post_call(manager, talk.id, in_days(20)).status_code == 200
    team = manager.get("/chef").text
    assert f'href="/samtal/{talk.id}/stall-in"' in team
    page = manager.get(f"/samtal/{talk.id}/stall-in")
    assert page.status_code == 200
    before = last_audit_id(mail_app)

    done = manager.post(
        f"/samtal/{talk.id}/stall-in",
        data={
            "csrf_token": csrf_token(page.text),
            "version": str(talk_row(mail_app, talk.id)["version"]),
            "message": "Vi bokar en ny tid i januari.",
        },
    )

    assert done.status_code == 200, done.text
    assert "Samtalet med Anna Exempelsson är inställt" in done.text
    invitation, cancellation = smtp_server.messages
    _, first_calendar, _ = received(invitation)
    body, calendar, method = received(cancellation)
    assert "är inställt" in cancellation["Subject"]
    assert "har ställt in ditt medarbetarsamtal" in body
    assert "Vi bokar en ny tid i januari." in body
    [old_event], [event] = first_calendar.events, calendar.events
    assert (calendar["METHOD"], method) == ("CANCEL", "CANCEL")
    assert event["STATUS"] == "CANCELLED"
    assert event["UID"] == old_event["UID"]
    assert event["SEQUENCE"] > old_event["SEQUENCE"]
    assert event.start == old_event.start  # the entry the calendar already holds
    row = talk_row(mail_app, talk.id)
    assert (row["status"], row["starts_at"], row["called_at"]) == ("ej_kallad", None, None)
    actions = [(r["action"], r["outcome"]) for r in audit_since(mail_app, before)]
    assert actions[-2:] == [("talk.cancel", "ok"), ("talk.cancel_mail", "ok")]

    # Called again later: the calendar gets the entry back under the same UID, newer still.
    again = post_call(manager, talk.id, in_days(40), version=str(row["version"]))
    assert again.status_code == 200, again.text
    _, renewed, _ = received(smtp_server.messages[2])
    [event_again] = renewed.events
    assert event_again["UID"] == event["UID"]
    assert event_again["SEQUENCE"] > event["SEQUENCE"]


def test_a_stale_cancel_form_changes_nothing_and_keeps_the_message(
    mail_app: Flask, smtp_server: LoopbackSMTP
) -> None:
    manager = signed_in_browser(mail_app, "manager")
    talk = talk_of(mail_app, "employee_a")
    assert post_call(manager, talk.id, in_days(20)).status_code == 200
    page = manager.get(f"/samtal/{talk.id}/stall-in").text
    stale_version = str(talk_row(mail_app, talk.id)["version"])
    moved = post_call(manager, talk.id, in_days(21), version=stale_version)
    assert moved.status_code == 200

    refused = manager.post(
        f"/samtal/{talk.id}/stall-in",
        data={"csrf_token": csrf_token(page), "version": stale_version, "message": "Förlåt!"},
    )

    assert refused.status_code == 409
    assert "Samtalet har ändrats" in refused.text
    assert "Förlåt!" in refused.text
    assert talk_row(mail_app, talk.id)["starts_at"] is not None
    assert len(smtp_server.messages) == 2  # the call and the move, no cancellation


def test_the_employee_cannot_cancel(app: Flask, signed_in: SignIn) -> None:
    talk = talk_of(app, "employee_a")
    assert post_call(signed_in("manager"), talk.id, in_days(20)).status_code == 200
    employee = signed_in("employee_a")
    assert employee.get(f"/samtal/{talk.id}/stall-in").status_code == 404
    assert datetime.fromisoformat(talk_row(app, talk.id)["starts_at"]).date() == in_days(20)


def test_the_move_form_starts_from_the_booked_date_time_and_place(
    app: Flask, signed_in: SignIn
) -> None:
    manager = signed_in("manager")
    talk = talk_of(app, "employee_a")
    assert post_call(manager, talk.id, in_days(20)).status_code == 200

    page = manager.get(f"/samtal/{talk.id}/kalla").text

    assert "<h1>Flytta samtalet med Anna Exempelsson</h1>" in page
    assert f'value="{in_days(20).isoformat()}"' in page
    assert 'value="10:00"' in page
    assert 'value="Rum Ekern, plan 3"' in page
