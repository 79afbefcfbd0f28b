"""The store contract: what every back end of ``statekeep.store`` must do, tested the same way
on each (the ``store`` fixture runs every test over every back end: LMDB in a temporary
directory, PostgreSQL in a database of the test's own on the server the tests start)."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from statekeep.errors import StoreDamaged, StoreError
from statekeep.store import (
    ChangeRecord,
    EventRecord,
    Keyring,
    ScanState,
    Session,
    Store,
    Timer,
    UnitOfWork,
    WriteSet,
    open_store,
)

#: Each back end: a new store's location, given the test's request and temporary directory.
BACK_ENDS: dict[str, Callable[[pytest.FixtureRequest, Path], str]] = {
    "lmdb": lambda request, tmp: str(tmp / "store"),
    "postgres": lambda request, tmp: str(request.getfixturevalue("postgres_url")),
}
#: How each back end is backed up: by ``Store.backup`` (a directory that opens as a store), or
#: with its database's own tools, which ``backup`` names when it refuses.
BACKUP_TOOLS: dict[str, str | None] = {"lmdb": None, "postgres": "pg_dump"}

KEYRING = Keyring(generation=1, current="d1", data_keys={"d1": {"o1": b"wrapped"}}, checks={"o1": b"check"})


@pytest.fixture(params=sorted(BACK_ENDS))
def back_end(request: pytest.FixtureRequest) -> str:
    return str(request.param)


@pytest.fixture
def location(back_end: str, request: pytest.FixtureRequest, tmp_path: Path) -> str:
    return BACK_ENDS[back_end](request, tmp_path)


@pytest.fixture
def store(location: str) -> Iterator[Store]:
    made = open_store(location)
    with made.write(exclusive=True) as txn:
        txn.create("store-1", KEYRING)
    yield made
    made.close()


def version(seq: int, version_id: str, parent: str | None = None) -> dict[str, object]:
    return {"id": version_id, "seq": seq, "parent": parent, "definition": {"id": "m", "states": {"b": {}, "a": {}}}}


def test_a_new_store_has_its_id_keyring_and_no_versions(store: Store) -> None:
    with store.read() as txn:
        assert txn.store_id() == "store-1"
        assert txn.keyring() == KEYRING
        assert txn.keyring_generation() == 1
        assert txn.commits() == 0
        assert list(txn.versions()) == []


def test_versions_in_commit_order_keep_their_key_order(store: Store) -> None:
    with store.write() as txn:
        txn.add_version(0, version(0, "v1"), None)
        txn.add_version(1, version(1, "v2", "v1"), ScanState(total=3))
    with store.read() as txn:
        assert txn.commits() == 2
        assert [v["id"] for v in txn.versions()] == ["v1", "v2"]
        assert [v["id"] for v in txn.versions(start=1)] == ["v2"]
        assert (txn.version_seq("v2"), txn.version_seq("nope")) == (1, None)
        assert list(txn.version(0)["definition"]["states"]) == ["b", "a"]
        assert txn.definition(0) == '{"id":"m","states":{"b":{},"a":{}}}'
        assert [("definition" in v) for v in txn.versions(definitions=False)] == [False, False]
        assert txn.scan(1) == ScanState(total=3) and txn.scan(0) is None
        assert txn.scans() == {1: ScanState(total=3)}


class RolledBack(Exception):
    pass


def test_a_scan_record_is_claimed_only_as_it_was_left_and_never_waited_for(store: Store) -> None:
    """``claim_scan``: True only for the record as it is (then the transaction may write it);
    where writes run side by side, False at once while another transaction holds it."""
    with store.write() as txn:
        txn.add_version(0, version(0, "v1"), None)
        txn.add_version(1, version(1, "v2", "v1"), ScanState(total=3))
    left = ScanState(total=3, scanned=2, cursor="b")
    for deployment, expected in ((1, left), (0, ScanState(total=3))):
        with pytest.raises(RolledBack), store.write() as txn:
            assert not txn.claim_scan(deployment, expected)  # not so / no such scan
            raise RolledBack
    with store.write() as txn:
        assert txn.claim_scan(1, ScanState(total=3))
        txn.put_scan(1, left)
    with store.write() as txn:
        assert txn.claim_scan(1, left)
    if not store.concurrent_writes:
        return
    held, done = threading.Event(), threading.Event()

    def hold() -> None:
        with store.write() as txn:
            assert txn.claim_scan(1, left)
            held.set()
            assert done.wait(30)

    holder = threading.Thread(target=hold)
    holder.start()
    try:
        assert held.wait(30)
        with pytest.raises(RolledBack), store.write() as txn:
            assert not txn.claim_scan(1, left)  # held by the other: without waiting for it
            raise RolledBack
    finally:
        done.set()
        holder.join()
    with store.read() as reader:
        assert reader.scan(1) == left


def test_a_write_set_applies_whole(store: Store) -> None:
    writes = WriteSet()
    writes.actor("b", b"actor-b")
    writes.actor("a", b"actor-a")
    writes.move("a", None, 0)
    writes.move("b", None, 0)
    writes.context("a", b"sealed-a")
    writes.event("a", 0, EventRecord("GO", 7, b"payload", {"g": True}))
    writes.event("a", 1, EventRecord("STOP", 8, b"", None))
    writes.decision("a", 0, 1, "migrated", b'{"kind":"migrated","deployment":"v2"}')
    writes.decision("b", 0, 1, "stayed", b'{"kind":"stayed","deployment":"v2"}')
    with store.write() as txn:
        txn.apply(writes)
    with store.read() as txn:
        assert (txn.actor("a"), txn.actor("zz")) == (b"actor-a", None)
        assert txn.actors(["b", "a"]) == [b"actor-b", b"actor-a"]
        assert list(txn.all_actors()) == [("a", b"actor-a"), ("b", b"actor-b")]
        assert list(txn.all_actors(after="a")) == [("b", b"actor-b")]
        assert list(txn.actors_on(0)) == ["a", "b"] and list(txn.actors_on(0, after="a")) == ["b"]
        assert list(txn.actors_on(0, limit=1)) == ["a"] and list(txn.actors_on(1)) == []
        assert (txn.actor_count(0), txn.actor_count(1)) == (2, 0)
        assert txn.context("a") == b"sealed-a"
        assert txn.event("a", 0) == EventRecord("GO", 7, b"payload", {"g": True})
        assert txn.history("a", 2) == [("GO", {"g": True}), ("STOP", None)]
        assert txn.decisions("a") == [{"kind": "migrated", "deployment": "v2"}]
        assert [a for a, _ in txn.deployment_decisions(1)] == ["a", "b"]
        assert txn.decision_counts(1) == {"migrated": 1, "stayed": 1}

    moved = WriteSet()
    moved.move("a", 0, 1)
    with store.write() as txn:
        txn.apply(moved)
    with store.read() as txn:
        assert (list(txn.actors_on(0)), list(txn.actors_on(1))) == (["b"], ["a"])
        assert (txn.actor_count(0), txn.actor_count(1)) == (1, 1)


def test_what_a_record_names_must_be_there(store: Store) -> None:
    with store.read() as txn:
        with pytest.raises(StoreDamaged):
            txn.actors(["missing"])
        with pytest.raises(StoreDamaged):
            txn.history("missing", 1)


def test_a_failed_transaction_leaves_no_trace_and_a_failed_nested_one_only_its_own(store: Store) -> None:
    writes = WriteSet()
    writes.actor("a", b"x")
    with pytest.raises(RuntimeError), store.write() as txn:
        txn.apply(writes)
        raise RuntimeError("abort")
    with store.read() as txn:
        assert txn.actor("a") is None
    with store.write() as outer:
        first = WriteSet()
        first.actor("kept", b"1")
        with store.nested(outer) as inner:
            inner.apply(first)
        with pytest.raises(RuntimeError), store.nested(outer) as inner:
            undone = WriteSet()
            undone.actor("undone", b"2")
            inner.apply(undone)
            raise RuntimeError("abort the nested one")
    with store.read() as txn:
        assert (txn.actor("kept"), txn.actor("undone")) == (b"1", None)


def test_a_reader_sees_one_moment(store: Store) -> None:
    first = WriteSet()
    first.actor("a", b"1")
    with store.write() as txn:
        txn.apply(first)
    seen: list[bytes | None] = []
    reading, written = threading.Event(), threading.Event()

    def read() -> None:
        with store.read() as txn:
            seen.append(txn.actor("a"))
            reading.set()
            written.wait(10)
            seen.append(txn.actor("a"))

    reader = threading.Thread(target=read)
    reader.start()
    reading.wait(10)
    second = WriteSet()
    second.actor("a", b"2")
    with store.write() as txn:
        txn.apply(second)
    written.set()
    reader.join()
    assert seen == [b"1", b"1"]


def test_writes_that_read_one_actor_apply_one_after_the_other(store: Store) -> None:
    """Read, add one, write back, from threads at once: no update is lost."""
    first = WriteSet()
    first.actor("n", b"0")
    with store.write() as txn:
        txn.apply(first)

    def add(times: int) -> None:
        for _ in range(times):
            with store.write() as txn:
                found = txn.actor("n")
                assert found is not None
                time.sleep(0.001)
                writes = WriteSet()
                writes.actor("n", str(int(found) + 1).encode())
                txn.apply(writes)

    threads = [threading.Thread(target=add, args=(15,)) for _ in range(3)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    with store.read() as reader:
        assert reader.actor("n") == b"45"


def test_a_page_of_a_versions_actors_reads_ids_and_bytes_and_locks_them_in_a_write(store: Store) -> None:
    """``actors_page`` gives the actors on a version in id order with their bytes; in a write it
    reads them as a later read does, and writes that page through them and writes that read one
    of them, from threads at once, apply one after the other (no update lost, none deadlocks)."""
    first = WriteSet()
    for name in "abcd":
        first.actor(name, b"0")
        first.move(name, None, 0 if name != "c" else 1)
    with store.write() as txn:
        txn.apply(first)
    with store.read() as reader:
        assert reader.actors_page(0, None, 2) == [("a", b"0"), ("b", b"0")]
        assert reader.actors_page(0, "b", 2) == [("d", b"0")]
        assert (reader.actors_page(1, None, 5), reader.actors_page(2, None, 5)) == ([("c", b"0")], [])

    def by_page(times: int) -> None:
        for _ in range(times):
            with store.write() as txn:
                page = txn.actors_page(0, None, 10)
                assert [txn.actor(a) for a, _ in page] == [data for _, data in page]
                time.sleep(0.001)
                writes = WriteSet()
                for actor_id, data in page:
                    writes.actor(actor_id, str(int(data) + 1).encode())
                txn.apply(writes)

    def one(actor_id: str, times: int) -> None:
        for _ in range(times):
            with store.write() as txn:
                found = txn.actor(actor_id)
                assert found is not None
                writes = WriteSet()
                writes.actor(actor_id, str(int(found) + 1).encode())
                txn.apply(writes)

    threads = [threading.Thread(target=by_page, args=(15,)) for _ in range(2)]
    threads += [threading.Thread(target=one, args=(actor_id, 15)) for actor_id in "db"]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    with store.read() as reader:
        assert reader.actors_page(0, None, 10) == [("a", b"30"), ("b", b"45"), ("d", b"45")]
        assert reader.actor("c") == b"0"


def test_actors_prefetched_by_a_write_read_as_stored_or_as_written_since(store: Store) -> None:
    """``prefetch`` is a hint: the reads after it give what a read without it gives, what the
    write (or a nested one) wrote since, and the older value again once a nested write is undone."""
    first = WriteSet()
    first.actor("a", b"1")
    first.actor("b", b"1")
    with store.write() as txn:
        txn.apply(first)
    with store.write() as txn:
        txn.prefetch(["b", "missing", "a", "a"])
        assert (txn.actor("a"), txn.actor("b"), txn.actor("missing")) == (b"1", b"1", None)
        with store.nested(txn) as inner:
            changed = WriteSet()
            changed.actor("a", b"2")
            inner.apply(changed)
            assert inner.actor("a") == b"2"
        assert txn.actor("a") == b"2"
        with pytest.raises(RuntimeError), store.nested(txn) as inner:
            inner.prefetch(["b"])
            undone = WriteSet()
            undone.actor("b", b"3")
            inner.apply(undone)
            assert inner.actor("b") == b"3"
            raise RuntimeError("undo the nested one")
        assert txn.actor("b") == b"1"
        txn.prefetch([])
    with store.read() as reader:
        assert (reader.actor("a"), reader.actor("b"), reader.actor("missing")) == (b"2", b"1", None)


def test_writes_that_prefetch_actors_apply_one_after_the_other(store: Store) -> None:
    """Writes that prefetch several counters (in different orders) and add one to each, from
    threads at once: no update is lost, and none deadlocks."""
    first = WriteSet()
    for name in "xyz":
        first.actor(name, b"0")
    with store.write() as txn:
        txn.apply(first)

    def add(order: str, times: int) -> None:
        for _ in range(times):
            with store.write() as txn:
                txn.prefetch(list(order))
                writes = WriteSet()
                for name in order:
                    found = txn.actor(name)
                    assert found is not None
                    writes.actor(name, str(int(found) + 1).encode())
                time.sleep(0.001)
                txn.apply(writes)

    threads = [threading.Thread(target=add, args=(order, 15)) for order in ("xyz", "zyx", "yxz")]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    with store.read() as reader:
        assert [reader.actor(name) for name in "xyz"] == [b"45"] * 3


def after_a_write_that_found_nothing(store: Store, read: Callable[[UnitOfWork], object]) -> object:
    """What ``read`` finds in a write begun while another write, which found nothing there
    (``read`` gave None), is open: it makes the actor ``x`` and remembers the key ``k``."""
    found: list[object] = []
    looked = threading.Event()

    def other() -> None:
        looked.wait(10)
        with store.write() as txn:
            found.append(read(txn))

    thread = threading.Thread(target=other)
    thread.start()
    with store.write() as txn:
        assert read(txn) is None
        looked.set()
        time.sleep(0.3)
        writes = WriteSet()
        writes.actor("x", b"made")
        txn.apply(writes)
        txn.remember("k", "0" * 64, b"answer")
    thread.join(10)
    return found[0]


def test_an_actor_or_key_that_a_write_found_missing_is_held_until_it_ends(store: Store) -> None:
    """Two spawns of one id, or two requests with one idempotency key, at once: the second
    finds what the first made, never makes it again."""
    assert after_a_write_that_found_nothing(store, lambda txn: txn.actor("x")) == b"made"


def test_an_actor_a_write_prefetched_and_found_missing_is_held_until_it_ends(store: Store) -> None:
    def prefetched(txn: UnitOfWork) -> bytes | None:
        txn.prefetch(["w", "x"])
        return txn.actor("x")

    assert after_a_write_that_found_nothing(store, prefetched) == b"made"
    with store.read() as reader:
        assert reader.actor("w") is None


def test_an_idempotency_key_a_write_found_unused_is_held_until_it_ends(store: Store) -> None:
    assert after_a_write_that_found_nothing(store, lambda txn: txn.idempotent("k")) == ("0" * 64, b"answer")


def test_what_a_write_found_missing_and_did_not_make_is_not_there_after_it(store: Store) -> None:
    with store.write() as txn:
        assert txn.actor("ghost") is None and txn.idempotent("gone") is None
    with store.read() as reader:
        assert (reader.actor("ghost"), reader.idempotent("gone"), list(reader.all_actors())) == (None, None, [])
    with store.write() as txn:
        assert txn.actor("ghost") is None
        made = WriteSet()
        made.actor("ghost", b"here")
        made.move("ghost", None, 0)
        txn.apply(made)
    with store.read() as reader:
        assert (reader.actor("ghost"), list(reader.actors_on(0)), reader.actor_count(0)) == (b"here", ["ghost"], 1)


def test_a_version_commits_only_once_the_writes_that_read_the_older_ones_end(store: Store) -> None:
    """A write reads the versions at its start and they hold until it ends: a deploy waits for
    it; and a write that begins while an exclusive one is open waits, then sees its version."""
    reading, deployed = threading.Event(), threading.Event()
    seen: list[int] = []

    def deploy() -> None:
        reading.wait(10)
        with store.write(exclusive=True) as txn:
            txn.add_version(txn.commits(), version(txn.commits(), "v1"), None)
        deployed.set()

    thread = threading.Thread(target=deploy)
    thread.start()
    with store.write() as txn:
        seen.append(txn.commits())
        reading.set()
        assert not deployed.wait(0.3)
        seen.append(txn.commits())
    thread.join(10)
    assert seen == [0, 0] and deployed.is_set()

    later: list[int] = []
    exclusive_open = threading.Event()

    def write() -> None:
        exclusive_open.wait(10)
        with store.write() as txn:
            later.append(txn.commits())

    thread = threading.Thread(target=write)
    thread.start()
    with store.write(exclusive=True) as txn:
        exclusive_open.set()
        time.sleep(0.3)
        assert later == []
        txn.add_version(1, version(1, "v2", "v1"), None)
    thread.join(10)
    assert later == [2]


def test_counts_follow_nested_transactions(store: Store) -> None:
    with store.write() as outer:
        kept = WriteSet()
        kept.actor("a", b"1")
        kept.move("a", None, 0)
        kept.decision("a", 0, 1, "stayed", b'{"kind":"stayed"}')
        with store.nested(outer) as inner:
            inner.apply(kept)
        with pytest.raises(RuntimeError), store.nested(outer) as inner:
            undone = WriteSet()
            undone.actor("b", b"2")
            undone.move("b", None, 0)
            undone.decision("b", 0, 1, "migrated", b'{"kind":"migrated"}')
            inner.apply(undone)
            assert (inner.actor_count(0), inner.decision_counts(1)) == (2, {"migrated": 1, "stayed": 1})
            raise RuntimeError("abort the nested one")
        assert (outer.actor_count(0), outer.decision_counts(1)) == (1, {"stayed": 1})
    with store.read() as txn:
        assert (txn.actor_count(0), txn.decision_counts(1), list(txn.actors_on(0))) == (1, {"stayed": 1}, ["a"])


def test_idempotency_api_keys_and_sessions(store: Store) -> None:
    digest = "0" * 64
    with store.write() as txn:
        txn.remember("k1", digest, b"sealed-answer")
        txn.put_api_key("key1", {"scope": "read", "name": None, "created_at": 1.0, "digest": "d"})
        txn.put_session("s1", Session(pid=1, host="h", started_at=1.0, seen_at=2.0, generation=1))
    with store.read() as txn:
        assert (txn.idempotent("k1"), txn.idempotent("k2")) == ((digest, b"sealed-answer"), None)
        assert txn.api_key("key1") == {"scope": "read", "name": None, "created_at": 1.0, "digest": "d"}
        assert [k for k, _ in txn.api_keys()] == ["key1"]
        assert txn.sessions() == {"s1": Session(pid=1, host="h", started_at=1.0, seen_at=2.0, generation=1)}
    with store.write() as txn:
        assert txn.delete_api_key("key1") and not txn.delete_api_key("key1")
        txn.delete_session("s1")
    with store.read() as txn:
        assert (txn.api_keys(), txn.sessions()) == ([], {})


def test_sealed_values_are_visited_in_batches_and_resealed(store: Store) -> None:
    writes = WriteSet()
    for name in ("a", "b", "c"):
        writes.context(name, b"old-" + name.encode())
        writes.event(name, 0, EventRecord("GO", 1, b"old-payload", None))
    with store.write() as txn:
        txn.apply(writes)
        txn.remember("k", "1" * 64, b"old-answer")
    with store.read() as txn:
        assert txn.sealed_count() == 7
        assert [a for a, _ in txn.sealed_contexts(None, 2)] == ["a", "b"]
        assert [a for a, _ in txn.sealed_contexts("b", 2)] == ["c"]
        assert [key for key, _ in txn.sealed_events(("a", 0), 5)] == [("b", 0), ("c", 0)]
        assert txn.sealed_answers(None, 5) == [("k", "1" * 64, b"old-answer")]
    with store.write() as txn:
        txn.reseal_context("a", b"new-a")
        txn.reseal_event("b", 0, EventRecord("GO", 1, b"new-payload", None))
        txn.reseal_answer("k", "1" * 64, b"new-answer")
        txn.set_keyring(Keyring(generation=2, current="d2", data_keys={"d2": {"o1": b"w2"}}, checks={"o1": b"c"}))
    with store.read() as txn:
        assert txn.context("a") == b"new-a" and txn.event("b", 0).sealed_payload == b"new-payload"
        assert txn.idempotent("k") == ("1" * 64, b"new-answer")
        assert txn.keyring_generation() == 2


def test_a_backup_holds_what_was_committed_or_names_the_tool_that_takes_it(
    store: Store, back_end: str, tmp_path: Path
) -> None:
    writes = WriteSet()
    writes.actor("a", b"1")
    with store.write() as txn:
        txn.apply(writes)
    tool = BACKUP_TOOLS[back_end]
    if tool is not None:
        with pytest.raises(StoreError, match=tool):
            store.backup(tmp_path / "backup")
        assert not (tmp_path / "backup").exists()
        return
    store.backup(tmp_path / "backup")
    copy = open_store(tmp_path / "backup")
    try:
        with copy.read() as txn:
            assert (txn.store_id(), txn.actor("a")) == ("store-1", b"1")
    finally:
        copy.close()


def test_timers_by_actor_and_by_due_time(store: Store) -> None:
    first, later = (
        Timer(1_000, "o1", "after", "xstate.after.1000.m.a"),
        Timer(5_000, "o2", "scheduled", "PING", b"sealed"),
    )
    writes = WriteSet()
    writes.timer("b", "xstate.after.1000.m.a", first)
    writes.timer("a", "s:ping", later)
    with store.write() as txn:
        txn.apply(writes)
    with store.read() as txn:
        assert txn.timers("a") == {"s:ping": later} and txn.timers("zz") == {}
        named = [("a", "s:ping"), ("b", "s:ping"), ("b", "xstate.after.1000.m.a"), ("zz", "x"), ("a", "s:ping")]
        assert txn.timers_of(named) == [later, None, first, None, later]
        assert txn.timers_of([]) == []
        assert txn.due_timers(999, 10) == []
        assert txn.due_timers(5_000, 10) == [("b", "xstate.after.1000.m.a", first), ("a", "s:ping", later)]
        assert txn.due_timers(5_000, 1) == [("b", "xstate.after.1000.m.a", first)]
        assert (txn.next_due(), txn.timer_count()) == (1_000, 2)
        assert [txn.timer_count(due_by=t) for t in (999, 1_000, 4_999, 5_000)] == [0, 1, 1, 2]
    moved = WriteSet()
    moved.timer("b", "xstate.after.1000.m.a", Timer(9_000, "o3", "after", "xstate.after.1000.m.a"))
    moved.timer("a", "s:ping", Timer(5_000, "o2", "scheduled", "PING", b"sealed", {"reason": "done", "at": 1.0}))
    with store.write() as txn:
        txn.apply(moved)
    with store.read() as txn:
        assert [(a, t.due) for a, _, t in txn.due_timers(10_000, 10)] == [("b", 9_000)], "undelivered is not due"
        assert txn.timers("a")["s:ping"].undelivered == {"reason": "done", "at": 1.0}
        assert (txn.next_due(), txn.timer_count()) == (9_000, 1)
    gone = WriteSet()
    gone.timer("b", "xstate.after.1000.m.a", None)
    gone.timer("a", "s:ping", None)
    with store.write() as txn:
        txn.apply(gone)
    with store.read() as txn:
        assert (txn.timers("a"), txn.timers("b"), txn.next_due(), txn.timer_count()) == ({}, {}, None, 0)
    # In one write set, in order: the last write of a timer wins, however many there are.
    many = WriteSet()
    for n in range(50):
        many.timer(f"m{n:02}", "t", Timer(100 + n, f"o{n}", "after", "T"))
    many.timer("m00", "t", None)  # set, then removed: removed
    many.timer("m01", "t", None)
    many.timer("m01", "t", Timer(7, "again", "after", "T"))  # removed, then set: set
    many.timer("m02", "t", Timer(8, "first", "after", "T"))
    many.timer("m02", "t", Timer(9, "second", "after", "T"))  # set twice: the second
    with store.write() as txn:
        txn.apply(many)
    with store.read() as txn:
        assert txn.timer_count() == 49 and txn.timers("m00") == {}
        assert [(a, t.due, t.occurrence) for a, _, t in txn.due_timers(10_000, 3)] == [
            ("m01", 7, "again"),
            ("m02", 9, "second"),
            ("m03", 103, "o3"),
        ]


#: A few actors and timer ids, so that a script sets, replaces and removes the same timers.
_TIMER_KEYS = [(a, t) for a in ("a", "b", "c") for t in ("t1", "t2", "xstate.after.5.m.s")]
_some_timer = st.builds(
    Timer,
    due=st.integers(0, 20),  # few times: timers due at once, and a timer set again as due as it was
    occurrence=st.sampled_from(["o1", "o2"]),
    kind=st.sampled_from(["after", "scheduled"]),
    event=st.sampled_from(["t1", "xstate.after.5.m.s", "PING"]),
    sealed_payload=st.sampled_from([b"", b"sealed"]),
    undelivered=st.none() | st.just({"code": "not_active", "at": 1.5}),
)
#: Write sets of timers set (a Timer) or removed (None), each kept or undone (a nested
#: transaction that fails).
_timer_scripts = st.lists(
    st.tuples(st.lists(st.tuples(st.sampled_from(_TIMER_KEYS), st.none() | _some_timer), max_size=8), st.booleans()),
    max_size=6,
)


@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(script=_timer_scripts)
def test_timers_set_replaced_and_removed_read_as_a_dict_of_them(
    store: Store, script: list[tuple[list[tuple[tuple[str, str], Timer | None]], bool]]
) -> None:
    model: dict[tuple[str, str], Timer] = {}
    with store.write() as txn:
        for writes_made, kept in script:
            writes = WriteSet()
            for (actor_id, timer_id), timer in writes_made:
                writes.timer(actor_id, timer_id, timer)
            try:
                with store.nested(txn) as inner:
                    inner.apply(writes)
                    if not kept:
                        raise RuntimeError("undone")
            except RuntimeError:
                continue
            for key, timer in writes_made:
                if timer is None:
                    model.pop(key, None)
                else:
                    model[key] = timer
    due = sorted((t.due, a, tid) for (a, tid), t in model.items() if t.undelivered is None)
    with store.read() as txn:
        for actor_id in ("a", "b", "c"):
            assert txn.timers(actor_id) == {tid: t for (a, tid), t in model.items() if a == actor_id}
        assert txn.timers_of(_TIMER_KEYS) == [model.get(key) for key in _TIMER_KEYS]
        assert [(t.due, a, tid) for a, tid, t in txn.due_timers(20, 100)] == due
        assert all(t == model[(a, tid)] for a, tid, t in txn.due_timers(20, 100))
        assert txn.next_due() == (due[0][0] if due else None)
        assert [txn.timer_count(due_by=d) for d in (None, 0, 10)] == [
            len(due),
            sum(d == 0 for d, _, _ in due),
            sum(d <= 10 for d, _, _ in due),
        ]
    # Nothing left for the next example.
    cleared = WriteSet()
    for actor_id, timer_id in _TIMER_KEYS:
        cleared.timer(actor_id, timer_id, None)
    with store.write() as txn:
        txn.apply(cleared)
    with store.read() as txn:
        assert (txn.timer_count(), txn.next_due(), txn.timers("a")) == (0, None, {})


# ----- the outbox --------------------------------------------------------------------------------


def change(actor_id: str, at_ns: int = 0, kind: str = "event", body: bytes = b"sealed") -> ChangeRecord:
    return ChangeRecord(actor_id, 0, kind, at_ns, body)


def append(store: Store, *changes: ChangeRecord) -> None:
    writes = WriteSet()
    for c in changes:
        writes.change(c)
    with store.write() as txn:
        txn.apply(writes)


def test_outbox_entries_are_numbered_densely_in_commit_order_and_a_rollback_gives_numbers_back(
    store: Store,
) -> None:
    with store.read() as txn:
        assert (txn.last_change(), txn.first_change(), txn.changes(0, 10)) == (0, None, [])
    append(store, change("a", 1, "spawned"), change("b", 2, "spawned", b"\x00\xff"))
    with pytest.raises(RuntimeError), store.write() as txn:
        undone = WriteSet()
        undone.change(change("gone"))
        txn.apply(undone)
        raise RuntimeError("abort")
    with store.write() as outer:
        kept = WriteSet()
        kept.change(change("a", 3))
        with store.nested(outer) as inner:
            inner.apply(kept)
            inner.actor("a")  # a statement: what it applied is sent before the savepoint ends
        with pytest.raises(RuntimeError), store.nested(outer) as inner:
            undone = WriteSet()
            undone.change(change("gone"))
            inner.apply(undone)
            inner.actor("b")
            raise RuntimeError("abort the nested one")
        last = WriteSet()
        last.change(change("b", 4))
        outer.apply(last)
    with store.read() as txn:
        assert txn.changes(0, 10) == [
            (1, change("a", 1, "spawned")),
            (2, change("b", 2, "spawned", b"\x00\xff")),
            (3, change("a", 3)),
            (4, change("b", 4)),
        ]
        assert [n for n, _ in txn.changes(2, 1)] == [3]
        assert (txn.last_change(), txn.first_change()) == (4, 1)


def test_outbox_numbers_from_writers_at_once_have_no_gap_and_a_reader_sees_a_prefix(store: Store) -> None:
    """Writers on several connections (threads) append at once; every reader sees entries
    1..n for some n (never a later number before an earlier one commits), and each
    transaction's entries are consecutive."""
    stop = threading.Event()
    gaps: list[list[int]] = []

    def watch() -> None:
        while not stop.is_set():
            with store.read() as txn:
                numbers = [n for n, _ in txn.changes(0, 10_000)]
                last = txn.last_change()
            if numbers != list(range(1, last + 1)):
                gaps.append(numbers)

    def write(name: str) -> None:
        for i in range(12):
            append(store, *(change(f"{name}-{i}", body=f"{name}-{i}-{j}".encode()) for j in range(1 + i % 3)))

    watcher = threading.Thread(target=watch)
    watcher.start()
    writers = [threading.Thread(target=write, args=(f"w{k}",)) for k in range(3)]
    for t in writers:
        t.start()
    for t in writers:
        t.join()
    stop.set()
    watcher.join()
    assert gaps == []
    with store.read() as txn:
        entries = txn.changes(0, 10_000)
    assert [n for n, _ in entries] == list(range(1, 3 * sum(1 + i % 3 for i in range(12)) + 1))
    for name in (f"w{k}-{i}" for k in range(3) for i in range(12)):
        numbers = [n for n, c in entries if c.actor_id == name]
        assert numbers == list(range(numbers[0], numbers[0] + len(numbers)))
        assert [c.sealed for n, c in entries if c.actor_id == name] == [
            f"{name}-{j}".encode() for j in range(len(numbers))
        ]


def test_outbox_pruning_takes_the_oldest_only_and_the_numbering_goes_on(store: Store) -> None:
    append(store, *(change(f"a{i}", at_ns=i * 10) for i in range(1, 7)))
    with store.write() as txn:
        assert txn.prune_changes(before_ns=35, upto=100, limit=2) == 2  # 1, 2
    with store.write() as txn:
        assert txn.prune_changes(before_ns=35, upto=100, limit=100) == 1  # 3 (at 30); 4 is at 40
    with store.write() as txn:
        assert txn.prune_changes(before_ns=1_000, upto=4, limit=100) == 1  # 4, not past upto
    with store.read() as txn:
        assert [n for n, _ in txn.changes(0, 10)] == [5, 6]
        assert (txn.first_change(), txn.last_change()) == (5, 6)
    with store.write() as txn:
        assert txn.prune_changes(before_ns=1_000, upto=100, limit=100) == 2
    append(store, change("next"))
    with store.read() as txn:
        assert txn.changes(0, 10) == [(7, change("next"))]


def test_outbox_entries_are_sealed_values_resealed_and_imported_with_their_numbers(store: Store) -> None:
    append(store, change("a", body=b"old-1"), change("b", body=b"old-2"))
    with store.read() as txn:
        before = txn.sealed_count()
        assert [n for n, _ in txn.sealed_changes(None, 1)] == [1]
        assert [n for n, _ in txn.sealed_changes(1, 10)] == [2]
    with store.write() as txn:
        txn.reseal_change(2, b"new-2")
        txn.import_changes([(9, change("c", body=b"imported"))], last=12)
    with store.read() as txn:
        assert [(n, c.sealed) for n, c in txn.changes(0, 10)] == [(1, b"old-1"), (2, b"new-2"), (9, b"imported")]
        assert txn.sealed_count() == before + 1
        assert txn.last_change() == 12
    append(store, change("d"))
    with store.read() as txn:
        assert txn.changes(9, 10) == [(13, change("d"))]


# ----- the actors in each state ------------------------------------------------------------------


def test_state_counts_follow_nested_transactions_and_writers_at_once(store: Store) -> None:
    with store.read() as txn:
        assert txn.state_counts(0) == {}
    with store.write() as outer:
        kept = WriteSet()
        kept.count_states(0, ["a", "a.b"], 1)
        kept.count_states(1, ["x"], 2)
        with store.nested(outer) as inner:
            inner.apply(kept)
        with pytest.raises(RuntimeError), store.nested(outer) as inner:
            undone = WriteSet()
            undone.count_states(0, ["a", "a.b"], -1)
            undone.count_states(0, ["c"], 1)
            inner.apply(undone)
            assert inner.state_counts(0) == {"c": 1}
            raise RuntimeError("abort the nested one")
        assert outer.state_counts(0) == {"a": 1, "a.b": 1}

    def move(times: int) -> None:
        for _ in range(times):
            writes = WriteSet()
            writes.count_states(0, ["a", "a.b"], -1)
            writes.count_states(0, ["a", "a.b"], 1)
            writes.count_states(0, ["d"], 1)
            with store.write() as txn:
                txn.apply(writes)

    threads = [threading.Thread(target=move, args=(10,)) for _ in range(3)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    with store.read() as txn:
        assert txn.state_counts(0) == {"a": 1, "a.b": 1, "d": 30}
        assert txn.state_counts(1) == {"x": 2}
        assert txn.state_counts(2) == {}
    with store.write() as txn:
        txn.set_state_counts({(0, "a"): 4, (2, "z"): 1, (2, "gone"): 0})
    with store.read() as txn:
        assert (txn.state_counts(0), txn.state_counts(1), txn.state_counts(2)) == ({"a": 4}, {}, {"z": 1})
