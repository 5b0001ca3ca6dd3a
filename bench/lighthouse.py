"""Lighthouse report (performance and accessibility): the handbook beside Material's default,
and the main form pages.

Lighthouse comes from npm (package.json) and drives Debian's chromium; nothing is fetched at
run time. Both handbooks are built in this run, ours from mkdocs.yml and Material's default
the way bench/handbook.py makes it (same pages and hook, `theme: material`, plain search), and
served side by side from a static host that gzips text as nginx does (harness.static_host).
The service runs under gunicorn (harness.gunicorn) with the demo data; the demo employee signs
in through a single-use link. Targets for handbook pages: performance >= the default's and
>= 0.95, accessibility 1.00. It is a report: the pass/fail accessibility check is axe in
tests/browser/. Run with `make bench` or `.venv/bin/python bench/lighthouse.py`; writes
bench/results/lighthouse.json. About 12 s a run: 18 for the handbooks, 3 for the service.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import Any

import handbook as handbook_bench
import harness
import yaml

from formserver import create_app
from formserver.cli.demo import DEMO_EMPLOYEE
from formserver.store import db
from formserver.store.people import person_by_email

LIGHTHOUSE = harness.ROOT / "node_modules" / ".bin" / "lighthouse"
CHROMIUM = "/usr/bin/chromium"
CHROME_FLAGS = (
    "--headless=new --no-sandbox --disable-gpu --disable-background-networking "
    "--disable-component-update --no-first-run --disable-sync"
)
COLUMNS = (
    "page={page}; performance={performance:.2f}; accessibility={accessibility:.2f}; "
    "FCP={first_contentful_paint}; LCP={largest_contentful_paint}; TBT={total_blocking_time}; "
    "weight={total_byte_weight}; failing a11y audits={failing}"
)
# Handbook pages: the run with the median performance score of RUNS (Lighthouse varies by
# a few hundredths from run to run on a shared machine).
RUNS = 3
HANDBOOK_PAGES = {"start": "/", "genomför": "/genomfor/", "frågor (Göteborg)": "/fragor/goteborg/"}


def lighthouse(url: str, cookie: str | None) -> dict[str, Any]:
    """Run Lighthouse on one page; its scores and a few key figures."""
    with tempfile.NamedTemporaryFile(suffix=".json") as out:
        command = [str(LIGHTHOUSE), url, "--quiet", f"--chrome-flags={CHROME_FLAGS}"]
        command += ["--only-categories=performance,accessibility", "--output=json"]
        command += [f"--output-path={out.name}"]
        if cookie:
            command.append(f"--extra-headers={json.dumps({'Cookie': cookie})}")
        env = os.environ | {"CHROME_PATH": CHROMIUM}
        subprocess.run(command, check=True, env=env, timeout=180)
        report = json.loads(Path(out.name).read_text(encoding="utf-8"))
    audits, categories = report["audits"], report["categories"]
    refs = categories["accessibility"]["auditRefs"]
    failing = [ref["id"] for ref in refs if audits.get(ref["id"], {}).get("score") == 0]
    return {
        "performance": categories["performance"]["score"],
        "accessibility": categories["accessibility"]["score"],
        "first_contentful_paint": audits["first-contentful-paint"]["displayValue"],
        "largest_contentful_paint": audits["largest-contentful-paint"]["displayValue"],
        "total_blocking_time": audits["total-blocking-time"]["displayValue"],
        "total_byte_weight": audits["total-byte-weight"]["displayValue"],
        "failing_accessibility_audits": failing,
    }


def handbook_pages(tmp: Path) -> dict[str, dict[str, Any]]:
    """Lighthouse on our handbook and on Material's default, built now and served compressed:
    per page the median of RUNS runs, the two sites alternating."""
    project = yaml.safe_load((harness.ROOT / "mkdocs.yml").read_text(encoding="utf-8"))
    sites = {"Handboken": tmp / "site", "Material standard": tmp / "default"}
    handbook_bench.build(harness.ROOT / "mkdocs.yml", sites["Handboken"])
    handbook_bench.build(handbook_bench.default_config(tmp, project), sites["Material standard"])
    results = {}
    with (
        harness.static_host(sites["Handboken"]) as ours,
        harness.static_host(sites["Material standard"]) as default,
    ):
        for page, path in HANDBOOK_PAGES.items():
            runs: dict[str, list[dict[str, Any]]] = {"Handboken": [], "Material standard": []}
            for _ in range(RUNS):  # alternating, so that a busy moment hits both alike
                for name, base in (("Handboken", ours), ("Material standard", default)):
                    runs[name].append(lighthouse(base + path, None))
            for name, reports in runs.items():
                reports.sort(key=lambda report: report["performance"])
                results[f"{name}: {page}"] = reports[len(reports) // 2]
    return results


def service_pages(tmp: Path) -> dict[str, dict[str, Any]]:
    """Lighthouse on the service's start page and the demo employee's two talk pages."""
    port = harness.configure(tmp, debug=True)
    app = create_app()
    demo = app.test_cli_runner().invoke(args=["load-demo"])
    if demo.exit_code:
        sys.exit(f"formserver load-demo failed:\n{demo.output}")
    employee = person_by_email(db.connection_for(app.config["DATABASE"]), DEMO_EMPLOYEE)
    assert employee is not None
    link = harness.links(app, employee)[0]
    db.close_thread_connections()
    with harness.gunicorn(tmp):
        browser = harness.Client(port)
        if not browser.sign_in(link):
            sys.exit("the demo employee could not sign in")
        talk = re.search(r'href="(/samtal/[^"/]+)"', browser.request("GET", "/").text)
        assert talk, "the demo employee has no talk"
        base, cookie = f"http://{harness.HOST}:{port}", f"formserver_session={browser.cookie}"
        pages = {
            "Tjänsten: startsida": ("/", None),
            "Tjänsten: förberedelse": (talk[1] + "/forberedelse", cookie),
            "Tjänsten: samtalet": (talk[1], cookie),
        }
        return {page: lighthouse(base + path, c) for page, (path, c) in pages.items()}


def main() -> None:
    """Measure both handbooks and the service's pages with Lighthouse; report."""
    if not LIGHTHOUSE.exists() or not Path(CHROMIUM).exists():
        print("Lighthouse-rapporten kräver npm install (package.json) och Debians chromium.")
        return
    with tempfile.TemporaryDirectory(prefix="bench-lighthouse-") as name:
        results = handbook_pages(Path(name)) | service_pages(Path(name))
    print("Lighthouse (rapport; axe i tests/browser/ är godkänt/underkänt-kontrollen)\n")
    rows = [
        r | {"page": page, "failing": ", ".join(r["failing_accessibility_audits"]) or "–"}
        for page, r in results.items()
    ]
    harness.print_table(COLUMNS, rows)
    ratios = {
        page: results[f"Handboken: {page}"]["performance"]
        / results[f"Material standard: {page}"]["performance"]
        for page in HANDBOOK_PAGES
    }
    harness.print_figures("Handboken/Material standard, performance", ratios)
    harness.write_json(
        harness.RESULTS_DIR / "lighthouse.json",
        "lighthouse",
        {"pages": results, "handbook_performance_ratio": ratios},
    )


if __name__ == "__main__":
    main()
