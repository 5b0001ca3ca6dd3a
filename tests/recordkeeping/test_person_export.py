"""A person's full export (GDPR access) holds everything about them and nothing else."""

from __future__ import annotations

import hashlib
import io
import json
import stat
from datetime import timedelta
from pathlib import Path
from typing import Any

from flask import Flask
from flask.testing import FlaskCliRunner
from pypdf import PdfReader

from formserver.store import audit, db
from formserver.store import reminders as reminder_store
from formserver.store.talks import Talk
from tests.factories import conn, person
from tests.recordkeeping.maintenance_helpers import (
    ABOUT_ANNA,
    ABOUT_BO,
    ANNA,
    ANNA_PLAN,
    BO,
    DORA,
    WEASYPRINT_ICC_LEAK,
    WHY_DORA,
    add_by_hand,
    audit_rows,
    follow_up,
    hire,
    prepare,
    signed_plan,
)
from tests.views.test_languages_documents import chooses

# --- 3. a person's full export (GDPR access) ------------------------------------------------------


def _two_employees(app: Flask) -> tuple[Talk, Talk]:
    prepare(app, "employee_a", "employee_a", ANNA)
    prepare(app, "employee_a", "manager", ABOUT_ANNA, submit=False)
    anna = signed_plan(app, "employee_a", ANNA_PLAN)
    follow_up(app, anna, ANNA_PLAN)
    prepare(app, "employee_b", "employee_b", BO)
    prepare(app, "employee_b", "manager", ABOUT_BO)
    bo = signed_plan(app, "employee_b", BO)
    return anna, bo


def _export(app: Flask, out: Path, role: str) -> tuple[dict[str, Any], bytes, bytes]:
    return _export_of(app, out, person(app, role).email)


def _export_of(app: Flask, out: Path, email: str) -> tuple[dict[str, Any], bytes, bytes]:
    """The export's JSON (parsed and raw) and registerutdrag PDF; the stored plan PDFs beside
    them are checked against the SHA-256 the JSON gives for each."""
    result = app.test_cli_runner().invoke(args=["export-person", email.upper(), "--out", str(out)])
    assert result.exit_code == 0, result.output
    files = {f.name: f for f in out.iterdir()}
    for file in files.values():
        assert stat.S_IMODE(file.stat().st_mode) == 0o600
    [json_name] = [n for n in files if n.endswith(".json")]
    pdf_name = json_name.removesuffix(".json") + ".pdf"
    raw = files[json_name].read_bytes()
    data = json.loads(raw)
    stored = {
        v["stored_pdf"]["file"]: v["stored_pdf"]["sha256"]
        for t in data["talks"]
        for v in t["plan_versions"]
        if "stored_pdf" in v
    }
    assert set(files) - {json_name, pdf_name} == set(stored)
    for name, sha256 in stored.items():
        assert hashlib.sha256(files[name].read_bytes()).hexdigest() == sha256
    return data, raw, files[pdf_name].read_bytes()


@WEASYPRINT_ICC_LEAK
def test_an_employees_export_holds_everything_about_them(app: Flask, tmp_path: Path) -> None:
    anna, _ = _two_employees(app)
    data, raw, _ = _export(app, tmp_path / "ut", "employee_a")

    assert data["person"]["email"] == "anna.exempelsson@example.se"
    assert data["person"]["employee_number"] == "A1"
    [entry] = data["talks"]
    talk = entry["talk"]
    assert (entry["role"], talk["id"], talk["year"], talk["employee_name"]) == (
        "employee",
        anna.id,
        2026,
        "Anna Exempelsson",
    )
    answers = {p["author_role"]: p["answers"]["halsa"]["value"] for p in entry["preparations"]}
    assert answers == {"employee": ANNA, "manager": ABOUT_ANNA}
    [version] = entry["plan_versions"]
    assert version["content"]["notes"]["arbetssituation"] == f"Anteckning: {ANNA_PLAN}"
    assert {s["role"] for s in version["signatures"]} == {"employee", "manager"}
    assert version["verification_code"].startswith(version["id"] + "-")
    assert [f["result"] for f in entry["followups"]] == [f"Resultat: {ANNA_PLAN}"]
    actions = {(e["action"], e["actor_id"]) for e in data["audit_log"]}
    anna_id, manager_id = person(app, "employee_a").id, person(app, "manager").id
    assert ("plan.sign", anna_id) in actions and ("plan.sign", manager_id) in actions
    assert ("sign_in", anna_id) in actions
    assert data["names"][manager_id] == "Karin Chefsberg"
    assert data["sign_in_links"] and data["sessions"]


@WEASYPRINT_ICC_LEAK
def test_an_employees_export_holds_nothing_about_anyone_else(app: Flask, tmp_path: Path) -> None:
    anna, bo = _two_employees(app)
    data, raw, pdf = _export(app, tmp_path / "ut", "employee_a")

    text = raw.decode()
    for other in (BO, ABOUT_BO, bo.id, "Bo Provsson", "bo.provsson@example.se"):
        assert other not in text
    anna_ids = {anna.id, person(app, "employee_a").id}
    rows = conn(app).execute("SELECT id FROM preparations WHERE talk_id = ?", (anna.id,))
    record_ids = {r[0] for r in rows} | {v["id"] for v in data["talks"][0]["plan_versions"]}
    for entry in data["audit_log"]:
        assert entry["actor_id"] == person(app, "employee_a").id or entry["object_id"] in (
            anna_ids | record_ids
        ), entry
    # Only metadata of links and sessions: the stored hashes never leave the database.
    hashes = [r[0] for r in conn(app).execute("SELECT nonce_hash FROM sign_in_links")]
    hashes += [r[0] for r in conn(app).execute("SELECT id_hash FROM sessions")]
    assert hashes and not [h for h in hashes if h in text]
    assert "nonce_hash" not in text and "id_hash" not in text and '"mac"' not in text
    assert BO not in _pdf_text(pdf)


def _pdf_text(pdf: bytes) -> str:
    reader = PdfReader(io.BytesIO(pdf))
    return "".join("".join(page.extract_text().split()) for page in reader.pages)


@WEASYPRINT_ICC_LEAK
def test_the_pdf_is_a_readable_swedish_summary(app: Flask, tmp_path: Path) -> None:
    _two_employees(app)
    _, _, pdf = _export(app, tmp_path / "ut", "employee_a")

    assert pdf.startswith(b"%PDF-")
    text = _pdf_text(pdf)
    for expected in ("RegisterutdragförAnnaExempelsson", ANNA, ABOUT_ANNA, ANNA_PLAN):
        assert expected in text, expected
    assert "Granskningslogg" in text
    assert "Sida1av" in text  # the page footer comes from document.css: the stylesheet loaded
    # The log in words and the times in Swedish time: no codes, no "UTC".
    for words in (
        "Underskriftavplanen",
        "Inloggning",
        "Genomfört",
        "Samtaletmarkeradessomgenomfört",
    ):
        assert words in text, words
    for code in ("plan.sign", "sign_in", "talk.held", "UTC"):
        assert code not in text, code


@WEASYPRINT_ICC_LEAK
def test_a_managers_export_has_their_talks_and_only_their_own_preparations(
    app: Flask, tmp_path: Path
) -> None:
    anna, bo = _two_employees(app)
    data, raw, _ = _export(app, tmp_path / "ut", "manager")

    assert {(t["role"], t["talk"]["id"]) for t in data["talks"]} >= {
        ("manager", anna.id),
        ("manager", bo.id),
    }
    written = {
        p["answers"]["halsa"]["value"]
        for t in data["talks"]
        for p in t["preparations"]
        if p["author_role"] == "manager"
    }
    assert written == {ABOUT_ANNA, ABOUT_BO}
    assert ANNA not in raw.decode() and BO.encode() in raw  # Bo's text is in the signed plan
    assert all(p["author_role"] == "manager" for t in data["talks"] for p in t["preparations"])


@WEASYPRINT_ICC_LEAK
def test_an_export_is_audited_and_never_overwrites(
    app: Flask, runner: FlaskCliRunner, tmp_path: Path
) -> None:
    _two_employees(app)
    out = tmp_path / "ut"
    _export(app, out, "employee_a")
    entries = [r for r in audit_rows(app) if r["action"] == "person.export"]
    assert [(r["object_id"], r["outcome"]) for r in entries] == [
        (person(app, "employee_a").id, "ok")
    ]
    before = {f.name: f.read_bytes() for f in out.iterdir()}

    again = runner.invoke(
        args=["export-person", person(app, "employee_a").email, "--out", str(out)]
    )

    assert again.exit_code == 1
    assert "finns redan" in again.output
    assert {f.name: f.read_bytes() for f in out.iterdir()} == before


def test_an_export_with_a_tampered_record_is_refused_and_audited(
    app: Flask, runner: FlaskCliRunner, tmp_path: Path
) -> None:
    anna, _ = _two_employees(app)
    conn(app).execute(
        "UPDATE preparations SET answers = ? WHERE talk_id = ? AND author_role = 'employee'",
        (json.dumps({"halsa": {"value": "Ändrad i databasen"}}), anna.id),
    )
    out = tmp_path / "ut"

    result = runner.invoke(
        args=["export-person", person(app, "employee_a").email, "--out", str(out)]
    )

    assert result.exit_code == 1
    assert "har ändrats utanför tjänsten" in result.output
    assert not out.exists() or not list(out.iterdir())
    failures = [r for r in audit_rows(app) if r["action"] == "record.verify"]
    assert [(r["object_type"], r["outcome"]) for r in failures] == [("preparation", "failed")]


def _remind(app: Flask, kind: str, subject: str, role: str, *, sent: bool = True) -> None:
    """A reminder as send-reminders records it: claimed, then marked sent once mailed."""
    key = reminder_store.Key(kind, subject, person(app, role).id)
    now = db.utc_now()
    assert reminder_store.claim(conn(app), key, now, timedelta(hours=1))
    if sent:
        event = audit.Event(
            None, "reminder.sent", "talk", subject, f"{kind} till {key.recipient_id}"
        )
        reminder_store.mark_sent(conn(app), key, now, event)


@WEASYPRINT_ICC_LEAK
def test_an_export_has_the_reminders_sent_to_the_person_in_swedish_and_no_links(
    app: Flask, tmp_path: Path
) -> None:
    anna, bo = _two_employees(app)
    _remind(app, "plan_unsigned", anna.id, "employee_a")
    _remind(app, "preparation_employee", f"{anna.id}@2026-11-02", "employee_a", sent=False)
    _remind(app, "plan_unsigned", bo.id, "employee_b")
    data, raw, pdf = _export(app, tmp_path / "ut", "employee_a")

    [reminder] = data["reminders"]  # the claim not yet mailed is no sent reminder; Bo's is his
    assert (reminder["kind"], reminder["description"]) == (
        "plan_unsigned",
        "Plan inte underskriven",
    )
    assert reminder["sent_at"]
    assert "http" not in json.dumps(data["reminders"])
    text = _pdf_text(pdf)
    assert "Påminnelser" in text and "Planinteunderskriven" in text
    assert "Förberedelseinteinskickad" not in text


@WEASYPRINT_ICC_LEAK
def test_the_export_of_someone_who_works_in_english_is_in_english(
    app: Flask, tmp_path: Path
) -> None:
    anna, _ = _two_employees(app)
    chooses(app, "employee_a", "en")
    _remind(app, "plan_unsigned", anna.id, "employee_a")
    data, _, pdf = _export(app, tmp_path / "ut", "employee_a")

    # The JSON beside the PDF: the codes as stored, their descriptions in the person's language.
    described = {(e["action"], e["outcome"]): e for e in data["audit_log"]}
    sign = described[("plan.sign", "ok")]
    assert (sign["description"], sign["outcome_description"]) == ("Signature of the plan", "Done")
    assert described[("person.language", "ok")]["description"] == (
        "Chose a language for the form service"
    )
    [reminder] = data["reminders"]
    assert reminder["description"] == "Plan not signed"
    text = _pdf_text(pdf)
    for words in ("Signatureoftheplan", "Signedin", "Done", "Thedialoguewasmarkedasheld"):
        assert words in text, words
    for swedish in ("Underskriftavplanen", "Inloggning", "Genomfört", "Planinteunderskriven"):
        assert swedish not in text, swedish
    assert "Plannotsigned" in text


@WEASYPRINT_ICC_LEAK
def test_an_export_has_the_additions_by_hand_of_the_added_and_of_the_one_who_added(
    app: Flask, tmp_path: Path
) -> None:
    [dora_id] = hire(app, DORA)
    add_by_hand(app, dora_id, WHY_DORA)
    hr_id = person(app, "hr").id

    data, _, pdf = _export_of(app, tmp_path / "dora", "dora.korttid@example.se")
    [addition] = data["round_additions"]
    assert (addition["role"], addition["employee_id"], addition["reason"]) == (
        "employee",
        dora_id,
        WHY_DORA,
    )
    assert (addition["added_by"], addition["added_by_name"], addition["year"]) == (
        hr_id,
        "Hanna Personalsson",
        2026,
    )
    assert addition["talk_id"] == data["talks"][0]["talk"]["id"]
    text = _pdf_text(pdf)
    assert "Tillagdisamtalsomgångförhand" in text and WHY_DORA in text
    assert "HannaPersonalsson" in text

    data, _, _ = _export(app, tmp_path / "hanna", "hr")
    [addition] = data["round_additions"]
    assert (addition["role"], addition["employee_name"], addition["reason"]) == (
        "added_by",
        "Dora Korttid",
        WHY_DORA,
    )

    data, raw, _ = _export(app, tmp_path / "anna", "employee_a")
    assert data["round_additions"] == [] and WHY_DORA not in raw.decode()


def test_an_unknown_address_is_refused(runner: FlaskCliRunner, tmp_path: Path) -> None:
    result = runner.invoke(
        args=["export-person", "ingen@example.se", "--out", str(tmp_path / "ut")]
    )
    assert result.exit_code == 1
    assert "Ingen med e-postadressen ingen@example.se finns i personallistan." in result.output
