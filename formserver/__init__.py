"""Medarbetarsamtal: the handbook's shared logic and the form service."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from flask import Flask


def create_app(test_config: dict[str, Any] | None = None) -> Flask:
    """Create the form service (imported lazily so the handbook build needs no Flask app)."""
    from formserver.app import create_app as factory

    return factory(test_config)
