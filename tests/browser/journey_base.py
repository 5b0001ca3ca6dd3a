"""The journey's shared parts: finding things on a page as a person does, and a run's state."""

from __future__ import annotations

import re
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


# The service's words the journey looks for, in each language a person may read it in (the
# English ones as formserver/translations/en/LC_MESSAGES/messages.po has them).
WORDS = {
    "sv": {
        "menu": "Huvudmeny",
        "yes": "Ja",
        "no": "Nej",
        "rating": "Skattning: {value} av {max}",
        "comment": "Kommentar till ”{question}” (valfritt)",
        "signature_comment": "Kommentar till underskriften (valfritt)",
        "sign": "Skriv under version",
        "signed": "Din underskrift är sparad.",
        "talk_link": "Medarbetarsamtal {year} med {manager}",
        "manager_preparation": "Chefens förberedelse",
    },
    "en": {
        "menu": "Main menu",
        "yes": "Yes",
        "no": "No",
        "rating": "Rating: {value} of {max}",
        "comment": "Comment on ”{question}” (optional)",
        "signature_comment": "Comment on the signature (optional)",
        "sign": "Sign version",
        "signed": "Your signature is saved.",
        "talk_link": "Development dialogue {year} with {manager}",
        "manager_preparation": "The manager's preparation",
    },
}


def heading(page: Page) -> Locator:
    """The page's main heading."""
    return page.get_by_role("heading", level=1)


def menu(page: Page, name: str, language: str = "sv") -> Locator:
    """A link in the header's main menu."""
    return page.get_by_role("navigation", name=WORDS[language]["menu"]).get_by_role(
        "link", name=name, exact=True
    )


def choose_language_by_keyboard(page: Page, name: str, most: int = 40) -> None:
    """Tab to the header's language button `name` (as it names itself) and press Enter."""
    for _ in range(most):
        page.keyboard.press("Tab")
        focused = page.evaluate(
            "() => [document.activeElement.tagName, document.activeElement.textContent.trim()]"
        )
        if focused == ["BUTTON", name]:
            break
    else:
        raise AssertionError(f"{most} tabbar når inte språkknappen {name!r}")
    with page.expect_navigation():
        page.keyboard.press("Enter")


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


def fill_preparation(
    page: Page, question_set: QuestionSet, who: str, language: str = "sv"
) -> list[str]:
    """Answer every question of the set (text, yes/no, rating, comments) as the page shows it
    in `language` (pass the set localized to it); returns what the talk's page should show."""
    words = WORDS[language]
    shown = []
    for n, question in enumerate(question_set.questions(), start=1):
        if question.kind == "text":
            text = f"{who} svar {n:02d}: {PHRASES[n % len(PHRASES)]}"
            page.get_by_label(question.text, exact=True).fill(text)
            shown.append(text)
            continue
        group = page.get_by_role("group", name=question.text, exact=True)
        if question.kind == "yesno":
            choice = words["yes"] if n % 2 else words["no"]
            shown.append(choice)
        else:
            scale = question_set.scale
            assert scale is not None
            value = scale.min + n % len(scale.values)
            choice = f"{value} – {scale.labels[value]}" if value in scale.labels else str(value)
            shown.append(words["rating"].format(value=value, max=scale.max))
        group.get_by_label(choice, exact=True).check()
        comment = f"{who} kommentar {n:02d}: {PHRASES[(n + 2) % len(PHRASES)]}"
        label = words["comment"].format(question=question.text)
        page.get_by_label(label, exact=True).fill(comment)
        shown.append(comment)
    return shown


def seen_in(answers: list[str], language: str) -> list[str]:
    """What `fill_preparation` returned, as a reader of `language` sees it: the typed texts as
    they are, the yes/no choices and ratings in their words."""
    words = WORDS[language]
    choices = {w[key]: words[key] for w in WORDS.values() for key in ("yes", "no")}
    ratings = [
        re.compile(
            re.escape(w["rating"]).replace(r"\{value\}", r"(\d+)").replace(r"\{max\}", r"(\d+)")
        )
        for w in WORDS.values()
    ]
    seen = []
    for answer in answers:
        rated = next((m for r in ratings if (m := r.fullmatch(answer))), None)
        if rated:
            answer = words["rating"].format(value=rated[1], max=rated[2])
        seen.append(choices.get(answer, answer))
    return seen


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
    # The language the employee reads the service in (the manager and HR read it in Swedish).
    employee_language: str = "sv"

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
