"""Deleting, reordering or swapping a talk's records in a copy of the database is caught: the
plan page refuses with an audit entry, `verify-plan` fails and `formserver verify` names it."""

from __future__ import annotations

import io
import json
import sqlite3
import zipfile
from collections.abc import Callable
from pathlib import Path

import pytest
from flask import Flask

from formserver.documents import plan_document
from formserver.documents.plan_record import REFUSED_FILE
from formserver.store import chains
from tests.factories import conn, signed_in_browser, signer
from tests.recordkeeping.chain_helpers import (
    Records,
    build,
    copy_of,
    service_on,
    tamper,
    version_ids,
)
from tests.recordkeeping.maintenance_helpers import audit_rows

REFUSED = "Planen är inte hel: en version eller en underskrift har tagits bort eller flyttats"


def _delete_signature(raw: sqlite3.Connection, r: Records) -> str:
    # Bo's plan would then read "har inte skrivit under" for him.
    [version] = version_ids(raw, r.once)
    raw.execute(
        "DELETE FROM signatures WHERE plan_version_id = ? AND role = 'employee'", (version,)
    )
    return r.once.id


def _delete_signature_and_recompute_head(raw: sqlite3.Connection, r: Records) -> str:
    # The attacker knows the (keyless) link algorithm: the head now points at what is left.
    [version] = version_ids(raw, r.once)
    raw.execute(
        "DELETE FROM signatures WHERE plan_version_id = ? AND role = 'employee'", (version,)
    )
    manager = raw.execute(
        "SELECT * FROM signatures WHERE plan_version_id = ?", (version,)
    ).fetchone()
    head = chains.signature_link(version, manager, manager["prev_hash"])
    raw.execute(
        "UPDATE talks SET chain_head = ?, chain_length = chain_length - 1 WHERE id = ?",
        (head, r.once.id),
    )
    return r.once.id


def _delete_newest_version(raw: sqlite3.Connection, r: Records) -> str:
    # Anna's agreement rolls back to version 1.
    newest = version_ids(raw, r.twice)[-1]
    raw.execute("DELETE FROM signatures WHERE plan_version_id = ?", (newest,))
    raw.execute("DELETE FROM plan_versions WHERE id = ?", (newest,))
    return r.twice.id


def _reorder_versions(raw: sqlite3.Connection, r: Records) -> str:
    first, second = version_ids(raw, r.twice)
    raw.execute("UPDATE plan_versions SET number = -1 WHERE id = ?", (first,))
    raw.execute("UPDATE plan_versions SET number = 1 WHERE id = ?", (second,))
    raw.execute("UPDATE plan_versions SET number = 2 WHERE id = ?", (first,))
    return r.twice.id


def _swap_heads(raw: sqlite3.Connection, r: Records) -> str:
    columns = "chain_head, chain_length, chain_mac"
    a = raw.execute(f"SELECT {columns} FROM talks WHERE id = ?", (r.twice.id,)).fetchone()
    b = raw.execute(f"SELECT {columns} FROM talks WHERE id = ?", (r.once.id,)).fetchone()
    for talk_id, values in ((r.twice.id, b), (r.once.id, a)):
        raw.execute(
            "UPDATE talks SET chain_head = ?, chain_length = ?, chain_mac = ? WHERE id = ?",
            (*values, talk_id),
        )
    return r.twice.id


ATTACKS: dict[str, Callable[[sqlite3.Connection, Records], str]] = {
    "signature-deleted": _delete_signature,
    "signature-deleted-head-recomputed": _delete_signature_and_recompute_head,
    "newest-version-deleted": _delete_newest_version,
    "versions-reordered": _reorder_versions,
    "heads-swapped": _swap_heads,
}


HEAD_MAC = "kedjans huvud stämmer inte med sin MAC"
REASONS = {
    "signature-deleted": "en planversion eller underskrift saknas",
    "signature-deleted-head-recomputed": HEAD_MAC,
    "newest-version-deleted": "en planversion eller underskrift saknas",
    "versions-reordered": "planversionerna har bytt plats (omnumrerade)",
    "heads-swapped": HEAD_MAC,
}


@pytest.mark.parametrize("attack", ATTACKS, ids=list(ATTACKS))
def test_a_tampered_chain_is_refused_everywhere(app: Flask, tmp_path: Path, attack: str) -> None:
    records = build(app)
    path = copy_of(app, tmp_path / "copy.sqlite3")
    target: list[str] = []
    tamper(path, lambda raw: target.append(ATTACKS[attack](raw, records)))
    copy = service_on(app, path)
    reader = "employee_a" if target[0] == records.twice.id else "employee_b"

    page = signed_in_browser(copy, reader).get(f"/samtal/{target[0]}/plan")

    assert page.status_code == 500
    assert "Uppgifterna kunde inte visas" in page.text and REFUSED in page.text
    assert "Lära mig" not in page.text and "Bos plan" not in page.text
    refusals = [r for r in audit_rows(copy) if r["action"] == "record.verify"]
    assert [(r["object_id"], r["outcome"]) for r in refusals] == [(target[0], "tampered")]

    code = records.first_code if target[0] == records.twice.id else records.once_code
    checked = copy.test_cli_runner().invoke(args=["verify-plan", code])
    assert checked.exit_code == 1
    assert f"Planen i samtalet {target[0]} är inte hel" in checked.output
    assert "Koden stämmer" not in checked.output

    both = attack == "heads-swapped"  # each talk now has the other's head
    # The manager's zip of the team leaves the plan out and names it: never an older agreement.
    zipped = signed_in_browser(copy, "manager").get(
        f"/chef/samtalsomgangar/{records.twice.round_id}/planer.zip"
    )
    assert zipped.status_code == 200
    with zipfile.ZipFile(io.BytesIO(zipped.get_data())) as archive:
        names = archive.namelist()
        note = archive.read(REFUSED_FILE).decode()
    talks = (records.twice, records.once)
    left_out = set(talks) if both else {t for t in talks if t.id == target[0]}
    for talk in talks:
        assert (talk.employee_name in note) == (talk in left_out)
        assert (plan_document.file_name(talk) in names) == (talk not in left_out)
    zip_refusals = [r for r in audit_rows(copy) if r["detail"].startswith("zip; ")]
    assert {r["object_id"] for r in zip_refusals} == {t.id for t in left_out}

    verified = copy.test_cli_runner().invoke(args=["verify", "--quiet"])
    assert verified.exit_code == 1, verified.output
    assert f"Samtal {target[0]}: kedjan är bruten: {REASONS[attack]}" in verified.stdout
    assert f"Resultat: {2 if both else 1} fel." in verified.stdout, verified.stdout
    if both:
        assert f"Samtal {records.once.id}: kedjan är bruten" in verified.stdout


def test_a_plan_deleted_whole_with_its_head_is_named_by_verify(app: Flask, tmp_path: Path) -> None:
    records = build(app)
    path = copy_of(app, tmp_path / "copy.sqlite3")

    def erase(raw: sqlite3.Connection) -> None:
        ids = version_ids(raw, records.once)
        raw.execute(
            f"DELETE FROM signatures WHERE plan_version_id IN ({','.join('?' * len(ids))})", ids
        )
        raw.execute("DELETE FROM plan_versions WHERE talk_id = ?", (records.once.id,))
        raw.execute(
            "UPDATE talks SET chain_head = NULL, chain_length = 0, chain_mac = NULL, "
            "signed_at = NULL WHERE id = ?",
            (records.once.id,),
        )

    tamper(path, erase)
    verified = service_on(app, path).test_cli_runner().invoke(args=["verify", "--quiet"])

    assert verified.exit_code == 1
    assert f"Samtal {records.once.id}: granskningsloggen visar 2 underskrifter, planen har 0" in (
        verified.stdout
    )


def test_an_untouched_copy_verifies_clean(app: Flask, tmp_path: Path) -> None:
    build(app)
    copy = service_on(app, copy_of(app, tmp_path / "copy.sqlite3"))

    verified = copy.test_cli_runner().invoke(args=["verify"])

    assert verified.exit_code == 0, verified.output
    assert "Kontrollerar samtal 1 av" in verified.stderr
    assert ", 0 med fel." in verified.stdout and "Resultat: allt är helt." in verified.stdout
    [run] = [r for r in audit_rows(copy) if r["action"] == "records.verify_all"]
    assert run["outcome"] == "ok"


def test_records_from_before_chains_are_chained_once_their_macs_verify(
    app: Flask, tmp_path: Path
) -> None:
    records = build(app)
    path = copy_of(app, tmp_path / "old.sqlite3")
    plan_signer = signer(app, "plan")

    def as_before_chains(raw: sqlite3.Connection) -> None:
        # What a database migrated from 0008 holds: no links, MACs without prev_hash.
        for v in raw.execute("SELECT * FROM plan_versions").fetchall():
            content = chains.version_mac_content(
                v["talk_id"], v["number"], json.loads(v["content"]), None
            )
            raw.execute(
                "UPDATE plan_versions SET prev_hash = NULL, mac = ? WHERE id = ?",
                (plan_signer.mac(content), v["id"]),
            )
        for s in raw.execute("SELECT * FROM signatures").fetchall():
            mac = plan_signer.mac(chains.signature_mac_content(s, None))
            raw.execute(
                "UPDATE signatures SET prev_hash = NULL, mac = ? WHERE id = ?", (mac, s["id"])
            )
        raw.execute("UPDATE talks SET chain_head = NULL, chain_length = 0, chain_mac = NULL")
        # One of Bo's records was changed before the upgrade: it must not be chained.
        raw.execute(
            "UPDATE signatures SET comment = 'ändrad' WHERE plan_version_id = ?",
            (version_ids(raw, records.once)[0],),
        )

    tamper(path, as_before_chains)
    upgraded = service_on(app, path)

    anna = signed_in_browser(upgraded, "employee_a").get(f"/samtal/{records.twice.id}/plan")
    assert anna.status_code == 200
    bo = signed_in_browser(upgraded, "employee_b").get(f"/samtal/{records.once.id}/plan")
    assert bo.status_code == 500
    [chained] = [r for r in audit_rows(upgraded) if r["action"] == "records.chain"]
    assert chained["detail"] == "1 samtal fick kedjor, 1 kunde inte"
    head = (
        conn(upgraded)
        .execute("SELECT chain_length FROM talks WHERE id = ?", (records.twice.id,))
        .fetchone()
    )
    assert head[0] == 6  # two versions, each signed by both
    verified = upgraded.test_cli_runner().invoke(args=["verify", "--quiet"])
    assert verified.exit_code == 1
    assert f"Samtal {records.once.id}: kedjan är bruten: planens poster saknar kedja" in (
        verified.stdout
    )
    assert f"Samtal {records.twice.id}" not in verified.stdout
