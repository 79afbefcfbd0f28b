"""The routing law, serial world: a plain reference model written from ``docs/routing-law.md`` alone.

"The law above is stated for a serial world: events and commits happen one at a time, and at
each commit the deployment is decided for every actor on its parent at once. That serial
execution is the reference."

This module is that serial execution and nothing more. Operations (``deploy``, ``spawn``,
``send``, ``release``) happen one at a time; every decision the law implies is made at the
moment the law names, immediately, and recorded. There is no laziness, no scan, no batching,
no concurrency: an implementation that does any of those must produce the same records.

Stepping a statechart is not part of the model: the conformance-tested engine
``statekeep.Machine`` does it. Everything else (who is due when, matching, ordering, landing,
stranding, cascade, release) is here, written to be read next to the law. Comments quoted in
double quotes are sentences of the law; the code under each one is what it means.

Decision records are plain dicts of exactly this shape, so that another implementation can be
compared field by field::

    {"actor": str, "kind": "migrated" | "stayed" | "stranded" | "superseded" | "released",
     "deployment": str, "from": str, "to": str,
     "actor_fingerprint": int, "path_fingerprint": int,
     "reason": dict, "landing": <state value> | None}

Readings of the law where its text leaves a choice:

- Record order. At a commit the actors are visited in spawn order; at one moment the records
  come in the order the deployments are tried, then the cascade's. Only the set of records is
  the law's; compare per (actor, deployment) pair.
- "from" is the actor's version at the moment, before the decision is applied: the stayed,
  winning and superseded records of one moment all say the parent p.
- The guard outcomes kept with an event are the table the send was given (None if none), not
  the outcomes the old version's default produced: "a guard that no recorded outcome names takes
  the new version's guard default".
- A replay stops at the first unhandled event (``stop_at_unhandled=True``): the landing is
  invalid from there, and a StepError that only the rest of the history would raise does not
  turn "non_compliant" into "invalid_landing". A StepError before it (including in the initial
  step) is "invalid_landing".
- A state landing is valid iff the engine's ``resolve_value`` accepts the renamed value; that
  call completes a partial configuration with initial states (XState's resolveState), so a
  value naming only some regions is valid. The new snapshot is the resolved one (the
  definition's context; context is static in this engine).
- A root version ignores ``match``, ``landing`` and ``state_map`` (their values are still
  checked); a deployment with the replay landing ignores ``state_map``.
- A stranded actor refuses every event, even one its version would not handle; an unknown actor
  is a KeyError, an unknown version or a duplicate actor id at spawn a ValueError.
"""

from __future__ import annotations

import copy
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, TypeAlias

import statekeep

StateValue: TypeAlias = Any
"""A state value as the engine gives it: ``"fee"``, ``{"a": {"r1": "x", "r2": {}}}``..."""

Reason: TypeAlias = dict[str, Any]
Record: TypeAlias = dict[str, Any]

MATCH_MODES = ("prefix", "exact")
LANDING_MODES = ("replay", "state")

# The kinds of decision record. "released" is not a decision: "it is an operator's act, not a
# deployment's decision, and does not count for guarantee 2".
MIGRATED, STAYED, STRANDED, SUPERSEDED, RELEASED = "migrated", "stayed", "stranded", "superseded", "released"


class NeedsRescue(Exception):
    """A send to a stranded actor.

    "A stranded actor stays on p, keeps its state and refuses events until it is moved or
    released: in Python the send raises NeedsRescue (a kind of Conflict) ... and both give the
    reason."
    """

    def __init__(self, reason: Reason) -> None:
        super().__init__(f"the actor needs rescue: {reason}")
        self.reason: Reason = copy.deepcopy(reason)


# ---------------------------------------------------------------------------------------------
# The world's contents
# ---------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Version:
    """ "Version: an immutable deployed definition with an id. It may name a parent version ...
    A version with a parent carries a rule: a path P ..., a match mode ... and a landing mode."
    "A deployment *is* the commit of such a version; commits are totally ordered (a commit
    sequence number)." A root version is committed too (it has a sequence number) but carries
    no rule and is never decided for anyone."""

    id: str
    machine: statekeep.Machine
    commit: int
    parent: str | None
    path: tuple[str, ...]
    match: str
    landing: str
    state_map: Mapping[str, str]

    @property
    def is_deployment(self) -> bool:
        return self.parent is not None


@dataclass(frozen=True)
class HistoryEntry:
    """ "History H(a): the event types that actor a has handled, oldest first. Payloads never
    enter H. Each entry also keeps the guard outcomes that were used for it, so that a replay is
    deterministic." The guard outcomes kept are the table the send was given (None: none)."""

    type: str
    guards: dict[str, bool] | None


@dataclass
class Actor:
    id: str
    version: str  # "An actor is always on exactly one version."
    snapshot: statekeep.Snapshot  # a snapshot of ``version``'s machine
    history: list[HistoryEntry] = field(default_factory=list)
    # "Every actor keeps fp at every depth (its chain)": chain[k] == fp(H[0:k]), len == |H| + 1.
    chain: list[int] = field(default_factory=lambda: [statekeep.fingerprint([])])
    needs_rescue: Reason | None = None  # the mark, with the newest reason
    stranded_by: str | None = None  # the deployment whose stranding the mark stands for

    @property
    def types(self) -> list[str]:
        return [entry.type for entry in self.history]


@dataclass(frozen=True)
class Verdict:
    """What trying one deployment for one actor gives, before anything is applied."""

    kind: str  # MIGRATED, STAYED or STRANDED
    reason: Reason
    landing: statekeep.Snapshot | None  # the new snapshot, for MIGRATED only

    @property
    def matched(self) -> bool:
        return self.kind in (MIGRATED, STRANDED)


# ---------------------------------------------------------------------------------------------
# Matching
# ---------------------------------------------------------------------------------------------


def mismatch(history: list[str], chain: list[int], path: tuple[str, ...], match: str) -> Reason | None:
    """None when the rule's path matches the history, else the reason it does not.

    Only called when the deployment is due, so ``len(history) >= len(path)``.
    """
    assert len(history) >= len(path), "a deployment is only decided once the history is long enough"
    # "The fingerprint is only a filter: every match is confirmed by comparing the event types
    # themselves, so a 64-bit collision can never move an actor." An implementation may first
    # compare fp(H[0:|P|]) == fp(P); the model decides by the event types alone. It only checks
    # that the chain is right: equal event types always have equal fingerprints.
    assert history[: len(path)] != list(path) or chain[len(path)] == statekeep.fingerprint(path)
    # "If it does not match, the decision is stayed, with the reason (the first index at which H
    # and P differ, or 'history longer than path' in exact mode)."
    for i, event_type in enumerate(path):
        if history[i] != event_type:
            return {"code": "differs", "index": i}
    # Here H[0:|P|] == P: "prefix mode: H[0:|P|] == P" matches. "exact mode: H == P" also needs
    # the lengths to agree: "exact leaves them" (the actors whose history is longer).
    # "empty means wildcard": with P == [] the loop above finds nothing, so prefix matches every
    # history and exact only the empty one.
    if match == "exact" and len(history) > len(path):
        return {"code": "longer_than_path"}
    return None


# ---------------------------------------------------------------------------------------------
# Landing
# ---------------------------------------------------------------------------------------------


def leaf_paths(value: StateValue) -> list[str]:
    """The leaf paths of a state value, in the value's order.

    A string leaf ``"x"`` under keys k1..kn gives ``"k1.k2.(...).kn.x"``; an empty object
    ``{}`` under k1..kn gives ``"k1.k2.(...).kn"``. (An empty object at the root has no leaf path.)
    """
    paths: list[str] = []

    def walk(prefix: list[str], node: StateValue) -> None:
        if isinstance(node, str):
            paths.append(".".join([*prefix, node]))
        elif isinstance(node, dict):
            if not node:
                if prefix:
                    paths.append(".".join(prefix))
                return
            for key, child in node.items():
                walk([*prefix, key], child)
        else:
            raise TypeError(f"not a state value: {node!r}")

    walk([], value)
    return paths


def rename(path: str, state_map: Mapping[str, str]) -> str:
    """ "after renaming through an optional stateMap (old state path to new state path)".

    The longest prefix of ``path``, counted in dot-separated segments, that is a key of
    ``state_map`` is replaced by what it maps to; a path with no mapped prefix is kept.
    """
    segments = path.split(".")
    for length in range(len(segments), 0, -1):
        prefix = ".".join(segments[:length])
        if prefix in state_map:
            return ".".join([*state_map[prefix].split("."), *segments[length:]])
    return path


def nest(paths: list[str]) -> dict[str, Any]:
    """Rebuild a state value from leaf paths: every path becomes nested dicts ending in ``{}``.

    ``["a.r1.x", "a.r2"]`` gives ``{"a": {"r1": {"x": {}}, "r2": {}}}``. Paths that share a
    prefix share its dicts.
    """
    value: dict[str, Any] = {}
    for path in paths:
        node = value
        for segment in path.split("."):
            node = node.setdefault(segment, {})
    return value


def state_landing_value(value: StateValue, state_map: Mapping[str, str]) -> dict[str, Any]:
    """ "state: the actor keeps its current state value, after renaming through an optional
    stateMap" — the value handed to the new definition, before it is validated."""
    return nest([rename(path, state_map) for path in leaf_paths(value)])


# ---------------------------------------------------------------------------------------------
# The serial world
# ---------------------------------------------------------------------------------------------


class SerialWorld:
    """Versions, actors and decision records, changed by one operation at a time."""

    def __init__(self) -> None:
        self._versions: dict[str, Version] = {}  # in commit order
        self._actors: dict[str, Actor] = {}  # in spawn order
        self._records: list[Record] = []  # every record, in the order it was made
        # Guarantee 2, "Every pair (actor, deployment) has at most one decision record", checked
        # as the model runs: a second decision for a pair is a bug of the model.
        self._decided: set[tuple[str, str]] = set()

    # --- operations ----------------------------------------------------------------------------

    def deploy(
        self,
        id: str,
        definition: dict[str, Any],
        *,
        parent: str | None = None,
        path: list[str] | None = None,
        match: str = "prefix",
        landing: str = "replay",
        state_map: dict[str, str] | None = None,
        guard_default: bool = True,
    ) -> list[Record]:
        """Commit a version; return the decisions made at this commit (moment 1), cascades
        included. A root version (``parent=None``) carries no rule and decides nothing."""
        if id in self._versions:
            raise ValueError(f"a version with the id {id!r} exists already")
        # "It may name a parent version, which must already exist, so versions form a forest."
        if parent is not None and parent not in self._versions:
            raise ValueError(f"unknown parent version {parent!r}")
        if parent is None and path is not None:
            raise ValueError("a path needs a parent: a root version carries no rule")
        # "a match mode (prefix, the default, or exact), and a landing mode (replay, the default,
        # or state)"
        if match not in MATCH_MODES:
            raise ValueError(f"match must be one of {MATCH_MODES}, not {match!r}")
        if landing not in LANDING_MODES:
            raise ValueError(f"landing must be one of {LANDING_MODES}, not {landing!r}")
        # "Event type. A non-empty UTF-8 string"
        rule_path = tuple(path or ())
        for event_type in rule_path:
            if not isinstance(event_type, str):
                raise TypeError(f"an event type is a string, not {event_type!r}")
            if event_type == "":
                raise ValueError("an event type in a path cannot be empty")
        machine = statekeep.Machine(definition, guard_default)  # a bad definition commits nothing
        version = Version(
            id=id,
            machine=machine,
            commit=len(self._versions),
            parent=parent,
            path=rule_path,
            match=match,
            landing=landing,
            state_map=dict(state_map or {}),
        )
        self._versions[id] = version
        if parent is None:
            return []
        # Moment 1: "the commit of D (for the actors on p whose history is already long
        # enough)". "At its commit, only D is new": D alone is due, for each such actor. "at each
        # commit the deployment is decided for every actor on its parent at once": the actors
        # are independent, so visiting them in spawn order is as good as any order.
        made: list[Record] = []
        for actor in list(self._actors.values()):
            if actor.version == parent and len(actor.history) >= len(rule_path):
                made += self._decide(actor, [version])
        return made

    def spawn(self, actor_id: str, version: str) -> list[Record]:
        """Start an actor on ``version`` (its initial step, default guards), then moment 3."""
        if actor_id in self._actors:
            raise ValueError(f"an actor with the id {actor_id!r} exists already")
        if version not in self._versions:
            raise ValueError(f"unknown version {version!r}")
        start = self._versions[version].machine.initial()
        actor = Actor(id=actor_id, version=version, snapshot=start.snapshot)
        self._actors[actor_id] = actor
        # Moment 3: "the spawn of a on p (this concerns the deployments with |P| = 0)".
        return self._decide(actor, [d for d in self._deployments_of(version) if len(d.path) == 0])

    def send(self, actor_id: str, event: str, guards: dict[str, bool] | None = None) -> tuple[bool, list[Record]]:
        """Send an event; return whether it was handled and the decisions it caused."""
        actor = self._actor(actor_id)
        # "A stranded actor ... refuses events until it is moved or released: in Python the send
        # raises NeedsRescue". Nothing changes.
        if actor.needs_rescue is not None:
            raise NeedsRescue(actor.needs_rescue)
        step = self._versions[actor.version].machine.transition(actor.snapshot, event, guards)
        # "An event that selects none is unhandled: it changes nothing and is not recorded in the
        # history."
        if not step.handled:
            return False, []
        actor.snapshot = step.snapshot
        actor.history.append(HistoryEntry(event, None if guards is None else dict(guards)))
        actor.chain.append(statekeep.fingerprint_extend(actor.chain[-1], event))
        # Moment 2: "the handling of the event that makes |H(a)| = |P| (the event is applied on p
        # first; the decision follows at once, in the same transaction)".
        due = [d for d in self._deployments_of(actor.version) if len(d.path) == len(actor.history)]
        return True, self._decide(actor, due)

    def release(self, actor_id: str) -> Record:
        """ "An operator may instead release it: the mark is cleared, the actor continues on p,
        and a released record naming the deployment that stranded it is added to the actor's
        decisions ... Releasing an actor that is not stranded is a conflict error." """
        actor = self._actor(actor_id)
        if actor.needs_rescue is None or actor.stranded_by is None:
            raise ValueError(f"actor {actor_id!r} is not stranded: there is nothing to release")
        stranding = self._versions[actor.stranded_by]
        record = self._record(actor, RELEASED, stranding, {"code": "released"}, landing=None, to=actor.version)
        actor.needs_rescue = None
        actor.stranded_by = None
        self._records.append(record)
        return copy.deepcopy(record)

    # --- reading -------------------------------------------------------------------------------

    def actor(self, actor_id: str) -> dict[str, Any]:
        actor = self._actor(actor_id)
        return {
            "version": actor.version,
            "value": actor.snapshot.value,
            "status": actor.snapshot.status,
            "history": actor.types,
            "needs_rescue": copy.deepcopy(actor.needs_rescue),
        }

    def guards(self, actor_id: str) -> list[dict[str, bool] | None]:
        """The guard table kept with each history entry."""
        return [copy.deepcopy(entry.guards) for entry in self._actor(actor_id).history]

    def decisions(self, actor_id: str | None = None) -> list[Record]:
        """Every record (decisions and releases) in the order they were made, or one actor's."""
        if actor_id is not None:
            self._actor(actor_id)
        return [copy.deepcopy(r) for r in self._records if actor_id is None or r["actor"] == actor_id]

    # --- the law -------------------------------------------------------------------------------

    def _decide(self, actor: Actor, due: list[Version]) -> list[Record]:
        """Decide every deployment in ``due`` for ``actor`` at one moment, apply the outcome and
        cascade. Returns the records, this moment's first, then the cascade's."""
        if not due:
            return []
        # "They are tried most specific first: the longer path first; for equal lengths, the
        # most recently committed first."
        ordered = sorted(due, key=lambda d: (-len(d.path), -d.commit))
        made: list[Record] = []
        winner: Version | None = None
        winning: Verdict | None = None
        for deployment in ordered:
            if winner is not None:
                # "each one after it is recorded as superseded by it."
                made.append(self._record(actor, SUPERSEDED, deployment, {"code": "superseded", "by": winner.id}))
                continue
            verdict = self._try(actor, deployment)
            if not verdict.matched:
                # "Those tried before the first that matches are recorded as stayed, with their
                # reasons" ("If none matches, all are recorded as stayed.")
                made.append(self._record(actor, STAYED, deployment, verdict.reason))
                continue
            # "the first that matches decides the actor (migrated or stranded)"
            winner, winning = deployment, verdict
            landing_value = verdict.landing.value if verdict.landing is not None else None
            made.append(self._record(actor, verdict.kind, deployment, verdict.reason, landing=landing_value))

        for record in made:
            pair = (record["actor"], record["deployment"])
            # "At the moment D is due it is decided for a, once, for ever".
            assert pair not in self._decided, f"{pair} decided twice"
            self._decided.add(pair)
        self._records += made

        if winner is None or winning is None:
            return made
        if winning.kind == STRANDED:
            # "If not, the decision is stranded: the actor stays on p and is marked needs_rescue,
            # with the reason." "stranded again, the mark carries the newest reason."
            actor.needs_rescue = copy.deepcopy(winning.reason)
            actor.stranded_by = winner.id
            return made
        # "If the landing is valid the decision is migrated: the actor's version becomes D's
        # version and its state becomes the landing." "a migration clears the mark".
        # "its version changes only along a parent-to-child edge" (guarantee 5).
        assert winner.parent == actor.version and winning.landing is not None
        actor.version = winner.id
        actor.snapshot = winning.landing
        actor.needs_rescue = None
        actor.stranded_by = None
        # "The history and its chain never change on migration": actor.history and actor.chain
        # are left as they are.
        #
        # Cascade: "An actor that arrives on version c by migration is at once at moment 4 on c."
        # Moment 4: "the arrival of a on p by migration (for p's deployments with |P| <= |H(a)|).
        # Each arrival is a moment of its own." Only what is committed exists in the serial world.
        arrived = [d for d in self._deployments_of(actor.version) if len(d.path) <= len(actor.history)]
        return made + self._decide(actor, arrived)

    def _try(self, actor: Actor, deployment: Version) -> Verdict:
        """Decide one due deployment for the actor as it is now, without changing anything."""
        reason = mismatch(actor.types, actor.chain, deployment.path, deployment.match)
        if reason is not None:
            return Verdict(STAYED, reason, None)
        # "If it matches, the actor's landing in the new version is computed (below)."
        if deployment.landing == "replay":
            return self._replay_landing(actor, deployment)
        return self._state_landing(actor, deployment)

    def _replay_landing(self, actor: Actor, deployment: Version) -> Verdict:
        """ "replay (default): the actor's history is replayed through the new definition from
        its initial state, with the actor's current context and the guard outcomes recorded with
        each event (a guard that no recorded outcome names takes the new version's guard
        default). No action is executed ...: replay has no side effects." """
        try:
            # The machine was compiled with D's guard default. The replay stops at the first
            # unhandled event: from there on the landing is already invalid, and the reason is
            # that event, whatever the rest of the history would do.
            replay = deployment.machine.replay(
                actor.types,
                guards=[entry.guards for entry in actor.history],
                stop_at_unhandled=True,
            )
        except statekeep.StepError as error:
            return Verdict(STRANDED, {"code": "invalid_landing", "message": str(error)}, None)
        # "The history is compliant when every event of H is handled during the replay"
        if replay.compliant:
            return Verdict(MIGRATED, {"code": "matched"}, replay.snapshot)
        # "a non-compliant history makes the landing invalid, and the reason names the first
        # event that the new definition does not handle, and in which state."
        index = replay.first_unhandled
        assert index is not None and replay.unhandled_in is not None
        return Verdict(
            STRANDED,
            {
                "code": "non_compliant",
                "index": index,
                "event": actor.history[index].type,
                "state": replay.unhandled_in.value,
            },
            None,
        )

    def _state_landing(self, actor: Actor, deployment: Version) -> Verdict:
        """ "state: the actor keeps its current state value, after renaming through an optional
        stateMap (old state path to new state path). The landing is invalid when the result is
        not a valid configuration of the new definition." """
        value = state_landing_value(actor.snapshot.value, deployment.state_map)
        try:
            snapshot = deployment.machine.resolve_value(value)
        except statekeep.SnapshotError as error:
            return Verdict(STRANDED, {"code": "invalid_landing", "message": str(error)}, None)
        return Verdict(MIGRATED, {"code": "matched"}, snapshot)

    # --- helpers -------------------------------------------------------------------------------

    def _deployments_of(self, version: str) -> list[Version]:
        """The committed deployments whose parent is ``version`` (all of them are committed)."""
        return [v for v in self._versions.values() if v.parent == version]

    def _actor(self, actor_id: str) -> Actor:
        if actor_id not in self._actors:
            raise KeyError(f"unknown actor {actor_id!r}")
        return self._actors[actor_id]

    def _record(
        self,
        actor: Actor,
        kind: str,
        deployment: Version,
        reason: Reason,
        landing: StateValue = None,
        to: str | None = None,
    ) -> Record:
        """A record of the actor as it is at the decision (before the decision is applied)."""
        return {
            "actor": actor.id,
            "kind": kind,
            "deployment": deployment.id,
            "from": actor.version,
            "to": deployment.id if to is None else to,
            "actor_fingerprint": statekeep.fingerprint(actor.types),
            "path_fingerprint": statekeep.fingerprint(deployment.path),
            "reason": copy.deepcopy(reason),
            "landing": copy.deepcopy(landing),
        }
