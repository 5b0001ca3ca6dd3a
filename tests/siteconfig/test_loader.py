"""Loading and validating site_config: the shipped data, and every kind of broken file."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from formserver.siteconfig import ConfigError, SiteConfig, load_site_config
from tests.factories import SITE_CONFIG, BreakConfig


def test_ships_every_seed_question_set_and_plan_template(site_config: SiteConfig) -> None:
    assert set(site_config.question_sets) == {"rutin", "kompetenssamtal", "rollsamtal", "goteborg"}
    assert set(site_config.plan_templates) == {"handlingsplan", "aktivitetsplan", "utvecklingsplan"}
    assert site_config.default_question_set.id == "rutin"


def test_routine_has_six_reflection_areas(site_config: SiteConfig) -> None:
    titles = [s.title for s in site_config.question_sets["rutin"].sections]
    assert titles[1:] == [
        "Måluppfyllelse",
        "Att skapa värde",
        "Att samspela",
        "Att leda sig själv",
        "Att vilja lyckas",
    ]
    assert len(titles) == 6


def test_goteborg_policies_follow_the_source(site_config: SiteConfig) -> None:
    sections = {s.id: s for s in site_config.question_sets["goteborg"].sections}
    assert sections["arbetsmiljo_och_halsa"].policy == "optional"
    never = sections["vald_i_nara_relation"]
    assert never.policy == "never"
    assert never.questions == ()
    assert "Händer det att du känner dig otrygg hemma?" in never.points
    asked = {q.id for q in site_config.question_sets["goteborg"].questions()}
    assert not asked & {"vald_i_nara_relation"}
    kinds = {q.id: q.kind for q in sections["bisysslor"].questions}
    assert kinds == {"kanner_till_reglerna": "yesno", "har_bisyssla": "yesno"}


def test_self_assessment_uses_the_scale(site_config: SiteConfig) -> None:
    qs = site_config.question_sets["kompetenssamtal"]
    rated = [q.text for q in qs.questions() if q.kind == "scale"]
    assert rated == ["Förmåga", "Vilja", "Kunskap", "Färdigheter"]
    assert qs.scale is not None and list(qs.scale.values) == [1, 2, 3, 4, 5]


def test_plan_columns_keep_the_sources_wording(site_config: SiteConfig) -> None:
    def labels(template: str, grid: int = 0) -> list[str]:
        return [c.label for c in site_config.plan_templates[template].grids[grid].columns]

    assert labels("handlingsplan") == [
        "Verksamhetens mål",
        "Medarbetarens mål",
        "Vad ska medarbetaren utveckla för att uppnå målet?",
        "Hur ska det ske? Vilka aktiviteter ska genomföras?",
        "Ansvarig",
        "Datum för genomförande och uppföljning",
    ]
    assert labels("handlingsplan", 1) == [
        "Medarbetarens utmaning",
        "Hur ska det ske? Vilka aktiviteter ska genomföras?",
        "Vilket ev. stöd behövs och av vem/vilka?",
        "Datum för genomförande och uppföljning",
    ]
    assert labels("aktivitetsplan") == [
        "Mål",
        "Aktivitet",
        "Prioritering",
        "Tid för genomförande",
        "Ansvar",
        "Uppföljning och utvärdering",
    ]
    assert labels("utvecklingsplan")[-1] == "Hur blev resultatet? (Vad / Hur)"
    assert site_config.plan_templates["utvecklingsplan"].signatures == (
        "Underskrift chef",
        "Underskrift medarbetare",
    )


def test_question_ids_are_unique_within_each_set(site_config: SiteConfig) -> None:
    for qs in site_config.question_sets.values():
        ids = [q.id for q in qs.questions()]
        assert len(ids) == len(set(ids)), qs.id


BROKEN = [
    pytest.param(
        "question_sets/goteborg.yml",
        "    policy: optional",
        "    policy: maybe",
        "site_config/question_sets/goteborg.yml, rad 33, fält sections[2].policy: ”maybe” är "
        "inte tillåtet. Tillåtna värden: documented, optional, never.",
        id="bad-policy",
    ),
    pytest.param(
        "question_sets/rollsamtal.yml",
        "{id: fungerar_bra,",
        "{id: trivs_i_rollen,",
        "site_config/question_sets/rollsamtal.yml, rad 35, fält sections[1].questions[2].id: "
        "Frågan ”trivs_i_rollen” finns redan (rad 34). Varje id måste vara unikt.",
        id="duplicated-question-id",
    ),
    pytest.param(
        "question_sets/rutin.yml",
        "version: 1\n",
        "",
        "site_config/question_sets/rutin.yml, rad 3, fält version: Fältet saknas. Lägg till det.",
        id="missing-field",
    ),
    pytest.param(
        "organisation.yml",
        "default_question_set: rutin",
        "default_question_set: okand",
        "site_config/organisation.yml, fält default_question_set: Frågeunderlaget ”okand” finns "
        "inte. Det finns: goteborg, kompetenssamtal, rollsamtal, rutin.",
        id="unknown-set",
    ),
    pytest.param(
        "question_sets/kompetenssamtal.yml",
        "plan_template: aktivitetsplan",
        "plan_template: aktivitetsplanen",
        "site_config/question_sets/kompetenssamtal.yml, fält plan_template: Planmallen "
        "”aktivitetsplanen” finns inte.",
        id="unknown-plan-template",
    ),
    pytest.param(
        "question_sets/goteborg.yml",
        "    manager_note: >-",
        '    questions:\n      - {id: otrygg, kind: text, text: "Otrygg?"}\n    manager_note: >-',
        "fält sections[9].questions: Ett avsnitt med policy never ska inte dokumenteras och får "
        "därför inga svarsfält.",
        id="field-in-never-section",
    ),
    pytest.param(
        "question_sets/rollsamtal.yml",
        "    policy: documented\n    questions:\n      - {id: trivs_i_rollen",
        "    polcy: documented\n    questions:\n      - {id: trivs_i_rollen",
        "fält sections[1].polcy: Okänt fält ”polcy”.",
        id="misspelt-field",
    ),
    pytest.param(
        "plan_templates/aktivitetsplan.yml",
        'kind: text, label: "Mål"',
        'kind: number, label: "Mål"',
        "site_config/plan_templates/aktivitetsplan.yml, rad 26, fält grids[1].columns[1].kind: "
        "”number” är inte tillåtet. Tillåtna värden: text, date, result.",
        id="bad-column-kind",
    ),
    pytest.param(
        "question_sets/rutin.yml",
        "id: rutin\n",
        "id: rutinen\n",
        "site_config/question_sets/rutin.yml, fält id: id ”rutinen” ska vara samma som filens "
        "namn (”rutin”).",
        id="id-not-file-name",
    ),
    pytest.param(
        "policies.yml",
        "call_notice_days: 14",
        "call_notice_days: [14",
        "site_config/policies.yml, rad 17: Filen är inte giltig YAML",
        id="not-yaml",
    ),
    pytest.param(
        "policies.yml",
        "fixed_term_min_months: 5",
        "fixed_term_min_months: fem",
        "site_config/policies.yml, rad 8, fält eligibility.fixed_term_min_months: Ska vara ett "
        "heltal, men är text.",
        id="wrong-type",
    ),
]


@pytest.mark.parametrize(("file", "old", "new", "message"), BROKEN)
def test_broken_file_is_reported_with_file_line_and_field(
    broken_config: BreakConfig, file: str, old: str, new: str, message: str
) -> None:
    root = broken_config(file, old, new)
    with pytest.raises(ConfigError) as caught:
        load_site_config(root)
    assert message in str(caught.value)


def test_every_problem_is_reported_not_just_the_first(broken_config: BreakConfig) -> None:
    root = broken_config("policies.yml", "retention_years: 3", "retention_years: 0")
    (root / "question_sets" / "rollsamtal.yml").write_text(
        "id: rollsamtal\nversion: 0\n", encoding="utf-8"
    )
    with pytest.raises(ConfigError) as caught:
        load_site_config(root)
    text = str(caught.value)
    assert "policies.yml, rad 17, fält retention_years: Ska vara minst 1, men är 0." in text
    assert "rollsamtal.yml, rad 2, fält version: Ska vara minst 1, men är 0." in text
    assert "rollsamtal.yml, rad 1, fält sections: Fältet saknas." in text


def test_shipped_config_loads_from_the_project_folder() -> None:
    assert load_site_config(SITE_CONFIG).organisation.public_sector is True


def _line_of(root: Path, file: str, start: str) -> int:
    """The 1-based line of `file` that starts with `start` (comments above it may move)."""
    lines = (root / file).read_text(encoding="utf-8").splitlines()
    return next(number for number, line in enumerate(lines, 1) if line.startswith(start))


@pytest.mark.parametrize(
    ("file", "old", "new", "key", "message"),
    [
        pytest.param(
            "organisation.yml",
            "routine_owner: HR-avdelningen",
            "routine_owner: [HR]",
            "routine_owner",
            "Ska vara text, men är en lista.",
            id="routine-owner-list",
        ),
        pytest.param(
            "policies.yml",
            "talk_period: under oktober och november",
            "talk_period: 10",
            "talk_period",
            "Ska vara text, men är ett tal.",
            id="talk-period-number",
        ),
        pytest.param(
            "policies.yml",
            'plans_handed_over_to: ""',
            "plans_handed_over_to: true",
            "plans_handed_over_to",
            "Ska vara text, men är true/false.",
            id="handed-over-boolean",
        ),
        pytest.param(
            "policies.yml",
            "violence_routine: Exempelkommunens",
            "violence_routine:\n  - Exempelkommunens",
            "violence_routine",
            "Ska vara text, men är en lista.",
            id="violence-routine-list",
        ),
    ],
)
def test_decisions_for_the_handbook_are_checked_on_load(
    broken_config: BreakConfig, file: str, old: str, new: str, key: str, message: str
) -> None:
    root = broken_config(file, old, new)
    line = _line_of(root, file, f"{key}:")
    with pytest.raises(ConfigError) as caught:
        load_site_config(root)
    assert f"site_config/{file}, rad {line}, fält {key}: {message}" in str(caught.value)


@pytest.mark.parametrize(
    ("file", "key"),
    [
        ("organisation.yml", "routine_owner"),
        ("policies.yml", "talk_period"),
        ("policies.yml", "violence_routine"),
    ],
)
def test_missing_decision_is_named(broken_config: BreakConfig, file: str, key: str) -> None:
    root = broken_config(file, f"\n{key}:", f"\n# {key}:")
    with pytest.raises(ConfigError) as caught:
        load_site_config(root)
    # A missing key has no line of its own: the message names the file and the key.
    assert re.search(
        rf"site_config/{file}, rad \d+, fält {key}: Fältet saknas\. Lägg till det\.",
        str(caught.value),
    )


def test_where_plans_go_may_be_left_empty(site_config: SiteConfig) -> None:
    assert site_config.policies.plans_handed_over_to == ""
    assert site_config.organisation.routine_owner == "HR-avdelningen"
    assert site_config.default_plan_template.id == "handlingsplan"
