"""A signed plan's PDF is rendered once, at signing, stored with its SHA-256, and every
download, the team's zip, the e-mailed copy and the export hand out exactly those bytes."""

from __future__ import annotations

import hashlib
import io
import sqlite3
import zipfile
from collections.abc import Callable
from email.message import EmailMessage
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskCliRunner

from formserver.documents import plan_document
from formserver.store import plan_pdfs
from tests.factories import conn, signer
from tests.smtp import LoopbackSMTP
from tests.views.downloads_helpers import download, team_url
from tests.views.plan_helpers import (
    NOT_VERIFIED,
    WEASYPRINT_ICC_LEAK,
    held_plan,
    plan_url,
    sign_plan,
    signed_plan,
    versions,
)
from tests.views.prepare_helpers import audit_since, last_audit_id

pytestmark = WEASYPRINT_ICC_LEAK


@pytest.fixture
def renders(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """The ids of the plan versions rendered to PDF, in order (the renderer is counted)."""
    rendered: list[str] = []
    render: Callable[..., bytes] = plan_document.pdf

    def counted(talk: Any, version: Any) -> bytes:
        rendered.append(version.id)
        return render(talk, version)

    monkeypatch.setattr(plan_document, "pdf", counted)
    return rendered


def _stored(app: Flask) -> list[sqlite3.Row]:
    return conn(app).execute("SELECT * FROM plan_pdfs").fetchall()


def _zip_files(body: bytes) -> dict[str, bytes]:
    with zipfile.ZipFile(io.BytesIO(body)) as archive:
        return {name: archive.read(name) for name in archive.namelist()}


def test_a_plan_is_rendered_once_at_signing_and_every_copy_is_the_stored_bytes(
    mail_app: Flask, smtp_server: LoopbackSMTP, renders: list[str]
) -> None:
    talk, manager, employee = held_plan(mail_app)
    assert sign_plan(manager, talk).status_code == 302
    assert renders == [] and _stored(mail_app) == []

    assert sign_plan(employee, talk).status_code == 302

    (version,) = versions(mail_app, talk)
    assert renders == [version.id]
    [row] = _stored(mail_app)
    stored = bytes(row["pdf"])
    assert (row["plan_version_id"], row["language"]) == (version.id, "sv")
    assert row["sha256"] == hashlib.sha256(stored).hexdigest()
    [message] = [m for m in smtp_server.messages if "underskrivna plan" in m["Subject"]]
    assert isinstance(message, EmailMessage)
    [attachment] = list(message.iter_attachments())
    assert isinstance(attachment, EmailMessage) and attachment.get_content() == stored
    for browser in (manager, employee, manager):
        assert browser.get(plan_url(talk, ".pdf")).get_data() == stored
    status, _, body = download(manager, team_url(talk.round_id, "planer.zip"))
    assert status == 200
    assert _zip_files(body) == {plan_document.file_name(talk): stored}
    assert renders == [version.id]  # four downloads and a zip later: still the one render
    # The SHA-256 anyone can compare with `sha256sum`, as verify-plan shows it.
    with mail_app.test_request_context():
        code = plan_document.code(version)
    checked = mail_app.test_cli_runner().invoke(args=["verify-plan", code])
    assert f"Den sparade PDF-filens SHA-256: {row['sha256']}" in checked.output


def test_a_version_not_signed_by_both_is_rendered_when_asked_and_never_stored(
    app: Flask, renders: list[str]
) -> None:
    talk, manager, _ = held_plan(app)
    assert sign_plan(manager, talk).status_code == 302

    first = manager.get(plan_url(talk, ".pdf"))
    second = manager.get(plan_url(talk, ".pdf"))

    assert first.status_code == second.status_code == 200
    assert first.get_data().startswith(b"%PDF-")
    assert len(renders) == 2
    assert _stored(app) == []


def test_the_first_stored_copy_wins_and_is_never_stored_twice(app: Flask) -> None:
    talk, _, _ = signed_plan(app)
    (version,) = versions(app, talk)
    kind = signer(app, "plan_pdf")
    [row] = _stored(app)

    again = plan_pdfs.store(conn(app), version.id, version.content_hash, b"%PDF-other", kind)

    assert again.pdf == bytes(row["pdf"]) and again.sha256 == row["sha256"]
    assert len(_stored(app)) == 1


def test_the_database_refuses_to_change_or_delete_a_stored_copy(app: Flask) -> None:
    signed_plan(app)
    half, manager, _ = held_plan(app, "employee_b")
    assert sign_plan(manager, half).status_code == 302
    (half_signed,) = versions(app, half)
    db = conn(app)

    for sql in (
        "UPDATE plan_pdfs SET pdf = X'00'",
        "UPDATE plan_pdfs SET sha256 = 'x'",
        "DELETE FROM plan_pdfs",
    ):
        with pytest.raises(sqlite3.IntegrityError):
            db.execute(sql)
    # Only a version both signed has one: a version one of them signed cannot get a copy.
    with pytest.raises(sqlite3.IntegrityError, match="signed by both"):
        db.execute(
            "INSERT INTO plan_pdfs (plan_version_id, pdf, sha256, mac, rendered_at) "
            "VALUES (?, X'00', '', '', '')",
            (half_signed.id,),
        )
    assert len(_stored(app)) == 1


FIVE_BYTES_SHA256 = hashlib.sha256(b"%PDF-").hexdigest()


def _tamper(app: Flask, sql: str) -> None:
    """Change the stored copy as someone with the database file could (triggers dropped)."""
    db = conn(app)
    db.execute("DROP TRIGGER plan_pdfs_final")
    db.execute(sql)


@pytest.mark.parametrize(
    "sql",
    [
        # The bytes changed: their SHA-256 no longer matches.
        "UPDATE plan_pdfs SET pdf = CAST(replace(CAST(pdf AS TEXT), 'PDF', 'PDX') AS BLOB)",
        # Bytes and hash changed together: the MAC no longer matches.
        f"UPDATE plan_pdfs SET pdf = X'255044462D', sha256 = '{FIVE_BYTES_SHA256}'",
    ],
    ids=["bytes", "bytes-and-hash"],
)
def test_a_stored_copy_changed_in_the_database_is_refused_and_audited(app: Flask, sql: str) -> None:
    talk, manager, employee = signed_plan(app)
    _tamper(app, sql)
    before = last_audit_id(app)

    response = employee.get(plan_url(talk, ".pdf"))

    assert response.status_code == 500
    assert NOT_VERIFIED in response.text
    assert not response.get_data().startswith(b"%PDF")
    failed = [r for r in audit_since(app, before) if r["action"] == "record.verify"]
    assert [(r["object_type"], r["outcome"]) for r in failed] == [("plan_pdf", "failed")]
    # In the team's zip the plan is left out, and a note says which and why.
    status, _, body = download(manager, team_url(talk.round_id, "planer.zip"))
    files = _zip_files(body)
    assert status == 200 and plan_document.file_name(talk) not in files
    note = files["planer-som-inte-kunde-kontrolleras.txt"].decode()
    assert "har ändrats utanför formulärtjänsten" in note and talk.employee_name in note


def test_render_pdfs_stores_the_missing_copies_once(
    app: Flask, runner: FlaskCliRunner, renders: list[str]
) -> None:
    talk_a, _, _ = signed_plan(app)
    talk_b, _, _ = signed_plan(app, "employee_b")
    # Signed before copies were stored: no copy for either.
    db = conn(app)
    db.execute("DROP TRIGGER plan_pdfs_kept")
    db.execute("DELETE FROM plan_pdfs")
    renders.clear()

    first = runner.invoke(args=["render-pdfs"])

    assert first.exit_code == 0, first.output
    assert "2 planer som båda har skrivit under saknar en sparad PDF-fil." in first.output
    assert "1 av 2" in first.output and "2 av 2" in first.output
    stored = {r["plan_version_id"]: bytes(r["pdf"]) for r in _stored(app)}
    ids = {versions(app, t)[0].id for t in (talk_a, talk_b)}
    assert set(stored) == ids and sorted(renders) == sorted(ids)
    ran = [r for r in audit_since(app, 0) if r["action"] == "records.render_pdfs"]
    assert [(r["outcome"], r["detail"]) for r in ran] == [("ok", "2 planer")]

    again = runner.invoke(args=["render-pdfs"])

    assert again.exit_code == 0, again.output
    assert "redan en sparad PDF-fil" in again.output
    assert len(renders) == 2
    assert {r["plan_version_id"]: bytes(r["pdf"]) for r in _stored(app)} == stored
