"""Property tests: any follow-up, call and signature comment is saved normalised or refused."""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest
from hypothesis import example, given
from hypothesis import strategies as st

from formserver.common.clock import local_today
from formserver.common.text import clean_line, clean_text
from formserver.store import plans as plan_store
from formserver.store.talks import get_talk
from tests.bad_input_helpers import ENGLISH, SWEDISH, input_value, message_of, textarea
from tests.bad_input_targets import Target, signature_target
from tests.factories import ROW, conn, signer, talk_by_year
from tests.properties_helpers import (
    PROPERTY,
    SHORT,
    TEXT_LIMIT,
    Service,
    assert_field_error,
    assert_not_500,
    differ,
    texts,
)

# --- the follow-up: every row's status and result -------------------------------------------------

STATUSES = list(plan_store.FOLLOWUP_STATUSES)


@PROPERTY
@example(status="klar", text="x" * (TEXT_LIMIT + 1))
@example(status="ogiltig", text="Sa\u030ang\u202e\u200b")
@given(
    status=st.one_of(st.sampled_from(STATUSES), st.sampled_from(["", "KLAR", " klar"]), SHORT),
    text=texts(),
)
def test_any_follow_up_is_saved_normalised_or_refused(
    service: Service, status: str, text: str
) -> None:
    app = service.app
    talk = talk_by_year(app, "employee_b")

    def stored() -> Any:
        return plan_store.followups(conn(app), talk.id, signer(app, "followup")).get(ROW)

    before = stored()
    response = service.post(
        "employee_b",
        f"/samtal/{talk.id}/uppfoljning",
        {
            f"status_{ROW}": status,
            f"result_{ROW}": text,
            f"version_{ROW}": str(before.version if before else 0),
        },
    )

    assert_not_500(response)
    after = stored()
    if response.status_code == 302:
        assert after is not None
        assert after.status == status
        assert after.result == clean_text(text), differ(after.result, clean_text(text))
    else:
        assert response.status_code == 400
        if status not in STATUSES:
            assert "Välj en status i listan." in message_of(response.text)
        if len(clean_text(text)) > TEXT_LIMIT:
            assert_field_error(response.text, f"result_{ROW}")
        assert textarea(response.text, f"result_{ROW}") == clean_text(text)
        assert after == before


# --- the call: date, time, length, place and message ----------------------------------------------


@PROPERTY
@example(day="2030-01-01", start="10:00", duration="60", place="Rum\r\nBcc: x", message="")
@example(day="9999-12-31", start="10:00", duration="60", place="Rum", message="")
@given(
    day=st.one_of(
        st.dates(min_value=local_today(), max_value=date(9999, 12, 31)).map(date.isoformat),
        st.sampled_from(["2026-02-30", "9999-12-31", "", "i morgon"]),
        SHORT,
    ),
    start=st.one_of(st.sampled_from(["10:00", "00:00", "23:59", "24:00", "9", ""]), SHORT),
    duration=st.one_of(st.integers(-10, 600).map(str), SHORT),
    place=texts(300),
    message=texts(2000),
)
def test_any_call_is_recorded_normalised_or_refused(
    service: Service, day: str, start: str, duration: str, place: str, message: str
) -> None:
    app = service.app
    talk = talk_by_year(app, "employee_b")
    version = talk.version

    response = service.post(
        "manager",
        f"/samtal/{talk.id}/kalla",
        {
            "version": str(version),
            "day": day,
            "start": start,
            "duration": duration,
            "place": place,
            "message": message,
            "short_notice_ok": "y",
        },
    )

    assert_not_500(response)
    after = get_talk(conn(app), talk.id)
    assert after is not None
    if response.status_code == 200:
        assert after.place == clean_line(place), differ(after.place, clean_line(place))
        assert after.version == version + 1
        # What was accepted must work everywhere it goes: the calendar file too.
        assert_not_500(service.browser("manager").get(f"/samtal/{talk.id}/kallelse.ics"))
    else:
        assert response.status_code == 400
        assert 'class="field-error"' in response.text
        message_shown = message_of(response.text)
        assert SWEDISH.search(message_shown) and not ENGLISH.search(message_shown)
        assert input_value(response.text, "place") == clean_line(place)
        assert textarea(response.text, "message") == clean_text(message)
        assert after.version == version


# --- the signature comment ------------------------------------------------------------------------


@pytest.fixture(scope="module")
def signature(service: Service) -> Target:
    """Employee C signs their plan (talk held); each example gets a version nobody signed."""
    return signature_target(service.app, "employee_c")


@PROPERTY
@example(text="Sa\u030ang\u202e\u200b\r\n<b>{{ config }}</b>")
@example(text="x" * 2001)
@given(text=texts(2000))
def test_any_signature_comment_is_saved_normalised_or_refused(
    service: Service, signature: Target, text: str
) -> None:
    signature.fresh()
    before = signature.read()

    response = signature.post(text)

    assert_not_500(response)
    if response.status_code == 302:
        saved = signature.read()
        assert saved == clean_text(text), differ(saved, clean_text(text))
    else:
        assert response.status_code == 400
        assert_field_error(response.text, "comment")
        assert textarea(response.text, "comment") == clean_text(text)
        assert signature.read() == before
