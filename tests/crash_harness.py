"""Crash safety: a writer process is killed with SIGKILL mid-save, many times; nothing is lost.

The writer is tests/crash_writer.py. This side sets up the database, starts a writer, waits
until it says "ready", lets it write for a random 5-200 ms and kills it with SIGKILL (one round
in ten it is killed 5-50 ms after it was started, possibly while it opens or recovers the
database), reads every ack, and starts the next one. Afterwards, on a fresh connection:

- PRAGMA integrity_check is "ok" and PRAGMA foreign_key_check finds nothing;
- every acknowledged save is there, with at least the acknowledged version;
- every stored record verifies through the store's readers (MAC, content hash) and its text
  carries its own version number: nothing half-written is visible.

SIGKILL ends the process, not the machine: the kernel still writes what SQLite handed it. This
checks that a save is committed before the service says so and that a transaction cut off at
any point leaves nothing behind; losing power is what synchronous=FULL covers on top.
tests/test_crash.py runs 15 rounds of `run`; bench/crash.py runs 200.
"""

from __future__ import annotations

import random
import signal
import sqlite3
import subprocess
import sys
import time
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

from formserver.paths import PROJECT_ROOT
from formserver.security.records import RecordTampered
from formserver.services.roster import parse_roster
from formserver.services.rounds import open_round
from formserver.siteconfig import load_site_config
from formserver.store import db, plans
from formserver.store.people import import_roster
from formserver.store.preparations import get_preparation
from tests.crash_writer import MANAGER, SIGNERS, talks
from tests.services.roster_helpers import person, roster

SIGKILL_EXIT = -signal.SIGKILL
# Fictional people: one manager, eight employees; half of them prepare, half get plans.
NAMES = (
    "Åsa Exempelsson", "Björn Provsson", "Märta Testlund", "Göran Påhittad",
    "Linnéa Demoqvist", "Örjan Fiktivsson", "Ebba Ölund", "Håkan Sjöberg",
)  # fmt: skip


def setup_database(path: Path) -> None:
    """A fresh database: migrations, the roster and an open round with one talk per employee."""
    boss = person(anstallningsnummer=MANAGER, namn="Karin Chefsberg", chef_anstallningsnummer="")
    staff = [
        person(anstallningsnummer=f"P{n:02d}", namn=name, chef_anstallningsnummer=MANAGER)
        for n, name in enumerate(NAMES, start=1)
    ]
    parsed = parse_roster(roster(boss, *staff))
    if not parsed.ok:
        raise RuntimeError(f"crash roster is invalid: {parsed.errors}")
    conn = db.connect(path)
    try:
        db.migrate(conn)
        import_roster(conn, parsed.rows)
        config = load_site_config(PROJECT_ROOT / "site_config")
        open_round(
            conn,
            config,
            year=2026,
            question_set_id="rutin",
            plan_template_id="handlingsplan",
            opened_by=None,
            today=date(2026, 3, 1),
        )
    finally:
        conn.close()


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
    seed = str(report.seed * 100_000 + number)
    process = subprocess.Popen(
        [sys.executable, "-m", "tests.crash_writer", str(path), seed],
        cwd=PROJECT_ROOT,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        encoding="utf-8",
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
    prepared, planned = talks(conn)
    stored: dict[tuple[str, str], str] = {}
    counts = {"preparation": 0, "plan_version": 0, "signature": 0, "followup": 0, "audit": 0}

    def tampered(kind: str, record: str, error: Exception) -> None:
        report.problems.append(f"{kind} {record} does not verify: {error}")

    for talk in [*prepared, *planned]:
        for role in ("employee", "manager"):
            try:
                found = get_preparation(conn, talk.id, role, SIGNERS.preparation)
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
            versions = plans.versions(conn, talk.id, SIGNERS.plan)
            followups = plans.followups(conn, talk.id, SIGNERS.followup)
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
