"""The language switcher: a signed-in person's choice is stored, a visitor's is a cookie."""

from __future__ import annotations

from flask import Blueprint, abort, current_app, g, redirect, request
from werkzeug.wrappers import Response

from formserver import access
from formserver.access import rule
from formserver.common import languages as i18n
from formserver.forms.language import LanguageForm, local_path
from formserver.store.languages import set_language

bp = Blueprint("language", __name__)


def same_origin() -> bool:
    """Whether the browser says the POST came from one of our own pages.

    A visitor's switcher carries no CSRF token (the pages before signing in stay the same for
    everyone, token-free); browsers send Sec-Fetch-Site, or else Origin, on every form POST.
    """
    site = request.headers.get("Sec-Fetch-Site")
    if site is not None:
        return site == "same-origin"
    return request.headers.get("Origin") == request.host_url.rstrip("/")


@bp.post("/sprak")
@rule("public")
def choose() -> Response:
    """Switch language and go back to the same page (a local path only)."""
    user = access.current_user()
    if user is None and not same_origin():
        abort(400)
    # Signed in, the form's CSRF token is checked as on every form.
    form = LanguageForm(request.form, meta={"csrf": user is not None})
    form.language.choices = [(code, i18n.NAMES[code]) for code in i18n.offered()]
    if not form.validate():
        abort(400)
    language = str(form.language.data)
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
