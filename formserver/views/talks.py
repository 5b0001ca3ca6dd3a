"""A talk's page and the preparation form (employee and manager, separately)."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, current_app, g, redirect, render_template, request, url_for
from werkzeug.wrappers import Response

from formserver import access
from formserver.access import TalkAccess, rule
from formserver.common.languages import gettext
from formserver.forms import layout
from formserver.forms import preparation as prep
from formserver.forms.base import ConfirmForm
from formserver.forms.messages import CSRF_EXPIRED
from formserver.security.keys import signers
from formserver.services.following_up import FOLLOWUP_STATUSES, signed_rows
from formserver.siteconfig import localized as site_config
from formserver.store import maintenance as maintenance_store
from formserver.store import plans
from formserver.store.db import Conflict
from formserver.store.preparations import TalkLocked, get_preparation, save_preparation

bp = Blueprint("talks", __name__, url_prefix="/samtal")


def _last_year(opened: TalkAccess) -> dict[str, Any]:
    """Last year's signed plan to follow up, where this person may see it."""
    previous = access.last_year(opened)
    if previous is None:
        return {"previous": None}
    template = site_config().plan_templates[previous.plan_template_id]
    return {
        "previous": previous,
        "previous_rows": signed_rows(g.db, previous.id, template, signers().plan),
        "previous_followups": plans.followups(g.db, previous.id, signers().followup),
        "followup_labels": FOLLOWUP_STATUSES,
    }


@bp.get("/<rid:talk_id>")
@rule("signed_in")
def overview(talk_id: str) -> str:
    """Who, when, where, status; both preparations once both have submitted."""
    opened = access.open_talk(talk_id, "talk.view")
    talk, role = opened.talk, opened.role
    own = get_preparation(g.db, talk.id, role, signers().preparation)
    other = get_preparation(g.db, talk.id, opened.other_role, signers().preparation)
    both = access.may_see_other_preparation(
        bool(own and own.submitted), bool(other and other.submitted)
    )
    return render_template(
        "talk/overview.html",
        talk=talk,
        access=opened,
        own=own,
        other=other if both else None,
        other_submitted=bool(other and other.submitted),
        question_set=site_config().question_sets[talk.question_set_id],
    )


@bp.route("/<rid:talk_id>/forberedelse", methods=["GET", "POST"])
@rule("signed_in")
def prepare(talk_id: str) -> Response | str | tuple[str, int]:
    """Save a draft or submit; typed text always comes back on any error."""
    reading = request.method == "GET"
    opened = access.open_talk(talk_id, "preparation.read" if reading else "preparation.edit")
    talk, role = opened.talk, opened.role
    config = site_config()
    question_set = config.question_sets[talk.question_set_id]
    signer = signers().preparation

    def page(status: int = 200, **values: Any) -> tuple[str, int]:
        # Built only when a page is shown: a successful save just redirects.
        if "stored" not in values:
            values["stored"] = get_preparation(g.db, talk.id, role, signer)
        return render_template(
            "talk/prepare.html",
            **_last_year(opened),
            talk=talk,
            access=opened,
            question_set=question_set,
            sources=config.sources,
            layout=layout.layout(
                question_set, public_sector=config.organisation.public_sector, role=role
            ),
            render_fields=layout.render,
            **values,
        ), status

    if reading:
        stored = get_preparation(g.db, talk.id, role, signer)
        state = prep.stored_state(stored.answers if stored else {}, question_set)
        version = stored.version if stored else 0
        return page(form=state, version=version, stored=stored, saved=request.args.get("sparad"))
    posted = prep.read_post(
        request.form, question_set, int(current_app.config["TEXT_FIELD_MAX_CHARS"])
    )
    if not posted.valid:
        message = None if posted.csrf_ok else gettext(CSRF_EXPIRED)
        return page(400, form=posted.state, version=posted.version, error=message)
    action = "preparation.submit" if posted.submit else "preparation.save"
    try:
        save_preparation(
            g.db,
            talk.id,
            role,
            posted.answers,
            expected_version=posted.version,
            submit=posted.submit,
            signer=signer,
            event=opened.event(action, role),
        )
    except Conflict:
        current = get_preparation(g.db, talk.id, role, signer)
        version = current.version if current else 0
        return page(409, form=posted.state, version=version, conflict=current, stored=current)
    except TalkLocked:
        return page(409, form=posted.state, version=posted.version)
    if posted.submit:
        return redirect(url_for("talks.overview", talk_id=talk.id, skickad=1))
    return redirect(url_for("talks.prepare", talk_id=talk.id, sparad=1))


@bp.post("/<rid:talk_id>/forberedelse/ta-bort")
@rule("signed_in")
def delete_draft(talk_id: str) -> Response | tuple[str, int]:
    """The author deletes their own draft; a submitted preparation stays (it is shared)."""
    opened = access.open_talk(talk_id, "preparation.delete")
    if not ConfirmForm(request.form).validate():
        return render_template(
            "errors/error.html",
            code=400,
            title="Utkastet togs inte bort",
            text=gettext(
                "Sidan hade varit öppen för länge. Gå tillbaka och tryck Ta bort utkastet igen."
            ),
        ), 400
    deleted = maintenance_store.delete_draft(
        g.db, opened.talk.id, opened.role, opened.event("preparation.delete", opened.role)
    )
    return redirect(url_for("talks.prepare", talk_id=opened.talk.id, borttaget=int(deleted)))
