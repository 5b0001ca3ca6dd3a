"""The preparation form, generated from the round's question set."""

from __future__ import annotations

from wtforms import SelectChoice  # type: ignore[attr-defined]  # stubs predate 3.3
from wtforms.fields import RadioField, TextAreaField
from wtforms.validators import Length, Optional

from .forms import BaseForm, _text, signing_keys
from .records import RecordSigner
from .siteconfig.model import Question, QuestionSet
from .store.preparations import Answers

YES_NO = [SelectChoice("ja", "Ja"), SelectChoice("nej", "Nej")]
_form_classes: dict[tuple[str, int, int], type[BaseForm]] = {}


def value_field(question: Question) -> str:
    """The form field that holds a question's answer."""
    return f"q_{question.id}"


def comment_field(question: Question) -> str:
    """The form field that holds the comment on a rating or a yes/no answer."""
    return f"c_{question.id}"


def _too_long(max_chars: int) -> Length:
    return Length(
        max=max_chars,
        message=f"Texten är för lång: högst {max_chars} tecken. Korta den, så sparas den.",
    )


def form_class(question_set: QuestionSet, max_chars: int) -> type[BaseForm]:
    """A form class with one field per answerable question (never for `never` sections).

    Built once per (set id, version, limit): building WTForms classes is not free.
    """
    key = (question_set.id, question_set.version, max_chars)
    if key not in _form_classes:
        _form_classes[key] = _build_form_class(question_set, max_chars)
    return _form_classes[key]


def _build_form_class(question_set: QuestionSet, max_chars: int) -> type[BaseForm]:
    fields: dict[str, object] = {}
    for question in question_set.questions():
        if question.kind == "text":
            fields[value_field(question)] = TextAreaField(
                question.text, filters=[_text], validators=[_too_long(max_chars)]
            )
            continue
        if question.kind == "scale":
            assert question_set.scale is not None
            scale = question_set.scale
            choices = [
                SelectChoice(str(v), f"{v} – {scale.labels[v]}" if v in scale.labels else str(v))
                for v in scale.values
            ]
        else:
            choices = YES_NO
        fields[value_field(question)] = RadioField(
            question.text,
            choices=choices,
            validators=[Optional(strip_whitespace=False)],
            validate_choice=True,
        )
        fields[comment_field(question)] = TextAreaField(
            "Kommentar", filters=[_text], validators=[_too_long(max_chars)]
        )
    return type(f"Preparation_{question_set.id}_{question_set.version}", (BaseForm,), fields)


def answers_from_form(form: BaseForm, question_set: QuestionSet) -> Answers:
    """The answers as stored: by question id, a value and (for ratings, yes/no) a comment."""
    answers: Answers = {}
    for question in question_set.questions():
        value = form[value_field(question)].data or ""
        entry = {"value": str(value)}
        if question.kind != "text":
            entry["comment"] = form[comment_field(question)].data or ""
        if entry["value"] or entry.get("comment"):
            answers[question.id] = entry
    return answers


def form_data(answers: Answers, question_set: QuestionSet) -> dict[str, str]:
    """Stored answers as form data, to fill the form again."""
    data: dict[str, str] = {}
    for question in question_set.questions():
        entry = answers.get(question.id, {})
        data[value_field(question)] = entry.get("value", "")
        if question.kind != "text":
            data[comment_field(question)] = entry.get("comment", "")
    return data


def signer() -> RecordSigner:
    """The MAC signer for preparations (its own salt)."""
    return RecordSigner(signing_keys(), "preparation")
