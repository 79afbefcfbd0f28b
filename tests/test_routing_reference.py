"""The Rust routing core against the plain reference model of the law (tests/reference).

The reference lives in the serial world: at each commit it decides every actor on the parent.
The core is driven the way a durable keep drives it: actors are caught up only when touched
(a send, a release, a scan reaching them in batches, a read), and they cross the boundary as
bytes between touches. Every actor's version, state, mark and decision records must agree.
"""

from __future__ import annotations

import functools
import json
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, TypeVar

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import statekeep
from reference.routing_model import NeedsRescue, SerialWorld
from table_machines import EVENTS, definition

tables = st.lists(st.lists(st.none() | st.integers(0, 2), min_size=3, max_size=3), min_size=3, max_size=3)


@dataclass
class Deploy:
    parent: int
    table: list[list[int | None]]
    guarded: list[bool]
    path: list[str]
    match: str
    landing: str
    state_map: dict[str, str]


@dataclass
class Spawn:
    version: int


@dataclass
class Send:
    actor: int
    event: str
    guards: dict[str, bool] | None


@dataclass
class Release:
    actor: int


@dataclass
class Scan:
    """The background scan of the newest deployment reaches some actors, in batches."""

    actors: list[int] = field(default_factory=list)


ops = st.one_of(
    st.builds(
        Deploy,
        st.integers(0, 50),
        tables,
        st.lists(st.booleans(), min_size=3, max_size=3),
        st.lists(st.sampled_from(EVENTS[:2]), max_size=3),
        st.sampled_from(["prefix", "exact"]),
        st.sampled_from(["replay", "replay", "state"]),
        st.sampled_from(
            [{}, {"s1": "s2"}, {"s2": "s0", "s0": "s2"}, {"s1": "nowhere"}, {"s0": "x", "s1": "x", "s2": "x"}]
        ),
    ),
    st.builds(Spawn, st.integers(0, 50)),
    st.builds(
        Send, st.integers(0, 50), st.sampled_from(EVENTS), st.none() | st.fixed_dictionaries({"g": st.booleans()})
    ),
    st.builds(Send, st.integers(0, 50), st.sampled_from(EVENTS), st.none()),
    st.builds(Send, st.integers(0, 3), st.sampled_from(EVENTS), st.none()),
    st.builds(Send, st.integers(0, 3), st.sampled_from(EVENTS), st.none()),
    st.builds(Release, st.integers(0, 50)),
    st.builds(Scan, st.lists(st.integers(0, 50), max_size=4)),
)


def reason_essence(reason: dict[str, Any]) -> dict[str, Any]:
    # Messages are prose; the code and everything else must agree.
    return {"code": "invalid_landing"} if reason["code"] == "invalid_landing" else reason


def without_fingerprints(record: dict[str, Any]) -> dict[str, Any]:
    out = {k: v for k, v in record.items() if k != "actor"}
    out["reason"] = reason_essence(out["reason"])
    return out


T = TypeVar("T")


def send_to(registry: statekeep.Registry, op: Send, actor: statekeep._core.ActorState) -> statekeep._core.Sent:
    return registry.send(actor, op.event, op.guards)


class Core:
    """The Rust core, with actors stored as bytes between touches (as a keep would), their
    records keeping only the first ``inline`` events of a history; the whole histories are kept
    beside them (as a store's events) and handed over when the core asks for them."""

    def __init__(self, inline: int) -> None:
        self.registry = statekeep.Registry(inline_history=inline)
        self.stored: list[bytes] = []
        self.records: list[list[dict[str, Any]]] = []
        self.histories: list[list[tuple[str, dict[str, bool] | None]]] = []
        self.asked = 0

    def load(self, i: int) -> statekeep._core.ActorState:
        return self.registry.load_actor(self.stored[i])

    def whole(self, i: int) -> statekeep._core.ActorState:
        return self.registry.load_actor(self.stored[i], self.histories[i])

    def call(self, i: int, call: Callable[[statekeep._core.ActorState], T]) -> T:
        """``call`` on actor ``i`` as stored; again with its whole history if the core asks."""
        try:
            return call(self.load(i))
        except statekeep.errors.HistoryNeeded:
            self.asked += 1
            return call(self.whole(i))

    def keep(self, i: int, actor: statekeep._core.ActorState, decisions: list[dict[str, Any]]) -> None:
        self.stored[i] = actor.to_bytes()
        self.records[i].extend(decisions)


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
@given(st.lists(ops, min_size=10, max_size=60), st.sampled_from([0, 1, 2, 16]))
def test_the_core_decides_like_the_reference_model(script: list[Any], inline: int) -> None:
    world = SerialWorld()
    core = Core(inline)
    root = definition([[1, 2, None], [0, None, 2], [None, 0, 1]], [False, False, False])
    world.deploy("v0", root)
    core.registry.deploy("v0", statekeep.Machine(root))
    versions = ["v0"]
    actor_ids: list[str] = []

    for op in script:
        if isinstance(op, Deploy):
            version = f"v{len(versions)}"
            parent = versions[op.parent % len(versions)]
            body = definition(op.table, op.guarded)
            world.deploy(
                version, body, parent=parent, path=op.path, match=op.match, landing=op.landing, state_map=op.state_map
            )
            core.registry.deploy(
                version,
                statekeep.Machine(body),
                parent=parent,
                path=op.path,
                match=op.match,
                landing=op.landing,
                state_map=op.state_map,
            )
            versions.append(version)
        elif isinstance(op, Spawn):
            version = versions[op.version % len(versions)]
            actor_id = f"a{len(actor_ids)}"
            world.spawn(actor_id, version)
            spawned = core.registry.spawn(version)
            core.stored.append(spawned.actor.to_bytes())
            core.records.append(list(spawned.decisions))
            core.histories.append([])
            actor_ids.append(actor_id)
        elif isinstance(op, Send) and actor_ids:
            i = op.actor % len(actor_ids)
            try:
                handled, _ = world.send(actor_ids[i], op.event, op.guards)
                refused = False
            except NeedsRescue:
                refused = True
            sent = core.call(i, functools.partial(send_to, core.registry, op))
            core.keep(i, sent.actor, sent.decisions)
            if sent.step is not None and sent.step.handled:
                core.histories[i].append((op.event, op.guards))
            assert (sent.refused is not None) == refused
            if not refused:
                assert sent.step is not None and sent.step.handled == handled
        elif isinstance(op, Release) and actor_ids:
            i = op.actor % len(actor_ids)
            try:
                world.release(actor_ids[i])
                expected = True
            except ValueError:
                expected = False
            try:
                released = core.call(i, core.registry.release)
                actor, record = released.actor, released.record
            except statekeep.Conflict:
                actor, _ = core.call(i, core.registry.catch_up)
                assert not expected
                assert actor.needs_rescue is None
            else:
                assert expected
                # The release caught the actor up first; keep those records too.
                caught_up = [d for d in core.call(i, core.registry.catch_up)[1]]
                core.keep(i, actor, caught_up + [record])
        elif isinstance(op, Scan) and actor_ids:
            # A scan reaches each actor once per batch.
            batch = list(dict.fromkeys(op_i % len(actor_ids) for op_i in op.actors))
            try:
                changed, moved, decided = core.registry.catch_up_many([core.stored[i] for i in batch])
            except statekeep.errors.HistoryNeeded as e:
                core.asked += 1
                histories = {position: core.histories[batch[position]] for position in e.actors}
                changed, moved, decided = core.registry.catch_up_many([core.stored[i] for i in batch], 0.0, histories)
            assert [i for i, _ in changed] == sorted({i for i, *_ in decided}), "an actor is written iff it got records"
            moves = dict(moved)
            for position, i in enumerate(batch):
                before = core.registry.load_actor(core.stored[i]).decided
                records: list[dict[str, Any]] = []
                for _, ordinal, deployment, kind, raw in [d for d in decided if d[0] == position]:
                    record = json.loads(raw)
                    assert record.pop("at") == 0.0
                    assert (ordinal, versions[deployment], kind) == (
                        before + len(records),
                        record["deployment"],
                        record["kind"],
                    )
                    records.append(record)
                migrations = [r["to"] for r in records if r["kind"] == "migrated"]
                assert moves.get(position) == (None if not migrations else versions.index(migrations[-1]))
                core.records[i].extend(records)
                core.stored[i] = dict(changed).get(position, core.stored[i])

    for i, actor_id in enumerate(actor_ids):
        actor, decisions = core.registry.catch_up(core.whole(i))
        core.records[i].extend(decisions)
        assert actor.decided == len(core.records[i]), "the core counts every record it produced"
        model = world.actor(actor_id)
        assert (actor.version, actor.value, actor.history) == (model["version"], model["value"], model["history"]), (
            actor_id
        )
        if model["needs_rescue"] is None:
            assert actor.needs_rescue is None, actor_id
        else:
            assert actor.needs_rescue is not None, actor_id
            assert reason_essence(actor.needs_rescue["reason"]) == reason_essence(model["needs_rescue"]), actor_id
        assert actor.fingerprint == statekeep.fingerprint(model["history"])
        want = [without_fingerprints(dict(r)) for r in world.decisions(actor_id)]
        got = [without_fingerprints(r) for r in core.records[i]]
        assert got == want, actor_id
        for r, w in zip(core.records[i], world.decisions(actor_id), strict=True):
            assert (r["actor_fingerprint"], r["path_fingerprint"]) == (w["actor_fingerprint"], w["path_fingerprint"])


@settings(max_examples=100, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    st.lists(ops, min_size=10, max_size=40),
    st.builds(
        Deploy,
        st.integers(0, 50),
        tables,
        st.lists(st.booleans(), min_size=3, max_size=3),
        st.lists(st.sampled_from(EVENTS[:2]), max_size=3),
        st.sampled_from(["prefix", "exact"]),
        st.sampled_from(["replay", "state"]),
        st.just({}),
    ),
)
def test_a_preview_in_a_fork_shows_the_decisions_the_commit_makes(script: list[Any], candidate: Deploy) -> None:
    """Guarantee 6: an actor unchanged between the preview and the commit gets the decision
    the preview showed; and the preview leaves the registry it was taken from as it was."""
    registry = statekeep.Registry()
    root = definition([[1, 2, None], [0, None, 2], [None, 0, 1]], [False, False, False])
    registry.deploy("v0", statekeep.Machine(root))
    versions, actors = ["v0"], []
    for op in script:
        if isinstance(op, Deploy):
            registry.deploy(
                f"v{len(versions)}",
                statekeep.Machine(definition(op.table, op.guarded)),
                parent=versions[op.parent % len(versions)],
                path=op.path,
                match=op.match,
                landing=op.landing,
            )
            versions.append(f"v{len(versions)}")
        elif isinstance(op, Spawn):
            actors.append(registry.spawn(versions[op.version % len(versions)]).actor)
        elif isinstance(op, Send) and actors:
            i = op.actor % len(actors)
            actors[i] = registry.send(actors[i], op.event, op.guards).actor
    # Bring every actor up to date, as the keep does before it previews.
    actors = [registry.catch_up(a)[0] for a in actors]
    parent = versions[candidate.parent % len(versions)]
    machine = statekeep.Machine(definition(candidate.table, candidate.guarded))
    preview = registry.fork()
    preview.deploy(
        "candidate", machine, parent=parent, path=candidate.path, match=candidate.match, landing=candidate.landing
    )
    shown = [preview.catch_up(preview.load_actor(a.to_bytes())) for a in actors]
    assert registry.versions() == versions
    registry.deploy(
        "candidate", machine, parent=parent, path=candidate.path, match=candidate.match, landing=candidate.landing
    )
    for actor, (previewed, previewed_decisions) in zip(actors, shown, strict=True):
        committed, decisions = registry.catch_up(actor)
        assert decisions == previewed_decisions
        assert (committed.version, committed.value) == (previewed.version, previewed.value)


def test_a_big_batch_is_decided_across_threads_exactly_as_one_actor_at_a_time() -> None:
    """Past a few hundred actors the batch is split over the cores; positions, ordinals and
    records must come back as if each actor were caught up alone."""
    machine = {"initial": "a", "states": {"a": {"on": {"X": "b", "Y": "a"}}, "b": {"on": {"X": "a", "Y": "b"}}}}
    registry = statekeep.Registry()
    registry.deploy("v1", statekeep.Machine(machine))
    stored = []
    for n in range(1_500):
        actor = registry.spawn("v1").actor
        for bit in format(n % 16, "04b"):
            actor = registry.send(actor, "X" if bit == "1" else "Y").actor
        stored.append(actor.to_bytes())
    registry.deploy("v2", statekeep.Machine(machine), parent="v1", path=["X", "Y"])
    registry.deploy("v3", statekeep.Machine(machine), parent="v1", path=["Y"], match="exact")
    changed, moved, decided = registry.catch_up_many(stored, 5.0)
    expected_changed, expected_moved, expected_records = [], [], []
    for i, raw in enumerate(stored):
        before = registry.load_actor(raw)
        after, records = registry.catch_up(before)
        if records:
            expected_changed.append((i, after.to_bytes()))
            if after.version != before.version:
                expected_moved.append((i, registry.versions().index(after.version)))
        for k, record in enumerate(records):
            expected_records.append(
                (
                    i,
                    before.decided + k,
                    registry.versions().index(record["deployment"]),
                    record["kind"],
                    dict(record, at=5.0),
                )
            )
    assert changed == expected_changed
    assert moved == expected_moved
    assert [(i, n, d, k, json.loads(body)) for i, n, d, k, body in decided] == expected_records
    assert {k for *_, k, _ in decided} == {"migrated", "stayed"} and len(moved) > 100
