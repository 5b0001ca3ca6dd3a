"""`formserver send-reminders`: each kind of reminder, as received by a real SMTP server on
loopback, with the clock moved by time-machine; nothing is sent twice; a failing mail server
records nothing and the next run sends."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
import time_machine
from flask import Flask
from flask.testing import FlaskCliRunner

from formserver.services import reminders as service
from formserver.store import plans as plan_store
from formserver.store.preparations import save_preparation
from tests.factories import (
    STOCKHOLM,
    call_directly,
    conn,
    make_service,
    plan_content,
    save_plan,
    sign_plan,
    signer,
    talk_of,
)
from tests.smtp import HOST, LoopbackSMTP, free_port
from tests.views.call_helpers import sign_in_with

# The round of tests.factories opens at this moment (a Monday morning in Stockholm).
ROUND_OPENS = datetime(2026, 11, 2, 9, 0, tzinfo=STOCKHOLM)
TALK_STARTS = datetime(2026, 11, 20, 10, 0)  # a Friday, Stockholm time


@pytest.fixture
def clock(time_machine: time_machine.TimeMachineFixture) -> time_machine.TimeMachineFixture:
    """The clock, standing still at ROUND_OPENS until a test moves it."""
    time_machine.move_to(ROUND_OPENS, tick=False)
    return time_machine


@pytest.fixture
def remind_app(
    tmp_path: Path, smtp_server: LoopbackSMTP, clock: time_machine.TimeMachineFixture
) -> Iterator[Flask]:
    """The service of tests.factories, its round opened at ROUND_OPENS, mailing to loopback."""
    yield from make_service(tmp_path, SMTP_HOST=HOST, SMTP_PORT=smtp_server.port)


def run(app: Flask) -> Any:
    """Run the command as the timer does."""
    runner: FlaskCliRunner = app.test_cli_runner()
    return runner.invoke(args=["send-reminders"])


def received(smtp: LoopbackSMTP, subject_start: str) -> list[tuple[str, str]]:
    """(recipient, plain-text body) of every message whose subject starts so, in order."""
    return [
        (
            str(msg["To"].addresses[0].addr_spec),
            msg.get_body(("plain",)).get_content().replace("\r\n", "\n"),
        )
        for msg in smtp.messages
        if str(msg["Subject"]).startswith(subject_start)
    ]


def ledger(app: Flask) -> list[dict[str, Any]]:
    """The reminders table as an auditor reads it."""
    return [dict(r) for r in conn(app).execute("SELECT * FROM reminders ORDER BY kind")]


def audit_actions(app: Flask, prefix: str = "reminder.") -> list[str]:
    rows = conn(app).execute(
        "SELECT action FROM audit_log WHERE action LIKE ? ORDER BY id", (f"{prefix}%",)
    )
    return [r["action"] for r in rows]


def submit(app: Flask, talk_id: str, role: str) -> None:
    """The person of `role` submits an empty preparation."""
    save_preparation(
        conn(app),
        talk_id,
        role,
        {},
        expected_version=0,
        submit=True,
        signer=signer(app, "preparation"),
    )


PREPARE_EMPLOYEE = "Påminnelse: förbered ditt medarbetarsamtal"
PREPARE_MANAGER = "Påminnelse: förbered medarbetarsamtalet med"
UNSIGNED = "Planen från medarbetarsamtalet väntar på din underskrift"
FOLLOW_UP = "Dags att följa upp planen"
NOT_CALLED = "Medarbetare som du ännu inte har kallat"


# --- preparation not submitted ----------------------------------------------------------------


def held_plan(app: Flask, talk: Any, *signers: str, day: str = "") -> dict[str, Any]:
    """A plan with one row ("Lära mig SQL", dated `day` if given), the talk held, signed by
    `signers`; the plan's content."""
    content = plan_content(cell="Lära mig SQL", day=day)
    save_plan(app, talk, content)
    plan_store.mark_held(conn(app), talk.id)
    sign_plan(app, talk, *signers)
    return content


def test_preparation_reminders_come_three_days_before_the_talk_once(
    remind_app: Flask, smtp_server: LoopbackSMTP, clock: time_machine.TimeMachineFixture
) -> None:
    talk = talk_of(remind_app, "employee_a")
    call_directly(remind_app, talk, TALK_STARTS)

    clock.move_to(datetime(2026, 11, 16, 23, 0, tzinfo=STOCKHOLM), tick=False)
    assert received(smtp_server, "Påminnelse: förbered") == []

    clock.move_to(datetime(2026, 11, 17, 7, 0, tzinfo=STOCKHOLM), tick=False)
    result = run(remind_app)
    assert result.exit_code == 0, result.output
    [(to_employee, employee_body)] = received(smtp_server, PREPARE_EMPLOYEE)
    [(to_manager, manager_body)] = received(smtp_server, PREPARE_MANAGER)
    assert to_employee == "anna.exempelsson@example.se"
    assert to_manager == "karin.chefsberg@example.se"
    assert "Hej Anna Exempelsson!" in employee_body
    assert (
        "Ditt medarbetarsamtal med Karin Chefsberg är fredag 20 november 2026 kl. 10.00. "
        "Du har ännu inte skickat in din förberedelse." in employee_body
    )
    assert "Medarbetarsamtalet med Anna Exempelsson är fredag 20 november 2026" in manager_body
    assert "Skickade påminnelser: 2" in result.output
    assert "Förberedelse inte inskickad (medarbetare): Anna Exempelsson" in result.output
    assert "/logga-in/" not in result.output  # no token on the terminal or in the timer's log

    again = run(remind_app)
    assert again.exit_code == 0, again.output
    assert again.output.strip() == "Inga påminnelser att skicka."
    assert len(received(smtp_server, "Påminnelse: förbered")) == 2
    assert [r["sent_at"] is not None for r in ledger(remind_app)] == [True, True]
    assert audit_actions(remind_app) == ["reminder.sent", "reminder.sent"]


def test_only_whoever_has_not_submitted_is_reminded(
    remind_app: Flask, smtp_server: LoopbackSMTP, clock: time_machine.TimeMachineFixture
) -> None:
    talk = talk_of(remind_app, "employee_a")
    call_directly(remind_app, talk, TALK_STARTS)
    submit(remind_app, talk.id, "employee")
    clock.move_to(datetime(2026, 11, 18, 12, 0, tzinfo=STOCKHOLM), tick=False)
    assert run(remind_app).exit_code == 0
    assert received(smtp_server, PREPARE_EMPLOYEE) == []
    assert [to for to, _ in received(smtp_server, PREPARE_MANAGER)] == [
        "karin.chefsberg@example.se"
    ]


def test_the_reminders_link_signs_in_once_and_leads_to_the_preparation(
    remind_app: Flask, smtp_server: LoopbackSMTP, clock: time_machine.TimeMachineFixture
) -> None:
    talk = talk_of(remind_app, "employee_a")
    call_directly(remind_app, talk, TALK_STARTS)
    clock.move_to(datetime(2026, 11, 18, 12, 0, tzinfo=STOCKHOLM), tick=False)
    run(remind_app)
    [(_, body)] = received(smtp_server, PREPARE_EMPLOYEE)
    assert "Här är din personliga länk. Den fungerar en gång och gäller i 21 dagar." in body
    [link] = [line for line in body.splitlines() if "/logga-in/" in line]
    _, location = sign_in_with(remind_app, link.strip())
    assert location == f"/samtal/{talk.id}/forberedelse"


def test_a_manager_who_signs_in_by_sso_only_gets_the_page_not_a_link(
    tmp_path: Path, smtp_server: LoopbackSMTP, clock: time_machine.TimeMachineFixture
) -> None:
    methods = {"employee": ["link", "sso"], "manager": ["sso"], "hr": ["sso"]}
    [app] = make_service(
        tmp_path,
        SMTP_HOST=HOST,
        SMTP_PORT=smtp_server.port,
        SIGN_IN_METHODS=methods,
        OIDC_ISSUER="https://login.example.se",
        OIDC_CLIENT_ID="samtal",
        PUBLIC_URL="https://samtal.example.se",
    )
    talk = talk_of(app, "employee_a")
    call_directly(app, talk, TALK_STARTS)
    clock.move_to(datetime(2026, 11, 18, 12, 0, tzinfo=STOCKHOLM), tick=False)
    assert run(app).exit_code == 0
    [(_, body)] = received(smtp_server, PREPARE_MANAGER)
    assert "/logga-in/" not in body
    assert (
        f"Logga in i formulärtjänsten här:\nhttps://samtal.example.se/samtal/{talk.id}/forberedelse"
        in body
    )


def test_a_moved_talk_is_reminded_again(
    remind_app: Flask, smtp_server: LoopbackSMTP, clock: time_machine.TimeMachineFixture
) -> None:
    talk = talk_of(remind_app, "employee_a")
    call_directly(remind_app, talk, TALK_STARTS)
    clock.move_to(datetime(2026, 11, 18, 12, 0, tzinfo=STOCKHOLM), tick=False)
    run(remind_app)
    call_directly(remind_app, talk_of(remind_app, "employee_a"), TALK_STARTS + timedelta(days=1))
    run(remind_app)
    bodies = [body for _, body in received(smtp_server, PREPARE_EMPLOYEE)]
    assert len(bodies) == 2
    assert "lördag 21 november 2026 kl. 10.00" in bodies[1]


# --- the plan not signed -----------------------------------------------------------------------


def test_an_unsigned_plan_is_reminded_to_whoever_has_not_signed(
    remind_app: Flask, smtp_server: LoopbackSMTP, clock: time_machine.TimeMachineFixture
) -> None:
    talk = talk_of(remind_app, "employee_a")
    call_directly(remind_app, talk, TALK_STARTS)
    clock.move_to(datetime(2026, 11, 20, 11, 0, tzinfo=STOCKHOLM), tick=False)
    held_plan(remind_app, talk, "manager")

    clock.move_to(datetime(2026, 11, 27, 10, 0, tzinfo=STOCKHOLM), tick=False)
    run(remind_app)
    assert received(smtp_server, UNSIGNED) == []

    clock.move_to(datetime(2026, 11, 27, 11, 0, tzinfo=STOCKHOLM), tick=False)
    run(remind_app)
    [(to, body)] = received(smtp_server, UNSIGNED)
    assert to == "anna.exempelsson@example.se"
    assert "Medarbetarsamtalet hölls 20 november 2026." in body
    assert "prata med Karin Chefsberg innan du skriver under" in body
    assert "Lära mig SQL" not in body  # never any content
    run(remind_app)
    assert len(received(smtp_server, UNSIGNED)) == 1


# --- follow-up rows whose date has come --------------------------------------------------------


def test_follow_up_is_reminded_on_the_rows_date_to_both(
    remind_app: Flask, smtp_server: LoopbackSMTP, clock: time_machine.TimeMachineFixture
) -> None:
    talk = talk_of(remind_app, "employee_a")
    held_plan(remind_app, talk, "manager", "employee", day="2027-02-01")

    clock.move_to(datetime(2027, 1, 31, 12, 0, tzinfo=STOCKHOLM), tick=False)
    run(remind_app)
    assert received(smtp_server, FOLLOW_UP) == []

    clock.move_to(datetime(2027, 2, 1, 6, 0, tzinfo=STOCKHOLM), tick=False)
    run(remind_app)
    got = received(smtp_server, FOLLOW_UP)
    assert sorted(to for to, _ in got) == [
        "anna.exempelsson@example.se",
        "karin.chefsberg@example.se",
    ]
    body = got[0][1]
    assert "har en eller flera rader datumet 1 februari 2027" in body
    assert "Lära mig SQL" not in body
    run(remind_app)
    assert len(received(smtp_server, FOLLOW_UP)) == 2


def test_a_row_followed_up_as_done_is_not_reminded(
    remind_app: Flask, smtp_server: LoopbackSMTP, clock: time_machine.TimeMachineFixture
) -> None:
    talk = talk_of(remind_app, "employee_a")
    content = held_plan(remind_app, talk, "manager", "employee", day="2027-02-01")
    row_id = content["grids"]["mal"][0]["row_id"]
    plan_store.save_followups(
        conn(remind_app),
        talk.id,
        [(row_id, "klar", "Klart i januari", 0)],
        author_id=talk.employee_id,
        signer=signer(remind_app, "followup"),
    )
    clock.move_to(datetime(2027, 2, 2, 12, 0, tzinfo=STOCKHOLM), tick=False)
    run(remind_app)
    assert received(smtp_server, FOLLOW_UP) == []


# --- not called, to managers and to HR ---------------------------------------------------------


def test_managers_and_hr_hear_who_is_not_called_four_weeks_into_the_round(
    remind_app: Flask, smtp_server: LoopbackSMTP, clock: time_machine.TimeMachineFixture
) -> None:
    call_directly(remind_app, talk_of(remind_app, "employee_b"), datetime(2026, 12, 10, 9, 0))
    clock.move_to(ROUND_OPENS + timedelta(weeks=4, minutes=-1), tick=False)
    run(remind_app)
    assert received(smtp_server, NOT_CALLED) == []
    assert received(smtp_server, "") == []

    clock.move_to(ROUND_OPENS + timedelta(weeks=4), tick=False)
    result = run(remind_app)
    assert result.exit_code == 0, result.output
    to_managers = dict(received(smtp_server, NOT_CALLED))
    karin = to_managers["karin.chefsberg@example.se"]
    assert "Samtalsomgången 2026 öppnade 2 november 2026." in karin
    assert "  - Anna Exempelsson" in karin
    assert "Bo Provsson" not in karin  # called
    assert "Lars Slutadsson" not in karin  # has left
    assert "  - Cecilia Testlund" in to_managers["erik.ledarsson@example.se"]

    # Tove (Ledning) has not called Hanna, Karin and Erik either.
    [(to_hr, digest)] = received(smtp_server, "5 medarbetare är ännu inte kallade")
    assert to_hr == "hanna.personalsson@example.se"
    assert (
        "HR\n  - Hanna Personalsson (chef: Tove Toppsson)\n\n"
        "Norr\n  - Cecilia Testlund (chef: Erik Ledarsson)\n"
        "  - Erik Ledarsson (chef: Tove Toppsson)\n\n"
        "Syd\n  - Anna Exempelsson (chef: Karin Chefsberg)\n"
        "  - Karin Chefsberg (chef: Tove Toppsson)\n" in digest
    )
    assert "Bo Provsson" not in digest and "Lars Slutadsson" not in digest
    [link] = [line for line in digest.splitlines() if "/logga-in/" in line]
    round_id = talk_of(remind_app, "employee_a").round_id
    assert sign_in_with(remind_app, link)[1] == f"/hr/samtalsomgangar/{round_id}"

    count = len(smtp_server.messages)
    assert run(remind_app).output.strip() == "Inga påminnelser att skicka."
    assert len(smtp_server.messages) == count


# --- a mail server that fails, a run that dies, no mail server at all -------------------------


def test_a_failing_mail_server_records_nothing_and_the_next_run_sends(
    tmp_path: Path, smtp_server: LoopbackSMTP, clock: time_machine.TimeMachineFixture
) -> None:
    [app] = make_service(tmp_path, SMTP_HOST=HOST, SMTP_PORT=free_port())  # nobody listens
    talk = talk_of(app, "employee_a")
    call_directly(app, talk, TALK_STARTS)
    clock.move_to(datetime(2026, 11, 18, 12, 0, tzinfo=STOCKHOLM), tick=False)

    failed = run(app)
    assert failed.exit_code == 1
    assert "Påminnelser som inte kunde skickas: 2. De skickas nästa gång" in failed.output
    assert ledger(app) == []
    assert audit_actions(app) == ["reminder.failed", "reminder.failed"]

    app.config["SMTP_PORT"] = smtp_server.port  # the mail server is back
    sent = run(app)
    assert sent.exit_code == 0, sent.output
    assert len(received(smtp_server, PREPARE_EMPLOYEE)) == 1
    assert len(received(smtp_server, PREPARE_MANAGER)) == 1
    assert [r["sent_at"] is not None for r in ledger(app)] == [True, True]
    assert audit_actions(app)[2:] == ["reminder.sent", "reminder.sent"]


def test_a_run_that_dies_after_sending_sends_again_once_its_claim_is_stale(
    remind_app: Flask,
    smtp_server: LoopbackSMTP,
    clock: time_machine.TimeMachineFixture,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    talk = talk_of(remind_app, "employee_a")
    call_directly(remind_app, talk, TALK_STARTS)
    submit(remind_app, talk.id, "manager")
    clock.move_to(datetime(2026, 11, 18, 12, 0, tzinfo=STOCKHOLM), tick=False)

    def power_cut(*args: object) -> None:
        raise KeyboardInterrupt  # the process dies between sending and recording

    monkeypatch.setattr(service.store, "mark_sent", power_cut)
    assert run(remind_app).exit_code != 0
    monkeypatch.undo()
    assert len(received(smtp_server, PREPARE_EMPLOYEE)) == 1
    [claim] = ledger(remind_app)
    assert claim["sent_at"] is None  # claimed, not recorded as sent
    assert audit_actions(remind_app) == []

    run(remind_app)  # another run at once (a second timer) leaves the fresh claim alone
    assert len(received(smtp_server, PREPARE_EMPLOYEE)) == 1

    clock.move_to(datetime(2026, 11, 18, 13, 1, tzinfo=STOCKHOLM), tick=False)
    run(remind_app)  # at least once: the stale claim is sent again, and now recorded
    assert len(received(smtp_server, PREPARE_EMPLOYEE)) == 2
    assert [r["sent_at"] is not None for r in ledger(remind_app)] == [True]
    assert audit_actions(remind_app) == ["reminder.sent"]


def test_without_a_mail_server_the_command_says_so_and_sends_nothing(
    app: Flask, runner: FlaskCliRunner
) -> None:
    result = runner.invoke(args=["send-reminders"])
    assert result.exit_code == 1
    assert "Ingen e-postserver är inställd (FORMSERVER_SMTP_HOST)" in result.output
    assert ledger(app) == []


def test_the_audit_entry_names_the_talk_and_the_recipient_not_the_link(
    remind_app: Flask, smtp_server: LoopbackSMTP, clock: time_machine.TimeMachineFixture
) -> None:
    talk = talk_of(remind_app, "employee_a")
    call_directly(remind_app, talk, TALK_STARTS)
    submit(remind_app, talk.id, "manager")
    clock.move_to(datetime(2026, 11, 18, 12, 0, tzinfo=STOCKHOLM), tick=False)
    run(remind_app)
    [entry] = (
        conn(remind_app)
        .execute("SELECT * FROM audit_log WHERE action = 'reminder.sent'")
        .fetchall()
    )
    assert (entry["object_type"], entry["object_id"]) == ("talk", talk.id)
    assert entry["detail"] == f"preparation_employee till {talk.employee_id}"
    assert entry["at"] == datetime(2026, 11, 18, 11, 0, tzinfo=UTC).isoformat()
