"""Which language a person is written to in: e-mails, reminders and their attachments."""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager

from formserver.common.languages import default_language, in_language, offered
from formserver.store.languages import get_language


def language_of(conn: sqlite3.Connection, person_id: str | None, fallback: str = "") -> str:
    """The person's own choice, else `fallback` (the language of the page that asked), else the
    organisation's default; always one the organisation offers."""
    languages = offered()
    chosen = get_language(conn, person_id) if person_id else None
    for language in (chosen, fallback):
        if language and language in languages:
            return language
    return default_language()


@contextmanager
def writing_to(
    conn: sqlite3.Connection, person_id: str | None, fallback: str = ""
) -> Iterator[str]:
    """Render what is inside (texts, dates, the question set) in the person's language."""
    language = language_of(conn, person_id, fallback)
    with in_language(language):
        yield language
