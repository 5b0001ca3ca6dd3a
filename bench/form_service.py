"""Form service throughput: the preparation form and its save, against a bare Flask route.

What is measured. The real service (formserver.create_app) runs under gunicorn on 127.0.0.1
with --workers sync workers (default 2, no --preload, so every worker builds its own app) and a
fresh SQLite database in a temporary folder (WAL, synchronous=FULL, as store.db.connect opens
it). The WSGI entry module, written into that folder, adds one route to the same app:
GET /bench-bare returns "ok" and is the baseline; it still passes the app's before/after-request
hooks (connection lookup, security headers) but no session, database query or template.

Three scenarios, each measured for --seconds in total, split over --rounds interleaved rounds
(bare, form, save, bare, form, save, ...) after a --warmup per scenario that is not counted;
also capped at --max-requests. The load comes from --clients concurrent Python threads on
loopback (raw sockets; gunicorn's sync workers close every connection, so each request is a
new TCP connection, sent with "Connection: close"):

  bare  GET /bench-bare, no cookie. Expected: 200.
  form  GET /samtal/<talk>/forberedelse of a filled-in kompetenssamtal preparation (the largest
        question set: 29 questions, 33 fields), signed in. Expected: 200.
  save  POST the same form with every field filled, the client's CSRF token, the current
        `version` and action=spara. Expected: 302 to ...?sparad=1. Each client is a different
        employee saving their own preparation, so versions never clash.

Any other status (also a 409 or a redirect to the sign-in page) counts as an error.

Set-up: `formserver load-demo` (through Flask's CLI runner), then the demo roster plus
generated employees under the demo manager (one per client), then a kompetenssamtal round for
next year. Each client signs in like a person does: its own single-use link (signin.issue_link),
GET the confirmation page, POST its csrf_token, keep the session cookie. The app is configured
through FORMSERVER_* environment variables in production mode (random 48-character key,
SESSION_COOKIE_SECURE, TRUSTED_HOSTS, PUBLIC_URL), so the strict start-up check passes and Jinja
does not re-check template files; --debug-config uses FORMSERVER_DEBUG=1 instead.

Reported per scenario: requests, errors, req/s, p50/p90/p99 latency (ms, connect to last
byte) and the ratio of req/s to the bare route. Because the load generator shares the machine,
also: server CPU per request (ms, utime+stime of the workers from /proc) and its ratio to the
bare route, which does not depend on the generator; the cores used by the workers, the
generator and everything else (a warning is printed when other programs disturbed the run);
and the latency of one durable commit on the database's disk, for context. Memory: VmRSS (and
PSS) of each worker idle after start-up and after the load. After the run the preparations'
versions in the database are compared with the saves the clients saw succeed: "lost writes"
must be 0.

Targets (from the issue): form >= 0.25x bare, save >= 0.20x bare (synchronous=FULL), p99 < 100 ms
for form and save, <= 60 MB RSS per worker after load. The script exits 0 when a target is
missed; read PASS/FAIL. Numbers are ratios from one run on one machine, never absolute limits.

Run: `make bench`, or `.venv/bin/python bench/form_service.py [--seconds 10] [--rounds 2]
[--clients 16] [--workers 2] [--json PATH]`. Needs gunicorn (pip install -e '.[server]') and
Linux (/proc). JSON goes to bench/results/form_service.json.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import secrets
import signal
import socket
import sqlite3
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

import _common
from flask import Flask

from formserver import create_app
from formserver.cli import demo
from formserver.forms import preparation as prep
from formserver.services import rounds as round_logic
from formserver.services import sign_in as signin
from formserver.services.roster import parse_roster
from formserver.siteconfig.model import QuestionSet
from formserver.store import db
from formserver.store.people import import_roster, person_by_email
from formserver.store.talks import employee_talks

QUESTION_SET = "kompetenssamtal"
MANAGER = "D200"  # Karin Chefsberg in the demo roster
HOST = "127.0.0.1"
BARE_PATH = "/bench-bare"
MB = 1024 * 1024
DESCRIPTIONS = {
    "bare": f"GET {BARE_PATH}",
    "form": "GET preparation form (filled in)",
    "save": "POST preparation (spara)",
}
TARGET_FORM_RATIO = 0.25
TARGET_SAVE_RATIO = 0.20
TARGET_P99_MS = 100.0
TARGET_RSS_MB = 60.0

WSGI_MODULE = '''"""Written by bench/form_service.py: the form service plus one bare route."""

from formserver import create_app

app = create_app()


@app.get("{path}")
def bench_bare() -> str:
    """The baseline: the app's hooks, no session, no database query, no template."""
    return "ok"
'''

Server = subprocess.Popen[bytes]
CSRF_RE = re.compile(rb'name="csrf_token" value="([^"]+)"')
VERSION_RE = re.compile(rb'name="version" value="(\d+)"')
TEXT_ANSWER = (
    "Året har varit utvecklande. Jag har tagit ansvar för introduktionen av nya kollegor, "
    "deltagit i två fortbildningar och vill nästa år fördjupa mig i digitala verktyg. "
    "Det som har varit svårt är att hinna med planeringen när någon är sjuk."
)
COMMENT = "Jag känner mig trygg här men vill gärna få återkoppling oftare."


@dataclass
class Reply:
    """An HTTP response as the load generator sees it."""

    status: int
    headers: dict[str, str]
    body: bytes
    cookie: str | None


@dataclass
class Client:
    """One simulated person: a session cookie, their own talk and its preparation state."""

    index: int
    email: str
    talk_id: str
    token: str
    cookie: str = ""
    csrf: str = ""
    version: int = 0
    saved: int = 0


@dataclass
class Tally:
    """What one client thread saw during one phase."""

    latencies: list[float] = field(default_factory=list)
    errors: int = 0
    statuses: dict[int, int] = field(default_factory=dict)
    finished: float = 0.0


@dataclass
class Scenario:
    """The figures for one scenario."""

    name: str
    description: str
    requests: int
    errors: int
    seconds: float
    rps: float
    p50_ms: float
    p90_ms: float
    p99_ms: float
    max_ms: float
    ratio: float
    server_cpu_ms: float
    server_cpu_cores: float
    loadgen_cpu_cores: float
    machine_idle_pct: float
    machine_iowait_pct: float
    machine_steal_pct: float
    other_cores: float
    statuses: dict[int, int]


@dataclass
class Memory:
    """Resident memory of one gunicorn worker."""

    pid: int
    rss_mb: float
    pss_mb: float | None


def free_port() -> int:
    """A free TCP port on loopback (the kernel's choice)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind((HOST, 0))
        port: int = sock.getsockname()[1]
        return port


def build_request(port: int, method: str, path: str, cookie: str = "", body: bytes = b"") -> bytes:
    """The raw bytes of one HTTP/1.1 request that asks the server to close afterwards."""
    lines = [f"{method} {path} HTTP/1.1", f"Host: {HOST}:{port}", "Connection: close"]
    if cookie:
        lines.append(f"Cookie: formserver_session={cookie}")
    if method == "POST":
        lines.append("Content-Type: application/x-www-form-urlencoded")
        lines.append(f"Content-Length: {len(body)}")
    return ("\r\n".join(lines) + "\r\n\r\n").encode("ascii") + body


def send(port: int, raw: bytes) -> Reply:
    """Send one request on a new connection and read the response until the server closes."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:  # no name lookup
        sock.settimeout(30)
        sock.connect((HOST, port))
        sock.sendall(raw)
        chunks = []
        while data := sock.recv(65536):
            chunks.append(data)
    head, _, body = b"".join(chunks).partition(b"\r\n\r\n")
    lines = head.decode("latin-1").split("\r\n")
    status = int(lines[0].split(" ", 2)[1])
    headers: dict[str, str] = {}
    cookie = None
    for line in lines[1:]:
        name, _, value = line.partition(":")
        headers[name.strip().lower()] = value.strip()
        if name.strip().lower() == "set-cookie" and value.strip().startswith("formserver_session="):
            cookie = value.strip().split(";", 1)[0].split("=", 1)[1]
    length = headers.get("content-length")
    return Reply(status, headers, body[: int(length)] if length else body, cookie)


def answers_body(question_set: QuestionSet) -> dict[str, str]:
    """Every field of the preparation form filled in, as a person would."""
    data: dict[str, str] = {}
    for question in question_set.questions():
        if question.kind == "text":
            data[prep.value_field(question)] = TEXT_ANSWER
            continue
        data[prep.value_field(question)] = "ja" if question.kind != "scale" else "4"
        data[prep.comment_field(question)] = COMMENT
    return data


def environment(tmp: Path, port: int, debug: bool) -> dict[str, str]:
    """The FORMSERVER_* settings for the bench process and gunicorn."""
    env = {
        "FORMSERVER_SECRET_KEY": secrets.token_urlsafe(36),  # 48 characters
        "FORMSERVER_DATABASE": str(tmp / "bench.sqlite3"),
        "FORMSERVER_TESTING": "false",
    }
    if debug:
        env["FORMSERVER_DEBUG"] = "1"
    else:
        env |= {
            "FORMSERVER_DEBUG": "false",
            "FORMSERVER_SESSION_COOKIE_SECURE": "true",
            "FORMSERVER_TRUSTED_HOSTS": json.dumps([HOST]),
            "FORMSERVER_PUBLIC_URL": f"http://{HOST}:{port}",
        }
    return env


def prepare_data(app: Flask, clients: int) -> tuple[list[Client], QuestionSet]:
    """Load the demo, add one employee per client, open the kompetenssamtal round, issue links."""
    result = app.test_cli_runner().invoke(args=["load-demo"])
    if result.exit_code != 0:
        sys.exit(f"formserver load-demo failed:\n{result.output}")
    with app.app_context():
        conn = db.connection_for(app.config["DATABASE"])
        count = max(clients, 40)
        lines = [
            _common.roster_line(
                f"B{i:04d}", _common.fictional_name(i), "Barn och utbildning", "Lärare", MANAGER
            )
            for i in range(count)
        ]
        demo_lines = demo.DEMO_ROSTER.strip().splitlines()
        parsed = parse_roster(("\n".join([*demo_lines, *lines]) + "\n").encode())
        if not parsed.ok:
            sys.exit("the generated roster is invalid: " + "; ".join(map(str, parsed.errors)))
        import_roster(conn, parsed.rows)
        config = app.extensions["site_config"]
        question_set: QuestionSet = config.question_sets[QUESTION_SET]
        today = db.utc_now().date()
        round_logic.open_round(
            conn,
            config,
            year=today.year + 1,
            question_set_id=QUESTION_SET,
            plan_template_id=question_set.plan_template,
            opened_by=None,
            today=today,
        )
        keys = [*app.config["SECRET_KEY_FALLBACKS"], app.config["SECRET_KEY"]]
        people: list[Client] = []
        for index in range(clients):
            email = _common.email_for(_common.fictional_name(index), f"B{index:04d}")
            person = person_by_email(conn, email)
            assert person is not None, email
            talks = employee_talks(conn, person.id)
            talks = [talk for talk in talks if talk.question_set_id == QUESTION_SET]
            assert len(talks) == 1, f"{email}: {len(talks)} {QUESTION_SET} talks"
            token = signin.issue_link(conn, keys, person, now=db.utc_now(), days=1)
            people.append(Client(index, email, talks[0].id, token))
        db.close_thread_connections()
    return people, question_set


def start_server(tmp: Path, port: int, workers: int, env: dict[str, str]) -> Server:
    """Start gunicorn with the WSGI entry in `tmp`; return once the bare route answers."""
    (tmp / "bench_app.py").write_text(WSGI_MODULE.format(path=BARE_PATH), encoding="utf-8")
    log = (tmp / "gunicorn.log").open("wb")
    command = [sys.executable, "-m", "gunicorn", "--bind", f"{HOST}:{port}"]
    command += ["--workers", str(workers), "--worker-class", "sync", "--chdir", str(tmp)]
    command += ["--log-level", "warning", "bench_app:app"]
    server = subprocess.Popen(
        command, cwd=tmp, env={**os.environ, **env}, stdout=log, stderr=subprocess.STDOUT
    )
    log.close()
    raw = build_request(port, "GET", BARE_PATH)
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if server.poll() is not None:
            break
        try:
            if send(port, raw).status == 200 and len(worker_pids(server.pid)) == workers:
                return server
        except OSError:
            pass
        time.sleep(0.2)
    stop_server(server)
    tail = (tmp / "gunicorn.log").read_text(encoding="utf-8", errors="replace")[-3000:]
    sys.exit(f"gunicorn did not start (exit {server.returncode}):\n{tail}")


def stop_server(server: Server) -> None:
    """Stop the gunicorn master this script started (it stops its workers)."""
    if server.poll() is None:
        server.send_signal(signal.SIGTERM)
        try:
            server.wait(timeout=20)
        except subprocess.TimeoutExpired:
            server.kill()
            server.wait()


def worker_pids(master: int) -> list[int]:
    """The gunicorn workers: the master's child processes."""
    children = Path(f"/proc/{master}/task/{master}/children")
    try:
        return sorted(int(pid) for pid in children.read_text().split())
    except OSError:
        pass
    found = []
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except (OSError, IndexError):
            continue
        if int(fields[1]) == master:
            found.append(int(stat.parent.name))
    return sorted(found)


def cpu_seconds(pids: list[int]) -> float:
    """User plus system CPU time of the processes, in seconds."""
    ticks = os.sysconf("SC_CLK_TCK")
    total = 0
    for pid in pids:
        try:
            fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        total += int(fields[11]) + int(fields[12])
    return total / ticks


def memory(pid: int) -> Memory:
    """VmRSS and (when readable) PSS of one process."""
    rss = pss = None
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            rss = int(line.split()[1]) * 1024 / MB
    try:
        for line in Path(f"/proc/{pid}/smaps_rollup").read_text().splitlines():
            if line.startswith("Pss:"):
                pss = int(line.split()[1]) * 1024 / MB
    except OSError:
        pass
    return Memory(pid, rss or 0.0, pss)


def settled_memory(master: int) -> list[Memory]:
    """Worker memory once it has stopped changing (start-up imports and page cache settle)."""
    previous: list[float] = []
    for _ in range(20):
        current = [memory(pid) for pid in worker_pids(master)]
        if [m.rss_mb for m in current] == previous:
            return current
        previous = [m.rss_mb for m in current]
        time.sleep(0.25)
    return [memory(pid) for pid in worker_pids(master)]


def sign_in(port: int, client: Client) -> None:
    """Open the link, press the button, keep the session; then read the form's token."""
    page = send(port, build_request(port, "GET", f"/logga-in/{client.token}"))
    match = CSRF_RE.search(page.body)
    if page.status != 200 or not match or not page.cookie:
        sys.exit(f"sign-in page for {client.email}: status {page.status}")
    body = urlencode({"csrf_token": match.group(1).decode()}).encode()
    raw = build_request(port, "POST", f"/logga-in/{client.token}", page.cookie, body)
    done = send(port, raw)
    if done.status != 302 or not done.cookie:
        sys.exit(f"sign-in for {client.email}: status {done.status}")
    client.cookie = done.cookie
    refresh(port, client)


def form_path(client: Client) -> str:
    """The client's preparation form."""
    return f"/samtal/{client.talk_id}/forberedelse"


def refresh(port: int, client: Client) -> None:
    """Read the CSRF token and the current version from the client's form page."""
    page = send(port, build_request(port, "GET", form_path(client), client.cookie))
    token, version = CSRF_RE.search(page.body), VERSION_RE.search(page.body)
    if page.status != 200 or not token or not version:
        sys.exit(f"preparation form for {client.email}: status {page.status}")
    client.csrf, client.version = token.group(1).decode(), int(version.group(1))


def save_once(port: int, client: Client, fields: bytes) -> Reply:
    """POST the filled-in form with the client's token and version; track the new version."""
    body = fields + f"&csrf_token={client.csrf}&version={client.version}".encode()
    reply = send(port, build_request(port, "POST", form_path(client), client.cookie, body))
    if reply.status == 302 and "sparad=1" in reply.headers.get("location", ""):
        client.version += 1
        client.saved += 1
    return reply


def drive(
    port: int, kind: str, client: Client, fields: bytes, stop_at: float, cap: int, tally: Tally
) -> None:
    """One client's loop: send requests of `kind` until the deadline or the cap."""
    bare = build_request(port, "GET", BARE_PATH)
    form = build_request(port, "GET", form_path(client), client.cookie)
    while time.monotonic() < stop_at and len(tally.latencies) < cap:
        start = time.perf_counter()
        try:
            if kind == "save":
                reply = save_once(port, client, fields)
                ok = reply.status == 302 and "sparad=1" in reply.headers.get("location", "")
            else:
                reply = send(port, bare if kind == "bare" else form)
                ok = reply.status == 200
            status = reply.status
        except OSError:
            reply, ok, status = None, False, 0
        tally.latencies.append((time.perf_counter() - start) * 1000)
        tally.statuses[status] = tally.statuses.get(status, 0) + 1
        if not ok:
            tally.errors += 1
            if kind == "save":
                resync(port, client, reply)
    tally.finished = time.monotonic()


def resync(port: int, client: Client, reply: Reply | None) -> None:
    """After a failed save, take the version from a 409 page, or read the form again."""
    match = VERSION_RE.search(reply.body) if reply and reply.status == 409 else None
    if match:
        client.version = int(match.group(1))
        return
    try:
        refresh(port, client)
    except (OSError, SystemExit):
        pass


def run_phase(
    port: int, kind: str, clients: list[Client], fields: bytes, seconds: float, cap: int
) -> tuple[list[Tally], float, float]:
    """All clients at once for `seconds`; the tallies, the wall time and the load-gen CPU."""
    tallies = [Tally() for _ in clients]
    per_client = max(1, -(-cap // len(clients)))
    barrier = threading.Barrier(len(clients) + 1)
    stop_at = [0.0]

    def worker(client: Client, tally: Tally) -> None:
        barrier.wait()
        drive(port, kind, client, fields, stop_at[0], per_client, tally)

    threads = [
        threading.Thread(target=worker, args=(c, t), daemon=True)
        for c, t in zip(clients, tallies, strict=True)
    ]
    for thread in threads:
        thread.start()
    cpu = time.process_time()
    start = time.monotonic()
    stop_at[0] = start + seconds
    barrier.wait()
    for thread in threads:
        thread.join()
    wall = max(t.finished for t in tallies) - start
    return tallies, wall, (time.process_time() - cpu) / wall if wall else 0.0


@dataclass
class Totals:
    """One scenario's figures summed over its rounds."""

    latencies: list[float] = field(default_factory=list)
    errors: int = 0
    statuses: dict[int, int] = field(default_factory=dict)
    wall: float = 0.0
    server_cpu: float = 0.0
    loadgen_cpu: float = 0.0
    machine: list[int] = field(default_factory=lambda: [0] * 4)


def machine_ticks() -> list[int]:
    """The machine's CPU ticks from /proc/stat: busy, idle, iowait, steal."""
    try:
        line = Path("/proc/stat").read_text().split("\n", 1)[0]
    except OSError:
        return [0, 0, 0, 0]
    user, nice, system, idle, iowait, irq, softirq, steal = map(int, line.split()[1:9])
    return [user + nice + system + irq + softirq, idle, iowait, steal]


def measure_round(
    port: int,
    master: int,
    kind: str,
    clients: list[Client],
    fields: bytes,
    seconds: float,
    cap: int,
    totals: Totals,
) -> None:
    """One timed phase of one scenario, added to its totals."""
    pids = worker_pids(master)
    cpu_before, ticks_before = cpu_seconds(pids), machine_ticks()
    tallies, wall, loadgen = run_phase(port, kind, clients, fields, seconds, cap)
    totals.server_cpu += cpu_seconds(pids) - cpu_before
    totals.machine = [
        total + after - before
        for total, after, before in zip(totals.machine, machine_ticks(), ticks_before, strict=True)
    ]
    totals.wall += wall
    totals.loadgen_cpu += loadgen * wall
    for tally in tallies:
        totals.latencies += tally.latencies
        totals.errors += tally.errors
        for status, count in tally.statuses.items():
            totals.statuses[status] = totals.statuses.get(status, 0) + count


def scenario(kind: str, totals: Totals, bare_rps: float | None) -> Scenario:
    """The reported figures for one scenario."""
    latencies, wall = totals.latencies, totals.wall
    requests = len(latencies)
    rps = requests / wall if wall else 0.0
    ticks = sum(totals.machine) or 1
    server_cores = totals.server_cpu / wall if wall else 0.0
    loadgen_cores = totals.loadgen_cpu / wall if wall else 0.0
    busy = (os.cpu_count() or 1) * totals.machine[0] / ticks
    return Scenario(
        name=kind,
        description=DESCRIPTIONS[kind],
        requests=requests,
        errors=totals.errors,
        seconds=wall,
        rps=rps,
        p50_ms=_common.percentile(latencies, 50),
        p90_ms=_common.percentile(latencies, 90),
        p99_ms=_common.percentile(latencies, 99),
        max_ms=max(latencies, default=0.0),
        ratio=rps / bare_rps if bare_rps else 1.0,
        server_cpu_ms=totals.server_cpu * 1000 / requests if requests else 0.0,
        server_cpu_cores=server_cores,
        loadgen_cpu_cores=loadgen_cores,
        machine_idle_pct=100 * totals.machine[1] / ticks,
        machine_iowait_pct=100 * totals.machine[2] / ticks,
        machine_steal_pct=100 * totals.machine[3] / ticks,
        other_cores=max(0.0, busy - server_cores - loadgen_cores),
        statuses=dict(sorted(totals.statuses.items())),
    )


def run_scenarios(
    port: int, master: int, clients: list[Client], fields: bytes, args: argparse.Namespace
) -> list[Scenario]:
    """Warm each scenario up, then run them interleaved: bare, form, save, --rounds times.

    Interleaving keeps a slow minute of a shared machine (disk, steal) from landing on one
    scenario only, so the ratios to the bare route stay comparable.
    """
    for kind in DESCRIPTIONS:
        if args.warmup > 0:
            run_phase(port, kind, clients, fields, args.warmup, args.max_requests)
    totals = {kind: Totals() for kind in DESCRIPTIONS}
    seconds = args.seconds / args.rounds
    cap = max(1, args.max_requests // args.rounds)
    for _ in range(args.rounds):
        for kind in DESCRIPTIONS:
            measure_round(port, master, kind, clients, fields, seconds, cap, totals[kind])
    bare = scenario("bare", totals["bare"], None)
    return [bare] + [
        scenario(kind, totals[kind], bare.rps) for kind in DESCRIPTIONS if kind != "bare"
    ]


def commit_latency(path: Path, count: int = 200) -> dict[str, float]:
    """Durable single-row commits as audit.record makes them (WAL, synchronous=FULL), in ms."""
    conn = db.connect(path)
    times = []
    try:
        conn.execute("CREATE TABLE probe (at TEXT)")
        for _ in range(count):
            start = time.perf_counter()
            with db.transaction(conn):
                conn.execute("INSERT INTO probe VALUES (?)", (db.iso(db.utc_now()),))
            times.append((time.perf_counter() - start) * 1000)
    finally:
        conn.close()
    return {"p50_ms": _common.percentile(times, 50), "p99_ms": _common.percentile(times, 99)}


def check_writes(database: Path, clients: list[Client]) -> dict[str, Any]:
    """Compare each preparation's version in the database with the saves its client saw."""
    conn = sqlite3.connect(f"file:{database}?mode=ro", uri=True)
    try:
        found, answered = 0, []
        for client in clients:
            row = conn.execute(
                "SELECT version, answers FROM preparations "
                "WHERE talk_id = ? AND author_role = 'employee'",
                (client.talk_id,),
            ).fetchone()
            found += row[0] if row else 0
            answered.append(len(json.loads(row[1])) if row else 0)
    finally:
        conn.close()
    expected = sum(client.saved for client in clients)
    return {
        "saves_acknowledged": expected,
        "versions_in_database": found,
        "lost_writes": expected - found,
        "answers_per_preparation": sorted(set(answered)),
    }


def main() -> None:
    """Set up, start gunicorn, run the scenarios, print the table and write the JSON."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--seconds", type=float, default=10.0, help="measured time per scenario")
    parser.add_argument(
        "--rounds", type=int, default=2, help="interleaved rounds (split --seconds)"
    )
    parser.add_argument("--warmup", type=float, default=1.0, help="uncounted load first (s)")
    parser.add_argument("--clients", type=int, default=16, help="concurrent clients")
    parser.add_argument("--workers", type=int, default=2, help="gunicorn sync workers")
    parser.add_argument(
        "--max-requests", type=int, default=200_000, help="cap on requests per scenario"
    )
    parser.add_argument(
        "--debug-config", action="store_true", help="FORMSERVER_DEBUG=1 instead of production"
    )
    parser.add_argument("--tmpdir", type=Path, default=None, help="where the database goes")
    parser.add_argument(
        "--json", type=Path, default=_common.RESULTS_DIR / "form_service.json", help="JSON output"
    )
    args = parser.parse_args()
    if min(args.clients, args.workers, args.rounds, args.max_requests) < 1 or args.seconds <= 0:
        parser.error(
            "--clients, --workers, --rounds, --max-requests and --seconds must be positive"
        )
    with tempfile.TemporaryDirectory(prefix="form-bench-", dir=args.tmpdir) as name:
        tmp = Path(name)
        port = free_port()
        env = environment(tmp, port, args.debug_config)
        os.environ.update(env)
        clients, question_set = prepare_data(create_app(), args.clients)
        fields = urlencode({**answers_body(question_set), "action": "spara"}).encode()
        filesystem = _common.filesystem_of(tmp)
        commit = commit_latency(tmp / "probe.sqlite3")
        print(
            f"Form service benchmark: gunicorn {args.workers} sync workers, {args.clients} "
            f"clients, {args.seconds:g} s per scenario in {args.rounds} interleaved rounds "
            f"(+{args.warmup:g} s warm-up each), {os.cpu_count()} CPUs\n"
            f"Database on {filesystem}; a durable commit there (WAL, synchronous=FULL) takes "
            f"p50 {commit['p50_ms']:.2f} ms, p99 {commit['p99_ms']:.2f} ms"
        )
        server = start_server(tmp, port, args.workers, env)
        try:
            idle = settled_memory(server.pid)
            for client in clients:
                sign_in(port, client)
                if save_once(port, client, fields).status != 302:  # a filled-in form to show
                    sys.exit(f"first save for {client.email} failed")
            page = send(port, build_request(port, "GET", form_path(clients[0]), clients[0].cookie))
            scenarios = run_scenarios(port, server.pid, clients, fields, args)
            loaded = settled_memory(server.pid)
        finally:
            stop_server(server)
        writes = check_writes(tmp / "bench.sqlite3", clients)
    bare, form, save = scenarios
    report(scenarios, idle, loaded, writes, question_set, len(page.body), args.workers)
    targets = [
        _common.Target("form page req/s vs bare", form.ratio, TARGET_FORM_RATIO, True, "x"),
        _common.Target("save req/s vs bare", save.ratio, TARGET_SAVE_RATIO, True, "x"),
        _common.Target("form page p99", form.p99_ms, TARGET_P99_MS, False, "ms"),
        _common.Target("save p99", save.p99_ms, TARGET_P99_MS, False, "ms"),
        _common.Target(
            "RSS per worker after load (largest)",
            max((m.rss_mb for m in loaded), default=0.0),
            TARGET_RSS_MB,
            False,
            "MB",
        ),
        _common.Target("lost writes", float(writes["lost_writes"]), 0, False),
        _common.Target("errors in form and save", float(form.errors + save.errors), 0, False),
    ]
    _common.print_targets(targets)
    _common.write_json(
        args.json,
        {
            "benchmark": "form_service",
            "settings": {
                "seconds": args.seconds,
                "warmup": args.warmup,
                "clients": args.clients,
                "workers": args.workers,
                "rounds": args.rounds,
                "max_requests": args.max_requests,
                "config": "debug" if args.debug_config else "production",
                "question_set": question_set.id,
                "form_fields": len(answers_body(question_set)),
                "form_page_bytes": len(page.body),
                "database_filesystem": filesystem,
                "durable_commit": commit,
            },
            "machine": _common.machine(),
            "scenarios": [asdict(s) for s in scenarios],
            "memory": {
                "idle": [asdict(m) for m in idle],
                "after_load": [asdict(m) for m in loaded],
            },
            "writes": writes,
            "targets": [t.as_dict() for t in targets],
        },
    )


def report(
    scenarios: list[Scenario],
    idle: list[Memory],
    loaded: list[Memory],
    writes: dict[str, Any],
    question_set: QuestionSet,
    page_bytes: int,
    workers: int,
) -> None:
    """Print the scenario tables, the memory table and the write check."""
    fields = len(answers_body(question_set))
    print(
        f"Form: question set {question_set.id} ({len(question_set.questions())} questions, "
        f"{fields} fields), page {page_bytes / 1024:.1f} KB\n"
    )
    rows = [
        (
            f"{s.name:5} {s.description}",
            s.requests,
            s.errors,
            f"{s.rps:,.0f}",
            f"{s.p50_ms:.1f}",
            f"{s.p90_ms:.1f}",
            f"{s.p99_ms:.1f}",
            f"{s.ratio:.3f}x",
        )
        for s in scenarios
    ]
    headers = ("scenario", "requests", "errors", "req/s", "p50 ms", "p90 ms", "p99 ms", "vs bare")
    _common.print_table(headers, rows)
    bare_cpu = scenarios[0].server_cpu_ms
    print("\nWhere the time went (server = the gunicorn workers; machine = all CPUs)")
    cpu_rows = [
        (
            s.name,
            f"{s.server_cpu_ms:.2f}",
            f"{bare_cpu / s.server_cpu_ms:.3f}x" if s.server_cpu_ms else "-",
            f"{s.server_cpu_cores:.2f} of {workers}",
            f"{s.loadgen_cpu_cores:.2f}",
            f"{s.other_cores:.2f}",
            f"{s.machine_idle_pct:.0f}/{s.machine_iowait_pct:.0f}/{s.machine_steal_pct:.0f}",
        )
        for s in scenarios
    ]
    cpu_headers = ("scenario", "srv CPU ms/req", "CPU vs bare", "srv cores", "loadgen cores")
    _common.print_table((*cpu_headers, "other cores", "idle/iowait/steal %"), cpu_rows)
    print(
        "  srv CPU ms/req and CPU vs bare do not depend on the load generator sharing the "
        "machine;\n  other cores = CPU used by anything else (kernel, gunicorn master, other "
        "programs)."
    )
    busiest = max(s.other_cores for s in scenarios)
    if busiest > 0.25:
        print(
            f"  WARNING: other work used up to {busiest:.2f} cores during the run: req/s and "
            "latency are\n  disturbed; run again on a quiet machine before comparing."
        )
    print("\nMemory per worker (MB)")
    by_pid = {m.pid: m for m in idle}
    memory_rows = []
    for after in loaded:
        before = by_pid.get(after.pid)
        memory_rows.append(
            (
                str(after.pid),
                f"{before.rss_mb:.1f}" if before else "(new)",
                f"{after.rss_mb:.1f}",
                f"{after.pss_mb:.1f}" if after.pss_mb is not None else "-",
            )
        )
    _common.print_table(("worker pid", "RSS idle", "RSS after load", "PSS after load"), memory_rows)
    print(
        f"\nWrites: {writes['saves_acknowledged']} saves acknowledged, "
        f"{writes['versions_in_database']} versions in the database, "
        f"lost writes {writes['lost_writes']}; answers per preparation "
        f"{writes['answers_per_preparation']}"
    )


if __name__ == "__main__":
    main()
