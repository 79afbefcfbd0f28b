"""What every part of the keep shares: the store, the registry of versions kept in step with
it, the sealer, and the transaction a call runs in (its own, or a group's)."""

from __future__ import annotations

import collections
import hashlib
import math
import threading
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from typing import TYPE_CHECKING, Any, TypeVar

from statekeep import crypto, jsonio
from statekeep._core import ActorState, Machine, Registry
from statekeep.clock import LATEST_MS, Clock, to_millis
from statekeep.errors import Conflict, HistoryNeeded, InvalidRequest, NotFound, StoreDamaged
from statekeep.store import ChangeRecord, Reader, Store, UnitOfWork, WriteSet

if TYPE_CHECKING:
    from statekeep.keep.timers import ActorTimers
from statekeep.workers.base import Worker

#: How many events of its history an actor's record keeps; the store has every event, and
#: the core asks for the rest only when a deployment's path is longer or a landing replays.
#: So a send costs the same at any age of the actor.
INLINE_HISTORY = 16

T = TypeVar("T")


class KeepBase:
    """The state the keep's parts share, and the helpers they all use."""

    _store: Store
    _sealer: crypto.Sealer
    _clock: Clock

    def __init__(self, store: Store) -> None:
        self._store = store
        self._lock = threading.Lock()
        self._group = threading.local()
        self._registry = Registry(inline_history=INLINE_HISTORY)
        self._seq_of: dict[str, int] = {}
        #: Each version's named delays (milliseconds) and timer policy, as deployed.
        self._delays: dict[str, dict[str, int]] = {}
        self._timer_policy: dict[str, str] = {}
        self._has_timers: dict[str, bool] = {}
        #: When each version was committed (ms): a migration through it lands at that instant.
        self._committed_ms: dict[str, int] = {}
        #: This process's timer firings: how many, and how late the last ones were (ms).
        self._fired_total = 0
        self._lateness: collections.deque[int] = collections.deque(maxlen=1000)
        #: How many due timers the next fire transaction reads (``Timers.fire_due``).
        self._fire_batch = 200
        #: When the timer worker looks next (ms): a timer set due before then wakes it.
        #: Infinite while it is looking (it may have read the next due time before the timer
        #: committed), and until it first sleeps.
        self._timer_look_at = math.inf
        #: This process's requests in a write: waiting for the store's writer or in their
        #: transaction; and how many have begun one so far. A background transaction that has had
        #: its share yields to them (a timer firing, the scan's pace): on LMDB a request waits for
        #: the one writer, on PostgreSQL it runs beside the background one and waits for what that
        #: holds (its actors' rows, the outbox head, the sync of its commit).
        self._requests_writing = 0
        self._requests_begun = 0
        self._writing_lock = threading.Lock()
        #: Machines this process compiled for deploys it committed, until the registry takes them.
        self._deployed_machines: dict[str, Machine] = {}
        #: The background workers, by name (``statekeep.workers``).
        self._workers: dict[str, Worker] = {}
        #: Notified when this process commits outbox entries (``keep.follow`` waits on it).
        self._changes_committed = threading.Condition()
        self._change_hooks: list[Callable[[], None]] = []

    # ----- transactions ---------------------------------------------------------------------------

    @contextmanager
    def _reading(self) -> Iterator[Reader]:
        """A consistent view, with every version committed up to it known to the registry,
        and the keys of its keyring loaded."""
        with self._store.read() as txn:
            self._refresh(txn)
            self._follow_keys(txn)
            yield txn

    @contextmanager
    def _writing(self) -> Iterator[UnitOfWork]:
        """The transaction a write call runs in: its own, synced when the call ends; or, inside
        a group commit on this thread, a nested one that the group commits."""
        outer: UnitOfWork | None = getattr(self._group, "txn", None)
        if outer is None:
            with self._request_write() as txn:
                self._refresh(txn)
                self._follow_keys(txn)
                yield txn
            self._committed()
        else:
            with self._store.nested(outer) as txn:
                yield txn

    @contextmanager
    def _request_write(self) -> Iterator[UnitOfWork]:
        """The store's writer for a request, counted while it waits for it and until it ends."""
        self._count_writing(1)
        try:
            with self._store.write() as txn:
                yield txn
        finally:
            self._count_writing(-1)

    def _count_writing(self, delta: int) -> None:
        with self._writing_lock:
            self._requests_writing += delta
            if delta > 0:
                self._requests_begun += delta

    def _requests_wrote_since(self, begun: int) -> bool:
        """Whether a request of this process was in a write (or waiting for one) at some time
        since ``_requests_begun`` was ``begun``."""
        return self._requests_writing > 0 or self._requests_begun != begun

    def timer_stats(self) -> dict[str, Any]:
        """The timers' figures (``keep.timers``)."""
        raise NotImplementedError

    def webhook_stats(self) -> dict[str, Any]:
        """The webhooks' figures (``keep.webhooks``)."""
        raise NotImplementedError

    def _reseal_webhooks(self, txn: UnitOfWork, target: str) -> int:
        """Re-seal the webhooks' secrets under data key ``target`` (``keep.webhooks``)."""
        raise NotImplementedError

    def _timers_set(self, due: int) -> None:
        """A timer due at ``due`` (ms) was set in the transaction this thread is in: once it
        commits, the timer worker looks again at when the next one is due, unless it will look
        before then anyway (most timers are due long after: a send that sets one does not wake
        the worker for nothing)."""
        earliest = getattr(self._group, "timers_set", None)
        if earliest is None or due < earliest:
            self._group.timers_set = due

    def _committed(self) -> None:
        """This thread's transaction committed (its own, or a group's)."""
        self._announce(self._news())

    def _news(self) -> tuple[bool, int | None]:
        """What this thread's transaction did that others hear of once it commits (outbox
        entries, timers set), taken off the thread: for :meth:`_announce` when it has committed,
        on whichever thread that happens."""
        news = (getattr(self._group, "changed", False), getattr(self._group, "timers_set", None))
        self._group.changed, self._group.timers_set = False, None
        return news

    def _announce(self, news: tuple[bool, int | None]) -> None:
        changed, due = news
        if changed:
            with self._changes_committed:
                self._changes_committed.notify_all()
            for hook in self._change_hooks:
                hook()
        if due is not None:
            worker = self._workers.get("timers")
            if worker is not None and due < self._timer_look_at:
                worker.wake()

    def _follow_keys(self, txn: Reader) -> None:
        """Load the keyring again if another process changed it (``keep.keyring``)."""
        raise NotImplementedError

    def _wake_workers(self) -> None:
        """Something committed may give the background workers work."""
        for worker in self._workers.values():
            worker.wake()

    # ----- the registry of versions, in step with the store ---------------------------------------

    def _refresh(self, txn: Reader) -> None:
        """Load versions committed since we last looked (by us, another thread or process)."""
        commits = txn.commits()
        # Counted by what is known of each version, which another thread's refresh (holding the
        # lock) records after the registry has it: the registry's own length would say "up to
        # date" a moment before its version can be named.
        if commits == len(self._seq_of):
            return
        with self._lock:
            for seq, v in enumerate(txn.versions(start=len(self._registry), definitions=False), len(self._registry)):
                self._commit_to_registry(self._registry, v, definition=txn.definition(seq))

    def _commit_to_registry(
        self, registry: Registry, v: Mapping[str, Any], machine: Machine | None = None, definition: str | None = None
    ) -> None:
        """Commit version ``v`` to ``registry``: compiled (``machine``), or read back from the
        store (its ``definition`` text), compiled when first needed."""
        rule = {
            "parent": v["parent"],
            "path": v["path"],
            "match": v["match"],
            "landing": v["landing"],
            "state_map": v["state_map"],
        }
        if machine is None and registry is self._registry:
            # A version this process just deployed is compiled already.
            machine = self._deployed_machines.pop(v["id"], None)
        if machine is None:
            # Read back from the store: compiled when first needed, so opening a store costs
            # nothing per version.
            assert definition is not None
            seq = registry.deploy_stored(v["id"], definition, guard_default=v["guard_default"], **rule)
        else:
            seq = registry.deploy(v["id"], machine, **rule)
        if registry is self._registry:
            self._delays[v["id"]] = dict(v.get("delays") or {})
            self._timer_policy[v["id"]] = v.get("timers", "keep")
            self._committed_ms[v["id"]] = to_millis(v["committed_at"])
            self._seq_of[v["id"]] = seq  # last: known once all of it is (``_refresh``)

    def _version_seq(self, version_id: str) -> int:
        try:
            return self._seq_of[version_id]
        except KeyError:
            raise NotFound(f"no version '{version_id}' is deployed", code="version_not_found") from None

    # ----- actors as the core has them ------------------------------------------------------------

    def _load_actor(
        self, actor_id: str, raw: bytes, history: list[tuple[str, dict[str, bool] | None]] | None = None
    ) -> ActorState:
        try:
            return self._registry.load_actor(raw, history)
        except (StoreDamaged, InvalidRequest) as e:
            raise StoreDamaged(
                f"the store is damaged: the record of actor '{actor_id}' cannot be read ({e}); "
                "restore the store from a backup"
            ) from None

    def _load(self, txn: Reader, actor_id: str) -> ActorState:
        check_name(actor_id, "an actor id")
        raw = txn.actor(actor_id)
        if raw is None:
            raise NotFound(f"no actor '{actor_id}'", code="actor_not_found")
        return self._load_actor(actor_id, raw)

    def _with_history(self, txn: Reader, actor_id: str) -> ActorState:
        """The actor with its whole history, read from the store's events."""
        raw = txn.actor(actor_id)
        if raw is None:
            raise StoreDamaged(f"the store is damaged: actor '{actor_id}' went missing")
        length = self._load_actor(actor_id, raw).history_length
        return self._load_actor(actor_id, raw, txn.history(actor_id, length))

    def _deciding(
        self, txn: Reader, ids: Sequence[str], actors: list[ActorState], call: Callable[[list[ActorState]], T]
    ) -> T:
        """``call(actors)``; when the core asks for more of an actor's history than its record
        keeps (a long path, a landing by replay), the actor is loaded with its whole history and
        the call made again: nothing was decided the first time."""
        while True:
            try:
                return call(actors)
            except HistoryNeeded as e:
                for i in e.actors:
                    if actors[i].whole_history:
                        raise
                    actors[i] = self._with_history(txn, ids[i])

    def _put_actor(
        self,
        writes: WriteSet,
        actor_id: str,
        actor: ActorState,
        before: ActorState | None,
        records: Sequence[tuple[int, int, str, bytes]],
    ) -> None:
        """Write the actor as the core left it (from ``before``; None for a new one), with the
        decision records it produced."""
        writes.actor(actor_id, actor.to_bytes())
        for ordinal, deployment, kind, record in records:
            writes.decision(actor_id, ordinal, deployment, kind, record)
        version = self._seq_of[actor.version]
        previous = None if before is None else self._seq_of[before.version]
        if previous != version:
            writes.move(actor_id, previous, version)
        self._count_states(writes, before, actor)

    def _count_states(self, writes: WriteSet, before: ActorState | None, after: ActorState) -> None:
        """The actor left the states of ``before`` and is in those of ``after`` now."""
        value = after.value
        if before is not None:
            was = before.value
            if was == value and before.version == after.version:
                return
            writes.count_states(self._seq_of[before.version], state_nodes(was), -1)
        writes.count_states(self._seq_of[after.version], state_nodes(value), 1)

    def _touch(self, txn: UnitOfWork, actor_id: str) -> tuple[ActorState, list[dict[str, Any]]]:
        """The actor caught up, with what that decided written in this transaction."""
        from statekeep.keep.timers import records_with_landing_outcomes, with_landing_outcomes

        stored = self._load(txn, actor_id)
        now = self._clock.now()
        caught = self._deciding(txn, [actor_id], [stored], lambda a: self._registry.catch_up_records(a[0], now))
        decisions, records = caught.decisions, caught.records
        if decisions or caught.actor.watermark != stored.watermark:
            writes = WriteSet()
            if caught.moved:
                outcomes = self._landed(txn, writes, actor_id, stored.version, decisions)
                decisions = with_landing_outcomes(decisions, outcomes)
                records = records_with_landing_outcomes(records, outcomes, self._seq_of)
            self._put_actor(writes, actor_id, caught.actor, stored, records)
            self._moved_change(writes, actor_id, caught.actor, decisions, now)
            txn.apply(writes)
        return caught.actor, [dict(d, actor=actor_id) for d in decisions]

    def _machine(self, version: str) -> Machine:
        machine: Machine = self._registry.version(version)["machine"]
        return machine

    def _timed(self, version: str) -> bool:
        """Whether a version has delayed transitions (an actor on one without has no timers of
        them to keep or start)."""
        timed = self._has_timers.get(version)
        if timed is None:
            timed = self._has_timers[version] = self._machine(version).has_timers
        return timed

    def _landed(
        self, txn: Reader, writes: WriteSet, actor_id: str, before: str, decisions: Sequence[Mapping[str, Any]]
    ) -> dict[str, dict[str, list[dict[str, Any]]]]:
        """An actor caught up from ``before`` through the migrations in ``decisions``: its
        timers as each landing version's policy says, as of each one's commit (whenever the
        scan, a send or a read gets to it), so every reader sees the same due times. Returns
        what each landing did to them, by deployment."""
        from statekeep.keep.timers import ActorTimers

        path = [before] + [d["to"] for d in decisions if d["kind"] == "migrated"]
        if not any(self._timed(version) for version in path):
            return {}  # no landing has timers to keep or start (a scan moves thousands so)
        timers = ActorTimers(self, txn, actor_id, new=False)
        outcomes = self._landings(timers, before, decisions, None)
        timers.write(writes)
        return outcomes

    def _landings(
        self, timers: ActorTimers, before: str, decisions: Sequence[Mapping[str, Any]], at: int | None
    ) -> dict[str, dict[str, list[dict[str, Any]]]]:
        """Land ``timers`` through each migration in ``decisions``, in order, at its version's
        commit (or ``at``: a move an event made due lands with the event). Returns what each
        landing did to the timers, by deployment (for its decision record)."""
        outcomes = {}
        version = before
        for decision in decisions:
            if decision["kind"] != "migrated":
                continue
            to = decision["to"]
            if self._timed(version) or self._timed(to):
                running = self._machine(to).resolve_value(decision["landing"]).timers
                landing = durations(running, self._delays.get(to, {}))
                when = self._committed_ms[to] if at is None else at
                outcomes[decision["deployment"]] = timers.landed(landing, self._timer_policy.get(to, "keep"), when)
            version = to
        return outcomes

    def _decided_timers(
        self, txn: Reader, actor_id: str, stored_version: str, decisions: Sequence[Mapping[str, Any]]
    ) -> list[dict[str, Any]]:
        """The decisions a read's catch-up in memory made (not yet written), each migration's
        with what it will do to the actor's timers, as its record will say once written."""
        from statekeep.keep.timers import ActorTimers, with_landing_outcomes

        outcomes = {}
        if any(d["kind"] == "migrated" for d in decisions):
            outcomes = self._landings(ActorTimers(self, txn, actor_id, new=False), stored_version, decisions, None)
        return with_landing_outcomes(decisions, outcomes)

    def _timers_seen(
        self, txn: Reader, actor_id: str, stored_version: str, decisions: Sequence[Mapping[str, Any]]
    ) -> list[dict[str, Any]]:
        """The actor's timers as a read sees them: with the migrations a catch-up in memory
        decided (``decisions``, not yet written) applied, as they will be."""
        from statekeep.keep.timers import ActorTimers, listed

        if not any(d["kind"] == "migrated" for d in decisions):
            return listed(txn.timers(actor_id))
        timers = ActorTimers(self, txn, actor_id, new=False)
        self._landings(timers, stored_version, decisions, None)
        return timers.listed()

    # ----- the outbox ------------------------------------------------------------------------------

    def _change(
        self,
        writes: WriteSet,
        kind: str,
        actor_id: str,
        now: float,
        *,
        version: str,
        value: Any,
        status: str,
        seq: int,
        event: Mapping[str, Any] | None = None,
        actions: Sequence[Any] = (),
        effects: Sequence[Any] = (),
        decisions: Sequence[Mapping[str, Any]] = (),
        timer: Mapping[str, Any] | None = None,
    ) -> None:
        """An outbox entry for what this write does to the actor, in its transaction: what the
        application is told (``keep.changes``, webhooks), sealed like the rest of its data."""
        at_ns = int(now * 1e9)
        body = {
            "event": event,
            "value": value,
            "status": status,
            "seq": seq,
            "actions": list(actions),
            "effects": list(effects),
            "decisions": list(decisions),
            "timer": timer,
        }
        # Made of what was checked on its way in (payloads, contexts) and what the core made:
        # written without looking again for what JSON cannot hold.
        sealed = self._sealer.seal(jsonio.dumps(body), table="changes", record=change_record(actor_id, at_ns))
        writes.change(ChangeRecord(actor_id, self._seq_of[version], kind, at_ns, sealed))
        self._group.changed = True

    def _actor_change(
        self, writes: WriteSet, kind: str, actor_id: str, actor: ActorState, now: float, **what: Any
    ) -> None:
        """:meth:`_change` with the actor's state as the core left it."""
        self._change(
            writes,
            kind,
            actor_id,
            now,
            version=actor.version,
            value=actor.value,
            status=status_of(actor),
            seq=actor.history_length,
            **what,
        )

    def _moved_change(
        self, writes: WriteSet, actor_id: str, actor: ActorState, decisions: Sequence[Mapping[str, Any]], now: float
    ) -> None:
        """The entry for a catch-up (a scan, a touch) whose decisions moved or stranded the
        actor; nothing for one that only records that it stayed."""
        kinds = [d["kind"] for d in decisions if d["kind"] in ("migrated", "stranded")]
        if kinds:
            self._actor_change(writes, kinds[-1], actor_id, actor, now, decisions=decisions)

    # ----- idempotency keys ----------------------------------------------------------------------

    def _replay(self, txn: UnitOfWork, key: str | None, request: str) -> Any:
        """The first answer to a request retried under the same idempotency key."""
        if key is None:
            return None
        check_name(key, "an idempotency key")
        stored = txn.idempotent(key)
        if stored is None:
            return None
        digest, sealed = stored
        if digest != request:
            raise Conflict(
                f"idempotency key '{key}' was used for a different request; use a new key",
                code="idempotency_key_reused",
            )
        return self._open_sealed("idempotency", key.encode(), sealed)

    def _remember(self, txn: UnitOfWork, key: str | None, request: str, answer: Any) -> None:
        """The answer kept for an idempotency key, sealed: it holds contexts."""
        if key is not None:
            txn.remember(
                key, request, self._sealer.seal(jsonio.dumps(answer), table="idempotency", record=key.encode())
            )

    # ----- sealing user data --------------------------------------------------------------------

    def _seal(self, table: str, record: bytes, value: Any, what: str) -> bytes:
        return self._sealer.seal(jsonio.document(value, what), table=table, record=record)

    def _open_sealed(self, table: str, record: bytes, sealed: bytes) -> Any:
        return jsonio.loads(self._sealer.open(sealed, table=table, record=record), f"the sealed {table} value")


def state_nodes(value: Any) -> list[str]:
    """The states an XState state value is in, each by its path from the root (``a``, ``a.b``):
    a compound state and its active child, every region of a parallel one."""
    out: list[str] = []

    def walk(node: Any, prefix: str) -> None:
        if isinstance(node, str):
            out.append(prefix + node)
            return
        for key, child in node.items():
            out.append(prefix + key)
            walk(child, prefix + key + ".")

    walk(value, "")
    return out


def status_of(actor: ActorState) -> str:
    """An actor's status: its state machine's (``active``, ``done``, ``error``), or ``terminated``
    once an operator terminated it, whatever its machine's was."""
    return "terminated" if actor.terminated else actor.status


def context_record(actor_id: str) -> bytes:
    """What an actor's sealed context is bound to (the AEAD's associated data)."""
    return actor_id.encode("utf-8")


def event_record(actor_id: str, index: int) -> bytes:
    """What the sealed payload of an actor's ``index``-th event is bound to."""
    return actor_id.encode("utf-8") + b"\x00" + index.to_bytes(4, "big")


def timer_record(actor_id: str, timer_id: str) -> bytes:
    """What a scheduled event's sealed payload is bound to."""
    return actor_id.encode() + b"\x00" + timer_id.encode()


def change_record(actor_id: str, at_ns: int) -> bytes:
    """What the sealed body of an outbox entry is bound to: its actor and its time (its number
    is given only at the commit)."""
    return actor_id.encode() + b"\x00" + at_ns.to_bytes(8, "big")


def check_name(name: str, what: str) -> None:
    """Keys of the store (and prefixes of others): bounded, and free of the separator."""
    if not valid_name(name):
        raise InvalidRequest(f"{what} is a non-empty string of at most 256 bytes without NUL characters")


def valid_name(name: object) -> bool:
    """What :func:`check_name` accepts."""
    if not isinstance(name, str) or not name or "\x00" in name:
        return False
    try:
        return len(name.encode()) <= 256
    except UnicodeEncodeError:  # a lone surrogate is no UTF-8
        return False


def check_id(name: str, what: str) -> None:
    """The one rule for the ids that name things in URLs too (actors, versions): 1 to 256
    bytes of UTF-8, no '/', no control characters, not '.' or '..', so that every id made
    anywhere can be reached everywhere (``/v1/actors/{id}``)."""
    check_name(name, what)
    if "/" in name or name in (".", "..") or any(ord(c) < 0x20 or ord(c) == 0x7F for c in name):
        raise InvalidRequest(
            f"{what} {name!r} is not a valid id: use 1 to 256 bytes of text without '/' or control characters "
            "(and not '.' or '..')"
        )


def request_digest(idempotency_key: str | None, request: Any) -> str:
    """What an idempotency key is bound to; only computed when there is a key (a batch of
    thousands is not serialised for nothing)."""
    return "" if idempotency_key is None else hashlib.sha256(jsonio.canonical(request)).hexdigest()


def duration(delay: Any, named: Mapping[str, int]) -> int | None:
    """A delay in milliseconds: a number, or one of the ``named`` delays given at deploy. None
    for a name a version deployed before named delays existed does not give (no timer then)."""
    if isinstance(delay, str):
        return named.get(delay)
    return min(max(0, int(delay)), LATEST_MS)


def durations(running: Sequence[tuple[str, Any]], named: Mapping[str, int]) -> list[tuple[str, int]]:
    """Running delayed transitions, ``(event, delay)``, with their delays in milliseconds."""
    return [(event, d) for event, delay in running if (d := duration(delay, named)) is not None]
