"""The application factory."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl

from flask import Flask, abort, current_app, g, request, session
from werkzeug.middleware.proxy_fix import ProxyFix
from werkzeug.routing import BaseConverter

from formserver import access, siteconfig, views
from formserver.cli import register_commands
from formserver.common import clock
from formserver.common import languages as i18n
from formserver.config import UnsafeConfiguration, config_problems, load_config
from formserver.documents import seal
from formserver.forms import fields, messages
from formserver.forms.base import csrf_token
from formserver.paths import TEMPLATES_DIR
from formserver.security.keys import signers
from formserver.services import sign_in as signin
from formserver.store import audit, chains, db
from formserver.store.languages import get_language, set_language
from formserver.views.common import provider_origin, sign_in_options
from formserver.views.handbook import handbook_csp

SIGN_IN_PREFIX = "/logga-in/"
CSP = (
    "default-src 'self'; frame-ancestors 'none'; form-action 'self'; base-uri 'none'; "
    "object-src 'none'"
)


class RandomIdConverter(BaseConverter):
    """Ids made by store.db.new_id: 16 URL-safe characters, nothing else."""

    regex = r"[A-Za-z0-9_-]{16}"


class TokenConverter(BaseConverter):
    """A signed token as the service issues them (checked further by formserver.security.tokens)."""

    regex = r"[^/]{1,6000}"


def service_csp() -> str:
    """The service's CSP; with single sign-on, logging out may go on to the provider."""
    provider = provider_origin(current_app.config)
    if provider is None:
        return CSP
    return CSP.replace("form-action 'self'", f"form-action 'self' {provider}")


def security_headers(response: Any) -> Any:
    """The exact security headers, on every response including errors."""
    public = request.path.startswith(("/static/", "/handbok/"))
    headers = response.headers
    headers["Content-Security-Policy"] = (
        handbook_csp() if request.path.startswith("/handbok/") else service_csp()
    )
    headers["X-Content-Type-Options"] = "nosniff"
    # A sign-in link carries its token in the path: its page must not send it on as a
    # Referer, not even to our own stylesheet (proxies log the Referer).
    headers["Referrer-Policy"] = (
        "no-referrer" if request.path.startswith(SIGN_IN_PREFIX) else "same-origin"
    )
    headers["X-Frame-Options"] = "DENY"
    headers["Cross-Origin-Opener-Policy"] = "same-origin"
    headers["Permissions-Policy"] = "camera=(), microphone=(), geolocation=()"
    headers["Cache-Control"] = "public, max-age=300" if public else "no-store"
    if request.is_secure:
        headers["Strict-Transport-Security"] = "max-age=31536000"
    return response


FORM_TYPES = ("application/x-www-form-urlencoded", "multipart/form-data")


def refuse_unreadable_posts() -> Any:
    """Refuse a POST we cannot read exactly, rather than read it as "every field empty".

    Werkzeug parses any other content type, and invalid UTF-8, as an empty or altered form:
    saved over a draft, that would erase it.
    """
    if request.method != "POST" or not request.content_length:
        return None
    declared = access.rule_of(current_app.view_functions.get(request.endpoint or "", abort))
    if declared and declared.body_limit:
        # A route that takes bigger bodies (the roster file) says so in its rule.
        request.max_content_length = int(current_app.config[declared.body_limit])
    if request.mimetype not in FORM_TYPES:
        abort(415)
    if request.mimetype == FORM_TYPES[0]:
        body = request.get_data(cache=True, parse_form_data=False)
        try:
            pairs = parse_qsl(body.decode("ascii"), keep_blank_values=True, errors="strict")
        except (UnicodeDecodeError, ValueError):
            abort(400, description="invalid-utf8")
        # Werkzeug counts parts only for multipart bodies.
        if len(pairs) > int(current_app.config["MAX_FORM_PARTS"]):
            abort(413)
        # Parsed once, strictly: hand the result to the request as Werkzeug itself does.
        request.__dict__["form"] = request.parameter_storage_class(pairs)
        request.__dict__["files"] = request.parameter_storage_class()
    elif any("\ufffd" in value for value in request.form.values()):
        # Werkzeug replaces bytes that are not UTF-8 in multipart fields with U+FFFD.
        abort(400, description="invalid-utf8")
    return None


def create_app(test_config: dict[str, Any] | None = None) -> Flask:
    """Create the form service; refuses to start with an unsafe configuration."""
    app = Flask(
        __name__,
        instance_relative_config=True,
        template_folder=str(TEMPLATES_DIR),
        static_folder=str(TEMPLATES_DIR / "static"),
    )
    load_config(app, test_config)
    problems = config_problems(app.config, relaxed=bool(app.debug or app.testing))
    try:  # checked in debug and tests too: a seal that cannot seal must not go unnoticed
        app.extensions[seal.EXTENSION] = seal.load_seal_config(app.config)
    except seal.SealConfigError as error:
        problems.append(str(error))
    if problems:
        raise UnsafeConfiguration(
            "Formulärtjänsten startar inte:\n" + "\n".join(f"  - {p}" for p in problems)
        )
    # The database's folder (instance/ by default); the instance folder itself may be read-only.
    Path(app.config["DATABASE"]).parent.mkdir(parents=True, exist_ok=True)
    app.extensions[siteconfig.EXTENSION] = siteconfig.load_site_config(
        Path(app.config["SITE_CONFIG_DIR"])
    )
    app.url_map.converters["rid"] = RandomIdConverter
    app.url_map.converters["token"] = TokenConverter
    app.jinja_env.autoescape = True
    app.jinja_env.globals["texts"] = messages
    app.jinja_env.filters["local_time"] = lambda v: clock.local_time(v, i18n.current_language())
    app.jinja_env.filters["local_date"] = lambda v: clock.local_date(v, i18n.current_language())
    organisation = app.extensions[siteconfig.EXTENSION].organisation
    i18n.init_app(app, organisation.languages, organisation.default_language)
    # The handbook in the reader's language (the English one under en/): a page, or an e-mail
    # rendered in its recipient's language.
    app.jinja_env.globals["handbook_url"] = organisation.handbook_url
    app.jinja_env.globals["routine_url"] = organisation.routine_url

    @app.context_processor
    def handbook_links() -> dict[str, str]:
        language = i18n.current_language()
        return {
            "handbook_url": organisation.handbook_url_in(language),
            "routine_url": organisation.routine_url_in(language),
        }

    proxies = int(app.config["PROXY_COUNT"])
    if proxies:
        # Behind that many reverse proxies, trust their X-Forwarded-For/-Proto/-Host: the
        # client address (rate limits, audit) and https (HSTS, secure cookies) are the real ones.
        app.wsgi_app = ProxyFix(  # type: ignore[method-assign]
            app.wsgi_app, x_for=proxies, x_proto=proxies, x_host=proxies
        )
    app.jinja_env.globals["fields"] = fields  # every form field is drawn by it

    with app.app_context():
        connection = db.connection_for(app.config["DATABASE"])
        db.migrate(connection)
        audit.use_signer(connection.execute("PRAGMA database_list").fetchone()[2], signers().audit)
        # Records from before chains (migration 0010) get theirs once their MACs verify.
        _, unchained = chains.chain_at_start(connection, signers().plan)
        if unchained:
            app.logger.warning(
                "%d talks could not be chained: their records fail verification "
                "(formserver verify lists them)",
                len(unchained),
            )

    app.before_request(refuse_unreadable_posts)

    @app.before_request
    def load_user() -> None:
        g.db = db.connection_for(app.config["DATABASE"])
        g.user = None
        session_id = session.get("sid")
        if isinstance(session_id, str):
            g.user = signin.session_person(
                g.db,
                session_id,
                now=db.utc_now(),
                idle=timedelta(minutes=app.config["SESSION_IDLE_MINUTES"]),
                absolute=timedelta(hours=app.config["SESSION_ABSOLUTE_HOURS"]),
            )
            if g.user is None:
                session.clear()
                g.session_ended = True
            else:
                g.language_choice = get_language(g.db, g.user.id)
                remember_visitor_language()

    def remember_visitor_language() -> None:
        """A language chosen before signing in (the visitor's cookie) becomes the person's own
        choice, once, when they have none: their e-mails and reminders then follow it."""
        chosen = request.cookies.get(i18n.COOKIE)
        if g.language_choice is None and chosen in i18n.offered() and request.method == "GET":
            event = access.event("person.language", detail=f"{chosen}; valt före inloggningen")
            set_language(g.db, g.user.id, str(chosen), event)
            g.language_choice = chosen

    app.after_request(security_headers)

    @app.context_processor
    def template_helpers() -> dict[str, Any]:
        return {
            "logout_token": csrf_token,
            "sign_in_options": sign_in_options,
            "may_use_hr": access.may_use_hr,
            "may_see_team": access.may_see_team,
        }

    views.register(app)
    register_commands(app)
    return app
