"""The preparation form, generated from the round's question set.

It is the busiest form of the service and has one field per question (thirty and more), so
it is read directly from the posted data rather than through a generated WTForms class:
the same rules (normalised text, a length limit, only listed choices, the signed CSRF token)
at a fraction of the cost. The other forms use WTForms.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from formserver.common.text import clean_text
from formserver.forms.base import csrf_token, csrf_valid
from formserver.forms.messages import NOT_A_CHOICE, too_long
from formserver.services import planning
from formserver.siteconfig.model import Question, QuestionSet
from formserver.store.preparations import Answers

# The yes/no answers, in the order they are offered; defined once, with the plan record.
YES_NO = tuple(planning.YES_NO.items())


def value_field(question: Question) -> str:
    """The form field that holds a question's answer."""
    return f"q_{question.id}"


def comment_field(question: Question) -> str:
    """The form field that holds the comment on a rating or a yes/no answer."""
    return f"c_{question.id}"


def choices(question: Question, question_set: QuestionSet) -> tuple[tuple[str, str], ...]:
    """(value, label) of a rating or yes/no question, in order."""
    if question.kind != "scale":
        return YES_NO
    assert question_set.scale is not None
    labels = question_set.scale.labels
    return tuple(
        (str(v), f"{v} – {labels[v]}" if v in labels else str(v)) for v in question_set.scale.values
    )


@dataclass(frozen=True)
class FormState:
    """What the form's template needs: values and errors by field name, and the CSRF token."""

    values: dict[str, str]
    errors: dict[str, list[str]]
    csrf_token: str


def stored_state(answers: Answers, question_set: QuestionSet) -> FormState:
    """The form filled with stored answers."""
    return FormState(form_data(answers, question_set), {}, csrf_token())


@dataclass(frozen=True)
class Posted:
    """A posted preparation: the answers to store, and the form to show back on an error."""

    answers: Answers
    state: FormState
    csrf_ok: bool
    version: int
    submit: bool

    @property
    def valid(self) -> bool:
        """Whether it may be saved."""
        return self.csrf_ok and not self.state.errors


def read_post(form: Mapping[str, str], question_set: QuestionSet, max_chars: int) -> Posted:
    """Read and check every answer; never a `never` section (they have no field)."""
    values: dict[str, str] = {}
    errors: dict[str, list[str]] = {}

    def text(name: str) -> str:
        value = clean_text(form.get(name, ""))
        values[name] = value
        if len(value) > max_chars:
            errors[name] = [too_long(max_chars)]
        return value

    answers: Answers = {}
    for question in question_set.questions():
        name = value_field(question)
        if question.kind == "text":
            entry = {"value": text(name)}
        else:
            value = form.get(name, "")
            values[name] = value
            if value and value not in {v for v, _ in choices(question, question_set)}:
                errors[name] = [NOT_A_CHOICE]
            entry = {"value": value, "comment": text(comment_field(question))}
        if any(entry.values()):
            answers[question.id] = entry
    state = FormState(values, errors, csrf_token())
    version = form.get("version", "0")
    return Posted(
        answers,
        state,
        csrf_valid(form.get("csrf_token", "")),
        int(version) if version.isdigit() else 0,
        form.get("action") == "skicka",
    )


def form_data(answers: Answers, question_set: QuestionSet) -> dict[str, str]:
    """Stored answers as form data, to fill the form again."""
    data: dict[str, str] = {}
    for question in question_set.questions():
        entry = answers.get(question.id, {})
        data[value_field(question)] = entry.get("value", "")
        if question.kind != "text":
            data[comment_field(question)] = entry.get("comment", "")
    return data
