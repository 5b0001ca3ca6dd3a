"""The background worker: jobs run after the request, in order; a failing one is logged by name
only (never with the values it was given) and does not stop the next."""

from __future__ import annotations

import logging
import threading
from functools import partial

import pytest

from formserver.common.background import Worker


def test_jobs_run_in_order_and_drain_waits_for_them() -> None:
    worker = Worker("test-background")
    done: list[int] = []
    gate = threading.Event()
    worker.submit(gate.wait)
    for n in range(5):
        worker.submit(partial(done.append, n))

    assert not worker.drain(timeout=0.05)  # the first job still waits
    gate.set()
    assert worker.drain(timeout=5.0)
    assert done == [0, 1, 2, 3, 4]


def test_a_failing_job_is_logged_without_its_values_and_the_next_runs(
    caplog: pytest.LogCaptureFixture,
) -> None:
    worker = Worker("test-background")
    done: list[str] = []

    def send_link(token: str) -> None:
        raise RuntimeError(f"could not send {token}")

    with caplog.at_level(logging.ERROR, logger="formserver.common.background"):
        worker.submit(partial(send_link, "hemlig-token-123"))
        worker.submit(partial(done.append, "next"))
        assert worker.drain(timeout=5.0)

    assert done == ["next"]
    assert "send_link failed: RuntimeError" in caplog.text
    assert "hemlig-token-123" not in caplog.text
