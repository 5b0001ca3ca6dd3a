"""Small helpers the feature views share."""

from __future__ import annotations

from typing import Any

from flask import current_app, g, url_for
from werkzeug.wrappers import Response

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


def download(body: bytes, mimetype: str, filename: str) -> Response:
    """A download: exact content type, attachment with a server-made name, never cached."""
    return Response(
        body,
        mimetype=mimetype,
        headers={
            "Content-Disposition": f'attachment; filename="{filename}"',
            "Cache-Control": "no-store",
        },
    )


def external_url(endpoint: str, **values: Any) -> str:
    """An absolute URL for e-mail: PUBLIC_URL when set, else this request's host."""
    base = current_app.config.get("PUBLIC_URL")
    path = url_for(endpoint, **values)
    return f"{base.rstrip('/')}{path}" if base else url_for(endpoint, _external=True, **values)
