"""Testing workflows with time in them: a clock the test moves.

    clock = statekeep.testing.ManualClock()
    with statekeep.open(path, clock=clock) as keep:
        keep.spawn("trial-v1", actor_id="t")      # a state with after: {"2592000000": "expired"}
        clock.advance(days=30)                     # fires what is due, in due order, before returning
        assert keep.get("t").value == "expired"

A keep opened with a ManualClock runs no timer worker of its own: timers fire only when the
clock is advanced (or set), deterministically, at the instant each is due.
"""

from __future__ import annotations

import threading
import time
import weakref
from typing import TYPE_CHECKING

from statekeep.clock import to_millis

if TYPE_CHECKING:
    from statekeep.keep import Keep

__all__ = ["ManualClock"]


class ManualClock:
    """A clock that moves only when told. Starts at ``start`` (seconds since the epoch; now by
    default)."""

    def __init__(self, start: float | None = None) -> None:
        self._now = time.time() if start is None else float(start)
        self._lock = threading.Lock()
        self._keeps: weakref.WeakSet[Keep] = weakref.WeakSet()

    def now(self) -> float:
        return self._now

    def attach(self, keep: Keep) -> None:
        """A keep using this clock (``statekeep.open(..., clock=...)`` does this)."""
        self._keeps.add(keep)

    def detach(self, keep: Keep) -> None:
        """The keep was closed."""
        self._keeps.discard(keep)

    def advance(self, *, days: float = 0, hours: float = 0, minutes: float = 0, seconds: float = 0) -> None:
        """Move the clock forward, firing every timer that falls due on the way at the instant it
        is due (so a timer a firing sets, due before the end, fires too), in due order."""
        delta = ((days * 24 + hours) * 60 + minutes) * 60 + seconds
        if delta < 0:
            raise ValueError("advance moves forward; use set() to move the clock back")
        self.set(self._now + delta)

    def set(self, to: float) -> None:
        """Put the clock at ``to`` (back too: a wall clock stepped back fires nothing early),
        firing what falls due up to it."""
        with self._lock:
            for keep in list(self._keeps):
                # Deployments' scans finished first: a migration's timers are then stored, so
                # each fires at its instant however far the clock jumps.
                while keep.scan_step():
                    pass
                while True:
                    # Webhooks due by now are delivered (waiting for each outcome), then the
                    # clock goes to the next timer or retry, and so on.
                    keep.deliver_webhooks()
                    timer = keep.next_due()
                    retry = keep.next_delivery_due()
                    due = min(
                        (t for t in (None if timer is None else timer / 1000, retry) if t is not None), default=None
                    )
                    if due is None or to_millis(due) > to_millis(to):
                        break
                    # Each firing happens at its own due time, as it would in real time.
                    self._now = max(self._now, due)
                    if timer is not None and timer <= to_millis(due):
                        keep.fire_due()
            self._now = to
            for keep in list(self._keeps):
                keep.deliver_webhooks()
