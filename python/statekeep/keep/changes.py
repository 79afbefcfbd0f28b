"""The outbox, read: every change committed to an actor, in commit order (``keep.changes``,
``keep.follow``), and its retention. Entries are written by the calls that make the changes,
in their own transactions (``KeepBase._change``); a worker prunes the old ones in bounded
batches."""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from typing import Any, cast

from statekeep.errors import InvalidRequest
from statekeep.keep.base import KeepBase, change_record, check_name
from statekeep.results import Change, Decision
from statekeep.store import ChangeRecord

#: The most entries one call returns, and the default.
MAX_CHANGES = 1_000
#: How long a follower waits between looks when this process commits nothing (another process
#: or node may have): the latency of the change stream across processes.
FOLLOW_POLL = 0.2
#: How many entries a filtered read looks at, at most, for one call (it then returns what it
#: found, and ``keep.changes(after=...)`` goes on from the last one looked at).
FILTER_SCAN = 10_000
#: How long changes are kept by default (seconds): seven days.
DEFAULT_RETENTION = 7 * 24 * 3600.0
#: Entries removed per pruning transaction.
PRUNE_BATCH = 1_000


class Changes(KeepBase):
    #: How long entries are kept, in seconds (``statekeep.open(change_retention=...)``).
    change_retention = DEFAULT_RETENTION

    def changes(
        self,
        after: int | None = None,
        limit: int | None = None,
        *,
        actor: str | None = None,
        definition: str | None = None,
    ) -> list[Change]:
        """The outbox entries numbered above ``after`` (from the oldest kept), in order, at
        most ``limit`` (:data:`MAX_CHANGES`), only an ``actor``'s or a ``definition``'s
        (version id) if given."""
        return self.change_page(after, limit, actor=actor, definition=definition)[0]

    def change_page(
        self,
        after: int | None = None,
        limit: int | None = None,
        *,
        actor: str | None = None,
        definition: str | None = None,
    ) -> tuple[list[Change], int]:
        """:meth:`changes`, and the number of the last entry looked at: where the next page
        starts (a filtered read may look past entries it does not return)."""
        after, limit = _check_page(after, limit)
        _check_filters(actor, definition)
        with self._reading() as txn:
            version = None
            if definition is not None:
                version = txn.version_seq(definition)
                if version is None:
                    return [], after
            if actor is None and version is None:
                entries = txn.changes(after, limit)
                return [self._opened(n, e) for n, e in entries], entries[-1][0] if entries else after
            found: list[Change] = []
            looked, cursor = 0, after
            while len(found) < limit and looked < FILTER_SCAN:
                entries = txn.changes(cursor, min(MAX_CHANGES, FILTER_SCAN - looked))
                if not entries:
                    break
                for n, entry in entries:
                    looked, cursor = looked + 1, n
                    if _takes(entry, actor, version):
                        found.append(self._opened(n, entry))
                        if len(found) == limit:
                            break
            return found, cursor

    def change_page_before(
        self,
        before: int | None = None,
        limit: int | None = None,
        *,
        actor: str | None = None,
        definition: str | None = None,
    ) -> tuple[list[Change], int]:
        """The outbox entries numbered below ``before`` (None: all), newest first, at most
        ``limit``, only an ``actor``'s or a ``definition``'s if given (looking at most
        :data:`FILTER_SCAN` entries); and where the next older page starts (its ``before``),
        0 once the oldest entry kept was looked at. An actor's latest changes, for a timeline
        that opens at its end."""
        _, limit = _check_page(None, limit)
        if before is not None and (isinstance(before, bool) or not isinstance(before, int) or before < 0):
            raise InvalidRequest("'before' is the number of a change: an integer at least 0")
        _check_filters(actor, definition)
        with self._reading() as txn:
            version = None
            if definition is not None:
                version = txn.version_seq(definition)
                if version is None:
                    return [], 0
            filtered = actor is not None or version is not None
            top = txn.last_change() + 1
            below = top if before is None else min(before, top)
            found: list[Change] = []
            looked = 0
            while len(found) < limit and looked < FILTER_SCAN and below > 1:
                # The store reads forward: read the window just below, then walk it backwards.
                width = min(MAX_CHANGES, FILTER_SCAN - looked) if filtered else limit - len(found)
                start = max(1, below - width)
                window = [(n, e) for n, e in txn.changes(start - 1, below - start) if n < below]
                if not window:  # everything below was pruned
                    return found, 0
                for n, entry in reversed(window):
                    looked, below = looked + 1, n
                    if _takes(entry, actor, version):
                        found.append(self._opened(n, entry))
                        if len(found) == limit:
                            break
            return found, below if below > 1 else 0

    def last_change(self) -> int:
        """The number of the last change committed (0 before the first)."""
        with self._store.read() as txn:
            return txn.last_change()

    def follow(
        self,
        after: int | None = None,
        *,
        actor: str | None = None,
        definition: str | None = None,
        timeout: float | None = None,
    ) -> Iterator[Change]:
        """Every change numbered above ``after`` (``None``: from the oldest kept; give
        ``keep.last_change()`` for only new ones), in order, as they commit: in this process at
        once, in others within :data:`FOLLOW_POLL` seconds. Blocks while there are none; ends
        after ``timeout`` seconds without one if given. Resume after the last ``seq`` you
        handled: nothing is missed and nothing comes twice."""
        cursor, _ = _check_page(after, None)
        while True:
            found, looked = self.change_page(cursor, MAX_CHANGES, actor=actor, definition=definition)
            yield from found
            if looked != cursor:
                cursor = looked
                continue
            if not self._await_change(cursor, timeout):
                return

    def on_changes(self, callback: Callable[[], None]) -> None:
        """Call ``callback()`` whenever this process commits changes (from the thread that
        committed them: it must be quick). Changes other processes commit are seen only by
        looking (:meth:`last_change`)."""
        self._change_hooks.append(callback)

    def _await_change(self, cursor: int, timeout: float | None) -> bool:
        """Wait until an entry after ``cursor`` may have committed; False after ``timeout``."""
        deadline = None if timeout is None else time.monotonic() + timeout
        while True:
            with self._store.read() as txn:
                if txn.last_change() > cursor:
                    return True
            wait = FOLLOW_POLL if deadline is None else min(FOLLOW_POLL, deadline - time.monotonic())
            if wait <= 0:
                return False
            with self._changes_committed:
                self._changes_committed.wait(wait)

    def _opened(self, seq: int, entry: ChangeRecord) -> Change:
        body: dict[str, Any] = self._open_sealed("changes", change_record(entry.actor_id, entry.at_ns), entry.sealed)
        return Change(
            seq=seq,
            kind=entry.kind,
            actor_id=entry.actor_id,
            version=self._registry.versions()[entry.version],
            at=entry.at_ns / 1e9,
            actor_seq=body["seq"],
            event=body["event"],
            value=body["value"],
            status=body["status"],
            actions=body["actions"],
            effects=body["effects"],
            decisions=[cast(Decision, dict(d, actor=entry.actor_id)) for d in body["decisions"]],
            timer=body["timer"],
        )

    # ----- retention --------------------------------------------------------------------------

    def _retention_floor(self) -> int | None:
        """The highest number that may be pruned (None: any): what a consumer that must see
        every entry (a webhook endpoint) has not had yet stays."""
        return None

    def prune_changes(self, batch: int = PRUNE_BATCH) -> bool:
        """Remove one batch of the entries older than the retention window; returns whether
        there may be more. The ``outbox`` worker calls this."""
        floor = self._retention_floor()
        before_ns = int((self._clock.now() - self.change_retention) * 1e9)
        with self._store.write() as txn:
            upto = txn.last_change() if floor is None else floor
            return txn.prune_changes(before_ns, upto, batch) == batch


def _check_filters(actor: str | None, definition: str | None) -> None:
    if actor is not None:
        check_name(actor, "an actor id")
    if definition is not None:
        check_name(definition, "a definition id")


def _takes(entry: ChangeRecord, actor: str | None, version: int | None) -> bool:
    """Whether an outbox entry passes a read's filters (None: any)."""
    return (actor is None or entry.actor_id == actor) and (version is None or entry.version == version)


def _check_page(after: int | None, limit: int | None) -> tuple[int, int]:
    if after is not None and (isinstance(after, bool) or not isinstance(after, int) or after < 0):
        raise InvalidRequest("'after' is the number of a change: an integer at least 0")
    if limit is not None and (isinstance(limit, bool) or not isinstance(limit, int) or not 1 <= limit <= MAX_CHANGES):
        raise InvalidRequest(f"'limit' is how many changes to return: an integer from 1 to {MAX_CHANGES}")
    return after or 0, MAX_CHANGES if limit is None else limit
