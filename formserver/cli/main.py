"""The `formserver` command: `formserver --help` (or `flask --app formserver --help`).

Listing the commands needs no app, so `--help` works before any production setting is made;
a command that needs the app creates it, and says in Swedish what is missing if it cannot.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import click
from flask import Flask
from flask.cli import FlaskGroup

from formserver.app import create_app
from formserver.cli import COMMANDS
from formserver.cli.records import Stop
from formserver.config import UnsafeConfiguration, config_problems, load_config
from formserver.documents.seal import seal_problems
from formserver.siteconfig import ConfigError, load_site_config


def _create_app() -> Flask:
    try:
        return create_app()
    except (UnsafeConfiguration, ConfigError) as error:
        raise Stop(str(error)) from None


class ServiceGroup(FlaskGroup):
    """A FlaskGroup whose commands are its own: none is looked up on the app."""

    def list_commands(self, ctx: click.Context) -> list[str]:
        """Every command, without creating the app."""
        return sorted(self.commands)

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        """A command by name, without creating the app."""
        return self.commands.get(cmd_name)


@click.group(cls=ServiceGroup, create_app=_create_app, add_default_commands=True)
def main() -> None:
    """Medarbetarsamtal form service: HR and IT commands. Run `formserver COMMAND --help`."""


@main.command("check-config", with_appcontext=False)
def check_config() -> None:
    """Run the start-up self-check and print what it finds, without starting the service."""
    app = Flask("formserver", instance_relative_config=True)
    load_config(app, None)
    problems = config_problems(app.config, relaxed=bool(app.debug)) + seal_problems(app.config)
    try:
        site = load_site_config(Path(app.config["SITE_CONFIG_DIR"]))
    except ConfigError as error:
        problems.append(str(error))
        site = None
    facts: list[tuple[str, Any]] = [
        ("Databas", app.config["DATABASE"]),
        ("site_config", app.config["SITE_CONFIG_DIR"]),
        ("Organisation", site.organisation.name if site else "–"),
        ("Handbokens adress", site.organisation.handbook_url if site else "–"),
        ("Tjänstens adress", app.config["PUBLIC_URL"] or "–"),
        ("Betrodda proxyer", app.config["PROXY_COUNT"]),
        ("E-post", app.config["SMTP_HOST"] or "ingen (länkar lämnas över för hand)"),
        ("Försegling", app.config["SEAL_PKCS12"] or "ingen (PDF:erna förseglas inte)"),
    ]
    for label, value in facts:
        click.echo(f"{label}: {value}")
    if problems:
        click.echo("\nFormulärtjänsten startar inte:", err=True)
        for problem in problems:
            click.echo(f"  - {problem}", err=True)
        raise SystemExit(1)
    click.echo("\nKonfigurationen är i ordning: tjänsten kan starta.")


for _command in COMMANDS:
    main.add_command(_command)
