"""The actors in each state of a version, from counters kept in every write's transaction:
always what counting the materialised actors one by one gives, on both back ends, through
sends, timers, migrations, strandings and failed calls; counted once for a store without them."""

from __future__ import annotations

import collections
import tempfile
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import statekeep
from statekeep.errors import Conflict, NeedsRescue
from statekeep.testing import ManualClock

#: Nested and parallel: an actor is in several states at once.
NESTED: dict[str, Any] = {
    "id": "n",
    "initial": "idle",
    "states": {
        "idle": {"on": {"A": "work", "B": {"actions": "b"}}, "after": {"4000": "work"}},
        "work": {
            "type": "parallel",
            "on": {"B": "idle"},
            "states": {
                "left": {"initial": "l1", "states": {"l1": {"on": {"A": "l2"}}, "l2": {}}},
                "right": {"initial": "r1", "states": {"r1": {"after": {"2000": "r2"}}, "r2": {"on": {"A": "r1"}}}},
            },
        },
        "done": {"type": "final"},
    },
}
#: The same without B in idle: an actor that handled B there is stranded by a replay.
STRICT: dict[str, Any] = {**NESTED, "states": {**NESTED["states"], "idle": {"on": {"A": "work"}}}}

ACTORS = ("a", "b", "c", "d")
op = st.one_of(
    st.tuples(st.just("send"), st.sampled_from(ACTORS), st.sampled_from(("A", "B", "C"))),
    st.tuples(st.just("spawn"), st.integers(0, 99)),
    st.tuples(st.just("deploy"), st.sampled_from([(), ("A",), ("B",)]), st.booleans()),
    st.tuples(st.just("scan")),
    st.tuples(st.just("advance"), st.integers(1, 5_000)),
    st.tuples(st.just("release"), st.sampled_from(ACTORS)),
    st.tuples(st.just("terminate"), st.sampled_from(ACTORS)),
)


def recount(keep: statekeep.Keep) -> dict[str, dict[str, int]]:
    """Every actor's states, counted one by one (written apart from the keep's rule on purpose)."""
    counts: dict[str, collections.Counter[str]] = collections.defaultdict(collections.Counter)
    for actor in keep.actors(limit=10_000):
        stack: list[tuple[str, Any]] = [("", actor.value)]
        while stack:
            prefix, node = stack.pop()
            if isinstance(node, str):
                counts[actor.version][prefix + node] += 1
                continue
            for name, child in node.items():
                counts[actor.version][prefix + name] += 1
                stack.append((prefix + name + ".", child))
    return {version: dict(c) for version, c in counts.items()}


def run(location: str, script: list[tuple[Any, ...]]) -> None:
    clock = ManualClock(start=1_700_000_000.0)
    with statekeep.Keep(location, clock=clock, scan=False) as keep:
        keep.deploy("v0", NESTED)
        versions, version = ["v0"], "v0"
        keep.spawn_many("v0", [None] * len(ACTORS), actor_ids=list(ACTORS))
        for n, step in enumerate(script):
            try:
                if step[0] == "send":
                    keep.send(step[1], step[2])
                elif step[0] == "spawn":
                    keep.spawn(version, actor_id=f"s{step[1]}")
                elif step[0] == "deploy":
                    new = f"v{n + 1}"
                    keep.deploy(new, STRICT if step[2] else NESTED, parent=version, history_path=list(step[1]))
                    versions.append(new)
                    version = new
                elif step[0] == "scan":
                    keep.scan_step()
                elif step[0] == "advance":
                    clock.advance(seconds=step[1] / 1000)
                elif step[0] == "release":
                    keep.release(step[1])
                else:
                    keep.terminate(step[1])
            except (Conflict, NeedsRescue):
                pass
        while keep.scan_step():
            pass  # every actor materialised where a read would put it
        expected = recount(keep)
        for v in versions:
            assert keep.state_counts(v) == expected.get(v, {}), (v, script)


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(script=st.lists(op, max_size=16))
def test_state_counts_are_a_recount_of_the_actors(script: list[tuple[Any, ...]], key_dir: Path) -> None:
    with tempfile.TemporaryDirectory() as d:
        run(str(Path(d) / "data"), script)


@settings(max_examples=10, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(script=st.lists(op, max_size=16))
def test_state_counts_are_a_recount_of_the_actors_on_postgresql(
    script: list[tuple[Any, ...]], key_dir: Path, postgres_server: Any
) -> None:
    run(postgres_server.database(), script)


def test_a_store_without_counts_is_counted_when_opened(store_location: str, key_dir: Path) -> None:
    with statekeep.Keep(store_location, scan=False) as keep:
        keep.deploy("v0", NESTED)
        keep.spawn_many("v0", [None] * 5)
        keep.send_many([(a.id, "A") for a in keep.actors()[:2]])
        expected = keep.state_counts("v0")
        assert expected == {
            "idle": 3,
            "work": 2,
            "work.left": 2,
            "work.left.l1": 2,
            "work.right": 2,
            "work.right.r1": 2,
        }
        with keep._store.write(exclusive=True) as txn:
            txn.set_state_counts(None)  # as a store written before they were kept
        with keep._store.read() as txn:
            assert txn.state_counts(0) is None
    with statekeep.Keep(store_location, scan=False) as keep:
        assert keep.state_counts("v0") == expected
        with pytest.raises(statekeep.NotFound):
            keep.state_counts("nothing")


def test_the_counts_over_http(store_location: str, key_dir: Path) -> None:
    import httpx

    from served import served
    from test_http_contract import described

    with served(store_location) as server:
        server.keep.deploy("v0", NESTED)
        server.keep.spawn_many("v0", [None] * 3, actor_ids=["a", "b", "c"])
        server.keep.send("a", "A")
        hooks = {"response": [lambda r: r.read() and None, described]}
        headers = {"Authorization": f"Bearer {server.admin}"}
        with httpx.Client(base_url=server.url, headers=headers, event_hooks=hooks) as http:
            body = http.get("/v1/definitions/v0/counts").json()
            assert body == {
                "version": "v0",
                "states": {
                    "idle": 2,
                    "work": 1,
                    "work.left": 1,
                    "work.left.l1": 1,
                    "work.right": 1,
                    "work.right.r1": 1,
                },
            }
            missing = http.get("/v1/definitions/nope/counts")
            assert (missing.status_code, missing.json()["code"]) == (404, "version_not_found")
        with server.client() as client:
            assert client.state_counts("v0") == body["states"]
