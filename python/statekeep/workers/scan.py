"""The deployment scan: each deployment's decisions written for every actor on its parent, in
bounded transactions, oldest deployment first. Reads never wait for it (a read catches an
actor up in memory); it only makes the records and indexes durable."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import orjson

from statekeep.errors import HistoryNeeded
from statekeep.keep.timers import records_with_landing_outcomes, with_landing_outcomes
from statekeep.store import WriteSet

if TYPE_CHECKING:
    from statekeep.keep.base import KeepBase

#: Actors per scan transaction: bounded, so writers interleave with a scan.
BATCH = 2_000


def scan_step(keep: KeepBase, batch: int = BATCH) -> bool:
    """Materialise one batch of the oldest unfinished deployment scan; returns whether there
    was work."""
    worked = _scan_batch(keep, batch)
    keep._committed()  # followers of the outbox hear of what it moved
    return worked


def _scan_batch(keep: KeepBase, batch: int) -> bool:
    with keep._store.write() as txn:
        keep._refresh(txn)
        pending = next(((seq, state) for seq, state in sorted(txn.scans().items()) if not state.done), None)
        if pending is None:
            return False
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
        return True
