"""Lighthouse report (performance and accessibility) for the handbook and the main form pages.

Lighthouse comes from npm (package.json) and drives Debian's chromium; nothing is fetched at
run time. It is a report: the pass/fail accessibility check is axe in tests/browser/. Run with
`make bench` or `.venv/bin/python bench/lighthouse.py`. Writes bench/results/lighthouse.json.
About 12 s per page.
"""

from __future__ import annotations

import json
import os
import re
import secrets
import socket
import subprocess
import sys
import tempfile
import time
import urllib.parse
import urllib.request
from http.cookiejar import CookieJar
from pathlib import Path
from typing import Any

from _common import RESULTS_DIR, ROOT, print_table, write_json

LIGHTHOUSE = ROOT / "node_modules" / ".bin" / "lighthouse"
CHROMIUM = "/usr/bin/chromium"
CHROME_FLAGS = (
    "--headless=new --no-sandbox --disable-gpu --disable-background-networking "
    "--disable-component-update --no-first-run --disable-sync"
)


def free_port() -> int:
    """A free loopback port."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def wait_for(url: str) -> None:
    """Wait until `url` answers (at most 20 s)."""
    for _ in range(200):
        try:
            with urllib.request.urlopen(url, timeout=1):
                return
        except OSError:
            time.sleep(0.1)
    raise RuntimeError(f"{url} did not answer")


def signed_in_cookie(base: str, link: str) -> str:
    """Sign in as a person does (open the link, press the button); the session cookie."""
    jar = CookieJar()
    opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(jar))
    page = opener.open(link).read().decode()
    token = re.search(r'name="csrf_token" value="([^"]+)"', page)
    assert token, "no confirmation form"
    data = urllib.parse.urlencode({"csrf_token": token.group(1)}).encode()
    opener.open(urllib.request.Request(link, data=data, method="POST"))
    cookie = next(c for c in jar if c.name == "formserver_session")
    return f"{cookie.name}={cookie.value}"


def lighthouse(url: str, cookie: str | None = None) -> dict[str, Any]:
    """Run Lighthouse on one page; scores and a few key figures."""
    with tempfile.NamedTemporaryFile(suffix=".json") as out:
        command = [
            str(LIGHTHOUSE),
            url,
            "--quiet",
            f"--chrome-flags={CHROME_FLAGS}",
            "--only-categories=performance,accessibility",
            "--output=json",
            f"--output-path={out.name}",
        ]
        if cookie:
            command.append(f"--extra-headers={json.dumps({'Cookie': cookie})}")
        subprocess.run(
            command, check=True, env={**os.environ, "CHROME_PATH": CHROMIUM}, timeout=180
        )
        report = json.loads(Path(out.name).read_text(encoding="utf-8"))
    audits = report["audits"]
    failing = [
        audit_id
        for audit_id in report["categories"]["accessibility"]["auditRefs"]
        if audits.get(audit_id["id"], {}).get("score") == 0
    ]
    return {
        "performance": report["categories"]["performance"]["score"],
        "accessibility": report["categories"]["accessibility"]["score"],
        "first_contentful_paint": audits["first-contentful-paint"]["displayValue"],
        "total_byte_weight": audits["total-byte-weight"]["displayValue"],
        "failing_accessibility_audits": [a["id"] for a in failing],
    }


def main() -> None:
    """Build the handbook, start the service with demo data, run Lighthouse, report."""
    if not LIGHTHOUSE.exists() or not Path(CHROMIUM).exists():
        print("Lighthouse-rapporten kräver npm install (package.json) och Debians chromium.")
        return
    tmp = Path(tempfile.mkdtemp(prefix="bench-lighthouse-"))
    env = {**os.environ, "NO_MKDOCS_2_WARNING": "1"}
    subprocess.run(
        [sys.executable, "-m", "mkdocs", "build", "--strict", "--site-dir", str(tmp / "site")],
        cwd=ROOT,
        env=env,
        check=True,
        capture_output=True,
    )
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    env |= {
        "FORMSERVER_DEBUG": "1",
        "FORMSERVER_SECRET_KEY": secrets.token_urlsafe(36),
        "FORMSERVER_DATABASE": str(tmp / "demo.sqlite3"),
        "FORMSERVER_HANDBOOK_DIR": str(tmp / "site"),
        "FORMSERVER_PUBLIC_URL": base,
    }
    demo = subprocess.run(
        [sys.executable, "-m", "flask", "--app", "formserver", "load-demo"],
        env=env,
        check=True,
        capture_output=True,
        text=True,
    ).stdout
    links = re.findall(r"(http://\S+/logga-in/\S+)", demo)
    server = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "flask",
            "--app",
            "formserver",
            "run",
            "--port",
            str(port),
            "--no-reload",
            "--no-debugger",
        ],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    results: dict[str, Any] = {}
    try:
        wait_for(base + "/")
        employee = signed_in_cookie(base, links[2])
        with urllib.request.urlopen(
            urllib.request.Request(base + "/", headers={"Cookie": employee})
        ) as response:
            talk = re.search(r'href="(/samtal/[^"/]+)"', response.read().decode())
        assert talk, "the demo employee has no talk"
        pages = {
            "Handboken: start": (base + "/handbok/", None),
            "Handboken: genomför": (base + "/handbok/genomfor/", None),
            "Handboken: frågor (Göteborg)": (base + "/handbok/fragor/goteborg/", None),
            "Tjänsten: startsida": (base + "/", None),
            "Tjänsten: förberedelse": (base + talk.group(1) + "/forberedelse", employee),
            "Tjänsten: samtalet": (base + talk.group(1), employee),
        }
        for name, (url, cookie) in pages.items():
            results[name] = lighthouse(url, cookie)
    finally:
        server.terminate()
        server.wait(timeout=10)
    print("Lighthouse (rapport; axe i tests/browser/ är godkänt/underkänt-kontrollen)\n")
    print_table(
        ("page", "performance", "accessibility", "FCP", "weight", "failing a11y audits"),
        [
            (
                name,
                f"{r['performance']:.2f}",
                f"{r['accessibility']:.2f}",
                r["first_contentful_paint"],
                r["total_byte_weight"],
                ", ".join(r["failing_accessibility_audits"]) or "–",
            )
            for name, r in results.items()
        ],
    )
    write_json(RESULTS_DIR / "lighthouse.json", results)


if __name__ == "__main__":
    main()
