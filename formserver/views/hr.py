"""HR: import the roster, open rounds, follow coverage (never content)."""

from __future__ import annotations

from datetime import datetime

from flask import Blueprint, abort, g, redirect, render_template, request, url_for
from werkzeug.datastructures import CombinedMultiDict, MultiDict
from werkzeug.wrappers import Response
from wtforms import SelectChoice  # type: ignore[attr-defined]  # stubs predate 3.3

from formserver import access
from formserver.access import rule
from formserver.common.clock import STOCKHOLM
from formserver.common.languages import gettext
from formserver.forms.base import OpenRoundForm, RosterForm
from formserver.services import round_people, rounds
from formserver.services.roster import COLUMNS, parse_roster
from formserver.siteconfig import localized as site_config
from formserver.store import rounds as round_store
from formserver.store.db import utc_now
from formserver.store.people import count_people, import_roster
from formserver.store.talks import STATUS_LABELS, round_talks

bp = Blueprint("hr", __name__, url_prefix="/hr")


@bp.get("/")
@rule("hr")
def overview() -> str:
    """People and rounds at a glance."""
    config = site_config()
    return render_template(
        "hr/overview.html",
        people=count_people(g.db),
        rounds=round_store.list_rounds(g.db),
        question_sets=config.question_sets,
        plan_templates=config.plan_templates,
    )


@bp.route("/personal", methods=["GET", "POST"])
@rule("hr", body_limit="ROSTER_MAX_BYTES")
def roster() -> str | tuple[str, int]:
    """Upload the roster CSV: all or nothing, every bad line reported."""
    if request.method == "GET":
        return render_template("hr/roster.html", form=RosterForm(), columns=COLUMNS)
    form = RosterForm(CombinedMultiDict((request.files, request.form)))
    upload = request.files.get("roster")
    valid = form.validate()
    if not valid or upload is None or not upload.filename:
        error = gettext("Välj en CSV-fil att läsa in.") if valid else None
        return render_template("hr/roster.html", form=form, columns=COLUMNS, file_error=error), 400
    result = parse_roster(upload.read())
    if not result.ok:
        access.audit_read("roster.import", detail=f"{len(result.errors)} fel", outcome="rejected")
        return render_template(
            "hr/roster.html", form=RosterForm(), columns=COLUMNS, errors=result.errors
        ), 422
    event = access.event("roster.import", detail=f"{len(result.rows)} personer")
    summary = import_roster(g.db, result.rows, event)
    return render_template("hr/roster_done.html", summary=summary, total=len(result.rows))


def _round_form(data: MultiDict[str, str] | None = None) -> OpenRoundForm:
    config = site_config()
    form = OpenRoundForm(data, year=utc_now().year)
    form.question_set.choices = [SelectChoice(q.id, q.title) for q in config.question_sets.values()]
    form.plan_template.choices = [
        SelectChoice(p.id, p.title) for p in config.plan_templates.values()
    ]
    if data is None:
        form.question_set.data = config.organisation.default_question_set
        form.plan_template.data = config.default_question_set.plan_template
    return form


@bp.route("/samtalsomgangar/ny", methods=["GET", "POST"])
@rule("hr")
def new_round() -> Response | str | tuple[str, int]:
    """Open a samtalsomgång for a year with a question set and a plan template."""
    form = _round_form(request.form if request.method == "POST" else None)
    if request.method == "GET" or not form.validate():
        return render_template("hr/new_round.html", form=form), (
            400 if request.method == "POST" else 200
        )
    try:
        opened = rounds.open_round(
            g.db,
            site_config(),
            year=form.year.data or 0,
            question_set_id=form.question_set.data or "",
            plan_template_id=form.plan_template.data or "",
            opened_by=access.signed_in_user().id,
            client=access.client(),
            today=utc_now().date(),
        )
    except round_store.RoundExists:
        form.year.errors = [
            gettext("Det finns redan en samtalsomgång för det året med det frågeunderlaget.")
        ]
        return render_template("hr/new_round.html", form=form), 409
    return redirect(url_for("hr.round_status", round_id=opened.round_id, opened=1))


@bp.get("/samtalsomgangar/<rid:round_id>")
@rule("hr")
def round_status(round_id: str) -> str:
    """Coverage per unit and manager, each person's status, and who is not in the round and
    why: statuses only, never answers."""
    found = round_store.get_round(g.db, round_id)
    if found is None:
        abort(404)
    access.audit_read("round.coverage", "round", round_id)
    talks = round_talks(g.db, round_id)
    opened_on = datetime.fromisoformat(found.opened_at).astimezone(STOCKHOLM).date()
    return render_template(
        "hr/round.html",
        round=found,
        rows=round_people.coverage(talks),
        talks=talks,
        outside=round_people.outside(g.db, round_id, site_config().policies.eligibility, opened_on),
        statuses=STATUS_LABELS,
        question_set=site_config().question_sets.get(found.question_set_id),
        plan_template=site_config().plan_templates.get(found.plan_template_id),
        opened=request.args.get("opened") == "1",
    )
