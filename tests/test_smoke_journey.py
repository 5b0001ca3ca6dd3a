"""The preparation journey through the test client: sign in, save a draft, come back, submit."""

from __future__ import annotations

from flask import Flask

from tests.factories import SignIn, csrf_token, talk_of


def test_employee_saves_a_draft_and_finds_it_again(app: Flask, signed_in: SignIn) -> None:
    client = signed_in("employee_a")
    talk = talk_of(app, "employee_a")
    form = client.get(f"/samtal/{talk.id}/forberedelse")
    assert form.status_code == 200
    saved = client.post(
        f"/samtal/{talk.id}/forberedelse",
        data={
            "csrf_token": csrf_token(form.text),
            "version": "0",
            "action": "spara",
            "q_halsa": "Bra, men <b>trött</b> i perioder.",
        },
    )
    assert saved.status_code == 302
    again = client.get(saved.location)
    assert "Utkastet är sparat." in again.text
    assert "Bra, men &lt;b&gt;trött&lt;/b&gt; i perioder.</textarea>" in again.text
