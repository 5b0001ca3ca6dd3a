"""The journey once in English (issue 14): an employee who chose English, a manager in Swedish.

The employee signs in, tabs to the header's language switcher and presses Enter on "English";
from then on her pages, e-mails and downloads are in English, while her manager's stay in
Swedish: the manager calls her (reusing the Swedish journey's steps), both prepare, the manager
records the talk, both sign, each downloads the plan as PDF. Last, signed out in a fresh
browser, she chooses English again as a visitor and asks for a sign-in link by e-mail. Every
page is checked with axe (WCAG 2.0–2.2 A, AA) and saved as a screenshot; the English ones are
named en-….

The journey runs once (a module fixture); each test below checks one thing a reader would.
"""

from __future__ import annotations

import re
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from email.message import EmailMessage
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import Browser, BrowserContext, Page, expect

from tests.browser.checks import Accessibility, pdf_text, squash
from tests.browser.journey_base import (
    SITE,
    choose_language_by_keyboard,
    fill_preparation,
    heading,
    main,
    main_text,
    menu,
)
from tests.browser.journey_preparation import PreparationSteps
from tests.browser.journey_talk import TalkSteps
from tests.browser.support import (
    CONTEXT,
    EMPLOYEE,
    EVERYONE,
    MANAGER,
    Service,
    roster_csv,
    sign_in_by_link,
)

QUESTION_SET, TEMPLATE = "goteborg", "handlingsplan"
ENGLISH = SITE.localized("en")
# What the Swedish subjects of her three e-mails begin with: none of them may reach her.
SWEDISH_SUBJECTS = {
    "sign-in": "Din inloggningslänk",
    "invitation": "Kallelse till medarbetarsamtal",
    "signed copy": "Din underskrivna plan",
}


@dataclass
class EnglishJourney(PreparationSteps, TalkSteps):
    """The employee's steps in English; the manager's are the Swedish journey's own."""

    languages: dict[str, str] = field(default_factory=dict)  # page name -> <html lang>
    mails: dict[str, EmailMessage] = field(default_factory=dict)
    pdfs: dict[str, str] = field(default_factory=dict)  # who -> the PDF's text
    handbook: dict[str, tuple[str, str]] = field(default_factory=dict)  # link -> href, lang

    def check(self, page: Page, name: str) -> None:
        """axe and a screenshot, as in the Swedish journey; the employee's pages are en-…"""
        if name.startswith("medarbetare-"):  # named so by the Swedish journey's shared steps
            name = f"en-{name}"
        self.languages[name] = page.evaluate("document.documentElement.lang")
        super().check(page, name)

    def mails_to(self, email: str) -> list[EmailMessage]:
        return [m for m in list(self.service.mail.messages) if email in str(m["To"])]

    def next_mail_to(self, email: str, seen: int) -> EmailMessage:
        """The (seen + 1)-th message to `email`, whatever its subject's language."""
        return self.service.wait_for_mail(email, "", count=seen + 1)

    # 1 -----------------------------------------------------------------------------------------
    def employee_signs_in_and_chooses_english(self) -> None:
        page = sign_in_by_link(self.context(), self.service.issue_link(EMPLOYEE.email))
        self.pages["employee"] = page
        expect(heading(page)).to_have_text(f"Hej {EMPLOYEE.name}")
        choose_language_by_keyboard(page, "English")
        expect(heading(page)).to_have_text(f"Hello {EMPLOYEE.name}")
        expect(page.get_by_role("button", name="English")).to_have_attribute("aria-current", "true")
        self.check(page, "en-medarbetare-start")

    # 3 -----------------------------------------------------------------------------------------
    def employee_prepares_in_english(self) -> None:
        self.mails["invitation"] = self.next_mail_to(EMPLOYEE.email, 0)
        page = self.pages["employee"]
        page.goto(f"{self.service.url}/")
        self.talk_link(page, "en").click()
        expect(heading(page)).to_have_text(
            f"Development dialogue {self.year}: {EMPLOYEE.name} and {MANAGER.name}"
        )
        self.talk_url = page.url.split("?")[0]
        self.check(page, "en-medarbetare-samtalet")
        page.get_by_role("link", name="Start preparing").click()
        expect(heading(page)).to_have_text(f"Preparation for the development dialogue {self.year}")
        self.check(page, "en-medarbetare-forberedelse")
        english_set = ENGLISH.question_sets[QUESTION_SET]
        self.employee_answers = fill_preparation(page, english_set, "Annas", "en")
        page.get_by_role("button", name="Submit").click()
        expect(page.get_by_role("status")).to_have_text("Your preparation has been submitted.")
        text = main_text(page)
        for answer in self.employee_answers:
            assert answer in text, answer
        self.check(page, "en-medarbetare-forberedelse-inskickad")

    # 6 -----------------------------------------------------------------------------------------
    def both_sign(self) -> None:
        manager, employee = self.pages["manager"], self.pages["employee"]
        version = self.sign(manager, "Chefens kommentar: vi stämmer av i mars.")
        self.check(manager, "chef-har-skrivit-under")
        menu(employee, "Start", "en").click()
        self.talk_link(employee, "en").click()
        employee.get_by_role("link", name="Read notes and plan").click()
        expect(heading(employee)).to_have_text(f"Notes and plan: {EMPLOYEE.name}, {self.year}")
        text = main_text(employee)
        for typed in [*self.notes.values(), *self.cells]:
            assert typed in text, typed
        self.check(employee, "en-medarbetare-laser-planen")
        self.employee_comment = "Annas comment: a good plan."
        assert self.sign(employee, self.employee_comment, "en") == version
        expect(main(employee)).to_contain_text(f"Version {version}, signed by both.")
        self.check(employee, "en-medarbetare-har-skrivit-under")
        self.signed_version = version
        self.mails["signed copy"] = self.mail_with_pdf(EMPLOYEE.email)

    def mail_with_pdf(self, email: str, timeout: float = 15) -> EmailMessage:
        """The first message to `email` with a PDF attached (waits for it)."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            for message in self.mails_to(email):
                if any(
                    a.get_content_type() == "application/pdf" for a in message.iter_attachments()
                ):
                    return message
            time.sleep(0.1)
        raise AssertionError(f"Inget e-brev med PDF till {email}")

    # 7 -----------------------------------------------------------------------------------------
    def each_downloads_the_plan(self) -> None:
        for who, link in (("employee", "Download the plan as PDF"), ("manager", None)):
            page = self.pages[who]
            page.reload()
            with page.expect_download() as download:
                page.get_by_role("link", name=link or "Ladda ner planen som PDF").click()
            self.pdfs[who] = pdf_text(self.save(download.value, who))

    # The handbook --------------------------------------------------------------------------------
    def employee_follows_the_handbook_links(self) -> None:
        """The menu's and the footer's links, followed on the service's own /handbok/ (the
        organisation's handbook_url names port 5000, this service has a port of its own)."""
        employee = self.pages["employee"]
        links = {
            "menu": menu(employee, "Handbook", "en"),
            "routine": employee.locator("footer").get_by_role("link"),
        }
        reader = self.new_context().new_page()
        for name, link in links.items():
            href = str(link.get_attribute("href"))
            path = "/handbok/" + href.split("/handbok/", 1)[1]
            reader.goto(f"{self.service.url}{path}")
            self.handbook[name] = (path, reader.evaluate("document.documentElement.lang"))
            self.a11y.check(reader, f"en-handbok-{name}", labels=False)
            self.languages[f"en-handbok-{name}"] = self.handbook[name][1]

    # 9 -----------------------------------------------------------------------------------------
    def employee_asks_for_a_link_as_a_visitor(self) -> None:
        """Signed out, in a fresh browser: English by keyboard again, then a link by e-mail."""
        seen = len(self.mails_to(EMPLOYEE.email))
        page = self.context().new_page()
        page.goto(f"{self.service.url}/")
        expect(heading(page)).to_have_text("Formulärtjänsten för medarbetarsamtal")
        choose_language_by_keyboard(page, "English")
        self.check(page, "en-besokare-valkommen")
        page.get_by_role("link", name="Ask for a new sign-in link").click()
        self.check(page, "en-besokare-ny-lank")
        page.get_by_label("Your email address").fill(EMPLOYEE.email)
        page.get_by_role("button", name="Send the link").click()
        expect(heading(page)).to_have_text("Check your email")
        self.check(page, "en-besokare-kolla-e-posten")
        self.mails["sign-in"] = self.next_mail_to(EMPLOYEE.email, seen)
        confirm = page.context.new_page()
        confirm.goto(self.service.link_in(self.mails["sign-in"]))
        self.check(confirm, "en-besokare-bekrafta-inloggning")
        confirm.get_by_role("button", name="Sign in", exact=True).click()
        expect(heading(confirm)).to_have_text(f"Hello {EMPLOYEE.name}")


@pytest.fixture(scope="module")
def english_journey(
    browser: Browser,
    handbook_site: Path,
    artifacts: Path,
    tmp_path_factory: pytest.TempPathFactory,
) -> Iterator[EnglishJourney]:
    """The journey run once; every context and the service are closed afterwards."""
    service = Service(tmp_path_factory.mktemp("english"), handbook_site).start()
    contexts: list[BrowserContext] = []

    def new_context(**overrides: Any) -> BrowserContext:
        context = browser.new_context(**{**CONTEXT, **overrides})
        context.set_default_timeout(15_000)
        contexts.append(context)
        return context

    journey = EnglishJourney(
        service,
        new_context,
        Accessibility(artifacts / "english-journey"),
        True,
        SITE.question_sets[QUESTION_SET],
        SITE.plan_templates[TEMPLATE],
        employee_language="en",
    )
    try:
        roster = service.workdir / "personal.csv"
        roster.write_text(roster_csv(*EVERYONE), encoding="utf-8")
        service.cli("import-roster", str(roster))
        service.cli(
            *("open-round", "--year", str(journey.year), "--question-set", QUESTION_SET),
            *("--plan-template", TEMPLATE),
        )
        journey.employee_signs_in_and_chooses_english()
        journey.manager_signs_in_by_mail_and_calls()
        journey.mails["manager sign-in"] = service.wait_for_mail(
            MANAGER.email, "Din inloggningslänk"
        )
        journey.employee_prepares_in_english()
        journey.manager_prepares_and_both_see_both()
        journey.manager_records_the_talk()
        journey.both_sign()
        journey.each_downloads_the_plan()
        journey.employee_follows_the_handbook_links()
        journey.employee_asks_for_a_link_as_a_visitor()
    except Exception as error:
        error.add_note(f"Serverns logg (slutet):\n{service.log_tail()}")
        raise
    finally:
        for context in contexts:
            context.close()
        service.stop()
    yield journey


def english_pages(journey: EnglishJourney) -> list[str]:
    return [name for name in journey.a11y.checked if name.startswith("en-")]


def test_the_employee_reads_english_and_the_manager_swedish(
    english_journey: EnglishJourney,
) -> None:
    languages = english_journey.languages
    assert len(english_pages(english_journey)) >= 10, languages
    wrong = {
        name: lang
        for name, lang in languages.items()
        if lang != ("en" if name.startswith("en-") else "sv")
    }
    assert not wrong, f"sidor på fel språk (<html lang>): {wrong}"
    assert any(name.startswith("chef-") for name in languages), languages


def test_axe_finds_nothing_on_the_english_pages(english_journey: EnglishJourney) -> None:
    a11y = english_journey.a11y
    checked = english_pages(english_journey)
    assert checked, "inga engelska sidor kontrollerades"
    print(f"axe: {len(checked)} engelska sidor (av {len(a11y.checked)}), {len(a11y.problems)} fel")
    assert not a11y.problems, a11y.report()


def test_the_handbook_links_lead_to_the_english_handbook(english_journey: EnglishJourney) -> None:
    assert english_journey.handbook == {
        "menu": ("/handbok/en/", "en"),
        "routine": ("/handbok/en/hela-rutinen/", "en"),
    }


def test_the_manager_reads_her_mail_in_swedish(english_journey: EnglishJourney) -> None:
    mail = english_journey.mails["manager sign-in"]
    assert str(mail["Subject"]) == "Din inloggningslänk till medarbetarsamtal"
    body = mail.get_body(preferencelist=("plain",))
    assert body is not None and body.get_content().startswith(f"Hej {MANAGER.name}"), body


def test_the_managers_plan_pdf_is_in_swedish(english_journey: EnglishJourney) -> None:
    text = squash(english_journey.pdfs["manager"])
    assert squash(SITE.plan_templates[TEMPLATE].title) in text
    assert len(re.findall(r"Underskriven\d{4}-\d\d-\d\d", text)) == 2, "två underskrifter"


@pytest.mark.parametrize("which", list(SWEDISH_SUBJECTS))
def test_the_employees_mail_is_in_english(english_journey: EnglishJourney, which: str) -> None:
    """Subject and text in English, and said so (Content-Language, on the text part where the
    message has an attachment)."""
    mail = english_journey.mails[which]
    subject = str(mail["Subject"]).strip()
    assert not subject.startswith(SWEDISH_SUBJECTS[which]), subject
    body = mail.get_body(preferencelist=("plain",))
    assert body is not None
    language = mail["Content-Language"] or body["Content-Language"]
    assert language == "en", (subject, language)
    assert body.get_content().startswith(f"Hello {EMPLOYEE.name}"), body.get_content()[:200]


def test_the_employees_plan_pdf_is_in_english(english_journey: EnglishJourney) -> None:
    text = squash(english_journey.pdfs["employee"])
    assert squash(ENGLISH.plan_templates[TEMPLATE].title) in text
    assert "Underskriven" not in text, "svenska i den engelska PDF:en"
    for typed in [*english_journey.notes.values(), english_journey.employee_comment]:
        assert squash(typed) in text, typed
