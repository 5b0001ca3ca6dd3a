"""The service's languages: catalogues, and which language each request is in.

Swedish is the source language: the msgids are the Swedish texts, so Swedish needs no
catalogue. Each other language's catalogue is the committed `.po` file under
formserver/translations/, compiled in memory at start-up (no binary `.mo` in git or in the
wheel, and nothing to forget to rebuild).
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from io import BytesIO
from pathlib import Path
from typing import Any, cast

import flask_babel
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from babel.support import NullTranslations, Translations
from flask import (
    Flask,
    current_app,
    g,
    has_request_context,
    request,
)
from flask_babel import Babel, Domain, get_locale, lazy_gettext, lazy_pgettext

TRANSLATIONS_DIR = Path(__file__).parent.parent / "translations"
SOURCE_LANGUAGE = "sv"
# Each language named in its own language: how the switcher offers it.
NAMES = {"sv": "Svenska", "en": "English"}
COOKIE = "sprak"  # a visitor's choice before signing in (a signed-in person's is stored)
COOKIE_MAX_AGE = 365 * 24 * 3600
# "Download in <language>", in that language: the plan page's link to the plan in the other one.
DOWNLOAD_IN = {"sv": "Ladda ner på svenska", "en": "Download in English"}
EXTENSION = "formserver.languages"


def gettext(message: str, **variables: Any) -> str:
    """`message` in this request's language (formatted with `variables`, %(name)s)."""
    return str(flask_babel.gettext(message, **variables))


def _l(message: str, **variables: Any) -> str:
    """A text translated each time it is shown: for labels and messages made at import time."""
    return cast(str, lazy_gettext(message, **variables))


def _lp(context: str, message: str) -> str:
    """`_l` for a word whose translation depends on where it stands (one Swedish word, two
    English ones): `context` tells the catalogue which (pybabel extract -k _lp:1c,2)."""
    return cast(str, lazy_pgettext(context, message))


def N_(message: str) -> str:  # noqa: N802 (the gettext name extraction knows)
    """Mark a constant for the catalogue; it stays the Swedish text, translated where shown."""
    return message


@contextmanager
def in_language(code: str) -> Iterator[None]:
    """Render in `code` whatever the reader's language (an archival copy, a recipient's mail)."""
    with flask_babel.force_locale(code):
        yield


def read_catalogue(path: Path) -> Translations:
    """A `.po` file as gettext translations (fuzzy entries are left out, as msgfmt does)."""
    with path.open("rb") as po:
        catalog = read_po(po)
    compiled = BytesIO()
    write_mo(compiled, catalog, use_fuzzy=False)
    compiled.seek(0)
    return Translations(compiled, domain="messages")


def load_catalogues(languages: tuple[str, ...]) -> dict[str, NullTranslations]:
    """The catalogue of every offered language; Swedish reads its msgids as they are."""
    catalogues: dict[str, NullTranslations] = {}
    for code in languages:
        if code == SOURCE_LANGUAGE:
            catalogues[code] = NullTranslations()
        else:
            catalogues[code] = read_catalogue(TRANSLATIONS_DIR / code / "LC_MESSAGES/messages.po")
    return catalogues


class CatalogueDomain(Domain):  # type: ignore[misc]
    """Flask-Babel's domain, reading the catalogues compiled at start-up."""

    def __init__(self, catalogues: dict[str, NullTranslations]) -> None:
        super().__init__(domain="messages")
        self.catalogues = catalogues

    def get_translations(self) -> NullTranslations:
        locale = get_locale()
        code = locale.language if locale is not None else SOURCE_LANGUAGE
        return self.catalogues.get(code) or NullTranslations()


def offered() -> tuple[str, ...]:
    """The languages this service offers (organisation.yml `languages`)."""
    languages: tuple[str, ...] = current_app.extensions[EXTENSION]["languages"]
    return languages


def default_language() -> str:
    """The organisation's language (organisation.yml `default_language`)."""
    return str(current_app.extensions[EXTENSION]["default"])


def select_language() -> str:
    """The person's own choice, else the browser's among the offered, else the default."""
    if not has_request_context():
        return default_language()
    languages = offered()
    chosen = g.get("language_choice")
    if chosen in languages:
        return str(chosen)
    cookie = request.cookies.get(COOKIE)
    if cookie in languages:
        return str(cookie)
    best = request.accept_languages.best_match(languages)
    return best or default_language()


def current_language() -> str:
    """The language this request's pages are in ("sv", "en")."""
    locale = get_locale()
    return locale.language if locale is not None else SOURCE_LANGUAGE


def init_app(app: Flask, languages: tuple[str, ...], default: str) -> None:
    """Flask-Babel with the committed catalogues, `{% trans %}` and `_()` in every template."""
    app.extensions[EXTENSION] = {"languages": languages, "default": default}
    babel = Babel(app, locale_selector=select_language, default_locale=default)
    # Flask-Babel keeps its domain on the Babel instance (a cached property): ours replaces it.
    babel.domain_instance = CatalogueDomain(load_catalogues(languages))
    # `{% trans %}` blocks are written over several lines; their msgids are single-spaced.
    app.jinja_env.policies["ext.i18n.trimmed"] = True

    @app.context_processor
    def language_helpers() -> dict[str, Any]:
        return {
            "current_language": current_language,
            "offered_languages": lambda: [(code, NAMES[code]) for code in offered()],
            "DOWNLOAD_IN": DOWNLOAD_IN,
        }
