"""Small helpers the feature views share."""

from __future__ import annotations

from typing import Any

from flask import current_app, url_for
from werkzeug.wrappers import Response


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
