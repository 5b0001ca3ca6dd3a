"""`formserver render-pdfs`: a stored PDF for every signed plan sealed before copies were kept."""

from __future__ import annotations

import click
from flask.cli import with_appcontext

from formserver.cli._shared import _conn
from formserver.cli.records import _audit, _tampered
from formserver.documents import plan_record
from formserver.security.keys import signers
from formserver.security.records import RecordTampered
from formserver.store import plan_pdfs, plans
from formserver.store.talks import get_talk

PROGRESS_EVERY = 100  # with more plans than this, every 100th and the last are printed


@click.command("render-pdfs")
@with_appcontext
def render_pdfs() -> None:
    """Render and store the PDF of every plan version both signed that has none stored yet.

    A stored copy is never rendered again, so the command can be run any number of times. New
    signed versions get theirs at signing; this is for versions sealed before that.
    """
    conn = _conn()
    todo = plan_pdfs.missing(conn)
    total = len(todo)
    if not total:
        click.echo("Alla planer som båda har skrivit under har redan en sparad PDF-fil.")
        return
    click.echo(f"{total} planer som båda har skrivit under saknar en sparad PDF-fil.")
    done = 0
    try:
        for talk_id, version_id in todo:
            talk = get_talk(conn, talk_id)
            assert talk is not None
            versions = plans.versions(conn, talk_id, signers().plan)
            version = next(v for v in versions if v.id == version_id)
            plan_record.stored_copy(conn, talk, version)
            done += 1
            if total <= PROGRESS_EVERY or done % PROGRESS_EVERY == 0 or done == total:
                click.echo(f"  {done} av {total}")
    except RecordTampered as error:
        _audit("records.render_pdfs", "failed", "", "", f"{done} av {total} planer")
        raise _tampered(error, "render-pdfs") from None
    _audit("records.render_pdfs", "ok", "", "", f"{done} planer")
    click.echo(f"Klart: {done} PDF-filer är skapade och sparade med sin SHA-256.")
