"""The journey's shared parts: finding things on a page as a person does, and a run's state."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, timedelta
from pathlib import Path

from playwright.sync_api import BrowserContext, Download, Locator, Page, expect

from formserver.siteconfig import load_site_config
from formserver.siteconfig.model import PlanTemplate, QuestionSet
from tests.browser.checks import Accessibility
from tests.browser.support import ROOT, Service, today

SITE = load_site_config(ROOT / "site_config")
# Each journey uses a real question set; together they have every kind of field (text, yes/no
# with comment, rating with comment, an optional and a never-documented section). Both use the
# plan template with a date column, which may not be before the talk.
JOURNEYS = {
    "js-pa": (True, "goteborg", "handlingsplan"),
    "js-av": (False, "kompetenssamtal", "handlingsplan"),
}
PLACE = "Rum Ekern, plan 3"
MESSAGE = "Hej Anna! Ta gärna med dina tankar om det gångna året."
PHRASES = (
    "Jag trivs med barngruppen och kollegorna.",
    "Planeringstiden räcker inte alltid till.",
    "Vill gärna gå en kurs i språkutveckling.",
    "Samarbetet med vårdnadshavarna har blivit bättre.",
    "Jag skulle vilja ta mer ansvar för dokumentationen.",
)


def heading(page: Page) -> Locator:
    """The page's main heading."""
    return page.get_by_role("heading", level=1)


def menu(page: Page, name: str) -> Locator:
    """A link in the header's main menu."""
    return page.get_by_role("navigation", name="Huvudmeny").get_by_role(
        "link", name=name, exact=True
    )


def main(page: Page) -> Locator:
    """The page's main area."""
    return page.locator("main")


def main_text(page: Page) -> str:
    """What the page's main area says."""
    return main(page).inner_text()


def coverage_row(page: Page, manager: str) -> list[str]:
    """The cells of the coverage table's row for a manager."""
    table = page.get_by_role("table", name="Antal personer per status, per enhet och chef")
    row = table.get_by_role("row").filter(has=page.get_by_role("cell", name=manager, exact=True))
    return [cell.strip() for cell in row.get_by_role("cell").all_inner_texts()]


def fill_preparation(page: Page, question_set: QuestionSet, who: str) -> list[str]:
    """Answer every question of the set (text, yes/no, rating, comments); returns what the
    talk's page should show of it."""
    shown = []
    for n, question in enumerate(question_set.questions(), start=1):
        if question.kind == "text":
            text = f"{who} svar {n:02d}: {PHRASES[n % len(PHRASES)]}"
            page.get_by_label(question.text, exact=True).fill(text)
            shown.append(text)
            continue
        group = page.get_by_role("group", name=question.text, exact=True)
        if question.kind == "yesno":
            choice = "Ja" if n % 2 else "Nej"
            shown.append(choice)
        else:
            scale = question_set.scale
            assert scale is not None
            value = scale.min + n % len(scale.values)
            choice = f"{value} – {scale.labels[value]}" if value in scale.labels else str(value)
            shown.append(f"Skattning: {value} av {scale.max}")
        group.get_by_label(choice, exact=True).check()
        comment = f"{who} kommentar {n:02d}: {PHRASES[(n + 2) % len(PHRASES)]}"
        page.get_by_label(f"Kommentar till ”{question.text}” (valfritt)", exact=True).fill(comment)
        shown.append(comment)
    return shown


def assert_nothing_to_fill_in_never_sections(page: Page, question_set: QuestionSet) -> None:
    """A section that must not be documented is shown as guidance without any field."""
    for section in question_set.sections:
        if not section.has_fields:
            group = page.get_by_role("group", name=section.title, exact=True)
            expect(group).to_be_visible()
            expect(group.get_by_role("textbox")).to_have_count(0)
            expect(group.get_by_role("radio")).to_have_count(0)


@dataclass
class JourneyBase:
    """One run of the journey: the service, a browser context per person, what was typed."""

    service: Service
    new_context: Callable[..., BrowserContext]
    a11y: Accessibility
    js: bool
    question_set: QuestionSet
    template: PlanTemplate
    year: int = field(default_factory=lambda: today().year)
    talk_day: date = field(default_factory=lambda: today() + timedelta(days=21))
    typed: list[str] = field(default_factory=list)
    notes: dict[str, str] = field(default_factory=dict)
    cells: list[str] = field(default_factory=list)
    pages: dict[str, Page] = field(default_factory=dict)
    employee_answers: list[str] = field(default_factory=list)
    employee_link: str = ""
    talk_url: str = ""
    signed_version: int = 0
    old_note: str = ""
    employee_comment: str = ""

    def context(self) -> BrowserContext:
        """A browser context of one person, with or without JavaScript."""
        return self.new_context(java_script_enabled=self.js)

    def check(self, page: Page, name: str) -> None:
        """Screenshot and axe; problems are reported at the end of the journey."""
        self.a11y.check(page, name)

    def save(self, download: Download, who: str) -> Path:
        """Keep a download as a test artefact and return its path."""
        path = self.a11y.folder / "nedladdat" / f"{who}-{download.suggested_filename}"
        path.parent.mkdir(parents=True, exist_ok=True)
        download.save_as(path)
        return path
