"""The manager and the employee saving the same follow-up at once: one save, one conflict."""

from __future__ import annotations

import re
import threading
from html import unescape
from typing import Any

from flask import Flask
from flask.testing import FlaskClient
from werkzeug.test import TestResponse

from formserver.store import db, plans
from tests.concurrency_helpers import plan_signed_by_both
from tests.factories import conn, csrf_token, sign_in, signer

# --- (b) the manager and the employee saving the same follow-up at once --------------------------


def _textarea(html: str, name: str) -> str | None:
    """What a textarea holds, or None when there is none."""
    match = re.search(
        rf'<textarea[^>]*\bname="{re.escape(name)}"[^>]*>(.*?)</textarea>', html, re.S
    )
    return unescape(match.group(1)) if match else None


def _hidden(html: str, name: str) -> str:
    match = re.search(rf'name="{re.escape(name)}" value="([^"]*)"', html)
    assert match, f"no hidden field {name}"
    return match.group(1)


def _race(
    browsers: dict[str, FlaskClient], url: str, forms: dict[str, dict[str, str]]
) -> dict[str, TestResponse]:
    """POST every browser's form at the same moment, each from its own thread."""
    barrier = threading.Barrier(len(browsers))
    responses: dict[str, TestResponse] = {}
    failures: list[str] = []

    def post(who: str) -> None:
        try:
            barrier.wait(timeout=10)
            responses[who] = browsers[who].post(url, data=forms[who])
        except BaseException as error:  # pragma: no cover - reported below
            failures.append(f"{who}: {type(error).__name__}: {error}")
        finally:
            db.close_thread_connections()

    threads = [threading.Thread(target=post, args=(who,)) for who in browsers]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert failures == []
    return responses


ROUNDS = 5


def _followup_race(app: Flask) -> list[tuple[str, str, dict[str, TestResponse], Any]]:
    """ROUNDS races on the same follow-up; per race (winner, loser, responses, stored row)."""
    talk, row_id = plan_signed_by_both(app)
    url = f"/samtal/{talk.id}/uppfoljning"
    browsers = {"manager": app.test_client(), "employee_a": app.test_client()}
    for role, browser in browsers.items():
        sign_in(browser, app, role)
    followup_signer = signer(app, "followup")
    outcomes = []
    for number in range(1, ROUNDS + 1):
        forms = {}
        for role, browser in browsers.items():
            page = browser.get(url)
            assert page.status_code == 200, page.text
            assert _hidden(page.text, f"version_{row_id}") == str(number - 1)
            forms[role] = {
                "csrf_token": csrf_token(page.text),
                f"version_{row_id}": str(number - 1),
                f"status_{row_id}": "pagar" if role == "manager" else "klar",
                f"result_{row_id}": f"Runda {number}: {role} skriver att kursen gick bra.",
            }
        responses = _race(browsers, url, forms)
        statuses = {role: r.status_code for role, r in responses.items()}
        assert sorted(statuses.values()) == [302, 409], statuses
        winner = next(role for role, status in statuses.items() if status == 302)
        loser = next(role for role, status in statuses.items() if status == 409)
        stored = plans.followups(conn(app), talk.id, followup_signer)[row_id]
        outcomes.append((winner, loser, responses, (stored, forms, row_id, number)))
    return outcomes


def test_manager_and_employee_saving_the_same_followup_at_once_get_one_save_one_conflict(
    app: Flask,
) -> None:
    for winner, loser, responses, (stored, forms, row_id, number) in _followup_race(app):
        won, lost = forms[winner], forms[loser]
        # Exactly the winner's save is stored, once.
        assert stored.version == number
        assert (stored.status, stored.result) == (
            won[f"status_{row_id}"],
            won[f"result_{row_id}"],
        )
        assert responses[winner].headers["Location"].endswith("sparad=1")
        # The loser's page says what happened and keeps their text in the form.
        page = responses[loser].text
        assert "Någon annan sparade" in page
        assert _textarea(page, f"result_{row_id}") == lost[f"result_{row_id}"]


def test_the_followup_conflict_page_also_shows_the_text_that_was_saved(app: Flask) -> None:
    """Issue 6: "one save and one conflict page with both texts" (as the preparation form does).

    The loser must see what the winner saved before deciding to save again: the conflict page's
    hidden version is already the winner's, so saving it as it stands overwrites the winner.
    """
    for winner, loser, responses, (_stored, forms, row_id, _number) in _followup_race(app):
        page = unescape(responses[loser].text)
        won, lost = forms[winner][f"result_{row_id}"], forms[loser][f"result_{row_id}"]
        assert lost in page
        assert won in page, (
            f"the {loser}'s conflict page does not show the text the {winner} saved: {won!r}"
        )
