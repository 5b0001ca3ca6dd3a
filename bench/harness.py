"""The benchmarks' one harness: targets and JSON, rosters, /proc figures, gunicorn, a static
host, a browser.

Not a benchmark itself: the scripts run as `python bench/<name>.py`, so they `import harness`.
"""

from __future__ import annotations

import csv
import functools
import gzip
import http.client
import io
import json
import os
import platform
import random
import re
import secrets
import signal
import socket
import subprocess
import sys
import textwrap
import threading
import time
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import asdict, dataclass, field
from datetime import date, timedelta
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

from flask import Flask

from formserver.security.keys import key_list
from formserver.services.roster import COLUMNS, parse_roster
from formserver.services.rounds import open_round
from formserver.services.sign_in import issue_link
from formserver.store import db
from formserver.store.people import Person, import_roster
from formserver.store.rounds import OpenedRound

ROOT = Path(__file__).resolve().parent.parent
RESULTS_DIR = ROOT / "bench" / "results"
HOST = "127.0.0.1"
CSRF_RE = re.compile(r'name="csrf_token" value="([^"]+)"')
FIRST = "Åsa Björn Märta Göran Örjan Linnéa Ängla Sören Maja Håkan Ebba Jörgen Anna Bo Cecilia"
FIRST += " Dag Eva Fredrik Gunnel Hjördis Ingrid Jonas Karin Lars Märit Nils Olle Pernilla Rune"
LAST = "Åberg Öhman Bäckström Sjöberg Lindqvist Håkansson Ström Nordin Söderberg Ekström Björk"
LAST += " Lundgren Åström Öberg Exempelsson Provsson Testlund Påhittad Demoqvist Fiktivsson Ölund"
UNITS = (
    "Barn och utbildning", "Vård och omsorg", "Teknik och miljö", "Socialtjänsten",
    "Kultur och fritid", "Ekonomiavdelningen", "HR-avdelningen", "Stadsbyggnad",
)  # fmt: skip
TITLES = (
    "Förskollärare", "Barnskötare", "Undersköterska", "Sjuksköterska", "Handläggare",
    "Ingenjör", "Miljöinspektör", "Lärare", "Kock", "Ekonom", "Socialsekreterare", "Brandman",
)  # fmt: skip


@dataclass(frozen=True)
class Target:
    """One target: a measured value against a limit (at most, unless `at_least`)."""

    name: str
    value: float
    limit: float
    unit: str = ""
    at_least: bool = False

    @property
    def passed(self) -> bool:
        """Whether the measured value meets the limit."""
        return self.value >= self.limit if self.at_least else self.value <= self.limit


def print_targets(targets: Sequence[Target]) -> list[dict[str, Any]]:
    """Print PASS/FAIL per target with its value and limit; the targets for the JSON."""
    print("\nTargets")
    for t in targets:
        unit, sign = f" {t.unit}" if t.unit else "", ">=" if t.at_least else "<="
        verdict = "PASS" if t.passed else "FAIL"
        print(f"  {verdict}  {t.name}: {t.value:.3g}{unit} (target {sign} {t.limit:g}{unit})")
    return [asdict(t) | {"passed": t.passed} for t in targets]


def print_table(columns: str, rows: Sequence[Mapping[str, Any]]) -> None:
    """Print rows as a table: `columns` is "header=format; ..." with str.format fields of a row."""
    specs = [column.strip().split("=", 1) for column in columns.split(";")]
    cells = [[h for h, _ in specs], *[[f.format_map(row) for _, f in specs] for row in rows]]
    widths = [max(len(row[i]) for row in cells) for i in range(len(specs))]
    for number, row in enumerate(cells):
        pairs = enumerate(zip(row, widths, strict=True))
        print("  ".join(c.rjust(w) if i else c.ljust(w) for i, (c, w) in pairs).rstrip())
        if number == 0:
            print("  ".join("-" * width for width in widths))


def print_figures(title: str, figures: Mapping[str, Any]) -> None:
    """Print a blank line, then "title: name value, name value, ..." wrapped."""
    shown = [
        f"{k.replace('_', ' ')} {f'{v:.3g}' if isinstance(v, float) else v}"
        for k, v in figures.items()
    ]
    print("\n" + textwrap.fill(f"{title}: {', '.join(shown)}", 100, subsequent_indent="  "))


def write_json(path: Path, benchmark: str, data: Mapping[str, Any]) -> None:
    """Write the results, with the machine they were measured on, as JSON; say where."""
    system = {"python": platform.python_version(), "platform": platform.platform()}
    content = {"benchmark": benchmark, **data, "machine": system | {"cpus": os.cpu_count()}}
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(content, indent=2, ensure_ascii=False, default=str) + "\n", "utf-8")
    print(f"\nJSON: {path}")


def percentile(values: Sequence[float], q: float) -> float:
    """The q-th percentile (0-100) of the values, nearest-rank; 0.0 when there are none."""
    ordered, rank = sorted(values), round(q / 100 * len(values) + 0.5)
    return ordered[max(1, min(len(ordered), rank)) - 1] if ordered else 0.0


Row = dict[str, str]


def person(number: str, name: str, unit: str, title: str, manager: str, **more: str) -> Row:
    """One roster row (by roster.COLUMNS), permanent since 2020 unless `more` says otherwise."""
    email = ".".join(name.lower().translate(str.maketrans("åäöé", "aaoe")).split())
    row = dict.fromkeys(COLUMNS, "") | {"anstallningsnummer": number, "namn": name, "enhet": unit}
    row |= {"epost": f"{email}.{number.lower()}@example.se", "befattning": title}
    row |= {"chef_anstallningsnummer": manager, "anstallningsform": "tillsvidare"}
    return row | {"startdatum": "2020-01-01"} | more


def fictional_name(index: int) -> str:
    """A fictional Swedish full name, the same for the same index."""
    first, last = FIRST.split(), LAST.split()
    return f"{first[index % len(first)]} {last[(index // len(first) + index * 7) % len(last)]}"


def generate_roster(count: int, seed: int = 2026) -> list[Row]:
    """`count` rows, shuffled: a manager tree with spans of 8-15, depth about log_12(count).

    Top managers each get their own unit; staff inherit their manager's. About 85 % are
    permanent, 12 % fixed-term (some ending), 3 % "annan".
    """
    rng, rows = random.Random(seed), list[Row]()
    parent, children, span = 0, 0, rng.randint(8, 15)
    for index in range(count):
        manager, unit = "", UNITS[0]
        if index:
            if children >= span:
                parent, children, span = parent + 1, 0, rng.randint(8, 15)
            manager, children = rows[parent]["anstallningsnummer"], children + 1
            unit = UNITS[index % len(UNITS)] if parent == 0 else rows[parent]["enhet"]
        draw, start = rng.random(), date(2000, 1, 1) + timedelta(days=rng.randrange(9000))
        more = {"startdatum": start.isoformat()}
        if draw > 0.97:
            more["anstallningsform"] = "annan"
        elif draw > 0.85:
            end = start + timedelta(days=rng.randrange(60, 900))
            more |= {"anstallningsform": "visstid", "slutdatum": end.isoformat()}
        title = "Enhetschef" if index < count // 10 else rng.choice(TITLES)
        rows.append(person(f"E{index:06d}", fictional_name(index), unit, title, manager, **more))
    rng.shuffle(rows)
    return rows


def roster_bytes(rows: Sequence[Row]) -> bytes:
    """A roster file as Swedish Excel writes it: semicolons, a header row of roster.COLUMNS."""
    out = io.StringIO()
    csv.writer(out, delimiter=";", lineterminator="\n").writerows(
        [COLUMNS, *([row[column] for column in COLUMNS] for row in rows)]
    )
    return out.getvalue().encode()


def populate(app: Flask, rows: Sequence[Row], question_set: str, today: date) -> OpenedRound:
    """Import the roster (through parse_roster) into the app's database and open a round."""
    parsed = parse_roster(roster_bytes(rows))
    if not parsed.ok:
        sys.exit(f"the generated roster is invalid: {list(map(str, parsed.errors[:3]))}")
    conn, config = db.connection_for(app.config["DATABASE"]), app.extensions["site_config"]
    import_roster(conn, parsed.rows)
    plan = config.question_sets[question_set].plan_template
    return open_round(
        conn,
        config,
        year=today.year,
        question_set_id=question_set,
        plan_template_id=plan,
        opened_by=None,
        today=today,
    )


def links(app: Flask, person: Person, count: int = 1) -> list[str]:
    """Single-use sign-in links (their tokens) for a person, valid for a day."""
    conn, keys = db.connection_for(app.config["DATABASE"]), key_list(app.config)
    return [issue_link(conn, keys, person, now=db.utc_now(), days=1) for _ in range(count)]


def proc_mb(pid: int | str, name: str = "VmRSS", file: str = "status") -> float | None:
    """A "Name: n kB" figure of a process (VmRSS, VmHWM; Pss in smaps_rollup), in MB."""
    try:
        lines = Path(f"/proc/{pid}/{file}").read_text().splitlines()
    except OSError:
        return None
    return next(
        (int(line.split()[1]) / 1024 for line in lines if line.startswith(name + ":")), None
    )


@dataclass
class Cpu:
    """CPU seconds in measured windows: the workers, this load generator, the whole machine."""

    seconds: list[float] = field(default_factory=lambda: [0.0] * 7)

    @staticmethod
    def now(workers: Sequence[int]) -> list[float]:
        """Server, load generator, wall clock; machine busy, idle, iowait and steal seconds."""
        ticks, server = os.sysconf("SC_CLK_TCK"), 0
        for pid in workers:
            try:
                stat = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
                server += int(stat[11]) + int(stat[12])  # utime, stime
            except OSError:
                continue
        user, nice, system, idle, iowait, irq, softirq, steal = map(
            int, Path("/proc/stat").read_text().split()[1:9]
        )
        machine = (user + nice + system + irq + softirq, idle, iowait, steal)
        return [
            server / ticks,
            time.process_time(),
            time.monotonic(),
            *(t / ticks for t in machine),
        ]

    def add(self, before: Sequence[float], after: Sequence[float]) -> None:
        """Add the window between two readings of `now`."""
        self.seconds = [s + a - b for s, a, b in zip(self.seconds, after, before, strict=True)]

    def summary(self) -> dict[str, float]:
        """Cores used by the server, the load generator and all else; idle/iowait/steal %."""
        server, loadgen, wall, busy, idle, iowait, steal = self.seconds
        wall, total = wall or 1.0, (busy + idle + iowait + steal) or 1.0
        cores = {"server_cores": server / wall, "loadgen_cores": loadgen / wall}
        cores["other_cores"] = max(0.0, (busy - server - loadgen) / wall)
        shares = {"idle_pct": idle, "iowait_pct": iowait, "steal_pct": steal}
        return (
            {"server_cpu_seconds": server} | cores | {k: 100 * v / total for k, v in shares.items()}
        )


def warn_if_disturbed(other_cores: float) -> None:
    """Say so when other programs used more than a quarter of a core during a run."""
    if other_cores > 0.25:
        print(f"  WARNING: other work used {other_cores:.2f} cores during the run: req/s and")
        print("  latency are disturbed; run again on a quiet machine before comparing.")


def filesystem_of(path: Path) -> str:
    """The file system type that holds `path` (from /proc/mounts)."""
    best, kind, resolved = "", "unknown", str(path.resolve())
    for _, mount, fs, *_ in (
        line.split() for line in Path("/proc/mounts").read_text().splitlines()
    ):
        inside = resolved == mount or mount == "/" or resolved.startswith(mount + "/")
        best, kind = (mount, fs) if inside and len(mount) > len(best) else (best, kind)
    return kind


def configure(tmp: Path, debug: bool = False, **more: str) -> int:
    """Set FORMSERVER_* for this process and gunicorn, on a free loopback port; the port.

    Production settings unless `debug`: a random key, secure cookies, the trusted host, the
    public URL, so the strict start-up check passes and Jinja does not re-check templates.
    """
    with socket.socket() as sock:
        sock.bind((HOST, 0))
        port: int = sock.getsockname()[1]
    env = {"secret_key": secrets.token_urlsafe(36), "database": str(tmp / "bench.sqlite3")}
    env |= {"testing": "false", "debug": "1" if debug else "false"}
    env |= {"public_url": f"http://{HOST}:{port}"}
    if not debug:
        env |= {"session_cookie_secure": "true", "trusted_hosts": json.dumps([HOST])}
    os.environ.update({f"FORMSERVER_{name.upper()}": value for name, value in (env | more).items()})
    return port


@dataclass
class Server:
    """A gunicorn master this process started."""

    process: subprocess.Popen[bytes]
    command: list[str]
    log: Path

    def workers(self) -> list[int]:
        """The master's children: its workers."""
        try:
            children = Path(f"/proc/{self.process.pid}/task/{self.process.pid}/children")
            return sorted(map(int, children.read_text().split()))
        except OSError:
            return []

    def memory(self) -> list[dict[str, Any]]:
        """RSS and PSS (MB) per worker, once they stop changing (start-up settles)."""
        previous: list[dict[str, Any]] = []
        for _ in range(20):
            current: list[dict[str, Any]] = [
                {"pid": pid, "rss_mb": proc_mb(pid) or 0.0} for pid in self.workers()
            ]
            if [m["rss_mb"] for m in current] == [m["rss_mb"] for m in previous]:
                break
            previous = current
            time.sleep(0.25)
        return [m | {"pss_mb": proc_mb(m["pid"], "Pss", "smaps_rollup")} for m in current]

    def stop(self) -> None:
        """Stop the master; end any worker of it left behind (a hung PDF, say) by its pid."""
        workers, command = self.workers(), "\0".join(self.command).encode()
        self.process.send_signal(signal.SIGTERM)
        try:
            self.process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()
        for pid in workers:
            try:
                parent = int(Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[1])
                ours = Path(f"/proc/{pid}/cmdline").read_bytes().rstrip(b"\0") == command
            except OSError:
                continue
            if ours and parent in (self.process.pid, 1):
                print(f"  gunicorn worker {pid} did not stop with its master: killing it")
                os.kill(pid, signal.SIGKILL)


@contextmanager
def gunicorn(tmp: Path, workers: int = 2, app: str = "formserver:create_app()") -> Iterator[Server]:
    """gunicorn (sync workers) serving `app` from `tmp`, once every worker has started."""
    port = os.environ["FORMSERVER_PUBLIC_URL"].rsplit(":", 1)[1]
    command = [sys.executable, "-m", "gunicorn", "--bind", f"{HOST}:{port}", "--chdir", str(tmp)]
    command += ["--workers", str(workers), "--timeout", "120", "--graceful-timeout", "10"]
    command += ["--log-level", "warning", app]
    with (tmp / "gunicorn.log").open("wb") as log:
        process = subprocess.Popen(command, stdout=log, stderr=log)
    server, deadline = Server(process, command, tmp / "gunicorn.log"), time.monotonic() + 60
    try:
        while process.poll() is None and time.monotonic() < deadline:
            try:
                if Client(int(port)).request("GET", "/inloggning-kravs").status == 200:
                    if len(server.workers()) == workers:
                        break
            except (OSError, http.client.HTTPException):
                pass
            time.sleep(0.2)
        else:
            sys.exit(f"gunicorn did not start:\n{server.log.read_text(errors='replace')[-3000:]}")
        yield server
    finally:
        server.stop()


class _StaticHandler(SimpleHTTPRequestHandler):
    """Files as nginx with `gzip on` sends them: text gzip-compressed (level 6), others as is."""

    def send_head(self) -> Any:
        path = Path(self.translate_path(self.path))
        path = path / "index.html" if path.is_dir() else path
        kind = self.guess_type(str(path))
        if not path.is_file() or not kind.startswith(("text/", "application/j", "image/svg")):
            return super().send_head()
        body = gzip.compress(path.read_bytes(), compresslevel=6, mtime=0)
        self.send_response(200)
        for name, value in (("Content-Type", kind), ("Content-Encoding", "gzip")):
            self.send_header(name, value)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        return io.BytesIO(body)

    def log_message(self, format: str, *args: Any) -> None:
        """No access log."""


@contextmanager
def static_host(site: Path) -> Iterator[str]:
    """A built site on a compressing static file server on loopback; yields its base URL."""
    handler = functools.partial(_StaticHandler, directory=str(site))
    server = ThreadingHTTPServer((HOST, 0), handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        yield f"http://{HOST}:{server.server_port}"
    finally:
        server.shutdown()
        server.server_close()


Fields = Sequence[tuple[str, str]] | bytes


@dataclass(frozen=True)
class Reply:
    """One HTTP response."""

    status: int
    headers: dict[str, str]
    body: bytes

    @property
    def text(self) -> str:
        """The body as text."""
        return self.body.decode("utf-8", errors="replace")


class Client:
    """A browser: one keep-alive HTTP/1.1 connection (reopened after a close) and a session."""

    def __init__(self, port: int) -> None:
        self.port, self.cookie = port, ""
        self.connection = http.client.HTTPConnection(HOST, port, timeout=30)

    def request(
        self, method: str, path: str, fields: Fields | None = None, kind: str = ""
    ) -> Reply:
        """Send one request (`kind` names it for a counting client); raises on network errors."""
        headers = {"Host": f"{HOST}:{self.port}"}
        if self.cookie:
            headers["Cookie"] = f"formserver_session={self.cookie}"
        body = fields if isinstance(fields, bytes) or fields is None else urlencode(fields).encode()
        if body is not None:
            headers["Content-Type"] = "application/x-www-form-urlencoded"
        try:
            self.connection.request(method, path, body=body, headers=headers)
            response = self.connection.getresponse()
            data = response.read()
        except (OSError, http.client.HTTPException):
            self.connection.close()
            raise
        if response.getheader("Connection", "").lower() == "close":  # gunicorn's sync workers
            self.connection.close()
        for cookie in response.headers.get_all("Set-Cookie") or []:
            if cookie.startswith("formserver_session="):
                self.cookie = cookie.split(";", 1)[0].split("=", 1)[1]
        return Reply(response.status, {k.lower(): v for k, v in response.getheaders()}, data)

    def expect(
        self, kind: str, method: str, path: str, status: int, fields: Fields | None = None
    ) -> Reply | None:
        """A request that must answer `status`: the reply, or None after `error`."""
        try:
            reply = self.request(method, path, fields, kind)
        except (OSError, http.client.HTTPException) as error:
            self.error(kind, f"{method} {path}: {type(error).__name__}: {error}")
            return None
        if reply.status != status:
            self.error(kind, f"{method} {path}: {reply.status}, expected {status}")
        return reply if reply.status == status else None

    def error(self, kind: str, what: str) -> None:
        """A request went wrong: say so (a counting client counts it instead)."""
        print(f"  {kind}: {what}", file=sys.stderr)

    def sign_in(self, token: str) -> bool:
        """Open a single-use link, press its button (the csrf_token), keep the session cookie."""
        self.cookie, path = "", f"/logga-in/{token}"
        page = self.expect("signin_page", "GET", path, 200)
        match = CSRF_RE.search(page.text) if page else None
        fields = [("csrf_token", match[1])] if match else None
        return bool(fields) and self.expect("signin", "POST", path, 302, fields) is not None
