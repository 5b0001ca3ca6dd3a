"""The one field renderer: labels, hints, errors and aria links, as a screen reader meets them."""

from __future__ import annotations

from markupsafe import Markup

from formserver.forms import fields
from formserver.forms.messages import NEVER_DOCUMENTED, OPTIONAL_SECTION, PUBLIC_NOTE
from formserver.siteconfig.model import Section
from tests.views.html_tree import Element, parse

TYPED = 'Tre < fyra & "fem" </textarea><script>x</script>'


def only(html: str, tag: str) -> Element:
    return parse(html).one(tag)


def test_a_textarea_with_hint_note_and_error_links_all_three_in_reading_order() -> None:
    html = fields.head("q_x", "Hur mår du?", hint="Tänk på veckan.", public=True).textarea(
        TYPED, ["Texten är för lång."], rows=3
    )

    document = parse(html)
    div = document.one("div", class_="field")
    assert div.attrs["class"].split() == ["field", "has-error"]
    assert document.one("label", for_="q_x").text() == "Hur mår du?"
    area = document.one("textarea", id="q_x", name="q_x", rows="3")
    assert area.raw_text() == TYPED
    assert area.attrs["aria-invalid"] == "true"
    assert area.attrs["aria-describedby"].split() == ["q_x-hjalp", "q_x-offentlig", "q_x-fel"]
    assert document.by_id("q_x-hjalp") == document.one("p", class_="hint", id="q_x-hjalp")
    offentlig = document.by_id("q_x-offentlig")
    assert offentlig is not None and offentlig.text() == PUBLIC_NOTE
    error = document.one("p", class_="field-error", id="q_x-fel")
    assert error.text() == "Fel: Texten är för lång."


def test_without_errors_there_is_no_error_and_only_existing_ids_are_named() -> None:
    head = fields.head("note", "Anteckningar", public=True)

    with_error = head.textarea("a", "Fel här.")
    html = head.textarea("b")

    assert "field-error" in with_error
    document = parse(html)
    area = document.one("textarea", name="note")
    assert area.raw_text() == "b"
    assert "aria-invalid" not in area.attrs
    assert area.attrs["aria-describedby"] == "note-offentlig"
    assert document.find_all("p", class_="field-error") == []
    assert document.one("div", class_="field").attrs["class"] == "field"
    bare = only(fields.head("plain", "Bara text").textarea(""), "textarea")
    assert "aria-describedby" not in bare.attrs


def test_a_hint_of_markup_keeps_its_paragraphs_and_a_plain_hint_is_escaped() -> None:
    rich = fields.head("q", "Fråga", hint=Markup("<p>Ett</p><ul><li>Två</li></ul>")).textarea()
    plain = fields.head("q", "Fråga", hint="<b>inte fet</b>").textarea()

    hint = parse(rich).one("div", class_="hint", id="q-hjalp")
    assert [li.text() for li in hint.find_all("li")] == ["Två"]
    assert parse(plain).one("p", class_="hint", id="q-hjalp").text() == "<b>inte fet</b>"


def test_inputs_carry_type_value_and_flags_and_a_file_input_no_value() -> None:
    day = only(
        fields.head("day", "Datum").input("2026-13-01", ["Fel datum."], type="date", required=True),
        "input",
    )
    email = only(
        fields.head("email", "E-post").input("a@b.se", type="email", autocomplete="email"), "input"
    )
    upload = parse(
        fields.head("roster", "Fil").input(errors="Fel fil.", type="file", accept=".csv")
    ).one("input")

    assert (day.attrs["type"], day.attrs["value"], day.attrs["aria-invalid"]) == (
        "date",
        "2026-13-01",
        "true",
    )
    assert "required" in day.attrs and day.attrs["aria-describedby"] == "day-fel"
    assert (email.attrs["type"], email.attrs["autocomplete"]) == ("email", "email")
    assert "value" not in upload.attrs and upload.attrs["accept"] == ".csv"
    assert upload.attrs["aria-describedby"] == "roster-fel"


def test_a_select_marks_the_chosen_option_and_reads_wtforms_choices() -> None:
    choices = [("a", "Alfa", False, {}), ("b", "Beta <2>", True, {})]

    html = fields.head("set", "Formulär").select(choices, "b", ["Välj ett formulär."])

    select = parse(html).one("select", id="set", name="set")
    options = select.find_all("option")
    assert [(o.attrs["value"], o.text(), "selected" in o.attrs) for o in options] == [
        ("a", "Alfa", False),
        ("b", "Beta <2>", True),
    ]
    assert select.attrs["aria-describedby"] == "set-fel"


def test_a_radio_group_has_a_legend_ids_by_value_or_position_and_its_errors_linked() -> None:
    by_value = fields.group("check_x", "Har du en bisyssla?", [("ja", "Ja"), ("nej", "Nej")])
    by_position = fields.group(
        "q_y", "Hur går det?", [("1", "Dåligt"), ("5", "Bra")], hint="Välj ett.", ids="position"
    )

    yes_no = parse(by_value.radios("nej"))
    scale = parse(by_position.radios("", "Välj ett av alternativen."))

    assert yes_no.one("fieldset", class_="choices").one("legend").text() == "Har du en bisyssla?"
    radios = yes_no.find_all("input", type="radio", name="check_x")
    assert [(r.attrs["id"], "checked" in r.attrs) for r in radios] == [
        ("check_x-ja", False),
        ("check_x-nej", True),
    ]
    assert [yes_no.one("label", for_=r.attrs["id"]).text() for r in radios] == ["Ja", "Nej"]
    assert [r.attrs["id"] for r in scale.find_all("input")] == ["q_y-1", "q_y-2"]
    assert scale.one("fieldset").attrs["aria-describedby"].split() == ["q_y-hjalp", "q_y-fel"]
    assert scale.one("p", class_="field-error").text() == "Fel: Välj ett av alternativen."
    assert (by_value.first_id, by_position.first_id) == ("check_x-ja", "q_y-1")


def test_a_read_only_copy_can_go_without_a_name() -> None:
    area = only(
        fields.head("text-1", "Din text 1", name=None).textarea("x", readonly=True), "textarea"
    )

    assert "name" not in area.attrs and "readonly" in area.attrs


def test_a_checkbox_has_its_label_after_it() -> None:
    html = fields.checkbox("ok", "Jag vill ändå")

    box = parse(html).one("input", type="checkbox", id="ok", name="ok", value="y")
    assert "checked" not in box.attrs
    assert parse(html).one("label", for_="ok").text() == "Jag vill ändå"


def test_policy_notes_say_never_and_optional_in_one_wording() -> None:
    never = Section(id="s", title="S", policy="never")
    optional = Section(id="t", title="T", policy="optional", documentation_note="Om det behövs.")

    assert parse(fields.policy_note(never)).one("p", class_="note").text() == (
        f"Ska inte dokumenteras. {NEVER_DOCUMENTED}"
    )
    assert parse(fields.policy_note(optional)).one("p", class_="note").text() == (
        f"{OPTIONAL_SECTION} Om det behövs."
    )
    assert fields.policy_note(Section(id="u", title="U", policy="documented")) == ""
