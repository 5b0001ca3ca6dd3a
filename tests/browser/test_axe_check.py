"""The accessibility check itself: proof that it reports what it should, and its one blind spot."""

from __future__ import annotations

from playwright.sync_api import Page

from tests.browser.checks import UNLABELLED_CONTROLS, Accessibility, run_axe

BAD_PAGE = (
    '<html lang="sv"><head><title>Prov</title></head><body><main>'
    '<input type="text"><p style="color:#aaa;background:#fff">Låg kontrast</p>'
    "</main></body></html>"
)
PLACEHOLDER_ONLY = (
    '<html lang="sv"><head><title>Prov</title></head><body><main>'
    '<input type="text" placeholder="Ditt namn">'
    "</main></body></html>"
)
# WCAG 2.2 (2.5.8, AA): two 12-pixel buttons side by side are too small to hit reliably.
SMALL_TARGETS = (
    '<html lang="sv"><head><title>Prov</title></head><body><main><h1>Prov</h1>'
    '<button style="width:12px;height:12px;padding:0">a</button>'
    '<button style="width:12px;height:12px;padding:0">b</button>'
    "</main></body></html>"
)
GOOD_PAGE = (
    '<html lang="sv"><head><title>Prov</title></head><body><main><h1>Prov</h1>'
    '<label for="namn">Ditt namn</label><input type="text" id="namn">'
    "</main></body></html>"
)


def test_the_check_reports_a_missing_label_and_low_contrast(
    page: Page, a11y: Accessibility
) -> None:
    page.set_content(BAD_PAGE)
    problems = a11y.check(page, "fel-som-ska-hittas")
    ids = {v["id"] for v in run_axe(page)}
    assert {"label", "color-contrast"} <= ids, ids
    assert any(" label [" in p for p in problems), problems
    assert any(" color-contrast [" in p for p in problems), problems


def test_a_placeholder_passes_axe_so_the_check_also_wants_a_visible_label(
    page: Page, a11y: Accessibility
) -> None:
    page.set_content(PLACEHOLDER_ONLY)
    assert "label" not in {v["id"] for v in run_axe(page)}, "axe godtar numera inte placeholder"
    assert page.evaluate(UNLABELLED_CONTROLS) == ['<input type="text" placeholder="Ditt namn">']
    problems = a11y.check(page, "bara-placeholder")
    assert len(problems) == 1 and "synlig <label>" in problems[0], problems


def test_the_check_applies_wcag_2_2_and_reports_too_small_targets(
    page: Page, a11y: Accessibility
) -> None:
    page.set_content(SMALL_TARGETS)
    problems = a11y.check(page, "for-sma-mal")
    assert any(" target-size [" in p for p in problems), problems


def test_a_labelled_page_passes(page: Page, a11y: Accessibility) -> None:
    page.set_content(GOOD_PAGE)
    assert a11y.check(page, "godkand-sida") == []
