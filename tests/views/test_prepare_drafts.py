"""Preparation drafts are kept, submitted and deleted, and the two parties prepare separately."""

from __future__ import annotations

from flask import Flask
from flask.testing import FlaskClient

from formserver.common.clock import local_date
from tests.factories import SignIn, conn, csrf_token, data_dump, talk_of
from tests.views.prepare_helpers import (
    audit_since,
    form_url,
    overview_url,
    page_version,
    post_form,
    stored,
    textarea_text,
)
from tests.views.soup import one, parse, text_of

# --- 3. drafts are kept; submitting marks the talk prepared ---------------------------------------


def test_draft_is_kept_versions_count_up_and_submit_marks_the_talk_prepared(
    app: Flask, signed_in: SignIn
) -> None:
    talk = talk_of(app, "employee_a")
    client = signed_in("employee_a")

    first = post_form(client, talk, {"q_halsa": "Ganska bra."})

    assert first.status_code == 302
    assert first.location.endswith(f"{form_url(talk)}?sparad=1")
    back = client.get(first.location)
    assert "Utkastet är sparat." in back.text
    assert textarea_text(back.text, "q_halsa") == "Ganska bra."
    assert page_version(back.text) == 1
    draft = stored(app, talk)
    assert draft is not None
    assert (draft.version, draft.submitted_at) == (1, None)
    assert draft.answers == {"halsa": {"value": "Ganska bra."}}

    # Leave (the overview), come back later: the draft is there.
    overview = client.get(overview_url(talk)).text
    assert "Du har ett sparat utkast. Det är inte inskickat ännu." in overview
    assert "Ej kallad" in overview
    later = client.get(form_url(talk))
    assert textarea_text(later.text, "q_halsa") == "Ganska bra."
    assert "Utkastet är sparat." not in later.text

    second = post_form(client, talk, {"q_halsa": "Ganska bra.", "q_be_om_hjalp": "Min kollega."})
    assert second.status_code == 302
    draft = stored(app, talk)
    assert draft is not None
    assert draft.version == 2
    assert draft.submitted_at is None
    assert talk_of(app, "employee_a").status == "ej_kallad"

    sent = post_form(
        client, talk, {"q_halsa": "Ganska bra.", "q_be_om_hjalp": "Min kollega."}, action="skicka"
    )

    assert sent.status_code == 302
    assert sent.location.endswith(f"{overview_url(talk)}?skickad=1")
    final = stored(app, talk)
    assert final is not None
    assert final.version == 3
    assert final.submitted_at is not None
    assert final.answers == {
        "halsa": {"value": "Ganska bra."},
        "be_om_hjalp": {"value": "Min kollega."},
    }
    assert talk_of(app, "employee_a").status == "forberedd"
    page = parse(client.get(sent.location).text)
    facts = one(page, "dl", class_="facts")
    terms = [text_of(e) for e in facts.find_all("dt")]
    values = [text_of(e) for e in facts.find_all("dd")]
    assert values[terms.index("Status")] == "Förberedd"
    assert "Din förberedelse är inskickad." in text_of(page)
    assert f"Du skickade in din förberedelse {local_date(final.submitted_at)}." in text_of(page)
    actions = [
        (r["action"], r["outcome"], r["detail"])
        for r in audit_since(app, 0)
        if r["object_id"] == talk.id and r["action"].startswith("preparation.s")
    ]
    assert actions == [
        ("preparation.save", "ok", "employee v1"),
        ("preparation.save", "ok", "employee v2"),
        ("preparation.submit", "ok", "employee v3"),
    ]


# --- 4. employee and manager prepare separately ---------------------------------------------------


def test_each_sees_the_others_preparation_only_when_both_have_submitted(
    app: Flask, signed_in: SignIn
) -> None:
    talk = talk_of(app, "employee_a")
    employee = signed_in("employee_a")
    manager = signed_in("manager")
    employee_text = "Medarbetarens egen tanke om arbetsbelastningen"
    manager_text = "Chefens egen iakttagelse om samarbetet"

    def sees(browser: FlaskClient, text: str) -> bool:
        overview = browser.get(overview_url(talk))
        form = browser.get(form_url(talk))
        assert (overview.status_code, form.status_code) == (200, 200)
        return text in overview.text or text in form.text

    assert post_form(employee, talk, {"q_arbetssituation": employee_text}).status_code == 302
    assert post_form(manager, talk, {"q_bidrar_till_dialog": manager_text}).status_code == 302
    assert not sees(employee, manager_text)
    assert not sees(manager, employee_text)

    assert (
        post_form(employee, talk, {"q_arbetssituation": employee_text}, action="skicka").status_code
        == 302
    )
    assert not sees(employee, manager_text)
    assert not sees(manager, employee_text)
    assert "Medarbetaren har skickat in sin förberedelse." in manager.get(overview_url(talk)).text
    assert (
        "Ni ser varandras förberedelser när båda har skickat in sina."
        in employee.get(overview_url(talk)).text
    )

    assert (
        post_form(
            manager, talk, {"q_bidrar_till_dialog": manager_text}, action="skicka"
        ).status_code
        == 302
    )

    employee_view = text_of(parse(employee.get(overview_url(talk)).text))
    manager_view = text_of(parse(manager.get(overview_url(talk)).text))
    assert manager_text in employee_view
    assert employee_text in manager_view
    assert employee_text in employee_view and manager_text in manager_view
    # The manager's preparation does not change the talk's status; each row is its author's.
    employee_row, manager_row = stored(app, talk, "employee"), stored(app, talk, "manager")
    assert employee_row is not None and manager_row is not None
    assert employee_row.answers == {"arbetssituation": {"value": employee_text}}
    assert manager_row.answers == {"bidrar_till_dialog": {"value": manager_text}}


# --- drafts can be deleted by their author --------------------------------------------------------


def test_the_author_deletes_a_draft_but_never_a_submitted_preparation(
    app: Flask, signed_in: SignIn
) -> None:
    client = signed_in("employee_a")
    talk = talk_of(app, "employee_a")
    page = client.get(form_url(talk))
    client.post(
        form_url(talk),
        data={
            "csrf_token": csrf_token(page.text),
            "version": "0",
            "action": "spara",
            "q_halsa": "Ett utkast jag ångrar",
        },
    )
    page = client.get(form_url(talk))
    assert "Ta bort utkastet" in page.text
    deleted = client.post(f"{form_url(talk)}/ta-bort", data={"csrf_token": csrf_token(page.text)})
    assert deleted.status_code == 302
    assert "Utkastet är borttaget." in client.get(deleted.location).text
    assert conn(app).execute("SELECT count(*) FROM preparations").fetchone()[0] == 0

    page = client.get(form_url(talk))
    client.post(
        form_url(talk),
        data={
            "csrf_token": csrf_token(page.text),
            "version": "0",
            "action": "skicka",
            "q_halsa": "Inskickat",
        },
    )
    page = client.get(form_url(talk))
    assert "Ta bort utkastet" not in page.text
    client.post(f"{form_url(talk)}/ta-bort", data={"csrf_token": csrf_token(page.text)})
    assert conn(app).execute("SELECT count(*) FROM preparations").fetchone()[0] == 1


def test_nobody_else_can_delete_a_draft(app: Flask, signed_in: SignIn) -> None:
    author = signed_in("employee_a")
    talk = talk_of(app, "employee_a")
    page = author.get(form_url(talk))
    author.post(
        form_url(talk),
        data={"csrf_token": csrf_token(page.text), "version": "0", "q_halsa": "Mitt utkast"},
    )
    manager = signed_in("manager")
    token = csrf_token(manager.get("/chef").text)
    other = signed_in("employee_b")
    other_token = csrf_token(other.get("/chef").text)
    before = data_dump(app)
    denied = other.post(f"{form_url(talk)}/ta-bort", data={"csrf_token": other_token})
    assert denied.status_code == 404
    # The manager may delete only the manager's own draft, never the employee's.
    manager.post(f"{form_url(talk)}/ta-bort", data={"csrf_token": token})
    assert data_dump(app) == before
