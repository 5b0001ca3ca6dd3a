"""The record of the talk: notes and plan, marking the talk held, signing, versions, the PDF."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, abort, current_app, g, redirect, render_template, request, url_for
from werkzeug.wrappers import Response

from formserver.access import require_talk_role, rule
from formserver.documents import mail as mailer
from formserver.documents import plan_document
from formserver.forms.base import CSRF_EXPIRED, ConfirmForm
from formserver.security.keys import signers
from formserver.services import planning as plan_logic
from formserver.services.text import clean_text
from formserver.siteconfig import current as site_config
from formserver.store import audit
from formserver.store import plans as store
from formserver.store.db import Conflict
from formserver.store.talks import Talk, get_talk
from formserver.views.common import audit_talk, download

bp = Blueprint("plans", __name__, url_prefix="/samtal")
COMMENT_MAX = 2000


def _context(talk: Talk) -> dict[str, Any]:
    config = site_config()
    return {
        "talk": talk,
        "question_set": config.question_sets[talk.question_set_id],
        "template": config.plan_templates[talk.plan_template_id],
        "public_sector": config.organisation.public_sector,
    }


def _talk(talk_id: str, action: str, *roles: Any) -> tuple[Talk, str]:
    talk = get_talk(g.db, talk_id)
    role = require_talk_role(talk, action, *roles)
    assert talk is not None
    return talk, role


def _page(talk: Talk, role: str, status: int = 200, **extra: Any) -> tuple[str, int]:
    context = _context(talk)
    latest = store.latest(g.db, talk.id, signers().plan)
    content = extra.pop("content", None) or (
        latest.content
        if latest
        else plan_logic.empty_content(context["question_set"], context["template"])
    )
    return render_template(
        "plan/edit.html",
        role=role,
        latest=latest,
        content=content,
        expected=(latest.number, latest.edits) if latest else (0, 0),
        errors=extra.pop("errors", {}),
        form=ConfirmForm(),
        **context,
        **extra,
    ), status


@bp.get("/<rid:talk_id>/plan")
@rule("signed_in")
def show(talk_id: str) -> tuple[str, int]:
    """Manager: edit notes and plan. Employee: read everything recorded, and sign."""
    talk, role = _talk(talk_id, "plan.read", "employee", "manager")
    audit_talk(talk, "plan.read", role)
    return _page(talk, role, saved=request.args.get("sparad"))


@bp.post("/<rid:talk_id>/plan")
@rule("signed_in")
def save(talk_id: str) -> Response | tuple[str, int]:
    """Save notes and rows; add or remove a row. Typed text survives every error."""
    talk, role = _talk(talk_id, "plan.edit", "manager")
    context = _context(talk)
    parsed = plan_logic.parse_form(
        request.form,
        context["question_set"],
        context["template"],
        talk_day=talk.starts_at.date() if talk.starts_at else None,
        max_chars=int(current_app.config["TEXT_FIELD_MAX_CHARS"]),
    )
    action = request.form.get("action", "spara")
    kind, _, target = action.partition(":")
    if kind == "rad-till":
        plan_logic.add_row(parsed.content, target)
    elif kind == "rad-bort":
        grid_id, _, row_id = target.partition(":")
        plan_logic.remove_row(parsed.content, grid_id, row_id)
    expected = _expected()
    if not ConfirmForm(request.form).validate():
        return _page(
            talk, role, 400, content=parsed.content, error=CSRF_EXPIRED, expected_override=expected
        )
    if parsed.errors:
        return _page(
            talk,
            role,
            400,
            content=parsed.content,
            errors=parsed.errors,
            expected_override=expected,
        )
    try:
        store.save(
            g.db,
            talk.id,
            parsed.content,
            expected=expected,
            author_id=g.user.id,
            signer=signers().plan,
            event=audit.Event(g.user.id, "plan.save", "talk", talk.id, action),
        )
    except Conflict:
        return _page(talk, role, 409, content=parsed.content, conflict=True)
    anchor = f"#{target.partition(':')[0]}" if kind.startswith("rad") else ""
    return redirect(url_for("plans.show", talk_id=talk.id, sparad=1) + anchor)


def _expected() -> tuple[int, int]:
    try:
        return int(request.form.get("number", "0")), int(request.form.get("edits", "0"))
    except ValueError:
        return (-1, -1)


@bp.post("/<rid:talk_id>/plan/genomford")
@rule("signed_in")
def mark_held(talk_id: str) -> Response | tuple[str, int]:
    """The manager marks the talk held; then both can sign."""
    talk, role = _talk(talk_id, "talk.held", "manager")
    if not ConfirmForm(request.form).validate():
        return _page(talk, role, 400, error=CSRF_EXPIRED)
    latest = store.latest(g.db, talk.id, signers().plan)
    if latest is None or plan_logic.is_empty(latest.content):
        return _page(
            talk,
            role,
            409,
            error="Skriv och spara anteckningar eller plan först. "
            "Markera sedan samtalet som genomfört.",
        )
    store.mark_held(g.db, talk.id, event=audit.Event(g.user.id, "talk.held", "talk", talk.id))
    return redirect(url_for("plans.show", talk_id=talk.id))


@bp.post("/<rid:talk_id>/plan/signera")
@rule("signed_in")
def sign(talk_id: str) -> Response | tuple[str, int]:
    """Sign exactly the version shown: its number and content hash come with the form."""
    talk, role = _talk(talk_id, "plan.sign", "employee", "manager")
    comment = clean_text(request.form.get("comment", ""))
    if not ConfirmForm(request.form).validate():
        return _page(talk, role, 400, error=CSRF_EXPIRED, comment=comment)
    if len(comment) > COMMENT_MAX:
        return _page(
            talk,
            role,
            400,
            comment=comment,
            errors={
                "comment": f"Kommentaren är för lång: högst {COMMENT_MAX} tecken. Korta den och "
                "skriv under igen."
            },
        )
    try:
        store.sign(
            g.db,
            talk.id,
            role=role,
            person_id=g.user.id,
            number=int(request.form.get("number", "0") or 0),
            seen_hash=request.form.get("content_hash", ""),
            comment=comment,
            signer=signers().plan,
            event=audit.Event(g.user.id, "plan.sign", "talk", talk.id, role),
        )
    except store.NotHeld:
        audit_talk(talk, "plan.sign", "inte genomfört", outcome="refused")
        return _page(
            talk,
            role,
            409,
            comment=comment,
            error="Samtalet är inte markerat som genomfört ännu. Planen kan skrivas "
            "under först när chefen har markerat samtalet som genomfört. Vänta tills chefen "
            "har gjort det och skriv under då.",
        )
    except (Conflict, ValueError):
        audit_talk(talk, "plan.sign", "planen ändrad", outcome="refused")
        return _page(
            talk,
            role,
            409,
            comment=comment,
            error="Planen har ändrats sedan du öppnade sidan, eller så har du redan "
            "skrivit under. Läs igenom versionen nedan och skriv under igen.",
        )
    _send_copy_when_complete(talk)
    return redirect(url_for("plans.show", talk_id=talk.id, underskriven=1))


def _send_copy_when_complete(talk: Talk) -> None:
    """Once both have signed, e-mail the employee their copy (where SMTP is configured)."""
    version = store.latest(g.db, talk.id, signers().plan)
    if version is None or not version.signed_by_both:
        return
    if not mailer.smtp_configured(current_app.config):
        return
    filename = plan_document.file_name(talk)
    msg = mailer.signed_plan_email(
        sender=current_app.config["MAIL_SENDER"],
        organisation=site_config().organisation.name,
        name=talk.employee_name,
        email=talk.employee_email,
        year=talk.year,
        pdf=plan_document.pdf(talk, version),
        filename=filename,
    )
    try:
        mailer.send(current_app.config, msg)
        outcome = "ok"
    except mailer.MailError:
        outcome = "failed"
    audit_talk(talk, "plan.mail_copy", f"version {version.number}", outcome=outcome)


@bp.get("/<rid:talk_id>/plan/versioner")
@rule("signed_in")
def history(talk_id: str) -> str:
    """Every version, who signed it, and what changed from the one before."""
    talk, role = _talk(talk_id, "plan.versions", "employee", "manager")
    context = _context(talk)
    versions = store.versions(g.db, talk.id, signers().plan)
    changes = [
        plan_logic.changes(
            versions[i - 1].content if i else None,
            v.content,
            context["question_set"],
            context["template"],
        )
        for i, v in enumerate(versions)
    ]
    audit_talk(talk, "plan.versions", role)
    return render_template(
        "plan/versions.html",
        versions=versions,
        changes=changes,
        names=plan_document.signer_names(talk),
        **context,
    )


@bp.get("/<rid:talk_id>/plan/utskrift")
@rule("signed_in")
def print_view(talk_id: str) -> str:
    """The newest version as a document to print."""
    talk, role = _talk(talk_id, "plan.print", "employee", "manager")
    version = store.latest(g.db, talk.id, signers().plan)
    if version is None:
        abort(404)
    audit_talk(talk, "plan.print", role)
    return plan_document.document_html(talk, version)


@bp.get("/<rid:talk_id>/plan.pdf")
@rule("signed_in")
def pdf(talk_id: str) -> Response:
    """The newest version as PDF/A-2b: server-made file name, attachment, no-store, audited."""
    talk, role = _talk(talk_id, "plan.download", "employee", "manager")
    version = store.latest(g.db, talk.id, signers().plan)
    if version is None:
        abort(404)
    body = plan_document.pdf(talk, version)
    audit_talk(talk, "plan.download", f"pdf version {version.number}")
    return download(
        body,
        "application/pdf",
        plan_document.file_name(talk),
    )
