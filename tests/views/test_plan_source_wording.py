"""The service never tells its users to write in the source organisation's own system.

Rutin för medarbetarsamtal (seed 000) says its notes are written, and the filled-in
handlingsplan attached, "i WinLas": that organisation's HR system. The rule ("skrivs ner")
is the routine's; the place is not ours, so no page or document of the service names it.
"""

from __future__ import annotations

from flask import Flask

from tests.factories import SignIn, talk_of
from tests.views.plan_helpers import (
    WEASYPRINT_ICC_LEAK,
    open_plan,
    pdf_text,
    plan_form,
    plan_url,
    signed_plan,
)
from tests.views.prepare_helpers import form_url, preparation_form, section_fieldset
from tests.views.soup import parse, text_of

RULE = "Relevant information från reflektionen skrivs ner."
SOURCE_SYSTEM = "WinLas"


def test_the_managers_notes_field_gives_the_rule_without_the_sources_system(
    app: Flask, signed_in: SignIn
) -> None:
    html = open_plan(signed_in("manager"), talk_of(app, "employee_a"))

    assert SOURCE_SYSTEM not in html
    section = section_fieldset(plan_form(html), "Arbetssituation och hälsa")
    hints = [text_of(p) for p in section.find_all("p", class_="hint")]
    assert RULE in hints


def test_the_employees_preparation_names_no_other_system(app: Flask, signed_in: SignIn) -> None:
    page = signed_in("employee_a").get(form_url(talk_of(app, "employee_a")))

    assert page.status_code == 200
    assert SOURCE_SYSTEM not in page.text
    assert preparation_form(page.text) is not None


@WEASYPRINT_ICC_LEAK
def test_the_signed_plan_printed_and_as_pdf_says_nothing_about_filing_it_elsewhere(
    app: Flask,
) -> None:
    talk, manager, employee = signed_plan(app)

    for browser in (manager, employee):
        printed = browser.get(plan_url(talk, "/utskrift"))
        assert printed.status_code == 200
        text = text_of(parse(printed.text))
        assert "Verifieringskod" in text  # the footer is there, without the source's line
        assert SOURCE_SYSTEM not in text and "bifogas" not in text
        with browser.get(plan_url(talk, ".pdf")) as response:
            copy = pdf_text(response.get_data())
        assert "Verifieringskod" in copy
        assert SOURCE_SYSTEM not in copy and "bifogas" not in copy
