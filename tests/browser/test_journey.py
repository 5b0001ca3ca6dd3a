"""The whole journey in Debian's Chromium against the real service (issue 5), with JavaScript on
and, again from scratch, with JavaScript off.

HR imports the roster and opens a round; the manager signs in with a link from e-mail and calls the
employee; days before the talk the timer's `send-reminders` reminds her once; she follows the link
in the invitation, saves a draft, leaves, comes back, fills every field and submits; the manager
prepares; both see both preparations; at the talk the manager writes notes and a plan with several
rows and marks the talk held; both sign; a change makes a new version: the employee is told by
e-mail, follows its fresh link, sees what changed and signs again; the downloads hold what was
typed; HR's coverage shows the talk as signed and none of its content; the manager calls, moves and
cancels a colleague's talk, and each e-mail's calendar file updates the same entry. On the way: a
validation error, a conflict, a 403, a 404, a used and an expired link. Every page and state is
checked with axe (WCAG 2.0–2.2 A, AA) and saved as a screenshot in test-artifacts/browser/.

Elements are found by their visible Swedish labels and roles, as a person finds them.
"""

from __future__ import annotations

from collections.abc import Callable

import pytest
from playwright.sync_api import BrowserContext

from formserver.siteconfig.model import ANSWER_KINDS
from tests.browser.checks import Accessibility
from tests.browser.journey_base import JOURNEYS, SITE
from tests.browser.journey_calendar import CalendarSteps
from tests.browser.journey_preparation import PreparationSteps
from tests.browser.journey_reminders import ReminderSteps
from tests.browser.journey_talk import TalkSteps
from tests.browser.support import Service


class Journey(PreparationSteps, ReminderSteps, TalkSteps, CalendarSteps):
    """One run of the whole journey (its steps are in journey_preparation, journey_reminders,
    journey_talk and journey_calendar)."""


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
        journey.the_timer_reminds_the_employee_once()
        journey.employee_follows_the_mail_and_prepares()
        journey.manager_prepares_and_both_see_both()
        journey.manager_records_the_talk()
        journey.both_sign_and_sign_again_after_a_change()
        journey.downloads_hold_what_was_typed()
        journey.hr_sees_coverage_but_no_content()
        journey.manager_moves_and_cancels_a_talk()
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
