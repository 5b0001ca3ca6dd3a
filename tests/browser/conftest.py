"""Fixtures for the real-browser tests: Debian's Chromium, the built handbook, the running service.

Run them with `make test` (as root it installs chromium and axe-core). Without Chromium or
axe-core they are skipped with one line saying so; with CI=true a skip fails the run instead.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import Browser, BrowserContext, Page, expect

from tests.browser.checks import Accessibility
from tests.browser.support import (
    ARTIFACTS,
    CHROMIUM,
    CHROMIUM_ARGS,
    CONTEXT,
    ROOT,
    Person,
    Service,
    missing_requirement,
    service_with_round,
    sign_in_by_link,
)

# A shared 2-core machine can be slow: wait as long for an assertion as for an action.
expect.set_options(timeout=15_000)


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo[None]) -> Any:
    """In CI (CI=true) a skipped browser or accessibility test is a failure, not a pass.

    Elsewhere every skip for a missing Chromium or axe-core gets the same location, so that
    `pytest -ra` folds them into one line saying how to run the tests.
    """
    report = yield
    if not report.skipped or hasattr(report, "wasxfail"):
        return report
    longrepr = report.longrepr
    reason = (longrepr[2] if isinstance(longrepr, tuple) else str(longrepr)).removeprefix(
        "Skipped: "
    )
    if os.environ.get("CI") == "true":
        report.outcome = "failed"
        report.longrepr = f"CI=true: browsertesterna får inte hoppas över i CI. {reason}"
    elif reason == missing_requirement():
        report.longrepr = (__file__, None, f"Skipped: {reason}")
    return report


@pytest.fixture(scope="session")
def browser_requirements() -> None:
    """Skip (one line, how to fix) where Chromium or axe-core is missing."""
    problem = missing_requirement()
    if problem:
        pytest.skip(problem)


@pytest.fixture(autouse=True)
def _needs_browser(browser_requirements: None) -> None:
    """Every test in this folder needs Chromium and axe-core."""


@pytest.fixture(scope="session")
def browser_type_launch_args(
    browser_type_launch_args: dict[str, Any], browser_requirements: None
) -> dict[str, Any]:
    """Debian's Chromium (pytest-playwright's --browser-channel cannot point at it)."""
    return {**browser_type_launch_args, "executable_path": str(CHROMIUM), "args": CHROMIUM_ARGS}


@pytest.fixture(scope="session")
def base_url() -> None:
    """No base URL: every service has its own port. This also replaces pytest-playwright's
    fallback fixture, a method on a plugin class, which pytest 9 warns about (and warnings are
    errors here)."""
    return None


@pytest.fixture(scope="session")
def artifacts() -> Path:
    """test-artifacts/browser/, emptied once per run (the folder is git-ignored)."""
    shutil.rmtree(ARTIFACTS, ignore_errors=True)
    ARTIFACTS.mkdir(parents=True)
    return ARTIFACTS


@pytest.fixture(scope="session")
def handbook_site(tmp_path_factory: pytest.TempPathFactory, browser_requirements: None) -> Path:
    """The handbook built once, strictly, from the working tree."""
    site = tmp_path_factory.mktemp("handbok") / "site"
    result = subprocess.run(
        [sys.executable, "-m", "mkdocs", "build", "--strict", "--site-dir", str(site)],
        cwd=ROOT,
        env={**os.environ, "NO_MKDOCS_2_WARNING": "1"},
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert result.returncode == 0, f"mkdocs build --strict misslyckades:\n{result.stderr}"
    return site


StartService = Callable[[str], Service]


@pytest.fixture
def start_service(
    tmp_path_factory: pytest.TempPathFactory, handbook_site: Path
) -> Iterator[StartService]:
    """Start fresh services (own port, database and SMTP server); all stopped after the test."""
    started: list[Service] = []

    def start(name: str) -> Service:
        service = Service(tmp_path_factory.mktemp(name), handbook_site)
        started.append(service)
        return service.start()

    yield start
    for service in started:
        service.stop()


@pytest.fixture(scope="session")
def seeded_service(
    tmp_path_factory: pytest.TempPathFactory, handbook_site: Path
) -> Iterator[Service]:
    """A service with the whole roster and an open round (set up by the CLI, as IT would):
    for the handbook, keyboard and reflow tests, which do not follow the journey."""
    with service_with_round(
        tmp_path_factory.mktemp("seeded"), handbook_site, "goteborg"
    ) as service:
        yield service


NewContext = Callable[..., BrowserContext]


@pytest.fixture
def new_browser_context(browser: Browser) -> Iterator[NewContext]:
    """Browser contexts (one per person), Swedish, closed after the test."""
    made: list[BrowserContext] = []

    def make(**overrides: Any) -> BrowserContext:
        context = browser.new_context(**{**CONTEXT, **overrides})
        context.set_default_timeout(15_000)
        made.append(context)
        return context

    yield make
    for context in made:
        context.close()


@pytest.fixture
def sign_in(new_browser_context: NewContext) -> Callable[..., Page]:
    """sign_in(service, person, **context options): a page signed in with a CLI-issued link."""

    def go(service: Service, person: Person, **options: Any) -> Page:
        return sign_in_by_link(new_browser_context(**options), service.issue_link(person.email))

    return go


@pytest.fixture
def a11y(artifacts: Path, request: pytest.FixtureRequest) -> Accessibility:
    """An axe checker whose screenshots go to test-artifacts/browser/<test name>/."""
    name = request.node.name.replace("[", "-").replace("]", "").replace("/", "-")
    return Accessibility(artifacts / name)
