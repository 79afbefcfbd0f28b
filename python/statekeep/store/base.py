"""The store interface: what the keep asks of a back end, in the keep's own terms.

A back end (``statekeep.store.lmdb`` today) owns every byte and every query; the keep speaks
records: actor ids, version sequence numbers, the core's actor bytes (opaque here), sealed
values (opaque here), JSON documents. Everything one call of the keep causes is gathered in a
:class:`WriteSet` and applied by one unit of work, so it commits together or not at all.

The contract every back end must meet is tested once, over all of them, in
``tests/test_store_contract.py``.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import AbstractContextManager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, NamedTuple, Protocol

#: The kinds of decision record, each counted per deployment.
DECISION_KINDS = ("migrated", "stayed", "stranded", "superseded", "released")


@dataclass(frozen=True)
class EventRecord:
    """One handled event as stored: its type, when, its payload sealed (empty when none), and
    the guard outcomes it was stepped with. The events are the actor's whole history: its
    record keeps only the first ones."""

    type: str
    at_ns: int
    sealed_payload: bytes
    guards: dict[str, bool] | None = None


@dataclass
class ScanState:
    """A deployment's background scan over the actors on its parent, as of the commit."""

    total: int
    scanned: int = 0
    #: The last actor id the scan visited; None before the first batch.
    cursor: str | None = None
    done: bool = False


@dataclass(frozen=True)
class Keyring:
    """What a store keeps of its keys: data keys, each sealed under one or more operator keys
    (envelope encryption); never a key in the clear. Values are sealed under data keys; the
    operator's key only opens the data keys, so rotating a data key needs nothing but the store,
    and rotating the operator's key re-seals only the data keys."""

    #: Bumped by every change: a process that sees a newer one reloads the keyring before it
    #: seals or opens anything.
    generation: int
    #: The data key that seals new values.
    current: str
    #: Data key id -> {operator key id -> the data key sealed under that operator key}.
    data_keys: dict[str, dict[str, bytes]]
    #: Operator key id -> a known value sealed under it, so a wrong key is refused at open.
    checks: dict[str, bytes]
    #: While a rotation is under way: the data key it moves every value to, and the operator
    #: key it moves to (None when only the data key changes).
    rotating: tuple[str, str | None] | None = None


@dataclass(frozen=True)
class LegacyKeyring:
    """The keys of a store of format 2, where the operator's key sealed values itself; the
    keep upgrades it to a :class:`Keyring` when it opens the store."""

    key_ids: list[str]
    key_check: bytes
    #: Older operator keys sealed under the current one (an interrupted rotation), by key id.
    wrapped: dict[str, bytes] = field(default_factory=dict)


@dataclass(frozen=True)
class Session:
    """A process that has the store open, as it last said so."""

    pid: int
    host: str
    started_at: float
    seen_at: float
    #: The keyring generation it has loaded.
    generation: int


class Timer(NamedTuple):
    """A timer an actor has, due at ``due`` (milliseconds since the epoch): it sends ``event``
    (with its payload, sealed) when it fires. A delayed transition's (``kind`` "after", keyed by
    its event) or an event the application scheduled ("scheduled", keyed by its id). (A named
    tuple: a send that enters a state with a delayed transition makes one, and a frozen
    dataclass costs five times as much to make.)"""

    due: int
    #: Set anew each time the timer is set: a firing applies only to the occurrence it found,
    #: so a timer cancelled and set again never fires twice, nor the stale one.
    occurrence: str
    kind: str
    event: str
    sealed_payload: bytes = b""
    #: A scheduled event that could not be delivered: why and when (it is not due any more).
    undelivered: dict[str, Any] | None = None


@dataclass(frozen=True)
class ChangeRecord:
    """One entry of the outbox: a change to an actor, as it committed. The store numbers the
    entries (dense, from 1, in commit order: no reader ever sees a later number before an
    earlier one); the actor, its version, the kind and the time are plain, for filters and
    retention; what it says (the event, the state after, the actions...) is sealed."""

    actor_id: str
    version: int
    kind: str
    at_ns: int
    sealed: bytes


@dataclass
class Delivery:
    """A change a webhook endpoint is to be told of: pending (``dead`` None), or given up on
    after its attempts (a dead letter, ``dead`` the time it was). Only the first pending change
    of each actor is ``due`` (milliseconds since the epoch); the actor's later ones wait
    (``due`` None) until it succeeds or is dead-lettered, so an endpoint hears of an actor's
    changes in order."""

    #: The change's number in the outbox.
    seq: int
    actor_id: str
    #: The change's kind (``event``, ``timer``...).
    kind: str
    due: int | None = None
    #: Each attempt: ``at`` (seconds), ``status`` (the HTTP status, or None), ``error`` (why it
    #: failed, or None), ``ms`` (how long it took).
    attempts: list[dict[str, Any]] = field(default_factory=list)
    dead: float | None = None


@dataclass
class WriteSet:
    """Everything one call of the keep writes, applied by a unit of work in one go.

    ``decisions`` hold the core's records as JSON text, keyed by the actor's ordinal for them
    (counted by the core, so no record is read to append one); ``moves`` keep the index of the
    actors on each version and its counts."""

    actors: list[tuple[str, bytes]] = field(default_factory=list)
    moves: list[tuple[str, int | None, int]] = field(default_factory=list)
    decisions: list[tuple[str, int, int, str, bytes]] = field(default_factory=list)
    contexts: list[tuple[str, bytes]] = field(default_factory=list)
    events: list[tuple[str, int, EventRecord]] = field(default_factory=list)
    #: ``(actor id, timer id, timer)``; a timer of None removes it.
    timers: list[tuple[str, str, Timer | None]] = field(default_factory=list)
    #: Outbox entries, numbered by the store when the write set commits, in this order.
    changes: list[ChangeRecord] = field(default_factory=list)
    #: ``(version seq, state path) -> delta`` of the actors in each state of each version.
    state_counts: dict[tuple[int, str], int] = field(default_factory=dict)

    def actor(self, actor_id: str, data: bytes) -> None:
        self.actors.append((actor_id, data))

    def move(self, actor_id: str, old: int | None, new: int) -> None:
        """The actor is now on version ``new`` (``old`` is None for a new actor)."""
        self.moves.append((actor_id, old, new))

    def decision(self, actor_id: str, ordinal: int, deployment: int, kind: str, record: bytes) -> None:
        self.decisions.append((actor_id, ordinal, deployment, kind, record))

    def context(self, actor_id: str, sealed: bytes) -> None:
        self.contexts.append((actor_id, sealed))

    def event(self, actor_id: str, index: int, record: EventRecord) -> None:
        self.events.append((actor_id, index, record))

    def timer(self, actor_id: str, timer_id: str, timer: Timer | None) -> None:
        """Set (or, with None, remove) one of the actor's timers."""
        self.timers.append((actor_id, timer_id, timer))

    def count_states(self, version: int, states: Iterable[str], delta: int) -> None:
        """``delta`` more (or fewer) actors of ``version`` in each of ``states``."""
        counts = self.state_counts
        for state in states:
            key = (version, state)
            counts[key] = counts.get(key, 0) + delta

    def change(self, record: ChangeRecord) -> None:
        """Append an entry to the outbox."""
        self.changes.append(record)


class Reader(Protocol):
    """A consistent view of the store as of one moment."""

    # ----- the store itself
    def store_id(self) -> str | None:
        """The store's id; None for a store not created yet."""

    def keyring(self) -> Keyring | LegacyKeyring: ...

    def keyring_generation(self) -> int:
        """The keyring's generation, read cheaply (0 for a store of format 2)."""

    def sessions(self) -> dict[str, Session]: ...

    # ----- versions, in commit order
    def commits(self) -> int:
        """How many versions are committed (the next one's sequence number)."""

    def version(self, seq: int) -> dict[str, Any]: ...

    def definition(self, seq: int) -> str:
        """A version's definition as JSON text, its key order (its document order) as deployed."""

    def version_seq(self, version_id: str) -> int | None: ...

    def versions(self, start: int = 0, *, definitions: bool = True) -> Iterator[dict[str, Any]]:
        """The version records from ``start`` on, with their definitions unless told not to
        read them (see :meth:`definition`)."""

    def scan(self, deployment: int) -> ScanState | None: ...

    def scans(self) -> dict[int, ScanState]:
        """Every deployment's scan, by deployment sequence number."""

    def decision_counts(self, deployment: int) -> dict[str, int]:
        """The records written for ``deployment``, by kind (kinds without one left out)."""

    # ----- actors
    def actor(self, actor_id: str) -> bytes | None:
        """The core's bytes of the actor."""

    def actors(self, actor_ids: Sequence[str]) -> list[bytes]:
        """The bytes of many actors, in order, in one read; every one must exist."""

    def all_actors(self, after: str | None = None) -> Iterator[tuple[str, bytes]]:
        """Every actor in id order, after ``after``."""

    def actors_on(self, version: int, after: str | None = None, limit: int | None = None) -> Iterator[str]:
        """The ids of the actors materialised on ``version``, in id order, after ``after``."""

    def actors_page(
        self, version: int, after: str | None, limit: int, *, locking: bool = True
    ) -> list[tuple[str, bytes]]:
        """Up to ``limit`` of the actors materialised on ``version``, in id order after
        ``after``, with their bytes, in one read (a scan's batch). In a unit of work a back end
        where writers lock rows locks them, unless not ``locking`` (a scan that locks them only
        to write them, by :meth:`UnitOfWork.prefetch`, and checks they did not change); one that
        another write moved off ``version`` meanwhile may be passed over, so a short page does
        not say that none is left."""

    def actor_count(self, version: int) -> int:
        """How many actors are materialised on ``version``."""

    def state_counts(self, version: int) -> dict[str, int] | None:
        """How many of the actors materialised on ``version`` are in each of its states (by
        path, ``a.b``; states with none left out); None for a store whose counts were never
        made (one from before they were kept: see :meth:`UnitOfWork.set_state_counts`)."""

    def context(self, actor_id: str) -> bytes: ...

    def event(self, actor_id: str, index: int) -> EventRecord: ...

    def history(self, actor_id: str, upto: int) -> list[tuple[str, dict[str, bool] | None]]:
        """The first ``upto`` events of the actor's history: type and guard outcomes."""

    def timers(self, actor_id: str) -> dict[str, Timer]:
        """The actor's timers by id (the undelivered scheduled events among them)."""

    def timers_of(self, keys: Sequence[tuple[str, str]]) -> list[Timer | None]:
        """The timers named ``(actor id, timer id)``, each as it is or None, in the same order
        (one read for a batch of firings)."""

    def due_timers(self, until: int, limit: int) -> list[tuple[str, str, Timer]]:
        """Up to ``limit`` timers due at ``until`` or before, ``(actor id, timer id, timer)``,
        oldest due first."""

    def next_due(self) -> int | None:
        """When the earliest timer is due; None when there is none."""

    def timer_count(self, due_by: int | None = None) -> int:
        """How many timers are set (not counting undelivered scheduled events); with
        ``due_by``, how many of them are due at that time or before."""

    def decisions(self, actor_id: str) -> list[dict[str, Any]]:
        """The actor's decision records, in ordinal order."""

    def deployment_decisions(self, deployment: int) -> Iterator[tuple[str, dict[str, Any]]]:
        """``(actor id, record)`` of every record written for ``deployment``, by actor id."""

    # ----- the outbox
    def changes(self, after: int, limit: int) -> list[tuple[int, ChangeRecord]]:
        """Up to ``limit`` outbox entries numbered above ``after``, in order."""

    def last_change(self) -> int:
        """The number of the last outbox entry committed (0 when none ever was): pruning
        entries does not lower it."""

    def first_change(self) -> int | None:
        """The number of the oldest entry kept (None when none is)."""

    # ----- what the keep keeps beside actors
    def idempotent(self, key: str) -> tuple[str, bytes] | None:
        """An idempotency key's request digest and its first answer, sealed."""

    def api_key(self, key_id: str) -> dict[str, Any] | None: ...

    def api_keys(self) -> list[tuple[str, dict[str, Any]]]: ...

    def sealed_count(self) -> int:
        """How many sealed values the store holds (contexts, event payloads, answers kept
        for idempotency keys, outbox entries)."""

    def sealed_contexts(self, after: str | None, limit: int) -> list[tuple[str, bytes]]:
        """Up to ``limit`` ``(actor id, sealed context)`` in id order, after ``after``."""

    def sealed_events(self, after: tuple[str, int] | None, limit: int) -> list[tuple[tuple[str, int], EventRecord]]:
        """Up to ``limit`` ``((actor id, index), event)`` in key order, after ``after``."""

    def sealed_answers(self, after: str | None, limit: int) -> list[tuple[str, str, bytes]]:
        """Up to ``limit`` ``(idempotency key, request digest, sealed answer)`` in key order."""

    def sealed_timers(self, after: tuple[str, str] | None, limit: int) -> list[tuple[tuple[str, str], Timer]]:
        """Up to ``limit`` ``((actor id, timer id), timer)`` in key order, after ``after``."""

    def sealed_changes(self, after: int | None, limit: int) -> list[tuple[int, ChangeRecord]]:
        """Up to ``limit`` outbox entries in order, after ``after`` (:meth:`changes`)."""

    # ----- webhooks (``statekeep.keep.webhooks``)
    def webhook(self, webhook_id: str) -> dict[str, Any] | None:
        """An endpoint's record (JSON: its URL, filters, sealed secrets, cursor...); in a unit
        of work, a back end with several writers locks it until the transaction ends."""

    def webhooks(self) -> list[tuple[str, dict[str, Any]]]:
        """Every endpoint, in id order."""

    def deliveries(self, webhook_id: str, after: int, limit: int, *, dead: bool) -> list[Delivery]:
        """Up to ``limit`` of the endpoint's pending deliveries (or, with ``dead``, its dead
        letters) numbered above ``after``, in order."""

    def delivery(self, webhook_id: str, seq: int) -> Delivery | None: ...

    def actor_deliveries(self, webhook_id: str, actor_id: str, limit: int) -> list[Delivery]:
        """Up to ``limit`` of the endpoint's pending deliveries of one actor, in order."""

    def pending_heads(self, webhook_id: str, actor_ids: Sequence[str]) -> dict[str, Delivery]:
        """Each of these actors' first pending delivery to the endpoint, for those that have one
        (in one read)."""

    def deliveries_at(self, webhook_id: str, seqs: Sequence[int]) -> list[Delivery]:
        """The endpoint's deliveries (pending or dead) of these changes, those there are, in
        order (in one read; in a unit of work a back end with several writers locks them)."""

    def due_deliveries(self, until: int, limit: int) -> list[tuple[str, Delivery]]:
        """Up to ``limit`` deliveries due at ``until`` or before, of every endpoint, soonest
        first: ``(webhook id, delivery)``. In a unit of work a back end with several writers
        locks them, passing over those another transaction holds."""

    def next_delivery_due(self) -> int | None:
        """When the earliest delivery is due; None when none is."""

    def delivery_counts(self, webhook_id: str) -> tuple[int, int]:
        """The endpoint's pending deliveries and dead letters."""


class UnitOfWork(Reader, Protocol):
    """A write transaction: what it writes becomes visible and durable together when it ends
    without an error, or not at all."""

    def create(self, store_id: str, keyring: Keyring) -> None:
        """Make a new store."""

    def set_keyring(self, keyring: Keyring) -> None: ...

    def upgrade(
        self,
        keyring: Keyring,
        seal_answer: Callable[[str, bytes], bytes],
        history_of: Callable[[str, bytes], list[tuple[str, dict[str, bool] | None]]],
    ) -> None:
        """Make a store of an older format one of the current format, with ``keyring``;
        ``seal_answer(key, answer)`` seals what was kept in the clear for an idempotency key;
        ``history_of(actor id, actor bytes)`` reads the whole history an older record holds,
        whose guard outcomes the events then keep."""

    def put_session(self, session_id: str, session: Session) -> None: ...

    def delete_session(self, session_id: str) -> None: ...

    def add_version(
        self, seq: int, record: dict[str, Any], scan: ScanState | None, *, definition: str | None = None
    ) -> None:
        """Commit version ``seq`` (the next one), with its deployment's scan. ``definition`` is
        the record's definition as JSON text when the caller has it (written as it is)."""

    def put_scan(self, deployment: int, state: ScanState) -> None: ...

    def claim_scan(self, deployment: int, expected: ScanState) -> bool:
        """Whether ``deployment``'s scan record is still ``expected`` and this transaction may
        write it: held for it until it ends (where writers lock rows, at once or not at all: one
        that another transaction holds gives False, without waiting). A scan batch that began
        from a record not yet committed (the batch before it, committing meanwhile) writes its
        own only after this, so a crash or a failure of the batch before cannot skip actors;
        after False the transaction is to be rolled back."""

    def apply(self, writes: WriteSet) -> None: ...

    def prefetch(self, actor_ids: Sequence[str]) -> None:
        """The calls about to run in this transaction will read (and may write) these actors: a
        back end where writers lock rows reads and locks them now, in one go and in id order,
        and answers their reads from that; one with a single writer may do nothing."""

    def remember(self, key: str, request: str, sealed_answer: bytes) -> None:
        """An idempotency key's request digest and its first answer, sealed."""

    def put_api_key(self, key_id: str, record: dict[str, Any]) -> None: ...

    def delete_api_key(self, key_id: str) -> bool:
        """Whether there was such a key."""

    def reseal_context(self, actor_id: str, sealed: bytes) -> None: ...

    def reseal_event(self, actor_id: str, index: int, record: EventRecord) -> None: ...

    def reseal_answer(self, key: str, request: str, sealed_answer: bytes) -> None: ...

    def reseal_change(self, seq: int, sealed: bytes) -> None: ...

    def prune_changes(self, before_ns: int, upto: int, limit: int) -> int:
        """Remove up to ``limit`` of the oldest outbox entries, those committed before
        ``before_ns`` and numbered ``upto`` or below; returns how many. Only the oldest go:
        it stops at the first entry it must keep."""

    def set_state_counts(self, counts: dict[tuple[int, str], int] | None) -> None:
        """Replace every state count with ``counts`` (made by counting every actor), and from
        then on keep them: a store from before they were kept gets them so, once. None: the
        store has none (a copy of one that had none yet)."""

    def import_changes(self, changes: Sequence[tuple[int, ChangeRecord]], last: int) -> None:
        """Copy entries in with their numbers (a store copy), and the last number given."""

    def put_webhook(self, webhook_id: str, record: dict[str, Any]) -> None: ...

    def delete_webhook(self, webhook_id: str) -> bool:
        """Remove the endpoint with its deliveries and dead letters; whether there was one."""

    def put_delivery(self, webhook_id: str, delivery: Delivery) -> None:
        """Add or replace one of the endpoint's deliveries (by its ``seq``)."""

    def delete_delivery(self, webhook_id: str, seq: int) -> None: ...

    def put_deliveries(self, webhook_id: str, deliveries: Sequence[Delivery]) -> None:
        """:meth:`put_delivery` of many (in one statement where a back end has statements)."""

    def delete_deliveries(self, webhook_id: str, seqs: Sequence[int]) -> None: ...


class Store(Protocol):
    """A store: transactions over it, and what only the back end can do."""

    location: str
    #: Whether this process's write transactions run side by side (each waiting only for the
    #: rows another holds), so that one may commit on a thread while another is being made; a
    #: back end with one writer at a time (LMDB) says False.
    concurrent_writes: bool

    def read(self) -> AbstractContextManager[Reader]: ...

    def write(self, *, exclusive: bool = False) -> AbstractContextManager[UnitOfWork]:
        """A write transaction, committed durably when the block ends, aborted on an error.

        Every write reads the versions and the keyring as of its start, and they stay so until
        it ends: a transaction that changes them (``add_version``, ``set_keyring``, ``create``)
        commits only once no other write is open. One that says so at its start
        (``exclusive``: a deploy, a step of a key rotation, the store's creation) also holds
        every other write back while it runs, so what it read (a preview, a count) still holds
        when it commits; one that does not is made exclusive when it changes them, and may
        then fail as a deadlock with another such transaction (a :class:`StoreError`)."""

    def nested(self, parent: UnitOfWork) -> AbstractContextManager[UnitOfWork]:
        """A transaction inside ``parent``: on an error only its own writes are undone; they
        become durable when ``parent`` commits (a group commit isolates each call this way)."""

    def backup(self, dest: Path) -> None:
        """A consistent copy of the store as of one moment, while writes go on."""

    def maintain(self) -> None:
        """Housekeeping a process that holds the store open does now and then."""

    def follow(self, changed: Callable[[], None]) -> None:
        """Call ``changed()``, from a thread of the store's, soon after any process commits a
        version or changes the keyring: a hint to look sooner, which a back end that has no way
        to tell never gives. Nothing may rely on it: every transaction reads the commit count
        and the keyring generation at its start."""

    def close(self) -> None: ...


def every_delivery(reader: Reader, webhook_id: str, *, dead: bool, page: int) -> Iterator[Delivery]:
    """An endpoint's pending (or dead) deliveries in change order, read ``page`` at a time."""
    after = 0
    while True:
        found = reader.deliveries(webhook_id, after, page, dead=dead)
        yield from found
        if len(found) < page:
            return
        after = found[-1].seq
