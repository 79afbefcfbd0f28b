"""The outbox: every commit that changes an actor leaves one entry per change, numbered densely
in commit order, in the same transaction (nothing announced that did not commit, nothing
committed missed), on both back ends; read in pages, followed as it grows, kept for a window,
re-sealed by a key rotation."""

from __future__ import annotations

import tempfile
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import statekeep
from statekeep.errors import Conflict, InvalidRequest, NeedsRescue
from statekeep.results import Change
from statekeep.testing import ManualClock

START = 1_700_000_000.0
DAY = 86_400.0

#: s0 --A--> s1 --B--> s2, A back to s0; B in s0 only acts; s0 and s2 leave by themselves.
MACHINE: dict[str, Any] = {
    "id": "m",
    "initial": "s0",
    "states": {
        "s0": {"on": {"A": "s1", "B": {"actions": "b"}}, "after": {"5000": "s1"}, "entry": "in0"},
        "s1": {"on": {"A": "s0", "B": "s2"}},
        "s2": {"on": {"A": "s0"}, "after": {"3000": "s0"}},
    },
}
#: The same without B in s0: an actor that handled B there is stranded by a replay.
STRICT: dict[str, Any] = {
    "id": "m",
    "initial": "s0",
    "states": {
        "s0": {"on": {"A": "s1"}, "after": {"5000": "s1"}},
        "s1": {"on": {"A": "s0", "B": "s2"}},
        "s2": {"on": {"A": "s0"}, "after": {"3000": "s0"}},
    },
}


@pytest.fixture
def clock() -> ManualClock:
    return ManualClock(start=START)


@pytest.fixture
def keep(store_location: str, key_dir: Path, clock: ManualClock) -> Iterator[statekeep.Keep]:
    with statekeep.Keep(store_location, clock=clock, scan=False) as k:
        yield k


def test_each_kind_of_change_is_told_with_what_it_did(keep: statekeep.Keep, clock: ManualClock) -> None:
    keep.deploy("v1", MACHINE)
    keep.spawn("v1", {"n": 1}, actor_id="a")
    sent = keep.send("a", {"type": "B", "note": "hi"})
    keep.send("a", "C")  # not handled, nothing decided: not a change
    clock.advance(seconds=5)  # the delayed transition fires
    keep.deploy("v2", STRICT, parent="v1", history_path=["B"])
    while keep.scan_step():
        pass
    keep.release("a")
    keep.terminate("a")
    changes = keep.changes()
    assert [(c.seq, c.kind, c.actor_id, c.version) for c in changes] == [
        (1, "spawned", "a", "v1"),
        (2, "event", "a", "v1"),
        (3, "timer", "a", "v1"),
        (4, "stranded", "a", "v1"),
        (5, "released", "a", "v1"),
        (6, "terminated", "a", "v1"),
    ]
    spawned, event, timer, stranded, released, terminated = changes
    assert (spawned.value, spawned.status, spawned.actor_seq, spawned.actions) == ("s0", "active", 0, [{"type": "in0"}])
    assert spawned.event is None and spawned.at == START
    assert event.event == {"type": "B", "note": "hi"}
    assert (event.value, event.actor_seq, event.actions, event.effects) == ("s0", 1, sent.actions, sent.effects)
    assert timer.event == {"type": "xstate.after.5000.m.s0"}
    assert timer.timer == {"id": "xstate.after.5000.m.s0", "kind": "after"}
    assert (timer.value, timer.actor_seq, timer.at) == ("s1", 2, START + 5)
    assert [(d["kind"], d["deployment"], d["actor"]) for d in stranded.decisions] == [("stranded", "v2", "a")]
    assert [d["kind"] for d in released.decisions] == ["released"]
    assert (terminated.status, terminated.value) == ("terminated", "s1")
    assert keep.last_change() == 6


def test_a_call_that_fails_leaves_no_change_and_a_group_only_its_successes(keep: statekeep.Keep) -> None:
    keep.deploy("v1", MACHINE)
    keep.spawn("v1", actor_id="a")
    keep.terminate("a")
    before = keep.last_change()
    with pytest.raises(Conflict):
        keep.send("a", "A")
    with pytest.raises(Conflict):
        keep.spawn("v1", actor_id="a")
    with pytest.raises(Conflict):
        keep.send_many([("a", "A")])
    assert keep.last_change() == before
    keep.spawn("v1", actor_id="b")
    results = keep.run_group(
        [("send", ("b", "A"), {}), ("send", ("a", "A"), {}), ("spawn", ("v1",), {"actor_id": "c"})]
    )
    assert isinstance(results[1], Conflict)
    assert [(c.kind, c.actor_id) for c in keep.changes(after=before)] == [
        ("spawned", "b"),
        ("event", "b"),
        ("spawned", "c"),
    ]


def test_a_send_that_is_refused_as_needing_rescue_leaves_no_change(keep: statekeep.Keep) -> None:
    keep.deploy("v1", MACHINE)
    keep.spawn("v1", actor_id="a")
    keep.send("a", "B")
    keep.deploy("v2", STRICT, parent="v1", history_path=[])
    before = keep.last_change()
    with pytest.raises(NeedsRescue):
        keep.send("a", "A")
    assert keep.last_change() == before


def test_pages_and_filters(keep: statekeep.Keep) -> None:
    keep.deploy("v1", MACHINE)
    keep.deploy("w1", STRICT)
    keep.spawn_many("v1", [None] * 3, actor_ids=["a", "b", "c"])
    keep.spawn("w1", actor_id="w")
    keep.send_many([("a", "A"), ("b", "A"), ("w", "A"), ("a", "A")])
    every = keep.changes()
    assert [c.seq for c in every] == list(range(1, 9))
    assert [c.seq for c in keep.changes(after=3, limit=2)] == [4, 5]
    assert keep.changes(after=8) == []
    assert [(c.kind, c.actor_seq) for c in keep.changes(actor="a")] == [("spawned", 0), ("event", 1), ("event", 2)]
    assert {c.actor_id for c in keep.changes(definition="w1")} == {"w"}
    assert keep.changes(definition="nothing-deployed") == []
    assert [c.seq for c in keep.changes(after=1, limit=1, actor="a")] == [5]
    for bad in ({"after": -1}, {"limit": 0}, {"limit": 1001}, {"after": True}, {"actor": ""}):
        with pytest.raises(InvalidRequest):
            keep.changes(**bad)


def test_a_page_newest_first_is_the_oldest_first_one_reversed(keep: statekeep.Keep) -> None:
    from hypothesis import given, settings
    from hypothesis import strategies as st

    keep.deploy("v1", MACHINE)
    keep.deploy("w1", STRICT)
    keep.spawn_many("v1", [None] * 3, actor_ids=["a", "b", "c"])
    keep.spawn("w1", actor_id="w")
    keep.send_many([(actor, "A") for actor in "abwaacwbaw"])
    every = keep.changes()
    assert len(every) == 14

    @settings(max_examples=150, deadline=None)
    @given(
        before=st.none() | st.integers(min_value=0, max_value=16),
        limit=st.integers(min_value=1, max_value=16),
        actor=st.none() | st.sampled_from(["a", "w", "nobody"]),
        definition=st.none() | st.sampled_from(["v1", "w1"]),
    )
    def newest_first(before: int | None, limit: int, actor: str | None, definition: str | None) -> None:
        wanted = [
            c
            for c in every
            if (before is None or c.seq < before)
            and (actor is None or c.actor_id == actor)
            and (definition is None or c.version == definition)
        ][::-1]
        page, below = keep.change_page_before(before, limit, actor=actor, definition=definition)
        assert page == wanted[:limit]
        # Going on from each page's next meets every one once, and ends at 0.
        walked = list(page)
        while below:
            more, below = keep.change_page_before(below, limit, actor=actor, definition=definition)
            walked += more
        assert walked == wanted

    newest_first()
    for bad in ({"before": -1}, {"limit": 0}, {"before": True}, {"actor": ""}):
        with pytest.raises(InvalidRequest):
            keep.change_page_before(**bad)


def test_follow_yields_each_change_once_as_it_commits_and_resumes_after_a_seq(keep: statekeep.Keep) -> None:
    keep.deploy("v1", MACHINE)
    keep.spawn("v1", actor_id="a")
    seen: list[Change] = []
    done = threading.Event()

    def follow() -> None:
        for change in keep.follow(after=0, timeout=5):
            seen.append(change)
            if len(seen) == 41:
                done.set()
                return

    follower = threading.Thread(target=follow)
    follower.start()
    for _ in range(20):
        keep.send("a", "A")
        keep.send_many([("a", "A")])
    assert done.wait(10)
    follower.join()
    assert [c.seq for c in seen] == list(range(1, 42))
    assert [c.seq for c in keep.follow(after=39, timeout=0.1)] == [40, 41]
    assert list(keep.follow(after=41, timeout=0.05)) == []
    assert [c.seq for c in keep.follow(after=0, actor="a", timeout=0.05)][:2] == [1, 2]


def test_changes_older_than_the_window_are_pruned_and_the_numbering_goes_on(
    store_location: str, key_dir: Path, clock: ManualClock
) -> None:
    with statekeep.Keep(store_location, clock=clock, scan=False, change_retention=DAY) as keep:
        keep.deploy("v1", {"id": "s", "initial": "x", "states": {"x": {"on": {"A": "y"}}, "y": {}}})
        keep.spawn_many("v1", [None] * 5)
        clock.advance(hours=12)
        keep.spawn("v1", actor_id="late")
        assert keep.prune_changes() is False  # none is a day old
        assert len(keep.changes()) == 6
        clock.advance(hours=13)
        assert keep.prune_changes(batch=2) is True  # a full batch: maybe more
        assert keep.prune_changes(batch=2) is True
        assert keep.prune_changes(batch=2) is False
        assert [(c.seq, c.actor_id) for c in keep.changes()] == [(6, "late")]
        keep.send("late", "A")
        assert [c.seq for c in keep.changes()] == [6, 7]
        # Newest first stops at the oldest kept: nothing older is left.
        assert [c.seq for c in keep.change_page_before(None, 10)[0]] == [7, 6]
        assert keep.change_page_before(None, 10)[1] == 0
        assert keep.change_page_before(6, 10) == ([], 0)
        page, below = keep.change_page_before(None, 1)
        assert [c.seq for c in page] == [7] and below == 7
        assert keep.change_page_before(below, 5) == (keep.changes(after=5, limit=1), 0)
    with pytest.raises(ValueError, match="change_retention"):
        statekeep.Keep(store_location, clock=clock, change_retention=0)


def test_a_key_rotation_reseals_the_outbox_and_scheduled_payloads(tmp_path: Path, key_dir: Path) -> None:
    clock = ManualClock(start=START)
    location = tmp_path / "data"
    with statekeep.Keep(location, clock=clock, scan=False) as keep:
        keep.deploy("v1", MACHINE)
        keep.spawn("v1", {"secret": "s"}, actor_id="a")
        keep.send("a", {"type": "B", "card": "4242"})
        keep.schedule("a", {"type": "A", "card": "1111"}, delay=60, id="later")
        new_key = b"\x07" * 32
        keep.rotate_key(new_key, wait=0.5)
    clock = ManualClock(start=START)  # (a manual clock moves the keeps it was given)
    with statekeep.Keep(location, key=new_key, clock=clock, scan=False) as keep:
        assert [c.event for c in keep.changes()] == [None, {"type": "B", "card": "4242"}]
        clock.advance(seconds=60)
        last = keep.changes()[-1]
        assert (last.kind, last.event) == ("timer", {"type": "A", "card": "1111"})


# ----- the outbox against what the calls returned, over random scripts ----------------------------

ACTORS = ("a", "b", "c")
EVENTS = ("A", "B", "C")

op = st.one_of(
    st.tuples(st.just("send"), st.sampled_from(ACTORS), st.sampled_from(EVENTS)),
    st.tuples(st.just("send_many"), st.lists(st.tuples(st.sampled_from(ACTORS), st.sampled_from(EVENTS)), max_size=4)),
    st.tuples(st.just("deploy"), st.sampled_from([(), ("A",), ("B",), ("A", "B")]), st.booleans()),
    st.tuples(st.just("scan")),
    st.tuples(st.just("advance"), st.integers(1, 8_000)),
    st.tuples(st.just("release"), st.sampled_from(ACTORS)),
    st.tuples(st.just("terminate"), st.sampled_from(ACTORS)),
)


def run_script(location: str, script: list[tuple[Any, ...]]) -> None:
    """Run ``script``; every call's result must be in the outbox, in order, and nothing else but
    what the background did (timers fired, scans), which must agree with each actor's history
    and state."""
    clock = ManualClock(start=START)
    told: list[tuple[str, str, Any, int]] = []  # kind, actor, value, actor seq: from the results

    with statekeep.Keep(location, clock=clock, scan=False) as keep:
        keep.deploy("v0", MACHINE)
        version = "v0"
        for actor in keep.spawn_many("v0", [None] * len(ACTORS), actor_ids=list(ACTORS)):
            told.append(("spawned", actor.id, actor.value, actor.seq))
        for n, step in enumerate(script):
            before = keep.last_change()
            try:
                if step[0] == "send":
                    r = keep.send(step[1], step[2])
                    if r.handled or r.decisions:
                        told.append(("event", r.actor_id, r.value, r.seq))
                elif step[0] == "send_many":
                    for r in keep.send_many(list(step[1])):
                        if r.handled or r.decisions:
                            told.append(("event", r.actor_id, r.value, r.seq))
                elif step[0] == "deploy":
                    new = f"v{n + 1}"
                    keep.deploy(new, STRICT if step[2] else MACHINE, parent=version, history_path=list(step[1]))
                    version = new
                elif step[0] == "scan":
                    keep.scan_step()
                elif step[0] == "advance":
                    clock.advance(seconds=step[1] / 1000)
                elif step[0] == "release":
                    keep.release(step[1])
                    told.append(("released", step[1], keep.get(step[1]).value, keep.get(step[1]).seq))
                else:
                    was = keep.get(step[1]).status
                    actor = keep.terminate(step[1])
                    if was != "terminated":  # terminating again changes nothing
                        told.append(("terminated", actor.id, actor.value, actor.seq))
            except (Conflict, NeedsRescue):
                # Refused: nothing of the call is in the outbox (what catching up decided on the
                # way is derived again at the next touch).
                assert keep.last_change() == before, (n, step)
        while keep.scan_step():
            pass
        changes = keep.changes(limit=1000)
        assert [c.seq for c in changes] == list(range(1, keep.last_change() + 1))
        # What the calls returned is there, in order (between it: timers fired, moves).
        entries = iter(changes)
        for expected in told:
            assert any((c.kind, c.actor_id, c.value, c.actor_seq) == expected for c in entries), expected
        for actor_id in ACTORS:
            mine = [c for c in changes if c.actor_id == actor_id]
            assert mine[0].kind == "spawned"
            # Each handled event once, in the history's order; the last entry is the actor now.
            handled, seq = [], 0
            for c in mine:
                assert c.actor_seq >= seq
                if c.actor_seq > seq:
                    assert c.kind in ("event", "timer") and c.event is not None
                    handled.append(c.event["type"])
                    seq = c.actor_seq
            assert handled == [h["type"] for h in keep.history(actor_id)]
            now = keep.get(actor_id)
            last = mine[-1]
            assert (last.version, last.value, last.status, last.actor_seq) == (
                now.version,
                now.value,
                now.status,
                now.seq,
            )
            # Whether it is stranded now is what the decisions told last say.
            stranded = False
            for c in mine:
                for d in c.decisions:
                    stranded = d["kind"] == "stranded" or (stranded and d["kind"] not in ("released", "migrated"))
            assert (now.needs_rescue is not None) == stranded, actor_id


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(script=st.lists(op, max_size=14))
def test_the_outbox_tells_every_change_once_in_order(script: list[tuple[Any, ...]], key_dir: Path) -> None:
    with tempfile.TemporaryDirectory() as d:
        run_script(str(Path(d) / "data"), script)


@settings(max_examples=10, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(script=st.lists(op, max_size=14))
def test_the_outbox_tells_every_change_once_in_order_on_postgresql(
    script: list[tuple[Any, ...]], key_dir: Path, postgres_server: Any
) -> None:
    run_script(postgres_server.database(), script)


def test_a_change_on_the_wire_is_every_field_renamed_and_reads_back_the_same() -> None:
    import dataclasses

    from statekeep import wire

    change = Change(
        seq=3,
        kind="event",
        actor_id="a",
        version="v",
        at=1.5,
        actor_seq=2,
        event={"type": "X", "n": 1},
        value={"p": "q"},
        status="active",
        actions=[{"type": "note"}],
        effects=[],
        decisions=[{"kind": "migrated", "actor": "a", "actor_fingerprint": 5, "at": 2.0}],
        timer={"id": "t", "kind": "after"},
    )
    generic = wire.record({f.name: getattr(change, f.name) for f in dataclasses.fields(change)})
    assert wire.change_json(change) == generic
    assert generic["stateValue"] == {"p": "q"} and generic["at"] == "1970-01-01T00:00:01.500Z"
    assert wire.from_json(Change, wire.change_json(change)) == change
