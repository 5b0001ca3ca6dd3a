"""The form that adds a person outside the eligibility rule to a round: the reason."""

from __future__ import annotations

from typing import Any

from wtforms.fields import TextAreaField
from wtforms.validators import DataRequired, Length

from formserver.common.languages import _l
from formserver.common.text import clean_text
from formserver.forms.base import BaseForm
from formserver.forms.messages import too_long
from formserver.services.short_employments import REASON_MAX_CHARS

REASON_LABEL = _l("Varför ska samtalet hållas?")


def _text(value: Any) -> Any:
    return clean_text(value) if isinstance(value, str) else value


class AddToRoundForm(BaseForm):
    """Add one person to the round, with the reason (stored, and shown to HR)."""

    reason = TextAreaField(
        REASON_LABEL,
        filters=[_text],
        validators=[
            DataRequired(
                _l(
                    "Skriv varför samtalet ska hållas, till exempel att anställningen "
                    "kommer att förlängas."
                )
            ),
            Length(max=REASON_MAX_CHARS, message=too_long(REASON_MAX_CHARS)),
        ],
    )
