"""The journey's reminders: `formserver send-reminders` run as the daily timer runs it."""

from __future__ import annotations

from datetime import datetime, time, timedelta

from formserver.common.clock import STOCKHOLM
from tests.browser.journey_base import SITE, JourneyBase
from tests.browser.support import EMPLOYEE


class ReminderSteps(JourneyBase):
    def the_timer_reminds_the_employee_once(self) -> None:
        """3b. Days before the talk the timer's run reminds the employee, who has not submitted
        her preparation, by e-mail with a sign-in link; a second run the same morning sends
        nothing."""
        days = SITE.policies.reminders.preparation_days_before
        morning = datetime.combine(self.talk_day - timedelta(days=days), time(7, 30), STOCKHOLM)
        subject = "Påminnelse: förbered ditt medarbetarsamtal"

        # The day before, nothing is due yet.
        earlier = self.service.cli("send-reminders", at=morning - timedelta(days=1))
        assert EMPLOYEE.email not in earlier, earlier

        first = self.service.cli("send-reminders", at=morning)
        assert f"{EMPLOYEE.name} <{EMPLOYEE.email}>" in first, first
        assert "/logga-in/" not in first, "no link in the command's output"
        again = self.service.cli("send-reminders", at=morning + timedelta(hours=1))
        assert "Inga påminnelser att skicka." in again, again

        reminder = self.service.wait_for_mail(EMPLOYEE.email, subject)
        reminded = [m for m in self.service.mail.messages if subject in str(m["Subject"])]
        assert len([m for m in reminded if EMPLOYEE.email in str(m["To"])]) == 1
        body = reminder.get_body(preferencelist=("plain",))
        assert body is not None and "inte skickat in din förberedelse" in body.get_content()

        # The link is made at the command's (travelled) moment, so the service, living in the
        # present, would refuse it as not yet valid; that it signs in to the preparation is
        # tested with the clock moved for both (tests/cli/test_send_reminders.py).
        assert self.service.link_in(reminder).startswith(f"{self.service.url}/logga-in/")
