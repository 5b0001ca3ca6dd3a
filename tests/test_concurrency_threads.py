"""50 threads reading and writing at once never see a locked database and lose no save."""

from __future__ import annotations

import random
import sqlite3
import threading
import time
from pathlib import Path

from formserver.security.records import RecordSigner, RecordTampered
from formserver.services.roster import parse_roster
from formserver.store import audit, db
from formserver.store import rounds as round_store
from formserver.store.people import import_roster
from formserver.store.preparations import get_preparation, save_preparation
from tests.factories import HEADER

KEYS: list[str | bytes] = ["concurrency-test-key-" + "x" * 32]

# --- (a) 50 threads, each with its own connection -------------------------------------------------

THREADS = 50
# "database is locked" only comes after a writer has waited the whole busy timeout, so the
# burst lasts a little longer than that: a shorter one could not show the failure at all.
SECONDS = db.BUSY_TIMEOUT_MS / 1000 + 1.5


def _database_with_talks(path: Path, count: int) -> list[str]:
    """A fresh database with one manager, `count` employees and a talk each; the talk ids."""
    lines = ["M0;Karin Chefsberg;karin.chefsberg@example.se;Syd;Chef;;tillsvidare;2015-01-01;"]
    lines += [
        f"E{i};Anställd Nummer{i};anstalld.{i}@example.se;Syd;Lärare;M0;tillsvidare;2020-01-01;"
        for i in range(count)
    ]
    parsed = parse_roster(("\n".join([HEADER, *lines]) + "\n").encode())
    assert parsed.ok, parsed.errors
    connection = db.connect(path)
    try:
        db.migrate(connection)
        import_roster(connection, parsed.rows)
        round_store.open_round(
            connection,
            year=2026,
            question_set=("rutin", 1),
            plan_template=("handlingsplan", 1),
            eligible=lambda p: True,
            opened_by=None,
        )
        ids = [r[0] for r in connection.execute("SELECT id FROM talks ORDER BY id")]
    finally:
        connection.close()
    assert len(ids) == count
    return ids


def test_50_threads_reading_and_writing_never_see_a_locked_database(tmp_path: Path) -> None:
    path = tmp_path / "busy.sqlite3"
    talk_ids = _database_with_talks(path, THREADS)
    signer = RecordSigner(KEYS, "preparation")
    errors: list[str] = []
    saves = [0] * THREADS
    entries: list[list[str]] = [[] for _ in range(THREADS)]
    reads = [0] * THREADS
    waits = [0.0] * THREADS
    start = threading.Barrier(THREADS)

    def work(index: int) -> None:
        rng = random.Random(index)
        own = talk_ids[index]
        connection = db.connect(path)
        try:
            start.wait(timeout=30)
            stop = time.monotonic() + SECONDS
            while time.monotonic() < stop:
                draw = rng.random()
                began = time.perf_counter()
                try:
                    if draw < 0.35:
                        text = f"Tråd {index}, sparning {saves[index] + 1}. " * rng.randint(1, 40)
                        version = save_preparation(
                            connection,
                            own,
                            "employee",
                            {"halsa": {"value": text}},
                            expected_version=saves[index],
                            submit=False,
                            signer=signer,
                        )
                        assert version == saves[index] + 1
                        saves[index] = version
                    elif draw < 0.55:
                        detail = f"thread {index} entry {len(entries[index])}"
                        audit.record(
                            connection, audit.Event(None, "concurrency.write", detail=detail)
                        )
                        entries[index].append(detail)
                    else:
                        other = rng.choice(talk_ids)
                        get_preparation(connection, other, "employee", signer)
                        connection.execute(
                            "SELECT count(*) FROM audit_log WHERE action = 'concurrency.write'"
                        ).fetchone()
                        connection.execute(
                            "SELECT t.status, p.version FROM talks t LEFT JOIN preparations p "
                            "ON p.talk_id = t.id WHERE t.id = ?",
                            (other,),
                        ).fetchall()
                        reads[index] += 1
                except (sqlite3.Error, db.Conflict, RecordTampered, AssertionError) as error:
                    errors.append(f"thread {index}: {type(error).__name__}: {error}")
                waits[index] = max(waits[index], time.perf_counter() - began)
        except BaseException as error:  # pragma: no cover - reported below
            errors.append(f"thread {index} stopped: {type(error).__name__}: {error}")
        finally:
            connection.close()

    threads = [threading.Thread(target=work, args=(i,)) for i in range(THREADS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert not any(thread.is_alive() for thread in threads)

    locked = [e for e in errors if "locked" in e or "busy" in e]
    assert locked == [], (
        f"{len(locked)} times 'database is locked' in {sum(saves)} saves; the longest "
        f"operation took {max(waits):.1f} s (busy timeout {db.BUSY_TIMEOUT_MS / 1000:g} s); "
        f"first: {locked[:2]}"
    )
    assert errors == []
    assert sum(saves) >= THREADS and sum(reads) >= THREADS  # everyone got work done
    check = db.connect(path)
    try:
        for index, talk_id in enumerate(talk_ids):
            stored = get_preparation(check, talk_id, "employee", signer)
            assert (stored.version if stored else 0) == saves[index], f"thread {index} lost saves"
            if stored:
                value = stored.answers["halsa"]["value"]
                assert value.startswith(f"Tråd {index}, sparning {saves[index]}. ")
        details = {
            r[0]
            for r in check.execute(
                "SELECT detail FROM audit_log WHERE action = 'concurrency.write'"
            )
        }
        written = [d for thread_entries in entries for d in thread_entries]
        assert len(details) == len(written) and details == set(written)
        assert check.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
    finally:
        check.close()
