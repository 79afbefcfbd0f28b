"""The deployment scan: each deployment's decisions written for every actor on its parent, in
bounded transactions, oldest deployment first. Reads never wait for it (a read catches an
actor up in memory); it only makes the records and indexes durable."""

from __future__ import annotations

import time
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import orjson

from statekeep.errors import HistoryNeeded
from statekeep.keep.timers import records_with_landing_outcomes, with_landing_outcomes
from statekeep.store import WriteSet

if TYPE_CHECKING:
    from statekeep.keep.base import KeepBase

#: Actors per scan transaction at most: bounded, so writers interleave with a scan.
BATCH = 2_000
#: ... and at least, however busy the requests are (a transaction's fixed cost, its sync, is
#: then shared by enough actors for the scan to go on).
MIN_BATCH = 64
#: How long a scan transaction may keep this process's requests waiting for the store's writer
#: (seconds): while they wait, batches shrink to about this long (a live send then waits about
#: one of them), and grow back when none waits.
BUSY_BUDGET = 0.005


@dataclass
class Pace:
    """The size of the next scan batch: :data:`BATCH` while no request waits for the writer,
    shrunk to what takes about :data:`BUSY_BUDGET` while some do (a deployment over a million
    actors would otherwise hold every live send up by a whole batch, tens of milliseconds)."""

    size: int = BATCH

    def after(self, actors: int, seconds: float, contended: bool) -> None:
        if contended and seconds > BUSY_BUDGET and actors:
            fits = int(actors * BUSY_BUDGET / seconds)
            self.size = max(MIN_BATCH, min(self.size, fits))
        elif not contended:
            self.size = min(BATCH, self.size * 2)


def scan_step(keep: KeepBase, batch: int | None = None, pace: Pace | None = None) -> bool:
    """Materialise one batch of the oldest unfinished deployment scan; returns whether there
    was work. The batch is ``batch`` actors if given, else as many as ``pace`` says (and
    ``pace`` learns from how long it took and whether requests waited meanwhile)."""
    size = batch if batch is not None else pace.size if pace is not None else BATCH
    started = time.monotonic()
    worked, scanned, contended = _scan_batch(keep, size)
    if pace is not None and batch is None and worked:
        pace.after(scanned, time.monotonic() - started, contended)
    keep._committed()  # followers of the outbox hear of what it moved
    return worked


def _scan_batch(keep: KeepBase, batch: int) -> tuple[bool, int, bool]:
    """Whether there was work, how many actors it scanned, and whether a request of this
    process was waiting for the store's writer when it was done."""
    with keep._store.write() as txn:
        keep._refresh(txn)
        pending = next(((seq, state) for seq, state in sorted(txn.scans().items()) if not state.done), None)
        if pending is None:
            return False, 0, False
        seq, state = pending
        registry = keep._registry
        parent = keep._seq_of[registry.version(registry.versions()[seq])["parent"]]
        # The batch's ids and bytes in one read (locked where writers lock rows).
        page = txn.actors_page(parent, state.cursor, batch)
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
        txn.apply(writes)
        state.scanned += len(ids)
        state.cursor = ids[-1] if ids else state.cursor
        # A short page may only have passed over actors that writes moved meanwhile: done when
        # none is left after it.
        state.done = len(ids) < batch and not any(txn.actors_on(parent, state.cursor, 1))
        txn.put_scan(seq, state)
        return True, len(ids), keep._writers_waiting > 0
