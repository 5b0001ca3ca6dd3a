"""The handbook in English: every page has its twin under /en/, in English, linked both ways.

Swedish stays at the root with the addresses the form service links to; the English pages are
built by the same `mkdocs build` (mkdocs-static-i18n) from docs/<page>.en.md.
"""

from __future__ import annotations

import base64
import hashlib
import json
import posixpath
import re
from pathlib import Path

import pytest

from formserver.handbook import csp
from formserver.paths import PROJECT_ROOT
from formserver.siteconfig import SiteConfig
from tests.handbook.test_build import PAGES, page_html, set_texts, visible_text

DOCS = PROJECT_ROOT / "docs"
ENGLISH = sorted(
    p.relative_to(DOCS).as_posix().removesuffix(".en.md") + ".md" for p in DOCS.rglob("*.en.md")
)
# Words of the Swedish chrome (header, menu, search, page footer) that must not be on an
# English page outside its article.
SWEDISH_CHROME = [
    "Sök",
    "Huvudmeny",
    "Sidansvarig",
    "Senast granskad",
    "Välj språk",
    "Hoppa till innehåll",
    "Innehållsförteckning",
    "Länk till rubriken",
    "Startar sökning",
    "Rensa",
    "Sidhuvud",
]


def english_html(site: Path, uri: str) -> str:
    return page_html(site / "en", uri)


def chrome(markup: str) -> str:
    """Everything outside the page's article, with scripts and icons left out."""
    outside = markup[: markup.index("<article")] + markup[markup.index("</article>") :]
    return re.sub(r"<(script|svg)\b.*?</\1>", "", outside, flags=re.S)


def switcher_links(markup: str) -> dict[str, str]:
    """The language switcher's links in the header: language → href."""
    pattern = r'<a href="([^"]*)" hreflang="(\w+)" lang="\2" class="md-select__link"'
    links = re.findall(pattern, markup)
    return {language: href for href, language in links}


def url_of(uri: str) -> str:
    """The page's address in the site, as MkDocs' directory URLs make it ("a/b/")."""
    path = uri.removesuffix(".md").removesuffix("index")
    return path if not path or path.endswith("/") else path + "/"


def test_every_swedish_page_has_an_english_twin_and_back() -> None:
    assert ENGLISH == PAGES
    assert len(PAGES) == 24


@pytest.mark.parametrize("page", PAGES)
def test_each_page_speaks_its_language_and_links_to_its_twin(site: Path, page: str) -> None:
    swedish, english = page_html(site, page), english_html(site, page)
    assert '<html lang="sv"' in swedish
    assert '<html lang="en"' in english
    assert re.search(r"Page owner: \S.*Last reviewed: <time>\d{4}-\d\d-\d\d</time>", english)
    for markup, here in ((swedish, url_of(page)), (english, "en/" + url_of(page))):
        links = switcher_links(markup)
        assert set(links) == {"sv", "en"}, here
        targets = {
            language: posixpath.normpath(posixpath.join(here, href)).removeprefix(".")
            for language, href in links.items()
        }
        # Each link leads to the same page in that language, and that page was built.
        assert targets == {
            "sv": url_of(page).rstrip("/"),
            "en": ("en/" + url_of(page)).rstrip("/"),
        }, here
        for target in targets.values():
            assert (site / target / "index.html").is_file(), target


@pytest.mark.parametrize("page", PAGES)
def test_english_pages_have_no_swedish_chrome(site: Path, page: str) -> None:
    outside = chrome(english_html(site, page))
    found = [word for word in SWEDISH_CHROME if re.search(rf"(?<!\w){word}(?!\w)", outside)]
    assert not found, (page, found)
    # The switcher has an accessible name and names each language in its own language.
    assert 'aria-label="Select language"' in outside
    assert 'aria-label="Main menu"' in outside
    assert 'aria-label="Search the handbook"' in outside


def test_the_english_page_is_in_english_not_a_fallback_to_swedish(site: Path) -> None:
    for page in PAGES:
        text = visible_text(english_html(site, page))
        assert "(källa:" not in text, page
        assert re.search(r"\b(the|and|you)\b", text), page


def test_swedish_terms_are_explained_once_on_the_glossary(site: Path) -> None:
    glossary = visible_text(english_html(site, "begrepp.md"))
    for term in ("Medarbetarsamtal", "Allmän handling", "Gallring", "Förberedelse"):
        assert term in glossary, term
    assert "Handlingsplan (action plan)" in glossary
    assert "Utvecklingsplan (development plan)" in glossary


def test_english_404_page_is_in_its_folder_and_the_swedish_one_stays(site: Path) -> None:
    swedish = (site / "404.html").read_text("utf-8")
    english = (site / "en" / "404.html").read_text("utf-8")
    assert '<html lang="sv"' in swedish and "<h1>Sidan finns inte</h1>" in swedish
    assert '<html lang="en"' in english and "<h1>Page not found</h1>" in english


def test_each_language_searches_its_own_pages_with_its_own_stemmer(site: Path) -> None:
    swedish = json.loads((site / "search" / "search_index.json").read_text("utf-8"))
    english = json.loads((site / "en" / "search" / "search_index.json").read_text("utf-8"))
    assert swedish["config"]["lang"] == ["sv"]
    assert english["config"]["lang"] == ["en"]
    for index in (swedish, english):
        assert "stemmer" in index["config"]["pipeline"]
        assert not [d for d in index["docs"] if d["location"].startswith("en/")]
    titles = {d["title"] for d in english["docs"]}
    assert "Checklist for managers" in titles and "Checklista för chefer" not in titles
    assert "Checklista för chefer" in {d["title"] for d in swedish["docs"]}
    # English pages start the English worker and fetch the index from en/.
    start = english_html(site, "index.md")
    assert "workers/search-en.js?search." in start and '"base": "../en/"' in start
    deep = english_html(site, "fragor/rutin.md")
    assert '"base": "../../../en/"' in deep and "search-sv.js" not in deep
    assert "workers/search-sv.js?search." in page_html(site, "index.md")


def test_csp_hashes_cover_the_english_pages_inline_scripts(site: Path) -> None:
    allowed = set((site / csp.HASHES_FILE).read_text("utf-8").split())
    for page in (site / "en").rglob("*.html"):
        parser = csp._InlineScripts()
        parser.feed(page.read_text("utf-8"))
        for script in parser.scripts:
            digest = base64.b64encode(hashlib.sha256(script.encode()).digest()).decode()
            assert f"'sha256-{digest}'" in allowed, page


def english_config(site_config: SiteConfig) -> SiteConfig:
    """The site_config in English where the enconfig branch provides it, else as it is."""
    localized = getattr(site_config, "localized", None)
    return localized("en") if localized else site_config


@pytest.mark.parametrize("set_id", ["rutin", "kompetenssamtal", "rollsamtal", "goteborg"])
def test_english_question_set_pages_show_site_config_texts(
    site: Path, site_config: SiteConfig, set_id: str
) -> None:
    on_page = visible_text(english_html(site, f"fragor/{set_id}.md"))
    assert "<!--" not in english_html(site, f"fragor/{set_id}.md").split("<article")[1]
    for text in set_texts(english_config(site_config), set_id):
        assert text in on_page, text


def test_english_pages_link_source_notes_to_the_list_of_sources(site: Path) -> None:
    whole = english_html(site, "hela-rutinen.md")
    assert '(source: <a href="#kallor">Rutin för medarbetarsamtal</a>)' in whole
    assert "<!--" not in whole.split("<article")[1].split("</article>")[0]


def english_sentences(site: Path, containing: str) -> list[tuple[str, str]]:
    """Every sentence on every English page that contains `containing`, with its page."""
    found = []
    for page in PAGES:
        for sentence in re.split(r"(?<=[.!?])\s+", visible_text(english_html(site, page))):
            if containing in sentence:
                found.append((page, sentence))
    return found


def test_english_keeps_the_sources_rules_as_the_swedish_does(site: Path) -> None:
    """The same checks as test_fidelity.py, on the English wording."""
    # The violence section: not to be documented in this talk; no stricter "never".
    for page in PAGES:
        lowered = visible_text(english_html(site, page)).lower()
        for stricter in ("never document", "never be written down", "nothing is written down"):
            assert stricter not in lowered, (page, stricter)
    for page in ("dokumentera.md", "fragor/goteborg.md", "genomfor.md"):
        assert "not to be documented in" in visible_text(english_html(site, page)), page
    # 1:1 is a recommendation wherever it is mentioned.
    mentions = english_sentences(site, "1:1")
    assert {page for page, _ in mentions} >= {"vem-och-nar.md", "genomfor.md"}
    for page, sentence in mentions:
        # A question set's intro comes from site_config: Swedish where it has no English yet.
        assert re.search("[Rr]ecommend|[Rr]ekommend", sentence), (page, sentence)
    # WinLas is only the source organisation's example.
    for page, sentence in english_sentences(site, "WinLas"):
        assert "source's organisation" in sentence or "that organisation" in sentence, (
            page,
            sentence,
        )
    # All notes are shared; the signature is the service's own, not a source's rule.
    dokumentera = visible_text(english_html(site, "dokumentera.md"))
    assert "After the talk, all notes shall be shared with the employee" in dokumentera
    assert "the form service's own way of confirming" in dokumentera
    assert "It is not a rule from the sources." in dokumentera
