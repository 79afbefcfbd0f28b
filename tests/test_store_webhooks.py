"""The store contract for webhooks (``statekeep.keep.webhooks``): endpoints, each one's
deliveries by change number, by actor and by due time, and its dead letters, the same on every
back end (the fixtures of ``test_store_contract``: LMDB in a temporary directory, PostgreSQL in
a database of the test's own)."""

from __future__ import annotations

import threading
import time

import test_store_contract as contract
from statekeep.store import Delivery, Store

# The contract's fixtures: every test runs once on each back end.
back_end, location, store = contract.back_end, contract.location, contract.store

RECORD = {"url": "https://example.com/hook", "cursor": 0, "enabled": True, "secrets": [{"id": "s1", "sealed": "ab"}]}


def test_endpoints_are_kept_listed_in_id_order_and_deleted_with_their_deliveries(store: Store) -> None:
    with store.write() as txn:
        txn.put_webhook("wh_b", RECORD)
        txn.put_webhook("wh_a", RECORD | {"cursor": 7})
        txn.put_delivery("wh_b", Delivery(3, "alice", "event", due=1_000))
        txn.put_delivery("wh_b", Delivery(4, "alice", "event"))
        txn.put_delivery("wh_a", Delivery(3, "alice", "event", due=2_000))
    with store.read() as txn:
        assert [i for i, _ in txn.webhooks()] == ["wh_a", "wh_b"]
        assert txn.webhook("wh_a") == RECORD | {"cursor": 7}
        assert txn.webhook("nope") is None
        assert txn.delivery_counts("wh_b") == (2, 0)
    with store.write() as txn:
        assert txn.delete_webhook("wh_b") and not txn.delete_webhook("wh_b")
    with store.read() as txn:
        assert [i for i, _ in txn.webhooks()] == ["wh_a"]
        assert txn.delivery_counts("wh_b") == (0, 0)
        assert txn.delivery("wh_b", 3) is None and txn.actor_deliveries("wh_b", "alice", 10) == []
        # The other endpoint's delivery of the same change is still there, and due.
        assert [(w, d.seq) for w, d in txn.due_deliveries(10_000, 10)] == [("wh_a", 3)]


def test_deliveries_by_number_by_actor_and_by_due_time(store: Store) -> None:
    attempts = [{"at": 1.5, "status": 500, "error": None, "ms": 12}]
    with store.write() as txn:
        txn.put_webhook("wh", RECORD)
        txn.put_delivery("wh", Delivery(5, "bob", "timer", due=3_000, attempts=attempts))
        txn.put_delivery("wh", Delivery(2, "alice", "spawned", due=1_000))
        txn.put_delivery("wh", Delivery(9, "alice", "event"))
        txn.put_delivery("wh", Delivery(1, "carol", "event", dead=12.5, attempts=attempts))
        txn.put_delivery("wh", Delivery(300, "alice", "event"))
    with store.read() as txn:
        assert [d.seq for d in txn.deliveries("wh", 0, 10, dead=False)] == [2, 5, 9, 300]
        assert [d.seq for d in txn.deliveries("wh", 2, 2, dead=False)] == [5, 9]
        assert txn.deliveries("wh", 0, 10, dead=True) == [Delivery(1, "carol", "event", None, attempts, 12.5)]
        assert txn.delivery("wh", 5) == Delivery(5, "bob", "timer", 3_000, attempts)
        assert [d.seq for d in txn.actor_deliveries("wh", "alice", 10)] == [2, 9, 300]
        assert [d.seq for d in txn.actor_deliveries("wh", "alice", 1)] == [2]
        assert txn.actor_deliveries("wh", "carol", 10) == []  # a dead letter waits for nothing
        assert [(w, d.seq) for w, d in txn.due_deliveries(3_000, 10)] == [("wh", 2), ("wh", 5)]
        assert [d.seq for _, d in txn.due_deliveries(2_999, 10)] == [2]
        assert [d.seq for _, d in txn.due_deliveries(3_000, 1)] == [2]
        assert txn.next_delivery_due() == 1_000
        assert txn.delivery_counts("wh") == (4, 1)
    # Replaced: due later, then not due; one delivered (deleted); one dead-lettered.
    with store.write() as txn:
        txn.put_delivery("wh", Delivery(2, "alice", "spawned", due=8_000))
        txn.put_delivery("wh", Delivery(5, "bob", "timer", due=None, attempts=attempts))
        txn.delete_delivery("wh", 9)
        txn.put_delivery("wh", Delivery(300, "alice", "event", dead=20.0))
        txn.delete_delivery("wh", 12345)  # (none: nothing happens)
    with store.read() as txn:
        assert [d.seq for _, d in txn.due_deliveries(10_000, 10)] == [2]
        assert txn.next_delivery_due() == 8_000
        assert [d.seq for d in txn.actor_deliveries("wh", "alice", 10)] == [2]
        assert [d.seq for d in txn.deliveries("wh", 0, 10, dead=True)] == [1, 300]
        assert txn.delivery_counts("wh") == (2, 2)
    with store.write() as txn:
        txn.delete_delivery("wh", 2)
    with store.read() as txn:
        assert txn.next_delivery_due() is None and txn.due_deliveries(10**15, 10) == []


def test_a_failed_transaction_leaves_its_deliveries_as_they_were(store: Store) -> None:
    with store.write() as txn:
        txn.put_webhook("wh", RECORD)
        txn.put_delivery("wh", Delivery(1, "alice", "event", due=1_000))
    try:
        with store.write() as txn:
            txn.put_delivery("wh", Delivery(1, "alice", "event", due=5_000))
            txn.put_delivery("wh", Delivery(2, "alice", "event"))
            txn.put_webhook("wh", RECORD | {"cursor": 2})
            raise RuntimeError("undone")
    except RuntimeError:
        pass
    with store.read() as txn:
        assert [(d.seq, d.due) for d in txn.deliveries("wh", 0, 10, dead=False)] == [(1, 1_000)]
        assert txn.webhook("wh") == RECORD


def test_deliveries_rewritten_in_nested_transactions_keep_their_indexes_whole(store: Store) -> None:
    """A delivery the parent read, rewritten by a nested transaction that commits and by one that
    is undone, then by the parent: indexed once, by its last due time and under its actor."""
    with store.write() as txn:
        txn.put_webhook("wh", RECORD)
        txn.put_delivery("wh", Delivery(1, "alice", "event", due=1_000))
    with store.write() as parent:
        [(_, read)] = parent.due_deliveries(10_000, 10)
        with store.nested(parent) as child:
            child.put_delivery("wh", Delivery(1, "alice", "event", due=2_000))
        try:
            with store.nested(parent) as child:
                child.put_delivery("wh", Delivery(1, "alice", "event", due=9_000))
                raise RuntimeError("undone")
        except RuntimeError:
            pass
        read.due = 3_000  # (written by the parent, which read it at 1,000 and nothing since)
        parent.put_delivery("wh", read)
        with store.nested(parent) as child:
            child.put_delivery("wh", Delivery(1, "alice", "event", dead=5.0))
    with store.read() as txn:
        assert txn.due_deliveries(10_000, 10) == [] and txn.pending_heads("wh", ["alice"]) == {}
        assert [(d.seq, d.dead) for d in txn.deliveries("wh", 0, 10, dead=True)] == [(1, 5.0)]


def test_a_write_that_reads_an_endpoint_holds_it_until_it_ends(store: Store) -> None:
    """Two writers that read an endpoint's cursor and write it back, on two threads: the second
    reads what the first wrote (PostgreSQL locks the row; LMDB has one writer)."""
    with store.write() as txn:
        txn.put_webhook("wh", RECORD)
    started = threading.Event()

    def bump(pause: float) -> None:
        with store.write() as txn:
            record = txn.webhook("wh")
            assert record is not None
            started.set()
            time.sleep(pause)
            txn.put_webhook("wh", record | {"cursor": record["cursor"] + 1})

    first = threading.Thread(target=bump, args=(0.3,))
    first.start()
    started.wait(5)
    bump(0)
    first.join()
    with store.read() as reader:
        record = reader.webhook("wh")
        assert record is not None and record["cursor"] == 2


def test_due_deliveries_a_write_holds_are_passed_over_by_another(store: Store) -> None:
    """A claim (a write that reads the due deliveries and moves them on) never hands the same
    delivery to two writers at once: the second sees it moved, or passes over it."""
    with store.write() as txn:
        txn.put_webhook("wh", RECORD)
        for seq in range(1, 11):
            txn.put_delivery("wh", Delivery(seq, f"a{seq}", "event", due=1_000))
    claimed: list[list[int]] = []
    lock = threading.Lock()

    def claim() -> None:
        with store.write() as txn:
            found = txn.due_deliveries(5_000, 4)
            for webhook_id, d in found:
                txn.put_delivery(webhook_id, Delivery(d.seq, d.actor_id, d.kind, due=60_000))
            time.sleep(0.1)
        with lock:
            claimed.append([d.seq for _, d in found])

    threads = [threading.Thread(target=claim) for _ in range(3)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    every = [seq for batch in claimed for seq in batch]
    assert len(every) == len(set(every)) == 10


def test_many_deliveries_are_read_written_and_deleted_at_once(store: Store) -> None:
    with store.write() as txn:
        txn.put_webhook("wh", RECORD)
        txn.put_deliveries(
            "wh",
            [
                Delivery(4, "bob", "event", due=2_000),
                Delivery(1, "alice", "spawned", due=1_000),
                Delivery(2, "alice", "event"),
                Delivery(3, "carol", "event", dead=5.0, attempts=[{"at": 1.0}]),
                Delivery(4, "bob", "event", due=3_000),  # given twice: the last wins
            ],
        )
    with store.read() as txn:
        heads = txn.pending_heads("wh", ["alice", "bob", "carol", "dave"])
        assert {a: d.seq for a, d in heads.items()} == {"alice": 1, "bob": 4}
        assert heads["bob"].due == 3_000
        assert [d.seq for d in txn.deliveries_at("wh", [4, 3, 99, 1])] == [1, 3, 4]
        assert txn.pending_heads("wh", []) == {} and txn.deliveries_at("wh", []) == []
        assert [d.seq for _, d in txn.due_deliveries(10_000, 10)] == [1, 4]
    with store.write() as txn:
        txn.delete_deliveries("wh", [1, 4, 77])
        assert {a: d.seq for a, d in txn.pending_heads("wh", ["alice", "bob"]).items()} == {"alice": 2}
        txn.put_deliveries("wh", [Delivery(2, "alice", "event", due=9_000)])
    with store.read() as txn:
        assert [(d.seq, d.due) for _, d in txn.due_deliveries(10_000, 10)] == [(2, 9_000)]
        assert txn.delivery_counts("wh") == (1, 1)
