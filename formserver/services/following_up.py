"""Following up a signed plan: the rows that were agreed, and their results during the year."""

from __future__ import annotations

import sqlite3

from formserver.security.records import RecordSigner
from formserver.siteconfig.model import Grid, PlanTemplate
from formserver.store import plans
from formserver.store.plans import FOLLOWUP_STATUSES as FOLLOWUP_STATUSES

SignedRow = tuple[Grid, int, dict[str, str]]


def signed_rows(
    conn: sqlite3.Connection, talk_id: str, template: PlanTemplate, plan_signer: RecordSigner
) -> list[SignedRow]:
    """(grid, row number in its grid, row) for every written row of the newest version both
    signed: a change waiting for new signatures does not hide what was agreed."""
    signed = [v for v in plans.versions(conn, talk_id, plan_signer) if v.signed_by_both]
    if not signed:
        return []
    content = signed[-1].content
    return [
        (grid, number, row)
        for grid in template.grids
        for number, row in enumerate(
            (r for r in content["grids"].get(grid.id, []) if len(r) > 1), start=1
        )
    ]
