"""Property tests: any preparation, note, plan cell, date or yes/no item is saved or refused."""

from __future__ import annotations

import re
from datetime import date
from typing import Any

from hypothesis import example, given
from hypothesis import strategies as st
from werkzeug.test import TestResponse

from formserver.common.text import clean_text
from formserver.services.planning import check_questions, note_sections
from formserver.store.preparations import get_preparation
from tests.bad_input_helpers import input_value, textarea
from tests.factories import ROW, conn, latest_plan, signer, talk_by_year
from tests.properties_helpers import (
    PROPERTY,
    SHORT,
    SITE,
    TALK_DAY,
    TEXT_LIMIT,
    YEARS,
    Service,
    assert_field_error,
    assert_not_500,
    differ,
    texts,
)

# --- the preparation: every text field and comment, every choice ----------------------------------


def _prep_fields() -> tuple[list[tuple[int, str, str, str]], list[tuple[int, str, str, list[str]]]]:
    text_fields, choice_fields = [], []
    for year, set_id in YEARS.items():
        question_set = SITE.question_sets[set_id]
        for q in question_set.questions():
            if q.kind == "text":
                text_fields.append((year, f"q_{q.id}", q.id, "value"))
                continue
            text_fields.append((year, f"c_{q.id}", q.id, "comment"))
            if q.kind == "scale":
                assert question_set.scale is not None
                choices = [str(v) for v in question_set.scale.values]
            else:
                choices = ["ja", "nej"]
            choice_fields.append((year, f"q_{q.id}", q.id, choices))
    return text_fields, choice_fields


PREP_TEXT, PREP_CHOICE = _prep_fields()


def _prepare(service: Service, year: int, fields: dict[str, str]) -> tuple[Any, TestResponse, Any]:
    app = service.app
    talk = talk_by_year(app, "employee_a", year)

    def stored() -> Any:
        return get_preparation(conn(app), talk.id, "employee", signer(app, "preparation"))

    before = stored()
    response = service.post(
        "employee_a",
        f"/samtal/{talk.id}/forberedelse",
        {"version": str(before.version if before else 0), "action": "spara", **fields},
    )
    return before, response, stored()


@PROPERTY
@example(target=PREP_TEXT[0], text="Sa\u030ang\u202e\u200b\r\n<b>{{ config }}</b>")
@example(target=PREP_TEXT[0], text="x" * (TEXT_LIMIT + 1))
@given(target=st.sampled_from(PREP_TEXT), text=texts())
def test_any_text_in_a_preparation_field_is_saved_normalised_or_refused(
    service: Service, target: tuple[int, str, str, str], text: str
) -> None:
    year, name, question, key = target

    before, response, after = _prepare(service, year, {name: text})

    assert_not_500(response)
    if response.status_code == 302:
        saved = after.answers.get(question, {}).get(key, "") if after else ""
        assert saved == clean_text(text), differ(saved, clean_text(text))
    else:
        assert response.status_code == 400
        assert_field_error(response.text, name)
        assert textarea(response.text, name) == clean_text(text)
        assert after == before


@PROPERTY
@example(target=PREP_CHOICE[0], text="6", pick=2)
@example(target=PREP_CHOICE[-1], text=" ", pick=2)
@given(
    target=st.sampled_from(PREP_CHOICE),
    text=st.one_of(
        st.sampled_from(
            ["", " ", "\t", "\u3000", " 3", "3 ", "JA", "Ja", "ja ", "0", "6", "nej\x00"]
        ),
        SHORT,
    ),
    pick=st.integers(0, 4),
)
def test_any_value_of_a_choice_is_a_listed_choice_or_refused(
    service: Service, target: tuple[int, str, str, list[str]], text: str, pick: int
) -> None:
    year, name, question, choices = target
    value = choices[pick % len(choices)] if pick < 2 else text

    before, response, after = _prepare(service, year, {name: value})

    assert_not_500(response)
    saved = after.answers.get(question, {}).get("value", "") if after else ""
    if response.status_code == 302:
        assert saved == (value if value in choices else ""), f"stored {saved!r} for {value!r}"
    else:
        assert response.status_code == 400
        assert_field_error(response.text, name)
        assert after == before


# --- the record of the talk: notes, plan cells, dates, yes/no items -------------------------------


def _plan_fields() -> tuple[list[tuple[int, str]], list[tuple[int, str]], list[tuple[int, str]]]:
    text_fields: list[tuple[int, str]] = []
    date_fields: list[tuple[int, str]] = []
    check_fields: list[tuple[int, str]] = []
    for year, set_id in YEARS.items():
        question_set = SITE.question_sets[set_id]
        template = SITE.plan_templates[question_set.plan_template]
        text_fields += [(year, f"note_{s.id}") for s in note_sections(question_set)]
        for grid in template.grids:
            for column in grid.columns:
                name = f"cell_{grid.id}_{ROW}_{column.id}"
                (date_fields if column.kind == "date" else text_fields).append((year, name))
                if column.kind == "result":
                    RESULT_FIELDS.add(name)
        check_fields += [(year, f"check_{q.id}") for q in check_questions(question_set)]
    return text_fields, date_fields, check_fields


# "Hur blev resultatet?" is written at the follow-up: a value posted with the plan is left out.
RESULT_FIELDS: set[str] = set()
PLAN_TEXT, PLAN_DATE, PLAN_CHECK = _plan_fields()


def _stored_plan_value(content: dict[str, Any], name: str) -> str:
    kind, _, rest = name.partition("_")
    if kind == "note":
        return str(content["notes"].get(rest, ""))
    if kind == "check":
        return str(content["checks"].get(rest, ""))
    grid_id, _, column = rest.partition(f"_{ROW}_")
    rows = [r for r in content["grids"].get(grid_id, []) if r["row_id"] == ROW]
    return str(rows[0].get(column, "")) if rows else ""


def _save_plan(service: Service, year: int, name: str, value: str) -> tuple[Any, TestResponse, Any]:
    app = service.app
    talk = talk_by_year(app, "employee_a", year)
    template = SITE.plan_templates[SITE.question_sets[YEARS[year]].plan_template]
    before = latest_plan(app, talk)
    response = service.post(
        "manager",
        f"/samtal/{talk.id}/plan",
        {
            "number": str(before.number if before else 0),
            "edits": str(before.edits if before else 0),
            "action": "spara",
            **{f"rows_{grid.id}": ROW for grid in template.grids},
            name: value,
        },
    )
    return before, response, latest_plan(app, talk)


@PROPERTY
@example(target=PLAN_TEXT[0], text="Sa\u030ang\u202e\u200b\r\n<b>{{ config }}</b>")
@example(target=PLAN_TEXT[0], text="x" * (TEXT_LIMIT + 1))
@given(target=st.sampled_from(PLAN_TEXT), text=texts())
def test_any_text_in_the_notes_and_plan_is_saved_normalised_or_refused(
    service: Service, target: tuple[int, str], text: str
) -> None:
    year, name = target

    before, response, after = _save_plan(service, year, name, text)

    assert_not_500(response)
    if response.status_code == 302:
        assert after is not None
        expected = "" if name in RESULT_FIELDS else clean_text(text)
        saved = _stored_plan_value(after.content, name)
        assert saved == expected, differ(saved, expected)
    else:
        assert response.status_code == 400
        assert_field_error(response.text, name)
        assert textarea(response.text, name) == clean_text(text)
        assert after == before


ISO_DAY = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")


@PROPERTY
@example(target=PLAN_DATE[0], day="2027-01-01")
@example(target=PLAN_DATE[0], day="20270101")
@example(target=PLAN_DATE[0], day="2026-02-30")
@given(
    target=st.sampled_from(PLAN_DATE),
    day=st.one_of(
        st.dates().map(date.isoformat),
        st.dates().map(lambda d: f" {d.isoformat()}\t"),
        st.dates().map(lambda d: d.strftime("%Y%m%d")),
        st.dates().map(lambda d: d.isoformat() + "T00:00"),
        st.sampled_from(["2026-02-30", "2026-13-01", "0000-01-01", "2026-W53-4", "9999-12-31"]),
        SHORT,
    ),
)
def test_any_plan_date_is_saved_as_an_iso_day_on_or_after_the_talk_or_refused(
    service: Service, target: tuple[int, str], day: str
) -> None:
    year, name = target

    before, response, after = _save_plan(service, year, name, day)

    assert_not_500(response)
    if response.status_code == 302:
        assert after is not None
        saved = _stored_plan_value(after.content, name)
        if day.strip():
            assert ISO_DAY.fullmatch(saved), f"stored {saved!r} for {day!r}"
            assert date.fromisoformat(saved) >= TALK_DAY.date()
            assert saved == date.fromisoformat(day.strip()).isoformat()
        else:
            assert saved == ""
    else:
        assert response.status_code == 400
        assert_field_error(response.text, name)
        assert input_value(response.text, name) == day.strip()
        assert after == before


@PROPERTY
@given(
    target=st.sampled_from(PLAN_CHECK),
    value=st.one_of(st.sampled_from(["ja", "nej", "", "JA", " ja", "nej\n"]), SHORT),
)
def test_any_value_of_a_yes_no_item_is_ja_nej_or_left_out(
    service: Service, target: tuple[int, str], value: str
) -> None:
    year, name = target

    _, response, after = _save_plan(service, year, name, value)

    assert_not_500(response)
    if response.status_code == 302:
        assert after is not None
        assert _stored_plan_value(after.content, name) == (value if value in ("ja", "nej") else "")
    else:
        assert response.status_code == 400
        assert_field_error(response.text, name)
