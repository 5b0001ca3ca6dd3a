"""The record of the talk (notes per section, yes/no items, plan rows) and how versions differ."""

from __future__ import annotations

import secrets
from typing import Any

from formserver.common.languages import _l
from formserver.siteconfig.model import Grid, PlanTemplate, QuestionSet
from formserver.store.plans import Content

YES_NO = {"ja": _l("Ja"), "nej": _l("Nej")}


def new_row_id() -> str:
    """A stable id for a plan row: follow-ups attach to it across versions."""
    return "r" + secrets.token_hex(4)


def empty_content(question_set: QuestionSet, template: PlanTemplate) -> Content:
    """A new record: no notes, no answers, one empty row per grid."""
    return {
        "question_set": [question_set.id, question_set.version],
        "plan_template": [template.id, template.version],
        "notes": {},
        "checks": {},
        "grids": {grid.id: [{"row_id": new_row_id()}] for grid in template.grids},
    }


def note_sections(question_set: QuestionSet) -> list[Any]:
    """Sections that may hold notes: never `never`."""
    return [s for s in question_set.sections if s.has_fields]


def check_questions(question_set: QuestionSet) -> list[Any]:
    """The yes/no items recorded at the talk (e.g. bisyssla), apart from the notes."""
    return [q for q in question_set.questions() if q.kind == "yesno"]


def add_row(content: Content, grid_id: str) -> None:
    """Append an empty row to a grid (the "Lägg till rad" button)."""
    content["grids"].setdefault(grid_id, []).append({"row_id": new_row_id()})


def remove_row(content: Content, grid_id: str, row_id: str) -> None:
    """Remove a row from a grid (the "Ta bort rad" button)."""
    rows = content["grids"].get(grid_id, [])
    content["grids"][grid_id] = [row for row in rows if row["row_id"] != row_id]


def without_empty_rows(content: Content) -> Content:
    """The content as stored: rows with nothing written are left out."""
    grids = {gid: [r for r in rows if len(r) > 1] for gid, rows in content["grids"].items()}
    return {**content, "grids": grids}


def is_empty(content: Content) -> bool:
    """Whether nothing at all has been written."""
    stored = without_empty_rows(content)
    return not (stored["notes"] or stored["checks"] or any(stored["grids"].values()))


def changes(
    before: Content | None, after: Content, question_set: QuestionSet, template: PlanTemplate
) -> list[tuple[str, str, str]]:
    """What changed between two versions: (what, before, after) in reading order."""
    old: Content = before or {"notes": {}, "checks": {}, "grids": {}}
    result = []
    for section in note_sections(question_set):
        a, b = old["notes"].get(section.id, ""), after["notes"].get(section.id, "")
        if a != b:
            result.append((_l("Anteckningar: %(section)s", section=section.title), a, b))
    for question in check_questions(question_set):
        a, b = old["checks"].get(question.id, ""), after["checks"].get(question.id, "")
        if a != b:
            result.append((question.text, YES_NO.get(a, "–"), YES_NO.get(b, "–")))
    for grid in template.grids:
        result.extend(
            _grid_changes(grid, old["grids"].get(grid.id, []), after["grids"].get(grid.id, []))
        )
    return result


def _grid_changes(
    grid: Grid, before: list[dict[str, str]], after: list[dict[str, str]]
) -> list[tuple[str, str, str]]:
    old = {row["row_id"]: row for row in before}
    new = {row["row_id"]: row for row in after}
    result = []
    for position, row_id in enumerate(list(dict.fromkeys([*old, *new])), start=1):
        for column in grid.columns:
            a, b = old.get(row_id, {}).get(column.id, ""), new.get(row_id, {}).get(column.id, "")
            if a != b:
                result.append((f"{grid.title}, rad {position}: {column.label}", a, b))
    return result
