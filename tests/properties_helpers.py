"""Helpers for the property tests: what people type, and the service the examples run against."""

# Property tests over every form field (issue 6): any text is saved as its normalised self
# (formserver.common.text.clean_text, clean_line for one-line fields) or refused with a Swedish
# field error and shown back. Never a 500.
#
# One service per test module: each example reads what is stored before and after its own
# request. Each module's ``service`` fixture (module-scoped) yields from `properties_service`.

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from tempfile import gettempdir
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.configuration import set_hypothesis_home_dir
from werkzeug.test import TestResponse

from formserver.paths import PROJECT_ROOT
from formserver.siteconfig import load_site_config
from tests.bad_input_helpers import ENGLISH, SWEDISH, message_of
from tests.factories import (
    call_directly,
    csrf_token,
    held_and_signed,
    make_service,
    open_round,
    signed_in_browser,
    talk_by_year,
)

# Hypothesis caches what it learns in .hypothesis/ of the working directory: keep the checkout
# clean (the example database is switched off below as well).
set_hypothesis_home_dir(str(Path(gettempdir()) / "formserver-hypothesis"))

SITE = load_site_config(PROJECT_ROOT / "site_config")
# Employee A has a talk in a round per question set (and so per plan template).
YEARS = {2026: "rutin", 2027: "goteborg", 2028: "kompetenssamtal", 2029: "rollsamtal"}
TEXT_LIMIT = 10_000  # TEXT_FIELD_MAX_CHARS

PROPERTY = settings(
    max_examples=60,
    deadline=None,
    database=None,
    derandomize=True,  # the same examples on every run: a failure is never a fluke
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)

# --- what people type ---------------------------------------------------------------------------

# Characters that normalisation, HTML, SQL, CSV and templates care about.
TRICKY = (
    "\x00\x01\x08\t\n\x0b\x0c\r\x1b\x1f\x7f\x85\x9f\xa0\xad \u200b\u200c\u200d\u200e\u200f"
    "\u2028\u2029\u202a\u202e\u2060\u2066\u2069\u3000\ufeff\ufffd\u212b\u0301\u0308\u030a"
    "aåäöÅ<>&\"';={}%$#@+-\\/\U0001f469\U0010fffd"
)


def repeated(limit: int) -> st.SearchStrategy[str]:
    """Long texts around a limit (before normalisation, which may shorten them)."""
    return st.builds(
        lambda unit, n: (unit * (n // len(unit) + 1))[:n],
        st.text(alphabet=st.sampled_from(TRICKY[60:] + "xyz\n"), min_size=1, max_size=4),
        st.integers(limit - 3, limit + 3),
    )


def texts(limit: int = TEXT_LIMIT) -> st.SearchStrategy[str]:
    """Any text: all of Unicode but surrogates, the tricky characters, and long ones."""
    return st.one_of(
        st.text(max_size=40),
        st.text(alphabet=st.sampled_from(TRICKY), max_size=40),
        repeated(limit),
    )


SHORT = st.one_of(st.text(max_size=20), st.text(alphabet=st.sampled_from(TRICKY), max_size=12))

# --- the service --------------------------------------------------------------------------------


@dataclass
class Service:
    """The module's service, its people's browsers and one CSRF token per browser."""

    app: Flask
    browsers: dict[str, FlaskClient] = field(default_factory=dict)
    tokens: dict[str, str] = field(default_factory=dict)

    def browser(self, role: str) -> FlaskClient:
        if role not in self.browsers:
            self.browsers[role] = signed_in_browser(self.app, role)
            self.tokens[role] = csrf_token(self.browsers[role].get("/").text)
        return self.browsers[role]

    def post(self, role: str, url: str, data: dict[str, Any]) -> TestResponse:
        """A POST as the person's browser sends it (the CSRF token of their session)."""
        client = self.browser(role)
        return client.post(url, data={"csrf_token": self.tokens[role], **data})


def properties_service(tmp_path: Path) -> Iterator[Service]:
    """The test people with a talk for employee A in a round per question set."""
    for app in make_service(tmp_path, NEW_LINK_LIMIT_PER_HOUR=10**9):
        for year, question_set in YEARS.items():
            if year != 2026:  # make_service opened 2026 with rutin
                open_round(app, year, question_set, SITE.question_sets[question_set].plan_template)
        # The plan talks are called (plan dates may not be before them); B's plan is signed.
        for year in YEARS:
            call_directly(app, talk_by_year(app, "employee_a", year), TALK_DAY)
        held_and_signed(app, talk_by_year(app, "employee_b"))
        yield Service(app)


TALK_DAY = datetime(2026, 12, 15, 10, 0)


def assert_field_error(page: str, name: str) -> None:
    """The page names the field as wrong, in Swedish."""
    assert f'id="{name}-fel"' in page, f"no field error for {name}"
    message = message_of(page)
    assert SWEDISH.search(message) and not ENGLISH.search(message), message


def differ(saved: str, expected: str) -> str:
    """Where a stored value parts from the expected one (long texts make unreadable diffs)."""
    at = next((i for i, (a, b) in enumerate(zip(saved, expected, strict=False)) if a != b), None)
    at = min(len(saved), len(expected)) if at is None else at
    return (
        f"stored {len(saved)} characters, expected {len(expected)}; they part at {at}: "
        f"{saved[at : at + 20]!r} != {expected[at : at + 20]!r}"
    )


def assert_not_500(response: TestResponse) -> None:
    assert response.status_code < 500, response.text[:500]


@pytest.fixture(scope="module")
def service(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Service]:
    """One service per test module for the properties (a plugin of tests/conftest.py)."""
    yield from properties_service(tmp_path_factory.mktemp("properties"))
