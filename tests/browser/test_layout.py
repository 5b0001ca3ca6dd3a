"""Layout measured in the browser: HR's coverage table and the plan grid show every column
at 1280 px without scrolling and reflow at 320 px (WCAG 1.4.10); the routine's long
preparation form can be saved from every section, without JavaScript."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import pytest
from playwright.sync_api import Page, expect

from tests.browser.checks import Accessibility
from tests.browser.support import EMPLOYEE, HR, MANAGER, Service, service_with_round, today

YEAR = today().year
GRID = "Individuella mål och kompetensutveckling"
# Every cell of a table: where it is, and whether the table's box (or its scroll region) has
# to be scrolled sideways to show it.
CELLS = """(table) => {
  const region = table.closest('.table-scroll') || table.parentElement;
  const box = region.getBoundingClientRect();
  const root = document.documentElement;
  // A header row hidden for the eye (kept for screen readers) is not a cut-off column.
  const shown = (cell) => !cell.closest('thead') ||
    cell.closest('thead').getBoundingClientRect().width > 1;
  const wide = Array.from(region.querySelectorAll('*'))
    .filter((el) => el.getBoundingClientRect().right > box.right + 1)
    .map((el) => el.tagName.toLowerCase() + ': ' + el.textContent.trim().slice(0, 30))
    .slice(0, 4);
  const cells = Array.from(table.querySelectorAll('th, td')).filter(shown).map((cell) => {
    const r = cell.getBoundingClientRect();
    return {text: cell.textContent.trim().slice(0, 40), left: r.left, right: r.right,
            width: r.width};
  });
  return {wide: wide, cells: cells, regionLeft: box.left, regionRight: box.right,
          regionScroll: region.scrollWidth, regionClient: region.clientWidth,
          pageScroll: root.scrollWidth, pageClient: root.clientWidth};
}"""


def hidden_cells(page: Page, selector: str) -> list[str]:
    """The cells of the table that are cut off, or reachable only by scrolling sideways."""
    measured: dict[str, Any] = page.locator(selector).evaluate(CELLS)
    assert measured["cells"], f"no cells in {selector}"
    problems = [
        f"{c['text']!r}: {c['left']:.0f}–{c['right']:.0f} px utanför "
        f"{measured['regionLeft']:.0f}–{measured['regionRight']:.0f} px"
        for c in measured["cells"]
        if c["width"] <= 0
        or c["left"] < measured["regionLeft"] - 1
        or c["right"] > measured["regionRight"] + 1
    ]
    if measured["regionScroll"] > measured["regionClient"] + 1:
        problems.append(
            f"tabellen måste rullas i sidled: {measured['regionScroll']} px i "
            f"{measured['regionClient']} px: {measured['wide']}"
        )
    if measured["pageScroll"] > measured["pageClient"] + 1:
        page_width, window = measured["pageScroll"], measured["pageClient"]
        problems.append(f"sidan måste rullas i sidled: {page_width} px i {window} px")
    return problems


@pytest.fixture(scope="module")
def layout_service(
    tmp_path_factory: pytest.TempPathFactory, handbook_site: Any
) -> Iterator[Service]:
    """A service of its own (the test writes a plan): the roster and a round of the routine."""
    with service_with_round(tmp_path_factory.mktemp("layout"), handbook_site, "rutin") as service:
        yield service


def write_a_plan_row(page: Page) -> str:
    """The manager writes one row of the plan, with its date, and saves; the plan's address."""
    page.get_by_role("link", name="Mina medarbetare", exact=True).first.click()
    page.get_by_role("link", name=EMPLOYEE.name, exact=True).click()
    page.get_by_role("link", name="Skriv anteckningar och plan").click()
    row = page.get_by_role("group", name=f"{GRID}, rad 1")
    row.get_by_label("Verksamhetens mål").fill("Alla barn ska få en likvärdig förskola.")
    row.get_by_label("Medarbetarens mål").fill("Leda utvecklingsarbetet om språk i förskolan.")
    row.get_by_label("Vad ska medarbetaren utveckla för att uppnå målet?").fill(
        "Handledning av kolleger och kunskap om flerspråkighet."
    )
    row.get_by_label("Hur ska det ske? Vilka aktiviteter ska genomföras?").fill(
        "Kurs i språkutvecklande arbetssätt under våren; handledning varannan vecka."
    )
    row.get_by_label("Ansvarig", exact=True).fill("Anna och Karin")
    row.get_by_label("Datum för genomförande och uppföljning").fill(f"{YEAR + 1}-06-15")
    page.get_by_role("button", name="Spara", exact=True).first.click()
    expect(page.get_by_role("status")).to_have_text("Sparat.")
    return page.url.split("?")[0]


# What the employee and HR read, in each language (the manager writes the row in Swedish).
VIEWERS = {
    "sv": {
        "locale": "sv-SE",
        "grid": GRID,
        "round": "Samtalsomgång {year}",
        "coverage": "Antal personer per status, per enhet och chef",
    },
    "en": {
        "locale": "en-GB",
        "grid": "Individual goals and competence development",
        "round": "Round {year}",
        "coverage": "Number of people per status, per unit and manager",
    },
}


@pytest.mark.parametrize("language", list(VIEWERS))
def test_coverage_and_the_plan_grid_show_every_column_at_1280_and_reflow_at_320(
    layout_service: Service, sign_in: Callable[..., Page], a11y: Accessibility, language: str
) -> None:
    """The employee's plan and HR's coverage in Swedish and, for a browser asking for English,
    in English (longer words, the same columns); axe on each at both widths."""
    words = VIEWERS[language]
    wide = {"viewport": {"width": 1280, "height": 800}}
    manager = sign_in(layout_service, MANAGER, **wide)
    plan_url = write_a_plan_row(manager)
    viewer = {**wide, "locale": words["locale"]}
    employee = sign_in(layout_service, EMPLOYEE, **viewer)
    employee.goto(plan_url)
    assert employee.evaluate("document.documentElement.lang") == language
    plan_table = f'table:has(caption:text-is("{words["grid"]}"))'
    expect(employee.locator(plan_table)).to_contain_text(f"{YEAR + 1}-06-15")
    hr = sign_in(layout_service, HR, **viewer)
    hr.get_by_role("link", name="HR", exact=True).first.click()
    hr.get_by_role("link", name=words["round"].format(year=YEAR)).click()
    coverage_table = f"table:has(caption:text-is('{words['coverage']}'))"

    problems = []
    for width in (1280, 320):
        for name, page, table in (("plan", employee, plan_table), ("täckning", hr, coverage_table)):
            page.set_viewport_size({"width": width, "height": 800})
            page.reload()
            a11y.check(page, f"{name}-{width}-px")
            problems += [f"{name} vid {width} px: {p}" for p in hidden_cells(page, table)]
            if width == 320:
                # Reflowed, each cell still says which column it is.
                labels = page.locator(f"{table} td").evaluate_all(
                    "(cells) => cells.map((c) => getComputedStyle(c, '::before').content)"
                )
                unnamed = [label for label in labels if label in ("none", "normal", '""')]
                if unnamed:
                    problems.append(f"{name} vid 320 px: {len(unnamed)} celler utan kolumnnamn")

    assert not problems, "\n".join(problems)
    assert not a11y.problems, a11y.report()


def test_the_routines_preparation_saves_from_every_section_without_javascript(
    layout_service: Service, sign_in: Callable[..., Page]
) -> None:
    page = sign_in(layout_service, EMPLOYEE, java_script_enabled=False)
    page.get_by_role("link", name=f"Medarbetarsamtal {YEAR} med {MANAGER.name}").click()
    page.get_by_role("link", name="förbered").click()
    assert page.locator("main form:has(fieldset.section)").count() == 1, "one form, all sections"
    sections = page.locator("fieldset.section")
    with_fields = [
        sections.nth(i)
        for i in range(sections.count())
        if sections.nth(i).locator("textarea").count()
    ]
    assert len(with_fields) >= 4
    for section in with_fields:
        expect(section.get_by_role("button", name="Spara utkast")).to_have_count(1)
    first = with_fields[0].locator("textarea").first
    last = with_fields[-1].locator("textarea").last
    first.fill("Skrivet i första avsnittet.")
    last.fill("Skrivet i sista avsnittet.")

    # Saved from a section in the middle: the whole form is sent, and kept.
    with_fields[len(with_fields) // 2].get_by_role("button", name="Spara utkast").click()

    expect(page.get_by_role("status")).to_have_text("Utkastet är sparat.")
    page.reload()
    expect(page.locator("fieldset.section textarea").first).to_have_value(
        "Skrivet i första avsnittet."
    )
    saved_last = page.locator("fieldset.section:has(textarea)").last.locator("textarea").last
    expect(saved_last).to_have_value("Skrivet i sista avsnittet.")
