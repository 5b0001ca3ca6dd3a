"""The form where a signed-in person types a plan document's verification code."""

from __future__ import annotations

from wtforms.fields import StringField
from wtforms.validators import DataRequired, Length

from formserver.common.languages import _l
from formserver.common.text import clean_line
from formserver.forms.base import BaseForm
from formserver.forms.messages import too_long


def _line(value: object) -> object:
    return clean_line(value) if isinstance(value, str) else value


class VerifyCodeForm(BaseForm):
    """A verification code as printed on the plan document."""

    code = StringField(
        _l("Verifieringskod"),
        filters=[_line],
        validators=[
            DataRequired(_l("Skriv in verifieringskoden från dokumentet.")),
            Length(max=100, message=too_long(100)),
        ],
    )
