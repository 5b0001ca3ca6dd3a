"""English beside the Swedish in site_config: complete when offered, swapped in by localized()."""

from __future__ import annotations

import re
from dataclasses import fields, is_dataclass
from pathlib import Path
from typing import Any

import pytest
import yaml

from formserver.siteconfig import ConfigError, SiteConfig, load_site_config
from tests.factories import BreakConfig

TEXT_FIELDS = {
    "text",
    "title",
    "intro",
    "help",
    "note",
    "points_intro",
    "points",
    "documentation_note",
    "manager_note",
    "label",
    "group",
    "header_fields",
    "footer",
    "signatures",
    "labels",
    "organisation",
    "talk_period",
    "violence_routine",
}


def _texts(item: Any, path: str = "") -> dict[str, Any]:
    """Every translatable text of a model object, by its path (ids and kinds excluded)."""
    found: dict[str, Any] = {}
    if isinstance(item, tuple) and item and is_dataclass(item[0]):
        for index, child in enumerate(item):
            found.update(_texts(child, f"{path}[{index}]"))
    elif is_dataclass(item):
        for f in fields(item):
            value = getattr(item, f.name)
            if f.name in TEXT_FIELDS and value:
                found[f"{path}.{f.name}"] = value
            elif isinstance(value, tuple) or is_dataclass(value):
                found.update(_texts(value, f"{path}.{f.name}"))
    return found


def _line_of(root: Path, file: str, text: str) -> int:
    lines = (root / file).read_text(encoding="utf-8").splitlines()
    return next(number for number, line in enumerate(lines, 1) if text in line)


def _problems(root: Path) -> str:
    with pytest.raises(ConfigError) as caught:
        load_site_config(root)
    return str(caught.value)


def test_every_set_and_template_is_offered_and_translated_in_english(
    site_config: SiteConfig,
) -> None:
    english = site_config.localized("en")
    items = [
        *((site_config.question_sets[k], qs) for k, qs in english.question_sets.items()),
        *((site_config.plan_templates[k], pt) for k, pt in english.plan_templates.items()),
        *((site_config.sources[k], s) for k, s in english.sources.items()),
        (site_config.policies, english.policies),
    ]
    assert len(items) == 4 + 3 + 5 + 1
    for swedish, translated in items:
        assert getattr(swedish, "languages", ("sv", "en")) == ("sv", "en")
        sv, en = _texts(swedish), _texts(translated)
        assert sv.keys() == en.keys(), getattr(swedish, "id", "policies")
        # Every text differs from its Swedish: none was left untranslated or copied over.
        same = {path: text for path, text in sv.items() if en[path] == text}
        assert same == {}, getattr(swedish, "id", "policies")


def test_localized_swaps_the_texts_but_keeps_ids_versions_and_kinds(
    site_config: SiteConfig,
) -> None:
    english = site_config.localized("en")
    swedish_set, english_set = site_config.question_sets["rutin"], english.question_sets["rutin"]
    assert english_set.title == "Routine for medarbetarsamtal – areas for reflection"
    assert english_set.sections[0].questions[2].text == "How do you experience your health?"
    assert english_set.is_translation and english_set.language == "en"
    assert (english_set.id, english_set.version) == (swedish_set.id, swedish_set.version)
    assert [(q.id, q.kind) for q in english_set.questions()] == [
        (q.id, q.kind) for q in swedish_set.questions()
    ]
    assert [s.policy for s in english_set.sections] == [s.policy for s in swedish_set.sections]
    scale = english.question_sets["kompetenssamtal"].scale
    assert scale is not None and scale.labels[5] == "Very good, can teach others"
    grid = english.plan_templates["handlingsplan"].grids[0]
    assert [c.id for c in grid.columns] == [
        c.id for c in site_config.plan_templates["handlingsplan"].grids[0].columns
    ]
    assert grid.columns[0].label == "The organisation's goals"
    assert english.policies.talk_period == "in October and November"
    assert english.policies.call_notice_days == site_config.policies.call_notice_days
    assert english.organisation == site_config.organisation


def test_the_swedish_stays_swedish_and_each_language_is_built_once(
    site_config: SiteConfig,
) -> None:
    english = site_config.localized("en")
    assert english is site_config.localized("en")
    assert english.localized("sv") is site_config
    assert site_config.localized("sv") is site_config
    swedish_set = site_config.question_sets["rutin"]
    assert swedish_set.sections[0].questions[2].text == "Hur upplever du din hälsa?"
    assert not swedish_set.is_translation and swedish_set.language == "sv"
    assert site_config.plan_templates["utvecklingsplan"].signatures == (
        "Underskrift chef",
        "Underskrift medarbetare",
    )
    # A language no file offers gives the Swedish.
    assert site_config.localized("de") is site_config


def test_a_missing_english_question_is_named_with_file_line_and_field(
    broken_config: BreakConfig,
) -> None:
    file = "question_sets/rutin.yml"
    root = broken_config(
        file, "        en:\n          text: How do you experience your health?\n", ""
    )
    line = _line_of(root, file, "text: Hur upplever du din hälsa?")
    assert (
        f"site_config/{file}, rad {line}, fält sections[1].questions[3].en.text: Texten på "
        "engelska saknas. Filen har en i languages: lägg till text under en:."
    ) in _problems(root)


def test_every_missing_english_text_is_reported(broken_config: BreakConfig) -> None:
    file = "plan_templates/utvecklingsplan.yml"
    root = broken_config(
        file, ', en: {label: "What conditions are needed?"}', ', en: {help: "Conditions"}'
    )
    text = _problems(root)
    line = _line_of(root, file, "{id: forutsattningar")
    assert f"rad {line}, fält grids[1].columns[2].en.label: Texten på engelska saknas." in text
    # `help` has no Swedish text to translate: an English one alone is an error too.
    assert f"rad {line}, fält grids[1].columns[2].en.help: Det finns ingen svensk text" in text


def test_an_unknown_key_in_an_english_block_is_an_error(broken_config: BreakConfig) -> None:
    file = "question_sets/goteborg.yml"
    root = broken_config(
        file, "    en: {title: Since last time}", "    en: {titel: Since last time}"
    )
    line = _line_of(root, file, "en: {titel: Since last time}")
    text = _problems(root)
    assert (
        f"goteborg.yml, rad {line}, fält sections[3].en.titel: Okänt fält ”titel” under en:."
        in (text)
    )
    assert (
        f"goteborg.yml, rad {line - 1}, fält sections[3].en.title: Texten på engelska saknas."
        in (text)
    )


def test_a_list_must_have_as_many_english_texts_as_swedish(broken_config: BreakConfig) -> None:
    file = "plan_templates/aktivitetsplan.yml"
    root = broken_config(file, "[Date, Employee, Manager, ", "[Date, Employee, ")
    line = _line_of(root, file, "  header_fields: [Date, Employee,")
    assert (
        f"aktivitetsplan.yml, rad {line}, fält en.header_fields: Ska ha lika många texter som den "
        "svenska listan (4), men har 3."
    ) in _problems(root)


def test_every_scale_step_needs_its_english(broken_config: BreakConfig) -> None:
    file = "question_sets/kompetenssamtal.yml"
    root = broken_config(file, "      5: Very good, can teach others\n", "")
    assert "fält scale.en.labels: Ska ha en text för vart och ett av stegen 1, 2, 3, 4, 5." in (
        _problems(root)
    )


def test_a_file_not_offered_in_english_may_not_have_english_blocks(
    broken_config: BreakConfig,
) -> None:
    file = "question_sets/rollsamtal.yml"
    root = broken_config(file, "languages: [sv, en]", "languages: [sv]")
    line = _line_of(root, file, "  title: Medarbetarsamtal based on the role")
    text = _problems(root)
    assert (
        f"rollsamtal.yml, rad {line - 1}, fält en: Filen erbjuds inte på engelska, men har text "
        "på engelska här."
    ) in text


def test_only_supported_languages_and_always_swedish(broken_config: BreakConfig) -> None:
    file = "plan_templates/handlingsplan.yml"
    root = broken_config(file, "languages: [sv, en]", "languages: [en, de]")
    text = _problems(root)
    line = _line_of(root, file, "languages: [en, de]")
    assert f"handlingsplan.yml, rad {line}, fält languages[2]: ”de” är inte ett språk" in text
    assert f"handlingsplan.yml, rad {line}, fält languages: Ska ta med sv" in text


def _without_english(item: Any) -> Any:
    if isinstance(item, dict):
        return {k: _without_english(v) for k, v in item.items() if k not in ("en", "languages")}
    if isinstance(item, list):
        return [_without_english(v) for v in item]
    return item


def test_a_set_not_offered_in_english_stays_swedish_in_the_english_copy(
    broken_config: BreakConfig,
) -> None:
    root = broken_config("question_sets/rollsamtal.yml", "version: 1", "version: 1")
    path = root / "question_sets/rollsamtal.yml"
    data = _without_english(yaml.safe_load(path.read_text(encoding="utf-8")))
    path.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    config = load_site_config(root)
    english = config.localized("en")
    assert english.question_sets["rollsamtal"] is config.question_sets["rollsamtal"]
    assert english.question_sets["rollsamtal"].languages == ("sv",)
    assert not english.question_sets["rollsamtal"].is_translation
    assert english.question_sets["rutin"].is_translation
    assert re.match("Hur trivs", english.question_sets["rollsamtal"].questions()[0].text)
