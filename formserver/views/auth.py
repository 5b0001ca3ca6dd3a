"""Sign-in links (confirm by POST), new links, log out."""

from __future__ import annotations

from functools import partial

from flask import (
    Blueprint,
    Flask,
    current_app,
    g,
    redirect,
    render_template,
    request,
    session,
    url_for,
)
from werkzeug.wrappers import Response

from formserver import access
from formserver.access import current_user, rule
from formserver.common import background
from formserver.common.languages import current_language, gettext
from formserver.forms.base import ConfirmForm, RequestLinkForm
from formserver.security import tokens
from formserver.security.keys import current_keys
from formserver.services import new_links
from formserver.services import sign_in as signin
from formserver.siteconfig import localized as site_config
from formserver.store import audit, auth, db
from formserver.store.db import utc_now
from formserver.views.common import external_url, provider_logout_url, sign_in_rules

bp = Blueprint("auth", __name__)


def _days() -> int:
    return int(current_app.config["SIGN_IN_LINK_DAYS"])


def _problem_page(check: signin.LinkCheck) -> tuple[str, int]:
    problem = check.problem or "invalid"
    text = signin.LINK_PROBLEMS[problem]
    if problem == "sso_only":
        # Not an error in the link: this person signs in another way now.
        return render_template("auth/link_problem.html", text=text, sso_next=check.target), 403
    return render_template("auth/link_problem.html", text=text), 400


@bp.get("/logga-in/<token:token>")
@rule("public")
def confirm_page(token: str) -> str | tuple[str, int]:
    """Show a confirmation button: opening the link (or a mail scanner) uses nothing."""
    check = signin.check_link(
        g.db, current_keys(), token, now=utc_now(), days=_days(), rules=sign_in_rules()
    )
    if check.problem:
        return _problem_page(check)
    return render_template("auth/confirm.html", form=ConfirmForm())


@bp.post("/logga-in/<token:token>")
@rule("public")
def confirm(token: str) -> Response | str | tuple[str, int]:
    """Use the link once, start a fresh session and go on to a URL without the token."""
    form = ConfirmForm(request.form)
    if not form.validate():
        return render_template("auth/confirm.html", form=ConfirmForm(), expired=True), 400
    result = signin.confirm_link(
        g.db, current_keys(), token, now=utc_now(), days=_days(), rules=sign_in_rules()
    )
    if isinstance(result, signin.LinkCheck):
        refused = audit.Event(
            result.person_id,
            "sign_in",
            outcome=result.problem or "failed",
            client=access.client(),
        )
        audit.record(g.db, refused)
        return _problem_page(result)
    session.clear()
    session.permanent = True
    session["sid"] = result.session_id
    session["csrf"] = tokens.new_nonce()
    audit.record(g.db, audit.Event(result.person_id, "sign_in", client=access.client()))
    return redirect(result.target)


@bp.get("/inloggning-kravs")
@rule("public")
def signed_out() -> str:
    """Explain how to sign in (also after a time-out)."""
    target = request.args.get("next")
    return render_template(
        "auth/signed_out.html", ended=bool(target), next=signin.safe_target(target)
    )


@bp.route("/ny-lank", methods=["GET", "POST"])
@rule("public")
def new_link() -> str | tuple[str, int]:
    """Ask for a new link. The answer is the same for known and unknown addresses, and so is
    its time: after the rate limits, everything else is done after the response."""
    form = RequestLinkForm(request.form if request.method == "POST" else None)
    if request.method == "GET" or not form.validate():
        status = 400 if request.method == "POST" else 200
        return render_template("auth/new_link.html", form=form), status
    email = (form.email.data or "").strip().lower()
    now = utc_now()
    window, limit = signin.RATE_WINDOW, int(current_app.config["NEW_LINK_LIMIT_PER_HOUR"])
    allowed = auth.allow(
        g.db, f"ny-lank:ip:{request.remote_addr}", limit=limit * 4, window=window, now=now
    ) and auth.allow(g.db, f"ny-lank:e-post:{email}", limit=limit, window=window, now=now)
    # A token cannot contain "/", so the link is this prefix and the token.
    prefix = external_url("auth.confirm_page", token="-").removesuffix("-")
    ask = new_links.LinkRequest(
        email, allowed, access.client(), now, prefix, language=current_language()
    )
    app = current_app._get_current_object()  # type: ignore[attr-defined]
    background.worker(app).submit(partial(_answer_link_request, app, ask))
    return render_template("auth/new_link_sent.html")


def _answer_link_request(app: Flask, ask: new_links.LinkRequest) -> None:
    """Runs in the background worker, with a connection of its own."""
    with app.app_context():
        mailing = new_links.LinkMailing(
            config=app.config,
            keys=current_keys(),
            rules=sign_in_rules(),
            organisation=site_config().organisation.name,
            days=_days(),
        )
        conn = db.connect(app.config["DATABASE"])
        try:
            new_links.answer(conn, ask, mailing)
        finally:
            conn.close()


@bp.post("/logga-ut")
@rule("signed_in")
def logout() -> Response | tuple[str, int]:
    """End the session on the server; its cookie is refused from now on. After single sign-on,
    go on to the provider's logout where it has one, and from there back to "utloggad"."""
    form = ConfirmForm(request.form)
    user = current_user()
    if form.validate() and user is not None:
        id_token = signin.end(g.db, str(session.get("sid")), utc_now())
        provider_logout = provider_logout_url(id_token) if id_token else None
        access.audit_read("sign_out", detail="sso" if provider_logout else "")
        session.clear()
        return redirect(provider_logout or url_for("auth.signed_out_done"))
    return render_template(
        "errors/error.html",
        title="Utloggningen misslyckades",
        text=gettext("Sidan var för gammal. Tryck på Logga ut igen."),
        code=400,
    ), 400


@bp.get("/utloggad")
@rule("public")
def signed_out_done() -> str:
    """Confirmation after logging out."""
    return render_template("auth/logged_out.html")
