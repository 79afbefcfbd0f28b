"""Properties of the engine at the Python boundary."""

from __future__ import annotations

from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import statekeep
from conftest import load_cases

KEYS = [
    "id",
    "type",
    "initial",
    "states",
    "on",
    "always",
    "onDone",
    "entry",
    "exit",
    "after",
    "invoke",
    "history",
    "target",
    "guard",
    "actions",
    "reenter",
    "output",
    "src",
    "a",
    "b",
    "GO",
    "*",
]
TEXT = st.sampled_from(
    ["a", "b", ".a", "#m", "#m.a", "parallel", "final", "history", "deep", "GO", "*", "E.*", "", "g"]
)

json_values = st.recursive(
    st.none() | st.booleans() | st.integers(-3, 3000) | TEXT | st.text(max_size=5),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.sampled_from(KEYS), inner, max_size=6),
    max_leaves=40,
)


@settings(max_examples=400, suppress_health_check=[HealthCheck.too_slow])
@given(json_values)
def test_any_json_compiles_or_raises_a_definition_error(definition: Any) -> None:
    try:
        machine = statekeep.Machine(
            {"id": "m", "initial": "a", "states": definition} if isinstance(definition, dict) else definition
        )
    except statekeep.DefinitionError as e:
        assert e.path is not None and e.path.startswith("$")
        return
    try:
        step = machine.initial()
        for event in ("GO", "a", "xstate.done.state.m"):
            step = machine.transition(step.snapshot, event)
            assert machine.load_snapshot(step.snapshot.to_bytes()) == step.snapshot
    except statekeep.StepError:
        pass


@given(st.binary(max_size=80))
def test_random_bytes_are_refused_as_snapshots(data: bytes) -> None:
    machine = statekeep.Machine({"id": "m", "initial": "a", "states": {"a": {}}})
    try:
        machine.load_snapshot(data)
    except statekeep.SnapshotError:
        return
    raise AssertionError("random bytes loaded as a snapshot")


CASES = load_cases("xstate-public.jsonl")[:200]


@settings(max_examples=150, deadline=None)
@given(st.sampled_from(CASES), st.data())
def test_replay_equals_stepping_one_event_at_a_time(case: dict[str, Any], data: st.DataObject) -> None:
    machine = statekeep.Machine(case["machine"])
    known = sorted({s["event"]["type"] for s in case["steps"]} | {"NOPE"})
    events = data.draw(st.lists(st.sampled_from(known), max_size=15))
    tables = data.draw(
        st.lists(
            st.dictionaries(st.sampled_from(machine.guards or ["g"]), st.booleans()),
            min_size=len(events),
            max_size=len(events),
        )
    )
    replay = machine.replay(events, guards=tables)
    step = machine.initial()
    handled = []
    for event, table in zip(events, tables, strict=True):
        step = machine.transition(step.snapshot, event, table)
        handled.append(step.handled)
    assert replay.snapshot == step.snapshot
    assert replay.handled == handled
    assert replay.first_unhandled == (handled.index(False) if False in handled else None)
