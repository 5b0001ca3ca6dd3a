"""The preparation form's fixed markup, built once per question set.

Labels, help texts, points and notes never change between requests; only values and errors
do. Rendering them once (escaped here, with markupsafe) keeps the page cheap to serve.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from markupsafe import Markup, escape

from formserver.forms.messages import NEVER_DOCUMENTED, PUBLIC_NOTE
from formserver.forms.preparation import choices, comment_field, value_field
from formserver.siteconfig.model import Question, QuestionSet, Section


@dataclass(frozen=True)
class FieldLayout:
    """One input's fixed parts; the template adds value, errors and aria-invalid."""

    name: str
    kind: str  # "text" or "choice"
    head: Markup
    described: str
    rows: int = 4
    choices: tuple[tuple[str, str, str], ...] = ()  # (value, label, input id)
    legend: str = ""
    label: str = ""  # plain text, for the error summary

    @property
    def first_id(self) -> str:
        """The element an error summary link jumps to."""
        return self.choices[0][2] if self.choices else self.name

    def render(self, value: str, errors: list[str] | None) -> str:
        """The whole field with its value, and its errors linked by aria-describedby."""
        ids = " ".join(filter(None, [self.described, f"{self.name}-fel" if errors else ""]))
        described = f' aria-describedby="{ids}"' if ids else ""
        error = (
            f'<p class="field-error" id="{self.name}-fel"><strong>Fel:</strong> '
            f"{escape(' '.join(errors))}</p>"
            if errors
            else ""
        )
        if self.kind == "text":
            invalid = ' aria-invalid="true"' if errors else ""
            return (
                f'<div class="field">{self.head}{error}<textarea id="{self.name}" '
                f'name="{self.name}" rows="{self.rows}"{invalid}{described}>{escape(value)}'
                "</textarea></div>"
            )
        radios = "".join(
            f'<div class="choice"><input type="radio" id="{input_id}" name="{self.name}" '
            f'value="{escape(choice)}"{" checked" if choice == value else ""}>'
            f'<label for="{input_id}">{escape(label)}</label></div>'
            for choice, label, input_id in self.choices
        )
        return (
            f'<fieldset class="choices"{described}><legend>{escape(self.legend)}</legend>'
            f"{self.head}{error}{radios}</fieldset>"
        )


@dataclass(frozen=True)
class SectionLayout:
    """A section: its opening markup and its fields (none for a `never` section)."""

    head: Markup
    fields: list[FieldLayout] = field(default_factory=list)


_cache: dict[tuple[str, int, bool, str], list[SectionLayout]] = {}


def render(
    sections: list[SectionLayout], values: dict[str, str], errors: dict[str, list[str]]
) -> Markup:
    """Every section and field with the person's values and errors: the form's body."""
    parts: list[str] = []
    for section in sections:
        parts.append(section.head)
        parts.extend(f.render(values.get(f.name, ""), errors.get(f.name)) for f in section.fields)
        parts.append("</fieldset>")
    return Markup("".join(parts))


def layout(question_set: QuestionSet, *, public_sector: bool, role: str) -> list[SectionLayout]:
    """The fixed markup of every section and field, cached per set, version and role."""
    key = (question_set.id, question_set.version, public_sector, role)
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
    if section.policy == "never":
        parts.append(
            f'<p class="note"><strong>Ska inte dokumenteras.</strong> {NEVER_DOCUMENTED}</p>'
        )
        parts.append(_list(section.points))
        if section.manager_note and role == "manager":
            parts.append(f"<p>{escape(section.manager_note)}</p>")
        return SectionLayout(Markup("".join(parts)))
    if section.policy == "optional":
        parts.append(
            '<p class="note">Det här avsnittet behöver inte fyllas i eller dokumenteras. '
            f"{escape(section.documentation_note)}</p>"
        )
    parts.append(_list(section.points))
    fields: list[FieldLayout] = []
    for question in section.questions:
        fields.extend(_question(question, qs, public))
    return SectionLayout(Markup("".join(parts)), fields)


def _text_field(name: str, label: str, hint: str, public: bool, rows: int) -> FieldLayout:
    ids = []
    head = [f'<label for="{name}">{escape(label)}</label>']
    if hint:
        head.append(f'<div class="hint" id="{name}-hjalp">{hint}</div>')
        ids.append(f"{name}-hjalp")
    if public:
        head.append(f'<p class="hint" id="{name}-offentlig">{PUBLIC_NOTE}</p>')
        ids.append(f"{name}-offentlig")
    return FieldLayout(name, "text", Markup("".join(head)), " ".join(ids), rows, label=label)


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
        return [_text_field(name, question.text, hint, public, 4)]
    options = choices(question, qs)
    head = f'<p class="hint" id="{name}-hjalp">{escape(question.help)}</p>' if question.help else ""
    choice = FieldLayout(
        name,
        "choice",
        Markup(head),
        f"{name}-hjalp" if question.help else "",
        choices=tuple((v, label, f"{name}-{i}") for i, (v, label) in enumerate(options, 1)),
        legend=question.text,
        label=question.text,
    )
    comment = _text_field(
        comment_field(question), f"Kommentar till ”{question.text}” (valfritt)", "", public, 2
    )
    return [choice, comment]
