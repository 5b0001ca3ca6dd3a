"""The start-up self-check: an unsafe configuration stops the service with a way to fix it."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from formserver import create_app, siteconfig
from formserver.config import UnsafeConfiguration, config_problems
from formserver.store import db
from tests.factories import BreakConfig

SAFE: dict[str, Any] = {
    "SECRET_KEY": "k" * 48,
    "SECRET_KEY_FALLBACKS": ["o" * 48],
    "SESSION_COOKIE_SECURE": True,
    "SESSION_COOKIE_HTTPONLY": True,
    "SESSION_COOKIE_SAMESITE": "Lax",
    "TRUSTED_HOSTS": ["samtal.example.se"],
    "PUBLIC_URL": "https://samtal.example.se",
}


def test_a_safe_production_configuration_starts(tmp_path: Path) -> None:
    app = create_app({**SAFE, "DATABASE": str(tmp_path / "db.sqlite3")})
    assert app.config["TRUSTED_HOSTS"] == ["samtal.example.se"]
    db.close_thread_connections()


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"SECRET_KEY": "dev-only-not-secret"}, "SECRET_KEY saknas, är för kort"),
        ({"SECRET_KEY": "short"}, "python -c 'import secrets; print(secrets.token_urlsafe(48))'"),
        ({"SECRET_KEY_FALLBACKS": "o" * 48}, "SECRET_KEY_FALLBACKS ska vara en lista"),
        ({"SECRET_KEY_FALLBACKS": ["kort"]}, "minst 32 tecken"),
        ({"SESSION_COOKIE_SECURE": False}, "SESSION_COOKIE_SECURE ska vara true"),
        ({"SESSION_COOKIE_HTTPONLY": False}, "SESSION_COOKIE_HTTPONLY ska vara true"),
        ({"SESSION_COOKIE_SAMESITE": None}, "SESSION_COOKIE_SAMESITE ska vara"),
        ({"TRUSTED_HOSTS": None}, "TRUSTED_HOSTS saknas"),
        ({"PUBLIC_URL": None}, "PUBLIC_URL saknas"),
    ],
)
def test_unsafe_configuration_refuses_to_start(
    tmp_path: Path, change: dict[str, Any], message: str
) -> None:
    with pytest.raises(UnsafeConfiguration) as caught:
        create_app({**SAFE, **change, "DATABASE": str(tmp_path / "db.sqlite3")})
    assert message in str(caught.value)
    assert not (tmp_path / "db.sqlite3").exists()


def test_fallbacks_as_a_string_are_refused_even_in_debug() -> None:
    # A string is iterated as one-character keys: a cookie signed with "o" would verify.
    problems = config_problems({"SECRET_KEY_FALLBACKS": "old-key"}, relaxed=True)
    assert problems and "ska vara en lista" in problems[0]


def test_environment_overrides_defaults(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("FORMSERVER_SECRET_KEY", "e" * 48)
    monkeypatch.setenv("FORMSERVER_SECRET_KEY_FALLBACKS", '["' + "f" * 48 + '"]')
    monkeypatch.setenv("FORMSERVER_SESSION_COOKIE_SECURE", "true")
    monkeypatch.setenv("FORMSERVER_TRUSTED_HOSTS", '["samtal.example.se"]')
    monkeypatch.setenv("FORMSERVER_PUBLIC_URL", "https://samtal.example.se")
    monkeypatch.setenv("FORMSERVER_DATABASE", str(tmp_path / "env.sqlite3"))
    app = create_app()
    assert app.config["SECRET_KEY_FALLBACKS"] == ["f" * 48]
    assert app.config["DATABASE"] == str(tmp_path / "env.sqlite3")
    db.close_thread_connections()


def test_fallback_string_from_environment_is_refused(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("FORMSERVER_SECRET_KEY", "e" * 48)
    monkeypatch.setenv("FORMSERVER_SECRET_KEY_FALLBACKS", "o")
    monkeypatch.setenv("FORMSERVER_DEBUG", "true")
    monkeypatch.setenv("FORMSERVER_DATABASE", str(tmp_path / "env.sqlite3"))
    with pytest.raises(UnsafeConfiguration, match="ska vara en lista"):
        create_app()


def test_site_config_dir_from_the_environment_moves_the_service(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, broken_config: BreakConfig
) -> None:
    # One name for both halves: tests/test_handbook.py checks the handbook build reads it too.
    root = broken_config("organisation.yml", "name: Exempelkommunen", "name: Miljökommunen")
    monkeypatch.setenv("FORMSERVER_SITE_CONFIG_DIR", str(root))
    monkeypatch.setenv("FORMSERVER_DEBUG", "true")
    monkeypatch.setenv("FORMSERVER_DATABASE", str(tmp_path / "env.sqlite3"))
    app = create_app()
    assert app.extensions[siteconfig.EXTENSION].organisation.name == "Miljökommunen"
    db.close_thread_connections()
