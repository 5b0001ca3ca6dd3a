"""Exports as pure functions: data in, bytes out. No Flask here."""

from __future__ import annotations

import csv
import io
import json
import re
import threading
import unicodedata
import zipfile
from collections.abc import Iterable, Iterator, Sequence
from functools import cache
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from flask_babel.speaklater import LazyString

from formserver.common.languages import gettext

FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def neutralise(cell: object) -> str:
    """A cell a spreadsheet will show as text, never run as a formula (OWASP CSV injection)."""
    text = "" if cell is None else str(cell)
    return "'" + text if text.startswith(FORMULA_START) else text


def csv_bytes(header: Sequence[str], rows: Iterable[Sequence[object]]) -> bytes:
    """UTF-8 with BOM (Excel opens åäö), semicolons (Swedish Excel), every field quoted."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, delimiter=";", quoting=csv.QUOTE_ALL, lineterminator="\r\n")
    writer.writerow([neutralise(h) for h in header])
    for row in rows:
        writer.writerow([neutralise(cell) for cell in row])
    return b"\xef\xbb\xbf" + buffer.getvalue().encode("utf-8")


def json_bytes(data: Any) -> bytes:
    """Readable UTF-8 JSON; catalogue texts (`_l`) as strings in the language being rendered."""
    return json.dumps(
        data, ensure_ascii=False, indent=2, sort_keys=True, default=_catalogue_text
    ).encode("utf-8")


def _catalogue_text(value: object) -> str:
    """A lazy catalogue text as the string it reads as now; anything else is no JSON."""
    if isinstance(value, LazyString):
        return str(value)
    raise TypeError(f"{type(value).__name__} is not JSON serializable")


def in_progress_note(names: Iterable[str]) -> bytes:
    """The note in a team's zip naming the plans where a newer version waits for signatures."""
    lines = [
        gettext(
            "För de här medarbetarna finns en nyare version av planen som inte är underskriven "
            "av båda ännu. Zip-filen innehåller den senaste versionen som båda har skrivit under."
        ),
        "",
        *(f"- {name}" for name in names),
    ]
    return ("\n".join(lines) + "\n").encode("utf-8")


def refused_note(names: Iterable[str]) -> bytes:
    """The note in a team's zip naming the plans left out because their stored copy failed its
    check (changed outside the service)."""
    lines = [
        gettext(
            "De här planerna finns inte med i zip-filen. Den sparade PDF-filen har ändrats "
            "utanför formulärtjänsten eller är skadad, så den lämnas inte ut. Händelsen är "
            "antecknad. Kontakta HR, som kan ta fram planen ur en säkerhetskopia."
        ),
        "",
        *(f"- {name}" for name in names),
    ]
    return ("\n".join(lines) + "\n").encode("utf-8")


@cache
def _font_config() -> Any:
    # One shared FontConfiguration: without it memory grows with every document.
    from weasyprint.text.fonts import FontConfiguration

    return FontConfiguration()


@cache
def _stylesheet(path: Path) -> Any:
    # Parsed once per process, with the shared font configuration, and reused by every document.
    from weasyprint import CSS

    return CSS(string=path.read_text("utf-8"), font_config=_font_config())


@cache
def _css(text: str) -> Any:
    from weasyprint import CSS

    return CSS(string=text, font_config=_font_config())


def pdf_bytes(
    html: str, *, static_dir: Path, stylesheets: Sequence[str] = (), extra_css: str = ""
) -> bytes:
    """A PDF/A-2b document from HTML, fonts embedded (WeasyPrint, imported lazily).

    `stylesheets` name files in `static_dir`, parsed once and applied to every document (the
    HTML then leaves out its own links to them); `extra_css` is applied after them (parsed once
    per distinct text, e.g. the page numbers' words in the document's language). Other links to
    /static/… are read from `static_dir`; nothing is ever fetched over the network.
    """
    from weasyprint import HTML

    sheets = [_stylesheet(static_dir / name) for name in stylesheets]
    if extra_css:
        sheets.append(_css(extra_css))
    with _PDF_LOCK:  # pango is not safe across threads sharing one font configuration
        document = HTML(
            string=html,
            base_url="http://formserver.invalid/",
            url_fetcher=_local_fetcher(static_dir.resolve()),
        )
        pdf: bytes = document.write_pdf(
            stylesheets=sheets, font_config=_font_config(), pdf_variant="pdf/a-2b"
        )
    return pdf


_PDF_LOCK = threading.Lock()


@cache
def _local_fetcher(root: Path) -> Any:
    from weasyprint.urls import URLFetcher, URLFetcherResponse

    class LocalFetcher(URLFetcher):  # type: ignore[misc]
        """Serves /static/… from disk and refuses everything else (no network, no files)."""

        def fetch(self, url: str, headers: Any = None) -> Any:
            path = urlsplit(url).path
            target = (root / path.removeprefix("/static/")).resolve()
            if not path.startswith("/static/") or root not in target.parents:
                raise ValueError(f"refusing to fetch {url}")
            mime = "text/css" if target.suffix == ".css" else "application/octet-stream"
            return URLFetcherResponse(url, _static_bytes(target), {"Content-Type": mime})

    return LocalFetcher()


@cache
def _static_bytes(path: Path) -> bytes:
    # Static files ship with the release: read each once per process.
    return path.read_bytes()


def safe_filename(*parts: str) -> str:
    """A server-made ASCII file name from parts (names may hold åäö, quotes, CR/LF)."""
    text = "-".join(parts)
    ascii_text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    slug = re.sub(r"[^A-Za-z0-9.]+", "-", ascii_text).strip("-.").lower()
    return slug[:120] or "dokument"


class UniqueNames:
    """File names for one archive: a name already given gets "-2", "-3", … before its suffix,
    so two employees with the same name never overwrite each other's file."""

    def __init__(self) -> None:
        self._given: set[str] = set()

    def unique(self, name: str) -> str:
        stem, dot, suffix = name.rpartition(".")
        if not dot:
            stem, suffix = name, ""
        candidate, number = name, 1
        while candidate in self._given:
            number += 1
            candidate = f"{stem}-{number}{dot}{suffix}"
        self._given.add(candidate)
        return candidate


class _Sink(io.RawIOBase):
    """A write-only stream whose bytes are taken out as they come (zip without a file)."""

    def __init__(self) -> None:
        self._chunks: list[bytes] = []

    def writable(self) -> bool:
        return True

    def write(self, data: Any) -> int:
        self._chunks.append(bytes(data))
        return len(data)

    def take(self) -> bytes:
        data, self._chunks = b"".join(self._chunks), []
        return data


def stream_zip(files: Iterable[tuple[str, bytes]]) -> Iterator[bytes]:
    """A zip written as it goes: memory stays flat however many files there are.

    PDFs are compressed already, so entries are stored, not deflated.
    """
    sink = _Sink()
    with zipfile.ZipFile(sink, "w", compression=zipfile.ZIP_STORED) as archive:
        for name, content in files:
            archive.writestr(name, content)
            yield sink.take()
    yield sink.take()
