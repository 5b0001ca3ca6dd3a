"""The `formserver` command: `formserver --help` (or `flask --app formserver --help`)."""

from __future__ import annotations

import click
from flask.cli import FlaskGroup

from formserver.app import create_app


@click.group(cls=FlaskGroup, create_app=create_app, add_default_commands=True)
def main() -> None:
    """Medarbetarsamtal form service: HR and IT commands. Run `formserver COMMAND --help`."""
