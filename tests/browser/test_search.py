"""The handbook's search box in Chromium, typed into as a reader does, on the built site.

Each inflected form (plural, definite, genitive) must bring up the page that treats the
concept among the first results; nonsense must find nothing. Served by the form service, under
its CSP (inline scripts by hash only), the pages and the search work with no CSP violation.
"""

from __future__ import annotations

import functools
import threading
from collections.abc import Iterator
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest
import yaml
from playwright.sync_api import Browser, Page, expect

from tests.browser.support import CONTEXT, DOCS, Service

# The first results a reader sees without scrolling the result list.
FIRST = 5

INFLECTED = [
    ("chefer", "Vem har medarbetarsamtal och när?"),
    ("chefens", "Vem har medarbetarsamtal och när?"),
    ("handlingsplanen", "Handlingsplan för individuella mål och kompetensutveckling"),
    ("handlingsplaner", "Handlingsplan för individuella mål och kompetensutveckling"),
    ("bisyssla", "Frågor ur Göteborgs Stads mall"),
    ("bisysslor", "Frågor ur Göteborgs Stads mall"),
    ("kompetensutvecklingen", "Frågor för kompetenssamtal"),
    ("kompetenssamtalen", "Frågor för kompetenssamtal"),
    ("utvecklingsplanen", "Individuell utvecklingsplan"),
    ("utvecklingsplaner", "Individuell utvecklingsplan"),
    ("aktivitetsplanen", "Aktivitetsplan"),
    ("aktivitetsplaners", "Aktivitetsplan"),
    ("förberedelsen", "Förbered samtalet"),
    ("dokumentationen", "Dokumentera samtalet"),
    ("underskriften", "Dokumentera samtalet"),
    ("våldet", "Frågor ur Göteborgs Stads mall"),
    ("begreppen", "Begrepp"),
    ("källorna", "Källor"),
]
NONSENSE = ["xyzzyq", "qwrtplk", "blorfsnäck"]

# The English pages (/en/), searched in English with lunr's English stemmer (search-en.js).
ENGLISH = [
    ("managers", "Checklist for managers"),
    ("manager's", "Checklist for managers"),
    ("development plan", "Individual utvecklingsplan (development plan)"),
    ("preparation", "Prepare the talk"),
    ("preparing", "Prepare the talk"),
    ("glossary", "Glossary"),
]

# Remembers which query Material's search worker last answered (it answers in order), so the
# test reads the result list only once it shows the whole typed query, not a prefix of it.
WATCH_WORKER = """(() => {
  const Original = window.Worker;
  window.__answered = null;
  window.Worker = class extends Original {
    constructor(...args) {
      super(...args);
      const pending = [];
      const send = this.postMessage.bind(this);
      this.postMessage = (message, ...rest) => {
        if (message && typeof message.data === 'string') pending.push(message.data);
        send(message, ...rest);
      };
      this.addEventListener('message', (event) => {
        if (event.data && Array.isArray(event.data.data?.items)) {
          window.__answered = pending.shift();
        }
      });
    }
  };
})()"""


class _Quiet(SimpleHTTPRequestHandler):
    def log_message(self, format: str, *args: Any) -> None:
        """No access log in the test output."""


@pytest.fixture(scope="module")
def static_host(handbook_site: Path) -> Iterator[str]:
    """The built handbook on a plain static file server, as it is published."""
    server = ThreadingHTTPServer(
        ("127.0.0.1", 0), functools.partial(_Quiet, directory=str(handbook_site))
    )
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{server.server_port}/"
    server.shutdown()
    server.server_close()


@pytest.fixture(scope="module")
def search_page(browser: Browser, static_host: str) -> Iterator[Page]:
    """The handbook's start page in one tab, search index loaded."""
    context = browser.new_context(**CONTEXT)
    context.set_default_timeout(15_000)
    context.add_init_script(WATCH_WORKER)
    page = context.new_page()
    page.goto(static_host)
    yield page
    context.close()


def search(page: Page, query: str, box_name: str = "Sök") -> list[str]:
    """Type the query into the search box and return the titles of the first results."""
    box = page.get_by_role("textbox", name=box_name)
    box.click()
    box.press("Control+A")
    box.press("Backspace")
    box.press_sequentially(query, delay=30)
    page.wait_for_function("q => window.__answered === q", arg=query)
    titles = page.locator(".md-search-result__list > li .md-search-result__article h1")
    return titles.all_inner_texts()[:FIRST]


@pytest.mark.parametrize(("query", "page_title"), INFLECTED, ids=[q for q, _ in INFLECTED])
def test_an_inflected_form_finds_the_page_on_the_concept(
    search_page: Page, query: str, page_title: str
) -> None:
    assert page_title in search(search_page, query)


@pytest.mark.parametrize("query", NONSENSE)
def test_nonsense_finds_nothing(search_page: Page, query: str) -> None:
    assert search(search_page, query) == []
    expect(search_page.locator(".md-search-result__meta")).to_have_text("Inga sökresultat")


@pytest.fixture(scope="module")
def english_search_page(browser: Browser, static_host: str) -> Iterator[Page]:
    """The handbook's English start page in one tab, its search index loaded."""
    context = browser.new_context(**CONTEXT)
    context.set_default_timeout(15_000)
    context.add_init_script(WATCH_WORKER)
    page = context.new_page()
    page.goto(f"{static_host}en/")
    yield page
    context.close()


@pytest.mark.parametrize(("query", "page_title"), ENGLISH, ids=[q for q, _ in ENGLISH])
def test_en_an_english_word_finds_the_english_page(
    english_search_page: Page, query: str, page_title: str
) -> None:
    assert page_title in search(english_search_page, query, "Search")


def test_en_results_are_english_pages_under_en(english_search_page: Page) -> None:
    titles = search(english_search_page, "medarbetarsamtal", "Search")
    swedish = {
        yaml.safe_load(page.read_text("utf-8").split("---")[1])["title"]
        for page in DOCS.rglob("*.md")
        if not page.name.endswith(".en.md")
    }
    assert titles and not swedish & set(titles), titles
    links = english_search_page.locator(".md-search-result__list > li > a")
    for href in links.evaluate_all("links => links.map(a => a.href)"):
        assert "/en/" in href, href
    links.first.click()
    english_search_page.wait_for_load_state("load")
    assert "/en/" in english_search_page.url
    assert english_search_page.locator("html").get_attribute("lang") == "en"
    english_search_page.goto(english_search_page.url.split("/en/")[0] + "/en/")


def test_en_nonsense_finds_nothing_in_english(english_search_page: Page) -> None:
    assert search(english_search_page, "xyzzyq", "Search") == []
    expect(english_search_page.locator(".md-search-result__meta")).to_have_text(
        "No matching documents"
    )


# Every CSP violation on the page or in its workers, as the browser reports it.
WATCH_CSP = """(() => {
  window.__violations = [];
  document.addEventListener('securitypolicyviolation', (e) => {
    window.__violations.push(`${e.violatedDirective} ${e.blockedURI}`);
  });
})()"""


@pytest.mark.parametrize(
    ("paths", "query", "box_name", "expected"),
    [
        (
            ("", "fragor/goteborg/", "404.html"),
            "bisysslor",
            "Sök",
            "Frågor ur Göteborgs Stads mall",
        ),
        (
            ("en/", "en/fragor/goteborg/", "en/404.html"),
            "managers",
            "Search",
            "Checklist for managers",
        ),
    ],
    ids=["sv", "en_english"],
)
def test_served_by_the_service_the_pages_and_search_run_under_its_csp(
    browser: Browser,
    seeded_service: Service,
    paths: tuple[str, ...],
    query: str,
    box_name: str,
    expected: str,
) -> None:
    context = browser.new_context(**CONTEXT)
    context.set_default_timeout(15_000)
    context.add_init_script(WATCH_WORKER)
    context.add_init_script(WATCH_CSP)
    page = context.new_page()
    errors: list[str] = []
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    page.on("pageerror", lambda e: errors.append(str(e)))
    try:
        for path in paths:
            response = page.goto(f"{seeded_service.url}/handbok/{path}")
            assert response is not None
            # Material's inline head script ran: it defines __md_get for the rest of the page.
            assert page.evaluate("typeof __md_get") == "function", path
            assert expected in search(page, query, box_name), path
            assert page.evaluate("window.__violations") == [], path
            policy = response.headers["content-security-policy"]
            assert "'unsafe-inline'" not in policy.split("script-src")[1].split(";")[0]
        assert errors == []
    finally:
        context.close()
