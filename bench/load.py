"""Load: a realistic mix from 32 concurrent clients against the form service under gunicorn.

What is measured. The real service (formserver.create_app, production settings through
FORMSERVER_* variables) runs under gunicorn on 127.0.0.1 only, with a fresh SQLite database in a
temporary folder: a roster of 61 fictional people (a director, two managers with 29 employees
each) and an open "rutin" round with the "handlingsplan" template. Every client is a Python
thread with its own keep-alive HTTP connection (http.client), and signs in as a person does:
its own single-use link (sign_in.issue_link, issued before the server starts), GET
the confirmation page, POST its csrf_token, keep the session cookie. A client signs in again
with a fresh link every --resign-every rounds of its loop while it has links left.

The mix, in a closed loop (no think time unless --think-ms), for --seconds after a --warmup that
is not counted, and never more than --max-requests requests in all:

  employee clients (default 24), each on their own talk:
    GET  /samtal/<id>/forberedelse   the preparation form (200)
    POST /samtal/<id>/forberedelse   save the draft with the page's version (302 ...sparad=1)
    GET  /samtal/<id>                the talk's page, every 4th round (200)
  manager clients (default 8; 4 sessions per manager, each on its own share of the team):
    GET + POST the manager's own preparation of the talk (200, 302)
    GET  /samtal/<id>/plan           the record of the talk (200)
    POST /samtal/<id>/plan           save notes and plan rows with number/edits (302 ...sparad=1)
    GET  /samtal/<id>/plan.pdf       the plan as PDF/A, every --pdf-every (3rd) round (200, PDF)
  everyone: the sign-in requests (GET 200, POST 302)

Errors: any 5xx, any status other than the expected one (an unexpected 4xx, a 409 where nobody
else edits the record, a redirect to the sign-in page), and connection errors. Each client
tracks what it saved and was told was saved (the 302s); afterwards the database is read with
the store's own MAC-checked readers and compared: every record's version must count every
acknowledged save and hold the last acknowledged text, else it is a lost write.

Reported per kind and in total: requests, req/s, p50/p99/max latency (ms, request sent to body
read), errors. Targets (issue 6): 0 errors, 0 lost writes, p99 < 250 ms over all requests.
Prints PASS/FAIL, writes bench/results/load.json, exits 0 either way.

Also printed: the CPU the gunicorn workers, this load generator and everything else used in the
measured window (a warning when other programs disturbed the run).

Run: `python bench/load.py [--seconds 60] [--clients 32] [--managers 8] [--workers 2]
[--threads 4] [--worker-class gthread|sync] [--max-requests N] [--think-ms 0] [--pdf-every 3]`
(gunicorn serves `formserver:create_app()`).
Needs gunicorn (pip install -e '.[server]'), WeasyPrint's system libraries for the PDF, Linux.
"""

from __future__ import annotations

import argparse
import http.client
import json
import os
import re
import secrets
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import asdict, dataclass, field
from datetime import date
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

import _common

from formserver import create_app
from formserver.security.records import RecordSigner, RecordTampered
from formserver.services import rounds as round_logic
from formserver.services import sign_in as signin
from formserver.services.roster import parse_roster
from formserver.store import db, plans
from formserver.store.people import import_roster, person_by_number
from formserver.store.preparations import get_preparation
from formserver.store.talks import employee_talks

HOST = "127.0.0.1"
QUESTION_SET = "rutin"
PLAN_TEMPLATE = "handlingsplan"
MANAGERS = ("M0001", "M0002")
TEAM_SIZE = 29
TARGET_P99_MS = 250.0
KINDS = (
    "signin_page",
    "signin",
    "prep_form",
    "prep_save",
    "talk_page",
    "plan_form",
    "plan_save",
    "plan_pdf",
)
CSRF_RE = re.compile(r'name="csrf_token" value="([^"]+)"')
VERSION_RE = re.compile(r'name="version" value="(\d+)"')
NUMBER_RE = re.compile(r'name="number" value="(\d+)"')
EDITS_RE = re.compile(r'name="edits" value="(\d+)"')
ROWS_RE = re.compile(r'name="rows_mal" value="(r[0-9a-z]+)"')
PREP_TEXT = (
    "Året har varit utvecklande. Jag har tagit ansvar för introduktionen av nya kollegor och "
    "vill nästa år fördjupa mig i digitala verktyg. Det svåra är att hinna med planeringen när "
    "någon är sjuk."
)
NOTE_TEXT = (
    "Vi pratade om arbetsbelastningen under våren och kom överens om att se över "
    "planeringstiden. Medarbetaren vill gå en kurs i handledning."
)


Fields = list[tuple[str, str]]


class Stop(Exception):
    """The run is over (time or request cap): leave the loop."""


@dataclass
class Client:
    """One simulated person's browser: a session, their talks and what the server acknowledged."""

    index: int
    role: str  # "employee" or "manager"
    talks: list[str]
    links: list[str]
    cookie: str = ""
    signins: int = 0
    # Per talk: saves the server acknowledged (302) and the text of the last one.
    prep_saves: dict[str, int] = field(default_factory=dict)
    prep_text: dict[str, str] = field(default_factory=dict)
    plan_saves: dict[str, int] = field(default_factory=dict)
    plan_text: dict[str, str] = field(default_factory=dict)
    stale_pages: int = 0  # a form showed an older version than the client had saved


@dataclass
class Tally:
    """What one client thread saw."""

    latencies: dict[str, list[float]] = field(default_factory=lambda: {k: [] for k in KINDS})
    errors: dict[str, int] = field(default_factory=lambda: dict.fromkeys(KINDS, 0))
    statuses: dict[str, dict[int, int]] = field(default_factory=lambda: {k: {} for k in KINDS})
    samples: list[str] = field(default_factory=list)


@dataclass
class Reply:
    """One HTTP response."""

    status: int
    headers: dict[str, str]
    body: bytes

    @property
    def text(self) -> str:
        """The body as text."""
        return self.body.decode("utf-8", errors="replace")


class Budget:
    """The run's end: a deadline and a cap on requests, shared by every client."""

    def __init__(self, warmup_end: float, deadline: float, cap: int) -> None:
        self.warmup_end = warmup_end
        self.deadline = deadline
        self.cap = cap
        self.sent = 0
        self._lock = threading.Lock()

    def take(self) -> bool:
        """Whether one more request may be sent (and whether it is counted)."""
        if time.monotonic() >= self.deadline:
            raise Stop
        measured = time.monotonic() >= self.warmup_end
        if measured:
            with self._lock:
                if self.sent >= self.cap:
                    raise Stop
                self.sent += 1
        return measured


class Browser:
    """A keep-alive connection with a session cookie; every request timed and checked."""

    def __init__(self, port: int, client: Client, tally: Tally, budget: Budget) -> None:
        self.port = port
        self.client = client
        self.tally = tally
        self.budget = budget
        self.connection = http.client.HTTPConnection(HOST, port, timeout=30)

    def close(self) -> None:
        """Close the connection."""
        self.connection.close()

    def send(self, kind: str, method: str, path: str, fields: Fields | None = None) -> Reply | None:
        """One request; None on a connection error (counted as an error)."""
        measured = self.budget.take()
        headers = {"Host": f"{HOST}:{self.port}"}
        if self.client.cookie:
            headers["Cookie"] = f"formserver_session={self.client.cookie}"
        body = None
        if fields is not None:
            body = urlencode(fields).encode()
            headers["Content-Type"] = "application/x-www-form-urlencoded"
        start = time.perf_counter()
        try:
            self.connection.request(method, path, body=body, headers=headers)
            response = self.connection.getresponse()
            data = response.read()
        except (OSError, http.client.HTTPException) as error:
            self.connection.close()
            if measured:
                self.record(kind, (time.perf_counter() - start) * 1000, 0)
            self.error(kind, f"{method} {kind}: {type(error).__name__}: {error}")
            return None
        elapsed = (time.perf_counter() - start) * 1000
        if response.getheader("Connection", "").lower() == "close":
            self.connection.close()
        for cookie in response.headers.get_all("Set-Cookie") or []:
            if cookie.startswith("formserver_session="):
                self.client.cookie = cookie.split(";", 1)[0].split("=", 1)[1]
        reply = Reply(response.status, {k.lower(): v for k, v in response.getheaders()}, data)
        if measured:
            self.record(kind, elapsed, reply.status)
        return reply

    def record(self, kind: str, ms: float, status: int) -> None:
        """Count one request's latency and status."""
        self.tally.latencies[kind].append(ms)
        statuses = self.tally.statuses[kind]
        statuses[status] = statuses.get(status, 0) + 1

    def error(self, kind: str, what: str) -> None:
        """Count one error and keep a few samples."""
        self.tally.errors[kind] += 1
        if len(self.tally.samples) < 10:
            self.tally.samples.append(what)

    def expect(
        self, kind: str, method: str, path: str, status: int, fields: Fields | None = None
    ) -> Reply | None:
        """A request that must answer `status`; anything else is an error (None returned).

        Errors count in the warm-up too: only latencies are left out of it.
        """
        reply = self.send(kind, method, path, fields)
        if reply is None:
            return None
        if reply.status != status:
            self.error(kind, f"{method} {path}: {reply.status}, expected {status}")
            return None
        return reply


def sign_in(browser: Browser) -> bool:
    """Open the next link, press the button, keep the session."""
    client = browser.client
    if not client.links:
        return False
    token = client.links.pop(0)
    client.cookie = ""
    page = browser.expect("signin_page", "GET", f"/logga-in/{token}", 200)
    match = CSRF_RE.search(page.text) if page else None
    if not match:
        return False
    done = browser.expect("signin", "POST", f"/logga-in/{token}", 302, [("csrf_token", match[1])])
    client.signins += 1
    return done is not None


def save_preparation(browser: Browser, talk_id: str, round_no: int) -> None:
    """GET the preparation form, POST it with its version; track what was acknowledged."""
    client = browser.client
    path = f"/samtal/{talk_id}/forberedelse"
    page = browser.expect("prep_form", "GET", path, 200)
    if page is None:
        return
    token, version = CSRF_RE.search(page.text), VERSION_RE.search(page.text)
    if not token or not version:
        browser.error("prep_form", f"GET {path}: no csrf_token or version in the page")
        return
    if int(version[1]) < client.prep_saves.get(talk_id, 0):
        client.stale_pages += 1
    text = f"Klient {client.index}, runda {round_no}. {PREP_TEXT}"
    fields = [
        ("csrf_token", token[1]),
        ("version", version[1]),
        ("action", "spara"),
        ("q_halsa", text),
        ("q_arbetssituation", PREP_TEXT),
        ("q_individuella_mal", f"Mål för runda {round_no}: fler samarbeten med kollegor."),
    ]
    reply = browser.expect("prep_save", "POST", path, 302, fields)
    if reply is not None:
        if "sparad=1" not in reply.headers.get("location", ""):
            browser.error(
                "prep_save", f"POST {path}: redirected to {reply.headers.get('location')}"
            )
            return
        client.prep_saves[talk_id] = client.prep_saves.get(talk_id, 0) + 1
        client.prep_text[talk_id] = text


def save_plan(browser: Browser, talk_id: str, round_no: int) -> None:
    """GET the record of the talk, POST notes and rows with number/edits; track acks."""
    client = browser.client
    path = f"/samtal/{talk_id}/plan"
    page = browser.expect("plan_form", "GET", path, 200)
    if page is None:
        return
    token = CSRF_RE.search(page.text)
    number, edits = NUMBER_RE.search(page.text), EDITS_RE.search(page.text)
    if not token or not number or not edits:
        browser.error("plan_form", f"GET {path}: no csrf_token, number or edits in the page")
        return
    if int(edits[1]) < client.plan_saves.get(talk_id, 0):
        client.stale_pages += 1
    note = f"Klient {client.index}, runda {round_no}. {NOTE_TEXT}"
    fields = [
        ("csrf_token", token[1]),
        ("number", number[1]),
        ("edits", edits[1]),
        ("action", "spara"),
        ("note_arbetssituation", note),
        ("note_samspela", NOTE_TEXT),
    ]
    for i, row_id in enumerate(ROWS_RE.findall(page.text)[:3], start=1):
        fields += [
            ("rows_mal", row_id),
            (f"cell_mal_{row_id}_medarbetarens_mal", f"Mål {i}: handledarutbildning"),
            (f"cell_mal_{row_id}_ansvarig", "Medarbetaren och chefen"),
        ]
    reply = browser.expect("plan_save", "POST", path, 302, fields)
    if reply is not None:
        if "sparad=1" not in reply.headers.get("location", ""):
            browser.error(
                "plan_save", f"POST {path}: redirected to {reply.headers.get('location')}"
            )
            return
        client.plan_saves[talk_id] = client.plan_saves.get(talk_id, 0) + 1
        client.plan_text[talk_id] = note


def download_pdf(browser: Browser, talk_id: str) -> None:
    """GET the plan as PDF (after the client has saved it once)."""
    if not browser.client.plan_saves.get(talk_id):
        return
    reply = browser.expect("plan_pdf", "GET", f"/samtal/{talk_id}/plan.pdf", 200)
    if reply is not None and (
        not reply.body.startswith(b"%PDF") or reply.headers.get("content-type") != "application/pdf"
    ):
        browser.error("plan_pdf", f"plan.pdf for {talk_id}: not a PDF")


def drive(
    port: int, client: Client, tally: Tally, budget: Budget, args: argparse.Namespace
) -> None:
    """One client's loop until the deadline or the cap."""
    browser = Browser(port, client, tally, budget)
    think = args.think_ms / 1000
    try:
        if not sign_in(browser):
            return
        round_no = 0
        while True:
            round_no += 1
            if round_no % args.resign_every == 0 and client.links:
                sign_in(browser)
            talk_id = client.talks[round_no % len(client.talks)]
            save_preparation(browser, talk_id, round_no)
            if client.role == "employee":
                if round_no % 4 == 0:
                    browser.expect("talk_page", "GET", f"/samtal/{talk_id}", 200)
            else:
                save_plan(browser, talk_id, round_no)
                if args.pdf_every and round_no % args.pdf_every == 0:
                    download_pdf(browser, talk_id)
            if think:
                time.sleep(think)
    except Stop:
        pass
    finally:
        browser.close()


# --- set-up, server, check -----------------------------------------------------------------------


def roster() -> bytes:
    """A director, two managers and 29 employees each: 61 fictional people."""
    lines = [_common.roster_line("T0001", _common.fictional_name(0), "Ledning", "Direktör", "")]
    for m, manager in enumerate(MANAGERS):
        unit = _common.UNITS[m]
        lines.append(
            _common.roster_line(manager, _common.fictional_name(m + 1), unit, "Enhetschef", "T0001")
        )
        for i in range(TEAM_SIZE):
            number = f"E{m}{i:03d}"
            title = _common.TITLES[i % len(_common.TITLES)]
            name = _common.fictional_name(3 + m * TEAM_SIZE + i)
            lines.append(_common.roster_line(number, name, unit, title, manager))
    return _common.roster_bytes(lines)


def free_port() -> int:
    """A free loopback port (bound, read and released)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind((HOST, 0))
        port: int = sock.getsockname()[1]
    return port


def environment(tmp: Path, port: int) -> dict[str, str]:
    """Production settings: a random key, secure cookies, the trusted host, the public URL."""
    return {
        "FORMSERVER_SECRET_KEY": secrets.token_urlsafe(36),
        "FORMSERVER_DATABASE": str(tmp / "load.sqlite3"),
        "FORMSERVER_TESTING": "false",
        "FORMSERVER_DEBUG": "false",
        "FORMSERVER_SESSION_COOKIE_SECURE": "true",
        "FORMSERVER_TRUSTED_HOSTS": json.dumps([HOST]),
        "FORMSERVER_PUBLIC_URL": f"http://{HOST}:{port}",
    }


def prepare_data(args: argparse.Namespace) -> list[Client]:
    """Import the roster, open the round, make the clients and issue their links."""
    app = create_app()
    conn = db.connection_for(app.config["DATABASE"])
    try:
        parsed = parse_roster(roster())
        if not parsed.ok:
            sys.exit("the generated roster is invalid: " + "; ".join(map(str, parsed.errors)))
        import_roster(conn, parsed.rows)
        round_logic.open_round(
            conn,
            app.extensions["site_config"],
            year=date.today().year,
            question_set_id=QUESTION_SET,
            plan_template_id=PLAN_TEMPLATE,
            opened_by=None,
            today=date.today(),
        )
        keys = [*app.config["SECRET_KEY_FALLBACKS"], app.config["SECRET_KEY"]]
        links = 1 + args.links
        clients: list[Client] = []
        employees = args.clients - args.managers
        for index in range(employees):
            m, i = index % len(MANAGERS), index // len(MANAGERS)
            person = person_by_number(conn, f"E{m}{i:03d}")
            assert person is not None
            talk = employee_talks(conn, person.id)[0]
            tokens = [
                signin.issue_link(conn, keys, person, now=db.utc_now(), days=1)
                for _ in range(links)
            ]
            clients.append(Client(index, "employee", [talk.id], tokens))
        for index in range(args.managers):
            number = MANAGERS[index % len(MANAGERS)]
            manager = person_by_number(conn, number)
            assert manager is not None
            team = [
                r["id"]
                for r in conn.execute(
                    "SELECT t.id FROM talks t JOIN people p ON p.id = t.employee_id "
                    "WHERE t.manager_id = ? ORDER BY p.employee_number",
                    (manager.id,),
                )
            ]
            share = index // len(MANAGERS)
            sessions = -(-args.managers // len(MANAGERS))
            mine = team[share::sessions]
            tokens = [
                signin.issue_link(conn, keys, manager, now=db.utc_now(), days=1)
                for _ in range(links)
            ]
            clients.append(Client(employees + index, "manager", mine, tokens))
    finally:
        db.close_thread_connections()
    return clients


def start_server(tmp: Path, port: int, args: argparse.Namespace, env: dict[str, str]) -> Any:
    """gunicorn on loopback; returns once the service answers."""
    log = (tmp / "gunicorn.log").open("wb")
    command = [sys.executable, "-m", "gunicorn", "--bind", f"{HOST}:{port}"]
    command += ["--workers", str(args.workers), "--worker-class", args.worker_class]
    if args.worker_class == "gthread":
        command += ["--threads", str(args.threads)]
    command += ["--keep-alive", "75", "--timeout", "120", "--graceful-timeout", "10"]
    command += ["--log-level", "warning"]
    command += ["formserver:create_app()"]
    server = subprocess.Popen(
        command, cwd=tmp, env={**os.environ, **env}, stdout=log, stderr=subprocess.STDOUT
    )
    log.close()
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline and server.poll() is None:
        try:
            probe = http.client.HTTPConnection(HOST, port, timeout=5)
            probe.request("GET", "/inloggning-kravs", headers={"Host": f"{HOST}:{port}"})
            if probe.getresponse().status == 200:
                probe.close()
                return server
        except OSError:
            pass
        time.sleep(0.2)
    stop_server(server)
    tail = (tmp / "gunicorn.log").read_text(encoding="utf-8", errors="replace")[-3000:]
    sys.exit(f"gunicorn did not start (exit {server.returncode}):\n{tail}")


def worker_pids(master: int) -> list[int]:
    """The gunicorn master's children: its workers."""
    try:
        return [
            int(pid) for pid in Path(f"/proc/{master}/task/{master}/children").read_text().split()
        ]
    except OSError:
        return []


def stop_server(server: Any) -> None:
    """Stop the gunicorn master this script started, and any worker of it left behind.

    A worker stuck in a request (a hung PDF rendering, say) outlives a master that gave up on
    it; it was started by this script, so it is ended here, by its pid.
    """
    workers = worker_pids(server.pid)
    if server.poll() is None:
        server.send_signal(signal.SIGTERM)
        try:
            server.wait(timeout=20)
        except subprocess.TimeoutExpired:
            server.kill()
            server.wait()
    command = "\0".join(map(str, server.args)).encode()
    for pid in workers:
        try:
            stat = Path(f"/proc/{pid}/stat").read_text()
            cmdline = Path(f"/proc/{pid}/cmdline").read_bytes().rstrip(b"\0")
        except OSError:
            continue
        orphaned = int(stat.rsplit(")", 1)[1].split()[1]) in (server.pid, 1)
        if orphaned and cmdline == command:  # a worker forked from our master, left behind
            print(f"  gunicorn worker {pid} did not stop with its master: killing it")
            os.kill(pid, signal.SIGKILL)


@dataclass
class Writes:
    """Acknowledged saves against the database."""

    preparation_saves_acknowledged: int = 0
    preparation_saves_in_database: int = 0
    plan_saves_acknowledged: int = 0
    plan_saves_in_database: int = 0
    lost_writes: int = 0
    unacknowledged_commits: int = 0
    records_failing_verification: int = 0
    stale_pages: int = 0
    integrity_check: str = ""
    problems: list[str] = field(default_factory=list)

    def compare(self, kind: str, record: str, acked: int, stored: int, text_ok: bool) -> None:
        """One record: its acknowledged saves, its stored version, its last text."""
        if kind == "preparation":
            self.preparation_saves_acknowledged += acked
            self.preparation_saves_in_database += stored
        else:
            self.plan_saves_acknowledged += acked
            self.plan_saves_in_database += stored
        if stored < acked or (acked and not text_ok):
            self.lost_writes += max(1, acked - stored)
            if len(self.problems) < 20:
                self.problems.append(
                    f"{kind} {record}: {acked} saves acknowledged, {stored} stored"
                    + ("" if text_ok else ", not the last acknowledged text")
                )
        else:
            self.unacknowledged_commits += stored - acked


def check_writes(database: Path, key: str, clients: list[Client]) -> Writes:
    """Every acknowledged save against the database, read with the store's MAC checks."""
    prep_signer, plan_signer = RecordSigner([key], "preparation"), RecordSigner([key], "plan")
    writes = Writes(stale_pages=sum(c.stale_pages for c in clients))
    conn = db.connect(database)
    try:
        writes.integrity_check = conn.execute("PRAGMA integrity_check").fetchone()[0]
        for client in clients:
            role = client.role
            for talk_id, acked in client.prep_saves.items():
                try:
                    found = get_preparation(conn, talk_id, role, prep_signer)
                except RecordTampered:
                    writes.records_failing_verification += 1
                    continue
                stored = found.version if found else 0
                text = found.answers.get("halsa", {}).get("value") if found else None
                same = text == client.prep_text[talk_id]
                writes.compare("preparation", f"{talk_id}:{role}", acked, stored, same)
            for talk_id, acked in client.plan_saves.items():
                try:
                    latest = plans.latest(conn, talk_id, plan_signer)
                except RecordTampered:
                    writes.records_failing_verification += 1
                    continue
                stored = latest.edits if latest else 0
                note = latest.content["notes"].get("arbetssituation") if latest else None
                writes.compare("plan", talk_id, acked, stored, note == client.plan_text[talk_id])
    finally:
        conn.close()
    return writes


@dataclass
class Row:
    """One kind's figures."""

    kind: str
    requests: int
    rps: float
    p50_ms: float
    p99_ms: float
    max_ms: float
    errors: int
    statuses: dict[int, int]


def summarise(tallies: list[Tally], seconds: float) -> list[Row]:
    """Per kind and in total."""
    rows = []
    everything: list[float] = []
    total_errors = 0
    total_statuses: dict[int, int] = {}
    for kind in KINDS:
        latencies = [ms for t in tallies for ms in t.latencies[kind]]
        errors = sum(t.errors[kind] for t in tallies)
        statuses: dict[int, int] = {}
        for t in tallies:
            for status, count in t.statuses[kind].items():
                statuses[status] = statuses.get(status, 0) + count
                total_statuses[status] = total_statuses.get(status, 0) + count
        everything += latencies
        total_errors += errors
        rows.append(_row(kind, latencies, seconds, errors, statuses))
    rows.append(_row("total", everything, seconds, total_errors, total_statuses))
    return rows


def _row(
    kind: str, latencies: list[float], seconds: float, errors: int, statuses: dict[int, int]
) -> Row:
    return Row(
        kind,
        len(latencies),
        len(latencies) / seconds if seconds else 0.0,
        _common.percentile(latencies, 50),
        _common.percentile(latencies, 99),
        max(latencies, default=0.0),
        errors,
        dict(sorted(statuses.items())),
    )


@dataclass
class Cpu:
    """CPU used in the measured window: the gunicorn workers, this load generator, the rest."""

    server_seconds: float = 0.0
    loadgen_seconds: float = 0.0
    wall_seconds: float = 0.0
    machine_busy_seconds: float = 0.0
    load_average: float = 0.0

    def sample(self, master: int) -> tuple[float, float, float, float]:
        """(server CPU, load generator CPU, wall clock, CPU busy on the whole machine) now."""
        return worker_cpu(master), time.process_time(), time.monotonic(), machine_busy()

    @property
    def other_cores(self) -> float:
        """Cores busy with anything but the server and the load generator."""
        if not self.wall_seconds:
            return 0.0
        other = self.machine_busy_seconds - self.server_seconds - self.loadgen_seconds
        return max(0.0, other / self.wall_seconds)


def machine_busy() -> float:
    """CPU seconds the whole machine has been busy (from /proc/stat)."""
    try:
        fields = Path("/proc/stat").read_text().split("\n", 1)[0].split()[1:9]
    except OSError:
        return 0.0
    user, nice, system, _idle, _iowait, irq, softirq, steal = map(int, fields)
    return (user + nice + system + irq + softirq + steal) / os.sysconf("SC_CLK_TCK")


def worker_cpu(master: int) -> float:
    """User plus system CPU seconds of the gunicorn master's children (the workers)."""
    ticks = os.sysconf("SC_CLK_TCK")
    total = 0
    for pid in worker_pids(master):
        try:
            fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        total += int(fields[11]) + int(fields[12])
    return total / ticks


def run_load(
    port: int, master: int, clients: list[Client], args: argparse.Namespace
) -> tuple[list[Tally], float, Cpu]:
    """Every client at once; the tallies, the measured wall time and the CPU used."""
    tallies = [Tally() for _ in clients]
    start = time.monotonic()
    budget = Budget(start + args.warmup, start + args.warmup + args.seconds, args.max_requests)
    threads = [
        threading.Thread(target=drive, args=(port, c, t, budget, args), daemon=True)
        for c, t in zip(clients, tallies, strict=True)
    ]
    for thread in threads:
        thread.start()
    cpu = Cpu()
    time.sleep(max(0.0, budget.warmup_end - time.monotonic()))
    before = cpu.sample(master)
    for thread in threads:
        thread.join(timeout=max(0.0, budget.deadline - time.monotonic()))
    after = cpu.sample(master)
    cpu.server_seconds, cpu.loadgen_seconds, cpu.wall_seconds, cpu.machine_busy_seconds = (
        a - b for a, b in zip(after, before, strict=True)
    )
    cpu.load_average = os.getloadavg()[0]
    for thread in threads:
        thread.join(timeout=90)
    end = min(time.monotonic(), budget.deadline)
    return tallies, max(0.001, end - budget.warmup_end), cpu


def report(rows: list[Row], writes: Writes, tallies: list[Tally]) -> None:
    """Print the table, the write check and a few error samples."""
    _common.print_table(
        ("kind", "requests", "req/s", "p50 ms", "p99 ms", "max ms", "errors", "statuses"),
        [
            (
                r.kind,
                r.requests,
                f"{r.rps:.1f}",
                f"{r.p50_ms:.1f}",
                f"{r.p99_ms:.1f}",
                f"{r.max_ms:.0f}",
                r.errors,
                " ".join(f"{s}:{n}" for s, n in r.statuses.items()),
            )
            for r in rows
        ],
    )
    print(
        f"\nWrites: preparations {writes.preparation_saves_acknowledged} saves acknowledged, "
        f"{writes.preparation_saves_in_database} in the database; plans "
        f"{writes.plan_saves_acknowledged} acknowledged, {writes.plan_saves_in_database} "
        f"in the database.\n  lost writes {writes.lost_writes}, saved but not acknowledged "
        f"{writes.unacknowledged_commits}, records failing MAC "
        f"{writes.records_failing_verification}, forms showing an older version "
        f"{writes.stale_pages}, integrity_check {writes.integrity_check}"
    )
    for problem in writes.problems:
        print(f"  LOST: {problem}")
    samples = [s for t in tallies for s in t.samples][:10]
    if samples:
        print("\nError samples")
        for sample in samples:
            print(f"  {sample}")


def main() -> None:
    """Set up, start gunicorn, drive the mix, check the writes, print and write the JSON."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--seconds", type=float, default=60.0, help="measured time")
    parser.add_argument("--warmup", type=float, default=3.0, help="uncounted load first (s)")
    parser.add_argument("--clients", type=int, default=32, help="concurrent clients")
    parser.add_argument("--managers", type=int, default=8, help="of which manager sessions")
    # The README's production advice: sync workers, two per core. A PDF holds the GIL (and a
    # lock around pango) for a few hundred ms, which stalls every other thread of a gthread
    # worker; separate processes keep the other requests moving.
    parser.add_argument("--workers", type=int, default=4, help="gunicorn workers")
    parser.add_argument("--threads", type=int, default=4, help="threads per gthread worker")
    parser.add_argument("--worker-class", choices=("gthread", "sync"), default="sync")
    parser.add_argument("--max-requests", type=int, default=200_000, help="cap (measured)")
    parser.add_argument("--think-ms", type=float, default=0.0, help="pause per loop round")
    parser.add_argument(
        "--pdf-every", type=int, default=3, help="managers GET plan.pdf every N rounds (0: never)"
    )
    parser.add_argument("--resign-every", type=int, default=10, help="sign in again (rounds)")
    parser.add_argument("--links", type=int, default=4, help="extra sign-in links per client")
    parser.add_argument("--tmpdir", type=Path, default=None, help="where the database goes")
    parser.add_argument("--json", type=Path, default=_common.RESULTS_DIR / "load.json")
    args = parser.parse_args()
    if not 0 < args.managers < args.clients or min(args.workers, args.threads) < 1:
        parser.error("need 0 < --managers < --clients and positive --workers/--threads")
    if args.seconds <= 0 or args.max_requests < 1 or args.resign_every < 1 or args.pdf_every < 0:
        parser.error("--seconds, --max-requests and --resign-every must be positive")
    with tempfile.TemporaryDirectory(prefix="load-bench-", dir=args.tmpdir) as name:
        tmp = Path(name)
        port = free_port()
        env = environment(tmp, port)
        os.environ.update(env)
        clients = prepare_data(args)
        threads = f" x {args.threads} threads" if args.worker_class == "gthread" else ""
        print(
            f"Load benchmark: gunicorn {args.workers} {args.worker_class} workers{threads}, "
            f"{args.clients} clients ({args.managers} manager sessions, "
            f"{args.clients - args.managers} employees), {args.seconds:g} s "
            f"(+{args.warmup:g} s warm-up), think time {args.think_ms:g} ms, PDF every "
            f"{args.pdf_every or 'no'} rounds, "
            f"{os.cpu_count()} CPUs, database on {_common.filesystem_of(tmp)}\n"
        )
        server = start_server(tmp, port, args, env)
        try:
            tallies, seconds, cpu = run_load(port, server.pid, clients, args)
        finally:
            stop_server(server)
        writes = check_writes(tmp / "load.sqlite3", env["FORMSERVER_SECRET_KEY"], clients)
        log_tail = (tmp / "gunicorn.log").read_text(encoding="utf-8", errors="replace")[-2000:]
    rows = summarise(tallies, seconds)
    report(rows, writes, tallies)
    requests = rows[-1].requests
    wall = cpu.wall_seconds or 1.0
    print(
        f"\nCPU in the measured window: server {cpu.server_seconds / wall:.2f} cores "
        f"({1000 * cpu.server_seconds / requests if requests else 0:.1f} ms per request), "
        f"load generator {cpu.loadgen_seconds / wall:.2f} cores, everything else "
        f"{cpu.other_cores:.2f} cores, of {os.cpu_count()} CPUs (load average "
        f"{cpu.load_average:.1f})"
    )
    if cpu.other_cores > 0.25:
        print(
            "  WARNING: other programs used the CPUs during the run: latency and req/s are "
            "disturbed;\n  run again on a quiet machine before comparing with the targets."
        )
    if log_tail.strip():
        print(f"\ngunicorn log (tail):\n{log_tail}")
    total = rows[-1]
    targets = [
        _common.Target("errors", float(total.errors), 0, False),
        _common.Target("lost writes", float(writes.lost_writes), 0, False),
        _common.Target("p99 latency, all requests", total.p99_ms, TARGET_P99_MS, False, "ms"),
        _common.Target(
            "records failing MAC or integrity_check",
            float(writes.records_failing_verification + (writes.integrity_check != "ok")),
            0,
            False,
        ),
    ]
    _common.print_targets(targets)
    passed = all(t.passed for t in targets)
    print(f"\n{'PASS' if passed else 'FAIL'}")
    _common.write_json(
        args.json,
        {
            "benchmark": "load",
            "settings": {
                key: (str(value) if isinstance(value, Path) else value)
                for key, value in vars(args).items()
            },
            "machine": _common.machine(),
            "seconds_measured": seconds,
            "cpu": {**asdict(cpu), "other_cores": cpu.other_cores},
            "kinds": [asdict(r) for r in rows],
            "writes": asdict(writes),
            "error_samples": [s for t in tallies for s in t.samples][:20],
            "targets": [t.as_dict() for t in targets],
            "passed": passed,
        },
    )


if __name__ == "__main__":
    main()
