"""Forms for changing a talk after it is called: cancelling it, confirming an early "held"."""

from __future__ import annotations

from typing import Any

from wtforms.fields import BooleanField, HiddenField, TextAreaField
from wtforms.validators import Length

from formserver.common.languages import _l
from formserver.common.text import clean_text
from formserver.forms.base import BaseForm
from formserver.forms.messages import too_long


def _text(value: Any) -> Any:
    return clean_text(value) if isinstance(value, str) else value


class CancelForm(BaseForm):
    """Cancel a called talk, with a message to the employee; the talk's version comes along
    so that a cancellation never overrides a change made in between."""

    version = HiddenField()
    message = TextAreaField(
        _l("Meddelande till medarbetaren (valfritt)"),
        filters=[_text],
        validators=[Length(max=2000, message=too_long(2000))],
    )


class MarkHeldForm(BaseForm):
    """Mark the talk held; `early_ok` confirms it when the booked day is still far off."""

    early_ok = BooleanField(
        _l("Ja, samtalet är genomfört, fast det var bokat till ett senare datum")
    )
