"""Stale versions, double submits, signed or unfinished plans and a broken roster lose nothing."""

from __future__ import annotations

import io
import re
from typing import Any

import pytest
from flask import Flask

from formserver.store import plans as plan_store
from tests.bad_input_helpers import assert_swedish_instruction, count, main_text, textarea
from tests.bad_input_targets import (
    EDITABLE,
    TARGETS,
    SharedService,
    cell_target,
    signature_target,
)
from tests.factories import (
    HEADER,
    SignIn,
    conn,
    csrf_token,
    data_dump,
    held_and_signed,
    latest_plan,
    plan_content,
    save_plan,
    signer,
    talk_by_year,
)

# --- 10. a stale version: both texts shown, nothing overwritten -----------------------------------


@pytest.mark.parametrize("name", EDITABLE)
def test_a_stale_version_shows_both_texts_and_overwrites_nothing(
    shared: SharedService, name: str
) -> None:
    target = shared.seeded(name)
    first_tab, second_tab = target.open(), target.open()
    assert target.post("Text från första fliken.", first_tab).status_code == target.success

    response = target.post("Text från andra fliken.", second_tab)

    assert response.status_code == 409, (response.status_code, response.text[:300])
    assert_swedish_instruction(response.text)
    assert target.shown(response.text) == "Text från andra fliken."
    assert "Text från första fliken." in main_text(response.text), "the saved text is not shown"
    assert target.read() == "Text från första fliken."


# --- 11. a double submit: one record --------------------------------------------------------------


def _records(app: Flask, name: str) -> list[tuple[Any, ...]]:
    """The rows that one save of each target writes."""
    query = {
        "forberedelse": "SELECT talk_id, version, answers FROM preparations",
        "anteckningar": "SELECT talk_id, number, edits, content FROM plan_versions",
        "planrad": "SELECT talk_id, number, edits, content FROM plan_versions",
        "uppfoljning": "SELECT talk_id, row_id, version, result FROM followups",
        "kallelse": "SELECT id, version, place FROM talks WHERE called_at IS NOT NULL",
        "underskrift": "SELECT plan_version_id, role, comment FROM signatures",
    }[name]
    return [tuple(r) for r in conn(app).execute(query)]


@pytest.mark.parametrize("target_name", list(TARGETS))
def test_a_double_submit_stores_one_record(shared: SharedService, target_name: str) -> None:
    target = shared.target(target_name)
    before = _records(shared.app, target_name)
    links = count(shared.app, "sign_in_links")
    page = target.open()

    first = target.post("Skickat två gånger.", page)
    after_first = _records(shared.app, target_name)
    second = target.post("Skickat två gånger.", page)

    assert first.status_code == target.success, first.text[:300]
    assert second.status_code == 409, (second.status_code, second.text[:300])
    assert_swedish_instruction(second.text)
    assert _records(shared.app, target_name) == after_first != before
    assert target.read() == "Skickat två gånger."
    if target_name == "kallelse":
        assert count(shared.app, "sign_in_links") == links + 1


# --- 12. a signed plan and an unfinished one ------------------------------------------------------


def test_editing_a_signed_plan_makes_a_new_version_and_keeps_the_signed_one(app: Flask) -> None:
    talk = talk_by_year(app, "employee_a")
    held_and_signed(app, talk, cell="Det vi skrev under")
    [signed] = plan_store.versions(conn(app), talk.id, signer(app, "plan"))
    target = cell_target(app)

    response = target.post("Ändrat efter underskriften")

    assert response.status_code == 302, response.text[:300]
    old, new = plan_store.versions(conn(app), talk.id, signer(app, "plan"))
    assert old == signed
    assert old.content["grids"]["mal"][0]["medarbetarens_mal"] == "Det vi skrev under"
    assert set(old.signatures) == {"employee", "manager"}
    assert new.number == 2 and not new.signatures
    assert new.content["grids"]["mal"][0]["medarbetarens_mal"] == "Ändrat efter underskriften"
    assert (
        conn(app).execute("SELECT signed_at FROM talks WHERE id = ?", (talk.id,)).fetchone()[0]
        is None
    )
    page = target.open()
    assert "Version 2" in page and "Skriv under version 2" in page


def test_signing_before_the_talk_is_held_is_refused_with_the_comment_back(
    app: Flask, signed_in: SignIn
) -> None:
    talk = talk_by_year(app, "employee_a")
    save_plan(app, talk, plan_content(cell="Inte klart än"))
    client = signed_in("employee_a")
    page = client.get(f"/samtal/{talk.id}/plan").text
    latest = latest_plan(app, talk)
    assert latest is not None
    before = data_dump(app)

    response = client.post(
        f"/samtal/{talk.id}/plan/signera",
        data={
            "csrf_token": csrf_token(page),
            "number": str(latest.number),
            "content_hash": latest.content_hash,
            "comment": "Min kommentar <i>här</i>",
        },
    )

    assert response.status_code == 409
    assert textarea(response.text, "comment") == "Min kommentar <i>här</i>", "comment lost"
    assert_swedish_instruction(response.text, "inte markerat som genomfört")
    assert data_dump(app) == before
    assert count(app, "signatures") == 0


def test_marking_a_talk_held_with_nothing_written_is_refused(app: Flask, signed_in: SignIn) -> None:
    talk = talk_by_year(app, "employee_a")
    client = signed_in("manager")
    page = client.get(f"/samtal/{talk.id}/plan").text
    before = data_dump(app)

    response = client.post(
        f"/samtal/{talk.id}/plan/genomford", data={"csrf_token": csrf_token(page)}
    )

    assert response.status_code == 409
    assert_swedish_instruction(response.text)
    assert data_dump(app) == before


def test_signing_a_version_that_changed_since_it_was_shown_is_refused(app: Flask) -> None:
    talk = talk_by_year(app, "employee_a")
    target = signature_target(app)
    page = target.open()
    save_plan(app, talk, plan_content(cell="Ändrat av chefen under tiden"))
    before = data_dump(app)

    response = target.post("Jag skriver under", page)

    assert response.status_code == 409
    assert_swedish_instruction(response.text, "har ändrats")
    assert textarea(response.text, "comment") == "Jag skriver under"
    assert data_dump(app) == before


# --- 13. a roster with broken lines ---------------------------------------------------------------


def test_a_roster_with_broken_lines_lists_every_line_and_imports_nothing(
    app: Flask, signed_in: SignIn
) -> None:
    lines = [
        HEADER,
        "T1;Tove Toppsson;tove.toppsson@example.se;Ledning;Direktör;;tillsvidare;2020-01-01;",
        "X2;Utan E-post;;Syd;Lärare;T1;tillsvidare;2020-01-01;",  # 3: no e-mail
        "X3;Fel Datum;x3@example.se;Syd;Lärare;T1;tillsvidare;2026-02-30;",  # 4: no such day
        'X4;"Trasiga citat;x4@example.se;Syd;Lärare;T1;tillsvidare;2020-01-01;',  # 5..: quotes
    ]
    broken_quotes = "\n".join(lines) + "\n"
    other_lines = [
        HEADER,
        "T1;Tove Toppsson;tove.toppsson@example.se;Ledning;Direktör;;tillsvidare;2020-01-01;",
        "X2;Utan E-post;;Syd;Lärare;T1;tillsvidare;2020-01-01;",
        "X3;Fel Datum;x3@example.se;Syd;Lärare;T1;tillsvidare;2026-02-30;",
        "X4;Slut Före;x4@example.se;Syd;Lärare;T1;visstid;2024-05-01;2024-01-01",
        "X5;Okänd Chef;x5@example.se;Syd;Lärare;Z9;tillsvidare;2020-01-01;",
        "X6;Berg, Anna;x6@example.se;Syd;Lärare;T1;tillsvidare;2020-01-01;;extra",
        "X7;<script>alert(1)</script>;x7@example.se;Syd;Lärare;T1;okänd;2020-01-01;",
    ]
    client = signed_in("hr")
    for body, expected_lines in (
        (broken_quotes, [3, 4, 5]),
        ("\n".join(other_lines) + "\n", [3, 4, 5, 6, 7, 8]),
    ):
        page = client.get("/hr/personal")
        before = data_dump(app)

        response = client.post(
            "/hr/personal",
            data={
                "csrf_token": csrf_token(page.text),
                "roster": (io.BytesIO(body.encode()), "personal.csv"),
            },
            content_type="multipart/form-data",
        )

        assert response.status_code == 422
        assert_swedish_instruction(response.text, "Ingenting har ändrats")
        listed = [int(n) for n in re.findall(r"<li>Rad (\d+):", response.text)]
        assert sorted(set(listed)) == expected_lines, listed
        assert "<script>alert(1)</script>" not in response.text
        assert data_dump(app) == before
