"""The team at a glance (001: "en samlad bild av gruppens kapacitet och utvecklingsbehov").

Only aggregates, and only over at least MIN_GROUP people, so no one's answers can be read
out of the picture.
"""

from __future__ import annotations

import sqlite3
from dataclasses import dataclass

from formserver.security.records import RecordSigner
from formserver.siteconfig.model import PlanTemplate, QuestionSet
from formserver.store import plans
from formserver.store.preparations import get_preparation
from formserver.store.talks import Talk

MIN_GROUP = 3


@dataclass(frozen=True)
class Bar:
    """One bar: a label, a value and how many it is based on."""

    label: str
    value: float
    count: int


@dataclass(frozen=True)
class TeamSummary:
    """Aggregates for one round of one manager's team."""

    people: int
    ratings: list[Bar]
    ratings_hidden: bool
    plan_rows: list[Bar]
    plans_hidden: bool
    scale_max: int


def summarise(
    conn: sqlite3.Connection,
    talks: list[Talk],
    question_set: QuestionSet,
    template: PlanTemplate,
    *,
    preparation_signer: RecordSigner,
    plan_signer: RecordSigner,
) -> TeamSummary:
    """Average self-assessments and plan rows per grid, hidden below MIN_GROUP people."""
    scale_questions = [q for q in question_set.questions() if q.kind == "scale"]
    ratings: dict[str, list[int]] = {q.id: [] for q in scale_questions}
    rows = {grid.id: 0 for grid in template.grids}
    with_plan = 0
    for talk in talks:
        prep = get_preparation(conn, talk.id, "employee", preparation_signer)
        if prep and prep.submitted:
            for question in scale_questions:
                value = prep.answers.get(question.id, {}).get("value", "")
                if value.isdigit():
                    ratings[question.id].append(int(value))
        version = plans.latest(conn, talk.id, plan_signer)
        if version:
            with_plan += 1
            for grid in template.grids:
                rows[grid.id] += sum(
                    1 for r in version.content["grids"].get(grid.id, []) if len(r) > 1
                )
    rated = [
        Bar(q.text, sum(ratings[q.id]) / len(ratings[q.id]), len(ratings[q.id]))
        for q in scale_questions
        if ratings[q.id]
    ]
    ratings_hidden = bool(rated) and min(b.count for b in rated) < MIN_GROUP
    return TeamSummary(
        people=len(talks),
        ratings=[] if ratings_hidden else rated,
        ratings_hidden=ratings_hidden,
        plan_rows=[]
        if with_plan < MIN_GROUP
        else [Bar(grid.title, rows[grid.id], with_plan) for grid in template.grids],
        plans_hidden=0 < with_plan < MIN_GROUP,
        scale_max=question_set.scale.max if question_set.scale else 5,
    )
