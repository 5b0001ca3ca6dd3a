"""Configuration: defaults → instance/config.py → FORMSERVER_* environment, then a self-check."""

from __future__ import annotations

import os
from datetime import timedelta
from pathlib import Path
from typing import Any

from flask import Flask

from formserver.paths import site_config_dir

DEV_SECRET_KEY = "dev-only-not-secret"

DEFAULTS: dict[str, Any] = {
    "SECRET_KEY": DEV_SECRET_KEY,
    # Keys that still verify but no longer sign: a list, oldest first. Never a string.
    "SECRET_KEY_FALLBACKS": [],
    "SESSION_COOKIE_NAME": "formserver_session",
    "SESSION_COOKIE_HTTPONLY": True,
    "SESSION_COOKIE_SAMESITE": "Lax",
    "SESSION_COOKIE_SECURE": False,
    "PERMANENT_SESSION_LIFETIME": timedelta(hours=8),
    # Time-outs are enforced on the server; re-signing the cookie on every response buys nothing.
    "SESSION_REFRESH_EACH_REQUEST": False,
    "SESSION_IDLE_MINUTES": 30,
    "SESSION_ABSOLUTE_HOURS": 8,
    "SIGN_IN_LINK_DAYS": 21,
    "CSRF_MAX_AGE_HOURS": 12,
    "NEW_LINK_LIMIT_PER_HOUR": 5,
    "VERIFY_LIMIT_PER_HOUR": 30,
    # Whole requests; the roster upload raises its own limit.
    "MAX_CONTENT_LENGTH": 512 * 1024,
    "ROSTER_MAX_BYTES": 32 * 1024 * 1024,
    "MAX_FORM_MEMORY_SIZE": 256 * 1024,
    "MAX_FORM_PARTS": 2000,
    "TEXT_FIELD_MAX_CHARS": 10_000,
    "TRUSTED_HOSTS": None,
    "PUBLIC_URL": None,
    "SMTP_HOST": None,
    "SMTP_PORT": 25,
    "SMTP_USERNAME": None,
    "SMTP_PASSWORD": None,
    "SMTP_STARTTLS": False,
    "MAIL_SENDER": "medarbetarsamtal@example.se",
    # The built handbook, served at /handbok/ when set (make run); else publish site/ on a
    # static host and point organisation.yml's handbook_url at it.
    "HANDBOOK_DIR": None,
    # How many reverse proxies in front of the service to trust for X-Forwarded-* (0: none).
    "PROXY_COUNT": 0,
    "SITE_CONFIG_DIR": None,
    "DEFAULT_TALK_MINUTES": 60,
    # Single sign-on with the organisation's OpenID Connect provider: off while no issuer is set.
    "OIDC_ISSUER": None,
    "OIDC_CLIENT_ID": None,
    "OIDC_CLIENT_SECRET": None,
    "OIDC_SCOPES": "openid email profile",
    "OIDC_DISPLAY_NAME": "ditt jobbkonto",
    # The ID-token claim that names the person, and the roster field it is compared with.
    "OIDC_ROSTER_CLAIM": "email",
    "OIDC_ROSTER_FIELD": "email",
    "OIDC_GROUPS_CLAIM": "groups",
    "OIDC_HR_GROUP": None,
    "OIDC_TIMEOUT_SECONDS": 10,
    # The organisation's seal on each signed plan's PDF (formserver.documents.seal): off while
    # no PKCS#12 file is set. The timestamp authority's URL is optional.
    "SEAL_PKCS12": None,
    "SEAL_PASSPHRASE": None,
    "SEAL_TSA_URL": None,
    # Per role, how one may sign in; "sso" counts only while OIDC_ISSUER is set. A person with
    # several roles may use only what every one of them allows.
    "SIGN_IN_METHODS": {
        "employee": ["link", "sso"],
        "manager": ["link", "sso"],
        "hr": ["link", "sso"],
    },
}

SIGN_IN_ROLES = ("employee", "manager", "hr")
SIGN_IN_METHODS = ("link", "sso")
ROSTER_FIELDS = ("email", "employee_number")


def load_config(app: Flask, test_config: dict[str, Any] | None) -> None:
    """Fill app.config from defaults, the instance folder and the environment (or a test dict)."""
    app.config.from_mapping(DEFAULTS)
    app.config["DATABASE"] = str(Path(app.instance_path) / "formserver.sqlite3")
    if test_config is None:
        app.config.from_pyfile("config.py", silent=True)
        app.config.from_prefixed_env("FORMSERVER")
        # As typed: from_prefixed_env reads values as JSON, which would turn "1e3" into 1000.0.
        if "FORMSERVER_SEAL_PASSPHRASE" in os.environ:
            app.config["SEAL_PASSPHRASE"] = os.environ["FORMSERVER_SEAL_PASSPHRASE"]
    else:
        app.config.from_mapping(test_config)
    if not app.config["SITE_CONFIG_DIR"]:
        app.config["SITE_CONFIG_DIR"] = str(site_config_dir())


def config_problems(config: dict[str, Any], relaxed: bool) -> list[str]:
    """What is unsafe about `config`, each with how to fix it. `relaxed` for debug and tests."""
    problems = []
    fallbacks = config.get("SECRET_KEY_FALLBACKS")
    if not isinstance(fallbacks, list):
        # A string here becomes one-character keys: a cookie signed with key "o" would verify.
        problems.append(
            "SECRET_KEY_FALLBACKS ska vara en lista (äldsta nyckeln först), inte "
            f"{type(fallbacks).__name__}. Sätt t.ex. "
            "FORMSERVER_SECRET_KEY_FALLBACKS='[\"gammal\"]'."
        )
    problems += sign_in_problems(config)
    if relaxed:
        return problems
    issuer = config.get("OIDC_ISSUER")
    if issuer and not str(issuer).startswith("https://"):
        problems.append("OIDC_ISSUER ska börja med https://.")
    if issuer and not config.get("OIDC_CLIENT_SECRET"):
        problems.append(
            "OIDC_CLIENT_SECRET saknas: klienthemligheten som identitetsleverantören gav tjänsten."
        )
    key = config.get("SECRET_KEY")
    if not isinstance(key, str | bytes) or key == DEV_SECRET_KEY or len(key) < 32:
        problems.append(
            "SECRET_KEY saknas, är för kort (minst 32 tecken) eller är utvecklingsnyckeln. "
            "Skapa en "
            "med: python -c 'import secrets; print(secrets.token_urlsafe(48))' och sätt "
            "FORMSERVER_SECRET_KEY."
        )
    for old in fallbacks if isinstance(fallbacks, list) else []:
        if not isinstance(old, str | bytes) or len(old) < 32:
            problems.append("Varje nyckel i SECRET_KEY_FALLBACKS ska vara minst 32 tecken.")
    if config.get("SESSION_COOKIE_SECURE") is not True:
        problems.append("SESSION_COOKIE_SECURE ska vara true (tjänsten ska nås via https).")
    if config.get("SESSION_COOKIE_HTTPONLY") is not True:
        problems.append("SESSION_COOKIE_HTTPONLY ska vara true.")
    if config.get("SESSION_COOKIE_SAMESITE") not in ("Lax", "Strict"):
        problems.append('SESSION_COOKIE_SAMESITE ska vara "Lax" eller "Strict".')
    if not config.get("TRUSTED_HOSTS"):
        problems.append(
            "TRUSTED_HOSTS saknas. Ange tjänstens värdnamn, t.ex. "
            "FORMSERVER_TRUSTED_HOSTS='[\"samtal.example.se\"]'."
        )
    if not config.get("PUBLIC_URL"):
        problems.append(
            "PUBLIC_URL saknas: adressen som länkar i e-post ska peka på, t.ex. "
            "FORMSERVER_PUBLIC_URL=https://samtal.example.se"
        )
    return problems


def sign_in_problems(config: dict[str, Any]) -> list[str]:
    """What would keep people from signing in, or let them in the wrong way (always checked)."""
    problems = []
    methods = config.get("SIGN_IN_METHODS")
    if not isinstance(methods, dict) or sorted(methods) != sorted(SIGN_IN_ROLES):
        return [
            "SIGN_IN_METHODS ska ange inloggningssätt för employee, manager och hr, t.ex. "
            'FORMSERVER_SIGN_IN_METHODS=\'{"employee": ["link", "sso"], "manager": ["sso"], '
            '"hr": ["sso"]}\'.'
        ]
    for role in SIGN_IN_ROLES:
        allowed = methods[role]
        if not isinstance(allowed, list) or not allowed or not set(allowed) <= set(SIGN_IN_METHODS):
            problems.append(
                f'SIGN_IN_METHODS["{role}"] ska vara en lista med "link" och/eller "sso".'
            )
        elif "link" not in allowed and not config.get("OIDC_ISSUER"):
            problems.append(
                f'SIGN_IN_METHODS["{role}"] tillåter bara "sso", men OIDC_ISSUER saknas: ingen '
                "med den rollen skulle kunna logga in."
            )
    if config.get("OIDC_ISSUER"):
        if not config.get("OIDC_CLIENT_ID"):
            problems.append(
                "OIDC_CLIENT_ID saknas: tjänstens klient-id hos identitetsleverantören."
            )
        if "openid" not in str(config.get("OIDC_SCOPES", "")).split():
            problems.append('OIDC_SCOPES ska innehålla "openid".')
        if config.get("OIDC_ROSTER_FIELD") not in ROSTER_FIELDS:
            problems.append('OIDC_ROSTER_FIELD ska vara "email" eller "employee_number".')
    return problems


class UnsafeConfiguration(RuntimeError):
    """The service refuses to start: the message lists what to fix."""
