"""The page where a signed-in person checks a plan document's verification code: it says what
the code proves (version, who signed, whether a newer version exists), never the content; it
is rate-limited, needs CSRF and is audited; the plan document points to it."""

from __future__ import annotations

import re

from flask import Flask
from flask.testing import FlaskClient

from tests.factories import SignIn, csrf_token, signed_in_browser
from tests.recordkeeping.maintenance_helpers import SECRET, audit_rows, signed_plan, write_plan
from tests.views.plan_helpers import WEASYPRINT_ICC_LEAK, pdf_text
from tests.views.soup import parse, text_of

PATH = "/kontrollera-kod"


def printed_code(app: Flask, talk_id: str) -> tuple[str, str]:
    """The code and the address the print view (the PDF's source) names."""
    page = signed_in_browser(app, "employee_a").get(f"/samtal/{talk_id}/plan/utskrift").text
    match = re.search(r"Verifieringskod: <strong>([^<]+)</strong>\. Logga in på (\S+) och", page)
    assert match, page
    assert "verify-plan" not in page  # no command for the reader to run
    return match.group(1), match.group(2)


def check(client: FlaskClient, code: str) -> tuple[int, str]:
    form = client.get(PATH)
    assert form.status_code == 200
    answer = client.post(PATH, data={"csrf_token": csrf_token(form.text), "code": code})
    return answer.status_code, text_of(parse(answer.text))


def test_the_document_points_to_the_page_and_the_code_checks_out(
    app: Flask, signed_in: SignIn
) -> None:
    talk = signed_plan(app, "employee_a", SECRET)
    code, address = printed_code(app, talk.id)
    assert address == f"http://localhost{PATH}"

    status, text = check(signed_in("hr"), code)

    assert status == 200
    assert "Koden stämmer" in text
    assert "Koden hör till version 1 av planen från medarbetarsamtalet 2026." in text
    assert "Underskriven av Karin Chefsberg (chef)" in text
    assert "Underskriven av Anna Exempelsson (medarbetare)" in text
    assert SECRET not in text
    entries = [r for r in audit_rows(app) if r["action"] == "plan.verify"]
    assert [(r["object_id"], r["detail"], r["outcome"]) for r in entries] == [
        (talk.id, "version 1", "ok")
    ]


def test_a_code_of_a_version_later_changed_says_so(app: Flask, signed_in: SignIn) -> None:
    talk = signed_plan(app, "employee_a", SECRET)
    code, _ = printed_code(app, talk.id)
    write_plan(signed_in_browser(app, "manager"), talk, "Ändrad plan")

    _, text = check(signed_in("employee_a"), code)

    assert "planen har ändrats efter den här versionen. Den senaste är version 2." in text


def test_a_wrong_code_says_it_matches_nothing_and_keeps_what_was_typed(
    app: Flask, signed_in: SignIn
) -> None:
    talk = signed_plan(app, "employee_a", SECRET)
    code, _ = printed_code(app, talk.id)
    wrong = code[:-1] + ("A" if code[-1] != "A" else "B")
    client = signed_in("employee_a")
    form = client.get(PATH)

    answer = client.post(PATH, data={"csrf_token": csrf_token(form.text), "code": wrong})

    assert answer.status_code == 200
    assert "Koden stämmer inte" in answer.text
    assert f'value="{wrong}"' in answer.text
    assert [r["outcome"] for r in audit_rows(app) if r["action"] == "plan.verify"] == ["no_match"]


def test_the_page_needs_a_sign_in_and_a_csrf_token(app: Flask, signed_in: SignIn) -> None:
    assert app.test_client().get(PATH).status_code == 302
    client = signed_in("employee_a")
    refused = client.post(PATH, data={"code": "abc-123456789012"})
    assert refused.status_code == 400
    assert "Sidan har varit öppen för länge" in refused.text
    assert 'value="abc-123456789012"' in refused.text


def test_checking_is_rate_limited(app: Flask, signed_in: SignIn) -> None:
    app.config["VERIFY_LIMIT_PER_HOUR"] = 2
    client = signed_in("employee_a")
    assert [check(client, f"nope-{n:012d}")[0] for n in range(3)] == [200, 200, 429]
    _, text = check(client, "nope-000000000009")
    assert "Vänta en timme och försök igen." in text
    outcomes = [r["outcome"] for r in audit_rows(app) if r["action"] == "plan.verify"]
    assert outcomes == ["no_match", "no_match", "rate_limited", "rate_limited"]


@WEASYPRINT_ICC_LEAK
def test_the_pdf_names_the_page_not_a_command(app: Flask) -> None:
    talk = signed_plan(app, "employee_a", SECRET)
    code, _ = printed_code(app, talk.id)

    pdf = signed_in_browser(app, "employee_a").get(f"/samtal/{talk.id}/plan.pdf")

    text = pdf_text(pdf.data)
    assert f"Verifieringskod: {code}. Logga in på http://localhost{PATH} och skriv in koden" in (
        text
    )
    assert "verify-plan" not in text and "kommandot" not in text
