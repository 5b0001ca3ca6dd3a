"""The plan form (notes, yes/no items and plan rows), posted without JavaScript."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from werkzeug.datastructures import MultiDict

from formserver.common.languages import _l, gettext
from formserver.common.text import clean_text
from formserver.forms.base import ConfirmForm
from formserver.forms.messages import DATE_FORMAT, strict_date, too_long
from formserver.services.planning import (
    YES_NO,
    add_row,
    check_questions,
    note_sections,
    remove_row,
)
from formserver.siteconfig.model import PlanTemplate, QuestionSet
from formserver.store.plans import Content


@dataclass
class ParsedPlan:
    """A posted plan form: the content to save and any field errors (by field name)."""

    content: Content
    errors: dict[str, str]


def _parse_date(value: str, talk_day: date | None) -> tuple[str, str | None]:
    if not value:
        return "", None
    try:
        day = strict_date(value)
    except ValueError:
        return value, gettext(
            "”%(value)s” är inte ett giltigt datum. %(format)s.",
            value=value,
            format=gettext(DATE_FORMAT),
        )
    if talk_day and day < talk_day:
        return value, (
            _l(
                "Datumet för genomförande och uppföljning kan inte vara före samtalet. Välj "
                "samtalsdagen eller ett senare datum."
            )
        )
    return day.isoformat(), None


def parse_form(
    form: MultiDict[str, str],
    question_set: QuestionSet,
    template: PlanTemplate,
    *,
    talk_day: date | None,
    max_chars: int,
) -> ParsedPlan:
    """Read notes, yes/no items and rows (in the posted order) and validate them."""
    errors: dict[str, str] = {}

    def text(name: str) -> str:
        value = clean_text(form.get(name, ""))
        if len(value) > max_chars:
            errors[name] = too_long(max_chars)
        return value

    notes = {s.id: v for s in note_sections(question_set) if (v := text(f"note_{s.id}"))}
    checks = {
        q.id: form.get(f"check_{q.id}", "")
        for q in check_questions(question_set)
        if form.get(f"check_{q.id}", "") in YES_NO
    }
    grids: dict[str, list[dict[str, str]]] = {}
    for grid in template.grids:
        rows = []
        for row_id in form.getlist(f"rows_{grid.id}"):
            if not row_id.startswith("r") or not row_id[1:].isalnum() or len(row_id) > 12:
                continue
            row = {"row_id": row_id}
            for column in grid.columns:
                name = f"cell_{grid.id}_{row_id}_{column.id}"
                if column.kind == "result":
                    continue  # "Hur blev resultatet?" is a follow-up, never part of the talk
                if column.kind == "date":
                    value, problem = _parse_date(form.get(name, "").strip(), talk_day)
                    if problem:
                        errors[name] = problem
                else:
                    value = text(name)
                if value:
                    row[column.id] = value
            rows.append(row)
        grids[grid.id] = rows
    content = {
        "question_set": [question_set.id, question_set.version],
        "plan_template": [template.id, template.version],
        "notes": notes,
        "checks": checks,
        "grids": grids,
    }
    return ParsedPlan(content, errors)


@dataclass(frozen=True)
class PlanPost:
    """A posted plan form: what to save, which button was pressed, and the version it was
    edited from (number, edits)."""

    plan: ParsedPlan
    kind: str  # "spara", "rad-till" or "rad-bort"
    target: str
    expected: tuple[int, int]
    csrf_ok: bool

    @property
    def anchor(self) -> str:
        """Where the page should scroll back to after adding or removing a row."""
        return f"#{self.target.partition(':')[0]}" if self.kind.startswith("rad") else ""


def read_plan_post(
    form: MultiDict[str, str],
    question_set: QuestionSet,
    template: PlanTemplate,
    *,
    talk_day: date | None,
    max_chars: int,
) -> PlanPost:
    """Read the plan form and apply its row buttons ("Lägg till rad", "Ta bort rad")."""
    parsed = parse_form(form, question_set, template, talk_day=talk_day, max_chars=max_chars)
    kind, _, target = form.get("action", "spara").partition(":")
    if kind == "rad-till":
        add_row(parsed.content, target)
    elif kind == "rad-bort":
        grid_id, _, row_id = target.partition(":")
        remove_row(parsed.content, grid_id, row_id)
    try:
        expected = int(form.get("number", "0")), int(form.get("edits", "0"))
    except ValueError:
        expected = (-1, -1)
    return PlanPost(parsed, kind, target, expected, ConfirmForm(form).validate())
