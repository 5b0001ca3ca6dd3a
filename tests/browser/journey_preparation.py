"""Journey steps 1–4: HR opens the round, the manager calls, both prepare."""

from __future__ import annotations

from datetime import timedelta

from playwright.sync_api import Page, expect

from tests.browser.journey_base import (
    MESSAGE,
    PLACE,
    WORDS,
    JourneyBase,
    assert_nothing_to_fill_in_never_sections,
    coverage_row,
    fill_preparation,
    heading,
    main_text,
    menu,
    seen_in,
)
from tests.browser.support import (
    EMPLOYEE,
    EVERYONE,
    HR,
    MANAGER,
    roster_csv,
    today,
)


class PreparationSteps(JourneyBase):
    """From the roster to both preparations."""

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
        # Due, then each at their status: both "Ej kallad".
        assert coverage_row(page, MANAGER.name) == [
            *(MANAGER.unit, MANAGER.name, "2", "2", "0", "0", "0", "0", "0")
        ]
        self.check(page, "hr-samtalsomgang-oppnad")

        # The same round twice is a conflict, explained next to the field.
        menu(page, "HR").click()
        page.get_by_role("link", name="Öppna en samtalsomgång").click()
        self.open_round(page)
        expect(page.get_by_role("alert")).to_contain_text(
            "Det finns redan en samtalsomgång för det året med det frågeunderlaget."
        )
        self.check(page, "hr-samtalsomgang-finns-redan")

    def open_round(self, page: Page) -> None:
        """Fill in and send the form for a new round."""
        page.get_by_label("År", exact=True).fill(str(self.year))
        page.get_by_label("Frågeunderlag", exact=True).select_option(label=self.question_set.title)
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
        page.get_by_role("button", name="Spara utkast").last.click()
        expect(page.get_by_role("status")).to_have_text("Utkastet är sparat.")
        self.check(page, "medarbetare-utkast-sparat")

        # The same form in a second tab, saved there first: no overwriting, the text stays.
        other = context.new_page()
        other.goto(page.url)
        other.get_by_label(texts[1].text, exact=True).fill("Skrivet i den andra fliken.")
        other.get_by_role("button", name="Spara utkast").last.click()
        expect(other.get_by_role("status")).to_have_text("Utkastet är sparat.")
        page.get_by_role("button", name="Spara utkast").last.click()
        expect(
            page.get_by_role("heading", name="Förberedelsen har ändrats på annat håll")
        ).to_be_visible()
        expect(page.get_by_label(texts[0].text, exact=True)).to_have_value(draft)
        self.check(page, "medarbetare-forberedelse-konflikt")
        page.get_by_role("button", name="Spara utkast").last.click()
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
        # The calendar entry outlives the single-use link: it links to the talk's page.
        unfolded = ics.replace("\r\n ", "").replace("\n ", "")
        assert "/logga-in/" not in unfolded and self.talk_url in unfolded

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
        for answer in [*seen_in(self.employee_answers, "sv"), *manager_answers]:
            assert answer in text, answer
        self.check(page, "chef-ser-bada-forberedelserna")

        employee = self.pages["employee"]
        employee.reload()
        theirs = WORDS[self.employee_language]["manager_preparation"]
        expect(employee.get_by_role("heading", name=theirs)).to_be_visible()
        text = main_text(employee)
        for answer in [*self.employee_answers, *seen_in(manager_answers, self.employee_language)]:
            assert answer in text, answer
        self.check(employee, "medarbetare-ser-bada-forberedelserna")
