"""Every audit code the service can write reads as Swedish in a person's registerutdrag."""

from __future__ import annotations

from formserver.recordkeeping.audit_texts import (
    ACTIONS,
    OUTCOMES,
    describe_action,
    describe_outcome,
)
from tests.recordkeeping.audit_codes import written_codes


def test_every_action_the_code_can_write_has_a_swedish_description() -> None:
    actions, _ = written_codes()

    assert {"plan.sign", "sign_in", "talk.call", "route:", "person.grant_hr"} <= actions
    assert sorted(actions - set(ACTIONS)) == []


def test_every_outcome_the_code_can_write_has_a_swedish_description() -> None:
    _, outcomes = written_codes()

    assert {"ok", "denied", "refused", "rate_limited", "sso_only", "no_match"} <= outcomes
    assert sorted(outcomes - set(OUTCOMES)) == []


def test_no_description_is_left_over_from_a_code_that_is_gone() -> None:
    actions, outcomes = written_codes()

    assert sorted(set(ACTIONS) - actions) == []
    assert sorted(set(OUTCOMES) - outcomes) == []


def test_a_description_is_a_swedish_sentence_not_a_code() -> None:
    for text in [*ACTIONS.values(), *OUTCOMES.values()]:
        assert text[0].isupper() and "_" not in text and "." not in text, text
    assert describe_action("route:talks.overview") == ACTIONS["route:"]
    assert describe_action("plan.sign") == "Underskrift av planen"
    assert describe_outcome("rate_limited") == "Stoppat: för många försök på kort tid"
