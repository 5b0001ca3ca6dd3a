"""Roster import speed: parse and import a 50,000-row HR roster ("must import in seconds").

A generated roster (harness.generate_roster: fictional names with å, ä and ö, a manager tree
with spans of 8-15 and a depth of about five, permanent, fixed-term and other employment, in
shuffled order; about 6 MB) goes through the service's own code in this process, against a
fresh SQLite database (store.db.connect: WAL, synchronous=FULL). Phases: the csv floor (decode
and split with the csv module, the baseline), parse_roster, the first import, a re-import of
the same rows, parse_roster of a file with 1 % of its rows edited (title, unit, name) and
their re-import. Each phase runs --repeat times, each with a new database; reported are the
median seconds, rows per second and the ratio to the csv floor; every import's summary is
checked. Memory: the process's peak RSS per phase (VmHWM, reset through /proc/self/clear_refs
where the kernel allows) and, in a separate pass, the peak of Python allocations (tracemalloc;
SQLite's own memory not traced). Target: parse + first import <= 5 s for 50,000 rows; exits 0
either way, read PASS/FAIL. Run: `make bench`, or `.venv/bin/python bench/roster_import.py
[--rows 50000] [--repeat 3] [--json PATH]`. JSON goes to bench/results/roster_import.json.
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
from collections.abc import Callable
from pathlib import Path
from typing import Any

import harness

from formserver.services.roster import parse_roster
from formserver.store import db
from formserver.store.people import ImportSummary, RosterRow, import_roster

PHASES = {
    "floor": "csv floor: decode + csv.reader",
    "parse": "parse_roster",
    "import": "first import (fresh database)",
    "parse+import": "parse + first import",
    "reimport": "re-import, same rows",
    "parse_changed": "parse_roster, changed file",
    "reimport_changed": "re-import, changed rows",
}
COLUMNS = (
    "phase={label}; seconds={seconds:.3f}; rows/s={rows_per_second:,.0f}; "
    "vs floor={vs_floor:.1f}x; peak RSS MB (+phase)={rss}; py alloc MB={alloc}"
)


def change_rows(rows: list[harness.Row], share: float, seed: int) -> tuple[list[harness.Row], int]:
    """A copy of the roster with `share` of its rows edited as HR would: title, unit or name."""
    rng = random.Random(seed)
    changed = [dict(row) for row in rows]
    picked = rng.sample(range(len(rows)), max(1, round(len(rows) * share)))
    for number, index in enumerate(picked):
        row = changed[index]
        if number % 3 == 0:
            row["befattning"] = "Utvecklare" if row["befattning"] == "Samordnare" else "Samordnare"
        elif number % 3 == 1:
            row["enhet"] = "Ekonomi" if row["enhet"] == "Förvaltningsstöd" else "Förvaltningsstöd"
        else:
            first = row["namn"].split(" ", 1)[0]
            row["namn"] = first if row["namn"].endswith(" Ändradsson") else f"{first} Ändradsson"
    return changed, len(picked)


def rows_of(data: bytes) -> tuple[RosterRow, ...]:
    """Parse a roster that must be valid; stop with its first errors otherwise."""
    result = parse_roster(data)
    if not result.ok:
        raise SystemExit(f"the generated roster has errors: {list(map(str, result.errors[:5]))}")
    return result.rows


def expect(summary: ImportSummary, created: int, updated: int, unchanged: int) -> None:
    """Stop unless the import did exactly what it should."""
    if summary != (wanted := ImportSummary(created, updated, unchanged, 0)):
        raise SystemExit(f"import summary {summary}, expected {wanted}")


class Meter:
    """Times phases; tracks the peak RSS per phase, or with `traced` the peak allocations."""

    def __init__(self, traced: bool) -> None:
        self.traced, self.resettable = traced, reset_peak_rss()
        self.times: dict[str, list[float]] = {}
        self.peaks: dict[str, float] = {}
        self.growth: dict[str, float] = {}

    def run(self, name: str, work: Callable[[], Any]) -> Any:
        """Run one phase and record its time and memory."""
        before = tracemalloc.get_traced_memory()[0] if self.traced else 0
        if self.traced:
            tracemalloc.reset_peak()
        elif self.resettable:
            reset_peak_rss()
        start_rss, start = harness.proc_mb("self") or 0.0, time.perf_counter()
        result = work()
        elapsed = time.perf_counter() - start
        if self.traced:
            peak = (tracemalloc.get_traced_memory()[1] - before) / 2**20
        else:
            peak = harness.proc_mb("self", "VmHWM") or 0.0
            self.times.setdefault(name, []).append(elapsed)
            self.growth[name] = max(self.growth.get(name, 0.0), peak - start_rss)
        self.peaks[name] = max(self.peaks.get(name, 0.0), peak)
        return result


def reset_peak_rss() -> bool:
    """Reset this process's peak RSS (VmHWM); False where the kernel does not allow it."""
    try:
        Path("/proc/self/clear_refs").write_text("5\n")
        return True
    except OSError:
        return False


def one_pass(meter: Meter, data: bytes, edited: bytes, rows: int, changed: int, path: Path) -> None:
    """Every phase once, with a new database."""
    meter.run(
        "floor",
        lambda: sum(1 for _ in csv.reader(io.StringIO(data.decode(), newline=""), delimiter=";")),
    )
    parsed = meter.run("parse", lambda: rows_of(data))
    if len(parsed) != rows:
        raise SystemExit(f"parse_roster returned {len(parsed)} rows, expected {rows}")
    conn = db.connect(path)
    db.migrate(conn)
    expect(meter.run("import", lambda: import_roster(conn, parsed)), rows, 0, 0)
    expect(meter.run("reimport", lambda: import_roster(conn, parsed)), 0, 0, rows)
    again = meter.run("parse_changed", lambda: rows_of(edited))
    expect(
        meter.run("reimport_changed", lambda: import_roster(conn, again)),
        0,
        changed,
        rows - changed,
    )
    count = conn.execute("SELECT count(*) FROM people WHERE in_roster = 1").fetchone()[0]
    conn.close()
    if count != rows:
        raise SystemExit(f"{count} people in the database, expected {rows}")


def summarise(meter: Meter, traced: Meter, rows: int) -> list[dict[str, Any]]:
    """Medians, rates, ratios and memory per phase; parse + import is summed per repeat."""
    times = meter.times | {
        "parse+import": list(
            map(sum, zip(meter.times["parse"], meter.times["import"], strict=True))
        )
    }
    floor = statistics.median(times["floor"])
    phases = []
    for name, label in PHASES.items():
        parts = ("parse", "import") if name == "parse+import" else (name,)
        seconds = statistics.median(times[name])
        peak, growth = (max(m[part] for part in parts) for m in (meter.peaks, meter.growth))
        phase = {"name": name, "label": label, "runs": times[name], "seconds": seconds}
        phase |= {"rows_per_second": rows / seconds, "vs_floor": seconds / floor}
        phase |= {"peak_rss_mb": peak, "rss_growth_mb": growth} if meter.resettable else {}
        phase["rss"] = f"{peak:.0f} (+{growth:.0f})" if meter.resettable else "-"
        phase["traced_peak_mb"] = max(traced.peaks[part] for part in parts)
        phase["alloc"] = f"{phase['traced_peak_mb']:.1f}"
        phases.append(phase)
    return phases


def main() -> None:
    """Generate the roster, measure every phase, print the table and write the JSON."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    add = parser.add_argument
    add("--rows", type=int, default=50_000, help="people in the roster")
    add("--repeat", type=int, default=3, help="runs per phase (median reported)")
    add("--json", type=Path, default=harness.RESULTS_DIR / "roster_import.json")
    args = parser.parse_args()
    if args.rows < 2 or args.repeat < 1:
        parser.error("--rows >= 2 and --repeat >= 1")
    roster = harness.generate_roster(args.rows, seed=2026)
    edited, changed = change_rows(roster, 0.01, seed=2027)
    data, edited_data = harness.roster_bytes(roster), harness.roster_bytes(edited)
    with tempfile.TemporaryDirectory(prefix="roster-bench-") as name:
        tmp, meter, traced = Path(name), Meter(traced=False), Meter(traced=True)
        for run in range(args.repeat):
            one_pass(meter, data, edited_data, args.rows, changed, tmp / f"roster-{run}.sqlite3")
        maxrss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
        tracemalloc.start()
        one_pass(traced, data, edited_data, args.rows, changed, tmp / "traced.sqlite3")
        tracemalloc.stop()
        database_mb = max(p.stat().st_size for p in tmp.glob("*.sqlite3")) / 2**20
        filesystem = harness.filesystem_of(tmp)
    phases = summarise(meter, traced, args.rows)
    print(
        f"Roster import benchmark: {args.rows:,} rows ({len(data) / 2**20:.1f} MB), {changed:,} "
        f"changed rows in the second file, median of {args.repeat}\n"
    )
    harness.print_table(COLUMNS, phases)
    print(
        "  peak RSS: the whole process while the phase ran (+ growth above its RSS when the "
        "phase began,\n  which includes the generated files and earlier phases' rows). "
        "py alloc: tracemalloc peak in a\n  separate pass, above what was allocated when the "
        "phase began (SQLite's own memory not traced).\n"
        f"  process max RSS over the timed passes: {maxrss:.0f} MB\n"
        f"  database file after the imports: {database_mb:.1f} MB on {filesystem}"
    )
    total = phases[3]["seconds"]
    targets = [harness.Target(f"parse + first import of {args.rows:,} rows", total, 5.0, "s")]
    settings = vars(args) | {"seed": 2026, "changed_rows": changed, "file_bytes": len(data)}
    settings |= {"database_filesystem": filesystem, "database_mb": database_mb}
    results = {"settings": settings, "phases": phases, "max_rss_mb": maxrss}
    harness.write_json(
        args.json, "roster_import", results | {"targets": harness.print_targets(targets)}
    )


if __name__ == "__main__":
    main()
