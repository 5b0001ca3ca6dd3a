"""Every handbook page, as the form service serves it at /handbok/, passes axe (WCAG 2.0–2.2 A, AA).

The pages are listed from docs/ at collection time, so each page is a test of its own; a last test
checks that the built site has no page this list misses.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Browser, Page, expect

from tests.browser.checks import Accessibility
from tests.browser.support import CONTEXT, DOCS, Service


def page_paths() -> list[str]:
    """The built page of every Markdown file (MkDocs' directory URLs), plus the 404 page; the
    English twins (docs/<page>.en.md) are built under en/, with their own 404 page."""
    paths = []
    for source in sorted(DOCS.rglob("*.md")):
        name = source.relative_to(DOCS).as_posix()
        folder = "en/" if name.endswith(".en.md") else ""
        parts = tuple(name.removesuffix(".md").removesuffix(".en").split("/"))
        if parts[-1] == "index":
            parts = parts[:-1]
        paths.append(folder + ("/".join(parts) + "/" if parts else ""))
    return [*sorted(paths), "404.html", "en/404.html"]


PAGES = page_paths()


@pytest.fixture(scope="module")
def handbook_page(browser: Browser, browser_requirements: None) -> Iterator[Page]:
    """One tab for all handbook pages, with JavaScript as readers have it."""
    context = browser.new_context(**CONTEXT)
    context.set_default_timeout(15_000)
    yield context.new_page()
    context.close()


IDS = [p.strip("/").replace("/", "-") or "start" for p in PAGES]


@pytest.mark.parametrize("path", PAGES, ids=IDS)
def test_handbook_page_has_no_axe_violations(
    path: str, seeded_service: Service, handbook_page: Page, a11y: Accessibility
) -> None:
    response = handbook_page.goto(f"{seeded_service.url}/handbok/{path}")
    assert response is not None and response.status == 200, path
    handbook_page.wait_for_load_state("load")
    name = "handbok-" + (path.strip("/").replace("/", "-") or "start")
    problems = a11y.check(handbook_page, name, labels=False, full_page=False)
    assert not problems, a11y.report()


def test_the_handbook_speaks_swedish_to_screen_readers_and_on_a_missing_page(
    seeded_service: Service, handbook_page: Page
) -> None:
    handbook_page.goto(f"{seeded_service.url}/handbok/404.html")
    expect(handbook_page).to_have_title("Sidan finns inte – Medarbetarsamtal – handbok")
    expect(handbook_page.get_by_role("heading", level=1)).to_have_text("Sidan finns inte")
    expect(handbook_page.get_by_role("link", name="handbokens startsida")).to_have_attribute(
        "href", "/handbok/"
    )
    handbook_page.goto(f"{seeded_service.url}/handbok/")
    expect(handbook_page.get_by_role("navigation", name="Huvudmeny")).to_have_count(1)
    handbook_page.get_by_role("textbox", name="Sök").click()
    expect(handbook_page.get_by_role("dialog", name="Sök i handboken")).to_be_visible()


def test_every_built_page_is_checked(handbook_site: Path) -> None:
    built = {
        "/".join(index.relative_to(handbook_site).parent.parts)
        for index in handbook_site.rglob("index.html")
    }
    built = {path + "/" if path else "" for path in built}
    assert built == set(PAGES) - {"404.html", "en/404.html"}


def test_en_the_english_handbook_speaks_english_and_switches_language_by_keyboard(
    seeded_service: Service, handbook_page: Page
) -> None:
    base = f"{seeded_service.url}/handbok/"
    handbook_page.goto(f"{base}en/404.html")
    expect(handbook_page).to_have_title("Page not found – Medarbetarsamtal – handbook")
    expect(handbook_page.get_by_role("heading", level=1)).to_have_text("Page not found")
    expect(handbook_page.get_by_role("link", name="the handbook's home page")).to_have_attribute(
        "href", "/handbok/en/"
    )
    handbook_page.goto(f"{base}en/forbered/")
    expect(handbook_page.locator("html")).to_have_attribute("lang", "en")
    expect(handbook_page.get_by_role("navigation", name="Main menu")).to_have_count(1)
    # By keyboard: the switcher's button (named "Select language") opens its list on focus,
    # the next Tab reaches "Svenska", and Enter opens this page in Swedish.
    switcher = handbook_page.get_by_role("button", name="Select language")
    switcher.focus()
    expect(switcher).to_be_focused()
    handbook_page.keyboard.press("Tab")
    swedish = handbook_page.get_by_role("link", name="Svenska")
    expect(swedish).to_be_focused()
    expect(swedish).to_be_visible()
    expect(swedish).to_have_attribute("lang", "sv")
    handbook_page.keyboard.press("Enter")
    handbook_page.wait_for_url(f"{base}forbered/")
    expect(handbook_page.locator("html")).to_have_attribute("lang", "sv")
    english = handbook_page.get_by_role("link", name="English")
    expect(english).to_have_attribute("href", "../en/forbered/")
    handbook_page.get_by_role("textbox", name="Sök").click()
    expect(handbook_page.get_by_role("dialog", name="Sök i handboken")).to_be_visible()
    handbook_page.goto(f"{base}en/")
    handbook_page.get_by_role("textbox", name="Search").click()
    expect(handbook_page.get_by_role("dialog", name="Search the handbook")).to_be_visible()
    # The English print page runs the same print script (a shared asset at the root).
    handbook_page.goto(f"{base}en/hela-rutinen/")
    expect(handbook_page.get_by_role("button", name="Print the whole routine")).to_be_visible()
