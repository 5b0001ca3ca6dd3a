"""The record of the talk: notes and plan, marking the talk held, signing, versions, the PDF."""

from __future__ import annotations

from functools import partial
from typing import Any

from flask import Blueprint, abort, current_app, g, redirect, render_template, request, url_for
from werkzeug.wrappers import Response

from formserver import access
from formserver.access import TalkAccess, rule
from formserver.common.clock import local_today
from formserver.common.languages import current_language, gettext, in_language, offered
from formserver.common.text import clean_text
from formserver.documents import plan_document, plan_record
from formserver.forms.base import ConfirmForm
from formserver.forms.messages import CSRF_EXPIRED, too_long
from formserver.forms.plan import read_plan_post
from formserver.forms.talk_changes import MarkHeldForm
from formserver.security.keys import current_keys, signers
from formserver.services import calling, planning
from formserver.services.signing import COMMENT_MAX, save_plan, sign_plan
from formserver.services.waiting import Mailing
from formserver.siteconfig import localized as site_config
from formserver.store import plans as store
from formserver.store.db import Conflict, utc_now
from formserver.store.talks import Talk
from formserver.views.common import download, external_url, sign_in_rules

bp = Blueprint("plans", __name__, url_prefix="/samtal")


def _context(talk: Talk) -> dict[str, Any]:
    config = site_config()
    return {
        "talk": talk,
        "question_set": config.question_sets[talk.question_set_id],
        "template": config.plan_templates[talk.plan_template_id],
        "public_sector": config.organisation.public_sector,
        "sources": config.sources,
    }


def _mailing() -> Mailing:
    """How this request tells people that a plan version waits for them."""
    return Mailing(
        config=current_app.config,
        keys=current_keys(),
        organisation=site_config().organisation.name,
        rules=sign_in_rules(),
        now=utc_now(),
        link_url=lambda token: external_url("auth.confirm_page", token=token),
        plan_url=lambda talk_id: external_url("plans.show", talk_id=talk_id),
    )


def _since_signed(
    opened: TalkAccess, latest: store.PlanVersion | None, context: dict[str, Any]
) -> dict[str, Any]:
    """What changed since this person last signed, when that was an earlier version, and the
    comment they wrote then (offered again when they sign the new one)."""
    if latest is None or opened.role in latest.signatures:
        return {"signed_before": None}
    earlier = [
        v
        for v in store.versions(g.db, opened.talk.id, signers().plan)
        if opened.role in v.signatures
    ]
    if not earlier:
        return {"signed_before": None}
    signed = earlier[-1]
    return {
        "signed_before": signed,
        "since_signed": planning.changes(
            signed.content, latest.content, context["question_set"], context["template"]
        ),
        "earlier_comment": signed.signatures[opened.role].comment,
    }


def _page(opened: TalkAccess, status: int = 200, **extra: Any) -> tuple[str, int]:
    context = _context(opened.talk)
    latest = store.latest(g.db, opened.talk.id, signers().plan)
    content = extra.pop("content", None) or (
        latest.content
        if latest
        else planning.empty_content(context["question_set"], context["template"])
    )
    return render_template(
        "plan/edit.html",
        **_since_signed(opened, latest, context),
        access=opened,
        latest=latest,
        content=content,
        expected=extra.pop("expected", None)
        or ((latest.number, latest.edits) if latest else (0, 0)),
        errors=extra.pop("errors", {}),
        form=ConfirmForm(),
        **context,
        **extra,
    ), status


@bp.get("/<rid:talk_id>/plan")
@rule("signed_in")
def show(talk_id: str) -> tuple[str, int]:
    """Manager: edit notes and plan. Employee: read everything recorded, and sign."""
    opened = access.open_talk(talk_id, "plan.read")
    return _page(opened, saved=request.args.get("sparad"))


@bp.post("/<rid:talk_id>/plan")
@rule("signed_in")
def save(talk_id: str) -> Response | tuple[str, int]:
    """Save notes and rows; add or remove a row. Typed text survives every error."""
    opened = access.open_talk(talk_id, "plan.edit")
    talk = opened.talk
    context = _context(talk)
    posted = read_plan_post(
        request.form,
        context["question_set"],
        context["template"],
        talk_day=talk.starts_at.date() if talk.starts_at else None,
        max_chars=int(current_app.config["TEXT_FIELD_MAX_CHARS"]),
    )
    content = posted.plan.content
    if not posted.csrf_ok:
        return _page(
            opened, 400, content=content, error=gettext(CSRF_EXPIRED), expected=posted.expected
        )
    if posted.plan.errors:
        return _page(
            opened, 400, content=content, errors=posted.plan.errors, expected=posted.expected
        )
    try:
        save_plan(
            g.db,
            talk,
            content,
            expected=posted.expected,
            author_id=opened.user.id,
            signer=signers().plan,
            event=opened.event("plan.save", request.form.get("action", "spara")),
            mailing=_mailing(),
        )
    except Conflict:
        return _page(opened, 409, content=content, conflict=True)
    return redirect(url_for("plans.show", talk_id=talk.id, sparad=1) + posted.anchor)


@bp.post("/<rid:talk_id>/plan/genomford")
@rule("signed_in")
def mark_held(talk_id: str) -> Response | tuple[str, int]:
    """The manager marks the talk held; then both can sign. Long before the booked day, the
    manager confirms first."""
    opened = access.open_talk(talk_id, "talk.held")
    form = MarkHeldForm(request.form)
    if not form.validate():
        return _page(opened, 400, error=gettext(CSRF_EXPIRED))
    early = calling.days_early(opened.talk, local_today())
    if early and not form.early_ok.data:
        opened.audit("talk.held", f"{early} dagar före bokat datum", outcome="unconfirmed")
        return _page(opened, 409, held_early=early, held_form=form)
    latest = store.latest(g.db, opened.talk.id, signers().plan)
    if latest is None or planning.is_empty(latest.content):
        return _page(
            opened,
            409,
            error=gettext(
                "Skriv och spara anteckningar eller plan först. "
                "Markera sedan samtalet som genomfört."
            ),
        )
    store.mark_held(g.db, opened.talk.id, event=opened.event("talk.held"))
    return redirect(url_for("plans.show", talk_id=opened.talk.id))


@bp.post("/<rid:talk_id>/plan/signera")
@rule("signed_in")
def sign(talk_id: str) -> Response | tuple[str, int]:
    """Sign exactly the version shown: its number and content hash come with the form."""
    opened = access.open_talk(talk_id, "plan.sign")
    comment = clean_text(request.form.get("comment", ""))
    if not ConfirmForm(request.form).validate():
        return _page(opened, 400, error=gettext(CSRF_EXPIRED), comment=comment)
    if len(comment) > COMMENT_MAX:
        return _page(
            opened,
            400,
            comment=comment,
            errors={"comment": too_long(COMMENT_MAX)},
        )
    try:
        sign_plan(
            g.db,
            opened.talk,
            role=opened.role,
            person_id=opened.user.id,
            number=int(request.form.get("number", "0") or 0),
            seen_hash=request.form.get("content_hash", ""),
            comment=comment,
            signer=signers().plan,
            event=opened.event("plan.sign", opened.role),
            mail_config=current_app.config,
            organisation=site_config().organisation.name,
            stored_pdf=partial(plan_record.stored_pdf, g.db),
            pdf_name=plan_document.file_name(opened.talk),
            mailing=_mailing(),
        )
    except store.NotHeld:
        opened.audit("plan.sign", "inte genomfört", outcome="refused")
        return _page(
            opened,
            409,
            comment=comment,
            error=gettext(
                "Samtalet är inte markerat som genomfört ännu. Planen kan skrivas "
                "under först när chefen har markerat samtalet som genomfört. Vänta tills chefen "
                "har gjort det och skriv under då."
            ),
        )
    except (Conflict, ValueError):
        opened.audit("plan.sign", "planen ändrad", outcome="refused")
        return _page(
            opened,
            409,
            comment=comment,
            error=gettext(
                "Planen har ändrats sedan du öppnade sidan, eller så har du redan "
                "skrivit under. Läs igenom versionen nedan och skriv under igen."
            ),
        )
    return redirect(url_for("plans.show", talk_id=opened.talk.id, underskriven=1))


@bp.get("/<rid:talk_id>/plan/versioner")
@rule("signed_in")
def history(talk_id: str) -> str:
    """Every version, who signed it, and what changed from the one before."""
    opened = access.open_talk(talk_id, "plan.versions")
    context = _context(opened.talk)
    versions = store.versions(g.db, opened.talk.id, signers().plan)
    changes = [
        planning.changes(
            versions[i - 1].content if i else None,
            v.content,
            context["question_set"],
            context["template"],
        )
        for i, v in enumerate(versions)
    ]
    return render_template(
        "plan/versions.html",
        versions=versions,
        changes=changes,
        names=plan_document.signer_names(opened.talk),
        **context,
    )


def _newest_version(talk_id: str, action: str) -> tuple[TalkAccess, store.PlanVersion]:
    """The talk opened for `action` and its newest version; 404 while nothing is saved. The
    view audits the read itself, once it knows what it hands out."""
    opened = access.open_talk(talk_id, action, audit_read=False)
    version = store.latest(g.db, opened.talk.id, signers().plan)
    if version is None:
        abort(404)
    return opened, version


@bp.get("/<rid:talk_id>/plan/utskrift")
@rule("signed_in")
def print_view(talk_id: str) -> str:
    """The newest version as a document to print."""
    opened, version = _newest_version(talk_id, "plan.print")
    opened.audit("plan.print", opened.role)
    with in_language(_document_language()):
        return plan_document.document_html(opened.talk, version)


def _document_language() -> str:
    """The language asked for with ?sprak= (one the organisation offers), else the reader's."""
    asked = request.args.get("sprak", "")
    return asked if asked in offered() else current_language()


@bp.get("/<rid:talk_id>/plan.pdf")
@rule("signed_in")
def pdf(talk_id: str) -> Response:
    """The newest version as PDF/A-2b (once both signed, the copy stored at signing): server-made
    file name, attachment, no-store, audited."""
    opened, version = _newest_version(talk_id, "plan.download")
    language = _document_language()
    body = plan_record.stored_pdf(g.db, opened.talk, version, language)
    opened.audit("plan.download", f"pdf version {version.number}")
    return download(body, "application/pdf", plan_document.file_name(opened.talk))
