"""What the browser tests check on every page (axe, screenshots) and in every download."""

from __future__ import annotations

import csv
import io
import unicodedata
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from playwright.sync_api import Page, Route
from pypdf import PdfReader

from tests.browser.support import AXE_JS, WCAG_TAGS

# --- Accessibility --------------------------------------------------------------------------

AXE_RUN = """async (tags) => {
  const result = await axe.run(document, {
    runOnly: {type: 'tag', values: tags},
    resultTypes: ['violations'],
  });
  return result.violations.map((v) => ({
    id: v.id,
    impact: v.impact,
    help: v.help,
    helpUrl: v.helpUrl,
    count: v.nodes.length,
    nodes: v.nodes.slice(0, 5).map((n) => ({
      target: n.target.join(' '),
      html: n.html.slice(0, 160),
      summary: (n.failureSummary || '').split('\\n').slice(0, 2).join(' '),
    })),
  }));
}"""

# axe accepts a placeholder as a label (rule "label" passes), but a placeholder disappears while
# one types. The service promises a visible <label> per field: every control needs one.
UNLABELLED_CONTROLS = """() => {
  const skip = new Set(['hidden', 'submit', 'button', 'reset', 'image']);
  const shown = (el) => el.textContent.trim() !== '' && el.getClientRects().length > 0;
  return Array.from(document.querySelectorAll('input, select, textarea'))
    .filter((el) => !skip.has(el.type))
    .filter((el) => !Array.from(el.labels || []).some(shown))
    .map((el) => el.outerHTML.slice(0, 160));
}"""


def axe_source() -> str:
    """axe-core's browser build (node_modules, from package.json)."""
    return AXE_JS.read_text(encoding="utf-8")


def run_axe(page: Page) -> list[dict[str, Any]]:
    """axe-core's WCAG 2.0/2.1/2.2 A and AA violations on the page as it is now.

    axe is evaluated from its source: the service's CSP (script-src 'self') would block
    add_script_tag, but page.evaluate is not subject to the page's CSP.
    """
    if not page.evaluate("typeof window.axe === 'object'"):
        page.evaluate(axe_source())
    violations: list[dict[str, Any]] = page.evaluate(AXE_RUN, WCAG_TAGS)
    return violations


def describe(label: str, url: str, violation: dict[str, Any]) -> str:
    """One violation as a line a developer can act on."""
    nodes = "; ".join(f"{n['target']} ({n['summary']})" for n in violation["nodes"])
    return (
        f"{label} <{url}>: {violation['id']} [{violation['impact']}] {violation['help']} "
        f"– {violation['count']} element: {nodes} – {violation['helpUrl']}"
    )


@dataclass
class Accessibility:
    """Runs axe (and the visible-label check) on every page it is shown, saves a screenshot of
    each, and keeps every problem so that a journey can finish before they are reported.

    A page in a context without JavaScript cannot run axe (timers and promises never settle),
    so its exact HTML is shown to `checker`, a page with JavaScript, at the same address: the
    service's own stylesheet loads as usual, and axe sees the same document.
    """

    folder: Path
    checker: Page | None = None
    problems: list[str] = field(default_factory=list)
    checked: list[str] = field(default_factory=list)
    _count: int = 0

    def screenshot(self, page: Page, name: str, *, full_page: bool = True) -> Path:
        """Save a screenshot as a test artefact: <folder>/<NN>-<name>.png."""
        self._count += 1
        path = self.folder / f"{self._count:02d}-{name}.png"
        path.parent.mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(path), full_page=full_page)
        return path

    def check(
        self, page: Page, name: str, *, labels: bool = True, full_page: bool = True
    ) -> list[str]:
        """axe (WCAG 2.0/2.1/2.2 A, AA) and, for the service, a visible label on every field."""
        self.screenshot(page, name, full_page=full_page)
        target = self.checker if self.checker is not None else page
        if target is not page:
            self._show_elsewhere(page, target)
        found = [describe(name, page.url, v) for v in run_axe(target)]
        if labels:
            found += [
                f"{name} <{page.url}>: fält utan synlig <label> (bara placeholder eller "
                f"aria-label räcker inte): {html}"
                for html in target.evaluate(UNLABELLED_CONTROLS)
            ]
        self.checked.append(name)
        self.problems.extend(found)
        return found

    @staticmethod
    def _show_elsewhere(page: Page, checker: Page) -> None:
        html = page.content()
        address = page.url.split("#")[0]

        def same(url: str) -> bool:
            return url.split("#")[0] == address

        def fulfil(route: Route) -> None:
            route.fulfill(status=200, content_type="text/html; charset=utf-8", body=html)

        checker.route(same, fulfil)
        try:
            checker.goto(page.url)
        finally:
            checker.unroute(same, fulfil)

    def report(self) -> str:
        """Every problem found, one per line."""
        return f"{len(self.problems)} tillgänglighetsfel på {len(self.checked)} sidor:\n" + (
            "\n".join(self.problems)
        )


# --- Files ------------------------------------------------------------------------------------


def squash(text: str) -> str:
    """Text without any whitespace (NFKC): PDF extraction breaks lines wherever a cell wraps."""
    return "".join(unicodedata.normalize("NFKC", text).split())


def pdf_text(path: Path) -> str:
    """All text of a PDF, page by page."""
    reader = PdfReader(path)
    return "\n".join(page.extract_text() or "" for page in reader.pages)


def read_csv(path: Path) -> list[list[str]]:
    """A CSV export as Swedish Excel reads it: UTF-8 with BOM, semicolons."""
    data = path.read_bytes()
    assert data.startswith(b"\xef\xbb\xbf"), "CSV-filen saknar BOM (Excel visar då inte åäö)"
    return list(csv.reader(io.StringIO(data.decode("utf-8-sig")), delimiter=";"))
