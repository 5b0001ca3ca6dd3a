"""The seal's visible stamp: who signed in the service and when, who sealed, in the last
page's bottom margin, in an embedded font (PDF/A), in the language the document is rendered in."""

from __future__ import annotations

import io
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from functools import cache
from pathlib import Path
from typing import Any

from babel.lists import format_list

from formserver.common.clock import local_date
from formserver.common.languages import _l, current_language, gettext

# PDF/A wants every font embedded, the stamp's too: the service's document font (document.css).
FONT = Path("/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf")
ROLE_WORDS = {"employee": _l("medarbetare"), "manager": _l("chef")}
# The stamp sits in the last page's bottom margin (document.css: A4, margin 18mm 16mm 20mm),
# left of the page number: it never covers the plan's text.
MARGIN_LEFT = 16 * 72 / 25.4
BOTTOM, TOP = 5 * 72 / 25.4, 20 * 72 / 25.4 - 4  # 5 mm: inside what printers print
PAGE_NUMBER_WIDTH = 90.0
FONT_SIZE = 7


@dataclass(frozen=True)
class Signatory:
    """One person who signed the plan in the service: name, role key, when (stored moment)."""

    name: str
    role: str
    signed_at: str | datetime


def stamp_text(signatories: Sequence[Signatory], organisation: str, sealed_on: str) -> str:
    """The seal's visible words: who signed in the service, when, and who sealed it (in the
    language being rendered: the archival copy's stamp is in the organisation's language)."""
    people = [
        f"{s.name} ({ROLE_WORDS.get(s.role, s.role)}) {local_date(s.signed_at)}"
        for s in signatories
    ]
    return gettext(
        "Underskriven i formulärtjänsten av %(who)s. Förseglad av %(organisation)s %(date)s.",
        who=format_list(people, locale=current_language()),
        organisation=organisation,
        date=sealed_on,
    )


def stamp_box(writer: Any, page_index: int) -> tuple[int, int, int, int]:
    page = writer.find_page_for_modification(page_index)[0].get_object()
    x0, _, x1, _ = (float(v) for v in page["/MediaBox"])
    return (
        round(x0 + MARGIN_LEFT),
        round(BOTTOM),
        round(x1 - MARGIN_LEFT - PAGE_NUMBER_WIDTH),
        round(TOP),
    )


def stamp_style(text: str, width: float) -> Any:
    from pyhanko.pdf_utils.text import DEFAULT_TEXT_BOX_MARGIN, TextBoxStyle
    from pyhanko.stamp import TextStampStyle

    lines = wrap(text, width - 2 * DEFAULT_TEXT_BOX_MARGIN - 2, FONT_SIZE)
    return TextStampStyle(
        stamp_text="\n".join(lines).replace("%", "%%"),  # the style's template language
        text_box_style=TextBoxStyle(font=_font(), font_size=FONT_SIZE, leading=FONT_SIZE + 2),
        border_width=1,
    )


def _font() -> Any:
    from pyhanko.pdf_utils.font.api import FontEngineFactory
    from pyhanko.pdf_utils.font.opentype import GlyphAccumulator

    class PerMille(GlyphAccumulator):
        """Glyph metrics in the 1000 units per em PDF reads them in.

        pyHanko 0.38 writes widths in the font's own units (DejaVu has 2048 per em), so
        letters would stand twice as far apart; HarfBuzz is asked for 1000 units as well.
        """

        def __init__(self, *args: Any, **kwargs: Any) -> None:
            super().__init__(*args, **kwargs)
            self._per_mille = 1000 / self.units_per_em
            self.hb_font.scale = (1000, 1000)
            self.units_per_em = 1000

        def _get_cid_and_width(self, glyph_id: int) -> tuple[int, int]:
            if glyph_id not in self._glyphs:
                cid, width = super()._get_cid_and_width(glyph_id)
                self._glyphs[glyph_id] = (cid, round(width * self._per_mille))
            result: tuple[int, int] = self._glyphs[glyph_id]
            return result

    class StampFont(FontEngineFactory):
        """DejaVu Sans, embedded as a subset."""

        def create_font_engine(self, writer: Any, obj_stream: Any = None) -> Any:
            if obj_stream is None and writer.stream_xrefs:
                obj_stream = writer.prepare_object_stream()
            return PerMille(
                writer=writer,
                font_handle=io.BytesIO(font_bytes()),
                font_size=FONT_SIZE,
                obj_stream=obj_stream,
            )

    return StampFont()


@cache
def font_bytes() -> bytes:
    """DejaVu Sans without its layout tables: the stamp needs no ligatures or kerning, and
    fontTools would read them all (most of a second) for every seal only to drop them."""
    from fontTools.ttLib import TTFont

    with TTFont(str(FONT)) as font:
        for table in ("GPOS", "GSUB", "GDEF", "MATH", "FFTM"):
            if table in font:
                del font[table]
        buffer = io.BytesIO()
        font.save(buffer)
    return buffer.getvalue()


@cache
def _advances() -> tuple[dict[int, str], dict[str, tuple[int, int]], int]:
    from fontTools.ttLib import TTFont

    with TTFont(io.BytesIO(font_bytes())) as font:
        return font.getBestCmap(), dict(font["hmtx"].metrics), int(font["head"].unitsPerEm)


def wrap(text: str, width: float, size: float) -> list[str]:
    """`text` broken at spaces into lines no wider than `width` points in the stamp's font."""
    cmap, metrics, units = _advances()

    def measure(line: str) -> float:
        glyphs = (cmap.get(ord(c), ".notdef") for c in line)
        return sum(metrics.get(g, (units // 2, 0))[0] for g in glyphs) * size / units

    lines: list[str] = []
    for word in text.split():
        if lines and measure(f"{lines[-1]} {word}") <= width:
            lines[-1] += " " + word
        else:
            lines.append(word)
    return lines
