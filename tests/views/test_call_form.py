"""The manager's team page and the call form, with a real SMTP server on loopback."""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import datetime, timedelta
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from flask import Flask
from icalendar import Calendar

from formserver.store import db
from tests.factories import (
    EMAIL,
    SignIn,
    conn,
    csrf_token,
    data_dump,
    make_service,
    person,
    signed_in_browser,
    talk_of,
)
from tests.smtp import HOST, LoopbackSMTP, free_port, header_names
from tests.views.call_helpers import (
    LINK,
    MESSAGE,
    PLACE,
    STOCKHOLM,
    audit_rows,
    call_page,
    in_days,
    post_call,
    sign_in_with,
    talk_row,
)


@pytest.fixture
def broken_mail_app(tmp_path: Path) -> Iterator[Flask]:
    """The service configured for an SMTP server that does not answer."""
    yield from make_service(tmp_path, SMTP_HOST=HOST, SMTP_PORT=free_port())


# --- The team page -------------------------------------------------------------------------


def test_team_page_lists_the_managers_employees_as_not_called(
    app: Flask, signed_in: SignIn
) -> None:
    client = signed_in("manager")
    page = client.get("/chef")

    assert page.status_code == 200
    assert "<h1>Mina medarbetare</h1>" in page.text
    assert "Samtalsomgång 2026" in page.text
    for role in ("employee_a", "employee_b"):
        talk = talk_of(app, role)
        row = re.search(
            rf'<a href="/samtal/{talk.id}">{talk.employee_name}</a></td>\s*<td>(.*?)</td>',
            page.text,
        )
        assert row, role
        assert row.group(1) == "Ej kallad"
        assert f'href="/samtal/{talk.id}/kalla">Kalla {talk.employee_name}</a>' in page.text
    assert "Cecilia Testlund" not in page.text  # N's employee
    assert "Karin Chefsberg</a>" not in page.text  # not her own talk with T


def test_team_page_does_not_offer_to_call_a_person_who_has_left(
    app: Flask, signed_in: SignIn
) -> None:
    # L had a talk when the round opened on 2026-11-01, then left the roster. By the routine
    # only current staff have a talk: the manager must not be asked to call L.
    leaver = talk_of(app, "leaver")
    assert leaver.manager_id == person(app, "manager").id  # the talk exists in the store

    page = signed_in("manager").get("/chef")

    assert page.status_code == 200
    assert "Lars Slutadsson" not in page.text
    assert f"/samtal/{leaver.id}/kalla" not in page.text


def test_a_person_who_has_left_is_not_called(mail_app: Flask, smtp_server: LoopbackSMTP) -> None:
    client = signed_in_browser(mail_app, "manager")
    leaver = talk_of(mail_app, "leaver")
    before = data_dump(mail_app)

    token = csrf_token(client.get("/chef").text)
    assert client.get(f"/samtal/{leaver.id}/kalla").status_code == 409
    response = client.post(
        f"/samtal/{leaver.id}/kalla",
        data={
            "csrf_token": token,
            "version": "1",
            "day": in_days(21).isoformat(),
            "start": "10:00",
            "duration": "60",
            "place": PLACE,
            "message": MESSAGE,
        },
    )

    assert response.status_code == 409
    assert "har slutat" in response.text
    assert "är kallad" not in response.text
    assert smtp_server.messages == []
    assert data_dump(mail_app) == before  # no link issued, talk still "ej_kallad"


def test_team_page_shows_the_date_once_called(app: Flask, signed_in: SignIn) -> None:
    client = signed_in("manager")
    talk = talk_of(app, "employee_a")
    day = in_days(20)
    assert post_call(client, talk.id, day).status_code == 200

    page = client.get("/chef")

    assert re.search(
        rf"{talk.employee_name}</a></td>\s*<td>Kallad</td>\s*<td>{day.isoformat()} 10\.00</td>",
        page.text,
    )
    assert f"Flytta samtalet med {talk.employee_name}" in page.text
    assert f"Ställ in samtalet med {talk.employee_name}" in page.text


# --- The call form -------------------------------------------------------------------------


def test_call_form_has_a_label_for_every_field(app: Flask, signed_in: SignIn) -> None:
    talk = talk_of(app, "employee_a")
    page = call_page(signed_in("manager"), talk.id)

    assert "Kalla Anna Exempelsson till medarbetarsamtal" in page
    assert "Kalla minst 14 dagar före samtalet" in page
    for field, label in [
        ("day", "Datum"),
        ("start", "Tid"),
        ("duration", "Längd i minuter"),
        ("place", "Plats eller videolänk"),
        ("message", "Personligt meddelande"),
    ]:
        assert re.search(rf'<label for="{field}">{label}[^<]*</label>', page), field
        assert f'id="{field}" name="{field}"' in page
    assert '<input type="hidden" name="version" value="1">' in page


def test_calling_without_email_hands_over_the_link_and_the_invitation(
    app: Flask, signed_in: SignIn
) -> None:
    client = signed_in("manager")
    talk = talk_of(app, "employee_a")
    day = in_days(21)

    response = post_call(client, talk.id, day)

    assert response.status_code == 200, response.text
    assert "<h1>Anna Exempelsson är kallad</h1>" in response.text
    assert "Tjänsten skickar ingen e-post just nu." in response.text
    links = LINK.findall(response.text)
    assert len(links) == 1
    stored = talk_row(app, talk.id)
    assert stored["status"] == "kallad"
    assert datetime.fromisoformat(stored["starts_at"]) == datetime.combine(
        day, datetime.min.time().replace(hour=10), tzinfo=STOCKHOLM
    )
    assert stored["duration_minutes"] == 45
    assert stored["place"] == PLACE
    assert stored["version"] == 2
    assert talk_of(app, "employee_a").status_label == "Kallad"
    [entry] = [r for r in audit_rows(app) if r["action"] == "talk.call"]
    assert (entry["outcome"], entry["object_id"], entry["detail"]) == ("ok", talk.id, "lämnas över")
    assert entry["actor_id"] == person(app, "manager").id

    ics_link = f'href="/samtal/{talk.id}/kallelse.ics"'
    assert ics_link in response.text
    ics = client.get(f"/samtal/{talk.id}/kallelse.ics")
    assert ics.status_code == 200
    assert ics.mimetype == "text/calendar"
    assert ics.headers["Content-Disposition"].startswith("attachment")
    [event] = Calendar.from_ical(ics.data).events
    assert event.start == datetime(day.year, day.month, day.day, 10, 0, tzinfo=STOCKHOLM)
    assert event.end == event.start + timedelta(minutes=45)
    assert event["LOCATION"] == PLACE
    assert "/logga-in/" not in ics.text  # the file handed over holds no sign-in link

    browser, target = sign_in_with(app, links[0])
    assert target == f"/samtal/{talk.id}/forberedelse"
    preparation = browser.get(target)
    assert preparation.status_code == 200
    assert "Inloggad som Anna Exempelsson" in preparation.text
    # The link works once.
    assert browser.get(urlsplit(links[0]).path).status_code == 400


def test_calling_sends_one_email_with_link_routine_and_invitation(
    mail_app: Flask, smtp_server: LoopbackSMTP
) -> None:
    client = signed_in_browser(mail_app, "manager")
    talk = talk_of(mail_app, "employee_a")
    day = in_days(30)

    response = post_call(client, talk.id, day)

    assert response.status_code == 200, response.text
    assert "<h1>Anna Exempelsson är kallad</h1>" in response.text
    assert "Kallelsen är skickad med e-post till anna.exempelsson@example.se" in response.text
    assert "/logga-in/" not in response.text  # the personal link went to the employee only
    assert len(smtp_server.messages) == 1
    assert smtp_server.rcpt_tos == [[EMAIL["employee_a"]]]
    msg = smtp_server.messages[0]
    assert msg["Subject"].startswith("Kallelse till medarbetarsamtal ")
    assert msg["To"].addresses[0].addr_spec == EMAIL["employee_a"]
    assert msg["Reply-To"].addresses[0].addr_spec == EMAIL["manager"]
    plain = msg.get_body(preferencelist=("plain",))
    assert plain is not None
    body = plain.get_content().replace("\r\n", "\n")
    assert "Karin Chefsberg kallar dig till medarbetarsamtal." in body
    assert f"Var: {PLACE}" in body
    assert "Hej Anna!\nTa gärna med <dina> tankar & idéer." in body
    routine = "http://127.0.0.1:5000/handbok/hela-rutinen/"  # handbook_url + the print page
    assert f"Läs gärna hela rutinen för medarbetarsamtal: {routine}" in body
    [link] = LINK.findall(body)
    [attachment] = list(msg.iter_attachments())
    assert attachment.get_content_type() == "text/calendar"
    assert attachment.get_filename() == "medarbetarsamtal.ics"
    payload = attachment.get_payload(decode=True)
    assert isinstance(payload, bytes)
    [event] = Calendar.from_ical(payload).events
    assert event.start == datetime(day.year, day.month, day.day, 10, 0, tzinfo=STOCKHOLM)
    assert talk_row(mail_app, talk.id)["status"] == "kallad"
    # The call commits with its entry; the e-mail's fate is audited once it is known.
    [entry] = [r for r in audit_rows(mail_app) if r["action"] == "talk.call"]
    assert (entry["outcome"], entry["detail"]) == ("ok", "e-post")
    [mailed] = [r for r in audit_rows(mail_app) if r["action"] == "talk.invitation_mail"]
    assert (mailed["outcome"], mailed["detail"]) == ("ok", "e-post skickad")
    assert mailed["id"] > entry["id"]
    token = urlsplit(link).path.rsplit("/", 1)[1]
    assert not any(token in str(value) for r in audit_rows(mail_app) for value in r.values())

    browser, target = sign_in_with(mail_app, link)
    assert target == f"/samtal/{talk.id}/forberedelse"
    assert "Inloggad som Anna Exempelsson" in browser.get(target).text


def test_a_name_with_a_line_break_cannot_add_a_recipient(
    mail_app: Flask, smtp_server: LoopbackSMTP
) -> None:
    # The roster refuses control characters, so put the name straight into the database.
    with db.transaction(conn(mail_app)):
        conn(mail_app).execute(
            "UPDATE people SET name = ? WHERE employee_number = 'A1'",
            ("Anna Exempelsson\r\nBcc: evil@example.com",),
        )
    talk = talk_of(mail_app, "employee_a")

    response = post_call(signed_in_browser(mail_app, "manager"), talk.id, in_days(21))

    assert response.status_code == 200, response.text
    assert smtp_server.rcpt_tos == [[EMAIL["employee_a"]]]
    names = header_names(smtp_server.envelopes[0].content)
    assert names.count("to") == 1
    assert "bcc" not in names
    [to] = smtp_server.messages[0]["To"].addresses
    assert to.addr_spec == EMAIL["employee_a"]
    assert not re.search(r"[\r\n]", to.display_name)


def test_when_mail_cannot_be_sent_the_manager_gets_the_link_to_hand_over(
    broken_mail_app: Flask,
) -> None:
    talk = talk_of(broken_mail_app, "employee_a")

    response = post_call(signed_in_browser(broken_mail_app, "manager"), talk.id, in_days(21))

    assert response.status_code == 200, response.text
    assert "E-posten kunde inte skickas" in response.text
    assert "Kallelsen skickades inte" in response.text
    [link] = LINK.findall(response.text)
    assert f'href="/samtal/{talk.id}/kallelse.ics"' in response.text
    assert talk_row(broken_mail_app, talk.id)["status"] == "kallad"
    [entry] = [r for r in audit_rows(broken_mail_app) if r["action"] == "talk.call"]
    assert entry["detail"] == "e-post"
    [mailed] = [r for r in audit_rows(broken_mail_app) if r["action"] == "talk.invitation_mail"]
    assert (mailed["outcome"], mailed["detail"]) == ("failed", "e-post misslyckades")
    _, target = sign_in_with(broken_mail_app, link)
    assert target == f"/samtal/{talk.id}/forberedelse"
