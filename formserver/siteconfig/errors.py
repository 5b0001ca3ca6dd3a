"""Configuration problems, reported in plain Swedish with file, line and field."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Problem:
    """One thing wrong in one file."""

    file: str
    line: int | None
    field: str
    message: str

    def __str__(self) -> str:
        where = self.file if self.line is None else f"{self.file}, rad {self.line}"
        field = f", fält {self.field}" if self.field else ""
        return f"{where}{field}: {self.message}"


class ConfigError(Exception):
    """`site_config/` is broken; every problem found is listed."""

    def __init__(self, problems: list[Problem]) -> None:
        self.problems = problems
        lines = "\n".join(f"  - {p}" for p in problems)
        super().__init__(f"Fel i site_config ({len(problems)} st):\n{lines}")
