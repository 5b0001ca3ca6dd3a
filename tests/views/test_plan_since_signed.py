"""After a change to a plan someone signed: each sees what changed since they signed, the
employee's signing comment is offered again, and the versions page shows every comment."""

from __future__ import annotations

from flask import Flask

from tests.views.plan_helpers import (
    GOAL,
    NOTE,
    field_text,
    open_plan,
    plan_url,
    sign_plan,
    signed_plan,
    write_plan,
)
from tests.views.soup import parse, text_of

NEW_NOTE = "Anna byter arbetslag i januari."
COMMENT = "Jag vill gärna gå kursen redan i vår."


def since_signed_rows(html: str) -> list[list[str]]:
    section = parse(html).find("section", class_="since-signed")
    assert section is not None, "no 'Ändrat sedan du skrev under' section"
    return [[text_of(td) for td in tr.find_all("td")] for tr in section.find_all("tr") if tr.td]


def test_each_sees_what_changed_since_they_signed(app: Flask) -> None:
    talk, manager, employee = signed_plan(app, comment=COMMENT)
    assert "Ändrat sedan du skrev under" not in open_plan(employee, talk)

    assert write_plan(manager, talk, notes={"arbetssituation": NEW_NOTE}).status_code == 302

    for reader in (employee, manager):
        html = open_plan(reader, talk)
        assert "Ändrat sedan du skrev under version 1" in text_of(parse(html))
        assert since_signed_rows(html) == [
            ["Anteckningar: Arbetssituation och hälsa", NOTE, NEW_NOTE],
        ]
    # Unchanged rows are not listed.
    assert GOAL not in str(since_signed_rows(open_plan(employee, talk)))


def test_the_comment_from_signing_is_offered_again_and_can_be_changed(app: Flask) -> None:
    talk, manager, employee = signed_plan(app, comment=COMMENT)
    assert write_plan(manager, talk, notes={"arbetssituation": NEW_NOTE}).status_code == 302

    html = open_plan(employee, talk)

    assert field_text(html, "comment") == COMMENT
    assert "Kommentaren är den du skrev när du skrev under version 1." in html
    assert sign_plan(employee, talk, "Ny kommentar").status_code == 302
    after = open_plan(employee, talk)
    assert "Ändrat sedan du skrev under" not in after  # she has signed the newest now


def test_the_versions_page_shows_every_signatures_comment(app: Flask) -> None:
    talk, manager, employee = signed_plan(app, comment=COMMENT)
    assert write_plan(manager, talk, notes={"arbetssituation": NEW_NOTE}).status_code == 302
    assert sign_plan(manager, talk).status_code == 302
    assert sign_plan(employee, talk, "Nu stämmer det.").status_code == 302

    page = employee.get(plan_url(talk, "/versioner"))

    assert page.status_code == 200
    versions = {
        text_of(section.h2): text_of(section)
        for section in parse(page.text).find_all("section", class_="version")
    }
    assert f"med kommentar: {COMMENT}" in versions["Version 1"]
    assert "med kommentar: Nu stämmer det." in versions["Version 2"]
