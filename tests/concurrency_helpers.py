"""Helpers for the concurrency tests: a plan signed by both."""

# Many people at once, and a database that cannot be written: nothing is lost or
# overwritten.
#
# What a user would check:
# - 50 threads reading and writing at once (each on its own connection, as gunicorn's
#   workers and threads have) never see "database is locked", and every save they were
#   told about is there;
# - the manager and the employee saving the same follow-up at the same moment: one is
#   saved, the other gets the conflict page with their own text still in the form (and the
#   text that was saved, so they can merge), and the stored row holds exactly the winner's
#   text;
# - a read-only database or a full disk: a Swedish 503 page that gives the typed text back,
#   nothing half-saved, and the next save works once the problem is gone.

from __future__ import annotations

from flask import Flask

from formserver.services import planning as plan_logic
from formserver.store import plans
from formserver.store.talks import Talk
from tests.factories import conn, person, signer, site_config_of, talk_of


def plan_signed_by_both(app: Flask) -> tuple[Talk, str]:
    """Employee A's plan with one written row, held and signed by both; (talk, row id)."""
    talk = talk_of(app, "employee_a")
    config = site_config_of(app)
    content = plan_logic.empty_content(
        config.question_sets[talk.question_set_id], config.plan_templates[talk.plan_template_id]
    )
    row = content["grids"]["mal"][0]
    row["medarbetarens_mal"] = "Lära mig de nya digitala verktygen för planering"
    plan_signer = signer(app, "plan")
    manager, employee = person(app, "manager"), person(app, "employee_a")
    connection = conn(app)
    plans.save(
        connection, talk.id, content, expected=(0, 0), author_id=manager.id, signer=plan_signer
    )
    assert plans.mark_held(connection, talk.id)
    latest = plans.latest(connection, talk.id, plan_signer)
    assert latest is not None
    for role, who in (("manager", manager), ("employee", employee)):
        plans.sign(
            connection,
            talk.id,
            role=role,
            person_id=who.id,
            number=latest.number,
            seen_hash=latest.content_hash,
            comment="",
            signer=plan_signer,
        )
    signed = plans.latest(connection, talk.id, plan_signer)
    assert signed is not None and signed.signed_by_both
    return talk, str(row["row_id"])
