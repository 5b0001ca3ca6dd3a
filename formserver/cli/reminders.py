"""`formserver send-reminders`: the reminders that are due, each sent once (run from a timer)."""

from __future__ import annotations

import click
from flask import current_app
from flask.cli import with_appcontext

from formserver.cli._shared import _conn, _keys, _link
from formserver.documents import mail as mailer
from formserver.security.keys import signers_for
from formserver.services import reminders
from formserver.services import sign_in as signin
from formserver.siteconfig import localized as site_config
from formserver.store import db


@click.command("send-reminders")
@with_appcontext
def send_reminders() -> None:
    """Send the reminders that are due (policies.yml: reminders), each once; print what was sent.

    Meant to run daily from a timer. A reminder the mail server did not accept is not recorded
    and is sent by the next run.
    """
    config = current_app.config
    if not mailer.smtp_configured(config):
        raise click.ClickException(
            "Ingen e-postserver är inställd (FORMSERVER_SMTP_HOST), så inga påminnelser skickades."
        )
    conn, now, site = _conn(), db.utc_now(), site_config()
    due = reminders.due_reminders(conn, site, signers_for(_keys()), now)
    outcome = reminders.send_reminders(
        conn,
        due,
        app_config=config,
        site_config=site,
        keys=_keys(),
        rules=signin.SignInRules(config["SIGN_IN_METHODS"], bool(config.get("OIDC_ISSUER"))),
        base_url=config.get("PUBLIC_URL") or "http://127.0.0.1:5000",
        link_url=_link,
        now=now,
    )
    if not outcome.sent and not outcome.failed:
        click.echo("Inga påminnelser att skicka.")
    if outcome.sent:
        click.echo(f"Skickade påminnelser: {len(outcome.sent)}")
        for reminder in outcome.sent:
            person = reminder.recipient
            click.echo(f"  {reminder.label}: {person.name} <{person.email}>")
    if outcome.failed:
        click.echo(
            f"Påminnelser som inte kunde skickas: {len(outcome.failed)}. De skickas nästa gång "
            "kommandot körs.",
            err=True,
        )
        for reminder, _error in outcome.failed:
            person = reminder.recipient
            click.echo(f"  {reminder.label}: {person.name} <{person.email}>", err=True)
        raise SystemExit(1)
