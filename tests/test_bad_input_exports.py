"""Formula cells in exports and line breaks in e-mail headers and file names are made safe."""

from __future__ import annotations

import csv
import email.policy
import io
import re
import zipfile

import pytest
from flask import Flask

from formserver.common.text import clean_line
from formserver.store import db
from formserver.store import plans as plan_store
from tests.bad_input_helpers import WEASYPRINT_ICC_LEAK
from tests.bad_input_targets import SharedService, place_target
from tests.factories import (
    EMAIL,
    SignIn,
    conn,
    csrf_token,
    held_and_signed,
    latest_plan,
    person,
    plan_content,
    save_plan,
    sent_after_response,
    sign_plan,
    signed_in_browser,
    talk_by_year,
)
from tests.smtp import LoopbackSMTP, header_names

# --- 6. formula cells in exports ------------------------------------------------------------------


def read_csv(body: bytes) -> list[list[str]]:
    assert body.startswith(b"\xef\xbb\xbf")
    return list(csv.reader(io.StringIO(body[3:].decode("utf-8")), delimiter=";"))


FORMULAS = [
    pytest.param("=1+1", "'=1+1", id="likhetstecken"),
    pytest.param(
        '=HYPERLINK("http://x.se/?a","Klicka")',
        '\'=HYPERLINK("http://x.se/?a","Klicka")',
        id="lank",
    ),
    pytest.param("+46 70 123 45 67", "'+46 70 123 45 67", id="plus"),
    pytest.param("-2+3", "'-2+3", id="minus"),
    pytest.param("@SUMMA(A1:A9)", "'@SUMMA(A1:A9)", id="snabel-a"),
    pytest.param("\u200b=1+1", "'=1+1", id="nollbredd-forst"),
    pytest.param("\t=cmd|' /C calc'!A0", "'=cmd|' /C calc'!A0", id="tabb-forst"),
    pytest.param("<b>Rum</b> {{ config }}", "<b>Rum</b> {{ config }}", id="markup"),
]


@pytest.mark.parametrize(("typed", "cell"), FORMULAS)
def test_formula_cells_in_the_team_csv_are_neutralised(
    shared: SharedService, typed: str, cell: str
) -> None:
    app = shared.app
    target = shared.target("kallelse")
    assert target.post(typed).status_code == 200
    talk = talk_by_year(app, "employee_a")
    employee = person(app, "employee_a")
    try:
        with db.transaction(conn(app)):
            conn(app).execute(
                "UPDATE people SET name = ? WHERE id = ?", (clean_line(typed), employee.id)
            )
            conn(app).execute(
                "UPDATE talks SET unit = ? WHERE id = ?", (clean_line(typed), talk.id)
            )

        response = target.client.get(f"/chef/samtalsomgangar/{talk.round_id}/oversikt.csv")
    finally:
        with db.transaction(conn(app)):
            conn(app).execute(
                "UPDATE people SET name = ? WHERE id = ?", (employee.name, employee.id)
            )
            conn(app).execute("UPDATE talks SET unit = ? WHERE id = ?", (talk.unit, talk.id))

    assert response.status_code == 200
    rows = read_csv(response.data)
    [row] = [r for r in rows[1:] if r[4] == cell]
    assert row[0] == cell and row[1] == cell


def test_formula_cells_in_the_hr_coverage_csv_are_neutralised(
    app: Flask, signed_in: SignIn
) -> None:
    with db.transaction(conn(app)):
        conn(app).execute(
            "UPDATE people SET name = '=cmd|''/C calc''!A0', unit = '@SUMMA(A1)' "
            "WHERE employee_number = 'M1'"
        )
        conn(app).execute(
            "UPDATE talks SET unit = '@SUMMA(A1)' WHERE employee_id = ?",
            (person(app, "employee_a").id,),
        )
    client = signed_in("hr")
    talk = talk_by_year(app, "employee_a")

    response = client.get(f"/hr/samtalsomgangar/{talk.round_id}/tackning.csv")

    assert response.status_code == 200
    rows = read_csv(response.data)
    assert ["'@SUMMA(A1)", "'=cmd|'/C calc'!A0"] in [r[:2] for r in rows]
    assert not [cell for r in rows for cell in r if cell[:1] in ("=", "+", "-", "@")]


# --- 8. CR/LF in anything that reaches an e-mail header or a file name ----------------------------

CRLF_NAME = "Anna Exempelsson\r\nBcc: evil@example.com"


def set_name(app: Flask, number: str, name: str) -> None:
    """The roster refuses control characters, so put the name straight into the database."""
    with db.transaction(conn(app)):
        conn(app).execute("UPDATE people SET name = ? WHERE employee_number = ?", (name, number))


@pytest.mark.parametrize(
    ("number", "mail"), [("A1", "kallelse"), ("M1", "kallelse"), ("A1", "ny-lank")]
)
def test_a_line_break_in_a_name_cannot_add_a_header_or_a_recipient(
    mail_app: Flask, smtp_server: LoopbackSMTP, number: str, mail: str
) -> None:
    set_name(mail_app, number, CRLF_NAME)
    if mail == "kallelse":
        response = place_target(mail_app).post("Rum Ekern")
        assert response.status_code == 200, response.text[:300]
    else:
        client = mail_app.test_client()
        page = client.get("/ny-lank")
        response = client.post(
            "/ny-lank",
            data={"csrf_token": csrf_token(page.text), "email": EMAIL["employee_a"]},
        )
        assert response.status_code == 200, response.text[:300]
        sent_after_response(mail_app)

    assert smtp_server.rcpt_tos == [[EMAIL["employee_a"]]]
    raw = smtp_server.envelopes[0].content
    names = header_names(raw)
    assert "bcc" not in names
    assert names.count("to") == 1 and names.count("from") == 1
    msg = smtp_server.messages[0]
    for header in ("To", "From", "Reply-To"):
        for address in getattr(msg[header], "addresses", ()):
            assert not re.search(r"[\r\n]", address.display_name)
            assert address.addr_spec != "evil@example.com"


FILENAME = re.compile(r'attachment; filename="[a-z0-9][a-z0-9.-]*"')
EVIL_NAME = 'Anna "Ex"\r\nX-Injected: ja ../../etc/passwd\\..\\boot.ini\x00'


@WEASYPRINT_ICC_LEAK
def test_a_name_with_quotes_and_line_breaks_gives_a_safe_pdf_file_name(
    app: Flask, signed_in: SignIn
) -> None:
    set_name(app, "A1", EVIL_NAME)
    talk = talk_by_year(app, "employee_a")
    save_plan(app, talk, plan_content(note="Anteckning"))
    client = signed_in("manager")

    response = client.get(f"/samtal/{talk.id}/plan.pdf")

    assert response.status_code == 200
    disposition = response.headers["Content-Disposition"]
    assert FILENAME.fullmatch(disposition), disposition
    assert disposition.endswith('.pdf"') and "/" not in disposition and "\\" not in disposition
    assert "X-Injected" not in response.headers


@WEASYPRINT_ICC_LEAK
def test_names_in_the_team_zip_are_safe_file_names(app: Flask, signed_in: SignIn) -> None:
    set_name(app, "A1", EVIL_NAME)
    talk = talk_by_year(app, "employee_a")
    held_and_signed(app, talk)
    client = signed_in("manager")

    response = client.get(f"/chef/samtalsomgangar/{talk.round_id}/planer.zip")

    assert response.status_code == 200
    assert FILENAME.fullmatch(response.headers["Content-Disposition"])
    names = zipfile.ZipFile(io.BytesIO(response.data)).namelist()
    assert len(names) == 1
    assert all(re.fullmatch(r"[a-z0-9][a-z0-9.-]*\.pdf", n) for n in names), names


@WEASYPRINT_ICC_LEAK
def test_the_signed_copy_email_has_one_recipient_and_a_safe_attachment_name(
    mail_app: Flask, smtp_server: LoopbackSMTP
) -> None:
    set_name(mail_app, "A1", CRLF_NAME)
    talk = talk_by_year(mail_app, "employee_a")
    save_plan(mail_app, talk, plan_content(cell="Lära mig SQL"))
    plan_store.mark_held(conn(mail_app), talk.id)
    sign_plan(mail_app, talk, "manager")
    latest = latest_plan(mail_app, talk)
    assert latest is not None
    client = signed_in_browser(mail_app, "employee_a")
    page = client.get(f"/samtal/{talk.id}/plan").text

    response = client.post(
        f"/samtal/{talk.id}/plan/signera",
        data={
            "csrf_token": csrf_token(page),
            "number": str(latest.number),
            "content_hash": latest.content_hash,
            "comment": "",
        },
    )

    assert response.status_code == 302, response.text[:300]
    assert smtp_server.rcpt_tos == [[EMAIL["employee_a"]]]
    raw = smtp_server.envelopes[0].content
    names = header_names(raw)
    assert "bcc" not in names and names.count("to") == 1
    msg = smtp_server.messages[0]
    [attachment] = list(msg.iter_attachments())
    filename = attachment.get_filename()
    assert filename and re.fullmatch(r"[a-z0-9][a-z0-9.-]*\.pdf", filename), filename
    parsed = email.message_from_bytes(raw, policy=email.policy.default)
    assert [a.addr_spec for a in parsed["To"].addresses] == [EMAIL["employee_a"]]
