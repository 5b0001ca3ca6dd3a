"""HR's coverage counted by SQLite (round_coverage) agrees with the talks' own progress
(Talk.progress, what the round page lists person by person) on every status."""

from __future__ import annotations

from flask import Flask

from formserver.services import round_people
from formserver.store.talks import STATUS_LABELS, round_talks
from tests.factories import conn, talk_of
from tests.views.downloads_helpers import a_signed_b_not


def test_counted_by_sqlite_as_the_talks_count_themselves_on_every_status(app: Flask) -> None:
    a_signed_b_not(app)  # Anna: signed by both; Bo: signed by the manager only
    db = conn(app)
    round_id = talk_of(app, "employee_a").round_id
    # Three more talks called, prepared and held (nobody signed), set as the service leaves them.
    others = [t for t in round_talks(db, round_id) if t.progress == "ej_kallad"]
    for talk, status in zip(others, ("kallad", "forberedd", "genomford"), strict=False):
        db.execute("UPDATE talks SET status = ? WHERE id = ?", (status, talk.id))
    db.commit()

    talks = round_talks(db, round_id)
    assert {t.progress for t in talks} == set(STATUS_LABELS)  # every status is there
    assert round_people.round_coverage(db, round_id) == round_people.coverage(talks)
