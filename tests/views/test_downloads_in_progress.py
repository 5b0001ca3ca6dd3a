"""A plan changed after both signed stays in the team's JSON and zip: the version both signed,
marked as having a newer version in progress."""

from __future__ import annotations

import io
import json
import zipfile

from flask import Flask
from flask.testing import FlaskClient

from tests.views.downloads_helpers import download, team_url
from tests.views.plan_helpers import (
    WEASYPRINT_ICC_LEAK,
    pdf_text,
    signed_plan,
    write_plan,
)

CHANGED_NOTE = "Anna har bytt arbetslag sedan samtalet."


def changed_after_signing(app: Flask) -> tuple[str, FlaskClient]:
    """A's plan signed by both (version 1), then changed by the manager (version 2)."""
    talk, manager, _ = signed_plan(app)
    changed = write_plan(manager, talk, notes={"arbetssituation": CHANGED_NOTE})
    assert changed.status_code == 302, changed.text
    return talk.round_id, manager


def test_the_json_has_the_version_both_signed_and_says_a_newer_one_is_in_progress(
    app: Flask,
) -> None:
    round_id, manager = changed_after_signing(app)

    status, _, body = download(manager, team_url(round_id, "planer.json"))

    assert status == 200
    (plan,) = json.loads(body)["plans"]
    assert plan["plan_version"] == 1
    assert plan["newer_version_in_progress"] is True
    assert set(plan["signatures"]) == {"employee", "manager"}
    assert CHANGED_NOTE not in body.decode("utf-8")


def test_a_plan_signed_in_its_newest_version_has_nothing_in_progress(app: Flask) -> None:
    talk, manager, _ = signed_plan(app)
    _, _, body = download(manager, team_url(talk.round_id, "planer.json"))
    (plan,) = json.loads(body)["plans"]
    assert (plan["plan_version"], plan["newer_version_in_progress"]) == (1, False)


@WEASYPRINT_ICC_LEAK
def test_the_zip_has_the_pdf_both_signed_and_a_note_naming_the_plan_in_progress(
    app: Flask,
) -> None:
    round_id, manager = changed_after_signing(app)

    status, _, body = download(manager, team_url(round_id, "planer.zip"))

    assert status == 200
    archive = zipfile.ZipFile(io.BytesIO(body))
    names = archive.namelist()
    assert "nyare-versioner-pagar.txt" in names
    note = archive.read("nyare-versioner-pagar.txt").decode("utf-8")
    assert "- Anna Exempelsson" in note
    assert "den senaste versionen som båda har skrivit under" in note
    (pdf_name,) = [n for n in names if n.endswith(".pdf")]
    text = pdf_text(archive.read(pdf_name))
    assert "Version 1" in text
    assert CHANGED_NOTE not in text
