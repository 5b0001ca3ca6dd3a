"""Pages read with BeautifulSoup, so that view tests can ask "inside this fieldset"."""

from __future__ import annotations

from typing import Any

from bs4 import BeautifulSoup, Tag


def parse(html: str) -> BeautifulSoup:
    """The page as a tree (the standard library's HTML parser under BeautifulSoup)."""
    return BeautifulSoup(html, "html.parser")


def one(scope: Tag, name: str, **filters: Any) -> Tag:
    """The only element inside `scope` with this tag that matches find_all's filters."""
    found = scope.find_all(name, **filters)
    assert len(found) == 1, f"expected one <{name} {filters}>, found {len(found)}"
    element: Tag = found[0]
    return element


def text_of(element: Tag) -> str:
    """The text inside with whitespace collapsed, as a reader sees it."""
    return " ".join(element.get_text().split())
