"""YAML with line numbers, and a reader that records every problem with file, line and field."""

from __future__ import annotations

import re
from collections.abc import Iterable
from typing import Any, TypeVar

import yaml

from formserver.siteconfig.errors import Problem
from formserver.siteconfig.model import LANGUAGES, SOURCE_LANGUAGE

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

_LANGUAGE_NAMES = {"sv": "svenska", "en": "engelska"}
_TYPE_NAMES = {str: "text", int: "ett heltal", bool: "true eller false", list: "en lista"}


class Reader:
    """Reads one YAML mapping field by field, recording every problem instead of stopping.

    A reader reads in one `language`. In the source language (Swedish) the translatable
    fields are the ordinary ones; in another language they come from the item's own mapping
    under that language's key (`en:`), which the file must have for every translatable field
    when its `languages` offers the language. A file read in English is read twice: once in
    Swedish, once in English, so both copies have the same ids, versions and kinds.
    """

    def __init__(
        self,
        problems: list[Problem],
        file: str,
        data: Any,
        path: str,
        line: int | None,
        language: str = SOURCE_LANGUAGE,
        offered: tuple[str, ...] = (SOURCE_LANGUAGE,),
    ) -> None:
        self.problems = problems
        self.file = file
        self.path = path
        self.line = getattr(data, "line", line)
        self.language = language
        self.offered = offered
        self.seen: set[str] = set()
        self.translated: set[str] = set()
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
                self.language,
                self.offered,
            )
            for index, item in enumerate(items)
        ]

    def child(self, key: str) -> Reader:
        self.seen.add(key)
        return Reader(
            self.problems,
            self.file,
            self.data.get(key),
            self.field(key),
            self.line,
            self.language,
            self.offered,
        )

    def languages(self) -> tuple[str, ...]:
        """The file's `languages` (Swedish only when absent): every other one listed must have
        its text beside every Swedish text of the file."""
        items = self._get("languages", list, False, [SOURCE_LANGUAGE])
        found: list[str] = []
        for index, item in enumerate(items):
            if item not in LANGUAGES or item in found:
                line = _item_line(items, index, self.line_of("languages"))
                known = ", ".join(LANGUAGES)
                message = f"”{item}” är inte ett språk som stöds, eller står två gånger ({known})."
                self.problems.append(
                    Problem(self.file, line, f"{self.field('languages')}[{index + 1}]", message)
                )
            else:
                found.append(item)
        if SOURCE_LANGUAGE not in found:
            self.fail("languages", f"Ska ta med {SOURCE_LANGUAGE}: källornas text är svensk.")
        self.offered = tuple(found) or (SOURCE_LANGUAGE,)
        return self.offered

    def translated_text(self, key: str, required: bool = True) -> str:
        """A text readers see: the Swedish field, or in another language its translation."""
        swedish = self.text(key, required)
        self.translated.add(key)
        if self.language == SOURCE_LANGUAGE:
            return swedish
        value = self._translation(key, bool(swedish))
        if not swedish or value is None:
            return swedish
        if not isinstance(value, str) or not value.strip():
            self._translation_problem(key, f"Ska vara text, men är {_describe(value)}.")
            return swedish
        return " ".join(value.split())

    def translated_texts(self, key: str) -> tuple[str, ...]:
        """A list of texts readers see (points, header fields): Swedish, or its translation,
        which must have as many texts as the Swedish list."""
        swedish = self.texts(key)
        self.translated.add(key)
        if self.language == SOURCE_LANGUAGE:
            return swedish
        value = self._translation(key, bool(swedish))
        if not swedish or value is None:
            return swedish
        if not isinstance(value, list) or not all(isinstance(v, str) and v.strip() for v in value):
            self._translation_problem(key, "Ska vara en lista med texter.")
            return swedish
        if len(value) != len(swedish):
            self._translation_problem(
                key,
                f"Ska ha lika många texter som den svenska listan ({len(swedish)}), "
                f"men har {len(value)}.",
            )
            return swedish
        return tuple(" ".join(v.split()) for v in value)

    def translated_labels(self, key: str, swedish: dict[int, str]) -> dict[int, str]:
        """Numbered labels (a scale's steps): Swedish, or a translation of every step."""
        self.translated.add(key)
        if self.language == SOURCE_LANGUAGE:
            return swedish
        value = self._translation(key, bool(swedish))
        if not swedish or value is None:
            return swedish
        if not isinstance(value, dict) or set(value) != set(swedish):
            steps = ", ".join(str(step) for step in swedish)
            self._translation_problem(key, f"Ska ha en text för vart och ett av stegen {steps}.")
            return swedish
        if not all(isinstance(v, str) and v.strip() for v in value.values()):
            self._translation_problem(key, "Varje steg ska ha en text.")
            return swedish
        return {step: " ".join(value[step].split()) for step in swedish}

    def _translation(self, key: str, needed: bool) -> Any:
        """The raw value of `key` in this reader's language mapping; reports it missing."""
        mapping = self.data.get(self.language)
        value = mapping.get(key) if isinstance(mapping, dict) else None
        if isinstance(value, str) and not value.strip():
            value = None  # an empty English text is as missing as an absent one
        if value is None and needed and isinstance(mapping, dict | None):
            self._translation_problem(
                key,
                f"Texten på {_LANGUAGE_NAMES[self.language]} saknas. Filen har "
                f"{self.language} i languages: lägg till {key} under {self.language}:.",
            )
        elif value and not needed:
            self._translation_problem(key, "Det finns ingen svensk text här att översätta.")
        return value

    def _translation_problem(self, key: str, message: str) -> None:
        mapping = self.data.get(self.language)
        lines = getattr(mapping, "key_lines", {})
        line = lines.get(key) or self.line_of(key)
        self.problems.append(
            Problem(self.file, line, self.field(f"{self.language}.{key}"), message)
        )

    def _finish_translation(self, language: str) -> None:
        """Check a language mapping (`en:`) once the item's fields have been read."""
        name = _LANGUAGE_NAMES[language]
        if language not in self.offered:
            self.fail(
                language,
                f"Filen erbjuds inte på {name}, men har text på {name} här. Lägg till "
                f"{language} i filens languages (och översätt allt) eller ta bort {language}:.",
            )
            return
        if self.language != language:
            return
        mapping = self.data[language]
        if not isinstance(mapping, dict):
            self.fail(language, "Ska vara en samling fält (nyckel: värde).")
            return
        for key in mapping:
            if key not in self.translated:
                known = ", ".join(sorted(self.translated)) or "inga"
                self._translation_problem(
                    str(key),
                    f"Okänt fält ”{key}” under {language}:. Fält som översätts här: {known}.",
                )

    def finish(self) -> None:
        for language in set(LANGUAGES) - {SOURCE_LANGUAGE}:
            if language in self.data:
                self.seen.add(language)
                self._finish_translation(language)
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
