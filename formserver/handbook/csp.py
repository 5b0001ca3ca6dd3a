"""CSP hashes of the built handbook's inline scripts, for the service that serves it.

Material puts a few small inline scripts on every page (one of them differs by page depth).
The service's handbook pages allow exactly these by hash, never 'unsafe-inline'.
"""

from __future__ import annotations

import base64
import hashlib
from html.parser import HTMLParser
from pathlib import Path

# Written next to the pages; formserver.views.handbook reads it (one source expression a line).
HASHES_FILE = "csp-script-hashes.txt"
# Script types a browser runs; others (Material's "application/json" config) are data.
SCRIPT_TYPES = {"", "text/javascript", "module", "application/javascript"}


class _InlineScripts(HTMLParser):
    """Collects the exact text of every inline script that a browser would run."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=False)
        self.scripts: list[str] = []
        self._current: list[str] | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        found = dict(attrs)
        runs = (found.get("type") or "").strip().lower() in SCRIPT_TYPES
        if tag == "script" and "src" not in found and runs:
            self._current = []

    def handle_data(self, data: str) -> None:
        if self._current is not None:
            self._current.append(data)

    def handle_endtag(self, tag: str) -> None:
        if tag == "script" and self._current is not None:
            self.scripts.append("".join(self._current))
            self._current = None


def inline_script_hashes(site_dir: Path) -> list[str]:
    """The CSP source expression ('sha256-…') of every distinct inline script in the site."""
    hashes = set()
    for page in site_dir.rglob("*.html"):
        parser = _InlineScripts()
        parser.feed(page.read_text(encoding="utf-8"))
        for script in parser.scripts:
            digest = hashlib.sha256(script.encode("utf-8")).digest()
            hashes.add(f"'sha256-{base64.b64encode(digest).decode('ascii')}'")
    return sorted(hashes)


def write_hashes(site_dir: Path) -> Path:
    """Write the hashes file into the built site and return its path."""
    path = site_dir / HASHES_FILE
    path.write_text("".join(f"{h}\n" for h in inline_script_hashes(site_dir)), encoding="utf-8")
    return path
