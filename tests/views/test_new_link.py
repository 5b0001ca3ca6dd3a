"""Asking for a new sign-in link: the same answer for everyone, one e-mail to a known address,
a limit per address, and an audit trail without tokens or links."""

from __future__ import annotations

import re
from typing import Any
from urllib.parse import urlsplit

import pytest
from flask import Flask
from flask.testing import FlaskClient

from tests.factories import EMAIL, conn, csrf_token, person, sent_after_response
from tests.smtp import LoopbackSMTP

LINK = re.compile(r"https?://[^\s<>\"']+/logga-in/[A-Za-z0-9_.\-]+")
UNKNOWN = "ingen.alls@example.se"
SUBJECT = "Din inloggningslänk till medarbetarsamtal"


def ask(app: Flask, address: str, client: FlaskClient | None = None) -> Any:
    """Open the form and ask for a link for `address`, as a visitor without a session; wait
    for what is done after the response."""
    browser = client or app.test_client()
    form = browser.get("/ny-lank")
    assert form.status_code == 200
    answer = browser.post("/ny-lank", data={"csrf_token": csrf_token(form.text), "email": address})
    sent_after_response(app)
    return answer


def new_link_audit(app: Flask) -> list[dict[str, Any]]:
    rows = conn(app).execute("SELECT * FROM audit_log WHERE action = 'new_link' ORDER BY id")
    return [dict(r) for r in rows]


def all_audit_text(app: Flask) -> str:
    return "\n".join(
        "|".join(str(value) for value in tuple(r))
        for r in conn(app).execute("SELECT * FROM audit_log")
    )


def the_link(message: Any) -> str:
    plain = message.get_body(preferencelist=("plain",))
    assert plain is not None
    [link] = LINK.findall(plain.get_content())
    return str(link)


def test_the_form_asks_for_an_address(app: Flask, client: FlaskClient) -> None:
    page = client.get("/ny-lank")

    assert page.status_code == 200
    assert "<h1>Be om en ny inloggningslänk</h1>" in page.text
    assert '<label for="email">Din e-postadress</label>' in page.text
    assert '<input type="email" id="email" name="email"' in page.text


def test_known_and_unknown_addresses_get_the_same_answer(app: Flask) -> None:
    known = ask(app, EMAIL["employee_a"])
    unknown = ask(app, UNKNOWN)

    assert known.status_code == unknown.status_code == 200
    assert "<h1>Kolla din e-post</h1>" in known.text
    assert known.text == unknown.text
    # Without SMTP the link is made but cannot be sent: the audit says so, not the page.
    outcomes = [(r["actor_id"], r["outcome"]) for r in new_link_audit(app)]
    assert outcomes == [(person(app, "employee_a").id, "issued"), (None, "unknown")]


def test_a_known_address_gets_one_email_with_a_working_link(
    mail_app: Flask, smtp_server: LoopbackSMTP
) -> None:
    response = ask(mail_app, EMAIL["employee_a"])

    assert response.status_code == 200
    assert "<h1>Kolla din e-post</h1>" in response.text
    assert smtp_server.rcpt_tos == [[EMAIL["employee_a"]]]
    [message] = smtp_server.messages
    assert message["Subject"] == SUBJECT
    [to] = message["To"].addresses
    assert (to.display_name, to.addr_spec) == ("Anna Exempelsson", EMAIL["employee_a"])
    link = the_link(message)
    assert "/logga-in/" not in response.text

    browser = mail_app.test_client()
    confirm = browser.get(urlsplit(link).path)
    assert confirm.status_code == 200
    done = browser.post(urlsplit(link).path, data={"csrf_token": csrf_token(confirm.text)})
    assert done.status_code == 302
    assert done.location == "/"
    assert "Inloggad som Anna Exempelsson" in browser.get("/").text

    [entry] = new_link_audit(mail_app)
    assert (entry["actor_id"], entry["outcome"]) == (person(mail_app, "employee_a").id, "sent")
    token = urlsplit(link).path.rsplit("/", 1)[1]
    audit = all_audit_text(mail_app)
    assert token not in audit
    assert "logga-in" not in audit
    assert EMAIL["employee_a"] not in audit


def test_an_address_is_matched_whatever_its_case(
    mail_app: Flask, smtp_server: LoopbackSMTP
) -> None:
    ask(mail_app, "  Anna.Exempelsson@EXAMPLE.se ")

    assert smtp_server.rcpt_tos == [[EMAIL["employee_a"]]]


def test_an_unknown_address_gets_no_email(mail_app: Flask, smtp_server: LoopbackSMTP) -> None:
    known = ask(mail_app, EMAIL["employee_b"])
    smtp_server.messages.clear()
    smtp_server.envelopes.clear()

    unknown = ask(mail_app, UNKNOWN)

    assert (unknown.status_code, unknown.text) == (known.status_code, known.text)
    assert smtp_server.messages == []
    entry = new_link_audit(mail_app)[-1]
    assert (entry["actor_id"], entry["outcome"]) == (None, "unknown")
    assert UNKNOWN not in all_audit_text(mail_app)


def test_a_person_who_has_left_gets_no_email(mail_app: Flask, smtp_server: LoopbackSMTP) -> None:
    response = ask(mail_app, EMAIL["leaver"])

    assert response.status_code == 200
    assert "<h1>Kolla din e-post</h1>" in response.text
    assert smtp_server.messages == []
    leaver = person(mail_app, "leaver")
    links = conn(mail_app).execute(
        "SELECT count(*) FROM sign_in_links WHERE person_id = ?", (leaver.id,)
    )
    assert links.fetchone()[0] == 0
    [entry] = new_link_audit(mail_app)
    assert entry["outcome"] == "unknown"


def test_after_the_hourly_limit_no_more_email_is_sent(
    mail_app: Flask, smtp_server: LoopbackSMTP
) -> None:
    limit = mail_app.config["NEW_LINK_LIMIT_PER_HOUR"]
    assert limit == 5

    responses = [ask(mail_app, EMAIL["employee_a"]) for _ in range(limit + 2)]

    assert len(smtp_server.messages) == limit
    assert {(r.status_code, r.text) for r in responses} == {(200, responses[0].text)}
    assert "<h1>Kolla din e-post</h1>" in responses[-1].text
    assert [r["outcome"] for r in new_link_audit(mail_app)] == ["sent"] * 5 + ["rate_limited"] * 2
    # Another address is not held back by Anna's limit.
    ask(mail_app, EMAIL["employee_b"])
    assert smtp_server.rcpt_tos[-1] == [EMAIL["employee_b"]]


def test_changing_the_case_of_the_address_does_not_get_round_the_limit(
    mail_app: Flask, smtp_server: LoopbackSMTP
) -> None:
    variants = [
        "anna.exempelsson@example.se",
        "Anna.exempelsson@example.se",
        "ANNA.exempelsson@example.se",
        "anna.Exempelsson@example.se",
        "anna.exempelsson@Example.se",
        "anna.exempelsson@EXAMPLE.SE",
        "Anna.Exempelsson@Example.Se",
    ]

    for variant in variants:
        assert ask(mail_app, variant).status_code == 200

    assert len(smtp_server.messages) == 5


def test_one_visitor_cannot_ask_for_unlimited_links(
    mail_app: Flask, smtp_server: LoopbackSMTP
) -> None:
    per_visitor = mail_app.config["NEW_LINK_LIMIT_PER_HOUR"] * 4
    for n in range(per_visitor):
        ask(mail_app, f"okand.{n}@example.se")

    response = ask(mail_app, EMAIL["employee_a"])

    assert response.status_code == 200
    assert "<h1>Kolla din e-post</h1>" in response.text
    assert smtp_server.messages == []
    assert new_link_audit(mail_app)[-1]["outcome"] == "rate_limited"


@pytest.mark.parametrize(
    ("address", "error"),
    [
        ("anna.exempelsson", "Skriv en hel e-postadress, till exempel anna@example.se."),
        ("anna@", "Skriv en hel e-postadress, till exempel anna@example.se."),
        ("", "Skriv din e-postadress."),
    ],
)
def test_an_invalid_address_is_a_swedish_error(
    mail_app: Flask, smtp_server: LoopbackSMTP, address: str, error: str
) -> None:
    response = ask(mail_app, address)

    assert response.status_code == 400
    assert error in response.text
    assert f'value="{address}"' in response.text
    assert smtp_server.messages == []
    assert new_link_audit(mail_app) == []
