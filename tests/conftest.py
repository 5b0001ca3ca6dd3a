"""Shared fixtures: the project's real site_config and a way to break a copy of it."""

from __future__ import annotations

import shutil
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from flask import Flask
from flask.testing import FlaskClient

from formserver.paths import PROJECT_ROOT
from formserver.siteconfig import SiteConfig, load_site_config

SITE_CONFIG = PROJECT_ROOT / "site_config"

# Helpers split out of long test modules: pytest rewrites their asserts as it does in a test module,
# so a failing check in a helper still shows the values it compared.
pytest.register_assert_rewrite(
    "tests.bad_input_helpers",
    "tests.bad_input_targets",
    "tests.concurrency_helpers",
    "tests.properties_helpers",
    "tests.recordkeeping.maintenance_helpers",
    "tests.services.roster_helpers",
    "tests.views.call_helpers",
    "tests.views.downloads_helpers",
    "tests.views.followup_helpers",
    "tests.views.hr_helpers",
    "tests.views.plan_helpers",
    "tests.views.prepare_helpers",
    "tests.views.soup",
)


@pytest.fixture(scope="session")
def site_config() -> SiteConfig:
    """The shipped site_config, loaded once."""
    return load_site_config(SITE_CONFIG)


BreakConfig = Callable[[str, str, str], Path]


@pytest.fixture
def broken_config(tmp_path: Path) -> BreakConfig:
    """Copy site_config and replace `old` by `new` in one file; returns the copy's folder."""

    def make(relative: str, old: str, new: str) -> Path:
        root = tmp_path / "site_config"
        shutil.copytree(SITE_CONFIG, root)
        path = root / relative
        text = path.read_text(encoding="utf-8")
        assert old in text, f"{old!r} not in {relative}: the test's edit would do nothing"
        path.write_text(text.replace(old, new, 1), encoding="utf-8")
        return root

    return make


@pytest.fixture
def app(tmp_path: Path) -> Iterator[Flask]:
    """A service with a fresh database and the demo-like test people of tests.factories."""
    from tests.factories import make_service

    yield from make_service(tmp_path)


@pytest.fixture
def client(app: Flask) -> FlaskClient:
    """A browser without a session."""
    return app.test_client()
