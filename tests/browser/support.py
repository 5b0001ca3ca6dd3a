"""Helpers for the browser tests: the real service as a subprocess, its mail, axe-core, files.

Nothing here is a test. The fixtures in conftest.py put these pieces together.
"""

from __future__ import annotations

import os
import re
import secrets
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import date, datetime
from email.message import EmailMessage
from pathlib import Path
from typing import IO, Any
from urllib.error import URLError
from urllib.request import urlopen
from zoneinfo import ZoneInfo

from aiosmtpd.controller import Controller
from playwright.sync_api import BrowserContext, Page

from formserver.paths import PROJECT_ROOT
from tests.smtp import HOST, LoopbackSMTP, free_port

ROOT = PROJECT_ROOT
DOCS = ROOT / "docs"
# Git-ignored (/test-artifacts/): screenshots of every page and state the tests pass through.
ARTIFACTS = ROOT / "test-artifacts" / "browser"
AXE_JS = ROOT / "node_modules" / "axe-core" / "axe.min.js"
CHROMIUM = Path("/usr/bin/chromium")
# Root needs --no-sandbox; the rest keeps Chromium from calling out to Google's services.
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--no-first-run",
    "--disable-sync",
]
WCAG_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22a", "wcag22aa"]
NO_CHROMIUM = "Browsertesterna kräver Debians chromium: kör make test som root (installerar den)"
NO_AXE = "Browsertesterna kräver axe-core: kör make test (installerar node_modules/axe-core)"

ROSTER_HEADER = (
    "anstallningsnummer;namn;epost;enhet;befattning;chef_anstallningsnummer;"
    "anstallningsform;startdatum;slutdatum"
)


@dataclass(frozen=True)
class Person:
    """Someone in the fictional roster."""

    number: str
    name: str
    email: str
    unit: str
    title: str
    manager: str
    start: str = "2020-01-01"

    def csv_line(self, manager: str | None = None) -> str:
        """The person's roster line (optionally with another manager number)."""
        boss = self.manager if manager is None else manager
        fields = (self.number, self.name, self.email, self.unit, self.title, boss)
        return ";".join((*fields, "tillsvidare", self.start, ""))


TOP = Person(
    "D100",
    "Maja Exempeldotter",
    "maja.exempeldotter@example.se",
    "Förvaltningsledning",
    "Förvaltningschef",
    "",
    "2015-03-01",
)
HR = Person(
    "D110",
    "Hanna Personalsson",
    "hanna.personalsson@example.se",
    "HR-avdelningen",
    "HR-specialist",
    "D100",
    "2019-08-15",
)
MANAGER = Person(
    "D200",
    "Karin Chefsberg",
    "karin.chefsberg@example.se",
    "Barn och utbildning",
    "Enhetschef",
    "D100",
    "2017-01-09",
)
EMPLOYEE = Person(
    "D201",
    "Anna Exempelsson",
    "anna.exempelsson@example.se",
    "Barn och utbildning",
    "Förskollärare",
    "D200",
    "2020-02-01",
)
COLLEAGUE = Person(
    "D202",
    "Olle Provsson",
    "olle.provsson@example.se",
    "Barn och utbildning",
    "Barnskötare",
    "D200",
    "2021-03-01",
)
EVERYONE = (TOP, HR, MANAGER, EMPLOYEE, COLLEAGUE)


def roster_csv(*people: Person) -> str:
    """A roster file as HR exports it from the HR system (UTF-8, semicolons)."""
    return "\n".join((ROSTER_HEADER, *(p.csv_line() for p in people))) + "\n"


CONTEXT: dict[str, Any] = {
    "locale": "sv-SE",
    "timezone_id": "Europe/Stockholm",
    "viewport": {"width": 1024, "height": 768},
    "accept_downloads": True,
}


# The confirmation button of a sign-in link, in the language the page is in.
SIGN_IN = {"sv": "Logga in", "en": "Sign in"}


def sign_in_by_link(context: BrowserContext, link: str) -> Page:
    """Open a sign-in link and press the confirmation button, as a person does (in the page's
    language: the browser's Accept-Language, or the visitor's choice, decides it)."""
    page = context.new_page()
    page.goto(link)
    language = page.evaluate("document.documentElement.lang")
    page.get_by_role("button", name=SIGN_IN[language], exact=True).click()
    page.wait_for_load_state()
    return page


def today() -> date:
    """Today in Sweden, as the service counts days."""
    return datetime.now(ZoneInfo("Europe/Stockholm")).date()


def missing_requirement() -> str | None:
    """Why the browser tests cannot run here, or None when they can."""
    if not CHROMIUM.is_file():
        return NO_CHROMIUM
    if not AXE_JS.is_file():
        return NO_AXE
    return None


# --- The service ------------------------------------------------------------------------------


@dataclass
class Service:
    """The form service as a subprocess on a free loopback port, with its own database and an
    SMTP server on loopback in this process. HR is bootstrapped through the CLI, as IT does."""

    workdir: Path
    handbook: Path
    port: int = field(default_factory=free_port)
    secret: str = field(default_factory=lambda: secrets.token_urlsafe(48))
    mail: LoopbackSMTP = field(default_factory=lambda: LoopbackSMTP(port=free_port()))
    process: subprocess.Popen[bytes] | None = None
    _controller: Controller | None = None
    _log: IO[bytes] | None = None

    @property
    def url(self) -> str:
        """The service's base URL, without a trailing slash."""
        return f"http://{HOST}:{self.port}"

    @property
    def log_path(self) -> Path:
        """The server's own output (requests and tracebacks)."""
        return self.workdir / "server.log"

    def env(self, **extra: str) -> dict[str, str]:
        """The service's environment: fresh database, loopback SMTP, relaxed start-up checks."""
        env = {k: v for k, v in os.environ.items() if not k.startswith(("FORMSERVER_", "FLASK_"))}
        env.update(
            FORMSERVER_DEBUG="1",
            FORMSERVER_SECRET_KEY=self.secret,
            FORMSERVER_DATABASE=str(self.workdir / "db.sqlite3"),
            FORMSERVER_SMTP_HOST=HOST,
            FORMSERVER_SMTP_PORT=str(self.mail.port),
            FORMSERVER_PUBLIC_URL=self.url,
            FORMSERVER_HANDBOOK_DIR=str(self.handbook),
            PYTHONUNBUFFERED="1",
        )
        env.update(extra)
        return env

    def cli(self, *args: str, at: datetime | None = None, **env: str) -> str:
        """Run `flask --app formserver ARGS` against this service's database; its stdout.

        With `at`, the command runs as a timer would at that moment: time-machine moves the
        clock of that one process, never the service's."""
        command = [sys.executable, "-m", "flask"]
        if at is not None:
            command = [
                sys.executable,
                "-c",
                "import sys, time_machine; from flask.cli import main; "
                f"time_machine.travel({at.isoformat()!r}, tick=True).start(); main()",
            ]
        result = subprocess.run(
            [*command, "--app", "formserver", *args],
            cwd=ROOT,
            env=self.env(**env),
            capture_output=True,
            text=True,
            timeout=120,
            check=False,
        )
        assert result.returncode == 0, (
            f"flask {' '.join(args)} misslyckades ({result.returncode}):\n"
            f"{result.stdout}{result.stderr}"
        )
        return result.stdout

    def issue_link(self, email: str, **env: str) -> str:
        """A single-use sign-in link printed by `issue-link`, as IT hands it over."""
        out = self.cli("issue-link", email, **env).strip().splitlines()
        assert out and out[-1].startswith(f"{self.url}/logga-in/"), out
        return out[-1]

    def start(self, bootstrap_hr: Person | None = HR) -> Service:
        """Start SMTP, bootstrap HR with the CLI (roster of one, grant-hr), then the server."""
        self.workdir.mkdir(parents=True, exist_ok=True)
        self._controller = Controller(self.mail, hostname=HOST, port=self.mail.port)
        self._controller.start()
        if bootstrap_hr is not None:
            first = self.workdir / "hr-only.csv"
            first.write_text(
                "\n".join((ROSTER_HEADER, bootstrap_hr.csv_line(manager=""))) + "\n",
                encoding="utf-8",
            )
            self.cli("import-roster", str(first))
            self.cli("grant-hr", bootstrap_hr.email)
        self._log = self.log_path.open("wb")
        self.process = subprocess.Popen(
            [
                *(sys.executable, "-m", "flask", "--app", "formserver", "run"),
                *("--host", HOST, "--port", str(self.port)),
                *("--no-reload", "--no-debugger", "--with-threads"),
            ],
            cwd=ROOT,
            env=self.env(),
            stdout=self._log,
            stderr=subprocess.STDOUT,
        )
        self._wait_until_up()
        return self

    def _wait_until_up(self, timeout: float = 30) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            assert self.process is not None
            if self.process.poll() is not None:
                raise AssertionError(f"Tjänsten startade inte:\n{self.log_tail()}")
            try:
                with urlopen(f"{self.url}/", timeout=2) as response:
                    if response.status == 200:
                        return
            except (URLError, OSError):
                pass
            time.sleep(0.1)
        raise AssertionError(f"Tjänsten svarade inte inom {timeout} s:\n{self.log_tail()}")

    def log_tail(self, lines: int = 40) -> str:
        """The end of the server's output, for failure messages."""
        if not self.log_path.exists():
            return "(ingen logg)"
        text = self.log_path.read_text(encoding="utf-8", errors="replace")
        return "\n".join(text.splitlines()[-lines:])

    def stop(self) -> None:
        """Stop the server and the SMTP server (only the processes this object started)."""
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(timeout=10)
        if self._log is not None:
            self._log.close()
            self._log = None
        if self._controller is not None:
            self._controller.stop()
            self._controller = None

    # --- Mail ---------------------------------------------------------------------------------

    def wait_for_mail(
        self, to: str, subject: str, *, count: int = 1, timeout: float = 15
    ) -> EmailMessage:
        """The `count`-th message to `to` whose subject contains `subject` (waits for it)."""
        deadline = time.monotonic() + timeout
        while True:
            found = [
                m
                for m in list(self.mail.messages)
                if to in str(m["To"]) and subject in str(m["Subject"])
            ]
            if len(found) >= count:
                return found[count - 1]
            if time.monotonic() > deadline:
                seen = [(str(m["To"]), str(m["Subject"])) for m in self.mail.messages]
                raise AssertionError(f"Inget e-brev till {to} om {subject!r}. Fick: {seen}")
            time.sleep(0.1)

    def link_in(self, message: EmailMessage) -> str:
        """The sign-in link in a message's plain-text body, as a mail client shows it."""
        body = message.get_body(preferencelist=("plain",))
        assert body is not None, "e-brevet saknar textdel"
        text = body.get_content()
        links = re.findall(rf"{re.escape(self.url)}/logga-in/[A-Za-z0-9_.\-]+", text)
        assert len(links) == 1, f"väntade en inloggningslänk i e-brevet:\n{text}"
        return links[0]


@contextmanager
def service_with_round(workdir: Path, handbook: Path, question_set: str) -> Iterator[Service]:
    """A started service with the whole roster and this year's round of `question_set` with the
    handlingsplan, set up by the CLI as IT would; stopped afterwards."""
    service = Service(workdir, handbook)
    try:
        service.start()
        roster = service.workdir / "personal.csv"
        roster.write_text(roster_csv(*EVERYONE), encoding="utf-8")
        service.cli("import-roster", str(roster))
        service.cli(
            "open-round",
            *("--year", str(today().year), "--question-set", question_set),
            *("--plan-template", "handlingsplan"),
        )
        yield service
    finally:
        service.stop()
