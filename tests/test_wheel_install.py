"""The production install, as an IT person follows the README: build the wheel, install it in
a new virtual environment outside the checkout, start gunicorn from another folder with the
production settings, and use it over HTTP: a page, its stylesheet, a sign-in and a PDF."""

from __future__ import annotations

import os
import re
import shutil
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass, field
from email.message import Message
from http.client import HTTPResponse
from pathlib import Path
from urllib.parse import urlencode

import pytest

from formserver.paths import PROJECT_ROOT

HOST = "samtal.example.se"
BUILD_IGNORE = shutil.ignore_patterns(
    ".git",
    ".venv",
    "node_modules",
    "site",
    "instance",
    "build",
    "*.egg-info",
    "test-artifacts",
    "__pycache__",
    ".mypy_cache",
    ".ruff_cache",
    ".pytest_cache",
    "bench",
)


def _run(*command: str | Path, cwd: Path, env: dict[str, str] | None = None) -> str:
    result = subprocess.run(
        [str(c) for c in command], cwd=cwd, env=env, capture_output=True, text=True, timeout=900
    )
    assert result.returncode == 0, f"{command}: {result.stdout}\n{result.stderr}"
    return result.stdout


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


@dataclass(frozen=True)
class Reply:
    """An HTTP response, read whole and closed."""

    status: int
    headers: Message
    body: bytes

    def text(self) -> str:
        """The body as text."""
        return self.body.decode()


@dataclass
class Installed:
    """The wheel installed in its own venv, with the environment of a production start."""

    venv: Path
    workdir: Path
    env: dict[str, str]
    base: str = ""
    cookies: dict[str, str] = field(default_factory=dict)

    def formserver(self, *args: str) -> str:
        """Run the installed `formserver` command from the working folder."""
        return _run(self.venv / "bin" / "formserver", *args, cwd=self.workdir, env=self.env)

    def get(self, path: str) -> Reply:
        """GET through "the proxy": the Host and the https the proxy would pass on."""
        return self.open(urllib.request.Request(self.base + path))

    def post(self, path: str, data: dict[str, str]) -> Reply:
        """POST a form the same way."""
        body = urlencode(data).encode()
        return self.open(urllib.request.Request(self.base + path, data=body, method="POST"))

    def open(self, request: urllib.request.Request) -> Reply:
        request.add_header("Host", HOST)
        request.add_header("X-Forwarded-Proto", "https")
        if self.cookies:
            request.add_header("Cookie", "; ".join(f"{k}={v}" for k, v in self.cookies.items()))
        opener = urllib.request.build_opener(NoRedirect)
        try:
            response: HTTPResponse = opener.open(request, timeout=30)
        except urllib.error.HTTPError as error:
            response = error  # type: ignore[assignment]
        with response:
            reply = Reply(response.status, response.headers, response.read())
        for header in reply.headers.get_all("Set-Cookie") or []:
            name, _, rest = header.partition("=")
            self.cookies[name] = rest.split(";", 1)[0]
        return reply


class NoRedirect(urllib.request.HTTPRedirectHandler):
    """Show redirects to the test rather than following them (the cookie is set on them)."""

    def redirect_request(self, *args: object, **kwargs: object) -> None:
        return None


@pytest.fixture(scope="module")
def installed(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Installed]:
    root = tmp_path_factory.mktemp("production")
    source = root / "source"
    shutil.copytree(PROJECT_ROOT, source, ignore=BUILD_IGNORE)
    _run(
        sys.executable,
        "-m",
        "pip",
        "wheel",
        "--no-deps",
        "-q",
        "-w",
        root / "dist",
        source,
        cwd=root,
    )
    [wheel] = (root / "dist").glob("formserver-*.whl")
    venv = root / "venv"
    _run(sys.executable, "-m", "venv", venv, cwd=root)
    _run(venv / "bin" / "pip", "install", "-q", f"{wheel}[server]", cwd=root)
    workdir = root / "run"
    workdir.mkdir()
    env = {k: v for k, v in os.environ.items() if not k.startswith(("FORMSERVER_", "FLASK_"))}
    env.update(
        FORMSERVER_SECRET_KEY="p" * 48,
        FORMSERVER_SESSION_COOKIE_SECURE="true",
        FORMSERVER_TRUSTED_HOSTS=f'["{HOST}"]',
        FORMSERVER_PUBLIC_URL=f"https://{HOST}",
        FORMSERVER_PROXY_COUNT="1",
        FORMSERVER_DATABASE=str(root / "data" / "samtal.sqlite3"),
    )
    (root / "data").mkdir()
    app = Installed(venv, workdir, env)
    port = _free_port()
    server = subprocess.Popen(
        [
            venv / "bin" / "gunicorn",
            "--no-control-socket",  # as the README's unit starts it
            "--workers",
            "2",
            "--bind",
            f"127.0.0.1:{port}",
            "formserver:create_app()",
        ],
        cwd=workdir,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    app.base = f"http://127.0.0.1:{port}"
    try:
        for _ in range(300):
            try:
                socket.create_connection(("127.0.0.1", port), timeout=1).close()
                break
            except OSError:
                assert server.poll() is None, server.stdout.read() if server.stdout else ""
                time.sleep(0.1)
        yield app
    finally:
        server.terminate()
        log = server.communicate(timeout=30)[0]
        assert "Traceback" not in log and "[ERROR]" not in log, log


def test_the_wheel_carries_templates_and_the_default_site_config(installed: Installed) -> None:
    package = next((installed.venv / "lib").glob("python3*/site-packages/formserver"))
    assert (package / "_shipped" / "templates" / "base.html").is_file()
    assert (package / "_shipped" / "templates" / "static" / "service.css").is_file()
    assert (package / "_shipped" / "site_config" / "organisation.yml").is_file()
    assert (package / "store" / "migrations" / "0001_initial.sql").is_file()


def test_the_installed_service_serves_a_page_its_stylesheet_a_sign_in_and_a_pdf(
    installed: Installed,
) -> None:
    help_text = installed.formserver("--help")
    assert "import-roster" in help_text and "check-config" in help_text
    assert "Konfigurationen är i ordning" in installed.formserver("check-config")
    printed = installed.formserver("load-demo")
    manager_link = re.search(r"^\s*Chef\s.*?(https://\S+)$", printed, re.M)
    assert manager_link, printed

    start = installed.get("/")
    assert start.status == 200
    page = start.text()
    assert '<html lang="sv">' in page
    assert start.headers["Strict-Transport-Security"] == "max-age=31536000"
    css = installed.get("/static/service.css")
    assert css.status == 200 and css.headers["Content-Type"].startswith("text/css")
    assert b"{" in css.body

    path = manager_link.group(1).removeprefix(f"https://{HOST}")
    confirm = installed.get(path).text()
    [token] = re.findall(r'name="csrf_token" value="([^"]+)"', confirm)
    signed_in = installed.post(path, {"csrf_token": token})
    assert signed_in.status == 302
    assert "Secure" in (signed_in.headers["Set-Cookie"] or "")
    team = installed.get("/chef").text()
    talk_id = re.findall(r"/samtal/([A-Za-z0-9_-]{16})", team)[0]

    plan_page = installed.get(f"/samtal/{talk_id}/plan").text()
    [csrf] = re.findall(r'name="csrf_token" value="([^"]+)"', plan_page)[:1]
    saved = installed.post(
        f"/samtal/{talk_id}/plan",
        {
            "csrf_token": csrf,
            "number": "0",
            "edits": "0",
            "action": "spara",
            "note_arbetssituation": "Anteckning från produktionstestet",
        },
    )
    assert saved.status == 302, saved.text()[:500]
    pdf = installed.get(f"/samtal/{talk_id}/plan.pdf")
    assert pdf.status == 200
    assert pdf.headers["Content-Type"] == "application/pdf"
    assert pdf.body.startswith(b"%PDF-")
