"""The one field renderer: labels, hints, errors and aria links, as a screen reader meets them."""

from __future__ import annotations

from typing import Any

from bs4 import BeautifulSoup, Tag
from markupsafe import Markup

from formserver.forms import fields
from formserver.forms.messages import NEVER_DOCUMENTED, OPTIONAL_SECTION, PUBLIC_NOTE
from formserver.siteconfig.model import Section
from tests.views.soup import one, parse, text_of

TYPED = 'Tre < fyra & "fem" </textarea><script>x</script>'


def el(scope: BeautifulSoup | Tag, tag: str, **filters: Any) -> Tag:
    """The only `tag` in `scope` whose attributes match `filters` (for_ is the for attribute)."""
    attrs = {("for" if key == "for_" else key): value for key, value in filters.items()}
    classes = attrs.pop("class_", None)
    return one(scope, tag, attrs=attrs, **({"class_": classes} if classes else {}))


def only(html: str, tag: str) -> Tag:
    return one(parse(html), tag)


def test_a_textarea_with_hint_note_and_error_links_all_three_in_reading_order() -> None:
    html = fields.head("q_x", "Hur mår du?", hint="Tänk på veckan.", public=True).textarea(
        TYPED, ["Texten är för lång."], rows=3
    )

    document = parse(html)
    div = el(document, "div", class_="field")
    assert div["class"] == ["field", "has-error"]
    assert text_of(el(document, "label", for_="q_x")) == "Hur mår du?"
    area = el(document, "textarea", id="q_x", name="q_x", rows="3")
    assert area.get_text() == TYPED
    assert area["aria-invalid"] == "true"
    assert str(area["aria-describedby"]).split() == ["q_x-hjalp", "q_x-offentlig", "q_x-fel"]
    assert document.find(id="q_x-hjalp") == el(document, "p", class_="hint", id="q_x-hjalp")
    offentlig = document.find(id="q_x-offentlig")
    assert isinstance(offentlig, Tag) and text_of(offentlig) == PUBLIC_NOTE
    error = el(document, "p", class_="field-error", id="q_x-fel")
    assert text_of(error) == "Fel: Texten är för lång."


def test_without_errors_there_is_no_error_and_only_existing_ids_are_named() -> None:
    head = fields.head("note", "Anteckningar", public=True)

    with_error = head.textarea("a", "Fel här.")
    html = head.textarea("b")

    assert "field-error" in with_error
    document = parse(html)
    area = el(document, "textarea", name="note")
    assert area.get_text() == "b"
    assert "aria-invalid" not in area.attrs
    assert area["aria-describedby"] == "note-offentlig"
    assert document.find_all("p", class_="field-error") == []
    assert el(document, "div", class_="field")["class"] == ["field"]
    bare = only(fields.head("plain", "Bara text").textarea(""), "textarea")
    assert "aria-describedby" not in bare.attrs


def test_a_hint_of_markup_keeps_its_paragraphs_and_a_plain_hint_is_escaped() -> None:
    rich = fields.head("q", "Fråga", hint=Markup("<p>Ett</p><ul><li>Två</li></ul>")).textarea()
    plain = fields.head("q", "Fråga", hint="<b>inte fet</b>").textarea()

    hint = el(parse(rich), "div", class_="hint", id="q-hjalp")
    assert [text_of(li) for li in hint.find_all("li")] == ["Två"]
    assert text_of(el(parse(plain), "p", class_="hint", id="q-hjalp")) == "<b>inte fet</b>"


def test_inputs_carry_type_value_and_flags_and_a_file_input_no_value() -> None:
    day = only(
        fields.head("day", "Datum").input("2026-13-01", ["Fel datum."], type="date", required=True),
        "input",
    )
    email = only(
        fields.head("email", "E-post").input("a@b.se", type="email", autocomplete="email"), "input"
    )
    upload = only(
        fields.head("roster", "Fil").input(errors="Fel fil.", type="file", accept=".csv"), "input"
    )

    assert (day["type"], day["value"], day["aria-invalid"]) == ("date", "2026-13-01", "true")
    assert "required" in day.attrs and day["aria-describedby"] == "day-fel"
    assert (email["type"], email["autocomplete"]) == ("email", "email")
    assert "value" not in upload.attrs and upload["accept"] == ".csv"
    assert upload["aria-describedby"] == "roster-fel"


def test_a_select_marks_the_chosen_option_and_reads_wtforms_choices() -> None:
    choices = [("a", "Alfa", False, {}), ("b", "Beta <2>", True, {})]

    html = fields.head("set", "Formulär").select(choices, "b", ["Välj ett formulär."])

    select = el(parse(html), "select", id="set", name="set")
    options = select.find_all("option")
    assert [(o["value"], text_of(o), "selected" in o.attrs) for o in options] == [
        ("a", "Alfa", False),
        ("b", "Beta <2>", True),
    ]
    assert select["aria-describedby"] == "set-fel"


def test_a_radio_group_has_a_legend_ids_by_value_or_position_and_its_errors_linked() -> None:
    by_value = fields.group("check_x", "Har du en bisyssla?", [("ja", "Ja"), ("nej", "Nej")])
    by_position = fields.group(
        "q_y", "Hur går det?", [("1", "Dåligt"), ("5", "Bra")], hint="Välj ett.", ids="position"
    )

    yes_no = parse(by_value.radios("nej"))
    scale = parse(by_position.radios("", "Välj ett av alternativen."))

    legend = el(el(yes_no, "fieldset", class_="choices"), "legend")
    assert text_of(legend) == "Har du en bisyssla?"
    radios = yes_no.find_all("input", attrs={"type": "radio", "name": "check_x"})
    assert [(r["id"], "checked" in r.attrs) for r in radios] == [
        ("check_x-ja", False),
        ("check_x-nej", True),
    ]
    assert [text_of(el(yes_no, "label", for_=r["id"])) for r in radios] == ["Ja", "Nej"]
    assert [r["id"] for r in scale.find_all("input")] == ["q_y-1", "q_y-2"]
    assert str(el(scale, "fieldset")["aria-describedby"]).split() == ["q_y-hjalp", "q_y-fel"]
    assert text_of(el(scale, "p", class_="field-error")) == "Fel: Välj ett av alternativen."
    assert (by_value.first_id, by_position.first_id) == ("check_x-ja", "q_y-1")


def test_a_read_only_copy_can_go_without_a_name() -> None:
    area = only(
        fields.head("text-1", "Din text 1", name=None).textarea("x", readonly=True), "textarea"
    )

    assert "name" not in area.attrs and "readonly" in area.attrs


def test_a_checkbox_has_its_label_after_it() -> None:
    html = fields.checkbox("ok", "Jag vill ändå")

    box = el(parse(html), "input", type="checkbox", id="ok", name="ok", value="y")
    assert "checked" not in box.attrs
    assert text_of(el(parse(html), "label", for_="ok")) == "Jag vill ändå"


def test_policy_notes_say_never_and_optional_in_one_wording() -> None:
    never = Section(id="s", title="S", policy="never")
    optional = Section(id="t", title="T", policy="optional", documentation_note="Om det behövs.")

    assert text_of(el(parse(fields.policy_note(never)), "p", class_="note")) == (
        f"Ska inte dokumenteras. {NEVER_DOCUMENTED}"
    )
    assert text_of(el(parse(fields.policy_note(optional)), "p", class_="note")) == (
        f"{OPTIONAL_SECTION} Om det behövs."
    )
    assert fields.policy_note(Section(id="u", title="U", policy="documented")) == ""
