"""The manager's team page and calling each talk."""

from __future__ import annotations

from flask import Blueprint, abort, current_app, g, render_template, request
from werkzeug.wrappers import Response

from formserver import access
from formserver.access import rule
from formserver.common.clock import STOCKHOLM, local_start, local_today
from formserver.common.languages import gettext
from formserver.documents.invitations import calendar_invite
from formserver.forms.base import CallForm
from formserver.forms.messages import CSRF_EXPIRED
from formserver.forms.talk_changes import CancelForm
from formserver.security.keys import current_keys, signers
from formserver.services import calling
from formserver.services.team_summary import summarise
from formserver.siteconfig import localized as site_config
from formserver.store import rounds as round_store
from formserver.store.db import Conflict, utc_now
from formserver.store.people import get_person
from formserver.store.talks import Talk, get_talk, team_talks
from formserver.views.common import external_url

bp = Blueprint("team", __name__)


@bp.get("/chef")
@rule("signed_in")
def team() -> str:
    """The manager's employees per round, with status and date."""
    user = access.signed_in_user()
    talks = team_talks(g.db, user.id)
    access.audit_read("team.view")
    summary = None
    config = site_config()
    if talks:
        newest = [t for t in talks if t.round_id == talks[0].round_id]
        summary = summarise(
            g.db,
            newest,
            config.question_sets[newest[0].question_set_id],
            config.plan_templates[newest[0].plan_template_id],
            preparation_signer=signers().preparation,
            plan_signer=signers().plan,
        )
    return render_template(
        "team/team.html",
        talks=talks,
        summary=summary,
        team_access=access.team_access(talks),
        add_round_id=_add_round_id(talks, config.policies.managers_may_add_short_employments),
    )


def _add_round_id(talks: list[Talk], managers_may_add: bool) -> str | None:
    """The round the manager may add a not eligible employee to from here: the newest round
    of their talks, else the newest round; None when policies.yml does not let them."""
    if not access.may_add_to_rounds(managers_may_add):
        return None
    if talks:
        return talks[0].round_id
    newest = round_store.list_rounds(g.db)
    return newest[0].id if newest else None


def _minutes() -> int:
    return int(current_app.config["DEFAULT_TALK_MINUTES"])


@bp.route("/samtal/<rid:talk_id>/kalla", methods=["GET", "POST"])
@rule("signed_in")
def call(talk_id: str) -> str | tuple[str, int] | Response:
    """Call the employee: date, time, place, a message; e-mail or hand over link and .ics."""
    # The form's read is audited under its own name: "talk.call" is the call itself.
    opened = access.open_talk(talk_id, "talk.call", audit_read=False)
    talk = opened.talk
    notice = site_config().policies.call_notice_days
    employee = get_person(g.db, talk.employee_id)
    if employee is None or employee.has_left(local_today()):
        return render_template(
            "errors/error.html",
            code=409,
            title=gettext("%(name)s har slutat", name=talk.employee_name),
            text=gettext("Personen finns inte längre med i personallistan och ska inte kallas."),
        ), 409
    if request.method == "GET":
        opened.audit("talk.call_form", opened.role)
        booked = talk.starts_at.astimezone(STOCKHOLM) if talk.starts_at else None
        form = CallForm(
            version=str(talk.version),
            place=talk.place,
            duration=talk.duration_minutes or _minutes(),
            # Moving a talk starts from the booked date and time.
            day=booked.date() if booked else None,
            start=booked.time() if booked else None,
        )
        return render_template("team/call.html", talk=talk, form=form, notice=notice)
    form = CallForm(request.form)
    if not form.validate():
        return render_template("team/call.html", talk=talk, form=form, notice=notice), 400
    days = (form.day.data - local_today()).days if form.day.data else 0
    if days < notice and not form.short_notice_ok.data:
        return render_template(
            "team/call.html", talk=talk, form=form, notice=notice, short_notice=days
        ), 400
    try:
        result = calling.call_talk(
            g.db,
            talk,
            app_config=current_app.config,
            site_config=site_config(),
            keys=current_keys(),
            starts_at=local_start(form.starts_at()),
            duration=form.duration.data or _minutes(),
            place=form.place.data or "",
            message=form.message.data or "",
            expected_version=int(form.version.data or 0),
            now=utc_now(),
            link_url=lambda token: external_url("auth.confirm_page", token=token),
            talk_url=external_url("talks.overview", talk_id=talk.id),
            event=opened.event("talk.call"),
        )
    except (Conflict, ValueError):
        fresh = get_talk(g.db, talk_id)
        return render_template(
            "team/call.html", talk=fresh, form=form, notice=notice, conflict=True
        ), 409
    return render_template("team/called.html", talk=get_talk(g.db, talk_id), result=result)


@bp.get("/samtal/<rid:talk_id>/kallelse.ics")
@rule("signed_in")
def invitation_file(talk_id: str) -> Response:
    """The calendar invitation to hand over; it links to the talk, not to a sign-in link."""
    opened = access.open_talk(talk_id, "talk.ics", audit_read=False)
    talk = opened.talk
    if talk.starts_at is None:
        abort(404)
    config = site_config()
    invitation = calling.invitation_for(
        talk,
        config,
        starts_at=talk.starts_at,
        duration=talk.duration_minutes or _minutes(),
        place=talk.place,
        message="",
        sign_in_url="",
        routine_url=config.organisation.routine_url,
        talk_url=external_url("talks.overview", talk_id=talk.id),
    )
    opened.audit("talk.ics", opened.role)
    body = calendar_invite(invitation, sequence=talk.calendar_sequence)
    return Response(
        body,
        mimetype="text/calendar",
        headers={"Content-Disposition": 'attachment; filename="medarbetarsamtal.ics"'},
    )


@bp.route("/samtal/<rid:talk_id>/stall-in", methods=["GET", "POST"])
@rule("signed_in")
def cancel(talk_id: str) -> str | tuple[str, int]:
    """Cancel a called talk: the employee gets an e-mail and the calendar's cancellation."""
    opened = access.open_talk(talk_id, "talk.cancel", audit_read=False)
    talk = opened.talk
    if request.method == "GET":
        opened.audit("talk.cancel_form", opened.role)
        form = CancelForm(version=str(talk.version))
        return render_template("team/cancel.html", talk=talk, form=form, access=opened)
    form = CancelForm(request.form)
    if not form.validate():
        error = gettext(CSRF_EXPIRED) if "csrf_token" in form.errors else None
        return render_template(
            "team/cancel.html", talk=talk, form=form, access=opened, error=error
        ), 400
    if not opened.may_cancel:
        opened.audit("talk.cancel", "inte kallad eller redan genomförd", outcome="refused")
        return render_template(
            "team/cancel.html", talk=talk, form=form, access=opened, conflict=True
        ), 409
    try:
        result = calling.cancel_talk(
            g.db,
            talk,
            app_config=current_app.config,
            site_config=site_config(),
            message=form.message.data or "",
            expected_version=int(form.version.data or 0),
            now=utc_now(),
            talk_url=external_url("talks.overview", talk_id=talk.id),
            event=opened.event("talk.cancel"),
        )
    except (Conflict, ValueError):
        fresh = get_talk(g.db, talk_id) or talk
        return render_template(
            "team/cancel.html",
            talk=fresh,
            form=form,
            access=access.TalkAccess(fresh, opened.role, opened.user),
            conflict=True,
        ), 409
    return render_template("team/cancelled.html", talk=talk, result=result)
