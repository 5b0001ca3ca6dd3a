"""The handbook fragments in English: site_config's English texts, English fixed words, and a
translation note crediting the source, with no Swedish word of the fragments left over."""

from __future__ import annotations

import re

import markdown
import pytest
from markupsafe import escape

from formserver.handbook.render import (
    LOCAL_BOXES,
    markdown_text,
    render_local_decisions,
    render_plan_template,
    render_print_header,
    render_question_set,
    render_sources,
)
from formserver.handbook.words import WORDS
from formserver.siteconfig import SiteConfig

SET_IDS = ("rutin", "goteborg", "kompetenssamtal", "rollsamtal")
TEMPLATE_IDS = ("handlingsplan", "aktivitetsplan", "utvecklingsplan")


def _swedish_fixed_words() -> list[str]:
    """The literal pieces of every Swedish fixed word, as they would show if left untranslated."""
    pieces = []
    for key, text in WORDS["sv"].items():
        for piece in re.split(r"\{\w+\}", text):
            piece = piece.strip(" .:”–,")
            # Words the same in both languages ("Organisation", "version") are no sign.
            if len(piece) >= 6 and piece not in WORDS["en"][key]:
                pieces.append(piece)
    return pieces + ["Källa:", "Datum", "Ja ☐ Nej"]


SWEDISH_WORDS = _swedish_fixed_words()
# The hos-oss texts' Swedish words (hos_oss_words.sv.md.j2), as a reader would notice them.
SWEDISH_DECISION_WORDS = [
    "Så gör vi hos",
    "Alla beslut",
    "Frågeunderlag och planmall",
    "Vi skriver ner",
    "Det här dokumenteras",
    "Samtalen hålls",
    "Chefen kallar",
    "Vi sparar",
    "äger rutinen",
    " och ",
]


def _assert_no_swedish_words(html: str, words: list[str]) -> None:
    left = [word for word in words if word in html]
    assert left == [], left


def _translation_note(html: str) -> str:
    found = re.findall(r'<p class="translation-note[^"]*">(.*?)</p>', html)
    assert len(found) == 1, html[-800:]
    return str(found[0])


@pytest.mark.parametrize("set_id", SET_IDS)
def test_a_question_set_in_english(site_config: SiteConfig, set_id: str) -> None:
    html = render_question_set(site_config, set_id, language="en")
    english = site_config.localized("en")
    qs, source = (
        english.question_sets[set_id],
        english.sources[english.question_sets[set_id].source],
    )
    for question in qs.questions():
        assert f"<strong>{escape(question.text)}</strong>" in html
    for section in qs.sections:
        assert str(escape(section.intro)) in html
    assert "Source: “" in html and f"Question set “{escape(qs.title)}”, version 1." in html
    note = _translation_note(html)
    assert note.startswith("Translation: the English wording is a translation of the Swedish text")
    assert str(escape(source.organisation)) in note and str(escape(source.title)) in note
    assert "Documentation" in html
    _assert_no_swedish_words(html, SWEDISH_WORDS)


@pytest.mark.parametrize("set_id", SET_IDS)
def test_a_question_set_in_swedish_has_no_translation_note(
    site_config: SiteConfig, set_id: str
) -> None:
    html = render_question_set(site_config, set_id)
    assert "translation-note" not in html
    assert "Källa: ”" in html
    first = site_config.question_sets[set_id].questions()[0]
    assert f"<strong>{escape(first.text)}</strong>" in html


def test_scale_and_yes_no_answers_are_explained_in_english(site_config: SiteConfig) -> None:
    rated = render_question_set(site_config, "kompetenssamtal", language="en")
    assert "Rate from 1 to 5: 1 = Needs much development, 2 = Needs development," in rated
    assert "5 = Very good, can teach others." in rated
    yes_no = render_question_set(site_config, "goteborg", language="en")
    assert "Answer yes or no." in yes_no and "☐ Yes ☐ No" in yes_no
    # The violence section: guidance only, in English, with the note to the manager.
    assert "This section is support for the conversation and is not documented" in yes_no
    assert "This point shall not be documented in this talk." in yes_no
    assert "For you as a manager" in yes_no


@pytest.mark.parametrize("template_id", TEMPLATE_IDS)
def test_a_plan_template_in_english(site_config: SiteConfig, template_id: str) -> None:
    html = render_plan_template(site_config, template_id, language="en")
    plan = site_config.localized("en").plan_templates[template_id]
    for field in plan.header_fields:
        assert f'<th scope="row">{escape(field)}</th>' in html
    for grid in plan.grids:
        assert f"<caption>{escape(grid.title)} – blank template to fill in</caption>" in html
        for column in grid.columns:
            assert f'<th scope="col">{escape(column.label)}' in html
    assert "<caption>About the talk</caption>" in html
    assert f"Plan template “{template_id}”, version 1." in html
    assert _translation_note(html).startswith("Translation: the English wording is a translation")
    _assert_no_swedish_words(html, SWEDISH_WORDS)


def test_signature_lines_in_english(site_config: SiteConfig) -> None:
    html = render_plan_template(site_config, "utvecklingsplan", language="en")
    assert "<caption>Signatures</caption>" in html
    assert '<th scope="col">Signature</th><th scope="col">Date</th>' in html
    assert '<th scope="row">Manager&#39;s signature</th>' in html
    assert "Underskrift" not in html


def test_sources_in_english(site_config: SiteConfig) -> None:
    html = render_sources(site_config, language="en")
    assert "Organisation: KTH Royal Institute of Technology." in html
    assert "website: https://www.omstallningsfonden.se/" in html
    assert "Used in the handbook: Questions: Template for medarbetarsamtal; " in html
    assert "Template: Individual development plan." in html
    _assert_no_swedish_words(html, SWEDISH_WORDS)


@pytest.mark.parametrize("box", LOCAL_BOXES)
def test_each_local_decision_box_in_english(site_config: SiteConfig, box: str) -> None:
    markdown = render_local_decisions(site_config, box, lambda page: page, language="en")
    assert markdown.startswith('!!! note hos-oss "How we do it at Exempelkommunen"')
    assert "All our decisions are on the page [How we do it here](sa-gor-vi-hos-oss.md)." in (
        markdown
    )
    _assert_no_swedish_words(markdown, SWEDISH_DECISION_WORDS)


def test_the_local_decisions_page_in_english(site_config: SiteConfig) -> None:
    markdown = render_local_decisions(site_config, "", lambda page: page, language="en")
    assert "## Question set and plan template" in markdown
    assert (
        "the question set [“Routine for medarbetarsamtal – areas for reflection”](fragor/rutin.md)"
    ) in markdown
    assert "The talks are held in October and November." in markdown
    assert "at least 14 days before the talk" in markdown
    assert "Exempelkommunen&#39;s routine for the employer&#39;s work against violence" in markdown
    assert "“Work situation and health”, “Achieving goals”," in markdown
    _assert_no_swedish_words(markdown, SWEDISH_DECISION_WORDS)


def test_the_print_header_in_english(site_config: SiteConfig) -> None:
    html = render_print_header(site_config, language="en")
    assert "Printable version of the handbook, made <time" in html
    assert "Utskriftsversion" not in html


def test_an_apostrophe_in_markdown_text_shows_as_an_apostrophe() -> None:
    # English has apostrophes ("the employer's routine"); escape() makes them &#39;, and the
    # Markdown escaping must leave that entity whole rather than turn it into "&\#39;".
    text = str(markdown_text("Exempelkommunen's routine #1 *now*"))
    assert text == r"Exempelkommunen&#39;s routine \#1 \*now\*"
    assert markdown.markdown(text) == "<p>Exempelkommunen&#39;s routine #1 *now*</p>"
