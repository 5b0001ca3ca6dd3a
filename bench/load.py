"""Load: a realistic mix from 32 concurrent clients against the form service under gunicorn.

The service (formserver:create_app(), production settings, --workers sync workers) runs on
127.0.0.1 with a fresh SQLite database: 61 fictional people and an open "rutin" round. Each
client keeps its own keep-alive connection and runs scenarios.mix in a closed loop for --seconds
after an uncounted --warmup: --managers manager sessions (plan saves, a plan PDF every
--pdf-every rounds) and the rest employees, all with sign-ins and preparation saves. Afterwards
scenarios.check_writes compares every acknowledged save with the database. Reported per kind
and in total: requests, req/s, p50/p99/max ms, errors, statuses; the CPU of the workers, this
load generator and everything else. Targets (issue 6): 0 errors, 0 lost writes, p99 <= 250 ms
over all requests, no record failing its MAC or integrity_check. Prints PASS/FAIL, exits 0.
Run: `python bench/load.py [--seconds 60] [--clients 32] [--managers 8] [--workers 4]`.
"""

from __future__ import annotations

import argparse
import functools
import os
import tempfile
from pathlib import Path

import harness
import scenarios

from formserver import create_app
from formserver.security.keys import key_list

LINKS = 4  # sign-in links per client beyond its first: it signs in again every 10 rounds
KINDS: tuple[str, ...] = (
    "signin_page",
    "signin",
    "prep_form",
    "prep_save",
    "talk_page",
    "plan_form",
    "plan_save",
)
KINDS += ("plan_pdf",)
COLUMNS = (
    "kind={kind}; requests={requests}; req/s={rps:.1f}; p50 ms={p50_ms:.1f}; "
    "p99 ms={p99_ms:.1f}; max ms={max_ms:.0f}; errors={errors}; statuses={statuses}"
)


def main() -> None:
    """Set up, start gunicorn, drive the mix, check the writes, print and write the JSON."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    add = parser.add_argument
    add("--seconds", type=float, default=60.0, help="measured time")
    add("--warmup", type=float, default=3.0, help="uncounted load first (s)")
    add("--clients", type=int, default=32, help="concurrent clients")
    add("--managers", type=int, default=8, help="of which manager sessions")
    # The README's production advice: sync workers, two per core. A PDF holds the GIL (and a
    # lock around pango) for a few hundred ms, which would stall every other thread of a
    # gthread worker; separate processes keep the other requests moving.
    add("--workers", type=int, default=4, help="gunicorn sync workers")
    add("--pdf-every", type=int, default=3, help="managers GET plan.pdf every N rounds (0: never)")
    add("--json", type=Path, default=harness.RESULTS_DIR / "load.json")
    args = parser.parse_args()
    if not 0 < args.managers < args.clients:
        parser.error("need 0 < --managers < --clients")
    with tempfile.TemporaryDirectory(prefix="load-bench-") as name:
        tmp, cpu = Path(name), harness.Cpu()
        port, app = harness.configure(tmp), create_app()
        employees = args.clients - args.managers
        browsers = scenarios.prepare(app, port, "rutin", employees, args.managers, 1 + LINKS)
        print(
            f"Load benchmark: gunicorn {args.workers} sync workers, {args.clients} clients "
            f"({args.managers} manager sessions, {employees} employees), {args.seconds:g} s "
            f"(+{args.warmup:g} s warm-up), PDF every {args.pdf_every or 'no'} rounds, "
            f"{os.cpu_count()} CPUs, database on {harness.filesystem_of(tmp)}\n"
        )
        loop = functools.partial(scenarios.mix, resign_every=10, pdf_every=args.pdf_every)
        with harness.gunicorn(tmp, args.workers) as server:
            budget = scenarios.Budget(args.warmup, args.seconds)
            tally, seconds = scenarios.run(browsers, loop, budget, server.workers(), cpu)
        writes = scenarios.check_writes(tmp / "bench.sqlite3", key_list(app.config), browsers)
        log_tail = server.log.read_text(encoding="utf-8", errors="replace")[-2000:]
    rows = [tally.stats([kind], seconds) for kind in KINDS] + [tally.stats(KINDS, seconds, "total")]
    harness.print_table(COLUMNS, rows)
    harness.print_figures("Writes", writes)
    if tally.samples:
        print("\nError samples\n" + "\n".join(f"  {sample}" for sample in tally.samples[:10]))
    total, used = rows[-1], cpu.summary()
    used["server_ms_per_request"] = 1000 * used["server_cpu_seconds"] / max(1, total["requests"])
    harness.print_figures(f"CPU in the measured window, of {os.cpu_count()} CPUs", used)
    harness.warn_if_disturbed(used["other_cores"])
    if log_tail.strip():
        print(f"\ngunicorn log (tail):\n{log_tail}")
    failing = writes["records_failing_verification"] + (writes["integrity_check"] != "ok")
    targets = [
        harness.Target("errors", total["errors"], 0),
        harness.Target("lost writes", writes["lost_writes"], 0),
        harness.Target("p99 latency, all requests", total["p99_ms"], 250.0, "ms"),
        harness.Target("records failing MAC or integrity_check", failing, 0),
    ]
    passed = all(target.passed for target in targets)
    results = {"settings": vars(args), "seconds_measured": seconds, "cpu": used, "kinds": rows}
    results |= {"writes": writes, "error_samples": tally.samples, "passed": passed}
    harness.write_json(args.json, "load", results | {"targets": harness.print_targets(targets)})
    print(f"\n{'PASS' if passed else 'FAIL'}")


if __name__ == "__main__":
    main()
