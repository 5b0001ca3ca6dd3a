"""Bodies and fields too big, too many or unreadable: a clear error and nothing lost."""

from __future__ import annotations

import json
import urllib.parse
from collections.abc import Callable
from typing import Any

import pytest

from tests.bad_input_helpers import SAVED, assert_swedish_instruction
from tests.bad_input_targets import TARGETS, SharedService
from tests.factories import data_dump

# --- 1. oversized bodies and fields ---------------------------------------------------------------


@pytest.mark.parametrize("target_name", list(TARGETS))
def test_a_body_over_the_size_limit_gets_the_413_page_and_changes_nothing(
    shared: SharedService, target_name: str
) -> None:
    target = shared.seeded(target_name)
    before = data_dump(shared.app)

    response = target.post("x" * (shared.app.config["MAX_CONTENT_LENGTH"] + 1024))

    assert response.status_code == 413
    assert_swedish_instruction(response.text, "Det du skickade var för stort", "Ingenting sparades")
    assert data_dump(shared.app) == before


@pytest.mark.parametrize("target_name", list(TARGETS))
def test_one_field_over_the_form_memory_limit_gets_the_413_page_and_changes_nothing(
    shared: SharedService, target_name: str
) -> None:
    target = shared.seeded(target_name)
    too_big = "x" * (shared.app.config["MAX_FORM_MEMORY_SIZE"] + 1024)
    assert len(too_big) < shared.app.config["MAX_CONTENT_LENGTH"] - 4096
    before = data_dump(shared.app)

    response = target.post_raw(*multipart(target.data(too_big)))

    assert response.status_code == 413
    assert_swedish_instruction(response.text, "Det du skickade var för stort")
    assert data_dump(shared.app) == before


@pytest.mark.parametrize("target_name", list(TARGETS))
def test_one_big_urlencoded_field_is_refused_and_nothing_lost(
    shared: SharedService, target_name: str
) -> None:
    """Over MAX_FORM_MEMORY_SIZE in an ordinary form post: the 413 page, or the text back."""
    target = shared.seeded(target_name)
    too_big = "Början. " + "x" * shared.app.config["MAX_FORM_MEMORY_SIZE"]
    before = data_dump(shared.app)

    response = target.post(too_big)

    assert response.status_code in (400, 413), response.status_code
    if response.status_code == 400:
        assert target.shown(response.text) == target.normalised(too_big)
    assert_swedish_instruction(response.text)
    assert data_dump(shared.app) == before


@pytest.mark.parametrize("target_name", list(TARGETS))
def test_a_text_over_the_field_limit_is_refused_with_the_text_shown_back(
    shared: SharedService, target_name: str
) -> None:
    target = shared.seeded(target_name)
    typed = "Början av en lång text.\n" + "å" * target.limit
    before = data_dump(shared.app)

    response = target.post(typed)

    assert response.status_code == 400, (response.status_code, response.text[:300])
    assert_swedish_instruction(response.text, str(target.limit))
    assert target.shown(response.text) == target.normalised(typed)
    assert data_dump(shared.app) == before


@pytest.mark.parametrize("target_name", list(TARGETS))
def test_a_text_at_the_field_limit_is_saved_whole(shared: SharedService, target_name: str) -> None:
    target = shared.seeded(target_name)
    typed = "å" * target.limit

    response = target.post(typed)

    assert response.status_code == target.success, response.text[:300]
    assert target.read() == typed


# --- 2. thousands of form fields ------------------------------------------------------------------


@pytest.mark.parametrize("encoding", ["urlencoded", "multipart"])
@pytest.mark.parametrize("target_name", list(TARGETS))
def test_thousands_of_fields_get_the_413_page_and_change_nothing(
    shared: SharedService, target_name: str, encoding: str
) -> None:
    target = shared.seeded(target_name)
    assert shared.app.config["MAX_FORM_PARTS"] == 2000
    fields = target.data("Ny text som inte ska sparas", **{f"x{i}": "1" for i in range(5000)})
    body = (
        multipart(fields)
        if encoding == "multipart"
        else (urlencoded(fields).encode(), "application/x-www-form-urlencoded")
    )
    before = data_dump(shared.app)

    response = target.post_raw(*body)

    assert response.status_code == 413, response.status_code
    assert_swedish_instruction(response.text, "Ingenting sparades")
    assert data_dump(shared.app) == before


# --- 3. invalid UTF-8 and wrong content types: never "every field empty" --------------------------


def multipart(
    fields: dict[str, Any], raw_field: str | None = None, raw_value: bytes = b""
) -> tuple[bytes, str]:
    """A multipart body made in memory (one part's value may be given as raw bytes).

    Made by hand rather than by the test client, which spools big bodies to a temporary file
    that it never closes.
    """
    boundary = "gransgransgrans"
    parts = []
    for name, value in fields.items():
        for item in value if isinstance(value, list) else [value]:
            header = f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"\r\n\r\n'
            parts.append(header.encode() + str(item).encode() + b"\r\n")
    if raw_field is not None:
        header = f'--{boundary}\r\nContent-Disposition: form-data; name="{raw_field}"\r\n\r\n'
        parts.append(header.encode() + raw_value + b"\r\n")
    body = b"".join(parts) + f"--{boundary}--\r\n".encode()
    return body, f"multipart/form-data; boundary={boundary}"


def urlencoded(fields: dict[str, Any]) -> str:
    return urllib.parse.urlencode(fields, doseq=True)


BODIES: dict[str, Callable[[dict[str, Any], str], tuple[bytes, str]]] = {
    "json": lambda f, n: (json.dumps({**f, n: ""}).encode(), "application/json"),
    "text-plain": lambda f, n: (
        (urlencoded(f) + f"&{n}=").encode(),
        "text/plain",
    ),
    "xml": lambda f, n: (f"<form><{n}/></form>".encode(), "application/xml"),
    "latin1-raw": lambda f, n: (
        (urlencoded(f) + f"&{n}=").encode() + "h\xe4lsa".encode("latin-1"),
        "application/x-www-form-urlencoded",
    ),
    "latin1-percent": lambda f, n: (
        (urlencoded(f) + f"&{n}=h%E4lsa").encode(),
        "application/x-www-form-urlencoded",
    ),
    "overlong-utf8": lambda f, n: (
        (urlencoded(f) + f"&{n}=%C0%AF").encode(),
        "application/x-www-form-urlencoded",
    ),
    "surrogate-utf8": lambda f, n: (
        (urlencoded(f) + f"&{n}=%ED%A0%80").encode(),
        "application/x-www-form-urlencoded",
    ),
    "multipart-latin1": lambda f, n: multipart(f, n, "h\xe4lsa".encode("latin-1")),
}


@pytest.mark.parametrize("body", list(BODIES))
@pytest.mark.parametrize("target_name", list(TARGETS))
def test_an_unreadable_post_is_refused_and_the_saved_text_kept(
    shared: SharedService, target_name: str, body: str
) -> None:
    target = shared.seeded(target_name)
    fields = target.hidden(target.open())
    raw, content_type = BODIES[body](fields, target.field)
    before = data_dump(shared.app)
    stored = target.read()

    response = target.post_raw(raw, content_type)

    assert response.status_code in (400, 415), (response.status_code, response.text[:300])
    assert_swedish_instruction(response.text)
    assert target.read() == stored
    assert data_dump(shared.app) == before


def test_a_post_without_a_body_is_refused_and_the_draft_kept(shared: SharedService) -> None:
    target = shared.seeded("forberedelse")
    before = data_dump(shared.app)

    response = target.post_raw(b"", "application/x-www-form-urlencoded")

    assert response.status_code == 400
    assert_swedish_instruction(response.text)
    assert target.read() == SAVED
    assert data_dump(shared.app) == before
