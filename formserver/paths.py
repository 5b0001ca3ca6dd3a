"""Where the project's shared folders are; `FORMSERVER_SITE_CONFIG_DIR` moves `site_config/`."""

from __future__ import annotations

import os
from pathlib import Path

PROJECT_ROOT = Path(__file__).resolve().parent.parent
TEMPLATES_DIR = PROJECT_ROOT / "templates"
STATIC_DIR = TEMPLATES_DIR / "static"


def site_config_dir() -> Path:
    """The `site_config/` folder in use: the environment's choice, else the project's own."""
    # The setting SITE_CONFIG_DIR's own variable, read here because the MkDocs hook has no app.
    override = os.environ.get("FORMSERVER_SITE_CONFIG_DIR")
    return Path(override) if override else PROJECT_ROOT / "site_config"
