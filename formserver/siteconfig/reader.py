"""YAML with line numbers, and a reader that records every problem with file, line and field."""

from __future__ import annotations

import re
from collections.abc import Iterable
from typing import Any, TypeVar

import yaml

from formserver.siteconfig.errors import Problem

ID_PATTERN = re.compile(r"^[a-z][a-z0-9_]*$")
T = TypeVar("T")


class _Map(dict[Any, Any]):
    """A YAML mapping that remembers its own line and each key's line."""

    line: int = 0
    key_lines: dict[Any, int]


class _Seq(list[Any]):
    """A YAML sequence that remembers the line of each item."""

    line: int = 0
    item_lines: list[int]


class LineLoader(yaml.SafeLoader):
    """SafeLoader that records line numbers (1-based) on mappings and sequences."""


def _construct_map(loader: LineLoader, node: yaml.MappingNode) -> _Map:
    result = _Map()
    result.line = node.start_mark.line + 1
    result.key_lines = {}
    for key_node, value_node in node.value:
        key = loader.construct_object(key_node, deep=True)
        result[key] = loader.construct_object(value_node, deep=True)
        result.key_lines[key] = key_node.start_mark.line + 1
    return result


def _construct_seq(loader: LineLoader, node: yaml.SequenceNode) -> _Seq:
    result = _Seq(loader.construct_object(child, deep=True) for child in node.value)
    result.line = node.start_mark.line + 1
    result.item_lines = [child.start_mark.line + 1 for child in node.value]
    return result


LineLoader.add_constructor(yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG, _construct_map)
LineLoader.add_constructor(yaml.resolver.BaseResolver.DEFAULT_SEQUENCE_TAG, _construct_seq)

_TYPE_NAMES = {str: "text", int: "ett heltal", bool: "true eller false", list: "en lista"}


class Reader:
    """Reads one YAML mapping field by field, recording every problem instead of stopping."""

    def __init__(
        self, problems: list[Problem], file: str, data: Any, path: str, line: int | None
    ) -> None:
        self.problems = problems
        self.file = file
        self.path = path
        self.line = getattr(data, "line", line)
        self.seen: set[str] = set()
        if not isinstance(data, dict):
            self.fail("", "Ska vara en samling fält (nyckel: värde).")
            data = {}
        self.data: dict[Any, Any] = data

    def field(self, key: str) -> str:
        return f"{self.path}.{key}" if self.path else key

    def line_of(self, key: str) -> int | None:
        lines = getattr(self.data, "key_lines", {})
        return lines.get(key, self.line)

    def fail(self, key: str, message: str) -> None:
        self.problems.append(
            Problem(self.file, self.line_of(key), self.field(key) if key else self.path, message)
        )

    def _get(self, key: str, kind: type[T], required: bool, default: T) -> T:
        self.seen.add(key)
        if key not in self.data or self.data[key] is None:
            if required:
                self.fail(key, "Fältet saknas. Lägg till det.")
            return default
        value = self.data[key]
        # bool is an int in Python; a rating of `true` is still wrong.
        if not isinstance(value, kind) or (kind is int and isinstance(value, bool)):
            self.fail(key, f"Ska vara {_TYPE_NAMES[kind]}, men är {_describe(value)}.")
            return default
        return value

    def text(self, key: str, required: bool = True) -> str:
        value = self._get(key, str, required, "")
        return " ".join(value.split()) if value else value

    def integer(self, key: str, minimum: int = 0) -> int:
        value = self._get(key, int, True, minimum)
        if value < minimum:
            self.fail(key, f"Ska vara minst {minimum}, men är {value}.")
        return value

    def boolean(self, key: str) -> bool:
        return self._get(key, bool, True, False)

    def choice(self, key: str, options: Iterable[str]) -> Any:
        value = self.text(key)
        allowed = tuple(options)
        if value and value not in allowed:
            self.fail(key, f"”{value}” är inte tillåtet. Tillåtna värden: {', '.join(allowed)}.")
        return value

    def identifier(self, key: str = "id") -> str:
        value = self.text(key)
        if value and not ID_PATTERN.match(value):
            self.fail(
                key,
                f"”{value}” är inte ett giltigt id. Använd små bokstäver a–z, siffror och _ "
                "(börja med en bokstav).",
            )
        return value

    def texts(self, key: str) -> tuple[str, ...]:
        items = self._get(key, list, False, [])
        result = []
        for index, item in enumerate(items):
            if isinstance(item, str) and item.strip():
                result.append(" ".join(item.split()))
            else:
                line = _item_line(items, index, self.line)
                self.problems.append(
                    Problem(self.file, line, f"{self.field(key)}[{index + 1}]", "Ska vara text.")
                )
        return tuple(result)

    def children(self, key: str, required: bool = True) -> list[Reader]:
        items = self._get(key, list, required, [])
        if required and key in self.data and not items:
            self.fail(key, "Listan är tom. Lägg till minst en.")
        return [
            Reader(
                self.problems,
                self.file,
                item,
                f"{self.field(key)}[{index + 1}]",
                _item_line(items, index, self.line),
            )
            for index, item in enumerate(items)
        ]

    def child(self, key: str) -> Reader:
        self.seen.add(key)
        return Reader(self.problems, self.file, self.data.get(key), self.field(key), self.line)

    def finish(self) -> None:
        for key in self.data:
            if key not in self.seen:
                self.fail(
                    str(key),
                    f"Okänt fält ”{key}”. Kända fält här: {', '.join(sorted(self.seen))}.",
                )


def _item_line(items: Any, index: int, fallback: int | None) -> int | None:
    lines = getattr(items, "item_lines", None)
    return lines[index] if lines else fallback


def _describe(value: Any) -> str:
    if isinstance(value, bool):
        return "true/false"
    if isinstance(value, dict):
        return "en samling fält"
    if isinstance(value, list):
        return "en lista"
    if isinstance(value, int):
        return "ett tal"
    return "text"


def unique(readers: list[Reader], ids: list[str], what: str) -> None:
    """Report every id that appears more than once among sibling readers."""
    first_line: dict[str, int | None] = {}
    for reader, ident in zip(readers, ids, strict=True):
        if not ident:
            continue
        if ident in first_line:
            reader.fail(
                "id",
                f"{what} ”{ident}” finns redan (rad {first_line[ident]}). "
                "Varje id måste vara unikt.",
            )
        else:
            first_line[ident] = reader.line_of("id")
