"""Timers against a plain reference: random sends, schedules, cancellations, deploys with both
timer policies and clock moves, and after each the keep must agree with the serial semantics
(every due timer fires once, in due order, at the first instant it is due; a migration keeps a
delayed transition's due time where the landing state has the same one, under ``keep``)."""

from __future__ import annotations

import tempfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import statekeep
from statekeep.clock import to_millis
from statekeep.errors import NotFound
from statekeep.testing import ManualClock

START_MS = 1_700_000_000_000
STATES = ["s0", "s1", "s2", "s3"]
#: Two bodies of one machine ("p") that differ in some delays: a migration between them keeps
#: s0's and s1's timers (same delayed transitions) and restarts s3's.
DELAYS = [{"s0": 1000, "s1": 2500, "s3": 700}, {"s0": 1000, "s1": 2500, "s3": 900, "s2": 4000}]
#: Where GO leads from each state (a delayed transition leads to the next state).
GO = {"s0": "s2", "s1": "s0", "s2": "s3", "s3": "s1"}


def body(variant: int) -> dict[str, Any]:
    states: dict[str, Any] = {}
    for n, name in enumerate(STATES):
        state: dict[str, Any] = {"on": {"GO": GO[name], "STAY": {"actions": "noted"}}}
        delay = DELAYS[variant].get(name)
        if delay is not None:
            state["after"] = {str(delay): STATES[(n + 1) % len(STATES)]}
        states[name] = state
    return {"id": "p", "initial": "s0", "states": states}


def after_event(variant: int, state: str) -> str:
    return f"xstate.after.{DELAYS[variant][state]}.p.{state}"


@dataclass
class RefActor:
    variant: int
    state: str
    timers: dict[str, tuple[int, str]] = field(default_factory=dict)  # id -> (due, event)
    history: list[tuple[str, int]] = field(default_factory=list)


class Reference:
    """The serial semantics, for the flat machine above."""

    def __init__(self) -> None:
        self.now = START_MS
        self.variant = 0
        self.actors: dict[str, RefActor] = {}

    def _enter(self, actor: RefActor, state: str, at: int) -> None:
        actor.timers = {k: v for k, v in actor.timers.items() if not k.startswith("xstate.after.")}
        actor.state = state
        if state in DELAYS[actor.variant]:
            event = after_event(actor.variant, state)
            actor.timers[event] = (at + DELAYS[actor.variant][state], event)

    def spawn(self, actor_id: str) -> None:
        actor = RefActor(self.variant, "s0")
        self._enter(actor, "s0", self.now)
        self.actors[actor_id] = actor

    def step(self, actor_id: str, event: str, at: int) -> None:
        actor = self.actors[actor_id]
        if event == "GO":
            self._enter(actor, GO[actor.state], at)
        elif event.startswith("xstate.after."):
            # Only a timer still set fires, so its state is the one it was set in.
            assert event == after_event(actor.variant, actor.state)
            self._enter(actor, STATES[(STATES.index(actor.state) + 1) % len(STATES)], at)
        actor.history.append((event, at))

    def schedule(self, actor_id: str, event: str, delay: int, sid: str) -> None:
        self.actors[actor_id].timers["scheduled:" + sid] = (self.now + delay, event)

    def cancel(self, actor_id: str, sid: str) -> bool:
        return self.actors[actor_id].timers.pop("scheduled:" + sid, None) is not None

    def deploy(self, policy: str, committed: int) -> None:
        self.variant = 1 - self.variant
        for actor in self.actors.values():
            before = actor.timers
            actor.variant = self.variant
            afters = {k: v for k, v in before.items() if k.startswith("xstate.after.")}
            actor.timers = {k: v for k, v in before.items() if k not in afters}
            if actor.state in DELAYS[actor.variant]:
                event = after_event(actor.variant, actor.state)
                kept = afters.get(event) if policy == "keep" else None
                actor.timers[event] = kept or (committed + DELAYS[actor.variant][actor.state], event)

    def next_due(self) -> int | None:
        return min((d for actor in self.actors.values() for d, _ in actor.timers.values()), default=None)

    def advance_to(self, to: int) -> None:
        while True:
            due = [(d, a, tid) for a, actor in self.actors.items() for tid, (d, _) in actor.timers.items() if d <= to]
            if not due:
                break
            d, actor_id, tid = min(due)
            self.now = max(self.now, d)
            _, event = self.actors[actor_id].timers.pop(tid)
            self.step(actor_id, event, self.now)
        self.now = to


ACTORS = ["a", "b", "c"]
ops = st.lists(
    st.one_of(
        st.tuples(st.just("send"), st.sampled_from(ACTORS), st.sampled_from(["GO", "STAY"])),
        st.tuples(
            st.just("schedule"),
            st.sampled_from(ACTORS),
            st.sampled_from(["GO", "STAY"]),
            st.integers(0, 5000),
            st.sampled_from(["x", "y"]),
        ),
        st.tuples(st.just("cancel"), st.sampled_from(ACTORS), st.sampled_from(["x", "y"])),
        st.tuples(st.just("deploy"), st.sampled_from(["keep", "restart"])),
        st.tuples(st.just("advance"), st.integers(0, 4000)),
        # To a millisecond either side of the next due time, or onto it.
        st.tuples(st.just("next_due"), st.sampled_from([-1, 0, 1])),
        st.tuples(st.just("back"), st.integers(1, 3000)),
    ),
    max_size=25,
)


def run(location: str, script: list[tuple[Any, ...]]) -> None:
    clock = ManualClock(start=START_MS / 1000)
    ref = Reference()
    # No background scan: a deployment's actors are moved by the reads and sends that catch
    # them up (through several migrations at once) until the clock moves, which scans first.
    with statekeep.Keep(location, clock=clock, scan=False) as keep:
        keep.deploy("p0", body(0))
        version = "p0"
        for actor_id in ACTORS:
            keep.spawn(version, actor_id=actor_id)
            ref.spawn(actor_id)
        for n, op in enumerate(script):
            if op[0] == "send":
                keep.send(op[1], op[2])
                ref.step(op[1], op[2], ref.now)
            elif op[0] == "schedule":
                keep.schedule(op[1], op[2], delay=op[3] / 1000, id=op[4])
                ref.schedule(op[1], op[2], op[3], op[4])
            elif op[0] == "cancel":
                if ref.cancel(op[1], op[2]):
                    keep.cancel_scheduled(op[1], op[2])
                else:
                    with pytest.raises(NotFound):
                        keep.cancel_scheduled(op[1], op[2])
            elif op[0] == "deploy":
                new = f"p{n + 1}"
                keep.deploy(new, body(1 - ref.variant), parent=version, landing="state", timers=op[1])
                version = new
                ref.deploy(op[1], to_millis(clock.now()))
            elif op[0] == "advance":
                ref.advance_to(ref.now + op[1])
                clock.set(ref.now / 1000)
            elif op[0] == "next_due":
                due = ref.next_due()
                if due is not None and due + op[1] >= ref.now:
                    ref.advance_to(due + op[1])
                    clock.set(ref.now / 1000)
            else:  # the wall clock stepped back: nothing fires, nothing is lost
                clock.set((ref.now - op[1]) / 1000)
                ref.now -= op[1]
            for actor_id, expected in ref.actors.items():
                actor = keep.get(actor_id)
                assert (actor.value, actor.version.startswith("p")) == (expected.state, True), (n, op)
                got = sorted(
                    (t["id"] if t["kind"] == "after" else "scheduled:" + t["id"], to_millis(t["due"]))
                    for t in actor.timers
                )
                assert got == sorted((tid, due) for tid, (due, _) in expected.timers.items()), (n, op, actor_id)
        for actor_id, expected in ref.actors.items():
            history = [(h["type"], to_millis(h["at"])) for h in keep.history(actor_id)]
            assert history == expected.history, actor_id


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(script=ops)
def test_timers_follow_the_serial_semantics(script: list[tuple[Any, ...]], key_dir: Path) -> None:
    with tempfile.TemporaryDirectory() as d:
        run(str(Path(d) / "data"), script)


@settings(max_examples=12, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(script=ops)
def test_timers_follow_the_serial_semantics_on_postgresql(
    script: list[tuple[Any, ...]], key_dir: Path, postgres_server: Any
) -> None:
    run(postgres_server.database(), script)
