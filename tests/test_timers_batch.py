"""Firing due timers in batches (one send for a run of distinct actors) is the same as firing each
alone: two stores given the same random script, one firing a backlog in runs, the other one timer
at a time, end alike in every actor, history, decision, timer and outbox entry."""

from __future__ import annotations

import tempfile
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import statekeep
import statekeep.keep.timers as timers_module
from statekeep.errors import Conflict
from statekeep.testing import ManualClock

START = 1_700_000_000.0
ACTORS = ["a", "b", "c", "d", "e"]
RUN = timers_module.FIRE_RUN


def machine(variant: int) -> dict[str, Any]:
    """``wait`` times out to ``late``; GO leads to ``going``, which times out back to ``wait``
    (after 200 ms, or 300 in the other variant: a migration keeps or restarts it); END finishes."""
    going = 200 if variant == 0 else 300
    return {
        "id": "m",
        "initial": "wait",
        "states": {
            "wait": {"after": {"500": "late"}, "on": {"GO": "going", "END": "done", "NOTE": {"actions": "noted"}}},
            "going": {"after": {str(going): "wait"}, "on": {"GO": "wait", "END": "done"}},
            "late": {"on": {"GO": "going", "END": "done"}},
            "done": {"type": "final"},
        },
    }


ops = st.lists(
    st.one_of(
        st.tuples(st.just("send"), st.sampled_from(ACTORS), st.sampled_from(["GO", "END", "NOTE"])),
        st.tuples(
            st.just("schedule"),
            st.sampled_from(ACTORS),
            st.sampled_from(["GO", "NOTE", "END", "UNKNOWN"]),
            st.sampled_from([0, 100, 200, 500]),  # few instants: timers of many actors due at once
            st.sampled_from(["x", "y", "z"]),
            st.booleans(),  # with a payload
        ),
        st.tuples(st.just("cancel"), st.sampled_from(ACTORS), st.sampled_from(["x", "y", "z"])),
        st.tuples(st.just("terminate"), st.sampled_from(ACTORS)),
        st.tuples(st.just("deploy"), st.sampled_from(["keep", "restart"])),
        st.tuples(st.just("advance"), st.sampled_from([0, 100, 250])),
    ),
    max_size=30,
)


def apply(keep: statekeep.Keep, clock: ManualClock, script: list[tuple[Any, ...]]) -> None:
    keep.deploy("m0", machine(0))
    version, variant = "m0", 0
    for actor_id in ACTORS:
        keep.spawn(version, actor_id=actor_id)
    # In every backlog: an event for a finished actor (not delivered: kept with why).
    keep.send("e", "END")
    keep.schedule("e", "NOTE", delay=0.5, id="finished")
    for n, op in enumerate(script):
        try:
            if op[0] == "send":
                keep.send(op[1], op[2])
            elif op[0] == "schedule":
                event: Any = {"type": op[2], "n": n} if op[5] else op[2]
                keep.schedule(op[1], event, delay=op[3] / 1000, id=op[4])
            elif op[0] == "cancel":
                keep.cancel_scheduled(op[1], op[2])
            elif op[0] == "terminate":
                keep.terminate(op[1])
            elif op[0] == "deploy":
                variant = 1 - variant
                new = f"m{n + 1}"
                # Not scanned: its actors are caught up by whatever touches them first (a
                # firing too, which then fires alone).
                keep.deploy(new, machine(variant), parent=version, landing="state", timers=op[1])
                version = new
            else:
                # Past every timer due in the meantime without firing them: a backlog.
                clock._now += op[1] / 1000
        except (Conflict, statekeep.errors.NotFound):
            pass  # the same refusal in both stores


def fire_backlog(keep: statekeep.Keep, clock: ManualClock) -> None:
    clock._now += 10  # every timer due; fired by fire_due, not by the clock
    while keep.fire_due():
        pass


def outcome(keep: statekeep.Keep) -> dict[str, Any]:
    actors = {}
    for actor_id in ACTORS:
        actor = keep.get(actor_id)
        actors[actor_id] = (
            actor.version,
            actor.value,
            actor.status,
            actor.seq,
            actor.timers,
            [(h["type"], h["payload"], h["at"]) for h in keep.history(actor_id)],
            keep.decisions(actor_id),
        )
    changes = [(c.seq, c.kind, c.actor_id, c.version, c.event, c.timer, c.decisions, c.at) for c in keep.changes()]
    stats = keep.timer_stats()
    return {"actors": actors, "changes": changes, "pending": stats["pending"], "fired": stats["fired"]}


def run(locations: tuple[str, str], script: list[tuple[Any, ...]], monkeypatch: pytest.MonkeyPatch) -> None:
    # A fire transaction stops after its time budget, and the next one reads the due timers
    # again (a timer set meanwhile, due earlier, goes first): on a loaded machine the two
    # stores would stop at different places. Without the budget, each fires what it read.
    monkeypatch.setattr(timers_module, "FIRE_BUDGET", 3600.0)
    monkeypatch.setattr(timers_module, "FIRE_BUDGET_ALONE", 3600.0)
    found = []
    for location, run_length in zip(locations, (RUN, 1), strict=True):
        monkeypatch.setattr(timers_module, "FIRE_RUN", run_length)
        clock = ManualClock(start=START)
        with statekeep.Keep(location, clock=clock, scan=False) as keep:
            apply(keep, clock, script)
            fire_backlog(keep, clock)
            found.append(outcome(keep))
    batched, alone = found
    assert batched == alone


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(script=ops)
def test_firing_in_runs_is_firing_one_at_a_time(
    script: list[tuple[Any, ...]], key_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    with tempfile.TemporaryDirectory() as d:
        run((str(Path(d) / "batched"), str(Path(d) / "alone")), script, monkeypatch)


@settings(max_examples=8, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(script=ops)
def test_firing_in_runs_is_firing_one_at_a_time_on_postgresql(
    script: list[tuple[Any, ...]], key_dir: Path, postgres_server: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    run((postgres_server.database(), postgres_server.database()), script, monkeypatch)


def test_a_backlog_fires_in_runs(tmp_path: Path, key_dir: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The runs are taken (not every timer alone), and one actor behind a deployment fires
    alone in its turn."""
    runs: list[int] = []
    original = timers_module.Timers._deliver_run

    def counted(self: Any, txn: Any, run: Any) -> Any:
        taken, fired = original(self, txn, run)
        runs.append(len(fired))
        return taken, fired

    monkeypatch.setattr(timers_module.Timers, "_deliver_run", counted)
    clock = ManualClock(start=START)
    with statekeep.Keep(tmp_path / "data", clock=clock, scan=False) as keep:
        keep.deploy("m0", machine(0))
        keep.spawn_many("m0", [None] * 100, actor_ids=[f"a{i:03}" for i in range(100)])
        keep.deploy("m1", machine(1), parent="m0", landing="state")
        keep.send("a050", "NOTE")  # caught up: the others are behind m1 until touched
        clock._now += 1
        while keep.fire_due():
            pass
        assert sum(runs) == 1  # every actor but a050 is behind m1: each fired alone, in due order
        assert all(keep.get(f"a{i:03}").value == "late" for i in range(100))
        keep.spawn_many("m1", [None] * 100, actor_ids=[f"b{i:03}" for i in range(100)])
        runs.clear()
        clock._now += 1
        while keep.fire_due():
            pass
        assert sum(runs) == 100 and max(runs) > 1
        assert all(keep.get(f"b{i:03}").value == "late" for i in range(100))


def test_a_fire_transaction_yields_to_a_waiting_request(
    tmp_path: Path, key_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Past its short budget a fire transaction ends at the next run when a request of this
    process waits to write, and goes on (up to its longer budget) when none does."""
    clock = ManualClock(start=START)
    with statekeep.Keep(tmp_path / "data", clock=clock, scan=False) as keep:
        keep.deploy("m0", machine(0))
        keep.spawn_many("m0", [None] * 300, actor_ids=[f"a{i:03}" for i in range(300)])
        monkeypatch.setattr(timers_module, "FIRE_BUDGET", 0.0)
        monkeypatch.setattr(timers_module, "FIRE_BUDGET_ALONE", 3600.0)
        clock._now += 1
        keep._requests_writing = 1  # as if a request waited all along
        keep._fire_batch = 1000
        keep.fire_due()
        assert keep.timer_stats()["fired"] == RUN  # one run, then the request's turn
        keep._requests_writing = 0
        keep._fire_batch = 1000  # (it reads about as many as the last one fired, otherwise)
        keep.fire_due()
        assert keep.timer_stats()["fired"] == 300  # the rest at once: nothing waits


def test_a_request_is_counted_while_it_waits_for_the_writer(tmp_path: Path, key_dir: Path) -> None:
    import threading
    import time

    with statekeep.Keep(tmp_path / "data", scan=False) as keep:
        keep.deploy("m0", machine(0))
        keep.spawn("m0", actor_id="a")
        assert keep._requests_writing == 0
        with keep._store.write():  # the writer is taken (as by a fire transaction)
            sender = threading.Thread(target=keep.send, args=("a", "NOTE"))
            sender.start()
            deadline = time.monotonic() + 30
            while keep._requests_writing != 1:
                assert time.monotonic() < deadline, "the waiting send was never counted"
                time.sleep(0.001)
        sender.join()
        assert keep._requests_writing == 0 and keep.get("a").seq == 1
