"""Crash safety through tests/crash_harness.py: 15 rounds here, 200 in bench/crash.py.

A writer process saves preparations, plan versions, signatures, follow-ups and audit entries
through the store and acknowledges each commit; it is killed with SIGKILL at random moments,
15 times. Every acknowledged save must be there, PRAGMA integrity_check must say ok, and every
stored record must verify (MAC and content) with nothing half-written. The checker itself is
tested too: it must notice a lost save and a changed record.
"""

from __future__ import annotations

from pathlib import Path

from formserver.store import db
from formserver.store.preparations import save_preparation
from tests import crash_harness as crash
from tests.crash_writer import SIGNERS, talks

ROUNDS = 15
SEED = 2026


def test_writers_killed_at_random_moments_lose_no_acknowledged_save(tmp_path: Path) -> None:
    report = crash.run(ROUNDS, SEED, tmp_path)

    assert report.problems == [], f"seed {SEED}: " + "\n".join(report.problems[:20])
    assert report.integrity_check == "ok"
    assert report.passed
    assert report.kills_while_writing + report.kills_while_starting == ROUNDS
    assert report.kills_while_writing >= ROUNDS // 2
    # The writers did write, every kind of record, and all of it was read back and verified.
    assert sum(report.acks.values()) >= 50, report.acks
    assert set(report.acks) >= {"preparation", "plan", "followup"}, report.acks
    assert report.records_checked["preparation"] > 0
    assert report.records_checked["plan_version"] > 0
    assert report.records_checked["followup"] > 0


def test_the_checker_notices_a_lost_save_and_a_changed_record(tmp_path: Path) -> None:
    path = tmp_path / "crash.sqlite3"
    crash.setup_database(path)
    connection = db.connect(path)
    try:
        talk = talks(connection)[0][0]
        answers = {"halsa": {"value": "version 1: Jag mår bra."}}
        signer = SIGNERS.preparation
        save_preparation(
            connection,
            talk.id,
            "employee",
            answers,
            expected_version=0,
            submit=False,
            signer=signer,
        )
        record = ("preparation", f"{talk.id}:employee")
        sound = crash.Report()
        crash.verify(path, {record: "1"}, sound)
        assert sound.problems == [] and sound.integrity_check == "ok"
        # An ack for a version the database does not have: a lost save.
        lost = crash.Report()
        crash.verify(path, {record: "2"}, lost)
        assert [p for p in lost.problems if p.startswith("lost: preparation")], lost.problems
        # A record changed behind the store's back no longer verifies.
        with db.transaction(connection):
            connection.execute(
                "UPDATE preparations SET answers = '{}' WHERE talk_id = ?", (talk.id,)
            )
    finally:
        connection.close()
    changed = crash.Report()
    crash.verify(path, {record: "1"}, changed)
    assert [p for p in changed.problems if "does not verify" in p], changed.problems
