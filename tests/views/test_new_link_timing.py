"""/ny-lank takes the same time for addresses in the roster and addresses that are not, so
the time of the answer cannot tell an attacker who works here (issue 13).

The mail server is a recording fake that takes as long as a real one (SMTP_DELAY): before
the sending moved out of the request, a known address was slower by at least that much.
"""

from __future__ import annotations

import gc
import math
import statistics
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from flask import Flask

from formserver.documents import mail
from tests.factories import EMAIL, conn, csrf_token, make_service, sent_after_response

REQUESTS = 60  # of each kind, after WARM_UP
WARM_UP = 10
SMTP_DELAY = 0.010  # seconds: what handing a message to a mail server on the LAN takes
# The medians may differ by 1.5 ms, or by 15 % on a machine so busy that a request takes
# longer than 10 ms (other tests, other jobs); the SMTP delay alone was 10 ms of difference.
MAX_MEDIAN_GAP_MS = 1.5
MAX_MEDIAN_GAP_SHARE = 0.15
ALPHA = 0.01
ATTEMPTS = 3  # a real difference shows every time; a burst of load elsewhere does not


def mann_whitney_p(first: list[float], second: list[float]) -> float:
    """Two-sided p-value of the Mann-Whitney U test (normal approximation, ties averaged)."""
    pooled = sorted(
        (value, group) for group, values in enumerate((first, second)) for value in values
    )
    ranks_first, ties, i = 0.0, 0.0, 0
    while i < len(pooled):
        j = i
        while j + 1 < len(pooled) and pooled[j + 1][0] == pooled[i][0]:
            j += 1
        rank = (i + j) / 2 + 1
        ranks_first += rank * sum(1 for k in range(i, j + 1) if pooled[k][1] == 0)
        size = j - i + 1
        ties += size**3 - size
        i = j + 1
    n1, n2 = len(first), len(second)
    n = n1 + n2
    u = ranks_first - n1 * (n1 + 1) / 2
    sigma = math.sqrt(n1 * n2 / 12 * ((n + 1) - ties / (n * (n - 1))))
    if sigma == 0:
        return 1.0
    z = max(abs(u - n1 * n2 / 2) - 0.5, 0.0) / sigma
    return math.erfc(z / math.sqrt(2))


def test_the_rank_test_tells_shifted_samples_apart_and_same_ones_not() -> None:
    assert mann_whitney_p([float(x) for x in range(60)], [x + 30.0 for x in range(60)]) < 0.001
    same = [float(x % 7) for x in range(60)]
    assert mann_whitney_p(same, list(reversed(same))) > 0.9


@pytest.fixture
def timed_app(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[tuple[Flask, list[Any]]]:
    """A service whose mail goes to a recording fake that takes SMTP_DELAY per message."""
    sent: list[Any] = []

    def slow_send(config: Any, msg: Any) -> None:
        time.sleep(SMTP_DELAY)
        sent.append(msg)

    monkeypatch.setattr(mail, "send", slow_send)
    for app in make_service(tmp_path, SMTP_HOST="mail.invalid", NEW_LINK_LIMIT_PER_HOUR=10**6):
        yield app, sent


def time_requests(app: Flask) -> dict[str, list[float]]:
    """Milliseconds per POST, known and unknown addresses interleaved (the order alternates, so
    neither kind always follows the other); background work is waited for between requests."""
    client = app.test_client()
    token = csrf_token(client.get("/ny-lank").text)
    addresses = {"known": EMAIL["employee_a"], "unknown": "ingen.alls@example.se"}
    times: dict[str, list[float]] = {"known": [], "unknown": []}
    gc.collect()
    gc.disable()  # a collection lands on whichever request is running: noise, not signal
    try:
        for i in range(REQUESTS + WARM_UP):
            for kind in ("known", "unknown") if i % 2 else ("unknown", "known"):
                data = {"csrf_token": token, "email": addresses[kind]}
                start = time.perf_counter()
                response = client.post("/ny-lank", data=data)
                elapsed = (time.perf_counter() - start) * 1000
                assert response.status_code == 200
                sent_after_response(app)
                if i >= WARM_UP:
                    times[kind].append(elapsed)
    finally:
        gc.enable()
    return times


def test_known_and_unknown_addresses_take_the_same_time(
    timed_app: tuple[Flask, list[Any]],
) -> None:
    app, sent = timed_app
    verdicts = []
    for _attempt in range(ATTEMPTS):
        times = time_requests(app)
        gap = statistics.median(times["known"]) - statistics.median(times["unknown"])
        typical = statistics.median(times["known"] + times["unknown"])
        p = mann_whitney_p(times["known"], times["unknown"])
        verdicts.append(f"median gap {gap:.2f} ms of {typical:.2f} ms, p = {p:.4f}")
        if abs(gap) < max(MAX_MEDIAN_GAP_MS, MAX_MEDIAN_GAP_SHARE * typical) and p >= ALPHA:
            break
    else:
        pytest.fail("known and unknown addresses differ in time: " + "; ".join(verdicts))

    # The known address really was mailed each time: the work was done, only later.
    assert len(sent) >= REQUESTS + WARM_UP
    assert {m["To"].addresses[0].addr_spec for m in sent} == {EMAIL["employee_a"]}
    outcomes = conn(app).execute(
        "SELECT actor_id IS NULL, outcome, count(*) FROM audit_log WHERE action = 'new_link' "
        "GROUP BY 1, 2 ORDER BY 1"
    )
    assert [tuple(r)[:2] for r in outcomes] == [(0, "sent"), (1, "unknown")]
