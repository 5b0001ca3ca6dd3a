"""The language switcher: a signed-in person's choice is stored, a visitor's is a cookie."""

from __future__ import annotations

from flask import Blueprint, Response, abort, current_app, g, redirect, request

from formserver import access, i18n
from formserver.access import rule
from formserver.forms.language import LanguageForm, local_path
from formserver.store.languages import set_language

bp = Blueprint("language", __name__)


@bp.post("/sprak")
@rule("public")
def choose() -> Response:
    """Switch language and go back to the same page (a local path only)."""
    form = LanguageForm(request.form)
    form.language.choices = list(i18n.offered())
    if not form.validate():
        abort(400)
    language = str(form.language.data)
    user = access.current_user()
    if user is not None:
        set_language(g.db, user.id, language, access.event("person.language", detail=language))
    response = redirect(local_path(form.next.data), code=303)
    if user is None:
        response.set_cookie(
            i18n.COOKIE,
            language,
            max_age=i18n.COOKIE_MAX_AGE,
            secure=bool(current_app.config["SESSION_COOKIE_SECURE"]),
            httponly=True,
            samesite="Lax",
        )
    return response
