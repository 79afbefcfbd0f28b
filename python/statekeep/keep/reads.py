"""Reading actors as of now: every committed deployment is decided for what a read returns,
in memory, without writing anything."""

from __future__ import annotations

import heapq
from collections.abc import Iterable, Iterator, Mapping, Sequence
from typing import Any, cast

from statekeep._core import ActorState
from statekeep.errors import InvalidRequest
from statekeep.keep.base import KeepBase, check_name, context_record, event_record, state_nodes, status_of
from statekeep.results import Actor, Decision, HistoryEntry
from statekeep.store import Reader


class Reads(KeepBase):
    def get(self, actor_id: str) -> Actor:
        """The actor as of now: every committed deployment is decided for it."""
        with self._reading() as txn:
            stored = self._load(txn, actor_id)
            actor, decided = self._deciding(txn, [actor_id], [stored], lambda a: self._registry.catch_up(a[0]))
            return self._view(txn, actor_id, actor, stored.version, decided)

    def history(
        self,
        actor_id: str,
        after: int | None = None,
        limit: int | None = None,
        *,
        before: int | None = None,
        newest_first: bool = False,
    ) -> list[HistoryEntry]:
        """The handled events: index, type, payload, guard outcomes, time. Oldest first from
        after ``after``; or with ``newest_first``, newest first from before ``before`` (so that
        a long history's latest page is one read, not a walk from its start). At most ``limit``."""
        if newest_first and after is not None:
            raise InvalidRequest("'after' starts an oldest-first history; newest first, give 'before'")
        if not newest_first and before is not None:
            raise InvalidRequest("'before' starts a newest-first history; oldest first, give 'after'")
        with self._reading() as txn:
            actor, _ = self._read(txn, actor_id)
            if newest_first:
                stop = actor.history_length if before is None else min(before, actor.history_length)
                start = 0 if limit is None else max(0, stop - limit)
                indexes: Iterable[int] = range(stop - 1, start - 1, -1)
            else:
                start = 0 if after is None else after + 1
                stop = actor.history_length if limit is None else min(actor.history_length, start + limit)
                indexes = range(start, stop)
            out = []
            for index in indexes:
                event = txn.event(actor_id, index)
                payload = (
                    self._open_sealed("events", event_record(actor_id, index), event.sealed_payload)
                    if event.sealed_payload
                    else {}
                )
                out.append(
                    HistoryEntry(
                        index=index, type=event.type, payload=payload, guards=event.guards or {}, at=event.at_ns / 1e9
                    )
                )
            return out

    def decisions(self, actor_id: str | None = None, deployment: str | None = None) -> list[Decision]:
        """Decision records, written or implied by a commit the scan has not reached yet."""
        with self._reading() as txn:
            if actor_id is not None:
                stored = self._load(txn, actor_id)
                _, decided = self._deciding(txn, [actor_id], [stored], lambda a: self._registry.catch_up(a[0]))
                pending = self._decided_timers(txn, actor_id, stored.version, decided)
                records = [dict(r, actor=actor_id) for r in txn.decisions(actor_id) + pending]
                return [_decision(r) for r in records if deployment is None or r["deployment"] == deployment]
            if deployment is None:
                raise InvalidRequest("give an actor_id, a deployment, or both")
            seq = self._version_seq(deployment)
            parent = self._registry.version(deployment)["parent"]
            found: dict[str, list[dict[str, Any]]] = {}
            for actor, record in txn.deployment_decisions(seq):
                found.setdefault(actor, []).append(dict(record, actor=actor))
            if parent is not None:
                for candidate_id, candidate in candidates(self, txn, parent):
                    if candidate_id in found:
                        continue
                    _, implied = self._deciding(
                        txn, [candidate_id], [candidate], lambda a: self._registry.catch_up(a[0])
                    )
                    if not any(d["deployment"] == deployment for d in implied):
                        continue
                    implied = self._decided_timers(txn, candidate_id, candidate.version, implied)
                    mine = [dict(d, actor=candidate_id) for d in implied if d["deployment"] == deployment]
                    if mine:
                        found[candidate_id] = mine
            return [_decision(d) for actor in sorted(found) for d in found[actor]]

    def actors(
        self,
        definition_id: str | None = None,
        state: Any = None,
        status: str | None = None,
        after: str | None = None,
        limit: int | None = None,
        *,
        needs_rescue: bool | None = None,
        in_state: str | None = None,
    ) -> list[Actor]:
        """Actors in id order (a page: ``after`` an id, at most ``limit``), optionally on one
        version, in one state value, in one state at any depth (``in_state``, its path as the
        state counts name it: ``open.light.off``, also inside a parallel state), with one
        status, or stranded (``needs_rescue=True``) or not, as of now."""
        with self._reading() as txn:
            if after is not None:
                check_name(after, "'after' (an actor id)")
            if in_state is not None and (not isinstance(in_state, str) or "" in in_state.split(".")):
                raise InvalidRequest("'in_state' is a state's path: its keys from the root, joined by dots (a.b)")
            out: list[Actor] = []
            if definition_id is not None:
                self._version_seq(definition_id)
                found: Iterable[tuple[str, ActorState]] = candidates(self, txn, definition_id, after)
            else:
                found = ((actor_id, self._load_actor(actor_id, raw)) for actor_id, raw in txn.all_actors(after))
            for actor_id, stored in found:
                actor, decided = self._deciding(txn, [actor_id], [stored], lambda a: self._registry.catch_up(a[0]))
                if definition_id is not None and actor.version != definition_id:
                    continue
                if state is not None and actor.value != state:
                    continue
                if status is not None and status_of(actor) != status:
                    continue
                if needs_rescue is not None and (actor.needs_rescue is not None) != needs_rescue:
                    continue
                if in_state is not None and in_state not in state_nodes(actor.value):
                    continue
                out.append(self._view(txn, actor_id, actor, stored.version, decided))
                if limit is not None and len(out) >= limit:
                    break
            return out

    def _read(self, txn: Reader, actor_id: str) -> tuple[ActorState, list[dict[str, Any]]]:
        """The actor caught up in memory (nothing written): what a read must see."""
        loaded = [self._load(txn, actor_id)]
        actor, decisions = self._deciding(txn, [actor_id], loaded, lambda a: self._registry.catch_up(a[0]))
        return actor, [dict(d, actor=actor_id) for d in decisions]

    def _view(
        self, txn: Reader, actor_id: str, actor: ActorState, stored_version: str, decided: Sequence[Mapping[str, Any]]
    ) -> Actor:
        context = self._open_sealed("contexts", context_record(actor_id), txn.context(actor_id))
        return view(actor_id, actor, context, self._timers_seen(txn, actor_id, stored_version, decided))


def view(actor_id: str, actor: ActorState, context: Any, timers: list[dict[str, Any]]) -> Actor:
    return Actor(
        id=actor_id,
        version=actor.version,
        value=actor.value,
        status=status_of(actor),
        context=context,
        seq=actor.history_length,
        history_length=actor.history_length,
        fingerprint=actor.fingerprint,
        needs_rescue=actor.needs_rescue,
        timers=timers,
    )


def candidates(keep: KeepBase, txn: Reader, version: str, after: str | None = None) -> Iterator[tuple[str, ActorState]]:
    """Every actor that may be on ``version`` once caught up, in id order (after ``after``):
    those materialised on it, and those on an ancestor that a deployment still being scanned
    may move down. (Only a deployment from a version moves actors off it, and its scan visits
    every actor there; so once those scans are done, an actor materialised on an ancestor is
    decided for all of them, and moves again only by a write.)"""
    registry = keep._registry
    versions = registry.versions()
    scanning = {registry.version(versions[seq])["parent"] for seq, state in txn.scans().items() if not state.done}
    seqs = [keep._seq_of[version]]
    ancestor = registry.version(version)["parent"]
    while ancestor is not None:
        if ancestor in scanning:
            seqs.append(keep._seq_of[ancestor])
        ancestor = registry.version(ancestor)["parent"]
    for actor_id in heapq.merge(*(txn.actors_on(seq, after) for seq in seqs)):
        yield actor_id, keep._load_actor(actor_id, txn.actors([actor_id])[0])


def _decision(record: dict[str, Any]) -> Decision:
    return cast(Decision, record)
