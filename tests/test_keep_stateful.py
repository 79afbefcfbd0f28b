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
from collections.abc import Mapping, Sequence
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
from postgres import PostgresServer
from reference.routing_model import NeedsRescue, SerialWorld, mismatch
from table_machines import EVENTS, definition

# Generated keys go to a directory of the test's own, never to the user's config.
pytestmark = pytest.mark.usefixtures("key_dir")

STATE_MAPS: list[dict[str, str]] = [
    {},
    {"s1": "s2"},
    {"s2": "s0", "s0": "s2"},
    {"s1": "nowhere"},
    {"s0": "x", "s1": "x", "s2": "x"},
]


# The root handles three events in four, so that histories grow; a deployment's table leaves more
# unhandled, so that replays fail ("non_compliant") often enough to strand actors.
root_tables = st.lists(st.lists(st.sampled_from([None, 0, 1, 2]), min_size=3, max_size=3), min_size=3, max_size=3)
tables = st.lists(st.lists(st.sampled_from([None, None, 0, 1, 2]), min_size=3, max_size=3), min_size=3, max_size=3)
guards = st.lists(st.booleans(), min_size=3, max_size=3)
# Paths over two event types: short enough that histories reach them, so that every moment of
# the law (commit, event, spawn, arrival) decides something.
paths = st.lists(st.sampled_from(EVENTS[:2]), max_size=3)


def reason_essence(reason: dict[str, Any]) -> dict[str, Any]:
    """Messages are prose; the code and everything else must agree."""
    return {"code": "invalid_landing"} if reason["code"] == "invalid_landing" else reason


def comparable(record: Mapping[str, Any]) -> dict[str, Any]:
    """A decision record without who it is about ("actor") and when it was written ("at")."""
    out = {k: v for k, v in record.items() if k not in ("actor", "at")}
    out["reason"] = reason_essence(out["reason"])
    return out


def by_actor(records: Sequence[Mapping[str, Any]]) -> list[tuple[str, dict[str, Any]]]:
    """Records grouped by actor (a stable sort: each actor's records stay in their order)."""
    return sorted(((r["actor"], comparable(r)) for r in records), key=lambda pair: pair[0])


class KeepAgainstTheLaw(RuleBasedStateMachine):
    def __init__(self) -> None:
        super().__init__()
        self.dir = Path(tempfile.mkdtemp(prefix="statekeep-stateful-"))
        self.path = self.new_store()
        self.keep = statekeep.Keep(self.path, scan=False)
        self.world = SerialWorld()
        self.versions: list[str] = []
        self.actor_ids: list[str] = []
        #: Every deployment's (parent, path, match), in commit order.
        self.deployment_rules: list[tuple[str, tuple[str, ...], str]] = []
        #: No deployment since the scan last finished (so every actor is written where it is).
        self.settled = True

    def new_store(self) -> str:
        """Where this example's store is: a directory of its own (LMDB)."""
        return str(self.dir / "data")

    def teardown(self) -> None:
        self.keep.close()
        shutil.rmtree(self.dir, ignore_errors=True)

    # ----- operations -------------------------------------------------------------------------

    @initialize(table=root_tables, guarded=guards)
    def root(self, table: list[list[int | None]], guarded: list[bool]) -> None:
        body = definition(table, guarded)
        self.world.deploy("v0", body)
        self.keep.deploy("v0", body)
        self.versions.append("v0")

    @rule(
        parent=st.integers(0, 50),
        on=st.sampled_from(["any version", "an actor's", "a stranded actor's"]),
        table=tables,
        guarded=guards,
        path=paths,
        match=st.sampled_from(["prefix", "exact"]),
        landing=st.sampled_from(["replay", "state"]),
        state_map=st.sampled_from(STATE_MAPS),
        guard_default=st.booleans(),
        preview=st.booleans(),
    )
    def deploy(
        self,
        parent: int,
        on: str,
        table: list[list[int | None]],
        guarded: list[bool],
        path: list[str],
        match: str,
        landing: str,
        state_map: dict[str, str],
        guard_default: bool,
        preview: bool,
    ) -> None:
        """A deployment on any version, or on the version some actor is on, or a stranded actor
        is on (a rescue deployment), so that commits find actors to decide."""
        self._deploy(
            definition(table, guarded),
            parent=self._parent(parent, on),
            path=path,
            match=match,
            landing=landing,
            state_map=state_map,
            guard_default=guard_default,
            preview=preview,
        )

    def _parent(self, index: int, on: str) -> str:
        """Any version, or the version of an actor, or of a stranded actor (if there is one)."""
        stranded = [a for a in self.actor_ids if self.world.actor(a)["needs_rescue"] is not None]
        chosen = {"an actor's": self.actor_ids, "a stranded actor's": stranded}.get(on, [])
        if chosen:
            version: str = self.world.actor(chosen[index % len(chosen)])["version"]
            return version
        return self.versions[index % len(self.versions)]

    @precondition(lambda self: bool(self.deployment_rules))
    @rule(
        of=st.integers(0, 50),
        table=tables,
        guarded=guards,
        landing=st.sampled_from(["replay", "state"]),
        state_map=st.sampled_from(STATE_MAPS),
        guard_default=st.booleans(),
        preview=st.booleans(),
    )
    def hotfix(
        self,
        of: int,
        table: list[list[int | None]],
        guarded: list[bool],
        landing: str,
        state_map: dict[str, str],
        guard_default: bool,
        preview: bool,
    ) -> None:
        """ "a later deployment of the same path on the same parent acts as a hotfix for the
        actors that have not yet reached the path": both become due at the same moment."""
        parent_id, path, match = self.deployment_rules[of % len(self.deployment_rules)]
        self._deploy(
            definition(table, guarded),
            parent=parent_id,
            path=list(path),
            match=match,
            landing=landing,
            state_map=state_map,
            guard_default=guard_default,
            preview=preview,
        )

    def _deploy(
        self,
        body: dict[str, Any],
        *,
        parent: str,
        path: list[str],
        match: str,
        landing: str,
        state_map: dict[str, str],
        guard_default: bool,
        preview: bool,
    ) -> None:
        """Commit the deployment in both worlds; after a preview, with ``expect=preview.digest``."""
        version = f"v{len(self.versions)}"
        rule_args: dict[str, Any] = dict(
            parent=parent, match=match, landing=landing, state_map=state_map, guard_default=guard_default
        )
        # Who is on the parent, and in which state, as the serial world has it before the commit.
        before = {a: self.world.actor(a) for a in self.actor_ids}
        on_parent = {a for a, m in before.items() if m["version"] == parent}
        shown = self.keep.preview(version, body, history_path=path, **rule_args) if preview else None
        made = self.world.deploy(version, body, path=path, **rule_args)
        deployed = self.keep.deploy(
            version, body, history_path=path, expect=shown.digest if shown else None, **rule_args
        )
        self.versions.append(version)
        self.deployment_rules.append((parent, tuple(path), match))
        assert (deployed.id, deployed.parent, deployed.path) == (version, parent, path)
        assert deployed.seq == len(self.versions) - 1
        if self.settled:
            # Every actor is written where it is: the scan has as many to visit as are on the parent.
            assert deployed.total == len(on_parent)
        self.settled = False
        if shown is None:
            return
        # Guarantee 6, "Preview fidelity": nothing changed between the preview and the commit, so
        # every actor gets the decision the preview showed. At its commit only D is new, so each
        # actor on the parent has at most one record for D; the others are pending.
        mine = {r["actor"]: r for r in made if r["deployment"] == version}
        assert set(mine) <= on_parent
        kinds = {
            kind: sorted(a for a, r in mine.items() if r["kind"] == kind) for kind in ("migrated", "stayed", "stranded")
        }
        assert shown.would_migrate == kinds["migrated"]
        assert shown.would_stay == kinds["stayed"]
        assert shown.would_strand == kinds["stranded"]
        assert shown.pending == sorted(on_parent - set(mine))
        assert shown.counts == {
            "would_migrate": len(kinds["migrated"]),
            "would_stay": len(kinds["stayed"]),
            "would_strand": len(kinds["stranded"]),
            "pending": len(on_parent - set(mine)),
        }
        assert {a: reason_essence(r) for a, r in shown.reasons.items()} == {
            a: reason_essence(mine[a]["reason"]) for a in kinds["stranded"]
        }
        flows: Counter[tuple[str, str]] = Counter()
        for a in kinds["migrated"]:
            flows[(repr(before[a]["value"]), repr(mine[a]["landing"]))] += 1
        assert Counter({(repr(f["from"]), repr(f["to"])): f["count"] for f in shown.flows}) == flows

    @rule(
        parent=st.integers(0, 50),
        on=st.sampled_from(["any version", "an actor's", "a stranded actor's"]),
        table=tables,
        path=paths,
        match=st.sampled_from(["prefix", "exact"]),
        landing=st.sampled_from(["replay", "state"]),
        state_map=st.sampled_from(STATE_MAPS),
    )
    def preview_only(
        self,
        parent: int,
        on: str,
        table: list[list[int | None]],
        path: list[str],
        match: str,
        landing: str,
        state_map: dict[str, str],
    ) -> None:
        """A preview that is not deployed: it writes nothing (the invariants see the same world),
        shows every actor on the parent once, and sorts them by the law's match."""
        parent_id = self._parent(parent, on)
        shown = self.keep.preview(
            f"v{len(self.versions)}",
            definition(table, [False] * 3),
            parent=parent_id,
            history_path=path,
            match=match,
            landing=landing,
            state_map=state_map,
        )
        on_parent = {
            a: self.world.actor(a)["history"] for a in self.actor_ids if self.world.actor(a)["version"] == parent_id
        }
        listed = shown.would_migrate + shown.would_stay + shown.would_strand + shown.pending
        assert sorted(listed) == sorted(on_parent)
        assert shown.pending == sorted(a for a, h in on_parent.items() if len(h) < len(path))
        due = {a: h for a, h in on_parent.items() if len(h) >= len(path)}
        assert shown.would_stay == sorted(
            a for a, h in due.items() if mismatch(h, statekeep.fingerprint_chain(h), tuple(path), match) is not None
        )

    @rule(version=st.integers(0, 50))
    def spawn(self, version: int) -> None:
        version_id = self.versions[version % len(self.versions)]
        actor_id = f"a{len(self.actor_ids)}"
        self.world.spawn(actor_id, version_id)
        spawned = self.keep.spawn(version_id, actor_id=actor_id)
        self.actor_ids.append(actor_id)
        model = self.world.actor(actor_id)
        assert (spawned.version, spawned.value, spawned.seq) == (model["version"], model["value"], 0)

    @rule(version=st.integers(0, 50), n=st.integers(2, 3))
    def spawn_several(self, version: int, n: int) -> None:
        """Several actors in one transaction (``spawn_many``), so that scans have batches to split."""
        version_id = self.versions[version % len(self.versions)]
        ids = [f"a{len(self.actor_ids) + i}" for i in range(n)]
        for actor_id in ids:
            self.world.spawn(actor_id, version_id)
        spawned = self.keep.spawn_many(version_id, [None] * n, actor_ids=ids)
        self.actor_ids += ids
        assert [(a.id, a.version, a.value) for a in spawned] == [
            (a, self.world.actor(a)["version"], self.world.actor(a)["value"]) for a in ids
        ]

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
            assert raised.value.deployment == self._stranded_by(actor_id)
            return
        result = self.keep.send(actor_id, event, guards=guard_table)
        model = self.world.actor(actor_id)
        assert result.handled == handled
        assert (result.version, result.value, result.seq) == (model["version"], model["value"], len(model["history"]))
        # The result carries what catching up decided, then the event's own decisions.
        assert [comparable(d) for d in result.decisions[len(result.decisions) - len(made) :]] == [
            comparable(d) for d in made
        ]

    @precondition(lambda self: bool(self.actor_ids))
    @rule(
        actor=st.integers(0, 50),
        event=st.sampled_from(EVENTS),
        guard_table=st.none() | st.fixed_dictionaries({"g": st.booleans()}),
    )
    def send(self, actor: int, event: str, guard_table: dict[str, bool] | None) -> None:
        self._send(actor, event, guard_table)

    @precondition(lambda self: bool(self.actor_ids))
    @rule(actor=st.integers(0, 2), events=st.lists(st.sampled_from(EVENTS), min_size=1, max_size=3))
    def send_to_an_old_actor(self, actor: int, events: list[str]) -> None:
        """A few actors get long histories, so that deep paths and exact mode are reached."""
        for event in events:
            self._send(actor, event, None)

    @precondition(lambda self: bool(self.actor_ids))
    @rule(
        actor=st.integers(0, 50),
        events=st.lists(st.sampled_from(EVENTS), min_size=1, max_size=4),
        guard_table=st.none() | st.fixed_dictionaries({"g": st.booleans()}),
    )
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
        """The background scan, a few small batches at a time (``scan=False``: only when told)."""
        for _ in range(times):
            self.keep.scan_step(batch=batch)

    @rule()
    def settle(self) -> None:
        """Scan to the end: every decision is written, and the counts say so."""
        while self.keep.scan_step(batch=2):
            pass
        self.settled = True
        records = self.world.decisions()
        for version in self.versions[1:]:
            deployment = self.keep.deployment(version)
            assert deployment.done
            assert deployment.counts == dict(Counter(r["kind"] for r in records if r["deployment"] == version))

    @rule()
    def reopen(self) -> None:
        """Close the store and open it again: the key is found again in STATEKEEP_KEY_DIR."""
        self.keep.close()
        self.keep = statekeep.Keep(self.path, scan=False)

    @rule(version=st.integers(0, 50))
    def actors_on_one_version(self, version: int) -> None:
        """``actors(definition_id=v)``: the actors the law has on ``v``, in id order."""
        version_id = self.versions[version % len(self.versions)]
        on_it = [a for a in self.actor_ids if self.world.actor(a)["version"] == version_id]
        assert [a.id for a in self.keep.actors(definition_id=version_id)] == sorted(on_it)

    def _stranded_by(self, actor_id: str) -> str:
        """The deployment that stranded the actor last: "stranded again, the mark carries the
        newest reason"."""
        deployment: str = [r for r in self.world.decisions(actor_id) if r["kind"] == "stranded"][-1]["deployment"]
        return deployment

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
                assert got.needs_rescue["deployment"] == self._stranded_by(actor_id), actor_id
            history = self.keep.history(actor_id)
            assert [h["type"] for h in history] == model["history"], actor_id
            assert [h["guards"] or None for h in history] == self.world.guards(actor_id), actor_id
            assert [comparable(r) for r in self.keep.decisions(actor_id)] == [
                comparable(r) for r in self.world.decisions(actor_id)
            ], actor_id

    @invariant()
    def every_deployment_has_the_records_of_the_law(self) -> None:
        """``decisions(deployment=D)``, written or implied, for every version (a root version has
        no decisions of its own), grouped by actor."""
        records = self.world.decisions()
        for version_id in self.versions:
            want = [r for r in records if r["deployment"] == version_id]
            assert by_actor(self.keep.decisions(deployment=version_id)) == by_actor(want), version_id


def test_the_keep_keeps_the_routing_law() -> None:
    run_state_machine_as_test(
        KeepAgainstTheLaw,
        settings=settings(
            max_examples=100,
            stateful_step_count=50,
            deadline=None,
            suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
        ),
    )


class KeepOnPostgresAgainstTheLaw(KeepAgainstTheLaw):
    """The same machine on a PostgreSQL store: each example in a database of its own."""

    server: PostgresServer

    def new_store(self) -> str:
        return self.server.database()


def test_the_keep_on_postgresql_keeps_the_routing_law(
    postgres_server: PostgresServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Fewer examples than on LMDB (every one makes a database): what this adds is the
    PostgreSQL store under the same law, not more of the law."""
    monkeypatch.setattr(KeepOnPostgresAgainstTheLaw, "server", postgres_server, raising=False)
    run_state_machine_as_test(
        KeepOnPostgresAgainstTheLaw,
        settings=settings(
            max_examples=20,
            stateful_step_count=40,
            deadline=None,
            suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
        ),
    )


def test_the_keep_keeps_the_routing_law_when_records_keep_one_event(monkeypatch: pytest.MonkeyPatch) -> None:
    """The same, with actor records that keep only the first event of a history: the keep hands
    the core the rest from the store's events whenever the law needs it (long paths, landings
    by replay, the scan, previews, reads)."""
    monkeypatch.setattr(statekeep.keep.base, "INLINE_HISTORY", 1)
    run_state_machine_as_test(
        KeepAgainstTheLaw,
        settings=settings(
            max_examples=60,
            stateful_step_count=50,
            deadline=None,
            suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
        ),
    )
