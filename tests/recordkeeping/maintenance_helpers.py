"""Helpers for the record-keeping command tests: records made as users make them, and reads."""

# Record keeping from the command line: purge, drafts, a person's export, backup, restore,
# codes.
#
# What an auditor would check: purged text is gone from the database files byte for byte
# while records not yet due stay; a dry run changes nothing; a public body cannot purge
# without a gallringsbeslut; every purge is in the audit log; an export holds everything
# about the person and nothing about anyone else; a restored backup equals what was saved
# and still verifies; a plan document's code is checked against the stored, signed version.

from __future__ import annotations

import json
import re
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient

from formserver.services.roster import parse_roster
from formserver.store import db, plans
from formserver.store.people import import_roster, person_by_email
from formserver.store.talks import Talk, employee_talks
from tests.factories import (
    PEOPLE,
    conn,
    csrf_token,
    data_dump,
    fill_in_preparation,
    person,
    roster_csv,
    signed_in_browser,
    signer,
    talk_of,
)

SECRET = "HEMLIGT-UTVECKLINGSMÅL-123"
KEPT = "KVAR-UTVECKLINGSMÅL-456"
DECISION = "Dnr HR 2026/17, gallringsbeslut för medarbetarsamtal"
# WeasyPrint 70 opens its sRGB profile for PDF/A and never closes it (weasyprint/pdf/__init__.py
# line 151): a ResourceWarning from the library, not from the export.
WEASYPRINT_ICC_LEAK = pytest.mark.filterwarnings(
    r"ignore:unclosed file <_io\.BufferedReader name='.*sRGB2014\.icc'>:ResourceWarning"
)


# --- the service as its users reach it ------------------------------------------------------------


def hidden(html: str, name: str) -> str:
    match = re.search(rf'name="{name}" value="([^"]*)"', html)
    assert match, f"no hidden field {name} on the page"
    return match.group(1)


def prepare(app: Flask, employee: str, author: str, text: str, *, submit: bool = True) -> None:
    """`author` fills in the preparation for `employee`'s talk through the form."""
    browser = signed_in_browser(app, author)
    fill_in_preparation(browser, talk_of(app, employee), {"q_halsa": text}, submit=submit)


def write_plan(client: FlaskClient, talk: Talk, text: str) -> None:
    """The manager writes a note and a plan row and saves."""
    url = f"/samtal/{talk.id}/plan"
    page = client.get(url)
    response = client.post(
        url,
        data={
            "csrf_token": csrf_token(page.text),
            "number": hidden(page.text, "number"),
            "edits": hidden(page.text, "edits"),
            "action": "spara",
            "note_arbetssituation": f"Anteckning: {text}",
            "rows_mal": "rtest1",
            "cell_mal_rtest1_medarbetarens_mal": f"Mål: {text}",
        },
    )
    assert response.status_code == 302, response.text


def sign(client: FlaskClient, talk: Talk, comment: str = "") -> None:
    page = client.get(f"/samtal/{talk.id}/plan")
    response = client.post(
        f"/samtal/{talk.id}/plan/signera",
        data={
            "csrf_token": csrf_token(page.text),
            "number": hidden(page.text, "number"),
            "content_hash": hidden(page.text, "content_hash"),
            "comment": comment,
        },
    )
    assert response.status_code == 302, response.text


def signed_plan(app: Flask, employee: str, text: str, *, sign_it: bool = True) -> Talk:
    """Held talk whose plan (and the employee's signature comment) hold `text`, signed by both."""
    talk = talk_of(app, employee)
    manager_role = "manager" if talk.manager_id == person(app, "manager").id else "other_manager"
    manager = signed_in_browser(app, manager_role)
    write_plan(manager, talk, text)
    page = manager.get(f"/samtal/{talk.id}/plan")
    held = manager.post(
        f"/samtal/{talk.id}/plan/genomford", data={"csrf_token": csrf_token(page.text)}
    )
    assert held.status_code == 302, held.text
    if sign_it:
        sign(manager, talk)
        sign(signed_in_browser(app, employee), talk, comment=f"Kommentar: {text}")
    return talk


def hire(app: Flask, *lines: str) -> list[str]:
    """Import PEOPLE (but the leaver) with the extra roster `lines`; the new people's ids."""
    kept = [line for role, line in PEOPLE.items() if role != "leaver"]
    import_roster(conn(app), parse_roster(roster_csv(*kept, *lines)).rows)
    found = [person_by_email(conn(app), line.split(";")[2]) for line in lines]
    assert None not in found
    return [p.id for p in found if p is not None]


def add_by_hand(app: Flask, person_id: str, reason: str) -> Talk:
    """HR adds the person to the round on the add page, with `reason`; their new talk."""
    hr = signed_in_browser(app, "hr")
    url = f"/samtalsomgangar/{talk_of(app, 'employee_a').round_id}/lagg-till"
    data = {"csrf_token": csrf_token(hr.get(url).text), "reason": reason}
    assert hr.post(f"{url}/{person_id}", data=data).status_code == 302
    [talk] = employee_talks(conn(app), person_id)
    return talk


def follow_up(app: Flask, talk: Talk, text: str) -> None:
    plans.save_followups(
        conn(app),
        talk.id,
        [("rtest1", "pagar", f"Resultat: {text}", 0)],
        author_id=talk.manager_id,
        signer=signer(app, "followup"),
    )


def held_years_ago(app: Flask, talk: Talk, years: int) -> str:
    """Move the talk's held date back (time passing), as stored: ISO 8601 in UTC."""
    moment = db.iso(db.utc_now() - timedelta(days=365 * years + 30))
    conn(app).execute("UPDATE talks SET held_at = ? WHERE id = ?", (moment, talk.id))
    return moment


def database_files(app: Flask) -> bytes:
    """The raw bytes of the database file and every file beside it (-wal, -shm, -journal)."""
    path = Path(app.config["DATABASE"])
    return b"".join(p.read_bytes() for p in sorted(path.parent.glob(path.name + "*")))


def stored_bytes(app: Flask) -> bytes:
    """The database file and its WAL: what holds data (readers may touch -shm, an index)."""
    path = Path(app.config["DATABASE"])
    return b"".join(p.read_bytes() for p in (path, Path(f"{path}-wal")) if p.exists())


def traces(text: str) -> list[bytes]:
    """Ways a text could sit in the files: UTF-8, UTF-16, JSON-escaped, or its ASCII start."""
    ascii_start = text.encode("ascii", "ignore").split(b"\xc3")[0][:16]
    escaped = json.dumps(text).strip('"').encode()
    return [text.encode("utf-8"), text.encode("utf-16-le"), escaped, ascii_start]


def records(app: Flask) -> list[str]:
    """Every row and schema statement but the audit log, in an order VACUUM cannot change."""
    return sorted(data_dump(app).splitlines())


def full_dump(app: Flask) -> str:
    """Every row of every table, the audit log included."""
    return "\n".join(conn(app).iterdump())


def audit_rows(app: Flask) -> list[dict[str, Any]]:
    return [dict(r) for r in conn(app).execute("SELECT * FROM audit_log ORDER BY id")]


def count(app: Flask, sql: str, *args: str) -> int:
    return int(conn(app).execute(sql, args).fetchone()[0])


def plain_sqlite(app: Flask) -> None:
    """Deleted content stays in the file, as in most SQLite builds (Debian's zeroes it anyway)."""
    conn(app).execute("PRAGMA secure_delete = OFF")


# What the export and backup tests write about Anna and Bo.
ANNA = "Annas-förberedelse-314"
ABOUT_ANNA = "Chefen-om-Anna-271"
ANNA_PLAN = "Annas-plan-161"
BO = "Bos-hemlighet-577"
DORA = "D1;Dora Korttid;dora.korttid@example.se;Syd;Vikarie;M1;visstid;2026-10-01;2027-01-31"
OLA = "O1;Ola Korttid;ola.korttid@example.se;Norr;Vikarie;N1;visstid;2026-10-01;2027-01-31"
WHY_DORA = "Skäl-för-Dora-828"
WHY_OLA = "Skäl-för-Ola-919"
ABOUT_BO = "Chefen-om-Bo-662"
