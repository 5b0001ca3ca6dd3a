"""The preparation form's fixed markup, built once per question set.

Labels, help texts, points and notes never change between requests; only values and errors
do. The field heads are built once (by `fields`, like every other form's) and cached, so a
request only draws the controls: it keeps the busiest page cheap to serve.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from markupsafe import Markup, escape

from formserver.common.languages import current_language, gettext
from formserver.forms import fields
from formserver.forms.messages import SAVE_DRAFT, comment_label
from formserver.forms.preparation import choices, comment_field, value_field
from formserver.siteconfig.model import Question, QuestionSet, Section


@dataclass(frozen=True)
class FieldLayout:
    """One field's cached head; `render` adds the value and errors."""

    head: fields.Head | fields.Group
    rows: int = 4

    @property
    def name(self) -> str:
        """The form field's name, as in the posted data and the errors."""
        return self.head.name or ""

    @property
    def label(self) -> str:
        """The field's label or legend, plain text, for the error summary."""
        return self.head.label

    @property
    def first_id(self) -> str:
        """The element an error summary link jumps to."""
        return self.head.first_id

    def render(self, value: str, errors: list[str] | None) -> str:
        """The whole field with its value, and its errors linked by aria-describedby."""
        if isinstance(self.head, fields.Group):
            return self.head.radios_html(value, errors)
        return self.head.textarea_html(value, errors, self.rows)


@dataclass(frozen=True)
class SectionLayout:
    """A section: its opening markup and its fields (none for a `never` section)."""

    head: Markup
    fields: list[FieldLayout] = field(default_factory=list)


_cache: dict[tuple[str, int, bool, str, str], list[SectionLayout]] = {}


# Saving is within reach of every section of a long form, without JavaScript: each section's
# button submits the whole form (all sections are one <form>), as the one at the end does.
def section_save() -> Markup:
    """The save button at the end of each section, in the reader's language."""
    return Markup(
        '<div class="section-save"><button type="submit" name="action" value="spara" '
        f'class="button-secondary">{escape(gettext(SAVE_DRAFT))}</button></div>'
    )


def render(
    sections: list[SectionLayout], values: dict[str, str], errors: dict[str, list[str]]
) -> Markup:
    """Every section and field with the person's values and errors: the form's body."""
    parts: list[str] = []
    for section in sections:
        parts.append(section.head)
        parts.extend(f.render(values.get(f.name, ""), errors.get(f.name)) for f in section.fields)
        if section.fields:
            parts.append(section_save())
        parts.append("</fieldset>")
    return Markup("".join(parts))


def layout(question_set: QuestionSet, *, public_sector: bool, role: str) -> list[SectionLayout]:
    """The fixed markup of every section and field, cached per set, version, role and language."""
    key = (question_set.id, question_set.version, public_sector, role, current_language())
    if key not in _cache:
        _cache[key] = [
            _section(s, question_set, public_sector, role) for s in question_set.sections
        ]
    return _cache[key]


def _list(items: tuple[str, ...]) -> str:
    return "<ul>" + "".join(f"<li>{escape(i)}</li>" for i in items) + "</ul>" if items else ""


def _section(section: Section, qs: QuestionSet, public: bool, role: str) -> SectionLayout:
    parts = [
        '<fieldset class="section"><legend><span class="section-title">'
        f"{escape(section.title)}</span></legend>"
    ]
    if section.intro:
        parts.append(f"<p>{escape(section.intro)}</p>")
    parts.append(fields.policy_note(section))
    parts.append(_list(section.points))
    if section.policy == "never":
        if section.manager_note and role == "manager":
            parts.append(f"<p>{escape(section.manager_note)}</p>")
        return SectionLayout(Markup("".join(parts)))
    layouts: list[FieldLayout] = []
    for question in section.questions:
        layouts.extend(_question(question, qs, public))
    return SectionLayout(Markup("".join(parts)), layouts)


def _question(question: Question, qs: QuestionSet, public: bool) -> list[FieldLayout]:
    name = value_field(question)
    if question.kind == "text":
        hint = "".join(
            [
                f"<p>{escape(question.help)}</p>" if question.help else "",
                f"<p>{escape(question.points_intro)}</p>" if question.points_intro else "",
                _list(question.points),
                f"<p>{escape(question.note)}</p>" if question.note else "",
            ]
        )
        hint_markup = Markup(hint) if hint else ""
        return [FieldLayout(fields.head(name, question.text, hint=hint_markup, public=public))]
    choice = fields.group(
        name, question.text, choices(question, qs), hint=question.help, ids="position"
    )
    comment = fields.head(
        comment_field(question), comment_label(f"”{question.text}”"), public=public
    )
    return [FieldLayout(choice), FieldLayout(comment, rows=2)]
