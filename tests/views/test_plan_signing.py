"""The talk is marked held and both sign the exact plan version; versions and their history."""

from __future__ import annotations

import sqlite3
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from flask import Flask

from formserver.store import plans as plan_store
from tests.factories import SignIn, conn, csrf_token, person, talk_of
from tests.views.plan_helpers import (
    CHALLENGE,
    CHANGED,
    GOAL,
    NOT_HELD,
    NOTE,
    NOTHING_WRITTEN,
    browser_fields,
    field_text,
    form_with_action,
    held_plan,
    mark_held,
    open_plan,
    plan_url,
    post_plan,
    sign_plan,
    signature_lines,
    signature_rows,
    signed_plan,
    standard_plan,
    talk_row,
    version_rows,
    versions,
    write_plan,
)
from tests.views.prepare_helpers import audit_since, last_audit_id
from tests.views.soup import one, parse, text_of


def swedish_time(stored: str) -> str:
    """A stored UTC timestamp as the page should show it: Swedish time, no "UTC"."""
    moment = datetime.fromisoformat(stored).astimezone(ZoneInfo("Europe/Stockholm"))
    return moment.strftime("%Y-%m-%d kl. %H.%M")


# --- 6. the talk is marked held; both sign the exact version ------------------------------------


@pytest.mark.parametrize("role", ["employee_a", "manager"])
def test_signing_before_the_talk_is_marked_held_is_refused(
    app: Flask, signed_in: SignIn, role: str
) -> None:
    talk = talk_of(app, "employee_a")
    manager = signed_in("manager")
    standard_plan(manager, talk)
    browser = manager if role == "manager" else signed_in(role)
    html = open_plan(browser, talk)
    assert "Planen kan skrivas under när chefen har markerat samtalet som genomfört." in html
    assert "Skriv under version" not in html
    (row,) = version_rows(app, talk)
    before = last_audit_id(app)

    # A form from elsewhere (an old tab, a crafted request) with the right version and hash.
    response = browser.post(
        plan_url(talk, "/signera"),
        data={
            "csrf_token": csrf_token(html),
            "number": str(row["number"]),
            "content_hash": row["content_hash"],
            "comment": "Jag skriver under nu",
        },
    )

    assert response.status_code == 409
    text = text_of(parse(response.text))
    assert NOT_HELD in text
    assert "Planen kan skrivas under först när chefen har markerat samtalet som genomfört." in text
    assert signature_rows(app, talk) == []
    assert talk_row(app, talk)["signed_at"] is None
    refused = [r for r in audit_since(app, before) if r["action"] == "plan.sign"]
    assert [(r["outcome"], r["detail"]) for r in refused] == [("refused", "inte genomfört")]


@pytest.mark.parametrize("saved", ["nothing_saved", "only_empty_rows"])
def test_marking_held_with_nothing_written_is_refused(
    app: Flask, signed_in: SignIn, saved: str
) -> None:
    talk = talk_of(app, "employee_a")
    manager = signed_in("manager")
    if saved == "only_empty_rows":
        assert post_plan(manager, talk, {}).status_code == 302
        assert len(version_rows(app, talk)) == 1

    response = mark_held(manager, talk)

    assert response.status_code == 409
    assert NOTHING_WRITTEN in text_of(parse(response.text))
    assert talk_row(app, talk)["status"] == "ej_kallad"
    assert talk_row(app, talk)["held_at"] is None


def test_after_held_both_sign_and_each_signature_records_who_when_and_what(
    app: Flask,
) -> None:
    talk, manager, employee = held_plan(app)
    assert talk_row(app, talk)["status"] == "genomford"
    assert talk_row(app, talk)["held_at"] is not None
    (version,) = version_rows(app, talk)
    comment = "Jag håller inte helt med om arbetsbelastningen – men planen stämmer."
    started = datetime.now(UTC) - timedelta(seconds=2)

    html = open_plan(manager, talk)
    assert signature_lines(html) == [
        "Chef: inte underskriven ännu",
        "Medarbetare: inte underskriven ännu",
    ]
    sign_form = form_with_action(html, "/plan/signera")
    assert one(sign_form, "input", attrs={"name": "number"}).attrs["value"] == "1"
    assert (
        one(sign_form, "input", attrs={"name": "content_hash"}).attrs["value"]
        == version["content_hash"]
    )
    first = sign_plan(manager, talk)
    assert first.status_code == 302
    assert first.location.endswith(f"{plan_url(talk)}?underskriven=1")
    assert talk_row(app, talk)["signed_at"] is None
    second = sign_plan(employee, talk, comment)
    assert second.status_code == 302

    rows = signature_rows(app, talk)
    assert [(r["role"], r["person_id"], r["number"]) for r in rows] == [
        ("manager", person(app, "manager").id, 1),
        ("employee", person(app, "employee_a").id, 1),
    ]
    assert all(r["content_hash"] == version["content_hash"] for r in rows)
    assert [r["comment"] for r in rows] == ["", comment]
    for r in rows:
        signed_at = datetime.fromisoformat(r["signed_at"])
        assert started <= signed_at <= datetime.now(UTC)
    assert talk_row(app, talk)["signed_at"] == rows[1]["signed_at"]
    (stored,) = versions(app, talk)
    assert stored.signed_by_both
    assert stored.content_hash == plan_store.content_hash(stored.content)

    page = employee.get(second.location).text
    assert "Din underskrift är sparad." in page
    assert "Version 1, underskriven av båda." in text_of(parse(page))
    lines = signature_lines(page)
    manager_time, employee_time = (swedish_time(r["signed_at"]) for r in rows)
    assert lines == [
        f"Chef: underskriven {manager_time}",
        f"Medarbetare: underskriven {employee_time}, med kommentar: {comment}",
    ]
    assert "Skriv under version" not in page
    signed = [
        (r["actor_id"], r["outcome"], r["detail"])
        for r in audit_since(app, 0)
        if r["action"] == "plan.sign"
    ]
    assert signed == [
        (person(app, "manager").id, "ok", "manager"),
        (person(app, "employee_a").id, "ok", "employee"),
    ]


@pytest.mark.parametrize("stale", ["hash", "number"])
def test_signing_a_version_that_changed_since_the_page_was_opened_is_refused(
    app: Flask, stale: str
) -> None:
    talk, manager, employee = held_plan(app)
    html = open_plan(employee, talk)
    data = browser_fields(form_with_action(html, "/plan/signera"))
    data.setlist("comment", ["Min kommentar"])
    if stale == "hash":
        # The manager changes the plan after the employee opened the page.
        assert (
            write_plan(manager, talk, notes={"arbetssituation": "Ändrad efteråt"}).status_code
            == 302
        )
    else:
        data.setlist("number", ["2"])
    before = last_audit_id(app)

    response = employee.post(plan_url(talk, "/signera"), data=data)

    assert response.status_code == 409
    assert CHANGED in text_of(parse(response.text))
    assert field_text(response.text, "comment") == "Min kommentar"
    assert signature_rows(app, talk) == []
    refused = [r for r in audit_since(app, before) if r["action"] == "plan.sign"]
    assert [(r["outcome"], r["detail"]) for r in refused] == [("refused", "planen ändrad")]
    # The page now offers the current version to sign.
    (row,) = version_rows(app, talk)
    form = form_with_action(response.text, "/plan/signera")
    assert one(form, "input", attrs={"name": "content_hash"}).attrs["value"] == row["content_hash"]


def test_signing_twice_is_refused_and_keeps_one_signature(app: Flask) -> None:
    talk, manager, _ = held_plan(app)
    html = open_plan(manager, talk)
    data = browser_fields(form_with_action(html, "/plan/signera"))
    assert manager.post(plan_url(talk, "/signera"), data=data).status_code == 302

    again = manager.post(plan_url(talk, "/signera"), data=data)

    assert again.status_code == 409
    assert [r["role"] for r in signature_rows(app, talk)] == ["manager"]


def test_a_signed_version_is_sealed_in_the_database(app: Flask) -> None:
    talk, manager, _ = held_plan(app)
    assert sign_plan(manager, talk).status_code == 302
    (row,) = version_rows(app, talk)

    with pytest.raises(sqlite3.IntegrityError, match="sealed"):
        conn(app).execute(
            "UPDATE plan_versions SET content = ? WHERE id = ?", ('{"notes": {}}', row["id"])
        )
    with pytest.raises(sqlite3.IntegrityError, match="signatures cannot change"):
        conn(app).execute("UPDATE signatures SET comment = 'ändrad'")
    assert version_rows(app, talk) == [row]


def test_a_change_after_signing_makes_a_new_version_both_sign_again(app: Flask) -> None:
    talk, manager, employee = signed_plan(app, comment="Kommentar till version 1")
    (v1_row,) = version_rows(app, talk)
    assert talk_row(app, talk)["signed_at"] is not None

    response = write_plan(manager, talk, notes={"arbetssituation": "Ändrad efter underskrift"})

    assert response.status_code == 302
    v1, v2 = versions(app, talk)
    assert (v1.number, v2.number) == (1, 2)
    assert v1.signed_by_both and v1.content["notes"]["arbetssituation"] == NOTE
    assert version_rows(app, talk)[0] == v1_row
    assert v2.signatures == {}
    assert v2.content["notes"]["arbetssituation"] == "Ändrad efter underskrift"
    assert v2.content["grids"]["mal"] == v1.content["grids"]["mal"]
    assert talk_row(app, talk)["signed_at"] is None
    for browser in (manager, employee):
        page = open_plan(browser, talk)
        assert signature_lines(page) == [
            "Chef: inte underskriven ännu",
            "Medarbetare: inte underskriven ännu",
        ]
        form = form_with_action(page, "/plan/signera")
        assert one(form, "input", attrs={"name": "number"}).attrs["value"] == "2"
        assert "Skriv under version 2" in text_of(form)
    assert sign_plan(manager, talk).status_code == 302
    assert sign_plan(employee, talk).status_code == 302
    assert [(r["number"], r["role"]) for r in signature_rows(app, talk)][-2:] == [
        (2, "manager"),
        (2, "employee"),
    ]
    assert talk_row(app, talk)["signed_at"] is not None


def test_the_version_history_lists_every_version_and_what_changed(app: Flask) -> None:
    talk, manager, employee = signed_plan(app)
    assert (
        write_plan(
            manager, talk, notes={"arbetssituation": "Ny text om arbetssituationen"}
        ).status_code
        == 302
    )

    for browser in (manager, employee):
        response = browser.get(plan_url(talk, "/versioner"))

        assert response.status_code == 200
        document = parse(response.text)
        sections = document.find_all("section", class_="version")
        assert [text_of(one(s, "h2")) for s in sections] == ["Version 2", "Version 1"]
        newest, oldest = sections
        assert [text_of(li) for li in newest.find_all("li")] == [
            "Karin Chefsberg: har inte skrivit under",
            "Anna Exempelsson: har inte skrivit under",
        ]
        assert all("skrev under" in text_of(li) for li in oldest.find_all("li"))
        changed = [
            tuple(td.get_text() for td in tr.find_all("td"))
            for tr in one(newest, "tbody").find_all("tr")
        ]
        assert changed == [
            ("Anteckningar: Arbetssituation och hälsa", NOTE, "Ny text om arbetssituationen")
        ]
        first = [
            tuple(td.get_text() for td in tr.find_all("td"))
            for tr in one(oldest, "tbody").find_all("tr")
        ]
        assert ("Anteckningar: Arbetssituation och hälsa", "", NOTE) in first
        assert (
            "Individuella mål och kompetensutveckling, rad 1: Medarbetarens mål",
            "",
            GOAL,
        ) in first
        assert ("Årets utmaning, rad 1: Medarbetarens utmaning", "", CHALLENGE) in first
    read = [r for r in audit_since(app, 0) if r["action"] == "plan.versions"]
    assert [r["detail"] for r in read] == ["manager", "employee"]
