"""Crash safety, 200 rounds: tests/crash_harness.py (writers killed with SIGKILL mid-save).

`make test` runs 15 rounds of it (tests/test_crash.py); this runs more. Prints PASS or FAIL,
writes bench/results/crash.json and exits 1 on FAIL: lost or damaged data is a bug, not a missed
performance target. Run: `python bench/crash.py [--rounds 200] [--seed N] [--tmpdir DIR]`.
"""

from __future__ import annotations

import argparse
import random
import sys
import tempfile
from dataclasses import asdict
from pathlib import Path

import harness

# The harness lives with the tests (tests/ is a package of the repository, not installed):
# put the repository first on sys.path before importing it.
sys.path.insert(0, str(harness.ROOT))
from tests import crash_harness  # noqa: E402


def main() -> None:
    """Run the crash harness, print its report and write the JSON."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--rounds", type=int, default=200, help="writers to kill")
    parser.add_argument("--seed", type=int, default=None, help="random seed (default: random)")
    parser.add_argument("--tmpdir", type=Path, default=None, help="where the database goes")
    parser.add_argument("--json", type=Path, default=harness.RESULTS_DIR / "crash.json")
    args = parser.parse_args()
    if args.rounds < 1:
        parser.error("--rounds must be positive")
    seed = args.seed if args.seed is not None else random.randrange(1_000_000)
    with tempfile.TemporaryDirectory(prefix="crash-bench-", dir=args.tmpdir) as name:
        report = crash_harness.run(args.rounds, seed, Path(name))
    crash_harness.print_report(report)
    harness.write_json(args.json, "crash", asdict(report) | {"passed": report.passed})
    if not report.passed:
        sys.exit(1)


if __name__ == "__main__":
    main()
