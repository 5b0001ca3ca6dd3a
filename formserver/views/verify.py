"""Checking a plan document's verification code: what it proves, never the content."""

from __future__ import annotations

from flask import Blueprint, current_app, g, render_template, request

from formserver import access
from formserver.access import rule
from formserver.common.languages import _l, gettext
from formserver.forms.messages import CSRF_EXPIRED
from formserver.forms.verification import VerifyCodeForm
from formserver.recordkeeping import verification
from formserver.security.keys import current_keys
from formserver.services import sign_in as signin
from formserver.store import auth
from formserver.store.db import utc_now

bp = Blueprint("verify", __name__)

ROLE_NAMES = {"employee": _l("medarbetare"), "manager": _l("chef")}
TOO_MANY = _l(
    "Du har kontrollerat många koder på kort tid. Vänta en timme och försök igen. Koden du "
    "skrev finns kvar i rutan."
)


@bp.route(verification.VERIFY_PATH, methods=["GET", "POST"])
@rule("signed_in")
def check() -> str | tuple[str, int]:
    """Type a code from a plan document and see whether it matches a stored, signed version."""
    form = VerifyCodeForm(request.form if request.method == "POST" else None)
    if request.method == "GET":
        return render_template("verify/check.html", form=form)
    if not form.validate():
        error = gettext(CSRF_EXPIRED) if "csrf_token" in form.errors else None
        return render_template("verify/check.html", form=form, error=error), 400
    user = access.signed_in_user()
    now, limit = utc_now(), int(current_app.config["VERIFY_LIMIT_PER_HOUR"])
    window = signin.RATE_WINDOW
    allowed = auth.allow(
        g.db, f"kod:ip:{access.client()}", limit=limit * 4, window=window, now=now
    ) and auth.allow(g.db, f"kod:person:{user.id}", limit=limit, window=window, now=now)
    if not allowed:
        access.audit_read("plan.verify", outcome="rate_limited")
        return render_template("verify/check.html", form=form, error=TOO_MANY), 429
    found = verification.check_code(g.db, current_keys(), form.code.data or "")
    if found is None:
        access.audit_read("plan.verify", outcome="no_match")
        return render_template("verify/check.html", form=form, no_match=True), 200
    access.audit_read("plan.verify", "talk", found.talk_id, f"version {found.number}")
    return render_template("verify/check.html", form=form, found=found, role_names=ROLE_NAMES)
