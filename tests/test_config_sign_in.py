"""The self-check for signing in: SIGN_IN_METHODS and the OIDC_* settings. A setting that would
lock a role out, or let the provider be reached without TLS in production, stops the start."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from formserver import create_app
from formserver.config import UnsafeConfiguration
from formserver.store import db
from tests.test_config import SAFE

SSO = {
    "OIDC_ISSUER": "https://login.example.se/realms/personal",
    "OIDC_CLIENT_ID": "medarbetarsamtal",
    "OIDC_CLIENT_SECRET": "s" * 40,
}
BOTH = ["link", "sso"]


def start(tmp_path: Path, **settings: Any) -> None:
    """Start a production-like service with `settings` (only the check matters here)."""
    create_app({**SAFE, **settings, "DATABASE": str(tmp_path / "db.sqlite3")})
    db.close_thread_connections()


def test_single_sign_on_for_managers_and_hr_only_starts(tmp_path: Path) -> None:
    methods = {"employee": ["link", "sso"], "manager": ["sso"], "hr": ["sso"]}
    start(tmp_path, **SSO, SIGN_IN_METHODS=methods)


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"SIGN_IN_METHODS": {"manager": ["sso"]}}, "SIGN_IN_METHODS ska ange inloggningssätt"),
        ({"SIGN_IN_METHODS": ["link"]}, "SIGN_IN_METHODS ska ange inloggningssätt"),
        (
            {"SIGN_IN_METHODS": {"employee": [], "manager": BOTH, "hr": BOTH}},
            'SIGN_IN_METHODS["employee"] ska vara en lista',
        ),
        (
            {"SIGN_IN_METHODS": {"employee": BOTH, "manager": ["email"], "hr": BOTH}},
            'SIGN_IN_METHODS["manager"] ska vara en lista',
        ),
        (
            {"SIGN_IN_METHODS": {"employee": BOTH, "manager": BOTH, "hr": "sso"}},
            'SIGN_IN_METHODS["hr"] ska vara en lista',
        ),
        ({"OIDC_CLIENT_ID": None}, "OIDC_CLIENT_ID saknas"),
        ({"OIDC_SCOPES": "email profile"}, 'OIDC_SCOPES ska innehålla "openid"'),
        ({"OIDC_ROSTER_FIELD": "name"}, 'OIDC_ROSTER_FIELD ska vara "email" eller'),
        ({"OIDC_ISSUER": "http://login.example.se"}, "OIDC_ISSUER ska börja med https://"),
        ({"OIDC_CLIENT_SECRET": None}, "OIDC_CLIENT_SECRET saknas"),
    ],
)
def test_a_sign_in_setting_that_cannot_work_stops_the_start(
    tmp_path: Path, change: dict[str, Any], message: str
) -> None:
    with pytest.raises(UnsafeConfiguration) as caught:
        start(tmp_path, **{**SSO, **change})
    assert message in str(caught.value)


def test_sso_only_without_a_provider_would_lock_managers_out(tmp_path: Path) -> None:
    methods = {"employee": BOTH, "manager": ["sso"], "hr": BOTH}
    with pytest.raises(UnsafeConfiguration) as caught:
        # Checked in debug and tests too: a role that cannot sign in is never what one wants.
        create_app(
            {"TESTING": True, "DATABASE": str(tmp_path / "db.sqlite3"), "SIGN_IN_METHODS": methods}
        )
    assert 'SIGN_IN_METHODS["manager"] tillåter bara "sso", men OIDC_ISSUER saknas' in str(
        caught.value
    )
