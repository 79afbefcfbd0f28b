"""The durable keep against the serial reference model of the routing law, as a state machine.

Hypothesis drives one keep (``Keep(path, scan=False)``: the test alone says when the deployment
scan materialises a batch) and one ``SerialWorld`` with the same operations: deploys (some after
a preview, committed with ``expect=preview.digest``), spawns, sends with and without guard
tables, releases, partial scans in small batches, full scans and reopenings of the store. The
law's serial semantics is the reference: "An implementation may materialise a deployment lazily
and concurrently, but its observable results must equal the serial execution with the same order
of events and commits." So after every step every actor, read through the keep, must be where
the model has it, with the same history and the same decision records, however much of each
deployment the scan has written and however often the store was closed and opened again.
"""

from __future__ import annotations

import shutil
import tempfile
from collections import Counter
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import (
    RuleBasedStateMachine,
    initialize,
    invariant,
    precondition,
    rule,
    run_state_machine_as_test,
)

import statekeep
from reference.routing_model import NeedsRescue, SerialWorld

EVENTS = ["A", "B", "C"]
STATES = ["s0", "s1", "s2"]
STATE_MAPS: list[dict[str, str]] = [{}, {"s1": "s2"}, {"s2": "s0", "s0": "s2"}, {"s1": "nowhere"},
                                    {"s0": "x", "s1": "x", "s2": "x"}]
ROOT_TABLE: list[list[int | None]] = [[1, 2, None], [0, None, 2], [None, 0, 1]]


def definition(table: list[list[int | None]], guarded: list[bool]) -> dict[str, Any]:
    """A three-state machine: ``table[s][e]`` is where event ``e`` goes from state ``s``, if
    anywhere. A guarded cell (guard ``g``) falls back to staying put when the guard is false.
    (The machines of tests/test_routing_reference.py.)"""
    states: dict[str, Any] = {}
    for s, row in enumerate(table):
        on: dict[str, Any] = {}
        for e, target in enumerate(row):
            if target is None:
                continue
            if guarded[e]:
                on[EVENTS[e]] = [{"target": STATES[target], "guard": "g"}, {"actions": "held"}]
            else:
                on[EVENTS[e]] = STATES[target]
        states[STATES[s]] = {"on": on}
    return {"id": "m", "initial": "s0", "states": states}


tables = st.lists(st.lists(st.none() | st.integers(0, 2), min_size=3, max_size=3), min_size=3, max_size=3)
guards = st.lists(st.booleans(), min_size=3, max_size=3)
# Paths over two event types: short enough that histories reach them, so that every moment of
# the law (commit, event, spawn, arrival) decides something.
paths = st.lists(st.sampled_from(EVENTS[:2]), max_size=3)


def reason_essence(reason: dict[str, Any]) -> dict[str, Any]:
    """Messages are prose; the code and everything else must agree."""
    return {"code": "invalid_landing"} if reason["code"] == "invalid_landing" else reason


def comparable(record: dict[str, Any]) -> dict[str, Any]:
    """A decision record without who it is about ("actor") and when it was written ("at")."""
    out = {k: v for k, v in record.items() if k not in ("actor", "at")}
    out["reason"] = reason_essence(out["reason"])
    return out


def by_actor(records: list[dict[str, Any]]) -> list[tuple[str, dict[str, Any]]]:
    """Records grouped by actor (a stable sort: each actor's records stay in their order)."""
    return sorted(((r["actor"], comparable(r)) for r in records), key=lambda pair: pair[0])


class KeepAgainstTheLaw(RuleBasedStateMachine):
    def __init__(self) -> None:
        super().__init__()
        self.dir = Path(tempfile.mkdtemp(prefix="statekeep-stateful-"))
        self.path = self.dir / "data"
        self.keep = statekeep.Keep(self.path, scan=False)
        self.world = SerialWorld()
        self.versions: list[str] = []
        self.actor_ids: list[str] = []

    def teardown(self) -> None:
        self.keep.close()
        shutil.rmtree(self.dir, ignore_errors=True)

    # ----- operations -------------------------------------------------------------------------

    @initialize(table=tables, guarded=guards)
    def root(self, table: list[list[int | None]], guarded: list[bool]) -> None:
        body = definition(table, guarded)
        self.world.deploy("v0", body)
        self.keep.deploy("v0", body)
        self.versions.append("v0")

    @rule(parent=st.integers(0, 1) | st.integers(0, 50), table=tables, guarded=guards, path=paths,
          match=st.sampled_from(["prefix", "exact"]), landing=st.sampled_from(["replay", "state"]),
          state_map=st.sampled_from(STATE_MAPS), guard_default=st.booleans(), preview=st.booleans())
    def deploy(self, parent: int, table: list[list[int | None]], guarded: list[bool], path: list[str], match: str,
               landing: str, state_map: dict[str, str], guard_default: bool, preview: bool) -> None:
        version = f"v{len(self.versions)}"
        parent_id = self.versions[parent % len(self.versions)]
        body = definition(table, guarded)
        rule_args: dict[str, Any] = dict(parent=parent_id, match=match, landing=landing, state_map=state_map,
                                         guard_default=guard_default)
        expect = None
        if preview:
            shown = self.keep.preview(version, body, history_path=path, **rule_args)
            expect = shown.digest
            # Who is on the parent, and in which state, as the serial world has it before the commit.
            before = {a: self.world.actor(a) for a in self.actor_ids}
            on_parent = {a for a, m in before.items() if m["version"] == parent_id}
        made = self.world.deploy(version, body, path=path, **rule_args)
        self.keep.deploy(version, body, history_path=path, expect=expect, **rule_args)
        self.versions.append(version)
        if not preview:
            return
        # Guarantee 6, "Preview fidelity": nothing changed between the preview and the commit, so
        # every actor gets the decision the preview showed. At its commit only D is new, so each
        # actor on the parent has at most one record for D; the others are pending.
        mine = {r["actor"]: r for r in made if r["deployment"] == version}
        assert set(mine) <= on_parent
        kinds = {kind: sorted(a for a, r in mine.items() if r["kind"] == kind)
                 for kind in ("migrated", "stayed", "stranded")}
        assert shown.would_migrate == kinds["migrated"]
        assert shown.would_stay == kinds["stayed"]
        assert shown.would_strand == kinds["stranded"]
        assert shown.pending == sorted(on_parent - set(mine))
        assert shown.counts == {"would_migrate": len(kinds["migrated"]), "would_stay": len(kinds["stayed"]),
                                "would_strand": len(kinds["stranded"]), "pending": len(on_parent - set(mine))}
        assert {a: reason_essence(r) for a, r in shown.reasons.items()} == {
            a: reason_essence(mine[a]["reason"]) for a in kinds["stranded"]}
        flows: Counter[tuple[str, str]] = Counter()
        for a in kinds["migrated"]:
            flows[(repr(before[a]["value"]), repr(mine[a]["landing"]))] += 1
        assert Counter({(repr(f["from"]), repr(f["to"])): f["count"] for f in shown.flows}) == flows

    @rule(version=st.integers(0, 50))
    def spawn(self, version: int) -> None:
        version_id = self.versions[version % len(self.versions)]
        actor_id = f"a{len(self.actor_ids)}"
        self.world.spawn(actor_id, version_id)
        spawned = self.keep.spawn(version_id, actor_id=actor_id)
        self.actor_ids.append(actor_id)
        model = self.world.actor(actor_id)
        assert (spawned.version, spawned.value, spawned.seq) == (model["version"], model["value"], 0)

    def _send(self, actor: int, event: str, guard_table: dict[str, bool] | None) -> None:
        actor_id = self.actor_ids[actor % len(self.actor_ids)]
        try:
            handled, made = self.world.send(actor_id, event, guard_table)
        except NeedsRescue as refusal:
            # "A stranded actor ... refuses events until it is moved or released: in Python the
            # send raises NeedsRescue (a kind of Conflict) ... and both give the reason."
            with pytest.raises(statekeep.NeedsRescue) as raised:
                self.keep.send(actor_id, event, guards=guard_table)
            assert raised.value.reason is not None
            assert reason_essence(dict(raised.value.reason)) == reason_essence(refusal.reason)
            return
        result = self.keep.send(actor_id, event, guards=guard_table)
        model = self.world.actor(actor_id)
        assert result.handled == handled
        assert (result.version, result.value, result.seq) == (model["version"], model["value"], len(model["history"]))
        # The result carries what catching up decided, then the event's own decisions.
        assert [comparable(d) for d in result.decisions[len(result.decisions) - len(made):]] == \
            [comparable(d) for d in made]

    @precondition(lambda self: bool(self.actor_ids))
    @rule(actor=st.integers(0, 50), event=st.sampled_from(EVENTS),
          guard_table=st.none() | st.fixed_dictionaries({"g": st.booleans()}))
    def send(self, actor: int, event: str, guard_table: dict[str, bool] | None) -> None:
        self._send(actor, event, guard_table)

    @precondition(lambda self: bool(self.actor_ids))
    @rule(actor=st.integers(0, 2), events=st.lists(st.sampled_from(EVENTS), min_size=1, max_size=3))
    def send_to_an_old_actor(self, actor: int, events: list[str]) -> None:
        """A few actors get long histories, so that deep paths and exact mode are reached."""
        for event in events:
            self._send(actor, event, None)

    @precondition(lambda self: bool(self.actor_ids))
    @rule(actor=st.integers(0, 4), events=st.lists(st.sampled_from(EVENTS), min_size=1, max_size=4),
          guard_table=st.none() | st.fixed_dictionaries({"g": st.booleans()}))
    def send_a_burst(self, actor: int, events: list[str], guard_table: dict[str, bool] | None) -> None:
        for event in events:
            self._send(actor, event, guard_table)

    @precondition(lambda self: any(self.world.actor(a)["needs_rescue"] is not None for a in self.actor_ids))
    @rule(actor=st.integers(0, 50))
    def release_a_stranded_actor(self, actor: int) -> None:
        stranded = [a for a in self.actor_ids if self.world.actor(a)["needs_rescue"] is not None]
        self._release(stranded[actor % len(stranded)])

    @precondition(lambda self: bool(self.actor_ids))
    @rule(actor=st.integers(0, 50))
    def release(self, actor: int) -> None:
        self._release(self.actor_ids[actor % len(self.actor_ids)])

    def _release(self, actor_id: str) -> None:
        try:
            expected = self.world.release(actor_id)
        except ValueError:
            # "Releasing an actor that is not stranded is a conflict error."
            with pytest.raises(statekeep.Conflict):
                self.keep.release(actor_id)
            return
        assert comparable(self.keep.release(actor_id)) == comparable(expected)

    @rule(batch=st.integers(1, 3), times=st.integers(1, 4))
    def scan(self, batch: int, times: int) -> None:
        """The background scan, a few small batches at a time."""
        for _ in range(times):
            self.keep.scan_step(batch=batch)

    @rule()
    def settle(self) -> None:
        """Scan to the end: every decision is written, and the counts say so."""
        while self.keep.scan_step(batch=2):
            pass
        records = self.world.decisions()
        for version in self.versions[1:]:
            deployment = self.keep.deployment(version)
            if deployment.parent is None:
                continue
            assert deployment.done
            assert deployment.counts == dict(Counter(r["kind"] for r in records if r["deployment"] == version))

    @rule()
    def reopen(self) -> None:
        """Close the store and open it again: the key is found again in STATEKEEP_KEY_DIR."""
        self.keep.close()
        self.keep = statekeep.Keep(self.path, scan=False)

    @rule(version=st.integers(0, 50))
    def one_version(self, version: int) -> None:
        """``decisions(deployment=D)`` and ``actors(definition_id=v)`` for one version."""
        version_id = self.versions[version % len(self.versions)]
        want = [r for r in self.world.decisions() if r["deployment"] == version_id]
        assert by_actor(self.keep.decisions(deployment=version_id)) == by_actor(want)
        on_it = [a for a in self.actor_ids if self.world.actor(a)["version"] == version_id]
        assert [a.id for a in self.keep.actors(definition_id=version_id)] == sorted(on_it)

    # ----- what must hold after every step ------------------------------------------------------

    @invariant()
    def every_actor_is_where_the_law_has_it(self) -> None:
        listed = {a.id: a for a in self.keep.actors()}
        assert sorted(listed) == sorted(self.actor_ids)
        for actor_id in self.actor_ids:
            model = self.world.actor(actor_id)
            got = self.keep.get(actor_id)
            assert got == listed[actor_id]
            assert (got.version, got.value, got.status) == (model["version"], model["value"], model["status"]), actor_id
            assert got.seq == got.history_length == len(model["history"]), actor_id
            assert got.fingerprint == statekeep.fingerprint(model["history"]), actor_id
            if model["needs_rescue"] is None:
                assert got.needs_rescue is None, actor_id
            else:
                assert got.needs_rescue is not None, actor_id
                assert reason_essence(got.needs_rescue["reason"]) == reason_essence(model["needs_rescue"]), actor_id
            history = self.keep.history(actor_id)
            assert [h["type"] for h in history] == model["history"], actor_id
            assert [h["guards"] or None for h in history] == self.world.guards(actor_id), actor_id
            assert [comparable(r) for r in self.keep.decisions(actor_id)] == \
                [comparable(r) for r in self.world.decisions(actor_id)], actor_id

    @invariant()
    def every_deployment_has_the_records_of_the_law(self) -> None:
        records = self.world.decisions()
        for version_id in self.versions:
            want = [r for r in records if r["deployment"] == version_id]
            assert by_actor(self.keep.decisions(deployment=version_id)) == by_actor(want), version_id


@pytest.fixture(autouse=True)
def key_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    """Generated keys go to a directory of the test's own, never to the user's config."""
    keys = tmp_path / "keys"
    monkeypatch.setenv("STATEKEEP_KEY_DIR", str(keys))
    monkeypatch.delenv("STATEKEEP_KEY", raising=False)
    monkeypatch.delenv("STATEKEEP_KEY_FILE", raising=False)
    yield keys


def test_the_keep_keeps_the_routing_law() -> None:
    run_state_machine_as_test(
        KeepAgainstTheLaw,
        settings=settings(max_examples=60, stateful_step_count=40, deadline=None,
                          suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large]),
    )
