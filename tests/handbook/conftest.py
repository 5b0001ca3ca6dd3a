"""The handbook built once from the real docs/ and site_config/, for every handbook test."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.handbook.test_build import build


@pytest.fixture(scope="session")
def site(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The handbook, built once from the real docs/ and site_config/."""
    site_dir = tmp_path_factory.mktemp("site")
    result = build(site_dir)
    assert result.returncode == 0, result.stderr
    return site_dir
