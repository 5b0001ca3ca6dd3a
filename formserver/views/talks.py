"""A talk's page and the preparation form (employee and manager, separately)."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, current_app, g, redirect, render_template, request, url_for
from werkzeug.wrappers import Response

from formserver.access import may_see_other_preparation, require_talk_role, rule
from formserver.forms import layout as form_layout
from formserver.forms import preparation as prep
from formserver.forms.base import CSRF_EXPIRED, ConfirmForm
from formserver.security.keys import signers
from formserver.services.following_up import signed_rows
from formserver.siteconfig import current as site_config
from formserver.store import audit, plans
from formserver.store import maintenance as maintenance_store
from formserver.store.db import Conflict
from formserver.store.preparations import TalkLocked, get_preparation, save_preparation
from formserver.store.talks import Talk, get_talk
from formserver.views.common import audit_talk

bp = Blueprint("talks", __name__, url_prefix="/samtal")

OTHER = {"employee": "manager", "manager": "employee"}


def _talk(talk_id: str, action: str) -> tuple[Talk, str]:
    talk = get_talk(g.db, talk_id)
    role = require_talk_role(talk, action, "employee", "manager")
    assert talk is not None
    return talk, role


def _last_year(talk: Talk, role: str) -> dict[str, Any]:
    """Last year's signed plan to follow up, for the employee (and the manager if it was them)."""
    previous_id = plans.previous_signed_talk(g.db, talk.employee_id, talk.year)
    previous = get_talk(g.db, previous_id) if previous_id else None
    if previous is None or (role == "manager" and previous.manager_id != g.user.id):
        return {"previous": None}
    return {
        "previous": previous,
        "previous_rows": signed_rows(
            g.db,
            previous.id,
            site_config().plan_templates[previous.plan_template_id],
            signers().plan,
        ),
        "previous_followups": plans.followups(g.db, previous.id, signers().followup),
        "followup_labels": plans.FOLLOWUP_STATUSES,
    }


@bp.get("/<rid:talk_id>")
@rule("signed_in")
def overview(talk_id: str) -> str:
    """Who, when, where, status; both preparations once both have submitted."""
    talk, role = _talk(talk_id, "talk.view")
    signer = signers().preparation
    own = get_preparation(g.db, talk.id, role, signer)
    other = get_preparation(g.db, talk.id, OTHER[role], signer)
    both = may_see_other_preparation(bool(own and own.submitted), bool(other and other.submitted))
    audit_talk(talk, "talk.view", role)
    return render_template(
        "talk/overview.html",
        talk=talk,
        role=role,
        own=own,
        other=other if both else None,
        other_submitted=bool(other and other.submitted),
        question_set=site_config().question_sets[talk.question_set_id],
    )


@bp.route("/<rid:talk_id>/forberedelse", methods=["GET", "POST"])
@rule("signed_in")
def prepare(talk_id: str) -> Response | str | tuple[str, int]:
    """Save a draft or submit; typed text always comes back on any error."""
    talk, role = _talk(talk_id, "preparation.edit")
    config = site_config()
    question_set = config.question_sets[talk.question_set_id]
    signer = signers().preparation
    stored = get_preparation(g.db, talk.id, role, signer)
    page = {
        **_last_year(talk, role),
        "talk": talk,
        "role": role,
        "question_set": question_set,
        "public_sector": config.organisation.public_sector,
        "stored": stored,
        "locked": talk.status == "genomford",
        "layout": form_layout.layout(
            question_set, public_sector=config.organisation.public_sector, role=role
        ),
        "render_fields": form_layout.render,
    }
    if request.method == "GET":
        audit_talk(talk, "preparation.read", role)
        state = prep.stored_state(stored.answers if stored else {}, question_set)
        version = stored.version if stored else 0
        saved = request.args.get("sparad")
        return render_template(
            "talk/prepare.html", form=state, version=version, saved=saved, **page
        )
    posted = prep.read_post(
        request.form, question_set, int(current_app.config["TEXT_FIELD_MAX_CHARS"])
    )
    version_text = request.form.get("version", "0")
    version = int(version_text) if version_text.isdigit() else 0
    if not posted.valid:
        message = None if posted.csrf_ok else CSRF_EXPIRED
        return render_template(
            "talk/prepare.html", form=posted.state, version=version, error=message, **page
        ), 400
    submit = request.form.get("action") == "skicka"
    event = audit.Event(
        g.user.id, "preparation.submit" if submit else "preparation.save", "talk", talk.id, role
    )
    try:
        save_preparation(
            g.db,
            talk.id,
            role,
            posted.answers,
            expected_version=version,
            submit=submit,
            signer=signer,
            event=event,
        )
    except Conflict:
        current = get_preparation(g.db, talk.id, role, signer)
        return render_template(
            "talk/prepare.html",
            form=posted.state,
            version=current.version if current else 0,
            conflict=current,
            **page,
        ), 409
    except TalkLocked:
        return render_template("talk/prepare.html", form=posted.state, version=version, **page), 409
    if submit:
        return redirect(url_for("talks.overview", talk_id=talk.id, skickad=1))
    return redirect(url_for("talks.prepare", talk_id=talk.id, sparad=1))


@bp.post("/<rid:talk_id>/forberedelse/ta-bort")
@rule("signed_in")
def delete_draft(talk_id: str) -> Response | tuple[str, int]:
    """The author deletes their own draft; a submitted preparation stays (it is shared)."""
    talk, role = _talk(talk_id, "preparation.delete")
    if not ConfirmForm(request.form).validate():
        return render_template(
            "errors/error.html",
            code=400,
            title="Utkastet togs inte bort",
            text="Sidan hade varit öppen för länge. Gå tillbaka och tryck Ta bort utkastet igen.",
        ), 400
    deleted = maintenance_store.delete_draft(g.db, talk.id, role)
    audit_talk(talk, "preparation.delete", role, outcome="ok" if deleted else "nothing")
    return redirect(url_for("talks.prepare", talk_id=talk.id, borttaget=int(deleted)))
