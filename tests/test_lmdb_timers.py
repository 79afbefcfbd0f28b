"""The LMDB store's timer records (format 4, packed without JSON): any timer reads back as it was
written, and a store of format 3 (timer records as JSON) is upgraded when it is opened, keeping
every timer, its due-time index and its firing."""

from __future__ import annotations

import shutil
import struct
from pathlib import Path
from typing import Any

import lmdb
import orjson
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import statekeep
from statekeep.store import Timer
from statekeep.store import lmdb as lmdb_store
from statekeep.testing import ManualClock

FIXTURE = Path(__file__).parent / "fixtures" / "store-format-3-timers"
FIXTURE_KEY = bytes(range(32))
#: When the fixture's clock stood once it was written (2026-01-01T00:00:31Z).
FIXTURE_NOW = 1_767_225_631.0

# Ids never hold a zero byte (the store's key separator); any other text may be anywhere.
ids = st.text(st.characters(codec="utf-8", blacklist_characters="\x00"), min_size=1, max_size=12)
texts = st.text(max_size=40)
reasons = st.dictionaries(
    st.text(max_size=8),
    st.one_of(st.none(), st.integers(-(2**53), 2**53), st.floats(allow_nan=False, allow_infinity=False), texts),
    max_size=3,
)


@st.composite
def timers(draw: st.DrawFn) -> tuple[str, Timer]:
    """A timer id and a timer: a delayed transition's (its event is its id) or any other."""
    timer_id = draw(ids)
    return timer_id, Timer(
        due=draw(st.integers(0, 2**64 - 1)),
        occurrence=draw(texts),
        kind=draw(st.sampled_from(["after", "scheduled"]) | texts),
        event=draw(st.just(timer_id) | texts),
        sealed_payload=draw(st.binary(max_size=48)),
        undelivered=draw(st.none() | reasons),
    )


@given(timers())
def test_a_timer_record_reads_back_as_it_was_written(entry: tuple[str, Timer]) -> None:
    timer_id, timer = entry
    raw = lmdb_store._pack_timer(timer_id, timer)
    assert lmdb_store._unpack_timer(timer_id, raw) == timer
    if timer.undelivered is None:  # the record gives its index key's due time without decoding
        assert raw[lmdb_store._DUE] == struct.pack(">Q", timer.due)


def pack_format_3(timer: Timer) -> bytes:
    """A timer record as statekeep wrote it in format 3 (up to commit 00864e7)."""
    indexed = struct.pack(">Q", timer.due) if timer.undelivered is None else b""
    head = orjson.dumps(
        {
            "due": timer.due,
            "occurrence": timer.occurrence,
            "kind": timer.kind,
            "event": timer.event,
            "undelivered": timer.undelivered,
        }
    )
    return bytes([len(indexed)]) + indexed + struct.pack(">I", len(head)) + head + timer.sealed_payload


def write_format_3(path: Path, entries: dict[tuple[str, str], Timer]) -> None:
    """A store of format 3 holding ``entries``: its records and due-time index as that format
    kept them."""
    lmdb_store.LmdbStore(path).close()  # its databases
    env = lmdb.open(str(path), max_dbs=len(lmdb_store.DATABASES))
    meta, records, due = (env.open_db(name.encode()) for name in ("meta", "timers", "timers_due"))
    with env.begin(write=True) as txn:
        txn.put(b"format", b"3", db=meta)
        for (actor_id, timer_id), timer in entries.items():
            child = actor_id.encode() + b"\x00" + timer_id.encode()
            txn.put(child, pack_format_3(timer), db=records)
            if timer.undelivered is None:
                txn.put(struct.pack(">Q", timer.due) + child, b"", db=due)
    env.close()


def stored_format(path: Path) -> bytes:
    env = lmdb.open(str(path), max_dbs=len(lmdb_store.DATABASES), readonly=True, lock=False)
    with env.begin(db=env.open_db(b"meta", create=False)) as txn:
        found = txn.get(b"format")
    env.close()
    assert found is not None
    return bytes(found)


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.lists(st.tuples(ids, timers()), max_size=25))
def test_a_store_of_format_3_is_upgraded_keeping_every_timer(
    tmp_path_factory: pytest.TempPathFactory,
    monkeypatch: pytest.MonkeyPatch,
    drawn: list[tuple[str, tuple[str, Timer]]],
) -> None:
    entries = {(actor_id, timer_id): timer for actor_id, (timer_id, timer) in drawn}
    path = tmp_path_factory.mktemp("store") / "data"
    write_format_3(path, entries)
    monkeypatch.setattr(lmdb_store, "_UPGRADE_PAGE", 3)  # several pages, each after the last
    store = lmdb_store.LmdbStore(path)
    try:
        with store.read() as txn:
            for actor_id in {a for a, _ in entries}:
                assert txn.timers(actor_id) == {t: timer for (a, t), timer in entries.items() if a == actor_id}
            indexed = sorted(
                ((timer.due, a.encode() + b"\x00" + t.encode()), (a, t, timer))
                for (a, t), timer in entries.items()
                if timer.undelivered is None
            )
            assert txn.due_timers(2**64 - 1, len(entries) + 1) == [entry for _, entry in indexed]
            assert txn.timer_count() == len(indexed)
    finally:
        store.close()
    assert stored_format(path) == lmdb_store.FORMAT == b"4"


def test_a_store_of_format_3_written_by_statekeep_keeps_and_fires_its_timers(tmp_path: Path) -> None:
    """``fixtures/store-format-3-timers``, written by statekeep at commit 00864e7: delayed
    transitions (one of seven days), scheduled events (one with a sealed payload, one ten years
    on) and one that could not be delivered. Opened by this statekeep, each is listed as it was
    and fires once, at its time."""
    data = tmp_path / "data"
    shutil.copytree(FIXTURE, data)
    assert stored_format(data) == b"3"
    clock = ManualClock(FIXTURE_NOW)
    nudge, review = "xstate.after.60000.reminder.waiting", "xstate.after.reviewWindow.reminder.waiting"
    with statekeep.open(data, key=FIXTURE_KEY, clock=clock) as keep:

        def listed(actor_id: str) -> list[tuple[str, str, float, Any]]:
            return [(t["id"], t["event"], t["due"], t["undelivered"]) for t in keep.scheduled(actor_id)]

        start = 1_767_225_600.0
        week = start + 7 * 86_400
        assert listed("alice") == [(nudge, nudge, start + 60, None), (review, review, week, None)]
        assert listed("bob") == [
            (nudge, nudge, start + 60, None),
            ("remind", "PING", start + 3600, None),
            (review, review, week, None),
        ]
        refused = "actor 'carol' was terminated: it takes no more events"
        carol = [("late", "PING", start + 30, {"code": "actor_terminated", "message": refused, "at": start + 30})]
        assert listed("carol") == carol
        assert listed("dave") == [("decade", "PING", 2_082_585_600.0, None)]
        assert keep.timer_stats()["pending"] == 6

        clock.advance(minutes=1)
        clock.advance(hours=1)
        clock.advance(days=7)
        clock.set(2_082_585_600.0)
        assert [(e["type"], e["at"], e["payload"]) for e in keep.history("alice")] == [
            (nudge, start + 60, {}),
            (review, week, {}),
        ]
        assert [(e["type"], e["at"], e["payload"]) for e in keep.history("bob")] == [
            (nudge, start + 60, {}),
            ("PING", start + 3600, {"note": "fixture-payload"}),
            (review, week, {}),
        ]
        assert [(e["type"], e["at"]) for e in keep.history("dave")] == [("PING", 2_082_585_600.0)]
        assert keep.get("alice").value == keep.get("bob").value == "expired"
        assert keep.timer_stats()["pending"] == 0
        assert listed("carol") == carol, "still kept as not delivered, until dismissed"
        keep.cancel_scheduled("carol", "late")
        assert listed("carol") == []
    assert stored_format(data) == b"4"
