""" "Mina medarbetare" uses the one status vocabulary: a signed plan and an unsigned one no
longer both read "Genomförd"."""

from __future__ import annotations

import re

from flask import Flask

from tests.views.plan_helpers import held_plan, sign_plan, signed_plan, write_plan


def status_on_team_page(html: str, name: str) -> str:
    match = re.search(rf">{name}</a></td>\s*<td>([^<]+)</td>", html)
    assert match, f"{name} not on the team page"
    return match.group(1)


def test_the_team_page_tells_signed_from_waiting(app: Flask) -> None:
    talk_a, manager, _ = signed_plan(app)
    talk_b, _, _ = held_plan(app, "employee_b")

    page = manager.get("/chef").text
    assert status_on_team_page(page, "Anna Exempelsson") == "Underskriven av båda"
    assert status_on_team_page(page, "Bo Provsson") == "Genomförd"  # held, nobody signed yet

    assert sign_plan(manager, talk_b).status_code == 302
    assert write_plan(manager, talk_a, notes={"arbetssituation": "Ny text"}).status_code == 302

    page = manager.get("/chef").text
    assert status_on_team_page(page, "Bo Provsson") == "Väntar på underskrift"
    # A change after both signed: the new version waits for their signatures.
    assert status_on_team_page(page, "Anna Exempelsson") == "Väntar på underskrift"
