"""Webhooks: every change of the outbox an endpoint asks for, delivered to it signed (Standard
Webhooks; ``statekeep.webhooks`` has the wire), at least once, and in order per actor.

An endpoint is a store record with its URL, filters, secrets (sealed like every user value) and
a *cursor*: the last change it has looked at. The ``webhooks`` worker (one loop, ``Keep``):

1. *Dispatch.* Reads the outbox after the lowest cursor of the enabled endpoints, and for each
   endpoint, in one transaction that locks it, writes a *delivery* per change its filters take
   and moves its cursor past them. An actor's first pending delivery is due at once; its later
   ones wait (not due) until it succeeded or was given up on, so the endpoint hears of an
   actor's changes in order, while other actors' go on.
2. *Claim.* In one transaction, takes the due deliveries (of every endpoint, soonest first, at
   most what the sender has room for) and moves them on by a lease (the time for those claimed
   before them to time out, and :data:`LEASE`): another process (or this one after a crash)
   tries them again only if this one did not say how they went.
3. *Send.* The sender POSTs them, a bounded number at once, from one thread with non-blocking
   sockets (``statekeep.webhooks.Sender``).
4. *Record.* In one transaction per batch of outcomes: a 2xx deletes the delivery and makes the
   actor's next one due; any other outcome keeps the attempt and sets the next one on the
   schedule (``webhooks.SCHEDULE``, with jitter, not before ``Retry-After``), or, when it is used
   up, makes the delivery a dead letter (and the actor's next one due). A 410 disables the
   endpoint; so does failing for :data:`FAILING_DISABLE` seconds without a success.

Everything is in the store, so a restart (or another node) resumes where this one stopped:
at least once (a delivery whose outcome was not recorded is sent again, with the same
``webhook-id``), never out of an actor's order. The times of the schedule come from the keep's
clock (a ManualClock moves them in tests); ``webhook-timestamp`` is the wall clock's, which
receivers check theirs against.

Retention: the outbox is not pruned past the oldest change an enabled endpoint still needs
(:meth:`Webhooks._retention_floor`). A dead letter does not hold it: one whose change was pruned
can no longer be redelivered. Dead letters are kept as long as changes are (the retention
window, from when they died), then pruned in bounded batches
(:meth:`Webhooks.prune_dead_letters`).
"""

from __future__ import annotations

import collections
import concurrent.futures
import logging
import os
import threading
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

import orjson

from statekeep import webhooks as wh
from statekeep import wire
from statekeep.clock import millis
from statekeep.errors import InvalidRequest, NotFound
from statekeep.keep.base import check_id
from statekeep.keep.changes import Changes
from statekeep.results import Change, Webhook, WebhookDelivery
from statekeep.store import Delivery, Reader, UnitOfWork, every_delivery
from statekeep.workers.base import Worker

log = logging.getLogger("statekeep.webhooks")

#: The kinds of change an endpoint may ask for.
KINDS = ("spawned", "event", "timer", "migrated", "stranded", "released", "terminated")
#: Changes read from the outbox at a time, and due deliveries claimed at a time.
DISPATCH_BATCH = 1_000
#: Pending deliveries an endpoint may have: past this the cursor waits (the outbox keeps the
#: changes, as the endpoint still needs them), so a receiver that is down costs bounded room.
MAX_PENDING = 10_000
#: Deliveries sent at once (the sender's connections: one thread sends them all), and claimed
#: ahead of them (so that a claim and a record of outcomes, each a synced transaction, cover many
#: deliveries: beside a busy server, the delivery process's syncs take the store's one writer
#: from the server's group commits).
CONCURRENCY = 128
INFLIGHT = 512
#: How long after a claim a delivery whose outcome was not recorded is tried again: long
#: enough for the deliveries claimed before it to time out first, and this margin (seconds).
LEASE = 5.0
#: An endpoint failing this long without a success is disabled (seconds: 5 days).
FAILING_DISABLE = 5 * 86400.0
#: How long the previous secret still signs after a rotation, unless told (seconds: a day), and
#: the longest that may be asked.
OVERLAP = 86400.0
OVERLAP_MAX = 30 * 86400.0
#: Attempts kept with a delivery (the latest).
ATTEMPTS_KEPT = 20
#: The longest the worker sleeps while endpoints are enabled, unless told (seconds): other
#: processes' commits wake nobody here.
LOOK = 0.25
#: How long the worker waits for the deliveries in flight to finish before it records those that
#: did (seconds; at once when they all did): one synced transaction then records many. It bounds
#: how often the worker syncs while deliveries keep it busy (it was 2 ms: beside a server
#: saturated with sends, the delivery process then held the store's writer 35 to 45% of the
#: time, and the server lost as much; benches/README.md).
GATHER = 0.05
#: Changes kept in memory for the deliveries about to be made of them.
CACHED = 20_000
#: Filters: the most values each may have.
FILTER_MAX = 100
#: Dead letters looked at per endpoint in one turn of pruning them.
DEAD_PRUNE_BATCH = 1_000
#: Why a delivery whose change the outbox no longer has failed (it is dead at once).
PRUNED = "the change was pruned from the outbox"
#: How far a change's time may run behind one committed before it (seconds): its time is taken
#: when its transaction begins, and nodes' clocks differ. A redelivery since a time searches the
#: outbox for the first change this much older than it, and walks from there.
TIME_SKEW = 300.0


def secret_record(webhook_id: str, secret_id: str) -> bytes:
    """What a sealed secret is bound to."""
    return webhook_id.encode() + b"\x00" + secret_id.encode()


@dataclass(frozen=True)
class _Claimed:
    webhook_id: str
    delivery: Delivery
    url: str
    started: float


class Webhooks(Changes):
    """Webhook endpoints and their delivery (the ``webhooks`` worker)."""

    def _init_webhooks(
        self, *, allow_private: bool, timeout: float, concurrency: int = CONCURRENCY, look: float | None = None
    ) -> None:
        #: The longest the worker sleeps while endpoints are enabled (seconds).
        self._webhook_look = LOOK if look is None else look
        self._webhook_sender = wh.Sender(allow_private=allow_private, timeout=timeout, concurrency=concurrency)
        self._webhook_lock = threading.Lock()
        #: Deliveries in flight: their future outcome, by (endpoint, seq).
        self._inflight: dict[tuple[str, int], tuple[_Claimed, concurrent.futures.Future[wh.Outcome]]] = {}
        self._changes_seen: collections.OrderedDict[int, Change] = collections.OrderedDict()
        self._secrets_open: dict[tuple[str, str], str] = {}
        self._msg_prefix: str | None = None
        #: The secrets that sign the deliveries just claimed, by endpoint.
        self._claimed_secrets: dict[str, list[str]] = {}
        #: Whether an endpoint was enabled when the worker last looked: commits wake it then.
        self._webhooks_active = True
        #: This process's figures: attempts, successes, failures by endpoint, and how long after
        #: its commit the last deliveries began (seconds).
        self._webhook_counts: collections.Counter[tuple[str, str]] = collections.Counter()
        self._webhook_lag: collections.deque[float] = collections.deque(maxlen=1000)
        #: Endpoints whose pending deliveries were counted (a backlog near the limit): the room
        #: left, until when it is trusted (monotonic seconds).
        self._room_counted: dict[str, tuple[int, float]] = {}
        #: Where pruning each endpoint's dead letters goes on from (a change number).
        self._dead_pruned: dict[str, int] = {}
        self.on_changes(self._change_committed)

    # ----- endpoints ------------------------------------------------------------------------------

    def add_webhook(
        self,
        url: str,
        *,
        description: str | None = None,
        definitions: Sequence[str] | None = None,
        kinds: Sequence[str] | None = None,
        actions: Sequence[str] | None = None,
        enabled: bool = True,
    ) -> Webhook:
        """A new endpoint, told of every change committed from now on that its filters take
        (each empty for all: the version the actor is on after the change, the change's kind,
        the name of any action the step reported). Its secret (``whsec_...``) is in the answer."""
        wh.check_url(url, self._webhook_sender.allow_private)
        record: dict[str, Any] = {"url": url, "description": _description(description), "enabled": bool(enabled)}
        record.update(_filters(definitions, kinds, actions))
        webhook_id = "wh_" + os.urandom(8).hex()
        secret, entry = self._new_secret(webhook_id)
        now = self._clock.now()
        record |= {
            "disabled_reason": None,
            "created_at": now,
            "updated_at": now,
            "secrets": [entry],
            "failing_since": None,
        }
        with self._store.write() as txn:
            record["cursor"] = txn.last_change()
            txn.put_webhook(webhook_id, record)
        self._webhooks_active = True
        self._wake_webhooks()
        return _webhook(webhook_id, record, (0, 0), now, secret)

    def webhooks(self) -> list[Webhook]:
        """Every endpoint, in id order (without secrets)."""
        now = self._clock.now()
        with self._store.read() as txn:
            return [_webhook(i, r, txn.delivery_counts(i), now) for i, r in txn.webhooks()]

    def webhook(self, webhook_id: str) -> Webhook:
        now = self._clock.now()
        with self._store.read() as txn:
            record = _found(txn, webhook_id)
            return _webhook(webhook_id, record, txn.delivery_counts(webhook_id), now)

    def update_webhook(
        self,
        webhook_id: str,
        *,
        url: str | None = None,
        description: str | None = None,
        definitions: Sequence[str] | None = None,
        kinds: Sequence[str] | None = None,
        actions: Sequence[str] | None = None,
        enabled: bool | None = None,
    ) -> Webhook:
        """Change what is given (None: unchanged; an empty filter takes every change, an empty
        description clears it). Enabling a disabled endpoint makes its waiting deliveries due
        again; filters apply to the changes it has not looked at yet."""
        if url is not None:
            wh.check_url(url, self._webhook_sender.allow_private)
        given = _filters(definitions, kinds, actions, partial=True)
        now = self._clock.now()
        with self._store.write() as txn:
            record = _found(txn, webhook_id)
            if url is not None:
                record["url"] = url
            if description is not None:
                record["description"] = _description(description) or None
            record.update(given)
            if enabled is not None and bool(enabled) != record["enabled"]:
                if enabled:
                    record |= {"enabled": True, "disabled_reason": None, "failing_since": None}
                    self._unpark(txn, webhook_id, millis(self._clock))
                else:
                    record |= {"enabled": False, "disabled_reason": "disabled by request"}
                    self._park(txn, webhook_id)
            record["updated_at"] = now
            _drop_expired(record, now)
            txn.put_webhook(webhook_id, record)
            counts = txn.delivery_counts(webhook_id)
        self._webhooks_active = True
        self._wake_webhooks()
        return _webhook(webhook_id, record, counts, now)

    def remove_webhook(self, webhook_id: str) -> None:
        """Delete the endpoint with its pending deliveries and dead letters."""
        _check_webhook_id(webhook_id)
        with self._store.write() as txn:
            if not txn.delete_webhook(webhook_id):
                raise NotFound(f"no webhook '{webhook_id}'", code="webhook_not_found")

    def rotate_webhook_secret(self, webhook_id: str, *, overlap: float = OVERLAP) -> Webhook:
        """A new secret for the endpoint (in the answer); the one it had still signs beside it
        for ``overlap`` seconds (each delivery then carries both signatures), then stops."""
        if isinstance(overlap, bool) or not isinstance(overlap, (int, float)) or not 0 <= overlap <= OVERLAP_MAX:
            raise InvalidRequest(f"the overlap is from 0 to {OVERLAP_MAX:g} seconds")
        now = self._clock.now()
        with self._store.write() as txn:
            record = _found(txn, webhook_id)
            secret, entry = self._new_secret(webhook_id)
            for old in record["secrets"]:
                if old["expires_at"] is None or old["expires_at"] > now + overlap:
                    old["expires_at"] = now + overlap
            record["secrets"].append(entry)
            record["updated_at"] = now
            _drop_expired(record, now)
            txn.put_webhook(webhook_id, record)
            counts = txn.delivery_counts(webhook_id)
        return _webhook(webhook_id, record, counts, now, secret)

    def webhook_deliveries(
        self, webhook_id: str, *, dead: bool = False, after: int | None = None, limit: int | None = None
    ) -> list[WebhookDelivery]:
        """The endpoint's pending deliveries (or, with ``dead``, its dead letters), by change
        number, after ``after``."""
        with self._store.read() as txn:
            _found(txn, webhook_id)
            found = txn.deliveries(webhook_id, after or 0, MAX_PENDING if limit is None else max(0, limit), dead=dead)
        return [_delivery(webhook_id, d) for d in found]

    def redeliver(self, webhook_id: str, *, seq: int | None = None, since: float | None = None) -> int:
        """Deliver again one change (``seq``: a dead letter, or one delivered before), or every
        change committed at ``since`` or later that the endpoint's filters take (as long as the
        outbox keeps them). Returns how many deliveries were queued (one already pending is not
        queued twice; changes the endpoint has not looked at yet come anyway)."""
        if (seq is None) == (since is None):
            raise InvalidRequest("give the change to deliver again (seq) or since when (since), not both")
        with self._store.read() as txn:
            cursor = _found(txn, webhook_id)["cursor"]
        if seq is not None:
            if isinstance(seq, bool) or not isinstance(seq, int) or seq < 1:
                raise InvalidRequest("seq is a change's number, at least 1")
            found = self.changes(after=seq - 1, limit=1)
            if not found or found[0].seq != seq:
                raise NotFound(
                    f"the outbox has no change {seq} (not committed, or pruned after its retention)",
                    code="change_not_found",
                )
            if seq > cursor:
                return 0
            return self._requeue(webhook_id, found, check=False)
        assert since is not None
        with self._store.read() as txn:
            after = _older_than(txn, int((since - TIME_SKEW) * 1e9), cursor)
        queued = 0
        while after < cursor:
            # Entries read as stored and timed by their plain time: only those at or after
            # ``since`` are opened (the walk up to them costs a read each, not a decryption).
            with self._store.read() as txn:
                entries = [(n, e) for n, e in txn.changes(after, DISPATCH_BATCH) if n <= cursor]
            if not entries:
                break
            after = entries[-1][0]
            wanted = [self._opened(n, e) for n, e in entries if e.at_ns / 1e9 >= since]
            queued += self._requeue(webhook_id, wanted, check=True)
        return queued

    def _requeue(self, webhook_id: str, changes: Sequence[Change], *, check: bool) -> int:
        if not changes:
            return 0
        queued = 0
        now = millis(self._clock)
        with self._store.write() as txn:
            record = _found(txn, webhook_id)
            for change in changes:
                if check and not _takes(record, change):
                    continue
                existing = txn.delivery(webhook_id, change.seq)
                if existing is not None and existing.dead is None:
                    continue
                waiting = bool(txn.actor_deliveries(webhook_id, change.actor_id, 1))
                due = None if waiting or not record["enabled"] else now
                txn.put_delivery(webhook_id, Delivery(change.seq, change.actor_id, change.kind, due))
                self._remember_change(change)
                queued += 1
        self._wake_webhooks()
        return queued

    def webhook_stats(self) -> dict[str, Any]:
        """Figures for the metrics: each endpoint's pending deliveries, dead letters and the
        changes it has not looked at; this process's attempts, successes and failures by
        endpoint; and how long after their commit its last 1,000 deliveries began (seconds)."""
        with self._store.read() as txn:
            last = txn.last_change()
            endpoints = {}
            for webhook_id, record in txn.webhooks():
                pending, dead = txn.delivery_counts(webhook_id)
                endpoints[webhook_id] = {
                    "enabled": record["enabled"],
                    "pending": pending,
                    "dead": dead,
                    "behind": max(0, last - record["cursor"]) if record["enabled"] else 0,
                }
        lags = sorted(self._webhook_lag)
        lag = None
        if lags:
            lag = {"p50": lags[len(lags) // 2], "p99": lags[min(len(lags) - 1, len(lags) * 99 // 100)], "max": lags[-1]}
        counts: dict[str, dict[str, int]] = {k: {} for k in ("attempts", "delivered", "failed", "dead")}
        for (what, webhook_id), n in self._webhook_counts.items():
            counts[what][webhook_id] = n
        return {"endpoints": endpoints, "counts": counts, "lag": lag}

    def prune_dead_letters(self, batch: int = DEAD_PRUNE_BATCH) -> bool:
        """Remove the dead letters that died longer ago than the retention window, looking at
        up to ``batch`` of each endpoint's (from where the last call stopped); whether there may
        be more. The ``outbox`` worker calls this."""
        cutoff = self._clock.now() - self.change_retention
        more = False
        with self._store.read() as txn:
            endpoints = [webhook_id for webhook_id, _ in txn.webhooks()]
        self._dead_pruned = {i: self._dead_pruned.get(i, 0) for i in endpoints}
        for webhook_id in endpoints:
            after = self._dead_pruned[webhook_id]
            with self._store.read() as txn:
                page = txn.deliveries(webhook_id, after, batch, dead=True)
            old = [d.seq for d in page if d.dead is not None and d.dead < cutoff]
            if old:
                with self._store.write() as txn:
                    # (Read again: one redelivered meanwhile is pending, not dead.)
                    found = txn.deliveries_at(webhook_id, old)
                    txn.delete_deliveries(webhook_id, [d.seq for d in found if d.dead is not None and d.dead < cutoff])
            full = len(page) == batch
            self._dead_pruned[webhook_id] = page[-1].seq if full else 0
            more |= full
        return more

    def _retention_floor(self) -> int | None:
        """The outbox keeps every change above this: the oldest any enabled endpoint still needs
        (not looked at yet, or pending) is above it. None when no endpoint is enabled."""
        floor: int | None = None
        with self._store.read() as txn:
            for webhook_id, record in txn.webhooks():
                if not record["enabled"]:
                    continue
                needed = record["cursor"]
                first = txn.deliveries(webhook_id, 0, 1, dead=False)
                if first:
                    needed = min(needed, first[0].seq - 1)
                floor = needed if floor is None else min(floor, needed)
        return floor

    # ----- the worker ---------------------------------------------------------------------------

    def webhook_step(self) -> bool:
        """One turn of the ``webhooks`` worker: record the deliveries that finished, dispatch new
        changes, claim and send what is due while the pool has room; whether there was work."""
        with self._webhook_lock:
            plan = self._dispatch_plan()
            finished = self._finished()
            if self._inflight and len(finished) < len(self._inflight):
                # A moment for more to finish, so that one synced transaction records many.
                concurrent.futures.wait([f for _, f in self._inflight.values()], timeout=GATHER)
                finished += self._finished()
            recorded, claimed, dispatched = self._turn(finished, INFLIGHT - len(self._inflight), plan)
            self._send(claimed)
            return dispatched or recorded or bool(claimed)

    def deliver_webhooks(self) -> int:
        """Deliver what is due now, waiting for each outcome, until nothing more is due (with a
        ``ManualClock``, which moves the schedule, instead of the worker); returns how many
        attempts were made."""
        made = 0
        with self._webhook_lock:
            while True:
                _, claimed, _ = self._turn(self._finished(), DISPATCH_BATCH, self._dispatch_plan())
                if not claimed:
                    return made
                self._send(claimed)
                concurrent.futures.wait([f for _, f in self._inflight.values()])
                self._record(self._finished())
                made += len(claimed)

    def next_delivery_due(self) -> float | None:
        """When the next delivery is due (seconds since the epoch); None when none is."""
        with self._store.read() as txn:
            due = txn.next_delivery_due()
        return None if due is None else due / 1000

    def _until_next_delivery(self) -> float:
        if not self._webhooks_active:
            return 1.0
        due = self.next_delivery_due()
        look = self._webhook_look
        return look if due is None else min(look, max(0.0, due - self._clock.now()))

    def _wake_webhooks(self) -> None:
        worker = self._workers.get("webhooks")
        if worker is not None:
            worker.wake()

    def _change_committed(self) -> None:
        """This process committed changes: the worker dispatches them (when an endpoint is on)."""
        if self._webhooks_active:
            self._wake_webhooks()

    def _close_webhooks(self) -> None:
        """The deliveries in flight are waited for (each at most its timeout) and recorded;
        one that cannot be is left to its lease, and tried again by whoever comes next."""
        with self._webhook_lock:
            futures = [f for _, f in self._inflight.values()]
            concurrent.futures.wait(futures, timeout=self._webhook_sender.timeout + 1)
            try:
                self._record(self._finished())
            except Exception:
                log.exception("statekeep: the outcomes of the last webhook deliveries could not be recorded")
            self._webhook_sender.close()

    def _dispatch(self) -> bool:
        """Deliveries for the changes the enabled endpoints have not looked at (one batch)."""
        plan = self._dispatch_plan()
        return bool(plan) and self._turn([], 0, plan)[2]

    def _dispatch_plan(self) -> list[tuple[str, list[Change]]]:
        """The changes each enabled endpoint has not looked at, as many as it has room for (one
        batch), read before the transaction that dispatches them."""
        with self._store.read() as txn:
            last = txn.last_change()
            endpoints = [(i, r["cursor"]) for i, r in txn.webhooks() if r["enabled"]]
        self._webhooks_active = bool(endpoints)
        behind = [(i, cursor) for i, cursor in endpoints if cursor < last]
        if not behind:
            return []
        read: dict[int, list[Change]] = {}  # endpoints at the same cursor share a read
        plan: list[tuple[str, list[Change]]] = []
        for webhook_id, cursor in behind:
            with self._store.read() as reader:
                want = min(DISPATCH_BATCH, self._room(reader, webhook_id, cursor))
            if want <= 0:
                continue  # full: its cursor waits (and holds the outbox's retention)
            if len(read.get(cursor, ())) < want:  # (only as many as it has room for are opened)
                read[cursor] = self.changes(after=cursor, limit=want)
            if read[cursor]:
                plan.append((webhook_id, read[cursor][:want]))
        return plan

    def _dispatch_in(
        self,
        txn: UnitOfWork,
        plan: Sequence[tuple[str, list[Change]]],
        records: dict[str, dict[str, Any] | None],
        ready: list[tuple[str, Delivery]],
    ) -> bool:
        """Write the deliveries of the planned changes an endpoint's filters take, and move its
        cursor past them (those another process dispatched meanwhile are passed over); each
        actor's first, due now, is ``ready`` (written when it is claimed or not)."""
        dispatched = False
        for webhook_id, changes in plan:
            if webhook_id not in records:
                records[webhook_id] = txn.webhook(webhook_id)
            record = records[webhook_id]
            if record is None or not record["enabled"]:
                continue
            mine = [c for c in changes if c.seq > record["cursor"]]
            looked = mine[: max(0, self._room(txn, webhook_id, record["cursor"]))]
            if not looked:
                continue
            taken = [c for c in looked if _takes(record, c)]
            # An actor with a pending delivery already waits for it; its first new one is due
            # now only when it has none.
            waiting = set(txn.pending_heads(webhook_id, sorted({c.actor_id for c in taken})))
            new: list[Delivery] = []
            for change in taken:
                self._remember_change(change)
                delivery = Delivery(change.seq, change.actor_id, change.kind)
                if change.actor_id in waiting:
                    new.append(delivery)
                else:
                    ready.append((webhook_id, delivery))
                waiting.add(change.actor_id)
            txn.put_deliveries(webhook_id, new)
            record["cursor"] = looked[-1].seq
            txn.put_webhook(webhook_id, record)
            counted = self._room_counted.get(webhook_id)
            if counted is not None:
                self._room_counted[webhook_id] = (counted[0] - len(taken), counted[1])
            dispatched = True
        return dispatched

    def _room(self, txn: Reader, webhook_id: str, cursor: int) -> int:
        """How many more deliveries the endpoint may have pending (at least): the span from its
        oldest pending one to its cursor bounds their count; past the limit they are counted,
        at most once a second."""
        oldest = txn.deliveries(webhook_id, 0, 1, dead=False)
        if not oldest:
            return MAX_PENDING
        span = cursor - oldest[0].seq + 1
        if span < MAX_PENDING:
            return MAX_PENDING - span
        counted = self._room_counted.get(webhook_id)
        if counted is None or counted[1] < time.monotonic():
            counted = (MAX_PENDING - txn.delivery_counts(webhook_id)[0], time.monotonic() + 1.0)
            self._room_counted[webhook_id] = counted
        return counted[0]

    def _claim(self, limit: int) -> list[_Claimed]:
        """Take up to ``limit`` due deliveries, moving each on by the lease."""
        return self._turn([], limit, [])[1]

    def _turn(
        self,
        outcomes: Sequence[tuple[_Claimed, wh.Outcome]],
        limit: int,
        plan: Sequence[tuple[str, list[Change]]],
    ) -> tuple[bool, list[_Claimed], bool]:
        """In one synced transaction: record what the finished deliveries came to, dispatch the
        planned changes, and take up to ``limit`` due deliveries (an actor's next one among
        them, due now that its earlier one is done: claimed as it is written, not written due
        and then again claimed). Returns whether there were outcomes, what was claimed, and
        whether anything was dispatched."""
        now_ms = millis(self._clock)
        if not outcomes and not plan:
            if limit <= 0:
                return False, [], False
            with self._store.read() as reader:
                if not reader.due_deliveries(now_ms, 1):
                    return False, [], False
        with self._store.write() as txn:
            records: dict[str, dict[str, Any] | None] = {}
            ready: list[tuple[str, Delivery]] = []
            self._record_in(txn, outcomes, records, ready)
            dispatched = self._dispatch_in(txn, plan, records, ready)
            claimed = self._claim_in(txn, limit, records, ready)
        return bool(outcomes), claimed, dispatched

    def _claim_in(
        self,
        txn: UnitOfWork,
        limit: int,
        records: dict[str, dict[str, Any] | None],
        ready: Sequence[tuple[str, Delivery]],
    ) -> list[_Claimed]:
        """Claim up to ``limit`` deliveries: those due, soonest first, then those ``ready`` (due
        now, not written yet); the ready ones left over are written due now."""
        now = self._clock.now()
        now_ms = millis(self._clock)
        ahead = max(1, INFLIGHT // self._webhook_sender.concurrency)
        lease = round((self._webhook_sender.timeout * (ahead + 1) + LEASE) * 1000)
        claimed: list[_Claimed] = []
        moved: dict[str, list[Delivery]] = {}
        due = txn.due_deliveries(now_ms, limit) if limit > 0 else []
        for webhook_id, d in [*due, *ready]:
            if webhook_id not in records:
                records[webhook_id] = txn.webhook(webhook_id)
            record = records[webhook_id]
            if record is None or not record["enabled"]:
                d.due = None
            elif len(claimed) >= limit or (webhook_id, d.seq) in self._inflight:
                # (In flight: its lease ran out while this process still waits for it.)
                if d.due is not None:
                    continue
                d.due = now_ms
            else:
                d.due = now_ms + lease
                claimed.append(_Claimed(webhook_id, d, record["url"], now))
            moved.setdefault(webhook_id, []).append(d)
        for webhook_id, deliveries in moved.items():
            txn.put_deliveries(webhook_id, deliveries)
        for webhook_id in {c.webhook_id for c in claimed}:
            record = records[webhook_id]
            assert record is not None
            self._claimed_secrets[webhook_id] = self._live_secrets(webhook_id, record, now)
        return claimed

    def _send(self, claimed: Sequence[_Claimed]) -> None:
        if not claimed:
            return
        missing = sorted({c.delivery.seq for c in claimed if c.delivery.seq not in self._changes_seen})
        self._load_changes(missing)
        prefix = self._message_prefix()
        worker = self._workers.get("webhooks")
        for c in claimed:
            change = self._changes_seen.get(c.delivery.seq)
            future: concurrent.futures.Future[wh.Outcome]
            if change is None:
                future = concurrent.futures.Future()
                future.set_result(wh.Outcome(None, PRUNED, None, 0))
            else:
                if not c.delivery.attempts:
                    self._webhook_lag.append(max(0.0, c.started - change.at))
                body = _body(change)
                msg_id = f"{prefix}{change.seq}"
                stamp = int(time.time())
                headers = {
                    "webhook-id": msg_id,
                    "webhook-timestamp": str(stamp),
                    "webhook-signature": wh.signatures(self._claimed_secrets[c.webhook_id], msg_id, stamp, body),
                }
                future = self._webhook_sender.submit(c.url, headers, body)
                if worker is not None:
                    future.add_done_callback(_waking(worker))
            self._inflight[(c.webhook_id, c.delivery.seq)] = (c, future)

    def _finished(self) -> list[tuple[_Claimed, wh.Outcome]]:
        done = [(key, c, f) for key, (c, f) in self._inflight.items() if f.done()]
        out: list[tuple[_Claimed, wh.Outcome]] = []
        for key, c, f in done:
            del self._inflight[key]
            try:
                out.append((c, f.result()))
            except Exception as e:  # a bug in sending: an attempt that failed, not a stuck delivery
                log.exception("statekeep: a webhook delivery failed unexpectedly")
                out.append((c, wh.Outcome(None, f"{type(e).__name__}: {e}", None, 0)))
        return out

    def _record(self, outcomes: Sequence[tuple[_Claimed, wh.Outcome]]) -> bool:
        """What the finished deliveries came to, in one transaction."""
        return bool(outcomes) and self._turn(outcomes, 0, [])[0]

    def _record_in(
        self,
        txn: UnitOfWork,
        outcomes: Sequence[tuple[_Claimed, wh.Outcome]],
        records: dict[str, dict[str, Any] | None],
        ready: list[tuple[str, Delivery]],
    ) -> None:
        by_webhook: dict[str, list[tuple[_Claimed, wh.Outcome]]] = {}
        for c, outcome in outcomes:
            by_webhook.setdefault(c.webhook_id, []).append((c, outcome))
        for webhook_id, mine in sorted(by_webhook.items()):
            if webhook_id not in records:
                records[webhook_id] = txn.webhook(webhook_id)
            record = records[webhook_id]
            if record is not None:
                self._record_endpoint(txn, webhook_id, record, mine, ready)

    def _record_endpoint(
        self,
        txn: UnitOfWork,
        webhook_id: str,
        record: dict[str, Any],
        outcomes: Sequence[tuple[_Claimed, wh.Outcome]],
        ready: list[tuple[str, Delivery]],
    ) -> None:
        """One endpoint's outcomes: its deliveries read, written and deleted in one go each,
        then the next delivery of each actor whose delivery is done is ``ready`` (due now)."""
        now = self._clock.now()
        now_ms = millis(self._clock)
        found = {d.seq: d for d in txn.deliveries_at(webhook_id, [c.delivery.seq for c, _ in outcomes])}
        done: list[int] = []
        kept: list[Delivery] = []
        advance: set[str] = set()
        changed = False
        counts = self._webhook_counts
        for c, outcome in outcomes:
            d = found.get(c.delivery.seq)
            if d is None or d.dead is not None:
                continue  # removed, or redelivered and dead-lettered meanwhile
            counts[("attempts", webhook_id)] += 1
            if outcome.ok:
                counts[("delivered", webhook_id)] += 1
                done.append(d.seq)
                advance.add(d.actor_id)
                if record["failing_since"] is not None:
                    record["failing_since"] = None
                    changed = True
                continue
            counts[("failed", webhook_id)] += 1
            attempt = {"at": c.started, "status": outcome.status, "error": outcome.error, "ms": outcome.ms}
            d.attempts = [*d.attempts, attempt][-ATTEMPTS_KEPT:]
            if record["failing_since"] is None:
                record["failing_since"] = c.started
                changed = True
            if outcome.status == 410 and record["enabled"]:
                self._disable(txn, webhook_id, record, "the endpoint answered 410 Gone", now)
                changed = True
            delay = wh.retry_delay(len(d.attempts), outcome.retry_after)
            if delay is None or outcome.error == PRUNED:
                d.due, d.dead = None, now
                counts[("dead", webhook_id)] += 1
                advance.add(d.actor_id)
            else:
                d.due = now_ms + round(delay * 1000) if record["enabled"] else None
            kept.append(d)
            if record["enabled"] and now - record["failing_since"] >= FAILING_DISABLE:
                days = FAILING_DISABLE / 86400
                since = wire.time_text(record["failing_since"])
                self._disable(txn, webhook_id, record, f"every delivery failed for {days:g} days (since {since})", now)
                changed = True
        if not record["enabled"]:
            for d in kept:
                d.due = None
        txn.delete_deliveries(webhook_id, done)
        txn.put_deliveries(webhook_id, kept)
        if advance and record["enabled"]:
            heads = txn.pending_heads(webhook_id, sorted(advance))
            ready += [(webhook_id, h) for h in heads.values() if h.due is None]
        if changed:
            txn.put_webhook(webhook_id, record)

    def _disable(self, txn: UnitOfWork, webhook_id: str, record: dict[str, Any], why: str, now: float) -> None:
        log.warning("statekeep: webhook %s (%s) disabled: %s", webhook_id, record["url"], why)
        record |= {"enabled": False, "disabled_reason": why, "updated_at": now}
        self._park(txn, webhook_id)

    def _park(self, txn: UnitOfWork, webhook_id: str) -> None:
        """No delivery of a disabled endpoint is due."""
        for d in every_delivery(txn, webhook_id, dead=False, page=DISPATCH_BATCH):
            if d.due is not None:
                d.due = None
                txn.put_delivery(webhook_id, d)

    def _unpark(self, txn: UnitOfWork, webhook_id: str, now_ms: int) -> None:
        """Each actor's first pending delivery is due now."""
        seen: set[str] = set()
        for d in every_delivery(txn, webhook_id, dead=False, page=DISPATCH_BATCH):
            if d.actor_id not in seen:
                seen.add(d.actor_id)
                d.due = now_ms
                txn.put_delivery(webhook_id, d)

    # ----- what a delivery says ---------------------------------------------------------------

    def _remember_change(self, change: Change) -> None:
        self._changes_seen[change.seq] = change
        self._changes_seen.move_to_end(change.seq)
        while len(self._changes_seen) > CACHED:
            self._changes_seen.popitem(last=False)

    def _load_changes(self, seqs: Sequence[int]) -> None:
        """Read the changes of deliveries not made from this process's dispatch (a restart, a
        redelivery), a run of consecutive numbers at a time."""
        i = 0
        while i < len(seqs):
            j = i
            while j + 1 < len(seqs) and seqs[j + 1] == seqs[j] + 1 and j - i < DISPATCH_BATCH - 1:
                j += 1
            for change in self.changes(after=seqs[i] - 1, limit=j - i + 1):
                self._remember_change(change)
            i = j + 1

    def _message_prefix(self) -> str:
        if self._msg_prefix is None:
            with self._store.read() as txn:
                store_id = txn.store_id() or ""
            self._msg_prefix = f"msg_{store_id.replace('-', '')[:12]}_"
        return self._msg_prefix

    def _new_secret(self, webhook_id: str) -> tuple[str, dict[str, Any]]:
        secret = wh.new_secret()
        secret_id = os.urandom(4).hex()
        sealed = self._seal("webhooks", secret_record(webhook_id, secret_id), secret, "a webhook secret")
        self._secrets_open[(webhook_id, secret_id)] = secret
        entry = {"id": secret_id, "sealed": sealed.hex(), "created_at": self._clock.now(), "expires_at": None}
        return secret, entry

    def _live_secrets(self, webhook_id: str, record: dict[str, Any], now: float) -> list[str]:
        """The secrets that sign now: the current one, and one a rotation's overlap keeps."""
        out = []
        for entry in record["secrets"]:
            if entry["expires_at"] is not None and entry["expires_at"] <= now:
                continue
            key = (webhook_id, entry["id"])
            secret = self._secrets_open.get(key)
            if secret is None:
                sealed = bytes.fromhex(entry["sealed"])
                secret = self._secrets_open[key] = self._open_sealed(
                    "webhooks", secret_record(webhook_id, entry["id"]), sealed
                )
            out.append(secret)
        return out

    def _reseal_webhooks(self, txn: UnitOfWork, target: str) -> int:
        """Re-seal every endpoint's secrets under the data key ``target`` (a key rotation)."""
        from statekeep import crypto

        seen = 0
        for webhook_id, record in txn.webhooks():
            changed = False
            for entry in record["secrets"]:
                seen += 1
                sealed = bytes.fromhex(entry["sealed"])
                if crypto.Sealer.key_id_of(sealed) != target:
                    bound = secret_record(webhook_id, entry["id"])
                    entry["sealed"] = self._sealer.seal(
                        self._sealer.open(sealed, table="webhooks", record=bound), table="webhooks", record=bound
                    ).hex()
                    changed = True
            if changed:
                txn.put_webhook(webhook_id, record)
        return seen


# ----- helpers -------------------------------------------------------------------------------------


def _waking(worker: Worker) -> Callable[[concurrent.futures.Future[wh.Outcome]], None]:
    return lambda _: worker.wake()


def _body(change: Change) -> bytes:
    """What a delivery of ``change`` carries: ``{"type": "actor.<kind>", "timestamp": <its
    commit time>, "data": <the change in its wire form>}`` (docs/operations.md)."""
    return orjson.dumps(
        {"type": f"actor.{change.kind}", "timestamp": wire.time_text(change.at), "data": wire.to_json(change)}
    )


def _takes(record: dict[str, Any], change: Change) -> bool:
    """Whether the endpoint's filters take ``change``."""
    if record["definitions"] and change.version not in record["definitions"]:
        return False
    if record["kinds"] and change.kind not in record["kinds"]:
        return False
    if record["actions"]:
        names = {a.get("type") for a in change.actions if isinstance(a, dict)}
        if not names.intersection(record["actions"]):
            return False
    return True


def _older_than(txn: Reader, at_ns: int, cursor: int) -> int:
    """A change number up to ``cursor`` such that the changes up to it were all timed before
    ``at_ns`` (their times rise with their numbers, up to :data:`TIME_SKEW`): a binary search
    of the outbox, one entry read per step, where pruning may have left numbers out."""
    low, high = 0, cursor
    while low < high:
        middle = (low + high + 1) // 2
        found = txn.changes(middle - 1, 1)
        if found and found[0][0] <= high and found[0][1].at_ns < at_ns:
            low = found[0][0]
        else:
            high = middle - 1
    return low


def _check_webhook_id(webhook_id: str) -> None:
    if not isinstance(webhook_id, str):
        raise InvalidRequest("a webhook id is a string (wh_...)")
    check_id(webhook_id, "a webhook id")


def _found(txn: Reader, webhook_id: str) -> dict[str, Any]:
    _check_webhook_id(webhook_id)
    record = txn.webhook(webhook_id)
    if record is None:
        raise NotFound(f"no webhook '{webhook_id}'", code="webhook_not_found")
    return record


def _description(text: str | None) -> str | None:
    if text is not None and (not isinstance(text, str) or len(text) > 1000):
        raise InvalidRequest("a webhook's description is text of at most 1,000 characters")
    return text


def _filters(
    definitions: Sequence[str] | None,
    kinds: Sequence[str] | None,
    actions: Sequence[str] | None,
    *,
    partial: bool = False,
) -> dict[str, list[str]]:
    out: dict[str, list[str]] = {}
    for name, given in (("definitions", definitions), ("kinds", kinds), ("actions", actions)):
        if given is None:
            if not partial:
                out[name] = []
            continue
        if isinstance(given, str) or not all(isinstance(v, str) and v for v in given) or len(given) > FILTER_MAX:
            raise InvalidRequest(f"'{name}' is a list of at most {FILTER_MAX} non-empty strings")
        values = sorted(set(given))
        if name == "kinds":
            unknown = [k for k in values if k not in KINDS]
            if unknown:
                raise InvalidRequest(f"'{unknown[0]}' is not a kind of change; the kinds are: {', '.join(KINDS)}")
        out[name] = values
    return out


def _drop_expired(record: dict[str, Any], now: float) -> None:
    record["secrets"] = [s for s in record["secrets"] if s["expires_at"] is None or s["expires_at"] > now]


def _webhook(
    webhook_id: str, record: dict[str, Any], counts: tuple[int, int], now: float, secret: str | None = None
) -> Webhook:
    overlap = [s["expires_at"] for s in record["secrets"] if s["expires_at"] is not None and s["expires_at"] > now]
    return Webhook(
        id=webhook_id,
        url=record["url"],
        description=record["description"],
        definitions=list(record["definitions"]),
        kinds=list(record["kinds"]),
        actions=list(record["actions"]),
        enabled=record["enabled"],
        disabled_reason=record["disabled_reason"],
        created_at=record["created_at"],
        updated_at=record["updated_at"],
        cursor=record["cursor"],
        pending=counts[0],
        dead=counts[1],
        failing_since=record["failing_since"],
        previous_secret_expires_at=max(overlap) if overlap else None,
        secret=secret,
    )


def _delivery(webhook_id: str, d: Delivery) -> WebhookDelivery:
    return WebhookDelivery(
        webhook=webhook_id,
        seq=d.seq,
        actor_id=d.actor_id,
        kind=d.kind,
        status="pending" if d.dead is None else "dead",
        next_attempt=None if d.due is None else d.due / 1000,
        attempts=list(d.attempts),
        dead_at=d.dead,
    )
