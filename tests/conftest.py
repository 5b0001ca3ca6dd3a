"""Fixtures for every test: the service, a browser, the CLI runner, signing in, site_config.

Test data comes from the plain factory functions in tests.factories.
"""

from __future__ import annotations

from collections.abc import Iterator
from functools import partial
from pathlib import Path
from typing import TYPE_CHECKING

import pytest
from flask import Flask
from flask.testing import FlaskClient, FlaskCliRunner

from formserver.siteconfig import SiteConfig, load_site_config

if TYPE_CHECKING:
    from tests.factories import BreakConfig, SignIn
    from tests.smtp import LoopbackSMTP

# Helpers split out of long test modules: pytest rewrites their asserts as it does in a test module,
# so a failing check in a helper still shows the values it compared. They are imported below
# inside the fixtures, after this call.
# The bad-input and property suites' module-scoped services, defined once beside their helpers.
pytest_plugins = ("tests.bad_input_targets", "tests.properties_helpers")

pytest.register_assert_rewrite(
    "tests.bad_input_helpers",
    "tests.bad_input_targets",
    "tests.concurrency_helpers",
    "tests.crash_harness",
    "tests.factories",
    "tests.oidc",
    "tests.properties_helpers",
    "tests.recordkeeping.maintenance_helpers",
    "tests.services.roster_helpers",
    "tests.smtp",
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
    from tests.factories import SITE_CONFIG

    return load_site_config(SITE_CONFIG)


@pytest.fixture
def broken_config(tmp_path: Path) -> BreakConfig:
    """Copy site_config and replace `old` by `new` in one file: make(relative, old, new)."""
    from tests.factories import broken_site_config

    return partial(broken_site_config, tmp_path / "site_config")


@pytest.fixture
def app(tmp_path: Path) -> Iterator[Flask]:
    """A service with a fresh database and the people of tests.factories.PEOPLE."""
    from tests.factories import make_service

    yield from make_service(tmp_path)


@pytest.fixture
def client(app: Flask) -> FlaskClient:
    """A browser without a session."""
    return app.test_client()


@pytest.fixture
def runner(app: Flask) -> FlaskCliRunner:
    """The service's command line."""
    return app.test_cli_runner()


@pytest.fixture
def signed_in(app: Flask) -> SignIn:
    """signed_in(role): a browser of its own, signed in as that person of PEOPLE."""
    from tests.factories import SignIn

    return SignIn(app)


@pytest.fixture
def smtp_server() -> Iterator[LoopbackSMTP]:
    """A real SMTP server on 127.0.0.1: what the service sends, as a mail client gets it."""
    from tests.smtp import serve

    yield from serve()


@pytest.fixture
def mail_app(tmp_path: Path, smtp_server: LoopbackSMTP) -> Iterator[Flask]:
    """Like `app`, sending e-mail through the loopback SMTP server."""
    from tests.factories import make_service
    from tests.smtp import HOST

    yield from make_service(tmp_path, SMTP_HOST=HOST, SMTP_PORT=smtp_server.port)


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Run the browser tests last. Playwright's sync API keeps an asyncio event loop running in
    the test process once it has started, and pyHanko (the seal: signing and validation) calls
    asyncio.run(), which refuses to run inside a running loop. The browser tests drive the
    service in a process of its own, so nothing they start is affected."""
    browser = {id(item) for item in items if item.nodeid.startswith("tests/browser/")}
    items.sort(key=lambda item: id(item) in browser)  # stable: each group keeps its order
