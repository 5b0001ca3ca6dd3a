"""MkDocs hook: a thin adapter from MkDocs events to `formserver.handbook.markers`."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from mkdocs.exceptions import PluginError

from formserver.handbook import csp
from formserver.handbook import markers as handbook
from formserver.paths import site_config_dir
from formserver.siteconfig import ConfigError, SiteConfig, load_site_config

_state: dict[str, SiteConfig] = {}


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
    return config


def on_page_markdown(markdown: str, page: Any, config: Any, files: Any) -> str:
    """Check the page's front matter and expand its site_config markers."""
    site_config = _state["site_config"]
    docs_dir = Path(config["docs_dir"])
    try:
        handbook.check_front_matter(page.meta, page.file.src_uri)
        expanded = handbook.expand_markers(
            markdown,
            page.file.src_uri,
            site_config,
            lambda uri: (docs_dir / uri).read_text(encoding="utf-8"),
        )
    except handbook.HandbookError as error:
        raise PluginError(str(error)) from None
    return handbook.link_to_service(expanded, site_config.organisation.form_service_url)


def on_post_build(config: Any) -> None:
    """Fail the build if any page or stylesheet would load an asset from another host; write
    the CSP hashes of the pages' inline scripts for the service that may serve them."""
    site_dir = Path(config["site_dir"])
    found = list(handbook.external_assets(site_dir))
    if found:
        lines = "\n".join(f"  - {file}: {url}" for file, url in found[:20])
        raise PluginError(
            "Handboken får inte hämta något från andra webbplatser (integritet, GDPR). "
            f"Externa resurser hittades:\n{lines}"
        )
    csp.write_hashes(site_dir)
