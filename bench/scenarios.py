"""The service's people and requests, shared by form_service.py and load.py.

A director, two managers and their teams (29 each, more when more clients need a talk of their
own), one open round, single-use sign-in links issued before the server starts; one Browser
thread per person. Requests by kind, with the status each must answer (anything else, or a
connection error, is an error): signin_page 200, signin 302, prep_form 200, prep_save 302 (to
...sparad=1), talk_page 200, plan_form 200, plan_save 302, plan_pdf 200 (a PDF). Each Browser
keeps what the server acknowledged; check_writes reads every record back with the store's
MAC-checked readers: it must count every acknowledged save and hold the last acknowledged text.
"""

from __future__ import annotations

import re
import sys
import threading
import time
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

import harness
from flask import Flask

from formserver.security.keys import signers_for
from formserver.security.records import RecordTampered
from formserver.store import db, plans
from formserver.store.people import person_by_number
from formserver.store.preparations import get_preparation
from formserver.store.talks import employee_talks, team_talks

MANAGERS = ("M0001", "M0002")
NUMBERS_RE = {
    name: re.compile(rf'name="{name}" value="(\d+)"') for name in ("version", "number", "edits")
}
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
COUNTS = (
    *("preparation_saves_acknowledged", "preparation_saves_in_database", "lost_writes"),
    *("plan_saves_acknowledged", "plan_saves_in_database", "unacknowledged_commits"),
    *("records_failing_verification", "stale_pages"),
)
Writes = dict[str, Any]


class Stop(Exception):
    """The run is over: leave the loop."""


class Budget:
    """A run's end, shared by its browsers: a warm-up (not counted), then a deadline."""

    def __init__(self, warmup: float, seconds: float) -> None:
        self.warmup_end = time.monotonic() + warmup
        self.deadline = self.warmup_end + seconds

    def take(self) -> bool:
        """Whether this request counts (after the warm-up); Stop when the run is over."""
        if (now := time.monotonic()) >= self.deadline:
            raise Stop
        return now >= self.warmup_end


UNCOUNTED = Budget(1e9, 0)  # outside a run: never counts, never stops


@dataclass
class Tally:
    """Measured requests (kind, ms, status), errors by kind (warm-up too) and a few samples."""

    requests: list[tuple[str, float, int]] = field(default_factory=list)
    errors: Counter[str] = field(default_factory=Counter)
    samples: list[str] = field(default_factory=list)

    def add(self, other: Tally) -> None:
        """Add another tally to this one."""
        self.requests += other.requests
        self.errors += other.errors
        self.samples += other.samples[: max(0, 20 - len(self.samples))]

    def stats(self, kinds: Sequence[str], seconds: float, name: str = "") -> dict[str, Any]:
        """Requests, errors, req/s, p50/p90/p99/max ms and statuses of the kinds together."""
        ms = [r[1] for r in self.requests if r[0] in kinds]
        statuses = Counter(r[2] for r in self.requests if r[0] in kinds)
        figures = {"kind": name or kinds[0], "requests": len(ms), "rps": len(ms) / seconds}
        figures |= {f"p{q}_ms": harness.percentile(ms, q) for q in (50, 90, 99)}
        figures |= {"max_ms": max(ms, default=0.0), "statuses": dict(sorted(statuses.items()))}
        return figures | {"errors": sum(self.errors[kind] for kind in kinds)}


class Browser(harness.Client):
    """One simulated person: their talks, links and what the server acknowledged; counted."""

    def __init__(self, port: int, index: int, role: str, talks: list[str], links: list[str]):
        super().__init__(port)
        self.index, self.role, self.talks, self.links = index, role, talks, links
        self.tally, self.budget, self.csrf = Tally(), UNCOUNTED, ""
        self.versions: dict[str, int] = {}  # per talk: the preparation's version now
        self.prep_saves: Counter[str] = Counter()  # per talk: saves acknowledged (302)
        self.prep_answer: dict[str, tuple[str, str]] = {}  # a question and its text, last save
        self.plan_saves: Counter[str] = Counter()
        self.plan_text: dict[str, str] = {}
        self.stale_pages = 0  # a form showed an older version than this browser had saved

    def request(
        self, method: str, path: str, fields: harness.Fields | None = None, kind: str = ""
    ) -> harness.Reply:
        """One request within the budget; its latency and status kept after the warm-up."""
        measured, start, status = self.budget.take(), time.perf_counter(), 0
        try:
            reply = super().request(method, path, fields, kind)
            status = reply.status
            return reply
        finally:
            if measured:
                self.tally.requests.append((kind, (time.perf_counter() - start) * 1000, status))

    def error(self, kind: str, what: str) -> None:
        """Count an error and keep a few samples."""
        self.tally.errors[kind] += 1
        self.tally.samples += [what] if len(self.tally.samples) < 10 else []


def prepare(
    app: Flask, port: int, question_set: str, employees: int, managers: int = 0, links: int = 1
) -> list[Browser]:
    """Import the roster, open the round, issue links: a browser per employee and session.

    Employees alternate between the teams, one talk each; so do manager sessions, each with
    its own share of the team's talks.
    """
    team = max(29, -(-employees // len(MANAGERS)))
    rows = [harness.person("T0001", harness.fictional_name(0), "Ledning", "Direktör", "")]
    for m, boss in enumerate(MANAGERS):
        unit = harness.UNITS[m]
        rows.append(harness.person(boss, harness.fictional_name(m + 1), unit, "Chef", "T0001"))
        for i in range(team):
            name = harness.fictional_name(3 + m * team + i)
            title = harness.TITLES[i % len(harness.TITLES)]
            rows.append(harness.person(f"E{m}{i:03d}", name, unit, title, boss))
    harness.populate(app, rows, question_set, date.today())
    conn, browsers = db.connection_for(app.config["DATABASE"]), []
    for index in range(employees + managers):
        number = f"E{index % 2}{index // 2:03d}" if index < employees else MANAGERS[index % 2]
        person = person_by_number(conn, number)
        assert person is not None, number
        if index < employees:
            role, talks = "employee", [talk.id for talk in employee_talks(conn, person.id)]
        else:  # each manager session has its own share of the team's talks
            role, talks = "manager", [talk.id for talk in team_talks(conn, person.id)]
            talks = talks[(index - employees) // 2 :: -(-managers // len(MANAGERS))]
        tokens = harness.links(app, person, links)
        browsers.append(Browser(port, index, role, talks, tokens))
    db.close_thread_connections()
    return browsers


def found_numbers(
    browser: Browser, kind: str, page: harness.Reply, *names: str
) -> list[str] | None:
    """The csrf_token and the named hidden numbers of a form page (None: an error counted)."""
    values = [harness.CSRF_RE.search(page.text)] + [NUMBERS_RE[n].search(page.text) for n in names]
    if all(values):
        return [v[1] for v in values if v]
    browser.error(kind, f"{kind}: no csrf_token or {'/'.join(names)} in the page")
    return None


def preparation_page(browser: Browser, talk: str) -> int | None:
    """GET the preparation form; keep its csrf_token; its version (None: an error)."""
    page = browser.expect("prep_form", "GET", f"/samtal/{talk}/forberedelse", 200)
    found = found_numbers(browser, "prep_form", page, "version") if page else None
    if found is None:
        return None
    browser.csrf, version = found[0], int(found[1])
    browser.stale_pages += version < browser.prep_saves[talk]
    browser.versions[talk] = version
    return version


def acknowledged(browser: Browser, kind: str, path: str, fields: harness.Fields) -> bool:
    """POST a form that must redirect to ...sparad=1 (the service's "saved")."""
    reply = browser.expect(kind, "POST", path, 302, fields)
    if reply and "sparad=1" not in reply.headers.get("location", ""):
        browser.error(kind, f"POST {path}: redirected to {reply.headers.get('location')}")
        return False
    return reply is not None


def save_preparation(
    browser: Browser, talk: str, answers: bytes, version: int, marker: tuple[str, str]
) -> bool:
    """POST urlencoded answers at `version`; count it if acknowledged.

    `marker` is a question and the text this save gives it, for check_writes.
    """
    body = answers + f"&action=spara&version={version}&csrf_token={browser.csrf}".encode()
    if not acknowledged(browser, "prep_save", f"/samtal/{talk}/forberedelse", body):
        return False
    browser.prep_saves[talk] += 1
    browser.versions[talk], browser.prep_answer[talk] = version + 1, marker
    return True


def save_plan(browser: Browser, talk: str, round_no: int) -> None:
    """GET the record of the talk, POST notes and rows with its number/edits; count the ack."""
    path = f"/samtal/{talk}/plan"
    page = browser.expect("plan_form", "GET", path, 200)
    found = found_numbers(browser, "plan_form", page, "number", "edits") if page else None
    if page is None or found is None:
        return
    token, number, edits = found
    browser.stale_pages += int(edits) < browser.plan_saves[talk]
    note = f"Klient {browser.index}, runda {round_no}. {NOTE_TEXT}"
    fields = [("csrf_token", token), ("number", number), ("edits", edits), ("action", "spara")]
    fields += [("note_arbetssituation", note), ("note_samspela", NOTE_TEXT)]
    for i, row in enumerate(ROWS_RE.findall(page.text)[:3], start=1):
        fields += [("rows_mal", row), (f"cell_mal_{row}_medarbetarens_mal", f"Mål {i}: kurs")]
        fields += [(f"cell_mal_{row}_ansvarig", "Medarbetaren och chefen")]
    if acknowledged(browser, "plan_save", path, fields):
        browser.plan_saves[talk] += 1
        browser.plan_text[talk] = note


def mix(browser: Browser, resign_every: int, pdf_every: int) -> None:
    """The load mix in a closed loop: sign in, then round after round of saves.

    Employees save their preparation and GET their talk's page every 4th round; managers save
    their own preparation of a talk and its plan, and GET its PDF every `pdf_every` rounds
    (once saved). Every `resign_every` rounds a browser signs in again while it has links.
    """
    if not browser.sign_in(browser.links.pop(0)):
        return
    for round_no in range(1, sys.maxsize):
        if round_no % resign_every == 0 and browser.links:
            browser.sign_in(browser.links.pop(0))
        talk = browser.talks[round_no % len(browser.talks)]
        version = preparation_page(browser, talk)
        if version is not None:
            text = f"Klient {browser.index}, runda {round_no}. {PREP_TEXT}"
            goal = (
                "q_individuella_mal",
                f"Mål för runda {round_no}: fler samarbeten med kollegor.",
            )
            fields = urlencode([("q_halsa", text), ("q_arbetssituation", PREP_TEXT), goal])
            save_preparation(browser, talk, fields.encode(), version, ("halsa", text))
        if browser.role == "employee" and round_no % 4 == 0:
            browser.expect("talk_page", "GET", f"/samtal/{talk}", 200)
        elif browser.role == "manager":
            save_plan(browser, talk, round_no)
            if pdf_every and round_no % pdf_every == 0 and browser.plan_saves[talk]:
                pdf = browser.expect("plan_pdf", "GET", f"/samtal/{talk}/plan.pdf", 200)
                if pdf and (
                    pdf.body[:4] != b"%PDF" or pdf.headers["content-type"] != "application/pdf"
                ):
                    browser.error("plan_pdf", f"plan.pdf for {talk}: not a PDF")


def run(
    browsers: Sequence[Browser],
    loop: Callable[[Browser], object],
    budget: Budget,
    workers: list[int],
    cpu: harness.Cpu,
) -> tuple[Tally, float]:
    """Every browser's `loop` at once until the budget ends; the tally and measured seconds."""

    def drive(browser: Browser) -> None:
        browser.tally, browser.budget = Tally(), budget
        try:
            loop(browser)
        except Stop:
            pass
        finally:
            browser.connection.close()

    threads = [threading.Thread(target=drive, args=(b,), daemon=True) for b in browsers]
    for thread in threads:
        thread.start()
    time.sleep(max(0.0, budget.warmup_end - time.monotonic()))
    before = cpu.now(workers)
    for thread in threads:
        thread.join(timeout=max(0.0, budget.deadline - time.monotonic()))
    cpu.add(before, cpu.now(workers))
    total = Tally()
    for browser, thread in zip(browsers, threads, strict=True):
        thread.join(timeout=90)
        total.add(browser.tally)
        browser.budget = UNCOUNTED
    return total, max(0.001, min(time.monotonic(), budget.deadline) - budget.warmup_end)


def check_writes(database: Path, keys: list[str | bytes], browsers: Sequence[Browser]) -> Writes:
    """Every acknowledged save against the database, read with the store's MAC checks."""
    signers, counts = signers_for(keys), Counter(dict.fromkeys(COUNTS, 0))
    problems, answers, conn = [], set(), db.connect(database)
    for browser in browsers:
        counts["stale_pages"] += browser.stale_pages
        saves = [("preparation", talk, acked) for talk, acked in browser.prep_saves.items()]
        for kind, talk, acked in saves + [("plan", t, a) for t, a in browser.plan_saves.items()]:
            try:
                if kind == "preparation":
                    found = get_preparation(conn, talk, browser.role, signers.preparation)
                    question, text = browser.prep_answer[talk]
                    same = found is not None and found.answers[question]["value"] == text
                    stored = found.version if found else 0
                    answers.add(len(found.answers) if found else 0)
                else:
                    latest = plans.latest(conn, talk, signers.plan)
                    note = latest.content["notes"].get("arbetssituation") if latest else None
                    same, stored = note == browser.plan_text[talk], latest.edits if latest else 0
            except RecordTampered:
                counts["records_failing_verification"] += 1
                continue
            counts[f"{kind}_saves_acknowledged"] += acked
            counts[f"{kind}_saves_in_database"] += stored
            if stored >= acked and same:
                counts["unacknowledged_commits"] += stored - acked
            else:
                counts["lost_writes"] += max(1, acked - stored)
                problems.append(
                    f"{kind} {talk}:{browser.role}: {acked} acknowledged, {stored} stored"
                    + ("" if same else ", not the last text")
                )
    integrity = conn.execute("PRAGMA integrity_check").fetchone()[0]
    conn.close()
    return {
        **counts,
        "integrity_check": integrity,
        "answers_per_preparation": sorted(answers),
        "problems": problems,
    }
