"""Command-line interface for HR and IT: the commands, registered on the app."""

from __future__ import annotations

from flask import Flask

from formserver.cli.integrity import verify_command
from formserver.cli.people import (
    grant_hr,
    import_roster_command,
    init_db,
    issue_link,
    load_demo,
    open_round,
)
from formserver.cli.plan_pdfs import render_pdfs
from formserver.cli.records import (
    backup_command,
    export_person,
    purge_command,
    rekey_command,
    restore_command,
    verify_plan,
)
from formserver.cli.reminders import send_reminders

COMMANDS = (
    init_db,
    import_roster_command,
    grant_hr,
    open_round,
    issue_link,
    load_demo,
    purge_command,
    export_person,
    backup_command,
    restore_command,
    verify_plan,
    verify_command,
    rekey_command,
    render_pdfs,
    send_reminders,
)


def register_commands(app: Flask) -> None:
    """Add the commands to `flask --app formserver` (`formserver` has them on its own)."""
    for command in COMMANDS:
        app.cli.add_command(command)
