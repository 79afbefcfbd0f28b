"""Durable timers: a delayed transition (``after``) and an event the application scheduled fire
by themselves, exactly once, as steps like any other.

A timer is set in the transaction of the step that enters its state (the stepper's
``schedule`` effect) and removed in the one that exits it (``cancel``); a migration sets the
landing configuration's timers as the deployment's timer policy says (the core decides:
``timers_after_landing``). Firing is a step in a transaction that first finds the timer still
set, with the occurrence it was due as, and removes it: two processes never both fire one, and
a timer cancelled and set again never fires as the old one. The due timers of distinct actors
fire together, as one send. What a landing did to the actor's timers is added to the
migration's decision record (the core's record says where the actor landed; the keep lands its
timers).
"""

from __future__ import annotations

import itertools
import logging
import math
import os
import time
import uuid
from collections.abc import Mapping, Sequence
from typing import Any

import orjson

from statekeep import _core
from statekeep.clock import LATEST_MS, due_after, millis, to_millis
from statekeep.errors import Conflict, InvalidRequest, NotFound, StoreDamaged, StoreError
from statekeep.keep.base import KeepBase, check_name, duration, request_digest, timer_record
from statekeep.store import Reader, Timer, UnitOfWork, WriteSet

log = logging.getLogger("statekeep.timers")

#: Timers fired per transaction at most (one sync for the batch), and the longest a batch
#: holds the store's writer (seconds) while a request of this process waits for it, or while
#: none does: a backlog is fired in short transactions, so that requests get their turn
#: between them (another process's too), and in longer ones when nothing else is written.
FIRE_BATCH = 1000
FIRE_BUDGET = 0.005
FIRE_BUDGET_ALONE = 0.025
#: The fewest due timers a fire transaction reads.
FIRE_BATCH_LEAST = 16
#: Due timers (of distinct actors) fired as one send, in a nested transaction: one call into
#: the core, one write set.
FIRE_RUN = 64
#: The id of a scheduled event is kept apart from the events of delayed transitions.
SCHEDULED = "scheduled:"


#: Occurrences are this process's random prefix and a counter: unique across processes without
#: a random draw per timer.
_PROCESS = os.urandom(8).hex()
_COUNTER = itertools.count()


def _new_process() -> None:
    global _PROCESS
    _PROCESS = os.urandom(8).hex()


os.register_at_fork(after_in_child=_new_process)  # a forked worker is another process


_NO_DELAYS: dict[str, int] = {}


def occurrence() -> str:
    return f"{_PROCESS}{next(_COUNTER):x}"


class ActorTimers:
    """An actor's timers while one call of the keep changes them. A step's effects are written
    as they come, without reading the actor's timers (a delayed transition's timer is keyed by
    its event, so a cancel names it); a migration, a termination or a listing reads them once."""

    def __init__(self, keep: KeepBase, txn: Reader, actor_id: str, new: bool) -> None:
        self._keep, self._txn, self._actor_id = keep, txn, actor_id
        #: The timers as they stand, once read (a new actor has none).
        self._current: dict[str, Timer] | None = {} if new else None
        #: What this call set (a Timer) or removed (None), by timer id: what it writes.
        self._changes: dict[str, Timer | None] = {}
        #: The earliest due time it set (ms), if it set one.
        self._earliest: int | None = None

    def _timers(self) -> dict[str, Timer]:
        if self._current is None:
            current = self._txn.timers(self._actor_id)
            for tid, timer in self._changes.items():
                if timer is None:
                    current.pop(tid, None)
                else:
                    current[tid] = timer
            self._current = current
        return self._current

    def _set(self, timer_id: str, timer: Timer | None) -> None:
        self._changes[timer_id] = timer
        if timer is not None and (self._earliest is None or timer.due < self._earliest):
            self._earliest = timer.due
        if self._current is not None:
            if timer is None:
                self._current.pop(timer_id, None)
            else:
                self._current[timer_id] = timer

    def step(self, version: str, effects: Sequence[Mapping[str, Any]], now: int) -> None:
        """A step on ``version``: its schedule and cancel effects, in order. (A scheduled
        event's id starts with ``scheduled:``, so a cancel never removes one.)"""
        named = self._keep._delays.get(version, _NO_DELAYS)
        for effect in effects:
            kind = effect["type"]
            if kind == "schedule":  # (start and stop, of services, are not ours)
                ms = duration(effect["delay"], named)
                if ms is not None:
                    event = effect["event"]
                    self._set(event, Timer(due_after(now, ms), occurrence(), "after", event))
            elif kind == "cancel":
                self._set(effect["event"], None)

    def landed(self, landing: Sequence[tuple[str, int]], policy: str, now: int) -> dict[str, list[dict[str, Any]]]:
        """The actor landed (a migration) in a configuration whose delayed transitions are
        ``landing`` (event, milliseconds): its timers become those, due as ``policy`` says.
        Returns what became of them, as the decision record says (:func:`landing_outcome`)."""
        before = {tid: t for tid, t in self._timers().items() if t.kind == "after"}
        kept = _core.timers_after_landing([(tid, t.due) for tid, t in before.items()], list(landing), policy, now)
        after: dict[str, Timer] = {}
        for event, due in kept:
            due = min(due, LATEST_MS)
            same = before.get(event)
            after[event] = same if same is not None and same.due == due else Timer(due, occurrence(), "after", event)
        for tid in before.keys() - after.keys():
            self._set(tid, None)
        for tid, timer in after.items():
            if before.get(tid) is not timer:
                self._set(tid, timer)
        return landing_outcome(before, after)

    def rearm(self, now: int) -> None:
        """Delayed transitions that fired while the actor could take no event (it was
        stranded) are due again, now."""
        for tid, timer in list(self._timers().items()):
            if timer.kind == "after" and timer.undelivered is not None:
                self._set(tid, Timer(now, occurrence(), "after", timer.event))

    def stop(self) -> None:
        """The actor takes no more steps: its delayed transitions' timers go (an event
        scheduled for it stays, to be recorded as not delivered when it is due)."""
        for tid in [tid for tid, t in self._timers().items() if t.kind == "after"]:
            self._set(tid, None)

    def listed(self) -> list[dict[str, Any]]:
        return listed(self._timers())

    def write(self, writes: WriteSet) -> None:
        actor_id = self._actor_id
        writes.timers += [(actor_id, tid, timer) for tid, timer in self._changes.items()]
        if self._earliest is not None:
            self._keep._timers_set(self._earliest)


class Timers(KeepBase):
    # ----- scheduled events ---------------------------------------------------------------------

    def schedule(
        self,
        actor_id: str,
        event: str | Mapping[str, Any],
        *,
        at: float | None = None,
        delay: float | None = None,
        id: str | None = None,
        idempotency_key: str | None = None,
    ) -> dict[str, Any]:
        """Send ``event`` to the actor at ``at`` (seconds since the epoch) or after ``delay``
        seconds, by itself, durably. ``id`` names it (to cancel it; scheduling an id again
        replaces it). Returns the scheduled event as :meth:`scheduled` lists it."""
        from statekeep.keep.actors import split_event

        if (at is None) == (delay is None):
            raise InvalidRequest("give when to send it: at= (seconds since the epoch) or delay= (seconds), not both")
        when = at if at is not None else self._clock.now() + float(delay or 0)
        if not math.isfinite(when):
            raise InvalidRequest("'at' and 'delay' are finite numbers")
        if to_millis(when) > LATEST_MS:
            raise InvalidRequest("a scheduled event is due by the end of the year 9999 at the latest")
        if delay is not None and delay < 0:
            raise InvalidRequest(f"'delay' is how long from now to send it, at least 0 seconds, not {delay!r}")
        event_type, payload = split_event(event)
        schedule_id = uuid.uuid4().hex if id is None else id
        check_name(schedule_id, "a scheduled event's id")
        request = request_digest(
            idempotency_key, {"op": "schedule", "actor": actor_id, "event": event, "at": at, "delay": delay, "id": id}
        )
        timer_id = SCHEDULED + schedule_id
        with self._writing() as txn:
            replay = self._replay(txn, idempotency_key, request)
            if replay is not None:
                return dict(replay)
            self._load(txn, actor_id)  # it must exist
            sealed = (
                self._seal("timers", timer_record(actor_id, timer_id), payload, "the event's payload")
                if payload
                else b""
            )
            timer = Timer(max(0, to_millis(when)), occurrence(), "scheduled", event_type, sealed)
            writes = WriteSet()
            writes.timer(actor_id, timer_id, timer)
            txn.apply(writes)
            self._remember(txn, idempotency_key, request, _shown(timer_id, timer))
            self._timers_set(timer.due)
        return _shown(timer_id, timer)

    def scheduled(self, actor_id: str) -> list[dict[str, Any]]:
        """The actor's timers: its delayed transitions and the events scheduled for it (those
        that could not be delivered too, with why), soonest first."""
        with self._reading() as txn:
            stored = self._load(txn, actor_id)
            _, decided = self._deciding(txn, [actor_id], [stored], lambda a: self._registry.catch_up(a[0]))
            return self._timers_seen(txn, actor_id, stored.version, decided)

    def cancel_scheduled(self, actor_id: str, id: str) -> None:
        """Cancel a scheduled event that has not fired, or dismiss one that could not be
        delivered."""
        check_name(id, "a scheduled event's id")
        with self._writing() as txn:
            self._load(txn, actor_id)
            found = txn.timers(actor_id).get(SCHEDULED + id)
            if found is None:
                raise NotFound(f"actor '{actor_id}' has no scheduled event '{id}'")
            writes = WriteSet()
            writes.timer(actor_id, SCHEDULED + id, None)
            txn.apply(writes)

    # ----- firing -------------------------------------------------------------------------------

    def next_due(self) -> int | None:
        """When the earliest timer is due (milliseconds since the epoch), or None."""
        with self._store.read() as txn:
            return txn.next_due()

    def fire_due(self, limit: int | None = None) -> bool:
        """Fire the timers due now (up to ``limit``, oldest due first) in one transaction;
        returns whether there were any. The timer worker calls this; a ``ManualClock`` does
        when it is advanced."""
        now = millis(self._clock)
        if limit is None:
            # As many as the last transactions fired within their budget, and a little more:
            # the due timers read and not fired are read again by the next one.
            limit = self._fire_batch
        with self._store.read() as txn:
            due = txn.due_timers(now, limit)
        if not due:
            return False
        fired: list[int] = []
        tried = 0
        with self._store.write() as outer:
            self._refresh(outer)
            self._follow_keys(outer)
            self._group.txn = outer
            started = time.perf_counter()
            try:
                while tried < len(due):
                    run = _distinct_actors(due, tried, FIRE_RUN)
                    batched = self._fire_run(run) if len(run) > 1 else None
                    if batched is None:  # the run failed as a whole: each alone
                        for actor_id, timer_id, timer in run:
                            if self._fire_one(actor_id, timer_id, timer):
                                fired.append(timer.due)
                        tried += len(run)
                    else:
                        taken, dues = batched
                        fired += dues
                        tried += taken
                        if taken < len(run):  # an actor to catch up first: alone, in its turn
                            actor_id, timer_id, timer = run[taken]
                            if self._fire_one(actor_id, timer_id, timer):
                                fired.append(timer.due)
                            tried += 1
                    spent = time.perf_counter() - started
                    if spent > FIRE_BUDGET_ALONE or (spent > FIRE_BUDGET and self._requests_writing):
                        break  # the rest in the next transaction
            finally:
                self._group.txn = None
        # All of them within the budget: as many next time, or more if there were as many as it
        # read (a few due now says nothing of a burst to come: the limit must not shrink to
        # them, or a burst is fired in many small transactions, a sync each); else about as
        # many as it took.
        if tried == len(due):
            wanted = 2 * limit if len(due) == limit else limit
        else:
            wanted = tried + tried // 4
        self._fire_batch = min(FIRE_BATCH, max(FIRE_BATCH_LEAST, wanted))
        self._committed()
        self._timers_fired(fired, millis(self._clock))
        return True

    def _fire_run(self, run: Sequence[tuple[str, str, Timer]]) -> tuple[int, list[int]] | None:
        """Fire due timers of distinct actors as one send (one call into the core, one write
        set) in a nested transaction: the same as firing each alone (:meth:`_deliver`), in
        order. Stops before an actor that is not :meth:`_batchable` (it fires alone, in its
        turn). Returns how many of ``run`` it took and the due times of those that fired;
        None when the whole failed and nothing was written (a timer whose payload cannot be
        opened, say): then each is fired alone, so that one failing timer never blocks the
        others."""
        try:
            with self._writing() as txn:
                return self._deliver_run(txn, run)
        except StoreError as e:
            if not isinstance(e, StoreDamaged):
                raise
            return None
        except Exception:  # noqa: BLE001 - each alone says which, and why
            return None

    def _deliver_run(self, txn: UnitOfWork, run: Sequence[tuple[str, str, Timer]]) -> tuple[int, list[int]]:
        from statekeep.keep.actors import Actors

        assert isinstance(self, Actors)
        txn.prefetch([actor_id for actor_id, _, _ in run])  # one read that locks them all
        commits = len(self._registry)
        taken = next(
            (n for n, (actor_id, _, _) in enumerate(run) if not self._batchable(txn, actor_id, commits)), len(run)
        )
        run = run[:taken]
        # Fired by another process, or cancelled or set again since it was read: not fired.
        still = txn.timers_of([(actor_id, timer_id) for actor_id, timer_id, _ in run])
        firing = [t for t, now in zip(run, still, strict=True) if now == t[2]]
        if not firing:
            return taken, []
        gone = WriteSet()
        items: list[tuple[str, str | Mapping[str, Any], Mapping[str, bool] | None, int | None]] = []
        for actor_id, timer_id, timer in firing:
            gone.timer(actor_id, timer_id, None)
            event: str | dict[str, Any] = timer.event
            if timer.sealed_payload:
                payload = self._open_sealed("timers", timer_record(actor_id, timer_id), timer.sealed_payload)
                event = {"type": timer.event, **payload}
            items.append((actor_id, event, None, None))
        txn.apply(gone)
        outer, self._group.txn = self._group.txn, txn  # the send nests in this transaction
        try:
            results = self._send_all(items, None, [{"id": tid, "kind": t.kind} for _, tid, t in firing])
        finally:
            self._group.txn = outer
        for (actor_id, timer_id, timer), result in zip(firing, results, strict=True):
            if not result.handled and result.status != "active":
                reason = {"code": "not_active", "message": f"the actor is {result.status}: it takes no events"}
                self._undelivered(txn, actor_id, timer_id, timer, reason)
        return taken, [timer.due for _, _, timer in firing]

    def _batchable(self, txn: Reader, actor_id: str, commits: int) -> bool:
        """Whether the actor's timer may fire in a run: it has seen every commit (a landing
        may replace its timers), and takes events (a refusal would fail the whole run)."""
        actor = self._load(txn, actor_id)
        return actor.watermark == commits and not actor.terminated and actor.needs_rescue is None

    def _fire_one(self, actor_id: str, timer_id: str, timer: Timer) -> bool:
        """Deliver one due timer in a nested transaction; whether it was still set. One that
        fails (a bug, a record that cannot be read or opened) is kept as not delivered, with
        why, rather than tried for ever ahead of every other; a failing store stops the batch."""
        try:
            with self._writing() as txn:
                return self._deliver(txn, actor_id, timer_id, timer)
        except StoreError as e:
            if not isinstance(e, StoreDamaged):
                raise
            error: Exception = e
        except Exception as e:  # noqa: BLE001 - kept with the timer as why it was not delivered
            error = e
        log.error("statekeep: timer %s of actor %s failed: %r", timer_id, actor_id, error)
        with self._writing() as txn:
            if txn.timers(actor_id).get(timer_id) != timer:
                return False
            reason = {"code": "failed", "message": f"{type(error).__name__}: {error}"}
            self._undelivered(txn, actor_id, timer_id, timer, reason)
        return True

    def _deliver(self, txn: UnitOfWork, actor_id: str, timer_id: str, timer: Timer) -> bool:
        from statekeep.keep.actors import Actors

        assert isinstance(self, Actors)
        # Caught up first: a migration since the timer was set lands its timers as its policy
        # says, and may have replaced this one.
        self._touch(txn, actor_id)
        if txn.timers(actor_id).get(timer_id) != timer:
            return False  # fired by another process, or cancelled or set again since it was read
        gone = WriteSet()
        gone.timer(actor_id, timer_id, None)
        txn.apply(gone)
        event: str | dict[str, Any] = timer.event
        if timer.sealed_payload:
            payload = self._open_sealed("timers", timer_record(actor_id, timer_id), timer.sealed_payload)
            event = {"type": timer.event, **payload}
        outer, self._group.txn = self._group.txn, txn  # the send nests in this transaction
        try:
            (result,) = self._send_all([(actor_id, event, None, None)], None, [{"id": timer_id, "kind": timer.kind}])
        except Conflict as e:  # stranded (needs_rescue), terminated (actor_terminated)
            self._undelivered(txn, actor_id, timer_id, timer, {"code": e.code, "message": str(e)})
            return True
        finally:
            self._group.txn = outer
        if not result.handled and result.status != "active":
            reason = {"code": "not_active", "message": f"the actor is {result.status}: it takes no events"}
            self._undelivered(txn, actor_id, timer_id, timer, reason)
        return True

    def _undelivered(self, txn: Any, actor_id: str, timer_id: str, timer: Timer, reason: dict[str, Any]) -> None:
        """A timer that fired and could not be delivered is kept, not due any more, with why:
        a scheduled event until it is cancelled, a delayed transition until its state is left
        (a stranded actor's are set again when it is released)."""
        writes = WriteSet()
        undelivered = timer._replace(undelivered={**reason, "at": self._clock.now()})
        writes.timer(actor_id, timer_id, undelivered)
        txn.apply(writes)

    def _timers_fired(self, due: Sequence[int], committed: int) -> None:
        """How late the firings were once durable (milliseconds), for :meth:`timer_stats`."""
        with self._lock:
            self._fired_total += len(due)
            self._lateness.extend(max(0, committed - d) for d in due)

    def timer_stats(self) -> dict[str, Any]:
        """The store's pending timers (set, not fired), how many of them are overdue now, when
        the next is due (seconds since the epoch), and this process's firings: how many, and
        how late the last 1,000 were once durable (seconds: p50, p99, max). For metrics and
        ``statekeep timers``."""
        now = millis(self._clock)
        with self._store.read() as txn:
            pending, overdue, next_due = txn.timer_count(), txn.timer_count(due_by=now), txn.next_due()
        with self._lock:
            late = sorted(self._lateness)
            fired = self._fired_total
        lateness = None
        if late:
            lateness = {
                "p50": late[len(late) // 2] / 1000,
                "p99": late[min(len(late) - 1, len(late) * 99 // 100)] / 1000,
                "max": late[-1] / 1000,
            }
        return {
            "pending": pending,
            "overdue": overdue,
            "next_due": None if next_due is None else next_due / 1000,
            "fired": fired,
            "lateness": lateness,
        }


def _distinct_actors(due: Sequence[tuple[str, str, Timer]], start: int, most: int) -> Sequence[tuple[str, str, Timer]]:
    """The due timers from ``start`` on, in due order, up to the first whose actor is among
    them already (its second timer may be cancelled by the first's step) or ``most`` of them."""
    seen: set[str] = set()
    end = start
    while end < len(due) and end - start < most and due[end][0] not in seen:
        seen.add(due[end][0])
        end += 1
    return due[start:end]


def landing_outcome(before: Mapping[str, Timer], after: Mapping[str, Timer]) -> dict[str, list[dict[str, Any]]]:
    """What a landing did to an actor's delayed transitions, each as ``{"event", "due"}``
    (seconds since the epoch), in event order: ``kept`` with its due time, ``restarted`` (the
    same transition, due again from the landing), ``started`` (a transition the actor was not
    waiting on), ``cancelled`` (one the landing configuration does not have; with the due time
    it had)."""
    outcome: dict[str, list[dict[str, Any]]] = {"kept": [], "restarted": [], "started": [], "cancelled": []}
    for event in sorted(before.keys() | after.keys()):
        was, now = before.get(event), after.get(event)
        if now is None:
            assert was is not None
            outcome["cancelled"].append({"event": event, "due": was.due / 1000})
        else:
            kind = "started" if was is None else "kept" if was is now else "restarted"
            outcome[kind].append({"event": event, "due": now.due / 1000})
    return outcome


def with_landing_outcomes(
    decisions: Sequence[Mapping[str, Any]], outcomes: Mapping[str, dict[str, list[dict[str, Any]]]]
) -> list[dict[str, Any]]:
    """The decisions, each migration in ``outcomes`` (by deployment) with what it did to the
    actor's timers (``timers``). A migration between versions without delayed transitions has
    none: it did nothing to timers."""
    return [
        {**d, "timers": outcomes[d["deployment"]]}
        if d["kind"] == "migrated" and d["deployment"] in outcomes
        else dict(d)
        for d in decisions
    ]


def records_with_landing_outcomes(
    records: Sequence[tuple[int, int, str, bytes]],
    outcomes: Mapping[str, dict[str, list[dict[str, Any]]]],
    seq_of: Mapping[str, int],
) -> list[tuple[int, int, str, bytes]]:
    """The core's stored decision records (JSON), each migration's with its ``outcomes``: the
    core decides where an actor lands; the keep, what that does to its timers."""
    if not outcomes:
        return list(records)
    by_seq = {seq_of[deployment]: outcome for deployment, outcome in outcomes.items()}
    return [
        (ordinal, seq, kind, orjson.dumps({**orjson.loads(record), "timers": by_seq[seq]}))
        if kind == "migrated" and seq in by_seq
        else (ordinal, seq, kind, record)
        for ordinal, seq, kind, record in records
    ]


def listed(timers: Mapping[str, Timer]) -> list[dict[str, Any]]:
    """An actor's timers as the keep shows them, soonest first."""
    return sorted((_shown(tid, t) for tid, t in timers.items()), key=lambda t: (t["due"], t["id"]))


def _shown(timer_id: str, timer: Timer) -> dict[str, Any]:
    scheduled = timer_id.startswith(SCHEDULED)
    return {
        "id": timer_id[len(SCHEDULED) :] if scheduled else timer_id,
        "kind": timer.kind,
        "event": timer.event,
        "due": timer.due / 1000,
        "undelivered": timer.undelivered,
    }
