"""The built handbook (site/), served from the same process for `make run`."""

from __future__ import annotations

from pathlib import Path

from flask import Blueprint, abort, current_app, send_from_directory
from werkzeug.wrappers import Response

from formserver.access import rule

bp = Blueprint("handbook", __name__, url_prefix="/handbok")


@bp.get("/", defaults={"path": ""})
@bp.get("/<path:path>")
@rule("public")
def page(path: str) -> Response:
    """A file of the built handbook; directories serve their index.html."""
    root = Path(current_app.config["HANDBOOK_DIR"])
    if not root.is_dir():
        abort(404)
    if path == "" or path.endswith("/"):
        path += "index.html"
    elif (root / path).is_dir():
        path += "/index.html"
    return send_from_directory(root, path)
