"""Journey steps 5–8: the talk, both sign, downloads, coverage; and the error states."""

from __future__ import annotations

import re
from datetime import timedelta

from playwright.sync_api import Locator, Page, expect

from tests.browser.checks import pdf_text, read_csv, squash
from tests.browser.journey_base import (
    MESSAGE,
    PHRASES,
    PLACE,
    WORDS,
    JourneyBase,
    assert_nothing_to_fill_in_never_sections,
    coverage_row,
    heading,
    main,
    main_text,
    menu,
)
from tests.browser.support import COLLEAGUE, EMPLOYEE, MANAGER, sign_in_by_link


class TalkSteps(JourneyBase):
    """From the talk to the signed plan and what HR sees."""

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

        # The talk is booked three weeks ahead: marking it held now asks to confirm.
        page.get_by_role("button", name="Markera samtalet som genomfört").click()
        expect(page.get_by_role("heading", name="Samtalet är bokat om 21 dagar")).to_be_visible()
        self.check(page, "chef-genomfort-fore-bokat-datum")
        page.get_by_label(
            "Ja, samtalet är genomfört, fast det var bokat till ett senare datum"
        ).check()
        page.get_by_role("button", name="Markera samtalet som genomfört").click()
        expect(main(page)).to_contain_text("Status: Genomförd.")
        self.check(page, "chef-samtalet-genomfort")

    def talk_link(self, page: Page, language: str = "sv") -> Locator:
        """The start page's link to the employee's talk."""
        name = WORDS[language]["talk_link"].format(year=self.year, manager=MANAGER.name)
        return page.get_by_role("link", name=name)

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

        # She is told by e-mail, with a fresh link (her earlier ones are used up), and sees
        # what changed since she signed.
        told = self.service.wait_for_mail(EMPLOYEE.email, "väntar på din underskrift")
        told_body = told.get_body(preferencelist=("plain",))
        assert told_body is not None
        told_text = " ".join(told_body.get_content().split())
        assert f"Version {first + 1} av planen väntar nu på din underskrift." in told_text
        from_mail = sign_in_by_link(self.context(), self.service.link_in(told))
        expect(heading(from_mail)).to_have_text(
            f"Anteckningar och plan: {EMPLOYEE.name}, {self.year}"
        )
        changed = from_mail.get_by_role("table", name="Det här har ändrats sedan du skrev under")
        expect(changed).to_contain_text(self.old_note)
        expect(changed).to_contain_text(self.notes[section.id])
        self.check(from_mail, "medarbetare-ny-version-fran-e-post")
        self.employee_comment = "Medarbetarens kommentar: bra att kursen flyttas."
        self.typed += [self.employee_comment]
        assert self.sign(from_mail, self.employee_comment) == first + 1
        from_mail.context.close()
        employee.reload()
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

    def sign(self, page: Page, comment: str, language: str = "sv") -> int:
        """Sign the version shown; returns its number."""
        words = WORDS[language]
        button = page.get_by_role("button", name=re.compile(rf"^{words['sign']} \d+$"))
        number = int(button.inner_text().rsplit(" ", 1)[1])
        if comment:
            page.get_by_label(words["signature_comment"]).fill(comment)
        button.click()
        expect(page.get_by_role("status")).to_have_text(words["signed"])
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
                *(EMPLOYEE.name, EMPLOYEE.unit, "Underskriven av båda"),
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
        # Due 2: Olle not called, Anna signed by both (one status vocabulary, each once).
        counts = ["2", "1", "0", "0", "0", "0", "1"]
        assert coverage_row(page, MANAGER.name) == [MANAGER.unit, MANAGER.name, *counts]
        people = page.get_by_role("table", name=f"Personer i {MANAGER.unit}", exact=True)
        expect(people.get_by_role("row").filter(has_text=EMPLOYEE.name)).to_contain_text(
            "Underskriven av båda"
        )
        expect(people.get_by_role("row").filter(has_text=COLLEAGUE.name)).to_contain_text(
            "Ej kallad"
        )
        html = page.content()
        shown = [t for t in [*self.typed, *self.notes.values(), PLACE, MESSAGE] if t in html]
        assert not shown, f"HR ser innehåll: {shown}"
        self.check(page, "hr-tackning")
        with page.expect_download() as download:
            page.get_by_role("link", name="Ladda ner tabellen som CSV").click()
        rows = read_csv(self.save(download.value, "hr"))
        assert [MANAGER.unit, MANAGER.name, *counts] in rows

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
