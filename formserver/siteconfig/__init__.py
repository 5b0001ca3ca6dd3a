"""The organisation's data in `site_config/`: loading and validation, and the running app's copy."""

from flask import current_app

from formserver.siteconfig.errors import ConfigError, Problem
from formserver.siteconfig.loader import load_site_config
from formserver.siteconfig.model import PlanTemplate, QuestionSet, SiteConfig

EXTENSION = "site_config"


def current() -> SiteConfig:
    """The running app's site configuration, loaded and validated once at start."""
    config: SiteConfig = current_app.extensions[EXTENSION]
    return config


__all__ = [
    "EXTENSION",
    "ConfigError",
    "PlanTemplate",
    "Problem",
    "QuestionSet",
    "SiteConfig",
    "current",
    "load_site_config",
]
