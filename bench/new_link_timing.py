"""Does /ny-lank answer a known address as fast as an unknown one? (issue 13)

Times --requests POSTs of each kind, interleaved, through the test client with mail going to a
loopback SMTP server, and prints the medians and their difference. Work handed to the
background sender is waited for between requests, outside the timing: the figure is how long
the person asking waits for the page. Run: `.venv/bin/python bench/new_link_timing.py`.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import harness

sys.path.insert(0, str(harness.ROOT))
from tests.factories import EMAIL, csrf_token, make_service  # noqa: E402
from tests.smtp import HOST, serve  # noqa: E402


def _drainer(app: Any) -> Callable[[], object]:
    """Waits for the background sender; before it existed, there is nothing to wait for."""
    try:
        from formserver.common import background
    except ImportError:
        return lambda: True
    return lambda: background.worker(app).drain()


def main() -> None:
    """Print the median time of known and unknown addresses and their difference, in ms."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--requests", type=int, default=60, help="requests of each kind")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="new-link-bench-") as name:
        for smtp in serve():
            for app in make_service(
                Path(name), SMTP_HOST=HOST, SMTP_PORT=smtp.port, NEW_LINK_LIMIT_PER_HOUR=10**6
            ):
                drain = _drainer(app)
                client = app.test_client()
                token = csrf_token(client.get("/ny-lank").text)
                times: dict[str, list[float]] = {"known": [], "unknown": []}
                addresses = {"known": EMAIL["employee_a"], "unknown": "ingen.alls@example.se"}
                for i in range(args.requests + 10):
                    for kind in ("known", "unknown") if i % 2 else ("unknown", "known"):
                        data = {"csrf_token": token, "email": addresses[kind]}
                        start = time.perf_counter()
                        response = client.post("/ny-lank", data=data)
                        elapsed = (time.perf_counter() - start) * 1000
                        assert response.status_code == 200, response.status_code
                        drain()
                        if i >= 10:  # the first ten of each warm up
                            times[kind].append(elapsed)
                known, unknown = (statistics.median(times[k]) for k in ("known", "unknown"))
                print(f"mails delivered: {len(smtp.messages)}")
                print(f"median known   {known:6.2f} ms  (n={len(times['known'])})")
                print(f"median unknown {unknown:6.2f} ms  (n={len(times['unknown'])})")
                print(f"difference     {known - unknown:6.2f} ms")


if __name__ == "__main__":
    main()
