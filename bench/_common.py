"""Shared helpers for the benchmarks in bench/: tables, targets, JSON results, a roster maker.

Not a benchmark by itself. The scripts import it as `_common` (they run as
`python bench/<name>.py`, so bench/ is first on sys.path).
"""

from __future__ import annotations

import json
import os
import platform
import random
import sys
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
RESULTS_DIR = ROOT / "bench" / "results"

ROSTER_HEADER = (
    "anstallningsnummer;namn;epost;enhet;befattning;chef_anstallningsnummer;"
    "anstallningsform;startdatum;slutdatum"
)
FIRST_NAMES = (
    "Åsa", "Björn", "Märta", "Göran", "Örjan", "Linnéa", "Ängla", "Sören", "Maja", "Håkan",
    "Ebba", "Jörgen", "Anna", "Bo", "Cecilia", "Dag", "Eva", "Fredrik", "Gunnel", "Hjördis",
    "Ingrid", "Jonas", "Karin", "Lars", "Märit", "Nils", "Olle", "Pernilla", "Rune", "Sara",
    "Tove", "Ulf", "Vera", "Ylva", "Zäta", "Agneta", "Bengt", "Dörte", "Elsa", "Folke",
)  # fmt: skip
LAST_NAMES = (
    "Åberg", "Öhman", "Bäckström", "Sjöberg", "Lindqvist", "Håkansson", "Ström", "Nordin",
    "Söderberg", "Ekström", "Björk", "Lundgren", "Åström", "Öberg", "Sandström", "Dahl",
    "Hällström", "Forsén", "Näslund", "Wästlund", "Exempelsson", "Provsson", "Testlund",
    "Påhittad", "Demoqvist", "Ledarsson", "Chefsberg", "Personalsson", "Fiktivsson", "Ölund",
)  # fmt: skip
UNITS = (
    "Barn och utbildning", "Vård och omsorg", "Teknik och miljö", "Socialtjänsten",
    "Kultur och fritid", "Ekonomiavdelningen", "HR-avdelningen", "Stadsbyggnad",
    "Räddningstjänsten", "Överförmyndarenheten", "Kommunikation", "Måltidsservice",
)  # fmt: skip
TITLES = (
    "Förskollärare", "Barnskötare", "Undersköterska", "Sjuksköterska", "Handläggare",
    "Ingenjör", "Miljöinspektör", "Lärare", "Kock", "Ekonom", "Socialsekreterare",
    "Vårdbiträde", "Bygglovshandläggare", "Brandman", "Kommunikatör", "Systemförvaltare",
)  # fmt: skip
_ASCII = str.maketrans({"å": "a", "ä": "a", "ö": "o", "é": "e", "Å": "a", "Ä": "a", "Ö": "o"})


@dataclass(frozen=True)
class Target:
    """One target: a measured value compared with a limit, PASS or FAIL."""

    name: str
    value: float
    limit: float
    at_least: bool
    unit: str = ""

    @property
    def passed(self) -> bool:
        """Whether the measured value meets the limit."""
        return self.value >= self.limit if self.at_least else self.value <= self.limit

    def as_dict(self) -> dict[str, Any]:
        """The target for the JSON file."""
        return {
            "name": self.name,
            "value": self.value,
            "limit": self.limit,
            "comparison": ">=" if self.at_least else "<=",
            "unit": self.unit,
            "passed": self.passed,
        }


def fictional_name(index: int) -> str:
    """A fictional Swedish full name, the same for the same index."""
    first = FIRST_NAMES[index % len(FIRST_NAMES)]
    last = LAST_NAMES[(index // len(FIRST_NAMES) + index * 7) % len(LAST_NAMES)]
    return f"{first} {last}"


def email_for(name: str, number: str) -> str:
    """A unique address under example.se: the name folded to ASCII and the employee number."""
    local = ".".join(name.lower().translate(_ASCII).split())
    return f"{local}.{number.lower()}@example.se"


def roster_line(
    number: str,
    name: str,
    unit: str,
    title: str,
    manager: str,
    kind: str = "tillsvidare",
    start: date = date(2020, 1, 1),
    end: date | None = None,
) -> str:
    """One roster CSV line (semicolon-separated, as Swedish Excel writes it)."""
    fields = (number, name, email_for(name, number), unit, title, manager, kind)
    return ";".join((*fields, start.isoformat(), end.isoformat() if end else ""))


def generate_roster(count: int, seed: int = 2026, prefix: str = "E") -> list[str]:
    """`count` roster lines (no header): a manager tree with spans of 8-15, in shuffled order.

    Row k's manager is an earlier row, so the tree has one top and a depth of about
    log_12(count). About 85 % are permanent, 12 % fixed-term (some ending), 3 % "annan".
    """
    rng = random.Random(seed)
    numbers = [f"{prefix}{i:06d}" for i in range(count)]
    managers: list[str] = [""]
    units: list[str] = [UNITS[0]]
    lines: list[str] = []
    parent, children = 0, 0
    span = rng.randint(8, 15)
    for index, number in enumerate(numbers):
        if index:
            if children >= span:
                parent, children, span = parent + 1, 0, rng.randint(8, 15)
            managers.append(numbers[parent])
            # Top managers each get their own unit; staff inherit their manager's unit.
            units.append(UNITS[index % len(UNITS)] if parent == 0 else units[parent])
            children += 1
        draw = rng.random()
        start = date(2000, 1, 1) + timedelta(days=rng.randrange(9000))
        kind, end = "tillsvidare", None
        if draw > 0.97:
            kind = "annan"
        elif draw > 0.85:
            kind, end = "visstid", start + timedelta(days=rng.randrange(60, 900))
        title = "Enhetschef" if index < count // 10 else TITLES[rng.randrange(len(TITLES))]
        name = fictional_name(index)
        lines.append(
            roster_line(number, name, units[index], title, managers[index], kind, start, end)
        )
    rng.shuffle(lines)
    return lines


def roster_bytes(lines: Sequence[str]) -> bytes:
    """A complete roster file: header and lines, UTF-8."""
    return ("\n".join((ROSTER_HEADER, *lines)) + "\n").encode()


def percentile(values: Sequence[float], q: float) -> float:
    """The q-th percentile (0-100) of the values, nearest-rank; 0.0 when there are none."""
    if not values:
        return 0.0
    ordered = sorted(values)
    rank = max(1, min(len(ordered), round(q / 100 * len(ordered) + 0.5)))
    return ordered[rank - 1]


def print_table(headers: Sequence[str], rows: Sequence[Sequence[object]]) -> None:
    """Print a plain table: first column left-aligned, the rest right-aligned."""
    cells = [[str(h) for h in headers], *[[str(c) for c in row] for row in rows]]
    widths = [max(len(row[i]) for row in cells) for i in range(len(headers))]
    for number, row in enumerate(cells):
        parts = [row[0].ljust(widths[0])]
        parts += [cell.rjust(width) for cell, width in zip(row[1:], widths[1:], strict=True)]
        print("  ".join(parts).rstrip())
        if number == 0:
            print("  ".join("-" * width for width in widths))


def print_targets(targets: Sequence[Target]) -> None:
    """Print PASS/FAIL per target with the measured value and the limit."""
    print("\nTargets")
    for target in targets:
        verdict = "PASS" if target.passed else "FAIL"
        sign = ">=" if target.at_least else "<="
        unit = f" {target.unit}" if target.unit else ""
        print(
            f"  {verdict}  {target.name}: {target.value:.3g}{unit} "
            f"(target {sign} {target.limit:g}{unit})"
        )


def filesystem_of(path: Path) -> str:
    """The file system type that holds `path` (from /proc/mounts), or "unknown"."""
    best, kind = "", "unknown"
    try:
        mounts = Path("/proc/mounts").read_text(encoding="utf-8").splitlines()
    except OSError:
        return kind
    resolved = str(path.resolve())
    for line in mounts:
        parts = line.split()
        if len(parts) >= 3 and resolved.startswith(parts[1]) and len(parts[1]) > len(best):
            prefix_ok = resolved == parts[1] or parts[1] == "/" or resolved[len(parts[1])] == "/"
            if prefix_ok:
                best, kind = parts[1], parts[2]
    return kind


def machine() -> dict[str, Any]:
    """What the numbers were measured on."""
    return {
        "python": sys.version.split()[0],
        "platform": platform.platform(),
        "cpus": os.cpu_count(),
        "machine": platform.machine(),
    }


def write_json(path: Path, data: dict[str, Any]) -> None:
    """Write the results as indented UTF-8 JSON and say where."""
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(data, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    print(f"\nJSON: {path}")
