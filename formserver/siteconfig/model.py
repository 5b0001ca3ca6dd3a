"""Typed, immutable model of what `site_config/` holds."""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Literal

Policy = Literal["documented", "optional", "never"]
AnswerKind = Literal["text", "scale", "yesno"]
ColumnKind = Literal["text", "date", "result"]

POLICIES: tuple[Policy, ...] = ("documented", "optional", "never")
ANSWER_KINDS: tuple[AnswerKind, ...] = ("text", "scale", "yesno")
COLUMN_KINDS: tuple[ColumnKind, ...] = ("text", "date", "result")

# The sources' wording is Swedish; English texts in site_config are translations of it.
SOURCE_LANGUAGE = "sv"
LANGUAGES = ("sv", "en")


@dataclass(frozen=True)
class Source:
    """A routine, question set or template the handbook's content comes from."""

    id: str
    organisation: str
    title: str
    note: str = ""
    url: str = ""


@dataclass(frozen=True)
class Question:
    """One question; answers are stored by (set id, set version, question id)."""

    id: str
    text: str
    kind: AnswerKind
    help: str = ""
    points_intro: str = ""
    points: tuple[str, ...] = ()
    note: str = ""


@dataclass(frozen=True)
class Section:
    """A group of questions with one documentation policy."""

    id: str
    title: str
    policy: Policy
    intro: str = ""
    points: tuple[str, ...] = ()
    questions: tuple[Question, ...] = ()
    documentation_note: str = ""
    manager_note: str = ""

    @property
    def has_fields(self) -> bool:
        """Whether anything in this section may be written down at all."""
        return self.policy != "never"


@dataclass(frozen=True)
class Scale:
    """The rating scale of a set's self-assessment questions."""

    min: int
    max: int
    labels: dict[int, str] = field(default_factory=dict)

    @property
    def values(self) -> range:
        """Every allowed rating, lowest first."""
        return range(self.min, self.max + 1)


@dataclass(frozen=True)
class QuestionSet:
    """A versioned question set: sections in order, each with its policy."""

    id: str
    version: int
    title: str
    source: str
    plan_template: str
    intro: str
    sections: tuple[Section, ...]
    scale: Scale | None = None
    languages: tuple[str, ...] = (SOURCE_LANGUAGE,)
    language: str = SOURCE_LANGUAGE

    @property
    def is_translation(self) -> bool:
        """Whether this copy's wording is a translation of the source's Swedish text."""
        return self.language != SOURCE_LANGUAGE

    def questions(self) -> list[Question]:
        """Every answerable question of the set, in order."""
        return [q for s in self.sections if s.has_fields for q in s.questions]


@dataclass(frozen=True)
class Column:
    """A column of a plan grid."""

    id: str
    label: str
    kind: ColumnKind
    group: str = ""
    help: str = ""


@dataclass(frozen=True)
class Grid:
    """A table of plan rows (e.g. the Handlingsplan or Årets utmaning)."""

    id: str
    title: str
    columns: tuple[Column, ...]
    blank_rows: int = 4

    @property
    def groups(self) -> list[tuple[str, int]]:
        """Consecutive column groups as (heading, span); empty when no column has a group."""
        if not any(c.group for c in self.columns):
            return []
        spans: list[tuple[str, int]] = []
        for column in self.columns:
            if spans and spans[-1][0] == column.group:
                spans[-1] = (column.group, spans[-1][1] + 1)
            else:
                spans.append((column.group, 1))
        return spans


@dataclass(frozen=True)
class PlanTemplate:
    """A versioned plan template: header fields, grids and signature lines."""

    id: str
    version: int
    title: str
    source: str
    intro: str
    header_fields: tuple[str, ...]
    grids: tuple[Grid, ...]
    footer: str = ""
    signatures: tuple[str, ...] = ()
    languages: tuple[str, ...] = (SOURCE_LANGUAGE,)
    language: str = SOURCE_LANGUAGE

    @property
    def is_translation(self) -> bool:
        """Whether this copy's wording is a translation of the source's Swedish text."""
        return self.language != SOURCE_LANGUAGE


# The handbook's own default language (mkdocs.yml, i18n): its pages at the root of handbook_url.
HANDBOOK_ROOT_LANGUAGE = "sv"


@dataclass(frozen=True)
class Organisation:
    """The organisation's own facts."""

    name: str
    public_sector: bool
    form_service_url: str
    handbook_url: str
    contact_email: str
    default_question_set: str
    routine_owner: str
    # The languages the service offers (Swedish first by convention) and the one used when a
    # person has chosen none and their browser asks for none of them: the record's language.
    languages: tuple[str, ...] = ("sv",)
    default_language: str = "sv"

    @property
    def routine_url(self) -> str:
        """The handbook's page with the whole routine, made to be read and printed in one go
        (docs/hela-rutinen.md): where "the routine" links, rather than the start page."""
        return self.routine_url_in(HANDBOOK_ROOT_LANGUAGE)

    def handbook_url_in(self, language: str) -> str:
        """The handbook's start page in `language`: Swedish at the root, every other language
        under its code (mkdocs-static-i18n, mkdocs.yml), e.g. …/handbok/en/."""
        root = self.handbook_url.rstrip("/")
        return f"{root}/" if language == HANDBOOK_ROOT_LANGUAGE else f"{root}/{language}/"

    def routine_url_in(self, language: str) -> str:
        """The page with the whole routine in `language` (docs/hela-rutinen[.en].md)."""
        return f"{self.handbook_url_in(language)}hela-rutinen/"


@dataclass(frozen=True)
class Eligibility:
    """Who has a medarbetarsamtal in a round."""

    permanent: bool
    fixed_term_min_months: int
    other: bool


@dataclass(frozen=True)
class ReminderPolicy:
    """When `formserver send-reminders` reminds people (policies.yml, `reminders`)."""

    preparation_days_before: int
    unsigned_days_after: int
    not_called_weeks: int


@dataclass(frozen=True)
class Policies:
    """Rules of the routine the form service applies."""

    eligibility: Eligibility
    call_notice_days: int
    retention_years: int
    talk_period: str
    plans_handed_over_to: str
    violence_routine: str
    reminders: ReminderPolicy = ReminderPolicy(3, 7, 4)
    managers_may_add_short_employments: bool = False


@dataclass(frozen=True)
class Translation:
    """The texts of `site_config/` in one more language, from the files offered in it."""

    question_sets: dict[str, QuestionSet]
    plan_templates: dict[str, PlanTemplate]
    sources: dict[str, Source] | None = None
    policies: Policies | None = None


@dataclass(frozen=True)
class SiteConfig:
    """Everything in `site_config/`, validated; its texts in `language` (Swedish unless
    localized)."""

    root: Path
    organisation: Organisation
    policies: Policies
    sources: dict[str, Source]
    question_sets: dict[str, QuestionSet]
    plan_templates: dict[str, PlanTemplate]
    translations: dict[str, Translation] = field(default_factory=dict, repr=False)
    language: str = SOURCE_LANGUAGE
    # Every localized copy, by language, shared by the copies (so each is built once).
    _copies: dict[str, SiteConfig] = field(default_factory=dict, compare=False, repr=False)

    def __post_init__(self) -> None:
        self._copies.setdefault(self.language, self)

    def localized(self, language: str) -> SiteConfig:
        """This configuration with the texts of `language` in the ordinary fields, for every
        file offered in it; the rest stays Swedish. Ids, versions and kinds never change."""
        copy = self._copies.get(language)
        if copy is not None:
            return copy
        base = self._copies[SOURCE_LANGUAGE]
        texts = base.translations.get(language)
        if texts is None:
            self._copies[language] = base
            return base
        return replace(
            base,
            policies=texts.policies or base.policies,
            sources=texts.sources or base.sources,
            question_sets={k: texts.question_sets.get(k, v) for k, v in base.question_sets.items()},
            plan_templates={
                k: texts.plan_templates.get(k, v) for k, v in base.plan_templates.items()
            },
            language=language,
            _copies=base._copies,
        )

    @property
    def default_question_set(self) -> QuestionSet:
        """The set HR gets when opening a round without choosing one."""
        return self.question_sets[self.organisation.default_question_set]

    @property
    def default_plan_template(self) -> PlanTemplate:
        """The plan template of the default question set: the one the organisation uses."""
        return self.plan_templates[self.default_question_set.plan_template]
