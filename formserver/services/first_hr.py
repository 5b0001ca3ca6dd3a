"""The first HR person of a new installation, before any roster is imported.

The person is checked exactly as a roster line would be (one line through `parse_roster`), so a
later import with the same employee number recognises and updates them, keeping the HR role.
"""

from __future__ import annotations

import csv
import io
import sqlite3
from datetime import date

from formserver.services.roster import COLUMNS, RosterError, parse_roster
from formserver.store import audit
from formserver.store.people import Person, create_first_hr


class NotAPerson(Exception):
    """The details given do not make a valid roster line; the errors say why, in Swedish."""

    def __init__(self, errors: tuple[RosterError, ...]) -> None:
        super().__init__("; ".join(error.message for error in errors))
        self.errors = errors


def set_up_first_hr(
    conn: sqlite3.Connection,
    *,
    email: str,
    name: str,
    employee_number: str,
    unit: str,
    today: date,
) -> Person:
    """Create the first person, with the HR role, while the roster is empty; audited.

    Raises NotAPerson for details a roster would refuse, RosterNotEmpty once anyone exists.
    """
    buffer = io.StringIO()
    writer = csv.writer(buffer, delimiter=";", lineterminator="\n")
    writer.writerow(COLUMNS)
    writer.writerow([employee_number, name, email, unit, "", "", "tillsvidare", today, ""])
    result = parse_roster(buffer.getvalue().encode())
    if not result.ok:
        raise NotAPerson(result.errors)
    [row] = result.rows
    event = audit.Event(None, "person.grant_hr", detail="första HR-personen, utan personallista")
    return create_first_hr(conn, row, event)
