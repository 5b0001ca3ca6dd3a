"""The plan as a document: one template for the print view, the PDF and the e-mailed copy."""

from __future__ import annotations

from flask import current_app, has_request_context, render_template, request

from formserver.common.languages import N_, current_language, default_language, gettext
from formserver.documents import exports
from formserver.paths import STATIC_DIR
from formserver.recordkeeping.verification import VERIFY_PATH, verification_code
from formserver.security.keys import current_keys
from formserver.siteconfig import localized as site_config
from formserver.siteconfig.model import PlanTemplate
from formserver.store.plans import PlanVersion
from formserver.store.talks import Talk

# Each language's name as a document names it ("Dokumentet är på svenska").
LANGUAGE_NAMES = {"sv": N_("svenska"), "en": N_("engelska")}


def signer_names(talk: Talk) -> dict[str, str]:
    """Who signs, by role."""
    return {"employee": talk.employee_name, "manager": talk.manager_name}


# Which fact of the talk a header field of the plan template names, by the words in its label
# ("Ansvarig chef", "Verksamhet, enhet"; the English copy's "Manager", "Unit"); the default
# labels where a template leaves one out.
HEADER_FACTS = (
    ("date", ("datum", "date"), N_("Datum")),
    ("employee", ("medarbetare", "employee"), N_("Medarbetare")),
    ("manager", ("chef", "manager"), N_("Chef")),
    ("unit", ("enhet", "verksamhet", "unit"), N_("Verksamhet, enhet")),
)


def header_labels(template: PlanTemplate) -> dict[str, str]:
    """The plan template's own words for the date, the employee, the manager and the unit."""
    labels = {}
    for fact, words, default in HEADER_FACTS:
        named = [f for f in template.header_fields if any(w in f.lower() for w in words)]
        labels[fact] = named[0] if named else gettext(default)
    return labels


def code(version: PlanVersion) -> str:
    """The verification code printed on the document (the page at VERIFY_PATH checks it)."""
    return verification_code(current_keys(), version.id, version.content_hash)


def verify_address() -> str:
    """The address of the service's page that checks a code: PUBLIC_URL, or this request's
    host, and VERIFY_PATH."""
    base = current_app.config.get("PUBLIC_URL") or (
        request.host_url if has_request_context() else ""
    )
    return base.rstrip("/") + VERIFY_PATH


def document_html(talk: Talk, version: PlanVersion, *, for_pdf: bool = False) -> str:
    """The plan version as a printable HTML document (for the PDF: without its stylesheet
    link, since the PDF gets STYLESHEETS parsed once)."""
    config = site_config()
    return render_template(
        "plan/document.html",
        for_pdf=for_pdf,
        version=version,
        names=signer_names(talk),
        labels=header_labels(config.plan_templates[talk.plan_template_id]),
        code=code(version),
        verify_address=verify_address(),
        talk=talk,
        question_set=config.question_sets[talk.question_set_id],
        template=config.plan_templates[talk.plan_template_id],
        public_sector=config.organisation.public_sector,
        archive_language=default_language(),
        language_name=gettext(LANGUAGE_NAMES[current_language()]),
        archive_name=gettext(LANGUAGE_NAMES[default_language()]),
    )


def file_name(talk: Talk) -> str:
    """The server-made file name of a plan's PDF."""
    return exports.safe_filename("plan", str(talk.year), talk.employee_name) + ".pdf"


STYLESHEETS = ("document.css",)


def pdf(talk: Talk, version: PlanVersion) -> bytes:
    """The plan version freshly rendered as PDF/A-2b. A version both signed is rendered once
    and stored: hand out plan_record.stored_pdf instead."""
    html = document_html(talk, version, for_pdf=True)
    return exports.pdf_bytes(html, static_dir=STATIC_DIR, stylesheets=STYLESHEETS)
