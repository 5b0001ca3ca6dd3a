"""Render question sets, plan templates and credits as handbook fragments (Markdown + HTML)."""

from __future__ import annotations

import datetime as dt
import os
import re
from collections.abc import Callable
from functools import cache

from jinja2 import Environment, FileSystemLoader, StrictUndefined, select_autoescape
from markupsafe import Markup, escape

from formserver.paths import TEMPLATES_DIR
from formserver.siteconfig.model import PlanTemplate, QuestionSet, SiteConfig

_MARKDOWN_SPECIAL = re.compile(r"([\\`*_\[\]{}#|!])")


def markdown_text(value: str) -> Markup:
    """Escape text for a Markdown heading: HTML entities first, then Markdown syntax."""
    return Markup(_MARKDOWN_SPECIAL.sub(r"\\\1", str(escape(value))))


@cache
def _environment() -> Environment:
    env = Environment(
        loader=FileSystemLoader(TEMPLATES_DIR),
        autoescape=select_autoescape(["html", "j2"], default=True),
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.filters["md"] = markdown_text
    return env


def render_question_set(
    config: SiteConfig, set_id: str, heading_level: int = 2, language: str = "sv"
) -> str:
    """Every section and question of a set, with its documentation policy and its source."""
    question_set: QuestionSet = config.question_sets[set_id]
    template = _environment().get_template("handbook/fragments/question_set.md.j2")
    return template.render(
        qs=question_set,
        source=config.sources[question_set.source],
        hashes="#" * heading_level,
        public_sector=config.organisation.public_sector,
    )


def render_plan_template(
    config: SiteConfig, template_id: str, heading_level: int = 2, language: str = "sv"
) -> str:
    """A plan template as printable blank tables, with header fields and signature lines."""
    plan: PlanTemplate = config.plan_templates[template_id]
    template = _environment().get_template("handbook/fragments/plan_template.md.j2")
    return template.render(
        plan=plan, source=config.sources[plan.source], hashes="#" * heading_level
    )


def render_sources(config: SiteConfig, language: str = "sv") -> str:
    """The list of sources, each with the question sets and templates that use it."""
    template = _environment().get_template("handbook/fragments/sources.md.j2")
    used: dict[str, list[str]] = {source_id: [] for source_id in config.sources}
    for qs in config.question_sets.values():
        used[qs.source].append(f"Frågor: {qs.title}")
    for pt in config.plan_templates.values():
        used[pt.source].append(f"Mall: {pt.title}")
    return template.render(sources=config.sources.values(), used=used)


LOCAL_PAGE = "sa-gor-vi-hos-oss.md"
# The boxes a page can show with `<!-- hos-oss: name -->`; `<!-- hos-oss -->` shows them all.
LOCAL_BOXES = ("underlag", "dokumentation", "kallelse", "bevarande", "vald", "kontakt")


def render_local_decisions(
    config: SiteConfig,
    box: str,
    link: Callable[[str], str | None],
    heading_level: int = 2,
    language: str = "sv",
) -> str:
    """The organisation's own decisions: one box, or (box "") every one as sections.

    `link(page)` gives a relative link from the page being built, or None where there is none.
    """
    question_set = config.default_question_set
    plan = config.default_plan_template
    sections = {
        policy: [s.title for s in question_set.sections if s.policy == policy]
        for policy in ("documented", "optional", "never")
    }
    # What still is written down in a section that need not be ("Skriv ner eventuella risker").
    optional_notes = dict.fromkeys(
        s.documentation_note
        for s in question_set.sections
        if s.policy == "optional" and s.documentation_note
    )
    template = _environment().get_template("handbook/fragments/hos_oss.md.j2")
    return template.render(
        box=box,
        optional_notes=list(optional_notes),
        boxes=LOCAL_BOXES if not box else (box,),
        org=config.organisation,
        policies=config.policies,
        qs=question_set,
        plan=plan,
        sections=sections,
        qs_link=link(f"fragor/{question_set.id}.md"),
        plan_link=link(f"planmallar/{plan.id}.md"),
        page_link=link(LOCAL_PAGE),
        hashes="#" * heading_level,
    )


def build_date() -> dt.date:
    """The day the handbook is built; SOURCE_DATE_EPOCH (reproducible builds) takes precedence."""
    epoch = os.environ.get("SOURCE_DATE_EPOCH")
    if epoch:
        return dt.datetime.fromtimestamp(int(epoch), dt.UTC).date()
    return dt.date.today()


def render_print_header(config: SiteConfig, language: str = "sv") -> str:
    """The print page's heading lines: which organisation's routine, and when it was printed out."""
    template = _environment().get_template("handbook/fragments/print_header.md.j2")
    return template.render(organisation=config.organisation.name, built=build_date())
