"""Lighthouse report (performance and accessibility) for the handbook and the main form pages.

Lighthouse comes from npm (package.json) and drives Debian's chromium; nothing is fetched at
run time. The service runs under gunicorn (harness.gunicorn) with the demo data and the freshly
built handbook; the demo employee signs in through a single-use link. It is a report: the
pass/fail accessibility check is axe in tests/browser/. Run with `make bench` or
`.venv/bin/python bench/lighthouse.py`; writes bench/results/lighthouse.json. About 12 s a page.
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

import harness

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
    "FCP={first_contentful_paint}; weight={total_byte_weight}; failing a11y audits={failing}"
)


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
        "total_byte_weight": audits["total-byte-weight"]["displayValue"],
        "failing_accessibility_audits": failing,
    }


def main() -> None:
    """Build the handbook, start the service with demo data, run Lighthouse, report."""
    if not LIGHTHOUSE.exists() or not Path(CHROMIUM).exists():
        print("Lighthouse-rapporten kräver npm install (package.json) och Debians chromium.")
        return
    with tempfile.TemporaryDirectory(prefix="bench-lighthouse-") as name:
        tmp = Path(name)
        build = [
            sys.executable,
            "-m",
            "mkdocs",
            "build",
            "--strict",
            "--site-dir",
            str(tmp / "site"),
        ]
        env = os.environ | {"NO_MKDOCS_2_WARNING": "1"}
        subprocess.run(build, cwd=harness.ROOT, env=env, check=True, capture_output=True)
        port = harness.configure(tmp, debug=True, handbook_dir=str(tmp / "site"))
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
                "Handboken: start": ("/handbok/", None),
                "Handboken: genomför": ("/handbok/genomfor/", None),
                "Handboken: frågor (Göteborg)": ("/handbok/fragor/goteborg/", None),
                "Tjänsten: startsida": ("/", None),
                "Tjänsten: förberedelse": (talk[1] + "/forberedelse", cookie),
                "Tjänsten: samtalet": (talk[1], cookie),
            }
            results = {page: lighthouse(base + path, c) for page, (path, c) in pages.items()}
    print("Lighthouse (rapport; axe i tests/browser/ är godkänt/underkänt-kontrollen)\n")
    failing = {
        page: ", ".join(r["failing_accessibility_audits"]) or "–" for page, r in results.items()
    }
    rows = [r | {"page": page, "failing": failing[page]} for page, r in results.items()]
    harness.print_table(COLUMNS, rows)
    harness.write_json(harness.RESULTS_DIR / "lighthouse.json", "lighthouse", results)


if __name__ == "__main__":
    main()
