"""Crash safety: a writer process is killed with SIGKILL mid-save, many times; nothing is lost.

What is checked. A child process (this file run with --child) opens the database with
formserver.store.db.connect (WAL, synchronous=FULL, busy timeout) and saves records in a loop
through the store's own functions, with real MACs (security.records.RecordSigner and a fixed
key list):

  preparation  store.preparations.save_preparation (employee or manager, now and then submit)
  plan         store.plans.save (a new version after a signed one, else one more edit)
  signature    store.plans.mark_held + store.plans.sign (then the next plan save is a new version)
  followup     store.plans.save_followups (one or two plan rows at once: all or none)
  audit        store.audit.record

Every save writes its own version number into its text, and its texts vary from a few bytes to
about 12 kB, so one save touches one or many pages. After each commit returns, the child prints
one line "ack <kind> <id> <version>" and flushes. The parent waits until the child says "ready",
lets it write for a random 5-200 ms and kills it with SIGKILL (one round in ten it is killed
5-50 ms after it was started, possibly while it opens or recovers the database), reads every
ack, and starts the next child. Afterwards, on a fresh connection:

- PRAGMA integrity_check is "ok" and PRAGMA foreign_key_check finds nothing;
- every acknowledged save is there, with at least the acknowledged version;
- every stored record verifies through the store's readers (MAC, content hash) and its text
  carries its own version number: nothing half-written is visible.

SIGKILL ends the process, not the machine: the kernel still writes what SQLite handed it. This
checks that a save is committed before the service says so and that a transaction cut off at
any point leaves nothing behind; losing power is what synchronous=FULL covers on top.

Run: `python bench/crash.py [--rounds 200] [--seed N] [--tmpdir DIR] [--json PATH]`. Prints
PASS or FAIL, writes bench/results/crash.json, and exits 1 on FAIL (lost or damaged data is a
bug, not a missed performance target). tests/test_crash.py runs a short version through run().
"""

from __future__ import annotations

import argparse
import json
import random
import signal
import sqlite3
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from formserver.security.records import RecordSigner, RecordTampered
from formserver.services.roster import parse_roster
from formserver.store import audit, db, plans
from formserver.store import rounds as round_store
from formserver.store.people import import_roster
from formserver.store.preparations import get_preparation, save_preparation

KEYS: list[str | bytes] = ["crash-bench-old-key-" + "o" * 32, "crash-bench-key-" + "k" * 32]
RESULTS = Path(__file__).resolve().parent / "results" / "crash.json"
ROSTER_HEADER = (
    "anstallningsnummer;namn;epost;enhet;befattning;chef_anstallningsnummer;"
    "anstallningsform;startdatum;slutdatum"
)
# Fictional people: one manager, eight employees. P01-P04 prepare, P05-P08 get plans.
NAMES = (
    "Åsa Exempelsson", "Björn Provsson", "Märta Testlund", "Göran Påhittad",
    "Linnéa Demoqvist", "Örjan Fiktivsson", "Ebba Ölund", "Håkan Sjöberg",
)  # fmt: skip
PREPARATION_QUESTIONS = ("arbetssituation", "halsa", "individuella_mal", "forbattring")
FOLLOWUP_STATUSES = tuple(plans.FOLLOWUP_STATUSES)
FILLER = (
    "Vi har pratat om arbetsbelastning, kompetensutveckling och samarbetet i arbetslaget. "
    "Målet är att hinna med planeringen även när någon är sjuk, och att gå en kurs i "
    "digitala verktyg under våren. Återkoppling oftare, gärna varannan vecka. "
)
SIGKILL_EXIT = -signal.SIGKILL


def roster_bytes() -> bytes:
    """The small roster the crash test runs on."""
    lines = [ROSTER_HEADER]
    lines.append("M01;Karin Chefsberg;karin.chefsberg@example.se;Syd;Chef;;tillsvidare;2015-01-01;")
    for number, name in enumerate(NAMES, start=1):
        email = name.lower().translate(str.maketrans("åäöé ", "aaoe.")) + "@example.se"
        lines.append(f"P{number:02d};{name};{email};Syd;Lärare;M01;tillsvidare;2020-01-01;")
    return ("\n".join(lines) + "\n").encode()


def setup_database(path: Path) -> None:
    """A fresh database: migrations, the roster and an open round with one talk per employee."""
    conn = db.connect(path)
    try:
        db.migrate(conn)
        parsed = parse_roster(roster_bytes())
        if not parsed.ok:
            raise RuntimeError(f"crash roster is invalid: {parsed.errors}")
        import_roster(conn, parsed.rows)
        round_store.open_round(
            conn,
            year=2026,
            question_set=("rutin", 1),
            plan_template=("handlingsplan", 1),
            eligible=lambda person: True,
            opened_by=None,
        )
    finally:
        conn.close()


@dataclass(frozen=True)
class TalkIds:
    """A talk and its two parties."""

    id: str
    employee_id: str
    manager_id: str


def talks(conn: sqlite3.Connection) -> tuple[list[TalkIds], list[TalkIds]]:
    """(talks whose preparations are saved, talks whose plans are saved), always the same."""
    rows = conn.execute(
        "SELECT t.id, t.employee_id, t.manager_id FROM talks t "
        "JOIN people p ON p.id = t.employee_id ORDER BY p.employee_number"
    ).fetchall()
    found = [TalkIds(r["id"], r["employee_id"], r["manager_id"]) for r in rows]
    return found[: len(found) // 2], found[len(found) // 2 :]


def signers() -> dict[str, RecordSigner]:
    """The MAC signers, one per kind of record, as the service makes them."""
    return {kind: RecordSigner(KEYS, kind) for kind in ("preparation", "plan", "followup")}


def text(rng: random.Random, marker: str) -> str:
    """A text that starts with its version marker, from a few bytes to about 12 kB."""
    size = rng.choice((0, 40, 400, 3000, 12000))
    return f"{marker}: " + (FILLER * (size // len(FILLER) + 1))[:size]


# --- the child: saves in a loop and acknowledges each commit --------------------------------------


class Writer:
    """The child's saves, one per call; each prints its ack after the commit returned."""

    def __init__(self, conn: sqlite3.Connection, rng: random.Random, tag: str) -> None:
        self.conn = conn
        self.rng = rng
        self.tag = tag
        self.count = 0
        self.signers = signers()
        self.prepared, self.planned = talks(conn)

    def ack(self, kind: str, record: str, version: str | int) -> None:
        """Tell the parent a commit has returned."""
        print(f"ack {kind} {record} {version}", flush=True)

    def step(self) -> None:
        """One save of a randomly chosen kind."""
        self.count += 1
        actions: list[tuple[Callable[[], None], int]] = [
            (self.preparation, 40),
            (self.plan, 30),
            (self.followup, 20),
            (self.signature, 5),
            (self.audit, 5),
        ]
        choice = self.rng.choices([a for a, _ in actions], [w for _, w in actions])[0]
        choice()

    def preparation(self) -> None:
        """Save (or submit) one party's preparation at the next version."""
        talk = self.rng.choice(self.prepared)
        role = self.rng.choice(("employee", "manager"))
        signer = self.signers["preparation"]
        current = get_preparation(self.conn, talk.id, role, signer)
        version = (current.version if current else 0) + 1
        answers = {
            question: {"value": text(self.rng, f"version {version}")}
            for question in self.rng.sample(PREPARATION_QUESTIONS, self.rng.randint(1, 4))
        }
        saved = save_preparation(
            self.conn,
            talk.id,
            role,
            answers,
            expected_version=version - 1,
            submit=self.rng.random() < 0.1,
            signer=signer,
        )
        if saved != version:
            raise RuntimeError(f"preparation {talk.id}:{role} saved as {saved}, not {version}")
        self.ack("preparation", f"{talk.id}:{role}", version)

    def plan(self) -> None:
        """Save the plan: one more edit, or a new version when the newest is signed."""
        talk = self.rng.choice(self.planned)
        signer = self.signers["plan"]
        latest = plans.latest(self.conn, talk.id, signer)
        expected = (latest.number, latest.edits) if latest else (0, 0)
        fresh = latest is None or latest.sealed
        number, edits = (expected[0] + 1, 1) if fresh else (expected[0], expected[1] + 1)
        marker = f"version {number}.{edits}"
        if latest is not None:
            row_ids = [row["row_id"] for row in latest.content["grids"]["mal"]]
        else:
            row_ids = [f"r{self.rng.getrandbits(32):08x}" for _ in range(3)]
        content = {
            "question_set": ["rutin", 1],
            "plan_template": ["handlingsplan", 1],
            "notes": {"arbetssituation": text(self.rng, marker), "halsa": marker},
            "checks": {},
            "grids": {
                "mal": [
                    {"row_id": row_id, "medarbetarens_mal": f"Mål {i} ({marker})"}
                    for i, row_id in enumerate(row_ids, start=1)
                ],
                "arets_utmaning": [{"row_id": "r00000000", "utmaning": marker}],
            },
        }
        saved = plans.save(
            self.conn,
            talk.id,
            content,
            expected=expected,
            author_id=talk.manager_id,
            signer=signer,
        )
        if saved != (number, edits):
            raise RuntimeError(f"plan {talk.id} saved as {saved}, not {(number, edits)}")
        self.ack("plan", talk.id, f"{number}.{edits}")

    def signature(self) -> None:
        """Mark the talk held and sign the newest version, as the manager or the employee."""
        talk = self.rng.choice(self.planned)
        signer = self.signers["plan"]
        latest = plans.latest(self.conn, talk.id, signer)
        if latest is None or latest.signed_by_both:
            self.plan()
            return
        plans.mark_held(self.conn, talk.id)
        role = self.rng.choice([r for r in ("employee", "manager") if r not in latest.signatures])
        plans.sign(
            self.conn,
            talk.id,
            role=role,
            person_id=talk.employee_id if role == "employee" else talk.manager_id,
            number=latest.number,
            seen_hash=latest.content_hash,
            comment=f"Underskriven version {latest.number}",
            signer=signer,
        )
        self.ack("signature", f"{talk.id}:{role}", latest.number)

    def followup(self) -> None:
        """Follow up one or two rows of the plan at once (all or none)."""
        talk = self.rng.choice(self.planned)
        latest = plans.latest(self.conn, talk.id, self.signers["plan"])
        if latest is None:
            self.plan()
            return
        signer = self.signers["followup"]
        current = plans.followups(self.conn, talk.id, signer)
        rows = [row["row_id"] for row in latest.content["grids"]["mal"]]
        entries = []
        for row_id in self.rng.sample(rows, self.rng.randint(1, min(2, len(rows)))):
            version = current[row_id].version if row_id in current else 0
            status = self.rng.choice(FOLLOWUP_STATUSES)
            entries.append((row_id, status, text(self.rng, f"version {version + 1}"), version))
        plans.save_followups(self.conn, talk.id, entries, author_id=talk.manager_id, signer=signer)
        for row_id, _, _, version in entries:
            self.ack("followup", f"{talk.id}:{row_id}", version + 1)

    def audit(self) -> None:
        """Append one audit entry with a detail nobody else writes."""
        detail = f"crash {self.tag} {self.count}"
        audit.record(self.conn, audit.Event(None, "crash.write", detail=detail))
        self.ack("audit", detail.replace(" ", "_"), 1)


def child(path: Path, seed: int) -> None:
    """Save in a loop until killed (the parent sends SIGKILL)."""
    conn = db.connect(path)
    writer = Writer(conn, random.Random(seed), str(seed))
    print("ready", flush=True)
    while True:
        writer.step()


# --- the parent: start, kill, restart; then check everything --------------------------------------


@dataclass
class Report:
    """What the crash run did and found."""

    rounds: int = 0
    seed: int = 0
    kills_while_writing: int = 0
    kills_while_starting: int = 0
    acks: dict[str, int] = field(default_factory=dict)
    records_checked: dict[str, int] = field(default_factory=dict)
    unacknowledged_commits: int = 0
    checks: int = 0
    integrity_check: str = ""
    problems: list[str] = field(default_factory=list)
    seconds: float = 0.0
    database_bytes: int = 0

    @property
    def passed(self) -> bool:
        """Everything acknowledged is there, the file is sound and every record verifies."""
        return not self.problems and self.integrity_check == "ok"


Acked = dict[tuple[str, str], str]


def _newer(kind: str, a: str, b: str) -> bool:
    """Whether ack version `a` is newer than `b` (plan versions are "number.edits")."""
    if kind == "plan":
        return tuple(map(int, a.split("."))) > tuple(map(int, b.split(".")))
    return int(a) > int(b)


def read_acks(output: str, acked: Acked, report: Report) -> None:
    """Collect the newest acknowledged version per record from a child's output."""
    for line in output.splitlines():
        parts = line.split()
        if len(parts) != 4 or parts[0] != "ack":
            continue  # "ready", or the last line cut off by the kill
        _, kind, record, version = parts
        report.acks[kind] = report.acks.get(kind, 0) + 1
        if kind in ("plan", "signature"):  # every version of a plan is kept: check each
            record = f"{record}@{version.split('.')[0]}"
        old = acked.get((kind, record))
        if old is None or _newer(kind, version, old):
            acked[(kind, record)] = version


def one_round(path: Path, rng: random.Random, number: int, acked: Acked, report: Report) -> None:
    """Start a writer, kill it with SIGKILL at a random moment, collect its acks."""
    command = [sys.executable, str(Path(__file__).resolve()), "--child", str(path)]
    command += ["--seed", str(report.seed * 100_000 + number)]
    process = subprocess.Popen(
        command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, encoding="utf-8"
    )
    assert process.stdout is not None
    early = rng.random() < 0.1
    if early:
        time.sleep(rng.uniform(0.005, 0.05))
    else:
        ready = process.stdout.readline()
        if ready.strip() == "ready":
            time.sleep(rng.uniform(0.005, 0.2))
    process.send_signal(signal.SIGKILL)
    try:
        output, errors = process.communicate(timeout=60)
    except subprocess.TimeoutExpired:
        process.kill()
        output, errors = process.communicate()
    if process.returncode != SIGKILL_EXIT:
        tail = errors.strip().splitlines()[-5:]
        report.problems.append(
            f"round {number}: the writer stopped by itself (exit {process.returncode}): "
            + " | ".join(tail)
        )
    if early:
        report.kills_while_starting += 1
    else:
        report.kills_while_writing += 1
    read_acks(output, acked, report)


def _marker(value: str, expected: str) -> bool:
    return value == expected or value.startswith(expected + ":")


def verify(path: Path, acked: Acked, report: Report) -> None:
    """Integrity, every ack present, every stored record verified and whole."""
    conn = db.connect(path)
    try:
        _verify(conn, acked, report)
    finally:
        conn.close()


def _verify(conn: sqlite3.Connection, acked: Acked, report: Report) -> None:
    checks = [r[0] for r in conn.execute("PRAGMA integrity_check").fetchall()]
    report.integrity_check = "; ".join(checks)
    if checks != ["ok"]:
        report.problems.append(f"integrity_check: {report.integrity_check}")
    broken = conn.execute("PRAGMA foreign_key_check").fetchall()
    if broken:
        report.problems.append(f"foreign_key_check: {[tuple(r) for r in broken]}")
    sign = signers()
    prepared, planned = talks(conn)
    stored: dict[tuple[str, str], str] = {}
    counts = {"preparation": 0, "plan_version": 0, "signature": 0, "followup": 0, "audit": 0}

    def tampered(kind: str, record: str, error: Exception) -> None:
        report.problems.append(f"{kind} {record} does not verify: {error}")

    for talk in [*prepared, *planned]:
        for role in ("employee", "manager"):
            try:
                found = get_preparation(conn, talk.id, role, sign["preparation"])
            except RecordTampered as error:
                tampered("preparation", f"{talk.id}:{role}", error)
                continue
            if found is None:
                continue
            counts["preparation"] += 1
            stored[("preparation", f"{talk.id}:{role}")] = str(found.version)
            for question, answer in found.answers.items():
                if not _marker(answer["value"], f"version {found.version}"):
                    report.problems.append(
                        f"preparation {talk.id}:{role} v{found.version}: answer {question} "
                        f"is from another version: {answer['value'][:40]!r}"
                    )
        try:
            versions = plans.versions(conn, talk.id, sign["plan"])
            followups = plans.followups(conn, talk.id, sign["followup"])
        except RecordTampered as error:
            tampered("plan or follow-up of talk", talk.id, error)
            continue
        for version in versions:
            counts["plan_version"] += 1
            counts["signature"] += len(version.signatures)
            marker = f"version {version.number}.{version.edits}"
            notes = version.content["notes"]
            rows = version.content["grids"]["mal"]
            whole = _marker(notes["arbetssituation"], marker) and notes["halsa"] == marker
            if not whole or any(
                not row["medarbetarens_mal"].endswith(f"({marker})") for row in rows
            ):
                report.problems.append(f"plan {talk.id} {marker}: content from another save")
            stored[("plan", f"{talk.id}@{version.number}")] = f"{version.number}.{version.edits}"
            for role in version.signatures:
                stored[("signature", f"{talk.id}:{role}@{version.number}")] = str(version.number)
        for row_id, followup in followups.items():
            counts["followup"] += 1
            stored[("followup", f"{talk.id}:{row_id}")] = str(followup.version)
            if not _marker(followup.result, f"version {followup.version}"):
                report.problems.append(
                    f"followup {talk.id}:{row_id} v{followup.version}: result from another save"
                )
    details = {
        r[0] for r in conn.execute("SELECT detail FROM audit_log WHERE action = 'crash.write'")
    }
    counts["audit"] = len(details)
    report.records_checked = counts
    _compare(acked, stored, details, report)


def _saves(kind: str, version: str) -> int:
    """How many saves a version stands for (a plan version: its edits)."""
    return int(version.split(".")[1]) if kind == "plan" else int(version)


def _compare(
    acked: Acked, stored: dict[tuple[str, str], str], details: set[str], report: Report
) -> None:
    """Every acknowledged save against what is stored."""
    for (kind, record), version in sorted(acked.items()):
        if kind == "audit":
            if record.replace("_", " ") not in details:
                report.problems.append(f"lost: audit entry {record}")
            continue
        if kind == "signature":
            if ("signature", record) not in stored:
                report.problems.append(f"lost: signature {record}")
            continue
        have = stored.get((kind, record))
        if have is None or _newer(kind, version, have):
            report.problems.append(f"lost: {kind} {record} v{version} (stored: {have})")
        else:
            report.unacknowledged_commits += _saves(kind, have) - _saves(kind, version)
    for key, version in stored.items():
        if key[0] in ("preparation", "followup", "plan") and key not in acked:
            report.unacknowledged_commits += _saves(key[0], version)
    signed = {record for kind, record in acked if kind == "signature"}
    report.unacknowledged_commits += sum(
        1 for kind, record in stored if kind == "signature" and record not in signed
    )
    written = {record.replace("_", " ") for kind, record in acked if kind == "audit"}
    report.unacknowledged_commits += len(details - written)


def run(rounds: int, seed: int, directory: Path) -> Report:
    """Set up a database in `directory`, kill `rounds` writers, then check; the report.

    About every other round is also checked right after its kill, so a lost ack cannot hide
    behind a later save of the same version. Those checks open (and, closing, checkpoint) the
    database in the parent; in the other rounds the next writer finds the WAL as the kill left it.
    """
    start = time.monotonic()
    path = directory / "crash.sqlite3"
    setup_database(path)
    report = Report(rounds=rounds, seed=seed)
    rng = random.Random(seed)
    acked: Acked = {}
    seen: set[str] = set()

    def check(label: str) -> Report:
        found = Report()
        verify(path, acked, found)
        report.checks += 1
        for problem in found.problems:
            if problem not in seen:
                seen.add(problem)
                report.problems.append(f"{label}: {problem}")
        if report.integrity_check in ("", "ok"):
            report.integrity_check = found.integrity_check
        return found

    for number in range(rounds):
        one_round(path, rng, number, acked, report)
        if rng.random() < 0.5:
            check(f"after round {number}")
    final = check("at the end")
    report.records_checked = final.records_checked
    report.unacknowledged_commits = final.unacknowledged_commits
    report.database_bytes = sum(
        p.stat().st_size for p in directory.glob("crash.sqlite3*") if p.exists()
    )
    report.seconds = time.monotonic() - start
    return report


def print_report(report: Report) -> None:
    """The run in a few lines."""
    kinds = ", ".join(f"{kind} {count}" for kind, count in sorted(report.acks.items()))
    stored = ", ".join(f"{kind} {count}" for kind, count in report.records_checked.items())
    print(
        f"Crash test: {report.rounds} writers killed with SIGKILL "
        f"({report.kills_while_writing} while writing after 5-200 ms, "
        f"{report.kills_while_starting} while starting), seed {report.seed}, "
        f"{report.seconds:.1f} s\n"
        f"  acknowledged saves: {sum(report.acks.values())} ({kinds})\n"
        f"  records verified:   {stored}\n"
        f"  commits the kill cut off before their ack (fine, not counted as saved): "
        f"{report.unacknowledged_commits}\n"
        f"  checks:             {report.checks} (integrity, acks, MACs), "
        f"integrity_check {report.integrity_check}\n"
        f"  database:           {report.database_bytes / 1024:.0f} kB with its WAL"
    )
    for problem in report.problems[:50]:
        print(f"  PROBLEM: {problem}")
    if len(report.problems) > 50:
        print(f"  ... and {len(report.problems) - 50} more problems")
    lost = sum(1 for p in report.problems if "lost:" in p)
    print(
        f"\n  {'PASS' if report.passed else 'FAIL'}  lost acknowledged saves: {lost}, "
        f"problems: {len(report.problems)}, integrity_check: {report.integrity_check}"
    )


def main() -> None:
    """Run the crash test (or, with --child, be the writer)."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--rounds", type=int, default=200, help="writers to kill")
    parser.add_argument("--seed", type=int, default=None, help="random seed (default: random)")
    parser.add_argument("--tmpdir", type=Path, default=None, help="where the database goes")
    parser.add_argument("--json", type=Path, default=RESULTS, help="JSON output")
    parser.add_argument("--child", type=Path, default=None, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child is not None:
        child(args.child, args.seed or 0)
        return
    if args.rounds < 1:
        parser.error("--rounds must be positive")
    seed = args.seed if args.seed is not None else random.randrange(1_000_000)
    with tempfile.TemporaryDirectory(prefix="crash-bench-", dir=args.tmpdir) as name:
        report = run(args.rounds, seed, Path(name))
    print_report(report)
    data: dict[str, Any] = {"benchmark": "crash", **asdict(report), "passed": report.passed}
    args.json.parent.mkdir(parents=True, exist_ok=True)
    args.json.write_text(json.dumps(data, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    print(f"\nJSON: {args.json}")
    if not report.passed:
        sys.exit(1)


if __name__ == "__main__":
    main()
