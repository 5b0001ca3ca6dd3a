"""Where the shared folders are: `templates/` and the default `site_config/`.

In a checkout they are the repository's top-level folders. A wheel carries copies of them
inside the package (`formserver/_shipped/`, mapped in pyproject.toml), so an install
outside the checkout finds them too. `FORMSERVER_SITE_CONFIG_DIR` points at the
organisation's own `site_config/`.
"""

from __future__ import annotations

import os
from pathlib import Path

PACKAGE_DIR = Path(__file__).resolve().parent
PROJECT_ROOT = PACKAGE_DIR.parent
SHIPPED_DIR = PACKAGE_DIR / "_shipped"


def _shared(name: str) -> Path:
    """A shared folder: the checkout's own when running from one, else the wheel's copy."""
    in_checkout = PROJECT_ROOT / name
    if (PROJECT_ROOT / "pyproject.toml").is_file() and in_checkout.is_dir():
        return in_checkout
    return SHIPPED_DIR / name


TEMPLATES_DIR = _shared("templates")
STATIC_DIR = TEMPLATES_DIR / "static"
DEFAULT_SITE_CONFIG_DIR = _shared("site_config")


def site_config_dir() -> Path:
    """The `site_config/` folder in use: the environment's choice, else the default one."""
    # The setting SITE_CONFIG_DIR's own variable, read here because the MkDocs hook has no app.
    override = os.environ.get("FORMSERVER_SITE_CONFIG_DIR")
    return Path(override) if override else DEFAULT_SITE_CONFIG_DIR
