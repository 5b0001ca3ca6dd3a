"""Through the real SMTP path: a roster name written to look like an address does not change
where the invitation, its replies or a sign-in link go (issue 13)."""

from __future__ import annotations

import email
import email.policy
from email.header import decode_header, make_header
from email.parser import BytesParser
from email.utils import getaddresses

import pytest
from flask import Flask

from formserver.store import db
from tests.factories import (
    EMAIL,
    conn,
    csrf_token,
    person,
    sent_after_response,
    signed_in_browser,
    talk_of,
)
from tests.smtp import LoopbackSMTP, header_names
from tests.views.call_helpers import in_days, post_call

# The issue's name, and as a roster exported without åäö spells it: CPython 3.11's folder
# dropped the quotes around that one, so the address read was evil@example.com.
NAMES = [
    "Anna Andersson Förvaltningen för teknik och miljö enheten <evil@example.com>",
    "Anna Andersson Forvaltningen for teknik och miljo enheten <evil@example.com>",
]


def rename(app: Flask, role: str, name: str) -> None:
    with db.transaction(conn(app)):
        conn(app).execute("UPDATE people SET name = ? WHERE id = ?", (name, person(app, role).id))


def addresses(raw: bytes, header: str) -> tuple[list[str], list[str], list[str]]:
    """The header's addresses as the modern parser and as compat32 + getaddresses read them,
    and the names an RFC 2047 decoder shows."""
    modern = BytesParser(policy=email.policy.default).parsebytes(raw)
    old = getaddresses(email.message_from_bytes(raw).get_all(header, []))
    shown = [str(make_header(decode_header(name))) for name, _ in old]
    return [a.addr_spec for a in modern[header].addresses], [a for _, a in old], shown


@pytest.mark.parametrize("name", NAMES)
def test_an_invitation_goes_and_is_answered_where_the_roster_says(
    mail_app: Flask, smtp_server: LoopbackSMTP, name: str
) -> None:
    manager_name = name.replace("Anna Andersson", "Karin Chefsberg")
    rename(mail_app, "employee_a", name)
    rename(mail_app, "manager", manager_name)
    client = signed_in_browser(mail_app, "manager")

    response = post_call(client, talk_of(mail_app, "employee_a").id, in_days(30))

    assert response.status_code == 200, response.text[:300]
    [envelope] = smtp_server.envelopes
    assert envelope.rcpt_tos == [EMAIL["employee_a"]]
    raw = envelope.content
    names = header_names(raw)
    assert [names.count(h) for h in ("from", "to", "reply-to", "cc", "bcc")] == [1, 1, 1, 0, 0]
    assert addresses(raw, "To") == ([EMAIL["employee_a"]], [EMAIL["employee_a"]], [name])
    assert addresses(raw, "Reply-To") == ([EMAIL["manager"]], [EMAIL["manager"]], [manager_name])
    from_modern, from_old, _ = addresses(raw, "From")
    assert from_modern == from_old == [mail_app.config["MAIL_SENDER"]]


@pytest.mark.parametrize("name", NAMES)
def test_a_sign_in_link_goes_to_the_roster_address(
    mail_app: Flask, smtp_server: LoopbackSMTP, name: str
) -> None:
    rename(mail_app, "employee_a", name)
    browser = mail_app.test_client()
    page = browser.get("/ny-lank")

    browser.post(
        "/ny-lank", data={"csrf_token": csrf_token(page.text), "email": EMAIL["employee_a"]}
    )
    sent_after_response(mail_app)

    [envelope] = smtp_server.envelopes
    assert envelope.rcpt_tos == [EMAIL["employee_a"]]
    assert addresses(envelope.content, "To") == (
        [EMAIL["employee_a"]],
        [EMAIL["employee_a"]],
        [name],
    )
