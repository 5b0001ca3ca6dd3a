"""A value a form cannot read gets one message, ours, that says what to write: never
WTForms' generic fallback ("Inte ett giltigt heltal") joined to it."""

from __future__ import annotations

import pytest
from flask import Flask

from tests.factories import SignIn, csrf_token, talk_of
from tests.views.call_helpers import in_days, post_call
from tests.views.soup import one, parse, text_of

GENERIC = ("Inte ett giltigt", "Not a valid", "giltigt heltal", "tidsvärde")


def messages(html: str) -> dict[str, str]:
    """The error summary's messages by the field they link to."""
    summary = one(parse(html), "div", class_="error-summary")
    return {str(a["href"]).lstrip("#"): text_of(a) for a in summary.find_all("a")}


@pytest.mark.parametrize(
    ("field", "typed", "expected"),
    [
        (
            "duration",
            "45 min",
            "Längd i minuter: Skriv längden i hela minuter med siffror, till exempel 45.",
        ),
        (
            "duration",
            "4.5",
            "Längd i minuter: Skriv längden i hela minuter med siffror, till exempel 45.",
        ),
        ("start", "kl tio", "Tid: Skriv tiden som TT:MM, till exempel 09:30."),
        ("start", "25:00", "Tid: Skriv tiden som TT:MM, till exempel 09:30."),
    ],
)
def test_the_call_form_says_once_what_to_write(
    app: Flask, signed_in: SignIn, field: str, typed: str, expected: str
) -> None:
    talk = talk_of(app, "employee_a")

    response = post_call(signed_in("manager"), talk.id, in_days(30), **{field: typed})

    assert response.status_code == 400
    assert messages(response.text) == {field: expected}
    assert not any(generic in response.text for generic in GENERIC)


def test_a_time_written_the_swedish_way_is_read(app: Flask, signed_in: SignIn) -> None:
    talk = talk_of(app, "employee_a")

    assert post_call(signed_in("manager"), talk.id, in_days(30), start="9.30").status_code == 200


@pytest.mark.parametrize(
    ("changed", "expected"),
    [
        (
            {"year": "tjugotjugosju"},
            {"year": "År: Skriv året med fyra siffror, till exempel 2027."},
        ),
        (
            {"question_set": "finns-inte"},
            {"question_set": "Frågeunderlag: Välj ett av frågeunderlagen i listan."},
        ),
        (
            {"plan_template": "finns-inte"},
            {"plan_template": "Planmall: Välj en av planmallarna i listan."},
        ),
    ],
)
def test_the_round_form_says_once_what_to_write(
    signed_in: SignIn, changed: dict[str, str], expected: dict[str, str]
) -> None:
    hr = signed_in("hr")
    path = "/hr/samtalsomgangar/ny"
    data = {
        "csrf_token": csrf_token(hr.get(path).text),
        "year": "2031",
        "question_set": "rutin",
        "plan_template": "handlingsplan",
        **changed,
    }

    response = hr.post(path, data=data)

    assert response.status_code == 400
    assert messages(response.text) == expected
    assert not any(generic in response.text for generic in GENERIC)
