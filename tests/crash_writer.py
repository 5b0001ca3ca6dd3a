"""The crash test's writer: a child process that saves records in a loop until it is killed.

It opens the database with formserver.store.db.connect (WAL, synchronous=FULL, busy timeout)
and saves through the store's own functions, with real MACs (security.keys.signers_for and a
fixed key list):

  preparation  store.preparations.save_preparation (employee or manager, now and then submit)
  plan         store.plans.save (a new version after a signed one, else one more edit)
  signature    store.plans.mark_held + store.plans.sign (then the next plan save is a new version)
  followup     store.plans.save_followups (one or two plan rows at once: all or none)
  audit        store.audit.record

Every save writes its own version number into its text, and its texts vary from a few bytes to
about 12 kB, so one save touches one or many pages. After each commit returns, it prints one
line "ack <kind> <id> <version>" and flushes. tests/crash_harness.py starts and kills it:
`python -m tests.crash_writer DATABASE SEED`.
"""

from __future__ import annotations

import random
import sqlite3
import sys
from collections.abc import Callable
from pathlib import Path

from formserver.security.keys import signers_for
from formserver.store import audit, db, plans
from formserver.store.people import person_by_number
from formserver.store.preparations import get_preparation, save_preparation
from formserver.store.talks import Talk, team_talks

KEYS: list[str | bytes] = ["crash-bench-old-key-" + "o" * 32, "crash-bench-key-" + "k" * 32]
SIGNERS = signers_for(KEYS)
MANAGER = "M01"
PREPARATION_QUESTIONS = ("arbetssituation", "halsa", "individuella_mal", "forbattring")
FOLLOWUP_STATUSES = tuple(plans.FOLLOWUP_STATUSES)
FILLER = (
    "Vi har pratat om arbetsbelastning, kompetensutveckling och samarbetet i arbetslaget. "
    "Målet är att hinna med planeringen även när någon är sjuk, och att gå en kurs i "
    "digitala verktyg under våren. Återkoppling oftare, gärna varannan vecka. "
)


def talks(conn: sqlite3.Connection) -> tuple[list[Talk], list[Talk]]:
    """(talks whose preparations are saved, talks whose plans are saved), always the same."""
    manager = person_by_number(conn, MANAGER)
    found = team_talks(conn, manager.id) if manager else []
    return found[: len(found) // 2], found[len(found) // 2 :]


def text(rng: random.Random, marker: str) -> str:
    """A text that starts with its version marker, from a few bytes to about 12 kB."""
    size = rng.choice((0, 40, 400, 3000, 12000))
    return f"{marker}: " + (FILLER * (size // len(FILLER) + 1))[:size]


class Writer:
    """The child's saves, one per call; each prints its ack after the commit returned."""

    def __init__(self, conn: sqlite3.Connection, rng: random.Random, tag: str) -> None:
        self.conn = conn
        self.rng = rng
        self.tag = tag
        self.count = 0
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
        signer = SIGNERS.preparation
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
        signer = SIGNERS.plan
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
        signer = SIGNERS.plan
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
        latest = plans.latest(self.conn, talk.id, SIGNERS.plan)
        if latest is None:
            self.plan()
            return
        signer = SIGNERS.followup
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


def main(path: Path, seed: int) -> None:
    """Save in a loop until killed (the parent sends SIGKILL)."""
    conn = db.connect(path)
    writer = Writer(conn, random.Random(seed), str(seed))
    print("ready", flush=True)
    while True:
        writer.step()


if __name__ == "__main__":
    main(Path(sys.argv[1]), int(sys.argv[2]))
