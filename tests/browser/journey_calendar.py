"""Journey step: the manager calls, moves and cancels a talk; the calendar files the employee
gets are read as a calendar reads them (same UID, higher SEQUENCE, newer DTSTAMP, CANCEL)."""

from __future__ import annotations

from datetime import timedelta
from email.message import EmailMessage

from icalendar import Calendar, Event
from playwright.sync_api import Page, expect

from tests.browser.journey_base import JourneyBase, heading, main, menu
from tests.browser.support import COLLEAGUE, MANAGER, today


def calendar_in(message: EmailMessage) -> tuple[Calendar, Event]:
    """The attached calendar and its one event, as a calendar program reads them."""
    [attachment] = list(message.iter_attachments())
    assert attachment.get_content_type() == "text/calendar"
    payload = attachment.get_payload(decode=True)
    assert isinstance(payload, bytes)
    calendar = Calendar.from_ical(payload)
    [event] = calendar.events
    return calendar, event


class CalendarSteps(JourneyBase):
    """Calling, moving and cancelling a talk, and what reaches the employee's calendar."""

    def team_link(self, page: Page, name: str) -> None:
        menu(page, "Mina medarbetare").click()
        page.get_by_role("link", name=name, exact=True).click()

    def manager_moves_and_cancels_a_talk(self) -> None:
        """The manager calls Olle, moves the talk, then cancels it; each e-mail's .ics updates
        the same calendar entry."""
        page = self.pages["manager"]
        self.team_link(page, f"Kalla {COLLEAGUE.name}")
        first_day = today() + timedelta(days=28)
        page.get_by_label("Datum", exact=True).fill(first_day.isoformat())
        page.get_by_label("Tid", exact=True).fill("09:00")
        page.get_by_label("Längd i minuter").fill("45")
        page.get_by_label("Plats eller videolänk").fill("Rum Linden")
        page.get_by_role("button", name="Kalla", exact=True).click()
        expect(heading(page)).to_have_text(f"{COLLEAGUE.name} är kallad")
        invitation = self.service.wait_for_mail(COLLEAGUE.email, "Kallelse till medarbetarsamtal")
        _, first = calendar_in(invitation)
        description = str(first["DESCRIPTION"])
        assert "/logga-in/" not in description, "kalendern ska inte ha inloggningslänken"
        assert f"{self.service.url}/samtal/" in description
        assert first["SEQUENCE"] == 0

        page.wait_for_timeout(1100)  # DTSTAMP counts whole seconds
        self.team_link(page, f"Flytta samtalet med {COLLEAGUE.name}")
        expect(heading(page)).to_have_text(f"Flytta samtalet med {COLLEAGUE.name}")
        self.check(page, "chef-flytta-samtalet")
        new_day = first_day + timedelta(days=1)
        page.get_by_label("Datum", exact=True).fill(new_day.isoformat())
        page.get_by_label("Plats eller videolänk").fill("Rum Björken")
        page.get_by_role("button", name="Flytta samtalet", exact=True).click()
        expect(heading(page)).to_have_text(f"Samtalet med {COLLEAGUE.name} är flyttat")
        expect(page.get_by_role("status")).to_contain_text("ersätter den gamla")
        self.check(page, "chef-samtalet-flyttat")
        moved_mail = self.service.wait_for_mail(COLLEAGUE.email, "är flyttat")
        body = moved_mail.get_body(preferencelist=("plain",))
        assert body is not None and "Var: Rum Björken" in body.get_content()
        calendar, moved = calendar_in(moved_mail)
        assert calendar["METHOD"] == "REQUEST"
        assert moved["UID"] == first["UID"]
        assert moved["SEQUENCE"] == 1
        assert moved["DTSTAMP"].dt > first["DTSTAMP"].dt
        assert moved.start.date() == new_day
        assert str(moved["LOCATION"]) == "Rum Björken"

        page.wait_for_timeout(1100)
        self.team_link(page, f"Ställ in samtalet med {COLLEAGUE.name}")
        expect(heading(page)).to_have_text(f"Ställ in samtalet med {COLLEAGUE.name}")
        self.check(page, "chef-stall-in-samtalet")
        page.get_by_label("Meddelande till medarbetaren (valfritt)").fill("Vi hörs om en ny tid.")
        page.get_by_role("button", name="Ställ in samtalet", exact=True).click()
        expect(heading(page)).to_have_text(f"Samtalet med {COLLEAGUE.name} är inställt")
        expect(page.get_by_role("status")).to_contain_text(COLLEAGUE.email)
        self.check(page, "chef-samtalet-installt")
        cancelled_mail = self.service.wait_for_mail(COLLEAGUE.email, "är inställt")
        body = cancelled_mail.get_body(preferencelist=("plain",))
        assert body is not None and "Vi hörs om en ny tid." in body.get_content()
        assert f"{MANAGER.name} har ställt in ditt medarbetarsamtal" in body.get_content()
        calendar, cancelled = calendar_in(cancelled_mail)
        assert calendar["METHOD"] == "CANCEL"
        assert cancelled["STATUS"] == "CANCELLED"
        assert cancelled["UID"] == first["UID"]
        assert cancelled["SEQUENCE"] == 2
        assert cancelled["DTSTAMP"].dt > moved["DTSTAMP"].dt

        menu(page, "Mina medarbetare").click()
        row = main(page).get_by_role("row").filter(has_text=COLLEAGUE.name)
        expect(row).to_contain_text("Ej kallad")
        expect(row.get_by_role("link", name=f"Kalla {COLLEAGUE.name}")).to_be_visible()
