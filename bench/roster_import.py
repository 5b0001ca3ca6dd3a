"""Roster import speed: parse and import a 50,000-row HR roster ("must import in seconds").

What is measured. A generated roster (bench/_common.generate_roster: fictional names with å, ä
and ö, addresses under example.se, a manager tree with spans of 8-15 and a depth of about five,
permanent, fixed-term and other employment, in shuffled order; about 6 MB) goes through the
service's own code, in this process, against a fresh SQLite database in a temporary folder
(store.db.connect: WAL, synchronous=FULL):

  csv floor        decode UTF-8 and split every record with the csv module: the baseline
  parse_roster     formserver.services.roster.parse_roster: every cell and the manager chain checked
  first import     store.people.import_roster into the freshly migrated database
  re-import same   import_roster with the same rows again (everything unchanged)
  parse changed    parse_roster of the file with --changed (1 %) rows edited (title, unit, name)
  re-import 1 %    import_roster of those rows (1 % updated, the rest unchanged)

Each phase runs --repeat times (each repeat with a new database); the median is reported, as
seconds, rows per second and a ratio to the csv floor. Every import's summary is checked
(created, updated, unchanged, left). Memory: the process's peak resident size while each phase
ran (VmHWM, reset before each phase through /proc/self/clear_refs where the kernel allows), and
in a separate pass the peak of Python allocations per phase (tracemalloc; SQLite's own memory is
not traced there). Target: parse + first import <= 5 s for 50,000 rows. The script exits 0 when
the target is missed; read PASS/FAIL.

Run: `make bench`, or `.venv/bin/python bench/roster_import.py [--rows 50000] [--repeat 3]
[--json PATH]`. JSON goes to bench/results/roster_import.json.
"""

from __future__ import annotations

import argparse
import csv
import io
import random
import resource
import statistics
import tempfile
import time
import tracemalloc
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

import _common

from formserver.services.roster import parse_roster
from formserver.store import db
from formserver.store.people import ImportSummary, RosterRow, import_roster

TARGET_SECONDS = 5.0
MB = 1024 * 1024
PHASES = (
    ("floor", "csv floor: decode + csv.reader"),
    ("parse", "parse_roster"),
    ("import", "first import (fresh database)"),
    ("parse+import", "parse + first import"),
    ("reimport", "re-import, same rows"),
    ("parse_changed", "parse_roster, changed file"),
    ("reimport_changed", "re-import, changed rows"),
)


@dataclass
class Phase:
    """The figures for one phase, over every repeat."""

    name: str
    label: str
    runs: list[float]
    seconds: float
    rows_per_second: float
    vs_floor: float
    peak_rss_mb: float | None
    rss_growth_mb: float | None
    traced_peak_mb: float | None


def csv_floor(data: bytes) -> int:
    """Decode and split the file with the csv module only; return the number of records."""
    text = data.decode("utf-8")
    return sum(1 for _ in csv.reader(io.StringIO(text, newline=""), delimiter=";")) - 1


def change_rows(lines: Sequence[str], share: float, seed: int) -> tuple[list[str], int]:
    """A copy of the roster lines with `share` of them edited as HR would: title, unit, name."""
    rng = random.Random(seed)
    changed = list(lines)
    picked = rng.sample(range(len(lines)), max(1, round(len(lines) * share)))
    for number, index in enumerate(picked):
        fields = changed[index].split(";")
        if number % 3 == 0:
            fields[4] = "Samordnare" if fields[4] != "Samordnare" else "Utvecklare"
        elif number % 3 == 1:
            fields[3] = "Förvaltningsstöd" if fields[3] != "Förvaltningsstöd" else "Ekonomi"
        else:
            first = fields[1].split(" ", 1)[0]
            fields[1] = f"{first} Ändradsson" if not fields[1].endswith("Ändradsson") else first
        changed[index] = ";".join(fields)
    return changed, len(picked)


def rows_of(data: bytes) -> tuple[RosterRow, ...]:
    """Parse a roster that must be valid; stop with its first errors otherwise."""
    result = parse_roster(data)
    if not result.ok:
        errors = "; ".join(str(error) for error in result.errors[:5])
        raise SystemExit(f"the generated roster has {len(result.errors)} errors: {errors}")
    return result.rows


def expect(summary: ImportSummary, created: int, updated: int, unchanged: int) -> None:
    """Stop unless the import did exactly what it should."""
    wanted = ImportSummary(created, updated, unchanged, 0)
    if summary != wanted:
        raise SystemExit(f"import summary {summary}, expected {wanted}")


class Meter:
    """Times phases; tracks peak RSS per phase, and optionally peak traced allocations."""

    def __init__(self, traced: bool) -> None:
        self.traced = traced
        self.times: dict[str, list[float]] = {}
        self.peaks: dict[str, float] = {}
        self.growth: dict[str, float] = {}
        self.resettable = _reset_peak_rss()

    def run(self, name: str, work: Callable[[], Any]) -> Any:
        """Run one phase and record its time and memory."""
        before = 0
        if self.traced:
            tracemalloc.reset_peak()
            before = tracemalloc.get_traced_memory()[0]
        elif self.resettable:
            _reset_peak_rss()
        start_rss = _rss_mb()
        start = time.perf_counter()
        result = work()
        elapsed = time.perf_counter() - start
        if self.traced:
            peak = (tracemalloc.get_traced_memory()[1] - before) / MB
        else:
            peak = _peak_rss_mb()
            self.times.setdefault(name, []).append(elapsed)
            self.growth[name] = max(self.growth.get(name, 0.0), peak - start_rss)
        self.peaks[name] = max(self.peaks.get(name, 0.0), peak)
        return result


def _reset_peak_rss() -> bool:
    """Reset this process's peak RSS (VmHWM); False where the kernel does not allow it."""
    try:
        Path("/proc/self/clear_refs").write_text("5\n")
        return True
    except OSError:
        return False


def _rss_mb() -> float:
    """This process's resident size now (0.0 where /proc is not available)."""
    try:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) * 1024 / MB
    except OSError:
        pass
    return 0.0


def _peak_rss_mb() -> float:
    """This process's peak RSS since the last reset (or since it started)."""
    try:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) * 1024 / MB
    except OSError:
        pass
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def one_pass(
    meter: Meter, data: bytes, changed_data: bytes, rows: int, changed: int, tmp: Path, run: int
) -> None:
    """Every phase once, with a new database."""
    meter.run("floor", lambda: csv_floor(data))
    parsed = meter.run("parse", lambda: rows_of(data))
    if len(parsed) != rows:
        raise SystemExit(f"parse_roster returned {len(parsed)} rows, expected {rows}")
    conn = db.connect(tmp / f"roster-{run}-{'t' if meter.traced else 'm'}.sqlite3")
    try:
        db.migrate(conn)
        expect(meter.run("import", lambda: import_roster(conn, parsed)), rows, 0, 0)
        expect(meter.run("reimport", lambda: import_roster(conn, parsed)), 0, 0, rows)
        edited = meter.run("parse_changed", lambda: rows_of(changed_data))
        summary = meter.run("reimport_changed", lambda: import_roster(conn, edited))
        expect(summary, 0, changed, rows - changed)
        count = conn.execute("SELECT count(*) FROM people WHERE in_roster = 1").fetchone()[0]
        if count != rows:
            raise SystemExit(f"{count} people in the database, expected {rows}")
    finally:
        conn.close()


def summarise(meter: Meter, traced: Meter | None, rows: int) -> list[Phase]:
    """Medians, rates and ratios per phase; parse + import is summed per repeat."""
    times = dict(meter.times)
    times["parse+import"] = [p + i for p, i in zip(times["parse"], times["import"], strict=True)]
    floor = statistics.median(times["floor"])
    phases = []
    for name, label in PHASES:
        runs = times[name]
        seconds = statistics.median(runs)
        both = ("parse", "import") if name == "parse+import" else (name,)
        peak = max(meter.peaks[part] for part in both)
        growth = max(meter.growth[part] for part in both)
        traced_peak = None
        if traced is not None:
            traced_peak = max(traced.peaks[part] for part in both)
        phases.append(
            Phase(
                name=name,
                label=label,
                runs=runs,
                seconds=seconds,
                rows_per_second=rows / seconds if seconds else 0.0,
                vs_floor=seconds / floor if floor else 0.0,
                peak_rss_mb=peak if meter.resettable else None,
                rss_growth_mb=growth if meter.resettable else None,
                traced_peak_mb=traced_peak,
            )
        )
    return phases


def report(
    phases: list[Phase], rows: int, size: int, changed: int, repeat: int, maxrss: float
) -> None:
    """Print the table."""
    print(
        f"Roster import benchmark: {rows:,} rows ({size / MB:.1f} MB), {changed:,} changed rows "
        f"in the second file, median of {repeat}\n"
    )
    table = [
        (
            phase.label,
            f"{phase.seconds:.3f}",
            f"{phase.rows_per_second:,.0f}",
            f"{phase.vs_floor:.1f}x",
            (
                f"{phase.peak_rss_mb:.0f} (+{phase.rss_growth_mb:.0f})"
                if phase.peak_rss_mb is not None and phase.rss_growth_mb is not None
                else "-"
            ),
            f"{phase.traced_peak_mb:.1f}" if phase.traced_peak_mb is not None else "-",
        )
        for phase in phases
    ]
    headers = ("phase", "seconds", "rows/s", "vs floor", "peak RSS MB (+phase)", "py alloc MB")
    _common.print_table(headers, table)
    print(
        "  peak RSS: the whole process while the phase ran (+ growth above its RSS when the "
        "phase began,\n  which includes the generated files and earlier phases' rows). "
        "py alloc: tracemalloc peak in a\n  separate pass, above what was allocated when the "
        "phase began (SQLite's own memory not traced)."
    )
    print(f"  process max RSS over the timed passes: {maxrss:.0f} MB")


def main() -> None:
    """Generate the roster, measure every phase, print the table and write the JSON."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--rows", type=int, default=50_000, help="people in the roster")
    parser.add_argument("--repeat", type=int, default=3, help="runs per phase (median reported)")
    parser.add_argument("--changed", type=float, default=0.01, help="share of rows to change")
    parser.add_argument("--seed", type=int, default=2026, help="seed for the generated roster")
    parser.add_argument("--no-tracemalloc", action="store_true", help="skip the allocation pass")
    parser.add_argument("--tmpdir", type=Path, default=None, help="where the databases go")
    parser.add_argument(
        "--json", type=Path, default=_common.RESULTS_DIR / "roster_import.json", help="JSON output"
    )
    args = parser.parse_args()
    if args.rows < 2 or args.repeat < 1 or not 0 < args.changed < 1:
        parser.error("--rows >= 2, --repeat >= 1 and 0 < --changed < 1")
    lines = _common.generate_roster(args.rows, seed=args.seed)
    data = _common.roster_bytes(lines)
    changed_lines, changed = change_rows(lines, args.changed, args.seed + 1)
    changed_data = _common.roster_bytes(changed_lines)
    with tempfile.TemporaryDirectory(prefix="roster-bench-", dir=args.tmpdir) as name:
        tmp = Path(name)
        filesystem = _common.filesystem_of(tmp)
        meter = Meter(traced=False)
        for run in range(args.repeat):
            one_pass(meter, data, changed_data, args.rows, changed, tmp, run)
        maxrss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
        traced = None
        if not args.no_tracemalloc:
            traced = Meter(traced=True)
            tracemalloc.start()
            try:
                one_pass(traced, data, changed_data, args.rows, changed, tmp, 0)
            finally:
                tracemalloc.stop()
        database_mb = max(p.stat().st_size for p in tmp.glob("*.sqlite3")) / MB
    phases = summarise(meter, traced, args.rows)
    report(phases, args.rows, len(data), changed, args.repeat, maxrss)
    print(f"  database file after the imports: {database_mb:.1f} MB on {filesystem}")
    total = next(phase for phase in phases if phase.name == "parse+import")
    targets = [
        _common.Target(
            f"parse + first import of {args.rows:,} rows", total.seconds, TARGET_SECONDS, False, "s"
        )
    ]
    _common.print_targets(targets)
    _common.write_json(
        args.json,
        {
            "benchmark": "roster_import",
            "settings": {
                "rows": args.rows,
                "repeat": args.repeat,
                "changed_rows": changed,
                "seed": args.seed,
                "file_bytes": len(data),
                "database_filesystem": filesystem,
                "database_mb": database_mb,
            },
            "machine": _common.machine(),
            "phases": [asdict(phase) for phase in phases],
            "max_rss_mb": maxrss,
            "targets": [target.as_dict() for target in targets],
        },
    )


if __name__ == "__main__":
    main()
