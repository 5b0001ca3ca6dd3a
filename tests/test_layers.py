"""The layers, as the README's tree shows them: each may import only the layers below it,
and no blueprint imports another (what they share lives in views.common or further down)."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

from formserver.paths import PROJECT_ROOT

PACKAGE = PROJECT_ROOT / "formserver"

# What each part of the package may import from the package, besides itself.
ALLOWED: dict[str, set[str]] = {
    "common": set(),
    "paths": set(),
    "config": {"paths"},
    "security": {"common"},
    "store": {"common", "security"},
    "siteconfig": {"paths"},
    "handbook": {"paths", "siteconfig"},
    "recordkeeping": {"common", "security", "store"},
    "documents": {"common", "paths", "recordkeeping", "security", "siteconfig", "store"},
    "services": {"common", "documents", "security", "siteconfig", "store"},
    "forms": {"common", "security", "services", "siteconfig", "store"},
    "access": {"store"},
    "views": {
        "access",
        "common",
        "documents",
        "forms",
        "recordkeeping",
        "security",
        "services",
        "siteconfig",
        "store",
    },
    "cli": {
        "app",
        "common",
        "config",
        "documents",
        "paths",
        "recordkeeping",
        "security",
        "services",
        "siteconfig",
        "store",
    },
    "app": {
        "access",
        "cli",
        "common",
        "config",
        "documents",  # the seal's key is loaded and checked at start-up
        "forms",
        "paths",
        "security",
        "services",
        "siteconfig",
        "store",
        "views",
    },
}


def _imports(path: Path) -> set[str]:
    """The formserver modules a file imports, as dotted names below `formserver`."""
    names = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            if node.module == "formserver":
                names.update(alias.name for alias in node.names)
            elif node.module.startswith("formserver."):
                names.add(node.module.removeprefix("formserver."))
        elif isinstance(node, ast.Import):
            names.update(
                a.name.removeprefix("formserver.")
                for a in node.names
                if a.name.startswith("formserver.")
            )
    return names


def _part(path: Path) -> str:
    relative = path.relative_to(PACKAGE)
    return relative.parts[0].removesuffix(".py")


FILES = sorted(p for p in PACKAGE.rglob("*.py") if p.name != "__init__.py" or p.parent != PACKAGE)


@pytest.mark.parametrize("path", FILES, ids=lambda p: str(p.relative_to(PACKAGE)))
def test_each_module_imports_only_the_layers_below_it(path: Path) -> None:
    part = _part(path)
    used = {name.split(".")[0] for name in _imports(path)} - {part}
    assert used <= ALLOWED[part], f"{path.relative_to(PROJECT_ROOT)} imports {used - ALLOWED[part]}"


def test_no_blueprint_imports_another() -> None:
    views = PACKAGE / "views"
    crossing = {
        (path.name, name)
        for path in views.glob("*.py")
        if path.name not in ("__init__.py", "common.py")
        for name in _imports(path)
        if name.startswith("views.") and name != "views.common"
    }
    assert crossing == set()


def test_the_layer_rules_cover_every_part_of_the_package() -> None:
    parts = {_part(p) for p in FILES}
    assert parts == set(ALLOWED)
