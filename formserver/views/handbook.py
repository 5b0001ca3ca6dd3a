"""The built handbook (site/), served from the service when HANDBOOK_DIR is set (make run).

In production the handbook is usually published on a static host; where the service serves
it instead, text files go out gzip-compressed, as a static host would send them.
"""

from __future__ import annotations

import gzip
import mimetypes
import re
from functools import lru_cache
from pathlib import Path

from flask import Blueprint, abort, current_app, request
from werkzeug.security import safe_join
from werkzeug.wrappers import Response

from formserver.access import rule

bp = Blueprint("handbook", __name__, url_prefix="/handbok")

COMPRESSIBLE = ("text/", "application/javascript", "application/json", "image/svg+xml")
# Material's static site: its inline scripts run by hash only (the build lists them in
# HASHES_FILE, see formserver.handbook.csp); data: icons; inline styles, which run no code.
CSP = (
    "default-src 'self'; script-src 'self'{hashes}; style-src 'self' 'unsafe-inline'; "
    "img-src 'self' data:; frame-ancestors 'none'; form-action 'self'; base-uri 'none'; "
    "object-src 'none'"
)
HASHES_FILE = "csp-script-hashes.txt"
SCRIPT_HASH = re.compile(r"'sha256-[A-Za-z0-9+/]{43}='")


def handbook_csp() -> str:
    """The CSP of the served handbook: its own inline scripts by hash, no other inline script.

    Without a hashes file (or with a line that is not a hash) no inline script may run.
    """
    setting = current_app.config["HANDBOOK_DIR"]
    file = Path(setting, HASHES_FILE) if setting else None
    if file is None or not file.is_file():
        return CSP.format(hashes="")
    return _csp_with_hashes(str(file), file.stat().st_mtime_ns)


@lru_cache(maxsize=4)
def _csp_with_hashes(path: str, mtime_ns: int) -> str:
    # Keyed by modification time, so a rebuilt handbook's hashes are read afresh.
    lines = Path(path).read_text(encoding="utf-8").split()
    hashes = [line for line in lines if SCRIPT_HASH.fullmatch(line)]
    return CSP.format(hashes="".join(f" {h}" for h in hashes))


@lru_cache(maxsize=256)
def _compressed(path: str, mtime_ns: int) -> bytes:
    # Keyed by modification time, so a rebuilt handbook is compressed afresh.
    return gzip.compress(Path(path).read_bytes(), compresslevel=6, mtime=0)


@bp.get("/", defaults={"path": ""})
@bp.get("/<path:path>")
@rule("public")
def page(path: str) -> Response:
    """A file of the built handbook; directories serve their index.html."""
    setting = current_app.config["HANDBOOK_DIR"]
    root = Path(setting) if setting else None
    if root is None or not root.is_dir():
        abort(404)
    found = safe_join(str(root), path)
    if found is None:
        abort(404)
    file = Path(found)
    if file.is_dir():
        file = file / "index.html"
    if not file.is_file():
        abort(404)
    mimetype = mimetypes.guess_type(file.name)[0] or "application/octet-stream"
    if mimetype.startswith(COMPRESSIBLE) and request.accept_encodings.best_match(["gzip"]):
        body = _compressed(str(file), file.stat().st_mtime_ns)
        response = Response(body, mimetype=mimetype)
        response.headers["Content-Encoding"] = "gzip"
    else:
        response = Response(file.read_bytes(), mimetype=mimetype)
    response.vary.add("Accept-Encoding")
    response.add_etag()
    return response.make_conditional(request)
