"""The manager's notes-and-plan form follows the round and adds and removes rows without script."""

from __future__ import annotations

import pytest
from flask import Flask

from tests.factories import SignIn, data_dump, site_config_of, talk_of
from tests.views.plan_helpers import (
    GOAL,
    NEVER_TITLE,
    PUBLIC_NOTE,
    RESULT_LABEL,
    cell,
    field_text,
    open_goteborg_round,
    open_plan,
    plan_form,
    plan_url,
    post_plan,
    row_ids,
    versions,
    write_plan,
)
from tests.views.soup import one, parse, text_of

# --- 1. the manager's form at the talk --------------------------------------------------------


def test_the_managers_form_has_a_labelled_textarea_per_section_and_works_without_script(
    app: Flask,
    signed_in: SignIn,
) -> None:
    talk = talk_of(app, "employee_a")
    manager = signed_in("manager")
    question_set = site_config_of(app).question_sets["rutin"]

    html = open_plan(manager, talk)

    assert "<script" not in html
    form = plan_form(html)
    assert form.attrs["method"] == "post"
    for section in question_set.sections:
        assert section.has_fields
        name = f"note_{section.id}"
        label = one(form, "label", attrs={"for": name})
        assert text_of(label) == f"Anteckningar: {section.title}"
        area = one(form, "textarea", id=name, attrs={"name": name})
        assert area.get_text() == ""
        assert f"{name}-offentlig" in area.attrs["aria-describedby"].split()
        hint = parse(html).find(id=f"{name}-offentlig")
        assert hint is not None and text_of(hint) == PUBLIC_NOTE
    # One empty row per grid to start with, each with a button to add another.
    buttons = {b.attrs.get("value"): text_of(b) for b in form.find_all("button")}
    assert buttons["rad-till:mal"] == (
        "Lägg till en rad i Individuella mål och kompetensutveckling"
    )
    assert buttons["rad-till:arets_utmaning"] == "Lägg till en rad i Årets utmaning"
    assert len(row_ids(html, "mal")) == 1 and len(row_ids(html, "arets_utmaning")) == 1
    (row,) = row_ids(html, "mal")
    assert text_of(one(form, "label", attrs={"for": cell("mal", row, "medarbetarens_mal")})) == (
        "Medarbetarens mål"
    )
    assert one(form, "input", attrs={"name": cell("mal", row, "datum")}).attrs["type"] == "date"
    assert "Allt som skrivs här kan medarbetaren läsa. Det finns inga privata anteckningar." in (
        text_of(parse(html))
    )


def test_a_never_section_has_no_field_bisyssla_has_yes_no_and_the_result_waits(
    app: Flask,
    signed_in: SignIn,
) -> None:
    talk = open_goteborg_round(app)
    manager = signed_in("manager")

    html = open_plan(manager, talk)

    form = plan_form(html)
    never = [
        fs
        for fs in form.find_all("fieldset", class_="section")
        if text_of(fs.find_all("legend")[0]) == NEVER_TITLE
    ]
    assert len(never) == 1
    assert never[0].find_all("textarea") == [] and never[0].find_all("input") == []
    assert "Ska inte dokumenteras." in text_of(never[0])
    assert "note_vald_i_nara_relation" not in html
    optional = one(form, "textarea", attrs={"name": "note_arbetsmiljo_och_halsa"})
    assert optional.get_text() == ""
    # Bisysslor, jäv och mutor: two yes/no questions as radio groups.
    groups = {text_of(one(fs, "legend")): fs for fs in form.find_all("fieldset", class_="choices")}
    assert set(groups) == {
        "Känner du till vad som gäller kring bisysslor, jäv och mutor?",
        "Har du någon bisyssla?",
    }
    radios = groups["Har du någon bisyssla?"].find_all("input", attrs={"type": "radio"})
    assert [(r.attrs["name"], r.attrs["value"]) for r in radios] == [
        ("check_har_bisyssla", "ja"),
        ("check_har_bisyssla", "nej"),
    ]
    assert [
        text_of(one(groups["Har du någon bisyssla?"], "label", attrs={"for": r.attrs["id"]}))
        for r in radios
    ] == [
        "Ja",
        "Nej",
    ]
    # "Hur blev resultatet?" is filled in at the follow-up, not at the talk.
    (row,) = row_ids(html, "utveckling")
    assert cell("utveckling", row, "resultat") not in html
    assert not [
        e
        for e in form.find_all(True)
        if e.name in ("input", "textarea") and "resultat" in e.attrs.get("name", "")
    ]
    assert f"{RESULT_LABEL} Fylls i vid uppföljningen under året." in text_of(form)
    assert text_of(one(form, "label", attrs={"for": cell("utveckling", row, "aktivitet")})) == (
        "Vilken aktivitet planeras?"
    )


@pytest.mark.parametrize("target", ["never_note", "result_cell"])
def test_a_posted_field_the_form_does_not_have_stores_nothing(
    app: Flask, signed_in: SignIn, target: str
) -> None:
    talk = open_goteborg_round(app)
    manager = signed_in("manager")
    html = open_plan(manager, talk)
    (row,) = row_ids(html, "utveckling")
    secret = "Detta får inte sparas vid samtalet"
    name = {
        "never_note": "note_vald_i_nara_relation",
        "result_cell": cell("utveckling", row, "resultat"),
    }[target]

    response = post_plan(
        manager,
        talk,
        {
            "note_klargora_uppdrag": "Samma syn.",
            cell("utveckling", row, "aktivitet"): "Kurs",
            name: secret,
        },
        page=html,
    )

    assert response.status_code == 302
    (version,) = versions(app, talk)
    assert version.content["notes"] == {"klargora_uppdrag": "Samma syn."}
    assert version.content["grids"]["utveckling"] == [{"row_id": row, "aktivitet": "Kurs"}]
    assert secret not in data_dump(app)


def test_yes_no_answers_are_stored_and_shown_checked(app: Flask, signed_in: SignIn) -> None:
    talk = open_goteborg_round(app)
    manager = signed_in("manager")

    response = write_plan(
        manager, talk, checks={"har_bisyssla": "ja", "kanner_till_reglerna": "nej"}
    )

    assert response.status_code == 302
    (version,) = versions(app, talk)
    assert version.content["checks"] == {"har_bisyssla": "ja", "kanner_till_reglerna": "nej"}
    form = plan_form(open_plan(manager, talk))
    checked = {
        r.attrs["name"]: r.attrs["value"]
        for r in form.find_all("input", attrs={"type": "radio"})
        if "checked" in r.attrs
    }
    assert checked == {"check_har_bisyssla": "ja", "check_kanner_till_reglerna": "nej"}
    employee_view = parse(open_plan(signed_in("employee_a"), talk))
    facts = one(employee_view, "dl", class_="facts")
    pairs = dict(
        zip(
            [text_of(e) for e in facts.find_all("dt")],
            [text_of(e) for e in facts.find_all("dd")],
            strict=True,
        )
    )
    assert pairs == {
        "Känner du till vad som gäller kring bisysslor, jäv och mutor?": "Nej",
        "Har du någon bisyssla?": "Ja",
    }


# --- 2. rows are added and removed without JavaScript; typed text survives ---------------------


def test_adding_a_row_keeps_the_typed_text_and_adds_an_empty_row(
    app: Flask, signed_in: SignIn
) -> None:
    talk = talk_of(app, "employee_a")
    manager = signed_in("manager")
    html = open_plan(manager, talk)
    (first,) = row_ids(html, "mal")

    response = post_plan(
        manager,
        talk,
        {"note_samspela": "Bra samarbete.", cell("mal", first, "medarbetarens_mal"): GOAL},
        action="rad-till:mal",
        page=html,
    )

    assert response.status_code == 302
    assert response.location.endswith(f"{plan_url(talk)}?sparad=1#mal")
    after = manager.get(response.location).text
    ids = row_ids(after, "mal")
    assert len(ids) == 2 and ids[0] == first
    assert field_text(after, cell("mal", first, "medarbetarens_mal")) == GOAL
    assert field_text(after, cell("mal", ids[1], "medarbetarens_mal")) == ""
    assert field_text(after, "note_samspela") == "Bra samarbete."
    legends = [text_of(e) for e in plan_form(after).find_all("legend") if "rad" in text_of(e)]
    assert "Individuella mål och kompetensutveckling, rad 2" in legends
    assert len(row_ids(after, "arets_utmaning")) == 1


def test_removing_a_row_keeps_the_other_rows_and_the_notes(app: Flask, signed_in: SignIn) -> None:
    talk = talk_of(app, "employee_a")
    manager = signed_in("manager")
    assert (
        write_plan(
            manager,
            talk,
            notes={"samspela": "Bra samarbete."},
            cells={
                ("mal", 0, "medarbetarens_mal"): "Första målet",
                ("mal", 1, "medarbetarens_mal"): "Andra målet",
            },
        ).status_code
        == 302
    )
    html = open_plan(manager, talk)
    first, second = row_ids(html, "mal")

    response = post_plan(
        manager,
        talk,
        {cell("mal", second, "ansvarig"): "Karin"},
        action=f"rad-bort:mal:{first}",
        page=html,
    )

    assert response.status_code == 302
    after = manager.get(response.location).text
    assert row_ids(after, "mal") == [second]
    assert field_text(after, cell("mal", second, "medarbetarens_mal")) == "Andra målet"
    assert field_text(after, cell("mal", second, "ansvarig")) == "Karin"
    assert field_text(after, "note_samspela") == "Bra samarbete."
    assert "Första målet" not in after
    stored = versions(app, talk)[-1].content
    assert stored["grids"]["mal"] == [
        {"row_id": second, "medarbetarens_mal": "Andra målet", "ansvarig": "Karin"}
    ]
