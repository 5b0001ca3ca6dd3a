"""Many people at once, and a database that cannot be written: nothing is lost or overwritten.

What a user would check:
- 50 threads reading and writing at once (each on its own connection, as gunicorn's workers
  and threads have) never see "database is locked", and every save they were told about is there;
- the manager and the employee saving the same follow-up at the same moment: one is saved, the
  other gets the conflict page with their own text still in the form (and the text that was
  saved, so they can merge), and the stored row holds exactly the winner's text;
- a read-only database or a full disk: a Swedish 503 page that gives the typed text back,
  nothing half-saved, and the next save works once the problem is gone.
"""

from __future__ import annotations

import random
import re
import sqlite3
import threading
import time
from html import unescape
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from werkzeug.test import TestResponse

from formserver import plan as plan_logic
from formserver.records import RecordSigner, RecordTampered
from formserver.roster import parse_roster
from formserver.store import audit, db, plans
from formserver.store import rounds as round_store
from formserver.store.people import import_roster
from formserver.store.preparations import get_preparation, save_preparation
from formserver.store.talks import Talk
from tests.factories import (
    HEADER,
    conn,
    csrf_token,
    data_dump,
    person,
    sign_in,
    talk_of,
)

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
                            connection,
                            actor_id=None,
                            action="concurrency.write",
                            outcome="ok",
                            detail=detail,
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


# --- (b) the manager and the employee saving the same follow-up at once --------------------------


def _signers(app: Flask) -> tuple[RecordSigner, RecordSigner]:
    keys = [*app.config["SECRET_KEY_FALLBACKS"], app.config["SECRET_KEY"]]
    return RecordSigner(keys, "plan"), RecordSigner(keys, "followup")


def _plan_signed_by_both(app: Flask) -> tuple[Talk, str]:
    """Employee A's plan with one written row, held and signed by both; (talk, row id)."""
    talk = talk_of(app, "employee_a")
    config = app.extensions["site_config"]
    content = plan_logic.empty_content(
        config.question_sets[talk.question_set_id], config.plan_templates[talk.plan_template_id]
    )
    row = content["grids"]["mal"][0]
    row["medarbetarens_mal"] = "Lära mig de nya digitala verktygen för planering"
    plan_signer, _ = _signers(app)
    manager, employee = person(app, "manager"), person(app, "employee_a")
    connection = conn(app)
    plans.save(
        connection, talk.id, content, expected=(0, 0), author_id=manager.id, signer=plan_signer
    )
    assert plans.mark_held(connection, talk.id)
    latest = plans.latest(connection, talk.id, plan_signer)
    assert latest is not None
    for role, who in (("manager", manager), ("employee", employee)):
        plans.sign(
            connection,
            talk.id,
            role=role,
            person_id=who.id,
            number=latest.number,
            seen_hash=latest.content_hash,
            comment="",
            signer=plan_signer,
        )
    signed = plans.latest(connection, talk.id, plan_signer)
    assert signed is not None and signed.signed_by_both
    return talk, str(row["row_id"])


def _textarea(html: str, name: str) -> str | None:
    """What a textarea holds, or None when there is none."""
    match = re.search(
        rf'<textarea[^>]*\bname="{re.escape(name)}"[^>]*>(.*?)</textarea>', html, re.S
    )
    return unescape(match.group(1)) if match else None


def _hidden(html: str, name: str) -> str:
    match = re.search(rf'name="{re.escape(name)}" value="([^"]*)"', html)
    assert match, f"no hidden field {name}"
    return match.group(1)


def _race(
    browsers: dict[str, FlaskClient], url: str, forms: dict[str, dict[str, str]]
) -> dict[str, TestResponse]:
    """POST every browser's form at the same moment, each from its own thread."""
    barrier = threading.Barrier(len(browsers))
    responses: dict[str, TestResponse] = {}
    failures: list[str] = []

    def post(who: str) -> None:
        try:
            barrier.wait(timeout=10)
            responses[who] = browsers[who].post(url, data=forms[who])
        except BaseException as error:  # pragma: no cover - reported below
            failures.append(f"{who}: {type(error).__name__}: {error}")
        finally:
            db.close_thread_connections()

    threads = [threading.Thread(target=post, args=(who,)) for who in browsers]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert failures == []
    return responses


ROUNDS = 5


def _followup_race(app: Flask) -> list[tuple[str, str, dict[str, TestResponse], Any]]:
    """ROUNDS races on the same follow-up; per race (winner, loser, responses, stored row)."""
    talk, row_id = _plan_signed_by_both(app)
    url = f"/samtal/{talk.id}/uppfoljning"
    browsers = {"manager": app.test_client(), "employee_a": app.test_client()}
    for role, browser in browsers.items():
        sign_in(browser, app, role)
    _, followup_signer = _signers(app)
    outcomes = []
    for number in range(1, ROUNDS + 1):
        forms = {}
        for role, browser in browsers.items():
            page = browser.get(url)
            assert page.status_code == 200, page.text
            assert _hidden(page.text, f"version_{row_id}") == str(number - 1)
            forms[role] = {
                "csrf_token": csrf_token(page.text),
                f"version_{row_id}": str(number - 1),
                f"status_{row_id}": "pagar" if role == "manager" else "klar",
                f"result_{row_id}": f"Runda {number}: {role} skriver att kursen gick bra.",
            }
        responses = _race(browsers, url, forms)
        statuses = {role: r.status_code for role, r in responses.items()}
        assert sorted(statuses.values()) == [302, 409], statuses
        winner = next(role for role, status in statuses.items() if status == 302)
        loser = next(role for role, status in statuses.items() if status == 409)
        stored = plans.followups(conn(app), talk.id, followup_signer)[row_id]
        outcomes.append((winner, loser, responses, (stored, forms, row_id, number)))
    return outcomes


def test_manager_and_employee_saving_the_same_followup_at_once_get_one_save_one_conflict(
    app: Flask,
) -> None:
    for winner, loser, responses, (stored, forms, row_id, number) in _followup_race(app):
        won, lost = forms[winner], forms[loser]
        # Exactly the winner's save is stored, once.
        assert stored.version == number
        assert (stored.status, stored.result) == (
            won[f"status_{row_id}"],
            won[f"result_{row_id}"],
        )
        assert responses[winner].headers["Location"].endswith("sparad=1")
        # The loser's page says what happened and keeps their text in the form.
        page = responses[loser].text
        assert "Någon annan sparade" in page
        assert _textarea(page, f"result_{row_id}") == lost[f"result_{row_id}"]


def test_the_followup_conflict_page_also_shows_the_text_that_was_saved(app: Flask) -> None:
    """Issue 6: "one save and one conflict page with both texts" (as the preparation form does).

    The loser must see what the winner saved before deciding to save again: the conflict page's
    hidden version is already the winner's, so saving it as it stands overwrites the winner.
    """
    for winner, loser, responses, (_stored, forms, row_id, _number) in _followup_race(app):
        page = unescape(responses[loser].text)
        won, lost = forms[winner][f"result_{row_id}"], forms[loser][f"result_{row_id}"]
        assert lost in page
        assert won in page, (
            f"the {loser}'s conflict page does not show the text the {winner} saved: {won!r}"
        )


# --- (c) a read-only database and a full disk ----------------------------------------------------

PREPARATION_TEXTS = {
    "q_halsa": "Jag mår bra, men sover dåligt under perioder med mycket kvällsmöten.",
    "q_arbetssituation": "Arbetsbelastningen är hög i maj och juni, annars rimlig.",
}


def _post_expecting_no_crash(client: FlaskClient, url: str, data: dict[str, str]) -> TestResponse:
    try:
        return client.post(url, data=data)
    except sqlite3.Error as error:  # the app had no error page for it
        pytest.fail(f"the database error reached the user as a crash: {error!r}")


def _assert_unavailable_page_gives_text_back(response: TestResponse, texts: dict[str, str]) -> None:
    assert response.status_code == 503, response.status_code
    page = response.text
    assert '<html lang="sv"' in page
    assert "sparades" in page  # says, in Swedish, that nothing was saved
    shown = unescape(page)
    for field, text in texts.items():
        assert text in shown, f"the typed text of {field} is not shown back"
    assert response.headers["Cache-Control"] == "no-store"


@pytest.mark.parametrize("condition", ["read-only", "disk full"])
def test_a_preparation_save_the_database_refuses_gets_503_with_the_text_and_stores_nothing(
    app: Flask, client: FlaskClient, condition: str
) -> None:
    talk = talk_of(app, "employee_a")
    url = f"/samtal/{talk.id}/forberedelse"
    sign_in(client, app, "employee_a")
    page = client.get(url)
    assert page.status_code == 200
    texts = dict(PREPARATION_TEXTS)
    if condition == "disk full":  # big enough to need pages the database may not grow by
        long = ("Min långa reflektion om året som gått och vad jag vill utveckla. " * 140).strip()
        texts |= {f"q_{q}": f"{q}: {long}" for q in ("forbattring", "individuella_mal")}
        texts |= {f"q_{q}": f"{q}: {long}" for q in ("uppna_malen", "kompetensutveckling")}
    data = {"csrf_token": csrf_token(page.text), "version": "0", "action": "spara", **texts}
    before = data_dump(app)
    connection = conn(app)
    limit = connection.execute("PRAGMA max_page_count").fetchone()[0]
    if condition == "read-only":
        connection.execute("PRAGMA query_only = ON")
    else:
        pages = connection.execute("PRAGMA page_count").fetchone()[0]
        free = connection.execute("PRAGMA freelist_count").fetchone()[0]
        size = connection.execute("PRAGMA page_size").fetchone()[0]
        assert free * size < sum(map(len, texts.values())) // 2, "test text too small"
        connection.execute(f"PRAGMA max_page_count = {pages}")
    try:
        response = _post_expecting_no_crash(client, url, data)
    finally:
        connection.execute("PRAGMA query_only = OFF")
        connection.execute(f"PRAGMA max_page_count = {limit}")

    _assert_unavailable_page_gives_text_back(response, texts)
    assert data_dump(app) == before  # no partial record
    assert connection.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
    # Once the database can be written again, the same form saves (no transaction left open).
    again = client.post(url, data=data)
    assert again.status_code == 302, again.status_code
    keys = [*app.config["SECRET_KEY_FALLBACKS"], app.config["SECRET_KEY"]]
    stored = get_preparation(connection, talk.id, "employee", RecordSigner(keys, "preparation"))
    assert stored is not None and stored.version == 1
    assert stored.answers["halsa"]["value"] == texts["q_halsa"]


def test_a_plan_save_on_a_full_disk_gets_503_with_the_notes_and_stores_nothing(
    app: Flask, client: FlaskClient
) -> None:
    talk = talk_of(app, "employee_a")
    url = f"/samtal/{talk.id}/plan"
    sign_in(client, app, "manager")
    page = client.get(url)
    assert page.status_code == 200
    long = ("Vi kom överens om att prova nya arbetssätt i arbetslaget under hösten. " * 120).strip()
    texts = {
        f"note_{s}": f"{s}: {long}"
        for s in ("arbetssituation", "maluppfyllelse", "skapa_varde", "samspela")
    }
    data = {"csrf_token": csrf_token(page.text), "number": "0", "edits": "0", **texts}
    data["action"] = "spara"
    before = data_dump(app)
    connection = conn(app)
    limit = connection.execute("PRAGMA max_page_count").fetchone()[0]
    pages = connection.execute("PRAGMA page_count").fetchone()[0]
    connection.execute(f"PRAGMA max_page_count = {pages}")
    try:
        response = _post_expecting_no_crash(client, url, data)
    finally:
        connection.execute(f"PRAGMA max_page_count = {limit}")

    _assert_unavailable_page_gives_text_back(response, texts)
    assert data_dump(app) == before
    plan_signer, _ = _signers(app)
    assert plans.latest(connection, talk.id, plan_signer) is None
    again = client.post(url, data=data)
    assert again.status_code == 302, again.status_code
    saved = plans.latest(connection, talk.id, plan_signer)
    assert saved is not None and saved.content["notes"]["samspela"] == texts["note_samspela"]


def _form_for(app: Flask, client: FlaskClient, what: str) -> tuple[str, dict[str, str]]:
    """Sign in and open a form that saves a record of kind `what`; (url, fields to post)."""
    if what == "followup":
        talk, row_id = _plan_signed_by_both(app)
    else:
        talk, row_id = talk_of(app, "employee_a"), ""
    sign_in(client, app, "manager" if what == "plan" else "employee_a")
    path = {"preparation": "forberedelse", "plan": "plan", "followup": "uppfoljning"}[what]
    url = f"/samtal/{talk.id}/{path}"
    page = client.get(url)
    assert page.status_code == 200
    data = {"csrf_token": csrf_token(page.text), "action": "spara"}
    if what == "preparation":
        data |= {"version": "0", **PREPARATION_TEXTS}
    elif what == "plan":
        data |= {"number": "0", "edits": "0", "note_samspela": PREPARATION_TEXTS["q_halsa"]}
    else:
        data |= {f"version_{row_id}": "0", f"status_{row_id}": "klar"}
        data[f"result_{row_id}"] = PREPARATION_TEXTS["q_halsa"]
    return url, data


@pytest.mark.parametrize("what", ["preparation", "plan", "followup"])
def test_when_the_audit_entry_of_a_save_fails_the_503_page_tells_the_truth(
    app: Flask, client: FlaskClient, what: str
) -> None:
    """The 503 page says nothing was saved: that must be true whichever write failed.

    A save is followed by its audit entry; here the audit entry fails (as it does when the disk
    fills up or the lock wait runs out just then). Either both are written or neither is.
    """
    url, data = _form_for(app, client, what)
    before = data_dump(app)
    connection = conn(app)
    connection.execute(
        "CREATE TEMP TRIGGER audit_fails BEFORE INSERT ON main.audit_log "
        "BEGIN SELECT RAISE(ABORT, 'database or disk is full'); END"
    )
    try:
        response = _post_expecting_no_crash(client, url, data)
    finally:
        connection.execute("DROP TRIGGER temp.audit_fails")

    assert response.status_code == 503
    assert "Ingenting av det du skickade sparades" in response.text
    assert data_dump(app) == before, (
        f"the page says nothing was saved, but the {what} was saved (only its audit entry failed)"
    )
