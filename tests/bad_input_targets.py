"""Every free-text field as its user reaches it, and the shared service of the bad-input tests.

Each tests/test_bad_input_*.py module that runs many cases against one service has a
module-scoped fixture that yields from `shared_service`.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import datetime
from itertools import count as counter
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from werkzeug.test import TestResponse

from formserver.common.text import clean_line, clean_text
from formserver.store import plans as plan_store
from formserver.store.preparations import get_preparation
from formserver.store.talks import get_talk
from tests.bad_input_helpers import SAVED, input_value, input_values, textarea
from tests.factories import (
    ROW,
    call_directly,
    conn,
    csrf_token,
    held_and_signed,
    in_days,
    latest_plan,
    make_service,
    open_round,
    plan_content,
    save_plan,
    signed_in_browser,
    signer,
    talk_by_year,
)

# --- every free-text field, as its user reaches it ------------------------------------------------


@dataclass
class Target:
    """One free-text field: where its form is, how it is sent and where its value is stored."""

    name: str
    client: FlaskClient
    page_url: str
    post_url: str
    field: str
    limit: int
    single_line: bool
    hidden: Callable[[str], dict[str, Any]]
    read: Callable[[], str]
    success: int = 302
    fresh: Callable[[], None] = lambda: None  # make it ready for one more save

    def open(self) -> str:
        """The form page, as the user opens it."""
        page = self.client.get(self.page_url)
        assert page.status_code == 200, page.text
        return page.text

    def data(self, text: str, page: str | None = None, **extra: Any) -> dict[str, Any]:
        """Everything the form sends, with `text` typed into the field."""
        return {**self.hidden(page or self.open()), self.field: text, **extra}

    def post(self, text: str, page: str | None = None, **extra: Any) -> TestResponse:
        """Open the form (unless given) and send it with `text` typed in."""
        return self.client.post(self.post_url, data=self.data(text, page, **extra))

    def post_raw(self, body: bytes, content_type: str) -> TestResponse:
        return self.client.post(self.post_url, data=body, content_type=content_type)

    def shown(self, page: str) -> str | None:
        """What the field holds on a page (a textarea, or an input for one-line fields)."""
        found = textarea(page, self.field)
        return found if found is not None else input_value(page, self.field)

    def normalised(self, text: str) -> str:
        """What the service should store for `text`."""
        return clean_line(text) if self.single_line else clean_text(text)


def preparation_target(app: Flask, role: str = "employee_a", year: int = 2026) -> Target:
    talk = talk_by_year(app, role, year)
    url = f"/samtal/{talk.id}/forberedelse"

    def hidden(page: str) -> dict[str, Any]:
        return {
            "csrf_token": csrf_token(page),
            "version": input_value(page, "version"),
            "action": "spara",
        }

    def read() -> str:
        found = get_preparation(conn(app), talk.id, "employee", signer(app, "preparation"))
        return found.answers.get("halsa", {}).get("value", "") if found else ""

    limit = int(app.config["TEXT_FIELD_MAX_CHARS"])
    client = signed_in_browser(app, role)
    return Target("forberedelse", client, url, url, "q_halsa", limit, False, hidden, read)


def plan_hidden_fields(page: str) -> dict[str, Any]:
    return {
        "csrf_token": csrf_token(page),
        "number": input_value(page, "number"),
        "edits": input_value(page, "edits"),
        "action": "spara",
        "rows_mal": input_values(page, "rows_mal"),
        "rows_arets_utmaning": input_values(page, "rows_arets_utmaning"),
    }


def plan_target(app: Flask, field: str, column: str | None, year: int = 2026) -> Target:
    talk = talk_by_year(app, "employee_a", year)
    save_plan(app, talk, plan_content())  # one (empty) row with a known id

    def read() -> str:
        latest = latest_plan(app, talk)
        if latest is None:
            return ""
        if column is None:
            return str(latest.content["notes"].get("arbetssituation", ""))
        [row] = [r for r in latest.content["grids"]["mal"] if r["row_id"] == ROW]
        return str(row.get(column, ""))

    url = f"/samtal/{talk.id}/plan"
    limit = int(app.config["TEXT_FIELD_MAX_CHARS"])
    name = "anteckningar" if column is None else "planrad"
    client = signed_in_browser(app, "manager")
    return Target(name, client, url, url, field, limit, False, plan_hidden_fields, read)


def note_target(app: Flask) -> Target:
    return plan_target(app, "note_arbetssituation", None)


def cell_target(app: Flask) -> Target:
    return plan_target(app, f"cell_mal_{ROW}_medarbetarens_mal", "medarbetarens_mal")


def followup_target(app: Flask, role: str = "employee_b") -> Target:
    talk = talk_by_year(app, role)
    held_and_signed(app, talk)
    url = f"/samtal/{talk.id}/uppfoljning"

    def hidden(page: str) -> dict[str, Any]:
        return {
            "csrf_token": csrf_token(page),
            f"status_{ROW}": "pagar",
            f"version_{ROW}": input_value(page, f"version_{ROW}"),
        }

    def read() -> str:
        found = plan_store.followups(conn(app), talk.id, signer(app, "followup")).get(ROW)
        return found.result if found else ""

    limit = int(app.config["TEXT_FIELD_MAX_CHARS"])
    client = signed_in_browser(app, role)
    return Target("uppfoljning", client, url, url, f"result_{ROW}", limit, False, hidden, read)


def place_target(app: Flask) -> Target:
    talk = talk_by_year(app, "employee_a")
    url = f"/samtal/{talk.id}/kalla"

    def hidden(page: str) -> dict[str, Any]:
        return {
            "csrf_token": csrf_token(page),
            "version": input_value(page, "version"),
            "day": in_days(30).isoformat(),
            "start": "10:00",
            "duration": "45",
            "message": "",
        }

    def read() -> str:
        found = get_talk(conn(app), talk.id)
        return found.place if found else ""

    client = signed_in_browser(app, "manager")
    return Target("kallelse", client, url, url, "place", 300, True, hidden, read, success=200)


def signature_target(app: Flask, role: str = "employee_a") -> Target:
    talk = talk_by_year(app, role)
    save_plan(app, talk, plan_content(cell="Gå en kurs i svenska"))
    plan_store.mark_held(conn(app), talk.id)
    versions = counter(1)

    def fresh() -> None:
        """A version nobody has signed yet (a signed one gets a successor)."""
        latest = latest_plan(app, talk)
        if latest is not None and latest.signatures:
            save_plan(app, talk, plan_content(cell=f"Gå en kurs i svenska, del {next(versions)}"))

    def hidden(page: str) -> dict[str, Any]:
        return {
            "csrf_token": csrf_token(page),
            "number": input_value(page, "number"),
            "content_hash": input_value(page, "content_hash"),
        }

    def read() -> str:
        latest = latest_plan(app, talk)
        signature = latest.signatures.get("employee") if latest else None
        return signature.comment if signature else ""

    url = f"/samtal/{talk.id}/plan"
    client = signed_in_browser(app, role)
    return Target(
        "underskrift",
        client,
        url,
        url + "/signera",
        "comment",
        2000,
        False,
        hidden,
        read,
        fresh=fresh,
    )


TARGETS: dict[str, Callable[[Flask], Target]] = {
    "forberedelse": preparation_target,
    "anteckningar": note_target,
    "planrad": cell_target,
    "uppfoljning": followup_target,
    "kallelse": place_target,
    "underskrift": signature_target,
}
# Targets whose saved value can be saved again (a signature cannot be signed twice).
EDITABLE = [name for name in TARGETS if name != "underskrift"]


# In the shared service each target has a talk of its own: the signature needs a held talk,
# which would lock the preparation.
SHARED_ROLES = {"uppfoljning": "employee_b", "underskrift": "employee_c"}


@dataclass
class SharedService:
    """One service for many cases, with each target built in it once.

    Every case proves "nothing changed" by comparing the database before and after its own
    request, so the cases need not start from an empty database.
    """

    app: Flask
    built: dict[str, Target] = field(default_factory=dict)

    def target(self, name: str) -> Target:
        """The target (built on first use), ready for one more save."""
        if name not in self.built:
            build: Any = TARGETS[name]
            role = SHARED_ROLES.get(name)
            self.built[name] = build(self.app, role) if role else build(self.app)
        target = self.built[name]
        target.fresh()
        return target

    def seeded(self, name: str) -> Target:
        """The target with a value already saved (a draft that bad input must not wipe)."""
        target = self.target(name)
        if name in EDITABLE:
            response = target.post(SAVED)
            assert response.status_code == target.success, response.text
            assert target.read() == SAVED
        return target

    def dated_plan(self) -> Target:
        """The plan row of a talk with a date (employee A's talk in the 2027 round)."""
        if "datum" not in self.built:
            cell = f"cell_mal_{ROW}_medarbetarens_mal"
            self.built["datum"] = plan_target(self.app, cell, "medarbetarens_mal", 2027)
        return self.built["datum"]


# The talk whose plan dates are checked (employee A, 2027 round) is held on this day.
TALK_DAY = datetime(2026, 12, 15, 10, 0)


def shared_service(tmp_path: Path) -> Iterator[SharedService]:
    """The shared service: the test people, and a 2027 round in which A's talk is called."""
    for app in make_service(tmp_path):
        open_round(app, 2027)
        call_directly(app, talk_by_year(app, "employee_a", 2027), TALK_DAY)
        yield SharedService(app)


@pytest.fixture(scope="module")
def shared(tmp_path_factory: pytest.TempPathFactory) -> Iterator[SharedService]:
    """One service per test module for the bad-input cases (a plugin of tests/conftest.py)."""
    yield from shared_service(tmp_path_factory.mktemp("shared"))
