"""The follow-up form: every signed row's status and "Hur blev resultatet?", posted at once."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from werkzeug.datastructures import MultiDict

from formserver.common.languages import _l
from formserver.common.text import clean_text
from formserver.forms.base import ConfirmForm
from formserver.forms.messages import too_long
from formserver.services.following_up import FOLLOWUP_STATUSES, SignedRow

Entry = tuple[str, str, str, int]  # row id, status, result, version it was edited from


@dataclass(frozen=True)
class FollowupPost:
    """What was posted: entries to save, the typed values to show back, and field errors."""

    entries: list[Entry]
    typed: dict[str, dict[str, str]]
    errors: dict[str, str]
    csrf_ok: bool


def read_followup_post(
    form: MultiDict[str, str], rows: Sequence[SignedRow], max_chars: int
) -> FollowupPost:
    """Read one status and one result per signed row; only listed statuses are taken."""
    typed: dict[str, dict[str, str]] = {}
    entries: list[Entry] = []
    errors: dict[str, str] = {}
    for _, _, row in rows:
        row_id = row["row_id"]
        status = form.get(f"status_{row_id}", "ej_paborjad")
        result = clean_text(form.get(f"result_{row_id}", ""))
        typed[row_id] = {"status": status, "result": result}
        if status not in FOLLOWUP_STATUSES:
            errors[f"status_{row_id}"] = _l("Välj en status i listan.")
        if len(result) > max_chars:
            errors[f"result_{row_id}"] = too_long(max_chars)
        version = form.get(f"version_{row_id}", "0")
        entries.append((row_id, status, result, int(version) if version.isdigit() else -1))
    return FollowupPost(entries, typed, errors, ConfirmForm(form).validate())
