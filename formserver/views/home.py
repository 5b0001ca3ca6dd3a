"""The start page: what is waiting for the signed-in person."""

from __future__ import annotations

from flask import Blueprint, g, render_template

from formserver.access import current_user, rule
from formserver.store.talks import employee_talks, team_talks

bp = Blueprint("home", __name__)


@bp.get("/")
@rule("public")
def index() -> str:
    """Signed in: my talks, my team, HR's pages. Signed out: how to sign in."""
    user = current_user()
    if user is None:
        return render_template("home/welcome.html")
    return render_template(
        "home/index.html",
        my_talks=employee_talks(g.db, user.id),
        team_count=len(team_talks(g.db, user.id)),
    )
