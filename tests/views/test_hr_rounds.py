"""HR opens a round that covers whom the routine says, once per year and question set."""

from __future__ import annotations

from datetime import timedelta

import pytest
from flask import Flask

from formserver.common.clock import local_today
from tests.factories import SignIn, csrf_token, data_dump, roster_csv
from tests.views.hr_helpers import (
    CURRENT,
    add_months,
    audit_rows,
    open_round,
    round_id,
    talk_numbers,
    upload,
)

# --- Opening a round -----------------------------------------------------------------------


def test_new_round_form(signed_in: SignIn) -> None:
    page = signed_in("hr").get("/hr/samtalsomgangar/ny")

    assert page.status_code == 200
    assert "<h1>Öppna en samtalsomgång</h1>" in page.text
    assert f'name="year" value="{local_today().year}"' in page.text
    assert '<option value="rutin" selected>' in page.text
    assert '<option value="handlingsplan" selected>' in page.text


def test_a_round_covers_whom_the_routine_says(app: Flask, signed_in: SignIn) -> None:
    client = signed_in("hr")
    today = local_today()
    month = today.replace(day=1)
    lines = [
        *CURRENT,
        "P1;Per Fast;per.fast@example.se;Enhet Syd;Lärare;M1;tillsvidare;2020-01-01;",
        # Fixed term of six months: covered.
        f"V1;Vera Lång;vera.lang@example.se;Enhet Syd;Vikarie;M1;visstid;{month};"
        f"{add_months(month, 6)}",
        # Exactly five months: covered ("fem månader eller mer").
        f"V3;Vilma Fem;vilma.fem@example.se;Enhet Syd;Vikarie;M1;visstid;{month};"
        f"{add_months(month, 5)}",
        # One day short of five months: not covered.
        f"V4;Viggo Kort;viggo.kort@example.se;Enhet Syd;Vikarie;M1;visstid;{month};"
        f"{add_months(month, 5) - timedelta(days=1)}",
        # Four months: not covered.
        f"V2;Valle Kort;valle.kort@example.se;Enhet Syd;Vikarie;M1;visstid;{month};"
        f"{add_months(month, 4)}",
        "O1;Olle Annan;olle.annan@example.se;Enhet Syd;Praktikant;M1;annan;2024-01-01;",
    ]
    assert upload(client, roster_csv(*lines)).status_code == 200
    year = today.year + 1

    response = open_round(client, year)

    assert response.status_code == 302, response.text
    rid = round_id(app, year)
    assert response.location == f"/hr/samtalsomgangar/{rid}?opened=1"
    numbers = talk_numbers(app, rid)
    assert {"P1", "V1", "V3"} <= numbers
    assert not {"V2", "V4", "O1"} & numbers
    # Everyone else with a manager; the top manager has nobody to hold her talk; L has left.
    assert numbers == {"H1", "M1", "N1", "A1", "B1", "C1", "P1", "V1", "V3"}
    entry = [r for r in audit_rows(app) if r["action"] == "round.open"][-1]
    assert (entry["outcome"], entry["object_id"], entry["detail"]) == ("ok", rid, "9 samtal")
    page = client.get(response.location)
    assert page.status_code == 200
    assert "Samtalsomgången är öppnad. Cheferna kan nu kalla sina medarbetare." in page.text
    assert f"<h1>Samtalsomgång {year}</h1>" in page.text


def test_the_same_year_and_question_set_cannot_be_opened_twice(
    app: Flask, signed_in: SignIn
) -> None:
    client = signed_in("hr")
    before = data_dump(app)

    response = open_round(client, 2026)

    assert response.status_code == 409
    assert "Det finns redan en samtalsomgång för det året med det frågeunderlaget." in response.text
    assert data_dump(app) == before

    other_set = open_round(client, 2026, "kompetenssamtal")

    assert other_set.status_code == 302
    assert talk_numbers(app, round_id(app, 2026, "kompetenssamtal")) == {
        "H1", "M1", "N1", "A1", "B1", "C1",
    }  # fmt: skip


@pytest.mark.parametrize(
    ("year", "error"),
    [
        ("", "Skriv vilket år samtalsomgången gäller."),
        ("1999", "Skriv ett år mellan 2000 och 2100."),
    ],
)
def test_a_wrong_year_is_a_swedish_error(
    app: Flask, signed_in: SignIn, year: str, error: str
) -> None:
    client = signed_in("hr")
    token = csrf_token(client.get("/hr/samtalsomgangar/ny").text)
    before = data_dump(app)

    response = client.post(
        "/hr/samtalsomgangar/ny",
        data={"csrf_token": token, "year": year, "question_set": "rutin",
              "plan_template": "handlingsplan"},
    )  # fmt: skip

    assert response.status_code == 400
    assert error in response.text
    assert data_dump(app) == before
