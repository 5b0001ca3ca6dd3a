"""The reminder days and who may add short employments: read from policies.yml, checked on load."""

from __future__ import annotations

import pytest

from formserver.siteconfig import ConfigError, SiteConfig, load_site_config
from tests.factories import BreakConfig


def test_the_shipped_policies_give_the_reminder_days(site_config: SiteConfig) -> None:
    reminders = site_config.policies.reminders
    assert (reminders.preparation_days_before, reminders.unsigned_days_after) == (3, 7)
    assert reminders.not_called_weeks == 4
    assert site_config.policies.managers_may_add_short_employments is False


@pytest.mark.parametrize(
    ("old", "new", "message"),
    [
        (
            "preparation_days_before: 3",
            "preparation_days_before: tre",
            "site_config/policies.yml, rad 27, fält reminders.preparation_days_before: Ska vara "
            "ett heltal, men är text.",
        ),
        (
            "unsigned_days_after: 7",
            "unsigned_days_after: 0",
            "site_config/policies.yml, rad 29, fält reminders.unsigned_days_after: Ska vara minst "
            "1, men är 0.",
        ),
        (
            "  not_called_weeks: 4",
            "  not_called_veckor: 4",
            "fält reminders.not_called_weeks: Fältet saknas. Lägg till det.",
        ),
        (
            "managers_may_add_short_employments: false",
            "managers_may_add_short_employments: nej",
            "site_config/policies.yml, rad 21, fält managers_may_add_short_employments: Ska vara "
            "true eller false, men är text.",
        ),
    ],
)
def test_a_wrong_reminder_value_names_file_line_and_key(
    broken_config: BreakConfig, old: str, new: str, message: str
) -> None:
    root = broken_config("policies.yml", old, new)
    with pytest.raises(ConfigError) as caught:
        load_site_config(root)
    assert message in str(caught.value)
