"""The manager's downloads: the zip of signed PDFs, the CSV overview and the JSON for HR."""

from __future__ import annotations

import io
import json
import re
import zipfile

import pytest
from flask import Flask

from tests.factories import SignIn, conn, person, talk_of
from tests.views.downloads_helpers import (
    B_NOTE,
    OVERVIEW_HEADER,
    a_signed_b_not,
    assert_all_quoted,
    assert_download_headers,
    audited,
    csv_rows,
    download,
    team_url,
)
from tests.views.plan_helpers import (
    CHALLENGE,
    GOAL,
    NOTE,
    WEASYPRINT_ICC_LEAK,
    held_plan,
    pdf_text,
    signed_plan,
    versions,
)
from tests.views.prepare_helpers import last_audit_id

# --- the zip of signed PDFs --------------------------------------------------------------------


@WEASYPRINT_ICC_LEAK
def test_the_zip_holds_one_pdf_per_plan_signed_by_both_and_nothing_else(app: Flask) -> None:
    round_id, manager = a_signed_b_not(app)
    before = last_audit_id(app)

    status, headers, body = download(manager, team_url(round_id, "planer.zip"))

    assert status == 200
    assert_download_headers(headers, "application/zip", "planer-2026.zip")
    with zipfile.ZipFile(io.BytesIO(body)) as archive:
        assert archive.testzip() is None
        assert archive.namelist() == ["plan-2026-anna-exempelsson.pdf"]
        pdf = archive.read("plan-2026-anna-exempelsson.pdf")
    assert pdf.startswith(b"%PDF-")
    text = pdf_text(pdf)
    assert NOTE in text and GOAL in text and CHALLENGE in text
    assert "Anna Exempelsson" in text
    assert B_NOTE not in text
    assert audited(app, before, "team.download") == [
        (person(app, "manager").id, "ok", round_id, "zip")
    ]


@WEASYPRINT_ICC_LEAK
def test_zip_entry_names_are_made_by_the_server(app: Flask, signed_in: SignIn) -> None:
    talk_b, _, _ = signed_plan(app, "employee_b", note=B_NOTE)
    conn(app).execute(
        "UPDATE people SET name = ? WHERE id = ?",
        ('Bo "Örn" ../../etc/Provsson\r\nX-Header: 1 \\ ok', person(app, "employee_b").id),
    )
    manager = signed_in("manager")

    status, _, body = download(manager, team_url(talk_b.round_id, "planer.zip"))

    assert status == 200
    with zipfile.ZipFile(io.BytesIO(body)) as archive:
        (name,) = archive.namelist()
        assert B_NOTE in pdf_text(archive.read(name))
    assert re.fullmatch(r"[a-z0-9.-]+\.pdf", name), name
    assert name.startswith("plan-2026-bo-orn-")
    assert "/" not in name and "\\" not in name and not name.startswith(".")


def test_a_zip_with_no_signed_plan_is_an_empty_valid_zip(app: Flask) -> None:
    talk, manager, _ = held_plan(app)

    status, _, body = download(manager, team_url(talk.round_id, "planer.zip"))

    assert status == 200
    with zipfile.ZipFile(io.BytesIO(body)) as archive:
        assert archive.namelist() == []


# --- the CSV overview ---------------------------------------------------------------------------


def test_the_overview_csv_is_excel_ready_and_lists_the_team(app: Flask) -> None:
    round_id, manager = a_signed_b_not(app)
    before = last_audit_id(app)

    status, headers, body = download(manager, team_url(round_id, "oversikt.csv"))

    assert status == 200
    assert_download_headers(headers, "text/csv; charset=utf-8", "oversikt-2026.csv")
    assert_all_quoted(body)
    assert body.decode("utf-8").startswith('\ufeff"Medarbetare";"Enhet";"Status";')
    assert csv_rows(body) == [
        OVERVIEW_HEADER,
        # One vocabulary: held talks read by their signatures, not all "Genomförd".
        ["Anna Exempelsson", "Syd", "Underskriven av båda", "", "", "1", "Ja"],
        ["Bo Provsson", "Syd", "Väntar på underskrift", "", "", "1", "Nej"],
    ]
    assert NOTE not in body.decode("utf-8-sig") and B_NOTE not in body.decode("utf-8-sig")
    assert audited(app, before, "team.download") == [
        (person(app, "manager").id, "ok", round_id, "csv")
    ]


@pytest.mark.parametrize(
    "name",
    [
        '=HYPERLINK("http://evil.example")',
        "+1",
        "-1",
        "@SUM(A1)",
        "\tTabb Tabbsson",
        "\rVagn Returnsson",
    ],
    ids=["equals", "plus", "minus", "at", "tab", "cr"],
)
def test_a_name_that_looks_like_a_formula_is_neutralised(
    app: Flask, signed_in: SignIn, name: str
) -> None:
    talk = talk_of(app, "employee_a")
    conn(app).execute(
        "UPDATE people SET name = ? WHERE id = ?", (name, person(app, "employee_a").id)
    )
    manager = signed_in("manager")

    status, _, body = download(manager, team_url(talk.round_id, "oversikt.csv"))

    assert status == 200
    cells = [row[0] for row in csv_rows(body)[1:]]
    assert "'" + name in cells
    assert name not in cells
    raw = body.decode("utf-8-sig")
    assert "\"'" + name.replace('"', '""') + '"' in raw
    if name.startswith("="):
        assert '"\'=HYPERLINK(""http://evil.example"")"' in raw


def test_safe_names_and_places_are_kept_and_a_formula_in_a_place_is_neutralised(
    app: Flask,
    signed_in: SignIn,
) -> None:
    talk = talk_of(app, "employee_a")
    conn(app).execute(
        "UPDATE people SET name = ? WHERE id = ?",
        ("Åsa Öberg-Ärlig", person(app, "employee_a").id),
    )
    conn(app).execute("UPDATE talks SET place = '@rum(1)' WHERE id = ?", (talk.id,))
    manager = signed_in("manager")

    status, _, body = download(manager, team_url(talk.round_id, "oversikt.csv"))

    assert status == 200
    rows = {row[0]: row for row in csv_rows(body)[1:]}
    assert set(rows) == {"Åsa Öberg-Ärlig", "Bo Provsson"}
    assert rows["Åsa Öberg-Ärlig"][4] == "'@rum(1)"
    assert '"Åsa Öberg-Ärlig"' in body.decode("utf-8")


# --- the JSON for the HR system -------------------------------------------------------------------


def test_the_json_holds_the_signed_plans_with_set_and_template_versions(app: Flask) -> None:
    round_id, manager = a_signed_b_not(app)
    (version,) = versions(app, talk_of(app, "employee_a"))
    before = last_audit_id(app)

    status, headers, body = download(manager, team_url(round_id, "planer.json"))

    assert status == 200
    assert_download_headers(headers, "application/json", "planer-2026.json")
    assert b"Anna Exempelsson" in body
    assert "för mycket".encode() in body  # UTF-8 as written, not \u escapes
    data = json.loads(body)
    assert data["round_id"] == round_id
    (plan,) = data["plans"]
    assert plan["question_set"] == {"id": "rutin", "version": 1}
    assert plan["plan_template"] == {"id": "handlingsplan", "version": 1}
    assert plan["plan_version"] == 1
    assert plan["content_hash"] == version.content_hash
    assert plan["content"] == version.content
    assert plan["content"]["notes"] == {"arbetssituation": NOTE}
    assert plan["employee"] == {
        "name": "Anna Exempelsson",
        "email": "anna.exempelsson@example.se",
        "unit": "Syd",
    }
    assert plan["manager"]["name"] == "Karin Chefsberg"
    assert set(plan["signatures"]) == {"employee", "manager"}
    for role, signature in plan["signatures"].items():
        assert signature == {
            "signed_at": version.signatures[role].signed_at,
            "comment": "",
            "content_hash": version.content_hash,
        }
    assert B_NOTE not in body.decode("utf-8")
    assert audited(app, before, "team.download") == [
        (person(app, "manager").id, "ok", round_id, "json")
    ]
