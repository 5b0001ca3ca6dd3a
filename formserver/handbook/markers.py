"""Handbook build logic: page checks, markers that pull in site_config, external-asset scan."""

from __future__ import annotations

import datetime as dt
import posixpath
import re
from collections.abc import Callable, Iterator
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

from formserver.handbook.render import (
    LOCAL_BOXES,
    render_local_decisions,
    render_plan_template,
    render_print_header,
    render_question_set,
    render_sources,
)
from formserver.siteconfig import SiteConfig

MARKER = re.compile(
    r"^<!--\s*(fragor|planmall|inkludera|kallor|hos-oss|utskrift)\s*(?::\s*(\S+))?\s*-->\s*$", re.M
)
FRONT_MATTER = re.compile(r"\A---\n.*?\n---\n", re.S)
HEADING = re.compile(r"^(#{1,5}) ", re.M)
MARKDOWN_LINK = re.compile(r"(\]\()([^)\s#]+\.md)(#[^)\s]*)?(\))")
SERVICE_LINK = re.compile(r"\]\(formulartjanst:(/[^)\s]*)\)")
REQUIRED_META = ("title", "owner", "reviewed")
# "(källa: KTH)" in the text ("(source: KTH)" on English pages); on a page with the list of
# sources it links to that list.
SOURCE_NOTE = re.compile(r"\((källa|source): ([^()\[\]\n]+)\)")
SOURCES_ANCHOR = "kallor"


class HandbookError(Exception):
    """A page or marker is wrong; the message names the page and what to fix."""


def check_front_matter(meta: dict[str, Any], page: str) -> None:
    """Every page names its owner and its last review date (Swedish public-sector practice)."""
    missing = [key for key in REQUIRED_META if not meta.get(key)]
    if missing:
        raise HandbookError(
            f"{page}: front matter saknar {', '.join(missing)}. "
            "Varje sida ska ange title, owner (sidansvarig) och reviewed (senast granskad)."
        )
    if not isinstance(meta["reviewed"], dt.date):
        raise HandbookError(f"{page}: reviewed ska vara ett datum i formen ÅÅÅÅ-MM-DD.")


def _shift_headings(markdown: str) -> str:
    """Move every Markdown heading one level down, outside code fences."""
    out, fenced = [], False
    for line in markdown.splitlines(keepends=True):
        if line.startswith(("```", "~~~")):
            fenced = not fenced
        out.append(HEADING.sub(r"#\1 ", line) if not fenced else line)
    return "".join(out)


def _rebase_links(markdown: str, from_page: str, to_page: str) -> str:
    """Rewrite relative .md links written on `from_page` so they work on `to_page`."""
    from_dir, to_dir = posixpath.dirname(from_page), posixpath.dirname(to_page)

    def rebase(match: re.Match[str]) -> str:
        target = posixpath.normpath(posixpath.join(from_dir, match[2]))
        relative = posixpath.relpath(target, to_dir or ".")
        return f"{match[1]}{relative}{match[3] or ''}{match[4]}"

    return MARKDOWN_LINK.sub(rebase, markdown)


def expand_markers(
    markdown: str,
    page: str,
    config: SiteConfig,
    read_page: Callable[[str], str],
    heading_level: int = 2,
    language: str = "sv",
) -> str:
    """Replace the `fragor`, `planmall`, `kallor`, `hos-oss`, `utskrift` and `inkludera` markers.

    `page` and the markers' pages are named without a language suffix ("forbered.md");
    `read_page` reads the page in `language`, and site_config texts render in `language`.
    On a page that lists the sources, every "(källa: …)" note links to `#kallor` there.
    """

    def link(target: str) -> str | None:
        """A relative link from this page to `target`, or None when there is no such page."""
        if target == page:
            return None
        try:
            read_page(target)
        except FileNotFoundError:
            return None
        return posixpath.relpath(target, posixpath.dirname(page) or ".")

    def replace(match: re.Match[str]) -> str:
        kind, ident = match[1], match[2] or ""
        if kind == "kallor":
            return render_sources(config, language=language)
        if kind == "hos-oss":
            if ident and ident not in LOCAL_BOXES:
                known = ", ".join(LOCAL_BOXES)
                raise HandbookError(f"{page}: rutan ”hos-oss: {ident}” finns inte ({known}).")
            return render_local_decisions(config, ident, link, heading_level, language=language)
        if kind == "utskrift":
            return render_print_header(config, language=language)
        if kind == "fragor":
            if ident not in config.question_sets:
                known = ", ".join(sorted(config.question_sets))
                raise HandbookError(f"{page}: frågeunderlaget ”{ident}” finns inte ({known}).")
            return render_question_set(config, ident, heading_level, language=language)
        if kind == "planmall":
            if ident not in config.plan_templates:
                known = ", ".join(sorted(config.plan_templates))
                raise HandbookError(f"{page}: planmallen ”{ident}” finns inte ({known}).")
            return render_plan_template(config, ident, heading_level, language=language)
        try:
            included = FRONT_MATTER.sub("", read_page(ident), count=1)
        except FileNotFoundError:
            raise HandbookError(f"{page}: sidan ”{ident}” att inkludera finns inte.") from None
        if any(m[1] == "inkludera" for m in MARKER.finditer(included)):
            raise HandbookError(f"{page}: ”{ident}” inkluderar i sin tur andra sidor.")
        expanded = expand_markers(included, ident, config, read_page, heading_level, language)
        return _rebase_links(_shift_headings(expanded), ident, page)

    expanded = MARKER.sub(replace, markdown)
    if any(m[1] == "kallor" for m in MARKER.finditer(markdown)):
        expanded = SOURCE_NOTE.sub(rf"(\1: [\2](#{SOURCES_ANCHOR}))", expanded)
    return expanded


def link_to_service(markdown: str, service_url: str) -> str:
    """Turn `](formulartjanst:/path)` links into links to the configured form service."""
    base = service_url.rstrip("/")
    return SERVICE_LINK.sub(lambda m: f"]({base}{m[1]})", markdown)


class _AssetParser(HTMLParser):
    """Collects URLs of things a browser loads by itself: scripts, styles, images, frames."""

    LOADED = {
        "script": "src",
        "img": "src",
        "iframe": "src",
        "source": "src",
        "audio": "src",
        "video": "src",
        "embed": "src",
        "object": "data",
    }

    def __init__(self) -> None:
        super().__init__()
        self.urls: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        values = dict(attrs)
        if tag == "link":
            rel = (values.get("rel") or "").lower()
            if any(r in rel for r in ("stylesheet", "icon", "preload", "preconnect", "manifest")):
                self.urls.append(values.get("href") or "")
        elif tag in self.LOADED:
            self.urls.append(values.get(self.LOADED[tag]) or "")
        if values.get("style"):
            self.urls.extend(CSS_URL.findall(values["style"] or ""))


CSS_URL = re.compile(r"""(?:url\(\s*['"]?|@import\s+['"])([^'")\s]+)""")


def _is_external(url: str) -> bool:
    return bool(re.match(r"^(?:[a-z][a-z0-9+.-]*:)?//", url.strip(), re.I))


def external_assets(site_dir: Path) -> Iterator[tuple[str, str]]:
    """Yield (file, url) for every asset in the built site that would load from another host."""
    for path in sorted(site_dir.rglob("*")):
        if path.suffix == ".html":
            parser = _AssetParser()
            parser.feed(path.read_text(encoding="utf-8"))
            urls = parser.urls
        elif path.suffix == ".css":
            urls = CSS_URL.findall(path.read_text(encoding="utf-8"))
        else:
            continue
        for url in urls:
            if _is_external(url):
                yield str(path.relative_to(site_dir)), url
