"""The organisation's data in `site_config/`: loading, validation and rendering."""

from .errors import ConfigError, Problem
from .loader import load_site_config
from .model import PlanTemplate, QuestionSet, SiteConfig

__all__ = [
    "ConfigError",
    "PlanTemplate",
    "Problem",
    "QuestionSet",
    "SiteConfig",
    "load_site_config",
]
