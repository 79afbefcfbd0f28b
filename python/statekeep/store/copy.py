"""Copying a store to another back end (``statekeep copy-store``), and proving the copy whole.

Everything is read through the store interface from one snapshot of the source (one read
transaction: writes that go on meanwhile are not copied) and written through it to the
destination, record by record as it was: the core's bytes of each actor, its version, decision
records, events and timers, and every sealed value as it is (contexts, payloads, the answers
kept for idempotency keys), with the keyring that opens them, so the copy opens with the same
key; no value is opened on the way and no key is needed. Not copied: sessions (which processes
have the source open).

The destination must hold no store and no data. Its meta record (the store id, the keyring, the
versions) is written last, in one transaction: a copy that fails midway leaves no store there
(drop what it left, the database's schema or the directory, and copy again).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any

import orjson

from statekeep.errors import Error
from statekeep.store.base import Keyring, Reader, Store, WriteSet, every_delivery

#: Actors (or values) per transaction of the destination.
BATCH = 2_000


@dataclass
class Copied:
    """What a copy wrote, by kind."""

    versions: int = 0
    actors: int = 0
    decisions: int = 0
    events: int = 0
    contexts: int = 0
    timers: int = 0
    answers: int = 0
    changes: int = 0
    api_keys: int = 0
    webhooks: int = 0

    def total(self) -> int:
        return self.actors + self.events + self.contexts + self.answers + self.changes


@dataclass
class _Progress:
    report: Callable[[int, int], None] | None
    total: int
    done: int = 0

    def add(self, n: int) -> None:
        self.done += n
        if self.report is not None:
            self.report(self.done, self.total)


def copy(
    source: Store, dest: Store, *, batch: int = BATCH, progress: Callable[[int, int], None] | None = None
) -> Copied:
    """Copy the store ``source`` into ``dest``, which holds nothing yet; ``progress(done,
    total)`` is called as records are written (actors, events, contexts and answers)."""
    copied = Copied()
    with source.read() as src:
        store_id = src.store_id()
        if store_id is None:
            raise Error(f"there is no store at {source.location} to copy")
        keyring = src.keyring()
        if not isinstance(keyring, Keyring):
            raise Error(
                f"the store at {source.location} is of an older format: open it once with this statekeep "
                "(statekeep definitions --data DIR) to upgrade it, then copy it"
            )
        with dest.read() as found:
            if found.store_id() is not None:
                raise Error(f"{dest.location} holds a store already: copy into a new database or directory")
            if next(found.all_actors(), None) is not None or found.sealed_count() or found.api_keys():
                raise Error(
                    f"{dest.location} holds data but no store (a copy that failed?): drop it (DROP SCHEMA "
                    "statekeep CASCADE, or delete the directory) and copy again"
                )
        commits = src.commits()
        versions = list(src.versions(definitions=False))
        seq_of = {v["id"]: seq for seq, v in enumerate(versions)}
        done = _Progress(progress, sum(src.actor_count(seq) for seq in range(commits)) + src.sealed_count())

        for seq in range(commits):
            for ids in _pages(_actors_on(src, seq, batch)):
                writes = WriteSet()
                for actor_id, data in zip(ids, src.actors(ids), strict=True):
                    writes.actor(actor_id, data)
                    writes.move(actor_id, None, seq)
                    for ordinal, record in enumerate(src.decisions(actor_id)):
                        writes.decision(
                            actor_id, ordinal, seq_of[record["deployment"]], record["kind"], orjson.dumps(record)
                        )
                    for timer_id, timer in src.timers(actor_id).items():
                        writes.timer(actor_id, timer_id, timer)
                with dest.write() as txn:
                    txn.apply(writes)
                copied.actors += len(ids)
                copied.decisions += len(writes.decisions)
                copied.timers += len(writes.timers)
                done.add(len(ids))

        for contexts in _pages(lambda after: src.sealed_contexts(after, batch), key=lambda row: row[0]):
            writes = WriteSet(contexts=list(contexts))
            with dest.write() as txn:
                txn.apply(writes)
            copied.contexts += len(contexts)
            done.add(len(contexts))

        for events in _pages(lambda after: src.sealed_events(after, batch), key=lambda row: row[0]):
            writes = WriteSet(events=[(actor_id, index, record) for (actor_id, index), record in events])
            with dest.write() as txn:
                txn.apply(writes)
            copied.events += len(events)
            done.add(len(events))

        for answers in _pages(lambda after: src.sealed_answers(after, batch), key=lambda row: row[0]):
            with dest.write() as txn:
                for key, request, sealed in answers:
                    txn.remember(key, request, sealed)
            copied.answers += len(answers)
            done.add(len(answers))

        # The outbox with its numbers, so a follower resumes on the copy where it was.
        last_change = src.last_change()
        for changes in _pages(lambda after: src.sealed_changes(after, batch), key=lambda row: row[0]):
            with dest.write() as txn:
                txn.import_changes(changes, last_change)
            copied.changes += len(changes)
            done.add(len(changes))
        if not copied.changes and last_change:
            with dest.write() as txn:
                txn.import_changes([], last_change)

        # Last, in one transaction: the store itself, which makes the rest a store.
        scans = src.scans()
        with dest.write(exclusive=True) as txn:
            txn.create(store_id, keyring)
            for seq, version in enumerate(versions):
                txn.add_version(seq, version, scans.get(seq), definition=src.definition(seq))
            for key_id, record in src.api_keys():
                txn.put_api_key(key_id, record)
            txn.set_state_counts(_state_counts(src, commits))
            # Webhook endpoints (secrets sealed as they are) with their deliveries and dead letters.
            for webhook_id, record in src.webhooks():
                txn.put_webhook(webhook_id, record)
                for dead in (False, True):
                    for delivery in every_delivery(src, webhook_id, dead=dead, page=BATCH):
                        txn.put_delivery(webhook_id, delivery)
                copied.webhooks += 1
        copied.versions = commits
        copied.api_keys = len(src.api_keys())
    return copied


def _state_counts(reader: Reader, commits: int) -> dict[tuple[int, str], int] | None:
    """Every version's state counts (None for a store that has none yet: counted when opened)."""
    out: dict[tuple[int, str], int] = {}
    for seq in range(max(commits, 1)):
        counts = reader.state_counts(seq)
        if counts is None:
            return None
        out.update(((seq, state), n) for state, n in counts.items())
    return out


def _actors_on(reader: Reader, version: int, batch: int) -> Callable[[str | None], list[str]]:
    """A page of the ids of the actors on ``version``, after an id."""

    def page(after: str | None) -> list[str]:
        return list(reader.actors_on(version, after, batch))

    return page


def _paged(read: Callable[[Any, int], list[Any]], batch: int) -> Callable[[Any], list[Any]]:
    def page(after: Any) -> list[Any]:
        return read(after, batch)

    return page


def _pages(read: Callable[[Any], list[Any]], key: Callable[[Any], Any] = lambda row: row) -> Iterator[list[Any]]:
    """``read(after)`` from the start (None) until it returns nothing, each time after the last
    row's ``key``."""
    after: Any = None
    while True:
        rows = read(after)
        if not rows:
            return
        yield rows
        after = key(rows[-1])


@dataclass
class Difference:
    """Where two stores differ: what, and how."""

    what: str
    source: Any
    dest: Any


@dataclass
class Compared:
    """A comparison of two stores, record by record."""

    records: int = 0
    differences: list[Difference] = field(default_factory=list)


def compare(source: Store, dest: Store, *, batch: int = BATCH, most: int = 20) -> Compared:
    """Every record of the two stores side by side (as of one snapshot of each): the store id
    and keyring, each version with its definition, scan and counts, each actor's bytes, version,
    decisions and timers, every sealed value as it is, the idempotency records and the API keys.
    Stops after ``most`` differences."""
    out = Compared()

    def same(what: str, a: Any, b: Any) -> None:
        out.records += 1
        if a != b and len(out.differences) < most:
            out.differences.append(Difference(what, a, b))

    with source.read() as a, dest.read() as b:
        same("store id", a.store_id(), b.store_id())
        same("keyring", a.keyring(), b.keyring())
        same("commits", a.commits(), b.commits())
        same("scans", a.scans(), b.scans())
        same("api keys", a.api_keys(), b.api_keys())
        same("webhooks", a.webhooks(), b.webhooks())
        for webhook_id, _ in a.webhooks():
            for dead in (False, True):
                same(
                    f"webhook {webhook_id!r}'s {'dead letters' if dead else 'deliveries'}",
                    list(every_delivery(a, webhook_id, dead=dead, page=BATCH)),
                    list(every_delivery(b, webhook_id, dead=dead, page=BATCH)),
                )
        same("sealed values", a.sealed_count(), b.sealed_count())
        same("the last outbox entry", a.last_change(), b.last_change())
        for seq in range(min(a.commits(), b.commits())):
            same(f"version {seq}", a.version(seq), b.version(seq))
            same(f"version {seq}'s definition", a.definition(seq), b.definition(seq))
            same(f"actors on version {seq}", a.actor_count(seq), b.actor_count(seq))
            same(f"actors in each state of version {seq}", a.state_counts(seq), b.state_counts(seq))
            same(f"decisions for version {seq}", a.decision_counts(seq), b.decision_counts(seq))
            for ids, others in _side_by_side(_actors_on(a, seq, batch), _actors_on(b, seq, batch), lambda row: row):
                same(f"the actors on version {seq}", ids, others)
                if ids != others:
                    break
                for actor_id, x, y in zip(ids, a.actors(ids), b.actors(ids), strict=True):
                    same(f"actor {actor_id!r}", x, y)
                    same(f"actor {actor_id!r}'s decisions", a.decisions(actor_id), b.decisions(actor_id))
                    same(f"actor {actor_id!r}'s timers", a.timers(actor_id), b.timers(actor_id))
        tables: list[tuple[str, Callable[[Any, int], list[Any]], Callable[[Any, int], list[Any]]]] = [
            ("contexts", a.sealed_contexts, b.sealed_contexts),
            ("events", a.sealed_events, b.sealed_events),
            ("idempotency records", a.sealed_answers, b.sealed_answers),
            ("outbox entries", a.sealed_changes, b.sealed_changes),
        ]
        for name, read_a, read_b in tables:
            for rows, others in _side_by_side(_paged(read_a, batch), _paged(read_b, batch), lambda row: row[0]):
                for x, y in zip(rows, others, strict=False):
                    same(f"{name} {x[0]!r}", x, y)
                same(f"the number of {name}", len(rows), len(others))
    return out


def _side_by_side(
    read_a: Callable[[Any], list[Any]], read_b: Callable[[Any], list[Any]], key: Callable[[Any], Any]
) -> Iterator[tuple[list[Any], list[Any]]]:
    """Pages of two reads side by side, each after the last row of its own previous page."""
    after_a: Any = None
    after_b: Any = None
    while True:
        rows, others = read_a(after_a), read_b(after_b)
        if not rows and not others:
            return
        yield rows, others
        if not rows or not others:
            return
        after_a, after_b = key(rows[-1]), key(others[-1])
