"""Blueprints (one per feature) and the error pages."""

from __future__ import annotations

import sqlite3

from flask import Flask, render_template, request
from flask.globals import request_ctx
from werkzeug.exceptions import HTTPException, SecurityError

from formserver import access
from formserver.access import typed_text
from formserver.common.languages import _l
from formserver.documents.seal import SealError
from formserver.security.records import ChainBroken, RecordTampered
from formserver.views import (
    auth,
    common,
    downloads,
    followup,
    handbook,
    home,
    hr,
    language,
    plans,
    round_additions,
    sso,
    talks,
    team,
    verify,
)

ERROR_TEXTS = {
    400: (_l("Något blev fel i förfrågan"), _l("Gå tillbaka och försök igen.")),
    403: (
        _l("Du har inte behörighet"),
        _l(
            "Du är inloggad, men sidan hör till en annan roll (till exempel HR), så vi visar den "
            "inte. Gå till startsidan. Behöver du sidan i ditt arbete, kontakta HR."
        ),
    ),
    404: (
        _l("Sidan finns inte"),
        _l(
            "Sidan finns inte, eller så har du inte behörighet att se den. Kontrollera adressen "
            "eller gå till startsidan."
        ),
    ),
    405: (_l("Det går inte att göra så här"), _l("Gå tillbaka och använd knapparna på sidan.")),
    413: (
        _l("Det du skickade var för stort"),
        _l(
            "Ingenting sparades. Gå tillbaka i webbläsaren: det du skrev finns kvar där. Korta "
            "texten eller dela upp den och spara igen."
        ),
    ),
    415: (
        _l("Formuläret kunde inte läsas"),
        _l(
            "Ingenting sparades. Skicka formuläret från sidan i formulärtjänsten, inte från ett "
            "annat program."
        ),
    ),
    429: (_l("För många försök"), _l("Vänta en stund och försök sedan igen.")),
}
SEAL_FAILED_TITLE = _l("Planen kunde inte förseglas just nu")
SEAL_FAILED_TEXT = _l(
    "Planen är underskriven, men organisationens försegling av PDF-filen gick inte att göra just "
    "nu. Försök igen om en stund. Om felet finns kvar, kontakta den som sköter tjänsten."
)
TAMPERED_TITLE = _l("Uppgifterna kunde inte visas")
TAMPERED_TEXT = _l(
    "De sparade uppgifterna har ändrats utanför formulärtjänsten eller är skadade, så vi "
    "visar dem inte: du ska aldrig läsa något som kan vara fel. Du har inte gjort något "
    "fel, och ingenting har ändrats nu. Vi har antecknat händelsen. Kontakta HR, som kan "
    "ta fram uppgifterna ur en säkerhetskopia."
)
CHAIN_BROKEN_TEXT = _l(
    "Planen är inte hel: en version eller en underskrift har tagits bort eller flyttats "
    "utanför formulärtjänsten, så vi visar den inte. Det som finns kvar kan ge en felaktig "
    "bild, till exempel att någon inte har skrivit under. Du har inte gjort något fel, och "
    "ingenting har ändrats nu. Vi har antecknat händelsen. Kontakta HR, som kan ta fram "
    "planen ur en säkerhetskopia."
)
WRONG_HOST = (
    _l("Fel adress"),
    _l(
        "Formulärtjänsten nås inte på den här adressen. Använd länken i din kallelse eller på "
        "intranätet."
    ),
)
INVALID_TEXT = _l(
    "Formuläret innehöll tecken som inte kunde läsas, så ingenting sparades. Gå tillbaka i "
    "webbläsaren, kontrollera texten och spara igen."
)


def register(app: Flask) -> None:
    """Register every blueprint and error handler."""
    for module in (auth, downloads, followup, handbook, home, hr, plans, sso, talks, team, verify):
        app.register_blueprint(module.bp)
    app.register_blueprint(round_additions.bp)
    app.register_blueprint(language.bp)
    common.register_sso(app)

    @app.errorhandler(HTTPException)
    def http_error(error: HTTPException) -> tuple[str, int]:
        code = error.code or 500
        title, text = ERROR_TEXTS.get(code, (_l("Något gick fel"), _l("Försök igen om en stund.")))
        if error.description == "invalid-utf8":
            title, text = _l("Formuläret kunde inte läsas"), INVALID_TEXT
        if isinstance(error, SecurityError):
            title, text = WRONG_HOST
        if request_ctx.url_adapter is None:
            # Refused before routing (a Host not in TRUSTED_HOSTS): no URL can be built, so
            # the page links only to fixed paths.
            return render_template("errors/plain.html", title=title, text=text, code=code), code
        return render_template("errors/error.html", title=title, text=text, code=code), code

    @app.errorhandler(sqlite3.OperationalError)
    @app.errorhandler(sqlite3.DatabaseError)
    def unavailable(error: sqlite3.Error) -> tuple[str, int]:
        """Disk full, read-only or locked database: say so, and give the typed text back."""
        typed = typed_text()
        app.logger.error("database unavailable: %s", type(error).__name__)
        return render_template("errors/unavailable.html", typed=typed), 503

    @app.errorhandler(SealError)
    def not_sealed(error: SealError) -> tuple[str, int]:
        """A seal is configured but could not be made: the archived copy waits, unsealed never."""
        app.logger.error("plan PDF not sealed: %s", error)
        return render_template(
            "errors/error.html", title=SEAL_FAILED_TITLE, text=SEAL_FAILED_TEXT, code=503
        ), 503

    @app.errorhandler(RecordTampered)
    def tampered(error: RecordTampered) -> tuple[str, int]:
        broken = isinstance(error, ChainBroken)
        access.audit_read(
            "record.verify",
            "talk" if broken else error.kind,
            error.record_id,
            f"{request.method} {request.path}"
            + (f"; {error.reason}" if isinstance(error, ChainBroken) else ""),
            "tampered" if broken else "failed",
        )
        text = CHAIN_BROKEN_TEXT if broken else TAMPERED_TEXT
        return render_template("errors/error.html", title=TAMPERED_TITLE, text=text, code=500), 500
