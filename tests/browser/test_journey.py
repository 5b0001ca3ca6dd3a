"""The whole journey in Debian's Chromium against the real service (issue 5), with JavaScript on
and, again from scratch, with JavaScript off.

HR imports the roster and opens a round; the manager signs in with a link from e-mail and calls
the employee; the employee follows the link in the invitation, saves a draft, leaves, comes back,
fills every field and submits; the manager prepares; both see both preparations; at the talk the
manager writes notes and a plan with several rows and marks the talk held; both sign; a change
makes a new version that both sign again; the downloads hold what was typed; HR's coverage shows
the talk as signed and none of its content. On the way: a validation error, a conflict, a 403, a
404, a used and an expired link. Every page and state is checked with axe (WCAG 2.0/2.1 A, AA)
and saved as a screenshot in test-artifacts/browser/.

Elements are found by their visible Swedish labels and roles, as a person finds them.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, timedelta
from pathlib import Path

import pytest
from playwright.sync_api import BrowserContext, Download, Locator, Page, expect

from formserver.siteconfig import load_site_config
from formserver.siteconfig.model import ANSWER_KINDS, PlanTemplate, QuestionSet
from tests.browser.support import (
    COLLEAGUE,
    EMPLOYEE,
    EVERYONE,
    HR,
    MANAGER,
    ROOT,
    Accessibility,
    Service,
    pdf_text,
    read_csv,
    roster_csv,
    squash,
    today,
)

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
    row = page.get_by_role("row").filter(has=page.get_by_role("cell", name=manager, exact=True))
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
class Journey:
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

    # 1 -----------------------------------------------------------------------------------------
    def hr_imports_roster_and_opens_round(self) -> None:
        """1. HR signs in with the link IT printed, imports the roster, opens the round."""
        page = self.context().new_page()
        self.pages["hr"] = page
        page.goto(self.service.issue_link(HR.email))
        expect(heading(page)).to_have_text("Logga in")
        self.check(page, "hr-bekrafta-inloggning")
        page.get_by_role("button", name="Logga in", exact=True).click()
        expect(heading(page)).to_have_text(f"Hej {HR.name}")
        self.check(page, "hr-start")

        menu(page, "HR").click()
        expect(heading(page)).to_have_text("HR: personal och samtalsomgångar")
        self.check(page, "hr-oversikt")
        page.get_by_role("link", name="Läs in personallistan").click()
        expect(heading(page)).to_have_text("Läs in personallistan")
        self.check(page, "hr-personallista")
        page.get_by_role("button", name="Läs in", exact=True).click()
        expect(page.get_by_text("Välj en CSV-fil att läsa in.")).to_be_visible()
        self.check(page, "hr-personallista-fel-ingen-fil")

        roster = self.service.workdir / "personallista.csv"
        roster.write_text(roster_csv(*EVERYONE), encoding="utf-8")
        page.get_by_label("Personallista (CSV-fil)").set_input_files(roster)
        page.get_by_role("button", name="Läs in", exact=True).click()
        expect(heading(page)).to_have_text("Personallistan är inläst")
        expect(page.get_by_role("status")).to_have_text(f"Filen hade {len(EVERYONE)} personer.")
        self.check(page, "hr-personallista-inlast")

        page.get_by_role("link", name="Öppna en samtalsomgång").click()
        expect(heading(page)).to_have_text("Öppna en samtalsomgång")
        self.check(page, "hr-ny-samtalsomgang")
        self.open_round(page)
        expect(heading(page)).to_have_text(f"Samtalsomgång {self.year}")
        expect(page.get_by_role("status")).to_contain_text("Samtalsomgången är öppnad")
        assert coverage_row(page, MANAGER.name) == [
            *(MANAGER.unit, MANAGER.name, "2", "0", "0", "0", "0")
        ]
        self.check(page, "hr-samtalsomgang-oppnad")

        # The same round twice is a conflict, explained next to the field.
        menu(page, "HR").click()
        page.get_by_role("link", name="Öppna en samtalsomgång").click()
        self.open_round(page)
        expect(page.get_by_role("alert")).to_contain_text(
            "Det finns redan en samtalsomgång för det året med det frågeformuläret."
        )
        self.check(page, "hr-samtalsomgang-finns-redan")

    def open_round(self, page: Page) -> None:
        """Fill in and send the form for a new round."""
        page.get_by_label("År", exact=True).fill(str(self.year))
        page.get_by_label("Frågeformulär", exact=True).select_option(label=self.question_set.title)
        page.get_by_label("Planmall", exact=True).select_option(label=self.template.title)
        page.get_by_role("button", name="Öppna samtalsomgången").click()

    # 2 -----------------------------------------------------------------------------------------
    def manager_signs_in_by_mail_and_calls(self) -> None:
        """2. The manager asks for a link by e-mail, signs in and calls the employee."""
        page = self.context().new_page()
        self.pages["manager"] = page
        page.goto(f"{self.service.url}/")
        expect(heading(page)).to_have_text("Formulärtjänsten för medarbetarsamtal")
        self.check(page, "chef-valkommen")
        page.get_by_role("link", name="Be om en ny inloggningslänk").click()
        expect(heading(page)).to_have_text("Be om en ny inloggningslänk")
        self.check(page, "chef-ny-lank")
        page.get_by_role("button", name="Skicka länken").click()
        expect(page.get_by_role("alert")).to_contain_text("Skriv din e-postadress.")
        self.check(page, "chef-ny-lank-fel-tom-adress")
        page.get_by_label("Din e-postadress").fill(MANAGER.email)
        page.get_by_role("button", name="Skicka länken").click()
        expect(heading(page)).to_have_text("Kolla din e-post")
        self.check(page, "chef-kolla-e-posten")

        mail = self.service.wait_for_mail(MANAGER.email, "Din inloggningslänk")
        page.goto(self.service.link_in(mail))
        page.get_by_role("button", name="Logga in", exact=True).click()
        expect(heading(page)).to_have_text(f"Hej {MANAGER.name}")
        self.check(page, "chef-start")

        # A manager who types HR's address is refused.
        response = page.goto(f"{self.service.url}/hr/")
        assert response is not None and response.status == 403
        expect(heading(page)).to_have_text("Du har inte behörighet")
        self.check(page, "chef-403-hr-sidan")

        menu(page, "Mina medarbetare").click()
        expect(heading(page)).to_have_text("Mina medarbetare")
        self.check(page, "chef-mina-medarbetare")
        page.get_by_role("link", name=f"Kalla {EMPLOYEE.name}", exact=True).click()
        expect(heading(page)).to_have_text(f"Kalla {EMPLOYEE.name} till medarbetarsamtal")
        self.check(page, "chef-kalla")
        page.get_by_label("Datum", exact=True).fill((today() + timedelta(days=7)).isoformat())
        page.get_by_label("Tid", exact=True).fill("10:00")
        page.get_by_label("Längd i minuter").fill("45")
        page.get_by_label("Plats eller videolänk").fill(PLACE)
        page.get_by_label("Personligt meddelande (valfritt)").fill(MESSAGE)
        page.get_by_role("button", name="Kalla", exact=True).click()
        expect(page.get_by_role("heading", name="Kort tid att förbereda sig")).to_be_visible()
        self.check(page, "chef-kalla-kort-varsel")
        page.get_by_label("Datum", exact=True).fill(self.talk_day.isoformat())
        page.get_by_role("button", name="Kalla", exact=True).click()
        expect(heading(page)).to_have_text(f"{EMPLOYEE.name} är kallad")
        expect(page.get_by_role("status")).to_contain_text(
            f"Kallelsen är skickad med e-post till {EMPLOYEE.email}"
        )
        self.check(page, "chef-kallad")

    # 3 -----------------------------------------------------------------------------------------
    def employee_follows_the_mail_and_prepares(self) -> None:
        """3. The employee follows the invitation's link, drafts, leaves, returns, submits."""
        mail = self.service.wait_for_mail(EMPLOYEE.email, "Kallelse till medarbetarsamtal")
        body = mail.get_body(preferencelist=("plain",))
        assert body is not None
        assert f"Var: {PLACE}" in body.get_content() and MESSAGE in body.get_content()
        assert [p.get_filename() for p in mail.iter_attachments()] == ["medarbetarsamtal.ics"]
        self.employee_link = self.service.link_in(mail)

        context = self.context()
        page = context.new_page()
        page.goto(self.employee_link)
        expect(heading(page)).to_have_text("Logga in")
        self.check(page, "medarbetare-bekrafta-inloggning")
        page.get_by_role("button", name="Logga in", exact=True).click()
        expect(heading(page)).to_have_text(f"Förberedelse inför medarbetarsamtalet {self.year}")
        self.check(page, "medarbetare-forberedelse")
        assert_nothing_to_fill_in_never_sections(page, self.question_set)

        texts = [q for q in self.question_set.questions() if q.kind == "text"]
        draft = "Ett första utkast: jag vill prata om arbetsbelastningen."
        page.get_by_label(texts[0].text, exact=True).fill(draft)
        page.get_by_role("button", name="Spara utkast").click()
        expect(page.get_by_role("status")).to_have_text("Utkastet är sparat.")
        self.check(page, "medarbetare-utkast-sparat")

        # The same form in a second tab, saved there first: no overwriting, the text stays.
        other = context.new_page()
        other.goto(page.url)
        other.get_by_label(texts[1].text, exact=True).fill("Skrivet i den andra fliken.")
        other.get_by_role("button", name="Spara utkast").click()
        expect(other.get_by_role("status")).to_have_text("Utkastet är sparat.")
        page.get_by_role("button", name="Spara utkast").click()
        expect(
            page.get_by_role("heading", name="Förberedelsen har ändrats på annat håll")
        ).to_be_visible()
        expect(page.get_by_label(texts[0].text, exact=True)).to_have_value(draft)
        self.check(page, "medarbetare-forberedelse-konflikt")
        page.get_by_role("button", name="Spara utkast").click()
        expect(page.get_by_role("status")).to_have_text("Utkastet är sparat.")

        # Leave (close the tabs), come back later to the service's address.
        other.close()
        page.close()
        page = context.new_page()
        self.pages["employee"] = page
        page.goto(f"{self.service.url}/")
        expect(heading(page)).to_have_text(f"Hej {EMPLOYEE.name}")
        self.check(page, "medarbetare-start")
        self.talk_link(page).click()
        expect(heading(page)).to_have_text(
            f"Medarbetarsamtal {self.year}: {EMPLOYEE.name} och {MANAGER.name}"
        )
        expect(page.get_by_text("Du har ett sparat utkast.")).to_be_visible()
        self.talk_url = page.url.split("?")[0]
        self.check(page, "medarbetare-samtalet")
        with page.expect_download() as download:
            page.get_by_role("link", name="Lägg in samtalet i din kalender (.ics)").click()
        ics = self.save(download.value, "medarbetare").read_text(encoding="utf-8")
        assert "BEGIN:VEVENT" in ics and self.talk_day.strftime("%Y%m%d") in ics

        page.get_by_role("link", name="Fortsätt med din förberedelse").click()
        expect(page.get_by_label(texts[0].text, exact=True)).to_have_value(draft)
        self.employee_answers = fill_preparation(page, self.question_set, "Annas")
        self.typed += [a for a in self.employee_answers if a.startswith("Annas")]
        page.get_by_role("button", name="Skicka in").click()
        expect(page.get_by_role("status")).to_have_text("Din förberedelse är inskickad.")
        text = main_text(page)
        for answer in self.employee_answers:
            assert answer in text, answer
        assert "Ni ser varandras förberedelser när båda har skickat in sina." in text
        self.check(page, "medarbetare-forberedelse-inskickad")

    # 4 -----------------------------------------------------------------------------------------
    def manager_prepares_and_both_see_both(self) -> None:
        """4. The manager prepares; then each sees both preparations."""
        page = self.pages["manager"]
        menu(page, "Mina medarbetare").click()
        page.get_by_role("link", name=EMPLOYEE.name, exact=True).click()
        expect(page.get_by_text("Medarbetaren har skickat in sin förberedelse.")).to_be_visible()
        text = main_text(page)
        assert not [a for a in self.employee_answers if a.startswith("Annas") and a in text]
        self.check(page, "chef-samtalet-fore-egen-forberedelse")
        page.get_by_role("link", name="Börja förbereda dig").click()
        expect(heading(page)).to_have_text(f"Förberedelse inför medarbetarsamtalet {self.year}")
        self.check(page, "chef-forberedelse")
        manager_answers = fill_preparation(page, self.question_set, "Karins")
        self.typed += [a for a in manager_answers if a.startswith("Karins")]
        page.get_by_role("button", name="Skicka in").click()
        expect(page.get_by_role("status")).to_have_text("Din förberedelse är inskickad.")
        expect(page.get_by_role("heading", name="Medarbetarens förberedelse")).to_be_visible()
        text = main_text(page)
        for answer in [*self.employee_answers, *manager_answers]:
            assert answer in text, answer
        self.check(page, "chef-ser-bada-forberedelserna")

        employee = self.pages["employee"]
        employee.reload()
        expect(employee.get_by_role("heading", name="Chefens förberedelse")).to_be_visible()
        text = main_text(employee)
        for answer in [*self.employee_answers, *manager_answers]:
            assert answer in text, answer
        self.check(employee, "medarbetare-ser-bada-forberedelserna")

    # 5 -----------------------------------------------------------------------------------------
    def manager_records_the_talk(self) -> None:
        """5. Notes per section, yes/no items, several plan rows; the talk is marked held."""
        page = self.pages["manager"]
        page.get_by_role("link", name="Skriv anteckningar och plan").click()
        expect(heading(page)).to_have_text(f"Anteckningar och plan: {EMPLOYEE.name}, {self.year}")
        self.check(page, "chef-plan")
        assert_nothing_to_fill_in_never_sections(page, self.question_set)

        for n, section in enumerate(s for s in self.question_set.sections if s.has_fields):
            note = f"Anteckning {n + 1}: {PHRASES[n % len(PHRASES)]}"
            page.get_by_label(f"Anteckningar: {section.title}", exact=True).fill(note)
            self.notes[section.id] = note
        for question in self.question_set.questions():
            if question.kind == "yesno":
                group = page.get_by_role("group", name=question.text, exact=True)
                group.get_by_label("Nej", exact=True).check()

        rows = {grid.id: 3 if i == 0 else 1 for i, grid in enumerate(self.template.grids)}
        for grid in self.template.grids:
            for number in range(1, rows[grid.id] + 1):
                if number > 1:
                    page.get_by_role("button", name=f"Lägg till en rad i {grid.title}").click()
                    expect(page.get_by_role("status")).to_have_text("Sparat.")
                self.fill_row(page, grid.id, number)

        page.get_by_role("button", name="Spara", exact=True).first.click()
        expect(page.get_by_role("status")).to_have_text("Sparat.")
        self.check(page, "chef-plan-sparad")

        page.get_by_role("button", name="Markera samtalet som genomfört").click()
        expect(main(page)).to_contain_text("Status: Genomförd.")
        self.check(page, "chef-samtalet-genomfort")

    def talk_link(self, page: Page) -> Locator:
        """The start page's link to the employee's talk."""
        return page.get_by_role("link", name=f"Medarbetarsamtal {self.year} med {MANAGER.name}")

    def row(self, page: Page, grid_title: str, number: int) -> Locator:
        """A plan row's fields (a fieldset named after the grid and the row number)."""
        return page.get_by_role("group", name=f"{grid_title}, rad {number}", exact=True)

    def fill_row(self, page: Page, grid_id: str, number: int) -> None:
        grid = next(g for g in self.template.grids if g.id == grid_id)
        row = self.row(page, grid.title, number)
        for index, column in enumerate(grid.columns, start=1):
            cell = row.get_by_label(column.label, exact=True)
            if column.kind == "date":
                day = self.talk_day + timedelta(days=30 * number)
                cell.fill(day.isoformat())
                self.cells.append(day.isoformat())
            elif column.kind == "text":
                text = f"{grid.title.split()[0]} {number}.{index}: {PHRASES[index % 5][:-1]}"
                cell.fill(text)
                self.cells.append(text)
                self.typed.append(text)

    # 6 -----------------------------------------------------------------------------------------
    def both_sign_and_sign_again_after_a_change(self) -> None:
        """6. Both sign; the version is sealed; a change is a new version, signed again."""
        manager, employee = self.pages["manager"], self.pages["employee"]
        first = self.sign(manager, "Chefens kommentar: vi stämmer av i mars.")
        expect(main(manager)).to_contain_text(f"Version {first}, underskriven av en av er.")
        self.check(manager, "chef-har-skrivit-under")

        menu(employee, "Start").click()
        self.talk_link(employee).click()
        employee.get_by_role("link", name="Läs anteckningar och plan").click()
        text = main_text(employee)
        for typed in [*self.notes.values(), *self.cells]:
            assert typed in text, typed
        self.check(employee, "medarbetare-laser-planen")
        self.sign(employee, "")
        expect(main(employee)).to_contain_text(f"Version {first}, underskriven av båda.")
        self.check(employee, "medarbetare-har-skrivit-under")
        self.service.wait_for_mail(EMPLOYEE.email, "Din underskrivna plan", count=1)

        # The signed version is sealed: a change becomes a new version, signed again by both.
        manager.reload()
        expect(main(manager)).to_contain_text(f"Version {first}, underskriven av båda.")
        section = next(s for s in self.question_set.sections if s.has_fields)
        self.old_note = self.notes[section.id]
        self.notes[section.id] = "Ändrat efter underskriften: kursen flyttas till hösten."
        self.typed.append(self.notes[section.id])
        manager.get_by_label(f"Anteckningar: {section.title}", exact=True).fill(
            self.notes[section.id]
        )
        manager.get_by_role("button", name="Spara", exact=True).first.click()
        expect(manager.get_by_role("status")).to_have_text("Sparat.")
        expect(main(manager)).to_contain_text(f"Version {first + 1}.")
        again = manager.get_by_role("button", name=f"Skriv under version {first + 1}")
        expect(again).to_be_visible()
        self.check(manager, "chef-plan-andrad-efter-underskrift")
        assert self.sign(manager, "") == first + 1

        employee.reload()
        self.employee_comment = "Medarbetarens kommentar: bra att kursen flyttas."
        self.typed += [self.employee_comment]
        assert self.sign(employee, self.employee_comment) == first + 1
        expect(main(employee)).to_contain_text(f"Version {first + 1}, underskriven av båda.")
        self.check(employee, "medarbetare-skriver-under-igen")
        self.signed_version = first + 1

        employee.get_by_role("link", name="Alla versioner och vad som ändrats").click()
        expect(employee.get_by_role("heading", name=f"Version {first + 1}")).to_be_visible()
        expect(employee.get_by_role("heading", name=f"Version {first}", exact=True)).to_be_visible()
        changes = employee.get_by_role("table", name=f"Det här ändrades i version {first + 1}")
        expect(changes).to_contain_text(self.old_note)
        expect(changes).to_contain_text(self.notes[section.id])
        self.check(employee, "medarbetare-versioner")
        employee.get_by_role("link", name="Tillbaka till anteckningar och plan").click()
        employee.get_by_role("link", name="Utskriftsversion").click()
        expect(employee.get_by_role("heading", level=1)).to_have_text(self.template.title)
        self.check(employee, "medarbetare-utskriftsversion")
        employee.go_back()

        copy = self.service.wait_for_mail(EMPLOYEE.email, "Din underskrivna plan", count=2)
        attachments = list(copy.iter_attachments())
        assert [a.get_content_type() for a in attachments] == ["application/pdf"]
        pdf = self.a11y.folder / "nedladdat" / "medarbetare-e-post-kopia.pdf"
        pdf.parent.mkdir(parents=True, exist_ok=True)
        pdf.write_bytes(attachments[0].get_payload(decode=True))
        assert squash(self.notes[section.id]) in squash(pdf_text(pdf))

    def sign(self, page: Page, comment: str) -> int:
        """Sign the version shown; returns its number."""
        button = page.get_by_role("button", name=re.compile(r"^Skriv under version \d+$"))
        number = int(button.inner_text().rsplit(" ", 1)[1])
        if comment:
            page.get_by_label("Kommentar till underskriften (valfritt)").fill(comment)
        button.click()
        expect(page.get_by_role("status")).to_have_text("Din underskrift är sparad.")
        return number

    # 7 -----------------------------------------------------------------------------------------
    def downloads_hold_what_was_typed(self) -> None:
        """7. The manager's PDF and team CSV and the employee's copy hold what was typed."""
        manager, employee = self.pages["manager"], self.pages["employee"]
        manager.reload()
        with manager.expect_download() as download:
            manager.get_by_role("link", name="Ladda ner planen som PDF").click()
        assert download.value.suggested_filename == f"plan-{self.year}-anna-exempelsson.pdf"
        manager_pdf = self.save(download.value, "chef")
        text = squash(pdf_text(manager_pdf))
        expected = [
            *(self.template.title, EMPLOYEE.name, MANAGER.name, EMPLOYEE.unit),
            *(self.talk_day.isoformat(), f"Version {self.signed_version}"),
            *self.notes.values(),
            *self.cells,
            self.employee_comment,
        ]
        missing = [e for e in expected if squash(e) not in text]
        assert not missing, f"PDF:en saknar {missing}"
        assert squash(self.old_note) not in text, "PDF:en visar den gamla versionen"
        assert len(re.findall(r"Underskriven\d{4}-\d\d-\d\d", text)) == 2, "två underskrifter"

        menu(manager, "Mina medarbetare").click()
        with manager.expect_download() as download:
            manager.get_by_role("link", name="översikt (CSV för Excel)").click()
        rows = read_csv(self.save(download.value, "chef"))
        assert rows[0] == [
            *("Medarbetare", "Enhet", "Status", "Datum", "Plats", "Planversion"),
            "Underskriven av båda",
        ]
        assert sorted(rows[1:]) == [
            [
                *(EMPLOYEE.name, EMPLOYEE.unit, "Genomförd"),
                *(f"{self.talk_day.isoformat()} 10.00", PLACE, str(self.signed_version), "Ja"),
            ],
            [COLLEAGUE.name, COLLEAGUE.unit, "Ej kallad", "", "", "", "Nej"],
        ]
        self.check(manager, "chef-mina-medarbetare-efter-samtalet")

        with employee.expect_download() as download:
            employee.get_by_role("link", name="Ladda ner planen som PDF").click()
        employee_pdf = self.save(download.value, "medarbetare")
        assert pdf_text(employee_pdf) == pdf_text(manager_pdf), "medarbetarens kopia skiljer sig"

    # 8 -----------------------------------------------------------------------------------------
    def hr_sees_coverage_but_no_content(self) -> None:
        """8. HR sees the talk counted as signed, and none of its content (nor the talk)."""
        page = self.pages["hr"]
        menu(page, "HR").click()
        page.get_by_role("link", name=f"Samtalsomgång {self.year}").first.click()
        expect(heading(page)).to_have_text(f"Samtalsomgång {self.year}")
        assert coverage_row(page, MANAGER.name) == [
            *(MANAGER.unit, MANAGER.name, "2", "1", "1", "1", "1")
        ]
        html = page.content()
        shown = [t for t in [*self.typed, *self.notes.values(), PLACE, MESSAGE] if t in html]
        assert not shown, f"HR ser innehåll: {shown}"
        self.check(page, "hr-tackning")
        with page.expect_download() as download:
            page.get_by_role("link", name="Ladda ner tabellen som CSV").click()
        rows = read_csv(self.save(download.value, "hr"))
        assert [MANAGER.unit, MANAGER.name, "2", "1", "1", "1", "1"] in rows

        response = page.goto(self.talk_url)
        assert response is not None and response.status == 404
        expect(heading(page)).to_have_text("Sidan finns inte")
        self.check(page, "hr-404-samtalet")

    # A late mistake ------------------------------------------------------------------------------
    def a_date_before_the_talk_is_refused(self) -> None:
        """The manager types a follow-up date before the talk: the page says what to fix, at the
        field, keeps everything typed, and saves nothing. (Last, so that a failure here does not
        hide the rest of the journey.)"""
        page = self.pages["manager"]
        menu(page, "Mina medarbetare").click()
        page.get_by_role("link", name=EMPLOYEE.name, exact=True).click()
        page.get_by_role("link", name="Skriv anteckningar och plan").click()
        section = next(s for s in self.question_set.sections if s.has_fields)
        note = page.get_by_label(f"Anteckningar: {section.title}", exact=True)
        unsaved = "Den här ändringen ska finnas kvar i formuläret men inte sparas."
        note.fill(unsaved)
        grid = self.template.grids[0]
        column = next(c for c in grid.columns if c.kind == "date")
        day = self.row(page, grid.title, 2).get_by_label(column.label, exact=True)
        day.fill((self.talk_day - timedelta(days=1)).isoformat())
        page.get_by_role("button", name="Spara", exact=True).first.click()
        expect(page.get_by_role("alert")).to_contain_text(
            "Datumet för genomförande och uppföljning kan inte vara före samtalet."
        )
        day = self.row(page, grid.title, 2).get_by_label(column.label, exact=True)
        expect(day).to_have_attribute("aria-invalid", "true")
        expect(page.get_by_label(f"Anteckningar: {section.title}", exact=True)).to_have_value(
            unsaved
        )
        self.check(page, "chef-plan-fel-datum-fore-samtalet")
        page.get_by_role("link", name="Tillbaka till samtalet").click()
        page.get_by_role("link", name="Skriv anteckningar och plan").click()
        expect(main(page)).to_contain_text(f"Version {self.signed_version}, underskriven av båda.")
        expect(page.get_by_label(f"Anteckningar: {section.title}", exact=True)).to_have_value(
            self.notes[section.id]
        )

    # Old links and signing out ------------------------------------------------------------------
    def old_links_and_signing_out(self) -> None:
        """A used and an expired link explain themselves; signing out ends the session."""
        page = self.context().new_page()
        response = page.goto(self.employee_link)
        assert response is not None and response.status == 400
        expect(page.get_by_text("Länken har redan använts.")).to_be_visible()
        self.check(page, "lank-redan-anvand")
        expired = self.service.issue_link(EMPLOYEE.email, FORMSERVER_SIGN_IN_LINK_DAYS="0")
        response = page.goto(expired)
        assert response is not None and response.status == 400
        expect(heading(page)).to_have_text("Länken fungerar inte")
        expect(page.get_by_text("Länken har gått ut.")).to_be_visible()
        self.check(page, "lank-har-gatt-ut")

        employee = self.pages["employee"]
        employee.get_by_role("button", name="Logga ut").click()
        expect(heading(employee)).to_have_text("Du är utloggad")
        self.check(employee, "utloggad")
        employee.goto(self.talk_url)
        expect(heading(employee)).to_have_text("Du behöver logga in")
        self.check(employee, "inloggning-kravs")


@pytest.mark.parametrize("journey_id", list(JOURNEYS))
def test_the_whole_journey(
    journey_id: str,
    start_service: Callable[[str], Service],
    new_browser_context: Callable[..., BrowserContext],
    a11y: Accessibility,
) -> None:
    js, question_set, template = JOURNEYS[journey_id]
    service = start_service(journey_id)
    if not js:
        a11y.checker = new_browser_context().new_page()
    journey = Journey(
        service,
        new_browser_context,
        a11y,
        js,
        SITE.question_sets[question_set],
        SITE.plan_templates[template],
    )
    try:
        journey.hr_imports_roster_and_opens_round()
        journey.manager_signs_in_by_mail_and_calls()
        journey.employee_follows_the_mail_and_prepares()
        journey.manager_prepares_and_both_see_both()
        journey.manager_records_the_talk()
        journey.both_sign_and_sign_again_after_a_change()
        journey.downloads_hold_what_was_typed()
        journey.hr_sees_coverage_but_no_content()
        journey.old_links_and_signing_out()
        journey.a_date_before_the_talk_is_refused()
    except Exception as error:
        error.add_note(f"Serverns logg (slutet):\n{service.log_tail()}")
        if a11y.problems:
            error.add_note(a11y.report())
        raise
    assert not a11y.problems, a11y.report()


def test_the_journeys_fill_every_kind_of_field() -> None:
    kinds = {q.kind for _, qs, _ in JOURNEYS.values() for q in SITE.question_sets[qs].questions()}
    assert kinds == set(ANSWER_KINDS)
    policies = {s.policy for _, qs, _ in JOURNEYS.values() for s in SITE.question_sets[qs].sections}
    assert policies == {"documented", "optional", "never"}
    for _, _, template in JOURNEYS.values():
        columns = {c.kind for g in SITE.plan_templates[template].grids for c in g.columns}
        assert "date" in columns
