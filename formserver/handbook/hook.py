"""MkDocs hook: a thin adapter from MkDocs events to `formserver.handbook.markers`.

The handbook is built once per language by mkdocs-static-i18n (Swedish at the root, English
under /en/, see mkdocs.yml): MkDocs runs these events for each language's build in turn, the
other languages' builds nested inside the Swedish build's `on_post_build`.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

from mkdocs.exceptions import PluginError
from mkdocs.plugins import event_priority

from formserver.handbook import csp, search
from formserver.handbook import markers as handbook
from formserver.paths import site_config_dir
from formserver.siteconfig import ConfigError, SiteConfig, load_site_config

_state: dict[str, SiteConfig] = {}
_not_found: dict[str, str] = {}
DEFAULT_LANGUAGE = "sv"


def build_language(config: Any) -> str:
    """The language this build is for. The i18n plugin builds the other languages while its
    `building` is set; outside those nested builds (before and after them) it is Swedish."""
    i18n = config["plugins"].get("i18n")
    if i18n is not None and i18n.building:
        return str(i18n.current_language)
    return DEFAULT_LANGUAGE


# Before the search plugin's on_config (priority 0), which reads its `lang`.
@event_priority(10)
def on_config(config: Any) -> Any:
    """Load and validate `site_config/`; a broken file stops the build with its problems."""
    try:
        _state["site_config"] = load_site_config(site_config_dir())
    except ConfigError as error:
        raise PluginError(str(error)) from None
    # The header partial (templates/handbook/theme/partials/header.html) shows whose routine it is.
    config["extra"]["organisation"] = _state["site_config"].organisation.name
    if not config.get("site_url"):
        # One source: without it the 404 page's links break when the handbook is not at "/".
        config["site_url"] = _state["site_config"].organisation.handbook_url
    # Each language's pages are searched in their own index, stemmed for that language.
    search.set_language(config, build_language(config))
    return config


def _page_reader(docs_dir: Path, language: str) -> Any:
    """Reads a page by its name without a language suffix, in `language` ("a.md" → "a.en.md")."""

    def read(uri: str) -> str:
        if language != DEFAULT_LANGUAGE:
            uri = f"{uri.removesuffix('.md')}.{language}.md"
        return (docs_dir / uri).read_text(encoding="utf-8")

    return read


def on_page_markdown(markdown: str, page: Any, config: Any, files: Any) -> str:
    """Check the page's front matter and expand its site_config markers."""
    site_config = _state["site_config"]
    language = getattr(page.file, "locale", None) or DEFAULT_LANGUAGE
    uri = getattr(page.file, "norm_src_uri", None) or page.file.src_uri
    try:
        handbook.check_front_matter(page.meta, page.file.src_uri)
        expanded = handbook.expand_markers(
            markdown,
            uri,
            site_config,
            _page_reader(Path(config["docs_dir"]), language),
            language=language,
        )
    except handbook.HandbookError as error:
        raise PluginError(str(error)) from None
    return handbook.link_to_service(expanded, site_config.organisation.form_service_url)


# mkdocs.yml's toc `permalink_title` is Swedish and markdown settings cannot differ by language.
PERMALINK_TITLES = {"en": ("Länk till rubriken", "Link to this heading")}


def on_page_content(html: str, page: Any, config: Any, files: Any) -> str:
    """Give the heading links on a page in another language their title in that language."""
    language = getattr(page.file, "locale", None) or DEFAULT_LANGUAGE
    if language in PERMALINK_TITLES:
        swedish, translated = PERMALINK_TITLES[language]
        html = html.replace(f'title="{swedish}"', f'title="{translated}"')
    return html


# Material's script takes each <link rel="alternate" hreflang> in the head as a language's root
# and fetches sitemap.xml beside it; the i18n plugin points them at the page's counterpart, so
# each page would ask for a sitemap that does not exist (a 404 in the console). The language
# switcher in the header links to the counterpart itself (partials/alternate.html).
ALTERNATE_LINK = re.compile(r'\n?[ \t]*<link rel="alternate" href="[^"]*" hreflang="[^"]*">')


def on_post_page(output: str, page: Any, config: Any) -> str:
    """Drop the head's language alternates (see ALTERNATE_LINK)."""
    return ALTERNATE_LINK.sub("", output)


def on_post_template(output: str, template_name: str, config: Any) -> str:
    """Keep each language's 404 page: every language's build writes it to the same 404.html."""
    if template_name == "404.html":
        output = ALTERNATE_LINK.sub("", output)
        _not_found[build_language(config)] = output
    return output


# After the i18n plugin's on_post_build (priority -100), which builds the other languages.
@event_priority(-110)
def on_post_build(config: Any) -> None:
    """Split the search index by language; once every language is built, fail the build if any
    page or stylesheet would load an asset from another host, and write the CSP hashes of the
    pages' inline scripts for the service that may serve them."""
    site_dir = Path(config["site_dir"])
    language = build_language(config)
    search.split_index(site_dir, language, DEFAULT_LANGUAGE)
    if language in _not_found:
        # Swedish at the root; other languages' in their folder (en/404.html).
        folder = site_dir if language == DEFAULT_LANGUAGE else site_dir / language
        folder.mkdir(parents=True, exist_ok=True)
        (folder / "404.html").write_text(_not_found[language], encoding="utf-8")
    if language != DEFAULT_LANGUAGE:
        return  # a nested build: the Swedish build's own on_post_build comes last
    found = list(handbook.external_assets(site_dir))
    if found:
        lines = "\n".join(f"  - {file}: {url}" for file, url in found[:20])
        raise PluginError(
            "Handboken får inte hämta något från andra webbplatser (integritet, GDPR). "
            f"Externa resurser hittades:\n{lines}"
        )
    csp.write_hashes(site_dir)
