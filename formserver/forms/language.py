"""The language switcher on every page: a language and the page to return to."""

from __future__ import annotations

from urllib.parse import urlsplit

from wtforms.fields import HiddenField, RadioField

from formserver.forms.base import BaseForm


def local_path(target: str | None) -> str:
    """`target` if it is a path on this site, else "/": never a redirect elsewhere."""
    if not target or not target.startswith("/") or target.startswith(("//", "/\\")):
        return "/"
    parts = urlsplit(target)
    if parts.scheme or parts.netloc or any(ord(ch) < 32 for ch in target):
        return "/"
    return target


class LanguageForm(BaseForm):
    """Choose a language among the offered (the choices are set per request)."""

    language = RadioField(choices=[])
    next = HiddenField()
