"""The keep: durable actors, deployed and migrated by the routing law.

Data flows one way: the public calls here -> the core (``statekeep._core``: stepping and every
routing decision) and the store (``statekeep.store``: bytes and I/O, behind one interface;
``statekeep.crypto`` seals user data). The keep decides nothing itself.

Every write is one transaction, durable before the call returns; the store gives one writer
at a time per actor, so the operations on one actor apply in some serial order. A deployment
commits only its version; an actor is caught up on first touch by the core, commit by commit,
and a background worker (``statekeep.workers.scan``) writes the rest in bounded transactions.

The parts, one concern each: ``versions`` (deploy, preview), ``actors`` (spawn, send,
release), ``reads`` (get, history, decisions, actors), ``states`` (actors per state), ``timers``, ``changes`` (the outbox),
``keyring`` (encryption keys and their
rotation), ``apikeys``; ``base`` holds what they share.
"""

from __future__ import annotations

import math
import os
import random
import time
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from statekeep import store as stores
from statekeep.clock import Clock, SystemClock
from statekeep.errors import Error, StoreConflict
from statekeep.keep.actors import Actors, Event, split_event
from statekeep.keep.apikeys import ApiKeys
from statekeep.keep.base import valid_name
from statekeep.keep.changes import Changes
from statekeep.keep.keyring import HEARTBEAT, Keys
from statekeep.keep.reads import Reads
from statekeep.keep.states import States
from statekeep.keep.timers import Timers
from statekeep.keep.versions import Versions
from statekeep.keep.webhooks import Webhooks
from statekeep.testing import ManualClock
from statekeep.workers import scan
from statekeep.workers.base import Worker
from statekeep.workers.scan import Scanner

#: The longest the timer worker sleeps without looking at the store again.
TIMER_LOOK = 1.0
#: How often the outbox is pruned (seconds).
PRUNE_EVERY = 60.0
#: How long a webhook delivery may take (seconds).
WEBHOOK_TIMEOUT = 15.0

__all__ = [
    "Event",
    "Keep",
    "open",
    "remove_store",
    "restore_store",
    "split_event",
    "store_exists",
    "store_id_of",
    "store_size",
]

#: The write calls that :meth:`Keep.run_group` can apply together.
GROUPABLE = frozenset({"spawn", "spawn_many", "send", "send_many", "release"})
#: How often a process looks for versions and keys that other processes committed (seconds).
FOLLOW = 1.0
#: How many times a group that conflicted with a concurrent write is tried.
GROUP_ATTEMPTS = 5


def _actors_of(name: str, args: Sequence[Any], kwargs: Mapping[str, Any]) -> list[str]:
    """The existing actors a group's call will write, as far as its arguments say (a call whose
    arguments are wrong fails by itself, later)."""
    if name in ("send", "release"):
        found = [args[0] if args else kwargs.get("actor_id")]
    elif name == "send_many":
        items = args[0] if args else kwargs.get("items")
        found = (
            [item[0] for item in items if isinstance(item, tuple | list) and item] if isinstance(items, list) else []
        )
    else:
        return []  # a spawn's ids are new: held when the spawn runs
    return [a for a in found if isinstance(a, str) and valid_name(a)]


def open(
    path: str | os.PathLike[str],
    key: bytes | str | None = None,
    *,
    max_size: int | None = None,
    clock: Clock | None = None,
    change_retention: float | None = None,
    allow_private_webhooks: bool = False,
    webhook_timeout: float = WEBHOOK_TIMEOUT,
) -> Keep:
    """Open (or create) the store in directory ``path``, or in the PostgreSQL database at a
    ``postgresql://`` URL (with the ``postgres`` extra). A directory's store grows as needed, up
    to ``max_size`` bytes if given (then a write past it raises ``StoreFull``). ``clock`` is
    where times come from (``statekeep.testing.ManualClock`` in tests; the wall clock by
    default). ``change_retention`` is how long the outbox keeps each change, in seconds (seven
    days by default). Webhooks may reach loopback, private and link-local addresses only with
    ``allow_private_webhooks``; a delivery that takes longer than ``webhook_timeout`` seconds
    failed."""
    return Keep(
        path,
        key=key,
        max_size=max_size,
        clock=clock,
        change_retention=change_retention,
        allow_private_webhooks=allow_private_webhooks,
        webhook_timeout=webhook_timeout,
    )


def store_exists(path: str | os.PathLike[str]) -> bool:
    """Whether ``path`` holds a store (nothing is created)."""
    return stores.exists(path)


def store_id_of(path: str | os.PathLike[str]) -> str | None:
    """The id of the store at ``path`` without opening it; None when there is none."""
    return stores.read_store_id(path)


def store_size(path: str | os.PathLike[str]) -> int:
    """The bytes the store at ``path`` occupies (0 when there is none): a backup's progress."""
    return stores.size(path)


def restore_store(backup: str | os.PathLike[str], path: str | os.PathLike[str]) -> None:
    """Copy the store in ``backup`` (made by :meth:`Keep.backup`) to ``path``, new or empty.
    It opens with the key of the store it was taken from."""
    stores.restore(backup, path)


def remove_store(path: str | os.PathLike[str]) -> None:
    """Delete the store at ``path`` (a restore that does not open is undone with this)."""
    stores.remove(path)


class Keep(Versions, Actors, Reads, States, Timers, Webhooks, Changes, Keys, ApiKeys):
    """A store of actors. Use it as a context manager, or ``close()`` it."""

    def __init__(
        self,
        path: str | os.PathLike[str],
        *,
        key: bytes | str | None = None,
        scan: bool = True,
        max_size: int | None = None,
        clock: Clock | None = None,
        change_retention: float | None = None,
        allow_private_webhooks: bool = False,
        webhook_timeout: float = WEBHOOK_TIMEOUT,
        webhooks: bool = True,
        webhook_look: float | None = None,
    ) -> None:
        #: The store's data directory; None for a store in a database (a ``postgresql://`` URL),
        #: which has none, so that a key generated for it goes to the default key directory.
        self.path = None if stores.is_url(path) else Path(path)
        location = path if self.path is None else self.path
        existed = stores.exists(location)
        super().__init__(stores.open_store(location, max_size=max_size))
        self._clock = SystemClock() if clock is None else clock
        if change_retention is not None:
            if not change_retention > 0:
                raise ValueError("change_retention is how long changes are kept: a number of seconds above 0")
            self.change_retention = float(change_retention)
        self._store_closed = False
        self._init_webhooks(allow_private=allow_private_webhooks, timeout=webhook_timeout, look=webhook_look)
        try:
            self._open_keys(key, self.path)
        except BaseException:
            self._store.close()
            # (A database's store that could not be created left nothing: it is one transaction.)
            if not existed and self.path is not None:
                # A store that could not be created (no key, a refused key) leaves no empty
                # store behind to be mistaken for one later.
                stores.remove(self.path)
            raise
        try:
            self._count_all_states()
        except BaseException:
            self._store.close()
            raise
        self._scanner = Scanner()
        # (Each batch's commit overlaps the next batch where the store allows: see Scanner.)
        self._workers["scan"] = Worker("scan", lambda: self._scanner.step(self))
        # Every process says it is alive and follows the keyring, idle or not: a key rotation
        # waits for the live ones before it drops a key.
        self._workers["sessions"] = Worker("sessions", self.heartbeat, idle=HEARTBEAT)
        # Versions and keys other processes commit are taken every second, and at once when the
        # store tells of them (PostgreSQL's NOTIFY): so a new deployment's scan starts on every
        # node. Correctness never waits for this: every transaction reads the commit count.
        self._workers["versions"] = Worker("versions", self.follow_versions, idle=FOLLOW)
        # Timers fire by themselves, woken when one is set and otherwise asleep until the next
        # is due (at most TIMER_LOOK seconds: another process may have set an earlier one). A
        # clock a test moves fires them itself, when it is moved.
        self._workers["timers"] = Worker("timers", self.fire_due, idle=self._until_next_due)
        # Changes and dead letters older than the retention window go, in bounded batches.
        self._workers["outbox"] = Worker("outbox", self.prune_outbox, idle=PRUNE_EVERY)
        # Webhooks are delivered by a loop of their own, woken by this process's commits and
        # by finished deliveries, and looking for other processes' commits every
        # ``webhook_look`` seconds (a process that delivers and commits nothing itself looks
        # often); with a clock a test moves, by the clock (deliver_webhooks).
        self._workers["webhooks"] = Worker("webhooks", self.webhook_step, idle=self._until_next_delivery)
        manual = isinstance(self._clock, ManualClock)
        if isinstance(self._clock, ManualClock):  # (mypy narrows on the call, not on ``manual``)
            self._clock.attach(self)
        for name, worker in self._workers.items():
            # A clock a test moves fires timers and delivers webhooks itself, and leaves pruning
            # to the test (a loop on the wall clock would race it: it prunes as soon as the clock
            # jumps past the retention window).
            if (scan or name != "scan") and not (manual and name in ("timers", "webhooks", "outbox")):
                if name == "webhooks" and not webhooks:
                    continue  # (a short-lived process, a command: the server delivers)
                worker.start()
        self._store.follow(self._workers["versions"].wake)

    def __enter__(self) -> Keep:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def close(self) -> None:
        """Stop the background workers and close the store (again: nothing)."""
        if self._store_closed:
            return
        self._store_closed = True
        for worker in self._workers.values():
            worker.close()
        self._scanner.close(self)
        self._close_webhooks()
        if isinstance(self._clock, ManualClock):
            self._clock.detach(self)
        try:
            self._end_session()
        finally:
            self._store.close()

    def prune_outbox(self) -> bool:
        """One turn of the ``outbox`` worker: a batch of the changes, and of the dead letters,
        older than the retention window; whether there may be more."""
        more = self.prune_changes()
        return self.prune_dead_letters() or more

    def workers(self) -> dict[str, tuple[int, str | None]]:
        """The background workers by name (``scan``, ``sessions``, ``versions``, ``timers``,
        ``outbox``, ``webhooks``), each with its failed attempts since it started and, while it
        keeps failing, the last one's error (None once it succeeds again): for metrics and health
        checks."""
        return {name: (worker.failures_total, worker.last_error) for name, worker in self._workers.items()}

    def follow_versions(self) -> bool:
        """Take the versions and keys that other processes committed; wake the scan when there
        are new ones. The ``versions`` worker calls this every :data:`FOLLOW` seconds, and when
        the store says something changed."""
        before = len(self._registry)
        with self._reading():
            pass
        if len(self._registry) != before:
            self._workers["scan"].wake()
        return False

    def _until_next_due(self) -> float:
        """How long the timer worker may sleep: until the next timer is due, at most
        :data:`TIMER_LOOK` seconds."""
        self._timer_look_at = math.inf  # (a timer committed while it looks wakes it again)
        due = self.next_due()
        now = self._clock.now()
        wait = TIMER_LOOK if due is None else min(TIMER_LOOK, max(0.0, due / 1000 - now))
        self._timer_look_at = (now + wait) * 1000
        return wait

    def scan_step(self, batch: int | None = None) -> bool:
        """Materialise one bounded batch of the oldest unfinished deployment scan; returns
        whether there was work (the background worker's step, less the overlap of each batch's
        commit with the next batch). Without
        ``batch``, batches are :data:`~statekeep.workers.scan.BATCH` actors, fewer while this
        process's requests write beside the scan. The batch is committed when this returns."""
        return scan.scan_step(self, self._scanner, batch)

    def run_group(self, calls: Sequence[tuple[str, Sequence[Any], Mapping[str, Any]]]) -> list[Any]:
        """Group commit: apply independent write calls (``(name, args, kwargs)`` for ``spawn``,
        ``spawn_many``, ``send``, ``send_many`` or ``release``) in one transaction, synced once.
        Each call is isolated in a nested transaction: one that fails leaves no trace and its
        exception takes its place in the results; the others apply, in order. A service uses
        this to acknowledge many concurrent requests with one sync."""
        for name, _, _ in calls:
            if name not in GROUPABLE:
                raise ValueError(f"{name!r} cannot run in a group; one of {', '.join(sorted(GROUPABLE))} can")
        # The group's actors are locked up front in one statement, in id order, so that two
        # groups (on two nodes sharing a database) cannot deadlock over them whatever order their
        # calls come in; a conflict that happens anyway (over ids being spawned, or idempotency
        # keys) undoes the whole group, which is tried again.
        actor_ids = sorted({a for call in calls for a in _actors_of(*call)})
        for attempt in range(1, GROUP_ATTEMPTS + 1):
            try:
                return self._run_group_once(calls, actor_ids)
            except StoreConflict:
                if attempt == GROUP_ATTEMPTS:
                    raise
                time.sleep(random.uniform(0, 0.005 * attempt))
        raise AssertionError("unreachable")

    def _run_group_once(
        self, calls: Sequence[tuple[str, Sequence[Any], Mapping[str, Any]]], actor_ids: list[str]
    ) -> list[Any]:
        results: list[Any] = []
        with self._request_write() as outer:
            self._refresh(outer)
            self._follow_keys(outer)
            outer.prefetch(actor_ids)
            self._group.txn = outer
            try:
                for name, args, kwargs in calls:
                    try:
                        results.append(getattr(self, name)(*args, **kwargs))
                    except StoreConflict:
                        raise  # the group is undone and tried again
                    except (Error, ValueError, TypeError) as e:
                        results.append(e)
            finally:
                self._group.txn = None
        self._committed()
        return results

    def backup(self, dest: str | os.PathLike[str]) -> None:
        """A consistent copy of the store (a snapshot of one moment) while writes go on. It opens
        with the same key."""
        self._store.backup(Path(dest))
