"""Form service throughput: the preparation form and its save, against a bare Flask route.

The service (production settings, a fresh SQLite database: WAL, synchronous=FULL) runs under
gunicorn with --workers sync workers; its WSGI entry, written into a temporary folder, adds
GET /bench-bare ("ok": the app's hooks, no session, query or template), the baseline. --clients
employees (bench/scenarios.py) sign in and save their own kompetenssamtal preparation (the
largest question set) once. Then three scenarios, --seconds each in all, in --rounds interleaved
rounds after an uncounted --warmup: bare (GET /bench-bare), prep_form (GET the filled-in form)
and prep_save (POST every field at the current version: 302 to ...?sparad=1). Reported: per
scenario requests, errors, req/s, p50/p90/p99 ms and req/s vs bare; server CPU per request and
its ratio to bare (independent of the load generator sharing the machine), the cores everything
used; a durable commit's latency; RSS/PSS per worker idle and after load; the writes. Targets
(from the issue): form >= 0.25x bare, save >= 0.20x, p99 <= 100 ms for both, <= 60 MB RSS per
worker, no lost writes, no errors. Exits 0 either way. Run: `make bench` or
`.venv/bin/python bench/form_service.py [--seconds 10] [--rounds 2] [--clients 16]`.
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

import harness
import scenarios
from scenarios import Browser

from formserver import create_app
from formserver.forms import preparation as prep
from formserver.security.keys import key_list
from formserver.store import db

QUESTION_SET = "kompetenssamtal"
BARE_PATH = "/bench-bare"
KINDS = {"bare": f"GET {BARE_PATH}", "prep_form": "GET the form", "prep_save": "POST it"}
WSGI_MODULE = f'''"""Written by bench/form_service.py: the form service plus one bare route."""

from formserver import create_app

app = create_app()


@app.get("{BARE_PATH}")
def bench_bare() -> str:
    """The baseline: the app's hooks, no session, no database query, no template."""
    return "ok"
'''
TEXT_ANSWER = (
    "Året har varit utvecklande. Jag har tagit ansvar för introduktionen av nya kollegor, "
    "deltagit i två fortbildningar och vill nästa år fördjupa mig i digitala verktyg. "
    "Det som har varit svårt är att hinna med planeringen när någon är sjuk."
)
COMMENT = "Jag känner mig trygg här men vill gärna få återkoppling oftare."
SCENARIOS = (
    "scenario={kind:9} {description}; requests={requests}; errors={errors}; req/s={rps:,.0f}; "
    "p50 ms={p50_ms:.1f}; p90 ms={p90_ms:.1f}; p99 ms={p99_ms:.1f}; vs bare={ratio:.3f}x"
)
CPU = (
    "scenario={kind}; srv CPU ms/req={server_cpu_ms:.2f}; CPU vs bare={cpu_ratio:.3f}x; "
    "srv cores={server_cores:.2f}; loadgen cores={loadgen_cores:.2f}; "
    "other cores={other_cores:.2f}; idle/iowait/steal %={idle_pct:.0f}/{iowait_pct:.0f}/"
    "{steal_pct:.0f}"
)
MEMORY = "worker pid={pid}; RSS idle={idle_mb}; RSS after load={rss_mb:.1f}; PSS after load={pss}"
Loop = Callable[[Browser], None]


def scenario(kind: str, body: bytes, marker: tuple[str, str]) -> Loop:
    """One scenario's loop: its request again and again (after a failed save, a reload)."""

    def loop(browser: Browser) -> None:
        talk = browser.talks[0]
        while True:
            if kind == "bare":
                browser.expect("bare", "GET", BARE_PATH, 200)
            elif kind == "prep_form" or not scenarios.save_preparation(
                browser, talk, body, browser.versions[talk], marker
            ):
                scenarios.preparation_page(browser, talk)

    return loop


def measure(
    browsers: list[Browser], server: harness.Server, loops: dict[str, Loop], args: Any
) -> list[dict[str, Any]]:
    """Warm every scenario up, then run them interleaved --rounds times; figures per scenario.

    Interleaving keeps a slow minute of a shared machine (disk, steal) from landing on one
    scenario only, so the ratios to the bare route stay comparable.
    """
    seconds = args.seconds / args.rounds
    for loop in loops.values():
        scenarios.run(
            browsers, loop, scenarios.Budget(0, args.warmup), server.workers(), harness.Cpu()
        )
    tallies, cpus = {k: scenarios.Tally() for k in KINDS}, {k: harness.Cpu() for k in KINDS}
    walls = dict.fromkeys(KINDS, 0.0)
    for _ in range(args.rounds):
        for kind, loop in loops.items():
            tally, wall = scenarios.run(
                browsers, loop, scenarios.Budget(0, seconds), server.workers(), cpus[kind]
            )
            tallies[kind].add(tally)
            walls[kind] += wall
    results: list[dict[str, Any]] = []
    for kind, description in KINDS.items():
        figures = tallies[kind].stats([kind], walls[kind]) | cpus[kind].summary()
        cpu_ms = 1000 * figures["server_cpu_seconds"] / max(1, figures["requests"])
        figures |= {"description": description, "server_cpu_ms": cpu_ms}
        bare = results[0] if results else figures
        figures["ratio"] = figures["rps"] / bare["rps"] if bare["rps"] else 0.0
        figures["cpu_ratio"] = bare["server_cpu_ms"] / cpu_ms if cpu_ms else 0.0
        results.append(figures)
    return results


def main() -> None:
    """Set up, start gunicorn, run the scenarios, check the writes, print and write the JSON."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    add = parser.add_argument
    add("--seconds", type=float, default=10.0, help="measured time per scenario")
    add("--rounds", type=int, default=2, help="interleaved rounds (split --seconds)")
    add("--warmup", type=float, default=1.0, help="uncounted load first, per scenario (s)")
    add("--clients", type=int, default=16, help="concurrent clients")
    add("--workers", type=int, default=2, help="gunicorn sync workers")
    add("--json", type=Path, default=harness.RESULTS_DIR / "form_service.json")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="form-bench-") as name:
        tmp = Path(name)
        port = harness.configure(tmp)
        app = create_app()
        browsers = scenarios.prepare(app, port, QUESTION_SET, args.clients)
        question_set = app.extensions["site_config"].question_sets[QUESTION_SET]
        fields: dict[str, str] = {}
        for q in question_set.questions():  # every field filled in, as a person would
            fields[prep.value_field(q)] = {"text": TEXT_ANSWER, "scale": "4"}.get(q.kind, "ja")
            fields |= {} if q.kind == "text" else {prep.comment_field(q): COMMENT}
        body = urlencode(fields).encode()
        marker = next((q.id, TEXT_ANSWER) for q in question_set.questions() if q.kind == "text")
        loops = {kind: scenario(kind, body, marker) for kind in KINDS}
        filesystem, commit = harness.filesystem_of(tmp), commit_latency(tmp / "probe.sqlite3")
        print(
            f"Form service benchmark: gunicorn {args.workers} sync workers, {args.clients} "
            f"clients, {args.seconds:g} s per scenario in {args.rounds} interleaved rounds "
            f"(+{args.warmup:g} s warm-up each), {os.cpu_count()} CPUs\n"
            f"Database on {filesystem}; a durable commit there (WAL, synchronous=FULL) takes "
            f"p50 {commit['p50_ms']:.2f} ms, p99 {commit['p99_ms']:.2f} ms"
        )
        (tmp / "bench_app.py").write_text(WSGI_MODULE, encoding="utf-8")
        with harness.gunicorn(tmp, args.workers, app="bench_app:app") as server:
            idle = {m["pid"]: m["rss_mb"] for m in server.memory()}
            for browser in browsers:  # signed in, with a filled-in form to show
                talk = browser.talks[0]
                version = (
                    scenarios.preparation_page(browser, talk)
                    if browser.sign_in(browser.links[0])
                    else None
                )
                if version is None or not scenarios.save_preparation(
                    browser, talk, body, version, marker
                ):
                    sys.exit(f"browser {browser.index}: signing in or the first save failed")
            page = browsers[0].request("GET", f"/samtal/{browsers[0].talks[0]}/forberedelse")
            results = measure(browsers, server, loops, args)
            loaded = server.memory()
        writes = scenarios.check_writes(tmp / "bench.sqlite3", key_list(app.config), browsers)
    print(
        f"Form: question set {QUESTION_SET} ({len(question_set.questions())} questions, "
        f"{len(fields)} fields), page {len(page.body) / 1024:.1f} KB\n"
    )
    harness.print_table(SCENARIOS, results)
    print("\nWhere the time went (server = the gunicorn workers; machine = all CPUs)")
    harness.print_table(CPU, results)
    print("  srv CPU ms/req and CPU vs bare do not depend on the load generator sharing the")
    print("  machine; other cores = CPU used by anything else (kernel, other programs).")
    harness.warn_if_disturbed(max(r["other_cores"] for r in results))
    for m in loaded:
        m["idle_mb"] = f"{idle[m['pid']]:.1f}" if m["pid"] in idle else "(new)"
        m["pss"] = "-" if m["pss_mb"] is None else f"{m['pss_mb']:.1f}"
    print("\nMemory per worker (MB)")
    harness.print_table(MEMORY, loaded)
    harness.print_figures("Writes", writes)
    _, form, save = results
    largest = max(m["rss_mb"] for m in loaded)
    targets = [
        harness.Target("form page req/s vs bare", form["ratio"], 0.25, "x", at_least=True),
        harness.Target("save req/s vs bare", save["ratio"], 0.20, "x", at_least=True),
        harness.Target("form page p99", form["p99_ms"], 100.0, "ms"),
        harness.Target("save p99", save["p99_ms"], 100.0, "ms"),
        harness.Target("RSS per worker after load (largest)", largest, 60.0, "MB"),
        harness.Target("lost writes", writes["lost_writes"], 0),
        harness.Target("errors in form and save", form["errors"] + save["errors"], 0),
    ]
    settings = vars(args) | {"question_set": QUESTION_SET, "form_fields": len(fields)}
    settings |= {"form_page_bytes": len(page.body), "database_filesystem": filesystem}
    results_json = {"settings": settings | {"durable_commit": commit}, "scenarios": results}
    results_json |= {"memory": {"idle": idle, "after_load": loaded}, "writes": writes}
    targets_json = harness.print_targets(targets)
    harness.write_json(args.json, "form_service", results_json | {"targets": targets_json})


def commit_latency(path: Path, count: int = 200) -> dict[str, float]:
    """Durable one-row commits as audit.record makes them (WAL, synchronous=FULL), p50/p99 ms."""
    conn = db.connect(path)
    conn.execute("CREATE TABLE probe (at TEXT)")
    times = []
    for _ in range(count):
        start = time.perf_counter()
        with db.transaction(conn):
            conn.execute("INSERT INTO probe VALUES (?)", (db.iso(db.utc_now()),))
        times.append((time.perf_counter() - start) * 1000)
    conn.close()
    return {"p50_ms": harness.percentile(times, 50), "p99_ms": harness.percentile(times, 99)}


if __name__ == "__main__":
    main()
