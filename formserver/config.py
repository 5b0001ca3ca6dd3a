"""Configuration: defaults → instance/config.py → FORMSERVER_* environment, then a self-check."""

from __future__ import annotations

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
}


def load_config(app: Flask, test_config: dict[str, Any] | None) -> None:
    """Fill app.config from defaults, the instance folder and the environment (or a test dict)."""
    app.config.from_mapping(DEFAULTS)
    app.config["DATABASE"] = str(Path(app.instance_path) / "formserver.sqlite3")
    if test_config is None:
        app.config.from_pyfile("config.py", silent=True)
        app.config.from_prefixed_env("FORMSERVER")
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
    if relaxed:
        return problems
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


class UnsafeConfiguration(RuntimeError):
    """The service refuses to start: the message lists what to fix."""
