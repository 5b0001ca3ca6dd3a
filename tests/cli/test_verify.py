"""`formserver verify`: a deleted or edited audit entry is named by id, a truncated log is caught
with an anchor, and a legitimate purge or rekey leaves the database verifying clean."""

from __future__ import annotations

import sqlite3
from pathlib import Path

from flask import Flask

from formserver.store import audit
from tests.factories import load_people
from tests.recordkeeping.chain_helpers import audit_ids, build, copy_of, service_on, tamper
from tests.recordkeeping.maintenance_helpers import (
    DECISION,
    audit_rows,
    held_years_ago,
    signed_plan,
)

OLD, NEW = "old-key-" + "o" * 40, "new-key-" + "n" * 40


def _verify(app: Flask, *args: str) -> tuple[int, str]:
    result = app.test_cli_runner().invoke(args=["verify", "--quiet", *args])
    return result.exit_code, result.stdout


def _middle(raw: sqlite3.Connection) -> int:
    ids = audit_ids(raw)
    return ids[len(ids) // 2]


def test_a_deleted_audit_entry_is_named_by_its_id(app: Flask, tmp_path: Path) -> None:
    build(app)
    path = copy_of(app, tmp_path / "copy.sqlite3")
    gone: list[int] = []

    def delete(raw: sqlite3.Connection) -> None:
        gone.append(_middle(raw))
        raw.execute("DELETE FROM audit_log WHERE id = ?", (gone[0],))

    tamper(path, delete)
    code, report = _verify(service_on(app, path))

    assert code == 1
    assert f"  Händelse id {gone[0]}: händelserna saknas (borttagna)." in report
    assert "Samtal: 7 kontrollerade" in report and ", 0 med fel." in report
    assert "Resultat: 1 fel." in report


def test_an_edited_audit_entry_is_caught_even_with_its_hash_recomputed(
    app: Flask, tmp_path: Path
) -> None:
    build(app)
    path = copy_of(app, tmp_path / "copy.sqlite3")
    edited: list[int] = []

    def edit(raw: sqlite3.Connection) -> None:
        first = _middle(raw)
        second = first + 2
        edited.extend((first, second))
        raw.execute("UPDATE audit_log SET actor_id = NULL WHERE id = ?", (first,))
        # The hash algorithm is public: the attacker recomputes it, but has no key for the MAC.
        row = dict(raw.execute("SELECT * FROM audit_log WHERE id = ?", (second,)).fetchone())
        row["detail"] = "ingenting hände"
        new_hash = audit.entry_hash(row, row["prev_hash"])
        raw.execute(
            "UPDATE audit_log SET detail = ?, entry_hash = ? WHERE id = ?",
            (row["detail"], new_hash, second),
        )

    tamper(path, edit)
    code, report = _verify(service_on(app, path))

    assert code == 1
    assert f"  Händelse id {edited[0]}: händelsen är ändrad." in report
    assert f"  Händelse id {edited[1]}: händelsen är ändrad (kontrollsumman omräknad)." in report
    # The entry after the recomputed one still links to the hash it had.
    next_link = f"  Händelse id {edited[1] + 1}: länken till händelsen före stämmer inte (ändrad)."
    assert next_link in report


def test_a_truncated_audit_log_is_caught_by_the_anchor_only(app: Flask, tmp_path: Path) -> None:
    build(app)
    anchor = tmp_path / "verify-anchor"
    first_code, _ = _verify(app, "--anchor", str(anchor))  # last night's run
    assert first_code == 0
    anchored = int(anchor.read_text().split()[0])
    path = copy_of(app, tmp_path / "copy.sqlite3")
    tamper(path, lambda raw: raw.execute("DELETE FROM audit_log WHERE id >= ?", (anchored - 3,)))
    copy = service_on(app, path)

    with_anchor, report = _verify(copy, "--anchor", str(anchor))
    assert with_anchor == 1
    assert f"  Ankaret: händelse {anchored}, som förra kontrollen sparade i {anchor}" in report
    assert "granskningsloggen har kortats" in report
    assert int(anchor.read_text().split()[0]) == anchored  # kept, as evidence


def test_without_an_anchor_truncation_shows_only_as_a_gap_after_the_next_entry(
    app: Flask, tmp_path: Path
) -> None:
    build(app)
    path = copy_of(app, tmp_path / "copy.sqlite3")
    cut: list[int] = []

    def truncate(raw: sqlite3.Connection) -> None:
        cut.append(audit_ids(raw)[-3])
        raw.execute("DELETE FROM audit_log WHERE id >= ?", (cut[0],))

    tamper(path, truncate)
    copy = service_on(app, path)

    assert _verify(copy)[0] == 0  # the limit README states: the shorter chain holds
    code, report = _verify(copy)  # the first run's own entry got the next id, past the gap
    assert code == 1
    assert f"  Händelse id {cut[0]}–{cut[0] + 2}: händelserna saknas (borttagna)." in report


def test_a_legitimate_purge_verifies_clean(app: Flask) -> None:
    old = signed_plan(app, "employee_a", "Gammal plan")
    signed_plan(app, "employee_b", "Ny plan")
    held_years_ago(app, old, 5)
    purged = app.test_cli_runner().invoke(args=["purge", "--yes", "--gallringsbeslut", DECISION])
    assert purged.exit_code == 0, purged.output

    code, report = _verify(app)

    assert code == 0, report
    assert "Resultat: allt är helt." in report
    assert [r["object_id"] for r in audit_rows(app) if r["action"] == "record.purge"] == [old.id]


def test_a_rekey_verifies_clean_with_only_the_new_key(app: Flask, tmp_path: Path) -> None:
    old_app = service_on(app, tmp_path / "rotate.sqlite3", SECRET_KEY=OLD)
    load_people(old_app)
    build(old_app)
    rotated = service_on(
        old_app, tmp_path / "rotate.sqlite3", SECRET_KEY=NEW, SECRET_KEY_FALLBACKS=[OLD]
    )
    rekeyed = rotated.test_cli_runner().invoke(args=["rekey"])
    assert rekeyed.exit_code == 0, rekeyed.output

    retired = service_on(old_app, tmp_path / "rotate.sqlite3", SECRET_KEY=NEW)
    code, report = _verify(retired)

    assert code == 0, report
    assert "Resultat: allt är helt." in report
