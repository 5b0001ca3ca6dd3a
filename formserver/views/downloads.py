"""Downloads for managers (their team's plans) and HR (coverage, never content)."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from flask import Blueprint, abort, g, stream_with_context
from werkzeug.wrappers import Response

from formserver import access
from formserver.access import rule
from formserver.common.languages import _l, gettext
from formserver.documents import exports, plan_record
from formserver.security.keys import signers
from formserver.security.records import ChainBroken, RecordTampered
from formserver.services import round_people
from formserver.siteconfig import localized as site_config
from formserver.store import plans as store
from formserver.store import rounds as round_store
from formserver.store.talks import STATUS_LABELS, Talk
from formserver.views.common import download

bp = Blueprint("downloads", __name__)


def _signed(talks: list[Talk]) -> Iterator[tuple[Talk, store.PlanVersion, bool]]:
    """Each talk's newest version signed by both, and whether a newer one is in progress."""
    for talk in talks:
        found = store.latest_signed_by_both(g.db, talk.id, signers().plan)
        if found is not None:
            yield talk, *found


def _audit(action: str, round_id: str, detail: str) -> None:
    access.audit_read(action, "round", round_id, detail)


@bp.get("/chef/samtalsomgangar/<rid:round_id>/planer.zip")
@rule("signed_in")
def team_zip(round_id: str) -> Response:
    """Every plan of the team signed by both, as PDFs in one zip (streamed): the stored copy of
    the newest version both signed, and a note naming the plans where a newer version waits for
    signatures. A stored copy that fails its check is left out, named in a note and audited
    (the response has begun, so the error page cannot be shown)."""
    talks = access.open_team(round_id, "team.download")
    # Chains walked and any missing copy stored before streaming begins.
    signed, broken = plan_record.team_copies(g.db, talks)
    _audit("team.download", round_id, "zip")
    for _, error in broken:
        chain = isinstance(error, ChainBroken)
        detail = "zip" + (f"; {error.reason}" if isinstance(error, ChainBroken) else "")
        kind = "talk" if chain else error.kind
        access.audit_read("record.verify", kind, error.record_id, detail, "tampered")

    def tampered(error: RecordTampered) -> None:
        access.audit_read("record.verify", error.kind, error.record_id, "zip", "failed")

    files = plan_record.team_files(g.db, signed, [t for t, _ in broken], tampered)
    year = talks[0].year
    return Response(
        stream_with_context(exports.stream_zip(files)),
        mimetype="application/zip",
        headers={
            "Content-Disposition": f'attachment; filename="planer-{year}.zip"',
            "Cache-Control": "no-store",
        },
    )


# The CSV headers, in the reader's language (lazy: translated when the file is made).
OVERVIEW_HEADER = (
    _l("Medarbetare"),
    _l("Enhet"),
    _l("Status"),
    _l("Datum"),
    _l("Plats"),
    _l("Planversion"),
    _l("Underskriven av båda"),
)


@bp.get("/chef/samtalsomgangar/<rid:round_id>/oversikt.csv")
@rule("signed_in")
def team_csv(round_id: str) -> Response:
    """The team's overview for Excel: status, date and plan state per employee."""
    talks = access.open_team(round_id, "team.download")
    rows = []
    for talk in talks:
        version = store.latest(g.db, talk.id, signers().plan)
        rows.append(
            (
                talk.employee_name,
                talk.unit,
                talk.status_label,
                talk.starts_at.strftime("%Y-%m-%d %H.%M") if talk.starts_at else "",
                talk.place,
                version.number if version else "",
                gettext("Ja") if version and version.signed_by_both else gettext("Nej"),
            )
        )
    _audit("team.download", round_id, "csv")
    return download(
        exports.csv_bytes(OVERVIEW_HEADER, rows), "text/csv", f"oversikt-{talks[0].year}.csv"
    )


def handover(talk: Talk, version: store.PlanVersion, config: Any) -> dict[str, Any]:
    """One signed plan for the HR system: ids and versions of the set and template used."""
    template = config.plan_templates[talk.plan_template_id]
    return {
        "talk_id": talk.id,
        "year": talk.year,
        "employee": {"name": talk.employee_name, "email": talk.employee_email, "unit": talk.unit},
        "manager": {"name": talk.manager_name, "email": talk.manager_email},
        "question_set": {"id": talk.question_set_id, "version": talk.question_set_version},
        "plan_template": {"id": template.id, "version": template.version},
        "plan_version": version.number,
        "content_hash": version.content_hash,
        "content": version.content,
        "signatures": {
            role: {"signed_at": s.signed_at, "comment": s.comment, "content_hash": s.content_hash}
            for role, s in version.signatures.items()
        },
    }


@bp.get("/chef/samtalsomgangar/<rid:round_id>/planer.json")
@rule("signed_in")
def team_json(round_id: str) -> Response:
    """The team's signed plans as JSON for handover to the HR system."""
    talks = access.open_team(round_id, "team.download")
    config = site_config()
    data = {
        "round_id": round_id,
        "plans": [
            {**handover(t, v, config), "newer_version_in_progress": newer}
            for t, v, newer in _signed(talks)
        ],
    }
    _audit("team.download", round_id, "json")
    return download(exports.json_bytes(data), "application/json", f"planer-{talks[0].year}.json")


COVERAGE_HEADER = (_l("Enhet"), _l("Chef"), _l("Ska ha samtal"), *STATUS_LABELS.values())


@bp.get("/hr/samtalsomgangar/<rid:round_id>/tackning.csv")
@rule("hr")
def coverage_csv(round_id: str) -> Response:
    """Coverage per unit and manager as CSV: counts only, never content."""
    found = round_store.get_round(g.db, round_id)
    if found is None:
        abort(404)
    rows = [
        (r.unit, r.manager_name, r.total, *(r.counts[key] for key in STATUS_LABELS))
        for r in round_people.round_coverage(g.db, round_id)
    ]
    _audit("round.coverage", round_id, "csv")
    return download(
        exports.csv_bytes(COVERAGE_HEADER, rows), "text/csv", f"tackning-{found.year}.csv"
    )
