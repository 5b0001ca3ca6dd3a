"""The organisation's data in `site_config/`: loading, validation and rendering."""

from formserver.siteconfig.errors import ConfigError, Problem
from formserver.siteconfig.loader import load_site_config
from formserver.siteconfig.model import PlanTemplate, QuestionSet, SiteConfig

__all__ = [
    "ConfigError",
    "PlanTemplate",
    "Problem",
    "QuestionSet",
    "SiteConfig",
    "load_site_config",
]
