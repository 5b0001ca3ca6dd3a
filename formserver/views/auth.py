"""Sign-in links (confirm by POST), new links, log out."""

from __future__ import annotations

from flask import Blueprint, current_app, g, redirect, render_template, request, session, url_for
from werkzeug.wrappers import Response

from formserver import access
from formserver.access import current_user, rule
from formserver.common.languages import gettext
from formserver.documents import mail as mailer
from formserver.forms.base import ConfirmForm, RequestLinkForm
from formserver.security import tokens
from formserver.security.keys import current_keys
from formserver.services import sign_in as signin
from formserver.siteconfig import current as site_config
from formserver.store import audit, auth
from formserver.store.db import utc_now
from formserver.store.people import person_by_email
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
    """Ask for a new link. The answer is the same for known and unknown addresses."""
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
    person = person_by_email(g.db, email)
    outcome = "rate_limited" if not allowed else "unknown"
    if allowed and person and not signin.may_use(g.db, person, "link", sign_in_rules()):
        # Signs in by single sign-on only: no link is made, and the page says the same.
        outcome = "sso_only"
    elif allowed and person and not person.has_left(now.date()):
        token = signin.issue_link(g.db, current_keys(), person, now=now, days=_days())
        outcome = "issued"
        if mailer.smtp_configured(current_app.config):
            msg = mailer.sign_in_email(
                sender=current_app.config["MAIL_SENDER"],
                organisation=site_config().organisation.name,
                name=person.name,
                email=person.email,
                url=external_url("auth.confirm_page", token=token),
                days=_days(),
            )
            try:
                mailer.send(current_app.config, msg)
                outcome = "sent"
            except mailer.MailError:
                outcome = "mail_failed"
    audit.record(
        g.db,
        audit.Event(
            person.id if person else None, "new_link", outcome=outcome, client=access.client()
        ),
    )
    return render_template("auth/new_link_sent.html")


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
