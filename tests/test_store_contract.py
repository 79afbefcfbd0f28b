"""The store contract: what every back end of ``statekeep.store`` must do, tested the same way
on each (the ``store`` fixture runs every test over every back end)."""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from statekeep.errors import StoreDamaged
from statekeep.store import EventRecord, Keyring, ScanState, Session, Store, WriteSet, open_store

BACK_ENDS: dict[str, Callable[[Path], Store]] = {
    "lmdb": lambda tmp: open_store(tmp / "store"),
}

KEYRING = Keyring(generation=1, current="d1", data_keys={"d1": {"o1": b"wrapped"}}, checks={"o1": b"check"})


@pytest.fixture(params=sorted(BACK_ENDS))
def store(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Store]:
    made = BACK_ENDS[request.param](tmp_path)
    with made.write() as txn:
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


def test_a_backup_holds_what_was_committed(store: Store, tmp_path: Path) -> None:
    writes = WriteSet()
    writes.actor("a", b"1")
    with store.write() as txn:
        txn.apply(writes)
    store.backup(tmp_path / "backup")
    copy = open_store(tmp_path / "backup")
    try:
        with copy.read() as txn:
            assert (txn.store_id(), txn.actor("a")) == ("store-1", b"1")
    finally:
        copy.close()
