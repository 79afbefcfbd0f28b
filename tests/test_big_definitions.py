"""Big and deep definitions: the depth limit in states, absurd nesting refused cleanly, deep
definitions deployed and stepped, and compiling with the GIL released (issue 9). Speed is
measured in benches/bench_deploy.py, not here."""

from __future__ import annotations

import json
import sys
import threading
import time
from pathlib import Path
from typing import Any

import pytest

import statekeep
from statekeep import DefinitionError, Machine, _core

LIMIT = 256  # states


def test_the_limits_are_the_cores() -> None:
    assert (_core.MAX_STATE_DEPTH, _core.MAX_JSON_DEPTH) == (LIMIT, 2 * LIMIT + 128)


def chain(depth: int) -> dict[str, Any]:
    """States nested `depth` deep: a chain of compound states `s`, the deepest holding `s`
    (initial) and `t` with GO from one to the other; RESET at the root starts over."""
    state: dict[str, Any] = {"initial": "s", "states": {"s": {"on": {"GO": "t"}}, "t": {}}}
    for _ in range(depth - 2):
        state = {"initial": "s", "states": {"s": state}}
    return {"id": "m", "initial": "s", "on": {"RESET": ".s"}, "states": {"s": state}}


def innermost(value: Any, depth: int) -> Any:
    for _ in range(depth - 1):
        value = value["s"]
    return value


@pytest.mark.parametrize("depth", [200, LIMIT])
def test_states_nested_to_the_limit_compile_from_text_bytes_and_dict_and_step(depth: int) -> None:
    definition = chain(depth)
    text = json.dumps(definition)
    machines = [Machine(text), Machine(text.encode()), Machine(definition)]
    assert len({m.digest for m in machines}) == 1
    for m in machines:
        start = m.initial()
        assert innermost(start.value, depth) == "s"
        moved = m.transition(start.snapshot, "GO")
        assert moved.handled and innermost(moved.value, depth) == "t"
        assert m.load_snapshot(moved.snapshot.to_bytes()) == moved.snapshot
        assert m.resolve_value(moved.value) == moved.snapshot
        assert m.transition(moved.snapshot, "RESET").snapshot == start.snapshot


def test_states_deeper_than_the_limit_are_refused_with_the_path_of_the_first_too_deep() -> None:
    path = "$" + ".states.s" * (LIMIT + 1)
    for given in (chain(LIMIT + 1), json.dumps(chain(LIMIT + 1))):
        with pytest.raises(DefinitionError) as info:
            Machine(given)
        assert info.value.path == path
        assert str(info.value) == f"{path}: states are nested more than 256 deep (the limit is 256 states)"


def test_absurd_nesting_is_a_definition_error_not_a_crash() -> None:
    deep: Any = 1
    for _ in range(100_000):
        deep = [deep]
    definition = {"id": "m", "initial": "a", "states": {"a": {}}, "context": deep}
    with pytest.raises(DefinitionError) as info:
        Machine(definition)
    assert info.value.path == "$"
    assert "the definition is nested more than 640 levels deep" in str(info.value)
    with pytest.raises(DefinitionError) as info:
        Machine("[" * 1_000_000)
    assert "the definition is nested more than 640 levels deep (at line 1 column 641)" in str(info.value)
    # A dict that holds itself is no JSON either.
    loop: dict[str, Any] = {"id": "m", "initial": "a", "states": {"a": {}}}
    loop["context"] = loop
    with pytest.raises(DefinitionError, match="nested more than"):
        Machine(loop)


@pytest.mark.usefixtures("key_dir")
def test_a_definition_200_states_deep_deploys_and_its_actors_step(tmp_path: Path) -> None:
    with statekeep.open(tmp_path / "data") as keep:
        keep.deploy("deep", chain(200))
        actor = keep.spawn("deep")
        assert innermost(actor.value, 200) == "s"
        step = keep.send(actor.id, "GO")
        assert step.handled and innermost(step.value, 200) == "t"
        assert innermost(keep.get(actor.id).value, 200) == "t"
        assert keep.send(actor.id, "RESET").value == actor.value


def flat(states: int) -> dict[str, Any]:
    return {
        "id": "m",
        "initial": "s0",
        "states": {f"s{i}": {"on": {"NEXT": f"s{(i + 1) % states}"}} for i in range(states)},
    }


@pytest.mark.parametrize("form", ["dict", "text", "bytes"])
def test_another_thread_runs_while_a_big_definition_compiles(form: str) -> None:
    """With the switch interval set far beyond the test, the interpreter never takes the GIL
    from the main thread: the counter can only advance during the constructor if the
    constructor releases the GIL."""
    definition: Any = flat(50_000)
    if form != "dict":
        definition = json.dumps(definition)
    if form == "bytes":
        definition = definition.encode()
    counter = [0]
    stop = threading.Event()

    def count() -> None:
        while not stop.is_set():
            counter[0] += 1
            time.sleep(0.0002)  # a real sleep: it lets the main thread take the GIL back

    interval = sys.getswitchinterval()
    sys.setswitchinterval(1_000.0)
    thread = threading.Thread(target=count)
    try:
        thread.start()
        before = counter[0]
        machine = Machine(definition)
        during = counter[0] - before
    finally:
        stop.set()
        sys.setswitchinterval(interval)
        thread.join()
    assert machine.size == 50_001
    assert during > 0
