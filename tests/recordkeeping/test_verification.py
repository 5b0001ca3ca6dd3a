"""A plan document's verification code is checked against the stored, signed version."""

from __future__ import annotations

import re
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskCliRunner

from formserver.documents.plan_document import code as document_code
from formserver.recordkeeping import verification
from formserver.security.keys import key_list
from formserver.store import db, plans
from formserver.store.talks import Talk
from tests.factories import SignIn, conn, signed_in_browser, signer
from tests.recordkeeping.maintenance_helpers import SECRET, audit_rows, signed_plan, write_plan

# --- 5. plan verification codes -------------------------------------------------------------------


def _printed_code(app: Flask, talk: Talk) -> str:
    page = signed_in_browser(app, "employee_a").get(f"/samtal/{talk.id}/plan/utskrift")
    match = re.search(r"Verifieringskod: <strong>([^<]+)</strong>", page.text)
    assert match, page.text
    return match.group(1)


def test_the_code_on_the_document_checks_out_without_showing_content(
    app: Flask, runner: FlaskCliRunner
) -> None:
    talk = signed_plan(app, "employee_a", SECRET)
    code = _printed_code(app, talk)

    result = runner.invoke(args=["verify-plan", code])

    assert result.exit_code == 0, result.output
    lines = result.output.splitlines()
    assert lines[0] == "Koden stämmer: planversion 1 från medarbetarsamtalet 2026."
    signed = re.compile(r"  Underskriven av Karin Chefsberg \(chef\) [\d-]+ kl\. [\d.]+\.")
    assert any(signed.fullmatch(line) for line in lines)
    assert any("Anna Exempelsson (medarbetare)" in x for x in lines)
    assert "UTVECKLINGSM" not in result.output
    entries = [r for r in audit_rows(app) if r["action"] == "plan.verify"]
    assert [(r["object_id"], r["outcome"]) for r in entries] == [(talk.id, "ok")]


def test_the_moved_code_function_makes_the_same_code_as_the_document(app: Flask) -> None:
    talk = signed_plan(app, "employee_a", "Plan")
    [version] = plans.versions(conn(app), talk.id, signer(app, "plan"))

    code = verification.verification_code(key_list(app.config), version.id, version.content_hash)

    with app.test_request_context():
        assert code == document_code(version)
    assert code == _printed_code(app, talk)


@pytest.mark.parametrize(
    "change",
    [
        lambda code: code[:-1] + ("A" if code[-1] != "A" else "B"),
        lambda code: "x" * 16 + code[16:],
        lambda code: code[:-13],
        lambda code: "inte-en-kod",
        lambda code: "",
    ],
    ids=["mac", "version-id", "no-mac", "garbage", "empty"],
)
def test_a_wrong_code_exits_with_1(app: Flask, runner: FlaskCliRunner, change: Any) -> None:
    talk = signed_plan(app, "employee_a", "Plan")

    result = runner.invoke(args=["verify-plan", change(_printed_code(app, talk))])

    assert result.exit_code == 1
    assert "Koden stämmer inte med någon sparad planversion." in result.output


def test_a_code_starting_with_a_dash_is_read_as_a_code(
    app: Flask, runner: FlaskCliRunner, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Ids are URL-safe base64: about one in 64 starts with "-", which looks like an option.
    monkeypatch.setattr(plans, "new_id", lambda: "-Xb3" + db.new_id()[4:])
    talk = signed_plan(app, "employee_a", "Plan")
    code = _printed_code(app, talk)
    assert code.startswith("-Xb3")

    result = runner.invoke(args=["verify-plan", code])

    assert result.exit_code == 0, result.output
    assert result.output.startswith("Koden stämmer: planversion 1")


def test_a_code_printed_before_a_key_rotation_still_checks_out(
    app: Flask, runner: FlaskCliRunner
) -> None:
    talk = signed_plan(app, "employee_a", "Plan")
    code = _printed_code(app, talk)
    app.config["SECRET_KEY_FALLBACKS"] = [app.config["SECRET_KEY"]]
    app.config["SECRET_KEY"] = "a-new-key-" + "y" * 32

    result = runner.invoke(args=["verify-plan", code])

    assert result.exit_code == 0, result.output
    assert _printed_code(app, talk) != code


def test_an_older_version_says_a_newer_one_exists(
    app: Flask, signed_in: SignIn, runner: FlaskCliRunner
) -> None:
    talk = signed_plan(app, "employee_a", "Plan")
    code = _printed_code(app, talk)
    write_plan(signed_in("manager"), talk, "Ändrad efter underskriften")

    result = runner.invoke(args=["verify-plan", code])

    assert result.exit_code == 0, result.output
    assert "Den senaste är version 2." in result.output


def test_a_tampered_plan_is_refused_and_audited(app: Flask, runner: FlaskCliRunner) -> None:
    talk = signed_plan(app, "employee_a", "Plan")
    code = _printed_code(app, talk)
    conn(app).execute("DROP TRIGGER plan_versions_sealed")  # as someone with file access could
    conn(app).execute("UPDATE plan_versions SET mac = 'fel' WHERE talk_id = ?", (talk.id,))

    result = runner.invoke(args=["verify-plan", code])

    assert result.exit_code == 1
    assert "har ändrats utanför tjänsten" in result.output
    failures = [r for r in audit_rows(app) if r["action"] == "record.verify"]
    assert [(r["object_type"], r["outcome"]) for r in failures] == [("plan", "failed")]
