"""The deployment scan: each deployment's decisions written for every actor on its parent, in
bounded transactions, oldest deployment first. Reads never wait for it (a read catches an
actor up in memory); it only makes the records and indexes durable."""

from __future__ import annotations

import logging
import sys
import threading
import time
from concurrent.futures import Future, ThreadPoolExecutor
from contextlib import ExitStack
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING, Any

import orjson

from statekeep.errors import HistoryNeeded
from statekeep.keep.timers import records_with_landing_outcomes, with_landing_outcomes
from statekeep.store import WriteSet
from statekeep.store.base import ScanState, UnitOfWork

if TYPE_CHECKING:
    from statekeep.keep.base import KeepBase

log = logging.getLogger("statekeep.workers")

#: Actors per scan transaction at most: bounded, so writers interleave with a scan.
BATCH = 2_000
#: ... and at least, however busy the requests are (a transaction's fixed cost, its sync, is
#: then shared by enough actors for the scan to go on).
MIN_BATCH = 64
#: How long a scan transaction may keep this process's requests waiting (seconds): while some
#: write beside it, batches shrink to about this long (a live send then waits about one of them:
#: for the writer on LMDB; on PostgreSQL for the batch's actors, the outbox head and the sync of
#: its commit), and grow back when none does.
BUSY_BUDGET = 0.005


@dataclass
class Pace:
    """The size of the next scan batch: :data:`BATCH` while no request writes beside it, shrunk
    to what takes about :data:`BUSY_BUDGET` while some do (a deployment over a million
    actors would otherwise hold every live send up by a whole batch, tens of milliseconds)."""

    size: int = BATCH

    def after(self, actors: int, seconds: float, contended: bool) -> None:
        if contended and seconds > BUSY_BUDGET and actors:
            fits = int(actors * BUSY_BUDGET / seconds)
            self.size = max(MIN_BATCH, min(self.size, fits))
        elif not contended:
            self.size = min(BATCH, self.size * 2)


@dataclass
class _Batch:
    """A batch decided: its deployment's scan as it found and as it leaves it, the actors as it
    read them, and what it writes."""

    deployment: int
    parent: int
    before: ScanState
    after: ScanState
    page: list[tuple[str, bytes]]
    writes: WriteSet


class Scanner:
    """A process's deployment scan: each batch in a transaction of its own that also moves the
    scan's record on. Where the store runs writes side by side (PostgreSQL), a batch commits on a
    thread of its own while the next one is read and decided (:meth:`step`); the next one writes
    the scan's record only once that commit is through and the record is as it left it
    (``claim_scan``), so a crash or a failed commit at any point loses no actor and applies none
    twice."""

    def __init__(self) -> None:
        self.pace = Pace()
        self._committer: ThreadPoolExecutor | None = None
        #: The batch committing on the committer, and what it did that others hear of once it has.
        self._committing: Future[None] | None = None
        self._news: tuple[bool, int | None] = (False, None)
        #: Where the batch committing leaves its scan, when one is left to go on with.
        self._follows: _Batch | None = None
        #: Whether the next batch locks its actors as it reads them: after one that found an
        #: actor changed by the time it locked it (so a hot actor cannot hold the scan back),
        #: and after one that landed timers.
        self._lock_early = False
        #: Held by a step and a settle: the worker's thread and a caller of ``keep.scan_step``
        #: (a test, a clock a test moves) take turns with the batch committing and what follows it.
        self.turn = threading.RLock()

    def step(self, keep: KeepBase, batch: int | None = None) -> bool:
        """One batch of the oldest unfinished deployment scan; returns whether there was work.
        The batch is ``batch`` actors if given, else as many as the pace says (and the pace
        learns from how long it took and whether requests wrote meanwhile). Its commit may still
        be under way when this returns (:meth:`settle` waits for it)."""
        with self.turn:
            return self._step(keep, batch)

    def _step(self, keep: KeepBase, batch: int | None) -> bool:
        size = batch if batch is not None else self.pace.size
        started, begun = time.monotonic(), keep._requests_begun
        follows, self._follows = self._follows, None
        if follows is None:
            self.settle(keep)  # (the scans' records are read, and locked, only once it is through)
        transaction = ExitStack()
        txn = transaction.enter_context(keep._store.write())
        # Where writes run side by side, the batch's actors are read without a lock and locked
        # only to be written, after the batch before committed: a live send to one of them waits
        # for the writing and the commit, not for the deciding (nor for the batch before).
        late = keep._store.concurrent_writes and not self._lock_early
        try:
            applied = _decide_batch(keep, txn, size, follows, locking=not late)
            self.settle(keep)
            if applied is None or not txn.claim_scan(applied.deployment, applied.before):
                # Nothing to do; or the scan moved on without this batch (another process's, or
                # the batch before failed): undone, and the next one starts from the store's.
                raise _Undone(worked=applied is not None)
            if late and (applied.writes.timers or not _unchanged_once_locked(txn, applied.page)):
                self._lock_early = True
                raise _Undone(worked=True)  # decided again, its actors locked from its read
            # (A batch that lands timers is decided with its actors locked from the start, and
            # so is the next: a scheduled event, set or cancelled, changes no actor's bytes.)
            self._lock_early = bool(applied.writes.timers)
            txn.apply(applied.writes)
            txn.put_scan(applied.deployment, applied.after)
        except _Undone as e:
            transaction.__exit__(*sys.exc_info())
            keep._news()  # (of what was undone: nothing to tell)
            return e.worked
        except BaseException:
            transaction.__exit__(*sys.exc_info())
            keep._news()
            raise
        news = keep._news()
        if keep._store.concurrent_writes and not applied.after.done:
            self._committer = self._committer or ThreadPoolExecutor(1, thread_name_prefix="statekeep-scan-commit")
            self._committing, self._news, self._follows = self._committer.submit(transaction.close), news, applied
        else:
            transaction.close()
            keep._announce(news)
        if batch is None:
            scanned = applied.after.scanned - applied.before.scanned
            self.pace.after(scanned, time.monotonic() - started, keep._requests_wrote_since(begun))
        return True

    def settle(self, keep: KeepBase) -> None:
        """Wait for the batch committing, if any; its failure is raised here (the batch after it
        is then undone too). The next step starts from the store's record of the scan, locked
        from its start (so two processes' steps take turns)."""
        with self.turn:
            committing, self._committing, self._follows = self._committing, None, None
            if committing is not None:
                committing.result()
                keep._announce(self._news)

    def close(self, keep: KeepBase) -> None:
        """Wait for the batch committing; one that fails is logged (rolled back, it is redone by
        the next scan)."""
        try:
            self.settle(keep)
        except Exception:
            log.exception("statekeep: a scan batch failed to commit while closing; the next scan redoes it")
        finally:
            if self._committer is not None:
                self._committer.shutdown()
                self._committer = None


class _Undone(Exception):
    """A scan transaction rolled back: nothing to do, or the scan's record is no longer where
    its batch began."""

    def __init__(self, *, worked: bool) -> None:
        super().__init__()
        self.worked = worked


def scan_step(keep: KeepBase, scanner: Scanner, batch: int | None = None) -> bool:
    """Materialise one batch of the oldest unfinished deployment scan, committed when this
    returns; returns whether there was work."""
    with scanner.turn:
        worked = scanner.step(keep, batch)
        scanner.settle(keep)
    return worked


def _unchanged_once_locked(txn: UnitOfWork, page: list[tuple[str, bytes]]) -> bool:
    """Lock the page's actors (one statement, in id order) and say whether each is still as it
    was read. (An actor's bytes name its version: one moved is changed.)"""
    txn.prefetch([actor_id for actor_id, _ in page])
    return all(txn.actor(actor_id) == data for actor_id, data in page)


def _decide_batch(
    keep: KeepBase, txn: UnitOfWork, batch: int, follows: _Batch | None, *, locking: bool
) -> _Batch | None:
    """Decide a batch of the oldest unfinished deployment scan (the one ``follows`` leaves, if
    given), its actors read in ``txn`` (and locked if ``locking``); None when no scan is left."""
    keep._refresh(txn)
    if follows is not None:
        seq, parent, state = follows.deployment, follows.parent, follows.after
    else:
        pending = next(((seq, state) for seq, state in sorted(txn.scans().items()) if not state.done), None)
        if pending is None:
            return None
        seq, state = pending
        parent = keep._seq_of[keep._registry.version(keep._registry.versions()[seq])["parent"]]
    found, state = state, replace(state)
    registry = keep._registry
    # The batch's ids and bytes in one read.
    page = txn.actors_page(parent, state.cursor, batch, locking=locking)
    ids, stored = [actor_id for actor_id, _ in page], [data for _, data in page]
    # One call into the core for the batch (the GIL released while it decides); again with
    # the whole histories of the few actors it asks them for.
    now = keep._clock.now()
    histories: dict[int, list[tuple[str, dict[str, bool] | None]]] = {}
    while True:
        try:
            changed, moved, decisions = registry.catch_up_many(stored, now, histories)
            break
        except HistoryNeeded as e:
            for i in e.actors:
                histories[i] = txn.history(ids[i], keep._load_actor(ids[i], stored[i]).history_length)
    writes = WriteSet()
    writes.actors = [(ids[i], core) for i, core in changed]
    writes.moves = [(ids[i], parent, version) for i, version in moved]
    # The records that moved or stranded an actor: its timers land through each migration as
    # its version's policy says (which its record says), and the application is told (an
    # outbox entry per actor).
    moves: dict[int, list[dict[str, Any]]] = {}
    for i, _, _, kind, record in decisions:
        if kind in ("migrated", "stranded"):
            moves.setdefault(i, []).append(orjson.loads(record))
    before = registry.versions()[parent]
    outcomes: dict[int, dict[str, dict[str, list[dict[str, Any]]]]] = {}
    for i, _ in moved:
        outcomes[i] = keep._landed(txn, writes, ids[i], before, [d for d in moves[i] if d["kind"] == "migrated"])
        moves[i] = with_landing_outcomes(moves[i], outcomes[i])
    writes.decisions = [
        (
            ids[i],
            *records_with_landing_outcomes([(ordinal, deployment, kind, record)], outcomes[i], keep._seq_of)[0],
        )
        if i in outcomes
        else (ids[i], ordinal, deployment, kind, record)
        for i, ordinal, deployment, kind, record in decisions
    ]
    for i, core in changed:
        if i in moves:
            after = keep._load_actor(ids[i], core)
            keep._moved_change(writes, ids[i], after, moves[i], now)
            keep._count_states(writes, keep._load_actor(ids[i], stored[i]), after)
    state.scanned += len(ids)
    state.cursor = ids[-1] if ids else state.cursor
    # A short page may only have passed over actors that writes moved meanwhile: done when
    # none is left after it.
    state.done = len(ids) < batch and not any(txn.actors_on(parent, state.cursor, 1))
    return _Batch(seq, parent, found, state, page, writes)
