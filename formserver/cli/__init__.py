"""Command-line interface for HR and IT: `formserver --help` (or `flask --app formserver`)."""

from __future__ import annotations

import click
from flask import Flask
from flask.cli import FlaskGroup

from formserver.cli.people import (
    grant_hr,
    import_roster_command,
    init_db,
    issue_link,
    load_demo,
    open_round,
)
from formserver.cli.records import (
    backup_command,
    export_person,
    purge_command,
    rekey_command,
    restore_command,
    verify_plan,
)


def register_commands(app: Flask) -> None:
    """Add the commands to `flask --app formserver` and `formserver`."""
    for command in (
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
        rekey_command,
    ):
        app.cli.add_command(command)


def _create_app() -> Flask:
    from formserver.app import create_app

    return create_app()


@click.group(cls=FlaskGroup, create_app=_create_app, add_default_commands=True)
def main() -> None:
    """Medarbetarsamtal form service: HR and IT commands. Run `formserver COMMAND --help`."""
