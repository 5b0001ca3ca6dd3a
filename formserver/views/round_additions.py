"""Adding people outside the eligibility rule to a round, with the reason (HR; managers when
policies.yml allows). HR's round page links here."""

from __future__ import annotations

from flask import Blueprint, abort, g, redirect, render_template, request, url_for
from werkzeug.wrappers import Response

from formserver import access
from formserver.access import rule
from formserver.common.clock import local_today
from formserver.common.languages import gettext
from formserver.forms.messages import CSRF_EXPIRED
from formserver.forms.round_additions import AddToRoundForm
from formserver.services import short_employments as service
from formserver.siteconfig import localized as site_config
from formserver.store import additions, audit
from formserver.store import rounds as round_store
from formserver.store.people import get_person
from formserver.store.talks import manages_anyone

bp = Blueprint("additions", __name__)


def _open(round_id: str, action: str) -> tuple[round_store.Round, list[service.Candidate]]:
    """The round and the candidates the signed-in person may add; audited 403/404 otherwise."""
    managers_may = site_config().policies.managers_may_add_short_employments
    if not access.may_add_to_rounds(managers_may):
        access.deny(action, "round", round_id, status=404)
    found = round_store.get_round(g.db, round_id)
    if found is None:
        abort(404)
    user = access.signed_in_user()
    everyone = service.candidates(
        g.db, round_id, site_config().policies.eligibility, local_today(), None
    )
    mine = [
        c
        for c in everyone
        if access.may_add_to_round(c.manager.id if c.manager else None, managers_may)
    ]
    if not user.is_hr and not manages_anyone(g.db, user.id, user.employee_number):
        access.deny(action, "round", round_id, status=404)
    return found, mine


def _page(
    found: round_store.Round,
    candidates: list[service.Candidate],
    status: int = 200,
    **extra: object,
) -> tuple[str, int]:
    return render_template(
        "hr/add_to_round.html",
        round=found,
        candidates=candidates,
        added=additions.additions(g.db, found.id) if access.may_use_hr() else None,
        form=AddToRoundForm(),
        **extra,
    ), status


@bp.get("/samtalsomgangar/<rid:round_id>/lagg-till")
@rule("signed_in")
def show(round_id: str) -> tuple[str, int]:
    """The people outside the round, why, and a button to add each with a reason."""
    found, candidates = _open(round_id, "round.additions")
    access.audit_read("round.additions", "round", round_id)
    added = get_person(g.db, request.args.get("tillagd", "")) if "tillagd" in request.args else None
    return _page(found, candidates, just_added=added)


@bp.post("/samtalsomgangar/<rid:round_id>/lagg-till/<rid:person_id>")
@rule("signed_in")
def add(round_id: str, person_id: str) -> Response | tuple[str, int]:
    """Add one person to the round with the reason typed; the typed reason comes back on errors."""
    found, candidates = _open(round_id, "round.add_person")
    user = access.signed_in_user()
    candidate = next((c for c in candidates if c.person.id == person_id), None)
    if candidate is None or not candidate.addable:
        access.deny("round.add_person", "round", round_id, status=404)
    form = AddToRoundForm(request.form)
    if not form.validate():
        message = gettext(CSRF_EXPIRED) if "csrf_token" in form.errors else None
        return _page(found, candidates, 400, failed=person_id, failed_form=form, error=message)
    try:
        service.add(
            g.db,
            candidate,
            round_id=round_id,
            reason=form.reason.data or "",
            event=audit.Event(user.id, "round.add_person", client=access.client()),
        )
    except service.NotAddable:
        access.deny("round.add_person", "round", round_id, status=409)
    return redirect(url_for("additions.show", round_id=round_id, tillagd=candidate.person.id))
