"""Follow-up of a signed plan: each row's status and "Hur blev resultatet?"."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, current_app, g, redirect, render_template, request, url_for
from werkzeug.wrappers import Response

from formserver.access import require_talk_role, rule
from formserver.forms.base import CSRF_EXPIRED, ConfirmForm
from formserver.security.keys import signers
from formserver.services.following_up import SignedRow, signed_rows
from formserver.services.text import clean_text
from formserver.siteconfig import current as site_config
from formserver.store import audit
from formserver.store import plans as store
from formserver.store.db import Conflict
from formserver.store.talks import Talk, get_talk
from formserver.views.common import audit_talk

bp = Blueprint("followup", __name__, url_prefix="/samtal")


def _signed_rows(talk: Talk) -> list[SignedRow]:
    template = site_config().plan_templates[talk.plan_template_id]
    return signed_rows(g.db, talk.id, template, signers().plan)


def _page(talk: Talk, status: int = 200, **extra: Any) -> tuple[str, int]:
    return render_template(
        "plan/followup.html",
        talk=talk,
        rows=_signed_rows(talk),
        followups=store.followups(g.db, talk.id, signers().followup),
        statuses=store.FOLLOWUP_STATUSES,
        public_sector=site_config().organisation.public_sector,
        form=ConfirmForm(),
        **extra,
    ), status


@bp.get("/<rid:talk_id>/uppfoljning")
@rule("signed_in")
def show(talk_id: str) -> tuple[str, int]:
    """The signed plan's rows with their results so far."""
    talk = get_talk(g.db, talk_id)
    role = require_talk_role(talk, "followup.read", "employee", "manager")
    assert talk is not None
    audit_talk(talk, "followup.read", role)
    return _page(talk, saved=request.args.get("sparad"))


@bp.post("/<rid:talk_id>/uppfoljning")
@rule("signed_in")
def save(talk_id: str) -> Response | tuple[str, int]:
    """Save every row's status and result at once; typed text survives every error."""
    talk = get_talk(g.db, talk_id)
    require_talk_role(talk, "followup.edit", "employee", "manager")
    assert talk is not None
    limit = int(current_app.config["TEXT_FIELD_MAX_CHARS"])
    typed: dict[str, dict[str, str]] = {}
    entries, errors = [], {}
    for _, _, row in _signed_rows(talk):
        row_id = row["row_id"]
        status = request.form.get(f"status_{row_id}", "ej_paborjad")
        result = clean_text(request.form.get(f"result_{row_id}", ""))
        typed[row_id] = {"status": status, "result": result}
        if status not in store.FOLLOWUP_STATUSES:
            errors[f"status_{row_id}"] = "Välj en status i listan."
        if len(result) > limit:
            errors[f"result_{row_id}"] = (
                f"Texten är för lång: högst {limit} tecken. Korta den, så sparas den."
            )
        version = request.form.get(f"version_{row_id}", "0")
        entries.append((row_id, status, result, int(version) if version.isdigit() else -1))
    if not ConfirmForm(request.form).validate():
        return _page(talk, 400, typed=typed, error=CSRF_EXPIRED)
    if errors:
        return _page(talk, 400, typed=typed, errors=errors)
    try:
        store.save_followups(
            g.db,
            talk.id,
            entries,
            author_id=g.user.id,
            signer=signers().followup,
            event=audit.Event(g.user.id, "followup.save", "talk", talk.id),
        )
    except Conflict:
        return _page(talk, 409, typed=typed, conflict=True)
    return redirect(url_for("followup.show", talk_id=talk.id, sparad=1))
