"""A version that waits for someone's signature is told by e-mail, with a fresh single-use
sign-in link: the employee when the manager changed a plan she had signed, the manager when
the employee has signed and the manager has not. Read as a mail client reads it."""

from __future__ import annotations

from email.message import EmailMessage
from pathlib import Path

from flask import Flask

from tests.factories import EMAIL, make_service
from tests.smtp import HOST, LoopbackSMTP, free_port
from tests.views.call_helpers import LINK, sign_in_with
from tests.views.plan_helpers import (
    form_with_action,
    held_plan,
    open_plan,
    sign_plan,
    signed_plan,
    write_plan,
)
from tests.views.prepare_helpers import audit_since, last_audit_id

CHANGED_NOTE = "Anna byter arbetslag i januari."


def text_of_mail(msg: EmailMessage) -> str:
    body = msg.get_body(preferencelist=("plain",))
    assert body is not None
    return str(body.get_content()).replace("\r\n", "\n")


def waiting_mails(server: LoopbackSMTP) -> list[EmailMessage]:
    return [m for m in server.messages if "väntar på din underskrift" in m["Subject"]]


def test_the_employee_is_told_a_changed_plan_waits_for_her_signature(
    mail_app: Flask, smtp_server: LoopbackSMTP
) -> None:
    talk, manager, employee = signed_plan(mail_app, comment="Jag håller med.")
    assert waiting_mails(smtp_server) == []  # the manager signed first, then she did
    before = last_audit_id(mail_app)

    changed = write_plan(manager, talk, notes={"arbetssituation": CHANGED_NOTE})

    assert changed.status_code == 302
    [msg] = waiting_mails(smtp_server)
    assert msg["To"].addresses[0].addr_spec == EMAIL["employee_a"]
    assert msg["Subject"] == "Planen från medarbetarsamtalet 2026 väntar på din underskrift"
    text = text_of_mail(msg)
    assert "Karin Chefsberg har ändrat planen från medarbetarsamtalet 2026 efter att du skrev " in (
        text.replace("\n", " ")
    )
    assert "Version 2 av planen väntar nu på din underskrift." in text.replace("\n", " ")
    assert "Länken fungerar en gång" in text
    assert CHANGED_NOTE not in text  # what was written stays in the service
    entries = [(r["action"], r["detail"], r["outcome"]) for r in audit_since(mail_app, before)]
    assert ("plan.sign_request_mail", "employee version 2", "ok") in entries
    assert all("/logga-in/" not in str(r["detail"]) for r in audit_since(mail_app, before))

    # Her earlier links are used up; the new one signs her in on the plan, ready to sign.
    [link] = LINK.findall(text)
    browser, target = sign_in_with(mail_app, link)
    assert target == f"/samtal/{talk.id}/plan"
    page = open_plan(browser, talk)
    form_with_action(page, "/plan/signera")
    assert "Skriv under version 2" in page


def test_the_manager_is_told_when_the_employee_signed_first(
    mail_app: Flask, smtp_server: LoopbackSMTP
) -> None:
    talk, _, employee = held_plan(mail_app)

    assert sign_plan(employee, talk, "Bra samtal").status_code == 302

    [msg] = waiting_mails(smtp_server)
    assert msg["To"].addresses[0].addr_spec == EMAIL["manager"]
    text = text_of_mail(msg).replace("\n", " ")
    assert "Anna Exempelsson har skrivit under planen från medarbetarsamtalet 2026." in text
    assert "Version 1 av planen väntar nu på din underskrift." in text
    assert "Bra samtal" not in text
    [link] = LINK.findall(text_of_mail(msg))
    _, target = sign_in_with(mail_app, link)
    assert target == f"/samtal/{talk.id}/plan"


def test_nobody_is_told_when_the_manager_signs_first(
    mail_app: Flask, smtp_server: LoopbackSMTP
) -> None:
    talk, manager, _ = held_plan(mail_app)
    assert sign_plan(manager, talk).status_code == 302
    assert waiting_mails(smtp_server) == []


def test_without_a_mail_server_nothing_is_sent_and_nothing_breaks(app: Flask) -> None:
    talk, manager, _ = signed_plan(app)
    assert write_plan(manager, talk, notes={"arbetssituation": CHANGED_NOTE}).status_code == 302
    actions = [r["action"] for r in audit_since(app, 0)]
    assert "plan.sign_request_mail" not in actions


def test_a_mail_server_that_is_down_leaves_the_change_saved_and_audits_the_failure(
    tmp_path: Path,
) -> None:
    for app in make_service(tmp_path, SMTP_HOST=HOST, SMTP_PORT=free_port()):
        talk, manager, _ = signed_plan(app)
        before = last_audit_id(app)

        changed = write_plan(manager, talk, notes={"arbetssituation": CHANGED_NOTE})

        assert changed.status_code == 302
        assert CHANGED_NOTE in open_plan(manager, talk)
        entries = [(r["action"], r["outcome"]) for r in audit_since(app, before)]
        assert ("plan.sign_request_mail", "failed") in entries
