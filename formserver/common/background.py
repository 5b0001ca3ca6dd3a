"""Work a request hands over to run after its response: one worker thread per process.

Used where the time of a response must not tell what was done (a sign-in link is made and
mailed only for addresses in the roster). The thread starts with the first job and ends when
it has been idle for a while; a job that fails is logged by name and exception type only, so
no token or address reaches the log. Work still queued when the process stops is waited for
a few seconds, then lost: the person asks again.
"""

from __future__ import annotations

import atexit
import logging
import queue
import threading
import time
import weakref
from collections.abc import Callable
from typing import Any

log = logging.getLogger(__name__)

EXTENSION = "background"
IDLE_SECONDS = 30.0
MAX_QUEUED = 10_000
_workers: weakref.WeakSet[Worker] = weakref.WeakSet()


class Worker:
    """A queue of jobs run one at a time, in order, by a lazily started thread."""

    def __init__(self, name: str) -> None:
        self.name = name
        self._queue: queue.Queue[Callable[[], None]] = queue.Queue(maxsize=MAX_QUEUED)
        self._lock = threading.Lock()
        self._done = threading.Condition(self._lock)
        self._pending = 0
        self._thread: threading.Thread | None = None
        _workers.add(self)

    def submit(self, job: Callable[[], None]) -> bool:
        """Queue `job` to run after this response; False (and logged) if the queue is full."""
        with self._lock:
            try:
                self._queue.put_nowait(job)
            except queue.Full:
                log.error("%s: queue full, job %s dropped", self.name, _job_name(job))
                return False
            self._pending += 1
            if self._thread is None:
                self._thread = threading.Thread(target=self._run, name=self.name, daemon=True)
                self._thread.start()
        return True

    def drain(self, timeout: float = 10.0) -> bool:
        """Wait until every queued job has run; False if `timeout` seconds were not enough."""
        deadline = time.monotonic() + timeout
        with self._done:
            while self._pending:
                left = deadline - time.monotonic()
                if left <= 0:
                    return False
                self._done.wait(left)
        return True

    def _run(self) -> None:
        while True:
            try:
                job = self._queue.get(timeout=IDLE_SECONDS)
            except queue.Empty:
                with self._lock:
                    if self._queue.empty():
                        self._thread = None
                        return
                continue
            try:
                job()
            except Exception as exc:  # a failed job must not stop the ones after it
                log.error("%s: job %s failed: %s", self.name, _job_name(job), type(exc).__name__)
            finally:
                with self._done:
                    self._pending -= 1
                    self._done.notify_all()


def _job_name(job: Callable[[], None]) -> str:
    inner = getattr(job, "func", job)  # functools.partial: name the function, not its values
    return str(getattr(inner, "__qualname__", type(inner).__name__))


def worker(app: Any) -> Worker:
    """The app's background worker (`app.extensions["background"]`), made on first use."""
    found = app.extensions.get(EXTENSION)
    if found is None:
        found = app.extensions.setdefault(EXTENSION, Worker(f"{app.name}-background"))
    return found  # type: ignore[no-any-return]


@atexit.register
def _drain_all() -> None:
    for worker in list(_workers):
        worker.drain(timeout=5.0)
