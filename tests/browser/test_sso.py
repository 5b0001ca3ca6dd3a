"""A manager signs in through the organisation's OpenID provider in Chromium: the real service as
a subprocess, oidc-provider-mock on loopback (tests/oidc.py), managers by single sign-on only.

With JavaScript and without: the manager's e-mail link is refused with a button to the
provider; on the provider's page the manager signs in, comes back signed in, and logs out
through the provider's logout page to "Du är utloggad"; then someone the roster does not know
tries. Our pages on the way are checked with axe and saved as screenshots.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from playwright.sync_api import BrowserContext, Route, expect

from tests import oidc
from tests.browser.checks import Accessibility
from tests.browser.journey_base import heading
from tests.browser.support import EVERYONE, MANAGER, Service, roster_csv
from tests.oidc import Provider

METHODS = {"employee": ["link", "sso"], "manager": ["sso"], "hr": ["sso"]}
# Only this machine: the provider's page asks for a stylesheet from a CDN, which is refused.
ELSEWHERE = re.compile(r"^https?://(?!127\.0\.0\.1[:/])")


def refuse(route: Route) -> None:
    """Answer a request for another host with a network error, never sending it."""
    route.abort()


@dataclass
class SsoService(Service):
    """The service with single sign-on through `issuer`, for managers and HR only."""

    issuer: str = ""

    def env(self, **extra: str) -> dict[str, str]:
        return super().env(
            FORMSERVER_OIDC_ISSUER=self.issuer,
            FORMSERVER_OIDC_CLIENT_ID=oidc.CLIENT_ID,
            FORMSERVER_OIDC_CLIENT_SECRET=oidc.CLIENT_SECRET,
            FORMSERVER_OIDC_DISPLAY_NAME=oidc.NAME,
            FORMSERVER_SIGN_IN_METHODS=json.dumps(METHODS),
            **extra,
        )


@pytest.fixture
def provider() -> Iterator[Provider]:
    with oidc.running_provider() as running:
        yield running


@pytest.fixture
def sso_service(
    tmp_path_factory: pytest.TempPathFactory, handbook_site: Path, provider: Provider
) -> Iterator[SsoService]:
    service = SsoService(tmp_path_factory.mktemp("sso"), handbook_site, issuer=provider.issuer)
    try:
        service.start()
        roster = service.workdir / "personal.csv"
        roster.write_text(roster_csv(*EVERYONE), encoding="utf-8")
        service.cli("import-roster", str(roster))
        yield service
    finally:
        service.stop()


@pytest.mark.parametrize("js", [True, False], ids=["js-pa", "js-av"])
def test_a_manager_signs_in_through_the_providers_page(
    js: bool,
    sso_service: SsoService,
    provider: Provider,
    new_browser_context: Callable[..., BrowserContext],
    a11y: Accessibility,
) -> None:
    provider.person("karin.chefsberg", email=MANAGER.email, name=MANAGER.name)
    link = sso_service.issue_link(MANAGER.email)
    if not js:
        a11y.checker = new_browser_context().new_page()
    context = new_browser_context(java_script_enabled=js)
    context.route(ELSEWHERE, refuse)
    page = context.new_page()
    try:
        # The link from e-mail: managers sign in with the organisation's account now.
        page.goto(link)
        expect(heading(page)).to_have_text("Logga in på annat sätt")
        expect(page.locator("main")).to_contain_text("Länken har inte använts.")
        a11y.check(page, "lank-for-chef-avvisad")
        page.get_by_role("link", name=f"Logga in med {oidc.NAME}").click()

        # The provider's own page.
        expect(page.get_by_role("heading", name="Authorize Client")).to_be_visible()
        assert page.url.startswith(f"{provider.issuer}/oauth2/authorize?")
        page.get_by_placeholder("sub").fill("karin.chefsberg")
        page.get_by_role("button", name="Authorize").click()

        # Back at the service, signed in, on the page the link was for.
        expect(page.locator(".who")).to_have_text(f"Inloggad som {MANAGER.name}")
        assert page.url == f"{sso_service.url}/"
        a11y.check(page, "inloggad-med-sso")
        page.get_by_role("link", name="Mina medarbetare").click()
        expect(heading(page)).to_be_visible()
        assert page.url == f"{sso_service.url}/chef"

        # Logging out goes on to the provider's logout, and back.
        page.get_by_role("button", name="Logga ut").click()
        expect(page.get_by_role("heading", name="End Session")).to_be_visible()
        page.get_by_role("button", name="End session").click()
        expect(heading(page)).to_have_text("Du är utloggad")
        expect(page.get_by_role("link", name=f"Logga in med {oidc.NAME}")).to_be_visible()
        a11y.check(page, "utloggad-efter-sso")
        page.goto(f"{sso_service.url}/chef")
        expect(heading(page)).to_have_text("Du behöver logga in")

        # Someone the provider knows and the roster does not.
        page.get_by_role("link", name=f"Logga in med {oidc.NAME}").click()
        page.get_by_placeholder("sub").fill("ny.person@example.se")
        page.get_by_role("button", name="Authorize").click()
        expect(heading(page)).to_have_text("Du finns inte i personallistan")
        expect(page.locator("main")).to_contain_text("ny.person@example.se")
        a11y.check(page, "okand-person")
    except Exception as error:
        error.add_note(f"Serverns logg (slutet):\n{sso_service.log_tail()}")
        raise
    assert not a11y.problems, a11y.report()
