"""The question sets and plan templates in the reader's language: the same answers, stored by
question id, read in Swedish and in English, and the English wording named as a translation."""

from __future__ import annotations

from flask import Flask

from tests.factories import choosing_language, csrf_token, talk_of
from tests.views.plan_helpers import open_plan, standard_plan
from tests.views.prepare_helpers import form_url, post_form, textarea_text
from tests.views.soup import parse, text_of

SAME_SITE = {"Sec-Fetch-Site": "same-origin"}
TRANSLATION = "Translation: the English wording is a translation of the Swedish text in"


reader = choosing_language


def main_text(html: str) -> str:
    return text_of(parse(html).find("main"))


def test_an_answer_saved_in_english_reads_in_swedish_and_back(app: Flask) -> None:
    talk = talk_of(app, "employee_a")
    client = reader(app, "employee_a", "en")
    english = client.get(form_url(talk)).text
    assert "How do you experience your health?" in main_text(english)
    assert "Hur upplever du din hälsa?" not in main_text(english)
    note = text_of(parse(english).find("p", class_="translation-note"))
    assert note.startswith(TRANSLATION)
    assert "Routine for medarbetarsamtal" in note  # the source, credited
    assert post_form(client, talk, {"q_halsa": "Mostly well, some back pain."}).status_code == 302

    switch = {"language": "sv", "next": "/", "csrf_token": csrf_token(english)}
    assert client.post("/sprak", data=switch).status_code == 303
    swedish = client.get(form_url(talk)).text
    assert "Hur upplever du din hälsa?" in main_text(swedish)
    assert parse(swedish).find("p", class_="translation-note") is None  # the source's own words
    assert textarea_text(swedish, "q_halsa") == "Mostly well, some back pain."
    assert post_form(client, talk, {"q_halsa": "Mest bra."}).status_code == 302

    again = reader(app, "employee_a", "en").get(form_url(talk)).text
    assert textarea_text(again, "q_halsa") == "Mest bra."


def test_the_plan_page_shows_the_template_in_the_readers_language(app: Flask) -> None:
    talk = talk_of(app, "employee_a")
    manager = reader(app, "manager", "sv")
    standard_plan(manager, talk)
    employee = reader(app, "employee_a", "en")
    english = main_text(open_plan(employee, talk))
    assert "Work situation and health" in english  # the section of the question set
    assert "Arbetssituation och hälsa" not in english
    assert TRANSLATION in english
    swedish = main_text(open_plan(manager, talk))
    assert "Arbetssituation och hälsa" in swedish and TRANSLATION not in swedish
    assert "Översättning" not in swedish
