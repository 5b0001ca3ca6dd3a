"""Small helpers the feature views share."""

from __future__ import annotations

from flask import g

from formserver.access import current_user
from formserver.store import audit
from formserver.store.talks import Talk


def audit_talk(talk: Talk, action: str, detail: str = "", outcome: str = "ok") -> None:
    """Audit something the signed-in person did with a talk (never form text in `detail`)."""
    user = current_user()
    audit.record(
        g.db,
        actor_id=user.id if user else None,
        action=action,
        outcome=outcome,
        object_type="talk",
        object_id=talk.id,
        detail=detail,
    )
