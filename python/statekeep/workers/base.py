"""A background loop that survives its errors.

A worker calls its ``step()`` until it is closed: again at once while there is work, else after
a wake-up or its idle interval. A step that fails is logged, kept as ``last_error`` and
retried after a back-off that doubles up to a bound, so a full disk or a lost connection
delays the work and never ends it; the first step that succeeds clears the error.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable

log = logging.getLogger("statekeep.workers")


class Worker:
    #: How long an idle worker sleeps when nobody wakes it.
    idle = 0.5
    #: The first and the longest wait after a failed step.
    backoff = (0.1, 30.0)

    def __init__(self, name: str, step: Callable[[], bool], *, idle: float | Callable[[], float] | None = None) -> None:
        self.name = name
        self._step = step
        #: How long to sleep when there is no work: a number, or asked each time.
        self._idle: float | Callable[[], float] = self.idle if idle is None else idle
        self._closing = threading.Event()
        self._wake = threading.Event()
        self._thread: threading.Thread | None = None
        #: What the last failed step raised, until a step succeeds again.
        self.last_error: str | None = None
        #: Failed steps since the last one that succeeded, and since the worker started.
        self.failures = 0
        self.failures_total = 0

    def start(self) -> None:
        self._thread = threading.Thread(target=self._run, name=f"statekeep-{self.name}", daemon=True)
        self._thread.start()

    def wake(self) -> None:
        self._wake.set()

    def close(self) -> None:
        self._closing.set()
        self._wake.set()
        if self._thread is not None:
            self._thread.join()

    def _run(self) -> None:
        delay = self.backoff[0]
        while not self._closing.is_set():
            try:
                busy = self._step()
            except Exception as e:
                if self._closing.is_set():
                    return
                self.failures += 1
                self.failures_total += 1
                self.last_error = f"{type(e).__name__}: {e}"
                log.warning(
                    "statekeep %s failed (attempt %d, retrying in %.1f s): %s",
                    self.name,
                    self.failures,
                    delay,
                    self.last_error,
                    exc_info=self.failures == 1,
                )
                self._closing.wait(delay)
                delay = min(delay * 2, self.backoff[1])
                continue
            if self.last_error is not None:
                log.warning("statekeep %s recovered after %d failed attempts", self.name, self.failures)
                self.last_error = None
                self.failures = 0
            delay = self.backoff[0]
            if not busy:
                self._wake.wait(timeout=self._idle() if callable(self._idle) else self._idle)
                self._wake.clear()
