"""The handbook on paper: Chromium prints the plan templates and the print page to A4 PDFs.

Assertions read the PDF (pypdf) as a reader reads the paper: which text is on which page and
whether it lies within the sheet. Layout details that a PDF does not carry (computed page
breaks, row heights) are read under print emulation.
"""

from __future__ import annotations

import functools
import io
import re
import threading
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, timedelta
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import Browser, Page, expect
from pypdf import PdfReader

from formserver.siteconfig import SiteConfig
from tests.browser.support import CONTEXT, DOCS
from tests.smtp import HOST

TEMPLATES = ["handlingsplan", "aktivitetsplan", "utvecklingsplan"]
CM = 96 / 2.54  # CSS pixels per centimetre


class _QuietHandler(SimpleHTTPRequestHandler):
    def log_message(self, format: str, *args: Any) -> None:
        """No request log on the test output."""


@pytest.fixture(scope="module")
def handbook_url(handbook_site: Path) -> Iterator[str]:
    """The built handbook on a static HTTP server, as any web host serves it."""
    handler = functools.partial(_QuietHandler, directory=str(handbook_site))
    server = ThreadingHTTPServer((HOST, 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://{HOST}:{server.server_port}"
    server.shutdown()
    server.server_close()


@pytest.fixture(scope="module")
def tab(browser: Browser, browser_requirements: None) -> Iterator[Page]:
    """One tab, with JavaScript as readers have it."""
    context = browser.new_context(**CONTEXT)
    context.set_default_timeout(30_000)
    yield context.new_page()
    context.close()


@dataclass(frozen=True)
class Sheet:
    """One printed page: its size in points and its text, spaces folded."""

    width: float
    height: float
    text: str
    rightmost: float  # where the rightmost piece of text starts, in points


def printed(page: Page, url: str) -> list[Sheet]:
    """Print `url` to an A4 PDF as Chromium's print dialog does (CSS page sizes honoured)."""
    page.goto(url)
    page.wait_for_load_state("load")
    pdf = PdfReader(io.BytesIO(page.pdf(format="A4", prefer_css_page_size=True)))
    sheets = []
    for pdf_page in pdf.pages:
        starts: list[float] = []

        def visit(text: str, cm: Any, tm: Any, font: Any, size: Any) -> None:
            if text.strip():
                starts.append(tm[4] * cm[0] + tm[5] * cm[2] + cm[4])  # noqa: B023

        text = pdf_page.extract_text(visitor_text=visit)
        sheets.append(
            Sheet(
                float(pdf_page.mediabox.width),
                float(pdf_page.mediabox.height),
                " ".join(text.split()),
                max(starts, default=0.0),
            )
        )
    return sheets


@pytest.fixture(scope="module")
def print_page(tab: Page, handbook_url: str) -> list[Sheet]:
    """The print page (hela-rutinen) on paper."""
    return printed(tab, f"{handbook_url}/hela-rutinen/")


def assert_every_column_printed(sheets: list[Sheet], grids: Any) -> None:
    """Each grid's column headings are on the paper, after the grid's caption, within the sheet."""
    for sheet in sheets:
        assert 0 <= sheet.rightmost < sheet.width, "text beyond the sheet's right edge"
    text = " ".join(sheet.text for sheet in sheets)
    found = sorted(
        ((text.index(f"{grid.title} – tom mall att fylla i"), grid) for grid in grids),
        key=lambda pair: pair[0],
    )
    starts = [start for start, _ in found]
    for (start, grid), end in zip(found, [*starts[1:], len(text)], strict=True):
        missing = [c.label for c in grid.columns if c.label not in text[start:end]]
        assert not missing, f"{grid.title}: kolumner saknas på papperet: {missing}"


@pytest.mark.parametrize("template_id", TEMPLATES)
def test_every_column_of_every_grid_is_on_the_paper(
    tab: Page, handbook_url: str, site_config: SiteConfig, template_id: str
) -> None:
    sheets = printed(tab, f"{handbook_url}/planmallar/{template_id}/")
    assert all(sheet.width > sheet.height for sheet in sheets), "mallen skrivs ut liggande"
    assert_every_column_printed(sheets, site_config.plan_templates[template_id].grids)


def test_every_column_is_on_the_paper_of_the_print_page(
    print_page: list[Sheet], site_config: SiteConfig
) -> None:
    assert all(sheet.height > sheet.width for sheet in print_page), "A4 stående"
    grids = [grid for plan in site_config.plan_templates.values() for grid in plan.grids]
    assert_every_column_printed(print_page, grids)


@pytest.mark.parametrize("template_id", TEMPLATES)
def test_rows_are_tall_enough_to_write_in_by_hand(
    tab: Page, handbook_url: str, template_id: str
) -> None:
    tab.goto(f"{handbook_url}/planmallar/{template_id}/")
    tab.emulate_media(media="print")
    try:
        heights = tab.eval_on_selector_all(
            ".plan-sheet td", "cells => cells.map(td => td.getBoundingClientRect().height)"
        )
        grid_heights = tab.eval_on_selector_all(
            ".plan-grid td", "cells => cells.map(td => td.getBoundingClientRect().height)"
        )
    finally:
        tab.emulate_media(media=None)
    assert heights and min(heights) >= 1 * CM - 0.5
    assert grid_heights and min(grid_heights) >= 1.5 * CM - 0.5


@pytest.mark.parametrize("template_id", TEMPLATES)
def test_signature_lines_only_where_the_source_template_has_them(
    tab: Page, handbook_url: str, site_config: SiteConfig, template_id: str
) -> None:
    text = " ".join(s.text for s in printed(tab, f"{handbook_url}/planmallar/{template_id}/"))
    signatures = site_config.plan_templates[template_id].signatures
    if template_id == "utvecklingsplan":  # Göteborg's template (seed 004) has two
        assert signatures == ("Underskrift chef", "Underskrift medarbetare")
    for signature in signatures:
        assert f"{signature} " in f"{text} "
    if not signatures:
        assert "Underskrift" not in text


def test_every_chapter_of_the_print_page_starts_a_new_sheet(
    tab: Page, handbook_url: str, print_page: list[Sheet]
) -> None:
    includes = re.findall(r"^<!-- inkludera: ", (DOCS / "hela-rutinen.md").read_text(), re.M)
    tab.goto(f"{handbook_url}/hela-rutinen/")
    tab.emulate_media(media="print")
    try:
        chapters = tab.eval_on_selector_all(
            "article h2",
            "hs => hs.map(h => [h.textContent.replace('¶', '').trim(),"
            " getComputedStyle(h).breakBefore])",
        )
    finally:
        tab.emulate_media(media=None)
    assert len(chapters) == len(includes) + 1  # every included page, and Källor
    assert {brk for _, brk in chapters} == {"page"}
    tops = [sheet.text for sheet in print_page]
    for title, _ in chapters:
        assert any(top.startswith(title) for top in tops), (
            f"”{title}” börjar inte på ny sida: {[t[:60] for t in tops[:6]]}"
        )


def test_print_page_names_the_organisation_and_the_date(
    print_page: list[Sheet], site_config: SiteConfig
) -> None:
    cover = print_page[0].text
    assert site_config.organisation.name in cover
    built = re.search(r"skapad (\d{4}-\d\d-\d\d)\.", cover)
    assert built, cover
    assert date.fromisoformat(built[1]) in {date.today(), date.today() - timedelta(days=1)}


def test_print_page_lists_the_sources_and_every_source_note_links_there(
    tab: Page, handbook_url: str, print_page: list[Sheet], site_config: SiteConfig
) -> None:
    text = " ".join(sheet.text for sheet in print_page)
    sources = text[text.rindex("Källor Här är alla källor") :]
    for source in site_config.sources.values():
        assert source.title in sources
    tab.goto(f"{handbook_url}/hela-rutinen/")
    notes = tab.locator("article").inner_text().count("(källa: ")
    targets = tab.eval_on_selector_all(
        "article a",
        """links => links
            .filter(a => (a.previousSibling?.textContent ?? '').endsWith('(källa: '))
            .map(a => {
                const target = document.getElementById(decodeURIComponent(a.hash.slice(1)));
                return a.pathname === location.pathname && target ? target.textContent : '';
            })""",
    )
    assert notes > 50 and len(targets) == notes
    assert {t.replace("¶", "").strip() for t in targets} == {"Källor"}


def test_print_button_at_375_px_is_visible_focusable_and_prints(
    browser: Browser, handbook_url: str
) -> None:
    context = browser.new_context(**{**CONTEXT, "viewport": {"width": 375, "height": 667}})
    try:
        page = context.new_page()
        page.goto(f"{handbook_url}/hela-rutinen/")
        page.evaluate("window.print = () => { window.printed = true }")
        button = page.get_by_role("button", name="Skriv ut hela rutinen")
        expect(button).to_be_visible()
        box = button.bounding_box()
        assert box and 0 <= box["x"] and box["x"] + box["width"] <= 375
        # As a keyboard user does: the skip link first (past the long menu), then onwards.
        page.keyboard.press("Tab")
        expect(page.locator(":focus")).to_have_text("Gå till innehållet")
        page.keyboard.press("Enter")
        for _ in range(20):
            page.keyboard.press("Tab")
            if button.evaluate("b => b === document.activeElement"):
                break
        expect(button).to_be_focused()
        page.keyboard.press("Enter")
        assert page.evaluate("window.printed") is True
        page.emulate_media(media="print")
        expect(button).to_be_hidden()
    finally:
        context.close()


def test_without_javascript_the_page_says_how_to_print(browser: Browser, handbook_url: str) -> None:
    context = browser.new_context(**{**CONTEXT, "java_script_enabled": False})
    try:
        page = context.new_page()
        page.goto(f"{handbook_url}/hela-rutinen/")
        expect(page.get_by_role("button", name="Skriv ut hela rutinen")).to_have_count(0)
        expect(page.get_by_text("webbläsarens kommando för utskrift: Ctrl+P")).to_be_visible()
    finally:
        context.close()
