"""The organisation's data in `site_config/`: loading and validation, and the running app's copy."""

from flask import current_app
from flask_babel import get_locale

from formserver.siteconfig.errors import ConfigError, Problem
from formserver.siteconfig.loader import load_site_config
from formserver.siteconfig.model import PlanTemplate, QuestionSet, SiteConfig

EXTENSION = "site_config"


def current() -> SiteConfig:
    """The running app's site configuration, loaded and validated once at start."""
    config: SiteConfig = current_app.extensions[EXTENSION]
    return config


def localized() -> SiteConfig:
    """The site configuration in the language being rendered: the reader's on a page, the one
    forced by `in_language` for an e-mail or the archival copy. Only texts differ: ids,
    versions and kinds are the same in every language."""
    locale = get_locale()  # Flask-Babel's (formserver.common.languages selects it)
    config = current()
    return config.localized(locale.language) if locale is not None else config


__all__ = [
    "EXTENSION",
    "ConfigError",
    "PlanTemplate",
    "Problem",
    "QuestionSet",
    "SiteConfig",
    "current",
    "localized",
    "load_site_config",
]
