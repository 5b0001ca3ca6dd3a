"""Form field markup, rendered one way for every form in the service.

A field is a fixed head (its label or legend, hints and the public-document note: the same on
every request) and a control drawn per request with the value and errors. The preparation form
builds its heads once per question set (see `layout`); other pages build head and control in
one expression, from Jinja through the global `fields`:

    {{ fields.head("comment", "Kommentar", hint="…").textarea(comment, errors.get("comment")) }}

Errors may be one message or a list of them (as WTForms gives). They are shown as
`<p class="field-error" id="ID-fel">` and linked to the control, after the hints, by
aria-describedby. Every string that reaches the markup is escaped here, with markupsafe.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any, Literal

from markupsafe import Markup, escape

from formserver.common.languages import gettext
from formserver.forms.messages import (
    NEVER_DOCUMENTED,
    NEVER_DOCUMENTED_TITLE,
    OPTIONAL_SECTION,
    PUBLIC_NOTE,
)
from formserver.siteconfig.model import Section

Errors = str | Sequence[str] | None


def _never_note() -> Markup:
    return Markup(
        f'<p class="note"><strong>{escape(gettext(NEVER_DOCUMENTED_TITLE))}</strong> '
        f"{escape(gettext(NEVER_DOCUMENTED))}</p>"
    )


def _described(ids: str) -> str:
    return f' aria-describedby="{ids}"' if ids else ""


def _error(safe_id: str, described: str, errors: Errors) -> tuple[str, str]:
    """The error paragraph, and aria-describedby naming the hints and the error."""
    # One message (a str, or a lazily translated one), or a list of them as WTForms gives.
    if isinstance(errors, list | tuple):
        text = escape(" ".join(str(e) for e in errors))
    else:
        text = escape(str(errors or ""))
    ids = f"{described} {safe_id}-fel" if described else f"{safe_id}-fel"
    prefix = escape(gettext("Fel:"))
    return (
        f'<p class="field-error" id="{safe_id}-fel"><strong>{prefix}</strong> {text}</p>',
        f' aria-describedby="{ids}"',
    )


def _hints(safe_id: str, hint: str, public: bool) -> tuple[str, str]:
    """The hint and the public-document note, and the ids that describe the control by them.

    A plain hint is one paragraph; a Markup hint brings its own paragraphs and lists.
    """
    parts, ids = [], []
    if hint:
        tag = "div" if isinstance(hint, Markup) else "p"
        parts.append(f'<{tag} class="hint" id="{safe_id}-hjalp">{escape(hint)}</{tag}>')
        ids.append(f"{safe_id}-hjalp")
    if public:
        parts.append(f'<p class="hint" id="{safe_id}-offentlig">{escape(gettext(PUBLIC_NOTE))}</p>')
        ids.append(f"{safe_id}-offentlig")
    return "".join(parts), " ".join(ids)


@dataclass(frozen=True)
class Head:
    """A labelled field's fixed part; its methods draw the control with a value and errors."""

    id: str
    name: str | None
    label: str  # plain text, for an error summary
    markup: Markup  # the label, hints and notes
    described: str = field(repr=False)  # ids of the hints and notes
    safe_id: str = field(repr=False)
    attrs: str = field(repr=False)  # ' id="…" name="…"', escaped

    @property
    def first_id(self) -> str:
        """The element an error summary links to."""
        return self.id

    def _wrap(self, control: str, errors: Errors, error: str) -> Markup:
        css = "field has-error" if errors else "field"
        return Markup(f'<div class="{css}">{self.markup}{error}{control}</div>')

    def _aria(self, errors: Errors) -> tuple[str, str]:
        """The error paragraph and the aria attributes of the control."""
        if not errors:
            return "", _described(self.described)
        error, described = _error(self.safe_id, self.described, errors)
        return error, ' aria-invalid="true"' + described

    def textarea_html(
        self, value: str = "", errors: Errors = None, rows: int = 4, readonly: bool = False
    ) -> str:
        """`textarea` as a plain str, for a caller that marks a whole form safe at once."""
        flag = " readonly" if readonly else ""
        if errors:
            error, described = _error(self.safe_id, self.described, errors)
            return (
                f'<div class="field has-error">{self.markup}{error}<textarea{self.attrs} '
                f'rows="{rows}"{flag} aria-invalid="true"{described}>{escape(value)}'
                "</textarea></div>"
            )
        return (
            f'<div class="field">{self.markup}<textarea{self.attrs} rows="{rows}"{flag}'
            f"{_described(self.described)}>{escape(value)}</textarea></div>"
        )

    def textarea(
        self, value: str = "", errors: Errors = None, *, rows: int = 4, readonly: bool = False
    ) -> Markup:
        """The field as a textarea holding `value`."""
        return Markup(self.textarea_html(value, errors, rows, readonly))

    def input(
        self,
        value: Any = "",
        errors: Errors = None,
        *,
        type: str = "text",
        autocomplete: str | None = None,
        required: bool = False,
        accept: str | None = None,
    ) -> Markup:
        """The field as an input of `type`: text, email, date, time, number, file…"""
        error, aria = self._aria(errors)
        # A file input never shows a value: browsers ignore one.
        extra = "" if type == "file" else f' value="{escape(value)}"'
        if autocomplete:
            extra += f' autocomplete="{escape(autocomplete)}"'
        if accept:
            extra += f' accept="{escape(accept)}"'
        if required:
            extra += " required"
        return self._wrap(f'<input type="{escape(type)}"{self.attrs}{extra}{aria}>', errors, error)

    def select(
        self, options: Iterable[Sequence[Any]], selected: Any, errors: Errors = None
    ) -> Markup:
        """The field as a select of (value, label) options, the one valued `selected` chosen.

        Longer tuples, such as WTForms' `iter_choices()`, are read by their first two items.
        """
        error, aria = self._aria(errors)
        items = "".join(
            f'<option value="{escape(o[0])}"{" selected" if o[0] == selected else ""}>'
            f"{escape(o[1])}</option>"
            for o in options
        )
        return self._wrap(f"<select{self.attrs}{aria}>{items}</select>", errors, error)


def head(
    field_id: str, label: str, *, hint: str = "", public: bool = False, name: str | None = ""
) -> Head:
    """A field's label with its hint and, when `public`, the public-document note.

    The control's name is `name`, else its id; None leaves the name out (a copy never sent).
    """
    safe_id = escape(field_id)
    hints, described = _hints(safe_id, hint, public)
    named = None if name is None else name or field_id
    attrs = f' id="{safe_id}"' + ("" if named is None else f' name="{escape(named)}"')
    markup = Markup(f'<label for="{safe_id}">{escape(label)}</label>{hints}')
    return Head(field_id, named, label, markup, described, safe_id, attrs)


@dataclass(frozen=True)
class Option:
    """A radio option: its value and id, and its markup before and after `checked`."""

    value: str
    id: str
    before: str
    after: str


@dataclass(frozen=True)
class Group:
    """A radio group's fixed part (legend, hints, options); `radios` draws it per request."""

    name: str
    label: str  # plain text, for an error summary
    markup: Markup  # the legend and hints
    options: tuple[Option, ...]
    described: str = field(repr=False)
    safe_name: str = field(repr=False)

    @property
    def first_id(self) -> str:
        """The element an error summary links to: the first option."""
        return self.options[0].id if self.options else self.name

    def radios_html(self, checked: str = "", errors: Errors = None) -> str:
        """`radios` as a plain str, for a caller that marks a whole form safe at once."""
        # The group as a whole is described; aria-invalid belongs on controls, not a fieldset.
        if errors:
            error, described = _error(self.safe_name, self.described, errors)
        else:
            error, described = "", _described(self.described)
        radios = "".join(
            f"{o.before} checked{o.after}" if o.value == checked else f"{o.before}{o.after}"
            for o in self.options
        )
        return f'<fieldset class="choices"{described}>{self.markup}{error}{radios}</fieldset>'

    def radios(self, checked: str = "", errors: Errors = None) -> Markup:
        """The group with the option valued `checked` checked, and its errors linked."""
        return Markup(self.radios_html(checked, errors))


def group(
    name: str,
    legend: str,
    options: Iterable[tuple[str, str]],
    *,
    hint: str = "",
    ids: Literal["value", "position"] = "value",
) -> Group:
    """A radio group of (value, label) options; each option's id is NAME-VALUE, or NAME-1…"""
    safe_name = escape(name)
    hints, described = _hints(safe_name, hint, public=False)
    ready = []
    for n, (value, label) in enumerate(options, 1):
        option_id = f"{name}-{value if ids == 'value' else n}"
        safe = escape(option_id)
        before = (
            f'<div class="choice"><input type="radio" id="{safe}" name="{safe_name}" '
            f'value="{escape(value)}"'
        )
        after = f'><label for="{safe}">{escape(label)}</label></div>'
        ready.append(Option(value, option_id, before, after))
    markup = Markup(f"<legend>{escape(legend)}</legend>{hints}")
    return Group(name, legend, markup, tuple(ready), described, safe_name)


def checkbox(
    field_id: str, label: str, *, checked: bool = False, value: str = "y", name: str = ""
) -> Markup:
    """A single checkbox, its label after it."""
    safe_id = escape(field_id)
    flag = " checked" if checked else ""
    return Markup(
        f'<div class="choice"><input type="checkbox" id="{safe_id}" '
        f'name="{escape(name or field_id)}" value="{escape(value)}"{flag}>'
        f'<label for="{safe_id}">{escape(label)}</label></div>'
    )


def policy_note(section: Section) -> Markup:
    """The note on a section that is never documented, or need not be; empty otherwise."""
    if section.policy == "never":
        return _never_note()
    if section.policy == "optional":
        note = escape(f"{gettext(OPTIONAL_SECTION)} {section.documentation_note}".strip())
        return Markup(f'<p class="note">{note}</p>')
    return Markup("")
