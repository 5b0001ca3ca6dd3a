"""WTForms forms. CSRF on every form, with itsdangerous tokens that survive key rotation."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from flask import current_app, g, session
from wtforms import Form, ValidationError
from wtforms.csrf.core import CSRF
from wtforms.fields import (
    BooleanField,
    DateField,
    EmailField,
    FileField,
    HiddenField,
    IntegerField,
    SelectField,
    StringField,
    TextAreaField,
    TimeField,
)
from wtforms.form import BaseForm as WTBaseForm
from wtforms.meta import DefaultMeta
from wtforms.validators import (
    DataRequired,
    InputRequired,
    Length,
    NumberRange,
    Regexp,
    StopValidation,
)

from formserver.common.clock import local_today
from formserver.common.languages import _l, current_language, gettext
from formserver.common.text import clean_line, clean_text
from formserver.forms.messages import CSRF_EXPIRED, DATE_FORMAT, strict_date, too_long
from formserver.security import tokens
from formserver.security.keys import current_keys
from formserver.services.roster import EMAIL_PATTERN


def csrf_id() -> str:
    """The session's CSRF identity, created on first use."""
    if "csrf" not in session:
        session["csrf"] = tokens.new_nonce()
    return str(session["csrf"])


def csrf_token() -> str:
    """This request's CSRF token (made once per request: every form on a page shares it)."""
    if "csrf_token" not in g:
        g.csrf_token = tokens.dump(current_keys(), tokens.CSRF_SALT, csrf_id())
    return str(g.csrf_token)


def csrf_valid(token: str) -> bool:
    """Whether `token` is this session's CSRF token, signed by a current key, not too old."""
    max_age = int(current_app.config["CSRF_MAX_AGE_HOURS"]) * 3600
    try:
        value = tokens.load(current_keys(), tokens.CSRF_SALT, token, max_age)
    except (tokens.TokenExpired, tokens.TokenInvalid):
        return False
    return value == session.get("csrf")


class SignedCSRF(CSRF):
    """A CSRF token bound to the session, signed with the app's current and fallback keys."""

    def generate_csrf_token(self, csrf_token_field: Any) -> str:
        return csrf_token()

    def validate_csrf_token(self, form: WTBaseForm, field: Any) -> None:
        if not csrf_valid(field.data or ""):
            raise ValidationError(gettext(CSRF_EXPIRED))


class BaseForm(Form):
    """Every form: CSRF-protected, WTForms' own messages in the reader's language."""

    class Meta(DefaultMeta):
        csrf = True
        csrf_class = SignedCSRF
        locales = ("sv_SE", "sv")

        def get_translations(self, form: Any) -> Any:
            # WTForms' built-in messages are English, with its own Swedish catalogue.
            if current_language() == "sv":
                return super().get_translations(form)
            return None


def _line(value: Any) -> Any:
    return clean_line(value) if isinstance(value, str) else value


def _text(value: Any) -> Any:
    return clean_text(value) if isinstance(value, str) else value


class ConfirmForm(BaseForm):
    """A button and nothing else (sign-in confirmation, log out)."""


class RequestLinkForm(BaseForm):
    """Ask for a new sign-in link."""

    email = EmailField(
        _l("Din e-postadress"),
        filters=[_line],
        validators=[
            DataRequired(_l("Skriv din e-postadress.")),
            Regexp(
                EMAIL_PATTERN.pattern + "$",
                message=_l("Skriv en hel e-postadress, till exempel anna@example.se."),
            ),
            Length(max=254),
        ],
    )


def _say_once(field: Any, message: str) -> None:
    """A value the field could not read: its own message, instead of WTForms' generic one
    followed by the validators' (which would only repeat that the value is missing)."""
    if field.process_errors and field.raw_data and field.raw_data[0]:
        field.errors[:] = [message]
        raise StopValidation()


class SwedishIntegerField(IntegerField):
    """A whole number; what cannot be read gets one message that says what to write."""

    def __init__(self, *args: Any, unreadable: str, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.unreadable = unreadable

    def pre_validate(self, form: WTBaseForm) -> None:
        _say_once(self, self.unreadable)


class SwedishTimeField(TimeField):
    """A time of day, as 10:00 or 10.00; anything else gets one message that says what to write."""

    def __init__(self, *args: Any, unreadable: str, **kwargs: Any) -> None:
        kwargs.setdefault("format", ["%H:%M", "%H.%M"])
        super().__init__(*args, **kwargs)
        self.unreadable = unreadable

    def pre_validate(self, form: WTBaseForm) -> None:
        _say_once(self, self.unreadable)


class SwedishSelectField(SelectField):
    """A choice from the list; a value not in it gets a message that says what to choose."""

    def __init__(self, *args: Any, not_a_choice: str, **kwargs: Any) -> None:
        kwargs.setdefault("validate_choice", True)
        super().__init__(*args, **kwargs)
        self.not_a_choice = not_a_choice

    def pre_validate(self, form: WTBaseForm) -> None:
        try:
            super().pre_validate(form)
        except ValidationError:
            raise ValidationError(self.not_a_choice) from None


class RosterForm(BaseForm):
    """Upload the roster CSV."""

    roster = FileField(_l("Personallista (CSV-fil)"))


class OpenRoundForm(BaseForm):
    """Open a samtalsomgång."""

    year = SwedishIntegerField(
        _l("År"),
        unreadable=_l("Skriv året med fyra siffror, till exempel 2027."),
        validators=[
            InputRequired(_l("Skriv vilket år samtalsomgången gäller.")),
            NumberRange(2000, 2100, _l("Skriv ett år mellan 2000 och 2100.")),
        ],
    )
    question_set = SwedishSelectField(
        _l("Frågeunderlag"), not_a_choice=_l("Välj ett av frågeunderlagen i listan.")
    )
    plan_template = SwedishSelectField(
        _l("Planmall"), not_a_choice=_l("Välj en av planmallarna i listan.")
    )


CALL_MAX_DAYS_AHEAD = 730


class SwedishDateField(DateField):
    """A date in the form ÅÅÅÅ-MM-DD, with a Swedish message that says what to write."""

    def process_formdata(self, valuelist: list[Any]) -> None:
        if not valuelist or not valuelist[0]:
            self.data = None
            return
        text = str(valuelist[0]).strip()
        try:
            self.data = strict_date(text)
        except ValueError:
            self.data = None
            raise ValueError(
                gettext(
                    "Det datumet finns inte. %(format)s, till exempel 2026-12-08.",
                    format=gettext(DATE_FORMAT),
                )
            ) from None


class CallForm(BaseForm):
    """Call an employee to the talk: when, where, a message; the talk's version, and the
    confirmation that a call at short notice is meant."""

    version = HiddenField()
    short_notice_ok = BooleanField(_l("Jag vill kalla ändå, trots kort tid att förbereda sig"))

    day = SwedishDateField(_l("Datum"), validators=[InputRequired(_l("Välj ett datum."))])
    start = SwedishTimeField(
        _l("Tid"),
        unreadable=_l("Skriv tiden som TT:MM, till exempel 09:30."),
        validators=[InputRequired(_l("Välj en tid."))],
    )
    duration = SwedishIntegerField(
        _l("Längd i minuter"),
        unreadable=_l("Skriv längden i hela minuter med siffror, till exempel 45."),
        validators=[
            InputRequired(_l("Skriv hur länge samtalet ska pågå.")),
            NumberRange(15, 480, _l("Skriv en längd mellan 15 och 480 minuter.")),
        ],
    )
    place = StringField(
        _l("Plats eller videolänk"),
        filters=[_line],
        validators=[
            DataRequired(_l("Skriv var ni ses.")),
            Length(max=300, message=too_long(300)),
        ],
    )
    message = TextAreaField(
        _l("Personligt meddelande (valfritt)"),
        filters=[_text],
        validators=[Length(max=2000, message=too_long(2000))],
    )

    def validate_day(self, field: DateField) -> None:
        if field.data and field.data < local_today():
            raise ValidationError(_l("Datumet har redan passerat. Välj ett senare datum."))
        if field.data and field.data > local_today() + timedelta(days=CALL_MAX_DAYS_AHEAD):
            raise ValidationError(
                _l("Datumet ligger mer än två år fram i tiden. Välj ett datum inom två år.")
            )

    def starts_at(self) -> datetime:
        """The talk's start as a naive local date and time."""
        assert self.day.data and self.start.data
        return datetime.combine(self.day.data, self.start.data)
