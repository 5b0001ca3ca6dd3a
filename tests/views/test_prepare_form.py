"""The preparation form follows the round's question set and stores nothing for a never-section."""

from __future__ import annotations

import json

import pytest
from flask import Flask

from tests.factories import SignIn, conn, data_dump, site_config_of, talk_of
from tests.views.prepare_helpers import (
    NEVER_TITLE,
    PUBLIC_NOTE,
    SCALE_LABELS,
    form_url,
    overview_url,
    post_form,
    preparation_form,
    section_fieldset,
    stored,
    stored_row,
    talk_in_round,
    textarea_text,
)
from tests.views.soup import one, parse, text_of

# --- 1. the form follows the round's question set -------------------------------------------------

SETS = [
    pytest.param(
        2026,
        "rutin",
        "handlingsplan",
        "Arbetssituation och hälsa",
        "Hur upplever du din hälsa?",
        id="rutin",
    ),
    pytest.param(
        2027,
        "goteborg",
        "utvecklingsplan",
        "Klargöra uppdrag",
        "Har chef och medarbetare samma syn på uppdraget/tjänsten?",
        id="goteborg",
    ),
    pytest.param(
        2028,
        "kompetenssamtal",
        "aktivitetsplan",
        "Framtid",
        "Vilken utveckling önskar du på längre sikt?",
        id="kompetenssamtal",
    ),
]


@pytest.mark.parametrize(("year", "set_id", "plan_id", "a_section", "a_question"), SETS)
def test_form_has_a_fieldset_per_section_and_a_label_per_question(
    app: Flask,
    signed_in: SignIn,
    year: int,
    set_id: str,
    plan_id: str,
    a_section: str,
    a_question: str,
) -> None:
    talk = talk_in_round(app, year, set_id, plan_id)
    question_set = site_config_of(app).question_sets[set_id]
    client = signed_in("employee_a")

    page = client.get(form_url(talk))

    assert page.status_code == 200
    assert "Förberedelse inför medarbetarsamtalet" in page.text
    form = preparation_form(page.text)
    fieldsets = form.find_all("fieldset", class_="section")
    legends = [text_of(fs.find_all("legend")[0]) for fs in fieldsets]
    assert legends == [section.title for section in question_set.sections]
    assert a_section in legends
    labels = [text_of(label) for label in form.find_all("label")]
    assert a_question in labels
    for section, fieldset in zip(question_set.sections, fieldsets, strict=True):
        if not section.has_fields:
            continue
        for q in section.questions:
            if q.kind == "text":
                label = one(fieldset, "label", attrs={"for": f"q_{q.id}"})
                assert text_of(label) == q.text
                one(fieldset, "textarea", id=f"q_{q.id}", attrs={"name": f"q_{q.id}"})
                helps = [q.help, q.points_intro, *q.points, q.note]
                if any(helps):
                    hint = one(fieldset, "div", id=f"q_{q.id}-hjalp")
                    for text in filter(None, helps):
                        assert " ".join(text.split()) in text_of(hint)
            else:
                group = [
                    fs
                    for fs in fieldset.find_all("fieldset", class_="choices")
                    if text_of(one(fs, "legend")) == q.text
                ]
                assert len(group) == 1, q.id
                assert group[0].find_all("input", attrs={"type": "radio", "name": f"q_{q.id}"})

    textareas = form.find_all("textarea")
    # One per text question; one comment per rating or yes/no question. Never-sections: none.
    assert sorted(t.attrs["name"] for t in textareas) == sorted(
        f"q_{q.id}" if q.kind == "text" else f"c_{q.id}" for q in question_set.questions()
    )
    document = parse(page.text)
    for textarea in textareas:
        described = textarea.attrs.get("aria-describedby", "").split()
        targets = [document.find(id=i) for i in described]
        assert all(targets), f"{textarea.attrs['name']}: aria-describedby names a missing id"
        assert PUBLIC_NOTE in [text_of(t) for t in targets if t], textarea.attrs["name"]
    assert page.text.count(PUBLIC_NOTE) == len(textareas)


def test_rutin_question_shows_its_points_and_note_linked_to_the_field(
    app: Flask, signed_in: SignIn
) -> None:
    client = signed_in("employee_a")

    page = client.get(form_url(talk_of(app, "employee_a")))

    document = parse(page.text)
    textarea = one(document, "textarea", attrs={"name": "q_arbetssituation"})
    assert textarea.attrs["aria-describedby"].split() == [
        "q_arbetssituation-hjalp",
        "q_arbetssituation-offentlig",
    ]
    hint = document.find(id="q_arbetssituation-hjalp")
    assert hint is not None
    points = [text_of(li) for li in hint.find_all("li")]
    assert points[:5] == [
        "Arbetsbelastning",
        "Arbetstider",
        "Relationer, klimat",
        "Fysisk arbetsmiljö",
        "Balans mellan arbete och fritid",
    ]
    assert "Diskrimineringsgrunderna är kön, könsidentitet eller könsuttryck" in text_of(hint)
    assert text_of(one(document, "label", attrs={"for": "q_arbetssituation"})) == (
        "Hur upplever du din arbetssituation?"
    )


@pytest.mark.parametrize("role", ["employee_a", "manager"])
def test_goteborg_never_section_is_guidance_without_any_field(
    app: Flask, signed_in: SignIn, role: str
) -> None:
    talk = talk_in_round(app, 2027, "goteborg", "utvecklingsplan")
    browser = signed_in(role)

    page = browser.get(form_url(talk))

    assert page.status_code == 200
    never = section_fieldset(preparation_form(page.text), NEVER_TITLE)
    for tag in ("textarea", "input", "select", "button"):
        assert never.find_all(tag) == [], f"<{tag}> inside the never-section"
    assert [text_of(li) for li in never.find_all("li")] == [
        "Händer det att du känner dig otrygg hemma?",
        "Händer det att du känner dig otrygg på jobbet?",
    ]
    assert "Ska inte dokumenteras." in text_of(never)
    assert "ingenting om det sparas" in text_of(never)
    manager_note = "Du som chef kan ta stöd i anvisningarna"
    assert (manager_note in text_of(never)) == (role == "manager")


def test_goteborg_optional_section_says_it_need_not_be_filled_in(
    app: Flask, signed_in: SignIn
) -> None:
    talk = talk_in_round(app, 2027, "goteborg", "utvecklingsplan")
    client = signed_in("employee_a")

    page = client.get(form_url(talk))

    optional = section_fieldset(preparation_form(page.text), "Arbetsmiljö och hälsa")
    assert "Det här avsnittet behöver inte fyllas i eller dokumenteras." in text_of(optional)
    assert "Skriv ner eventuella risker och behov." in text_of(optional)
    assert text_of(one(optional, "label", attrs={"for": "q_arbetsmiljon_och_halsan"})) == (
        "Hur upplever du arbetsmiljön och din hälsa?"
    )
    one(optional, "textarea", attrs={"name": "q_arbetsmiljon_och_halsan"})
    documented = section_fieldset(preparation_form(page.text), "Klargöra uppdrag")
    assert "behöver inte fyllas i" not in text_of(documented)


@pytest.mark.parametrize(
    ("question_id", "text"),
    [
        ("kanner_till_reglerna", "Känner du till vad som gäller kring bisysslor, jäv och mutor?"),
        ("har_bisyssla", "Har du någon bisyssla?"),
    ],
)
def test_goteborg_yes_no_questions_are_radio_buttons_ja_nej(
    app: Flask, signed_in: SignIn, question_id: str, text: str
) -> None:
    talk = talk_in_round(app, 2027, "goteborg", "utvecklingsplan")
    client = signed_in("employee_a")

    page = client.get(form_url(talk))

    section = section_fieldset(preparation_form(page.text), "Bisysslor, jäv och mutor")
    group = [
        fs
        for fs in section.find_all("fieldset", class_="choices")
        if text_of(one(fs, "legend")) == text
    ]
    assert len(group) == 1
    radios = group[0].find_all("input", attrs={"name": f"q_{question_id}"})
    assert [r.attrs["type"] for r in radios] == ["radio", "radio"]
    assert [r.attrs["value"] for r in radios] == ["ja", "nej"]
    assert [text_of(one(group[0], "label", attrs={"for": r.attrs["id"]})) for r in radios] == [
        "Ja",
        "Nej",
    ]
    assert not any("checked" in r.attrs for r in radios)
    assert text_of(one(section, "label", attrs={"for": f"c_{question_id}"})) == (
        f"Kommentar till ”{text}” (valfritt)"
    )
    one(section, "textarea", attrs={"name": f"c_{question_id}"})


@pytest.mark.parametrize(
    ("question_id", "text"),
    [
        ("skatta_formaga", "Förmåga"),
        ("skatta_vilja", "Vilja"),
        ("skatta_kunskap", "Kunskap"),
        ("skatta_fardigheter", "Färdigheter"),
    ],
)
def test_kompetenssamtal_ratings_are_radio_buttons_1_to_5_with_labels(
    app: Flask, signed_in: SignIn, question_id: str, text: str
) -> None:
    talk = talk_in_round(app, 2028, "kompetenssamtal", "aktivitetsplan")
    client = signed_in("employee_a")

    page = client.get(form_url(talk))

    section = section_fieldset(preparation_form(page.text), "Skatta din kompetens")
    group = [
        fs
        for fs in section.find_all("fieldset", class_="choices")
        if text_of(one(fs, "legend")) == text
    ]
    assert len(group) == 1
    radios = group[0].find_all("input", attrs={"type": "radio", "name": f"q_{question_id}"})
    assert [r.attrs["value"] for r in radios] == ["1", "2", "3", "4", "5"]
    assert [
        text_of(one(group[0], "label", attrs={"for": r.attrs["id"]})) for r in radios
    ] == SCALE_LABELS
    assert text_of(one(section, "label", attrs={"for": f"c_{question_id}"})) == (
        f"Kommentar till ”{text}” (valfritt)"
    )
    comment = one(section, "textarea", attrs={"name": f"c_{question_id}"})
    assert f"c_{question_id}-offentlig" in comment.attrs["aria-describedby"].split()


@pytest.mark.parametrize(
    ("year", "set_id", "plan_id", "question_id", "value", "shown"),
    [
        (2027, "goteborg", "utvecklingsplan", "har_bisyssla", "ja", "Ja"),
        (2027, "goteborg", "utvecklingsplan", "kanner_till_reglerna", "nej", "Nej"),
        (2028, "kompetenssamtal", "aktivitetsplan", "skatta_vilja", "4", "Skattning: 4 av 5"),
    ],
)
def test_a_choice_and_its_comment_are_stored_by_question_id_and_shown_again(
    app: Flask,
    signed_in: SignIn,
    year: int,
    set_id: str,
    plan_id: str,
    question_id: str,
    value: str,
    shown: str,
) -> None:
    talk = talk_in_round(app, year, set_id, plan_id)
    client = signed_in("employee_a")

    saved = post_form(
        client, talk, {f"q_{question_id}": value, f"c_{question_id}": "Kommentar till valet"}
    )

    assert saved.status_code == 302
    preparation = stored(app, talk)
    assert preparation is not None
    assert preparation.answers == {question_id: {"value": value, "comment": "Kommentar till valet"}}
    form = parse(client.get(form_url(talk)).text)
    checked = [
        r.attrs["value"]
        for r in form.find_all("input", attrs={"name": f"q_{question_id}"})
        if "checked" in r.attrs
    ]
    assert checked == [value]
    assert (
        one(form, "textarea", attrs={"name": f"c_{question_id}"}).get_text()
        == "Kommentar till valet"
    )
    submitted = post_form(
        client,
        talk,
        {f"q_{question_id}": value, f"c_{question_id}": "Kommentar till valet"},
        action="skicka",
    )
    assert submitted.status_code == 302
    overview = client.get(overview_url(talk)).text
    assert shown in overview
    assert "Kommentar till valet" in overview


@pytest.mark.parametrize(
    ("year", "set_id", "plan_id", "question_id", "value"),
    [
        (2027, "goteborg", "utvecklingsplan", "har_bisyssla", "kanske"),
        (2028, "kompetenssamtal", "aktivitetsplan", "skatta_vilja", "6"),
        (2028, "kompetenssamtal", "aktivitetsplan", "skatta_vilja", "0"),
    ],
)
def test_a_choice_outside_the_scale_is_refused_and_nothing_stored(
    app: Flask,
    signed_in: SignIn,
    year: int,
    set_id: str,
    plan_id: str,
    question_id: str,
    value: str,
) -> None:
    talk = talk_in_round(app, year, set_id, plan_id)
    client = signed_in("employee_a")

    response = post_form(
        client, talk, {f"q_{question_id}": value, f"c_{question_id}": "Min kommentar"}
    )

    assert response.status_code == 400
    assert "Något behöver rättas" in response.text
    assert textarea_text(response.text, f"c_{question_id}") == "Min kommentar"
    assert stored_row(app, talk) is None


# --- 2. nothing is stored for a never-section, nor for fields the form does not have --------------


@pytest.mark.parametrize(
    "name",
    [
        "q_vald_i_nara_relation",
        "c_vald_i_nara_relation",
        "vald_i_nara_relation",
        "q_pahittat_falt",
        "answers[vald_i_nara_relation]",
    ],
)
def test_a_posted_field_for_a_never_section_stores_nothing_about_it(
    app: Flask, signed_in: SignIn, name: str
) -> None:
    talk = talk_in_round(app, 2027, "goteborg", "utvecklingsplan")
    client = signed_in("employee_a")
    secret = "Jag känner mig otrygg hemma"

    response = post_form(
        client,
        talk,
        {
            "q_samma_syn_pa_uppdraget": "Ja, i stort sett.",
            name: secret,
        },
    )

    assert response.status_code == 302
    row = stored_row(app, talk)
    assert row is not None
    assert json.loads(row["answers"]) == {"samma_syn_pa_uppdraget": {"value": "Ja, i stort sett."}}
    assert secret not in data_dump(app)
    audit_text = json.dumps([dict(r) for r in conn(app).execute("SELECT * FROM audit_log")])
    assert secret not in audit_text
    assert secret not in client.get(form_url(talk)).text


@pytest.mark.parametrize("role", ["employee_a", "manager"])
def test_every_section_with_fields_has_its_own_save_button_in_the_one_form(
    app: Flask, signed_in: SignIn, role: str
) -> None:
    talk = talk_of(app, "employee_a")  # the routine's set, the longest form
    html = signed_in(role).get(form_url(talk)).text
    form = preparation_form(html)  # one form: a section's button sends every section

    sections = form.find_all("fieldset", class_="section")
    with_fields = [s for s in sections if s.find_all(["textarea", "input"])]
    assert len(with_fields) >= 5
    for section in with_fields:
        [button] = section.find_all("button")
        assert (button["type"], button["name"], button["value"]) == ("submit", "action", "spara")
        assert text_of(button) == "Spara utkast"
    for section in sections:
        if section not in with_fields:
            assert section.find_all("button") == []
    # The buttons at the end stay: save, and submit.
    actions = one(form, "div", class_="actions")
    assert [text_of(b) for b in actions.find_all("button")] == ["Spara utkast", "Skicka in"]
