"""Where the keep takes the time from: the wall clock, or one a test controls
(``statekeep.testing.ManualClock``). Every time the keep records (events, decisions, versions)
and every timer's due time comes from it; process liveness (sessions) keeps the wall clock."""

from __future__ import annotations

import math
import time
from typing import Protocol


class Clock(Protocol):
    def now(self) -> float:
        """Seconds since the epoch."""


class SystemClock:
    """The wall clock."""

    def now(self) -> float:
        return time.time()


def millis(clock: Clock) -> int:
    """The clock's time in whole milliseconds (what timers are due in)."""
    return to_millis(clock.now())


def to_millis(seconds: float) -> int:
    """Seconds since the epoch in whole milliseconds. A microsecond's slack absorbs the float's
    rounding (at 1.7e12 ms its step is 0.24 µs): a due time given in seconds reads as that very
    millisecond, never the one before."""
    return math.floor(seconds * 1000 + 0.001)


#: The last millisecond RFC 3339 can write (9999-12-31T23:59:59.999Z): a timer is due at the
#: latest then (a delay longer than what is left of the calendar never comes).
LATEST_MS = 253_402_300_799_999


def due_after(now: int, delay_ms: int) -> int:
    """When a timer started at ``now`` with ``delay_ms`` is due (both milliseconds)."""
    return min(now + delay_ms, LATEST_MS)
