"""Follow-up of a signed plan: each row's status and "Hur blev resultatet?"."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, current_app, g, redirect, render_template, request, url_for
from werkzeug.wrappers import Response

from formserver import access
from formserver.access import rule
from formserver.common.languages import gettext
from formserver.forms.base import ConfirmForm
from formserver.forms.followup import read_followup_post
from formserver.forms.messages import CSRF_EXPIRED
from formserver.security.keys import signers
from formserver.services.following_up import FOLLOWUP_STATUSES, SignedRow, signed_rows
from formserver.siteconfig import localized as site_config
from formserver.store import plans as store
from formserver.store.db import Conflict
from formserver.store.talks import Talk

bp = Blueprint("followup", __name__, url_prefix="/samtal")


def _rows(talk: Talk) -> list[SignedRow]:
    template = site_config().plan_templates[talk.plan_template_id]
    return signed_rows(g.db, talk.id, template, signers().plan)


def _page(talk: Talk, status: int = 200, **extra: Any) -> tuple[str, int]:
    return render_template(
        "plan/followup.html",
        talk=talk,
        rows=_rows(talk),
        followups=store.followups(g.db, talk.id, signers().followup),
        statuses=FOLLOWUP_STATUSES,
        public_sector=site_config().organisation.public_sector,
        form=ConfirmForm(),
        **extra,
    ), status


@bp.get("/<rid:talk_id>/uppfoljning")
@rule("signed_in")
def show(talk_id: str) -> tuple[str, int]:
    """The signed plan's rows with their results so far."""
    opened = access.open_talk(talk_id, "followup.read")
    return _page(opened.talk, saved=request.args.get("sparad"))


@bp.post("/<rid:talk_id>/uppfoljning")
@rule("signed_in")
def save(talk_id: str) -> Response | tuple[str, int]:
    """Save every row's status and result at once; typed text survives every error."""
    opened = access.open_talk(talk_id, "followup.edit")
    talk = opened.talk
    posted = read_followup_post(
        request.form, _rows(talk), int(current_app.config["TEXT_FIELD_MAX_CHARS"])
    )
    if not posted.csrf_ok:
        return _page(talk, 400, typed=posted.typed, error=gettext(CSRF_EXPIRED))
    if posted.errors:
        return _page(talk, 400, typed=posted.typed, errors=posted.errors)
    try:
        store.save_followups(
            g.db,
            talk.id,
            posted.entries,
            author_id=opened.user.id,
            signer=signers().followup,
            event=opened.event("followup.save"),
        )
    except Conflict:
        return _page(talk, 409, typed=posted.typed, conflict=True)
    return redirect(url_for("followup.show", talk_id=talk.id, sparad=1))
