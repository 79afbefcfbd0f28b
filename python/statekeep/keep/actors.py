"""Writing actors: spawn, send, release. Each call is one transaction (or one nested in a
group commit): the actor as the core left it, its decision records, its sealed context and
event payloads, and the idempotency record all commit together."""

from __future__ import annotations

import json
import uuid
from collections.abc import Iterable, Mapping, Sequence
from typing import Any, cast

from statekeep._core import ItemSent
from statekeep.clock import to_millis
from statekeep.errors import Conflict, InvalidRequest, NeedsRescue
from statekeep.keep.base import KeepBase, check_id, check_name, context_record, event_record, request_digest
from statekeep.keep.reads import view
from statekeep.keep.timers import ActorTimers, records_with_landing_outcomes, with_landing_outcomes
from statekeep.results import Actor, Decision, StepResult
from statekeep.store import EventRecord, WriteSet

Event = str | Mapping[str, Any]


class Actors(KeepBase):
    def spawn(
        self,
        definition_id: str,
        context: Any = None,
        *,
        actor_id: str | None = None,
        idempotency_key: str | None = None,
    ) -> Actor:
        """Start a new actor on a version."""
        return self.spawn_many(definition_id, [context], actor_ids=[actor_id], idempotency_key=idempotency_key)[0]

    def spawn_many(
        self,
        definition_id: str,
        contexts: Iterable[Any],
        *,
        actor_ids: Sequence[str | None] | None = None,
        idempotency_key: str | None = None,
    ) -> list[Actor]:
        """Start many actors on a version in one transaction."""
        contexts = list(contexts)
        ids = list(actor_ids) if actor_ids is not None else [None] * len(contexts)
        if len(ids) != len(contexts):
            raise InvalidRequest("give one actor id (or None) for each context")
        request = request_digest(
            idempotency_key, {"op": "spawn", "version": definition_id, "contexts": contexts, "ids": ids}
        )
        with self._writing() as txn:
            replay = self._replay(txn, idempotency_key, request)
            if replay is not None:
                return [Actor(**a) for a in replay]
            self._version_seq(definition_id)
            default_context = self._registry.version(definition_id)["machine"].context
            now = self._clock.now()
            writes = WriteSet()
            out = []
            chosen = [uuid.uuid4().hex if given is None else given for given in ids]
            for actor_id in chosen:
                check_id(actor_id, "an actor id")
            txn.prefetch(chosen)  # one read for them all (a database holds the new ids at once)
            for context, actor_id in zip(contexts, chosen, strict=True):
                if txn.actor(actor_id) is not None:
                    raise Conflict(f"an actor '{actor_id}' already exists", code="actor_exists")
                spawned = self._registry.spawn(definition_id, now)
                ctx = default_context if context is None else context
                writes.context(actor_id, self._seal("contexts", context_record(actor_id), ctx, "the context"))
                timers = ActorTimers(self, txn, actor_id, new=True)
                timers.step(definition_id, spawned.step.effects, to_millis(now))
                # Moved at its spawn by a deployment due at length 0: lands now, not at its commit.
                landed = self._landings(timers, definition_id, spawned.decisions, to_millis(now))
                timers.write(writes)
                records = records_with_landing_outcomes(spawned.records, landed, self._seq_of)
                self._put_actor(writes, actor_id, spawned.actor, None, records)
                step = spawned.step
                self._actor_change(
                    writes,
                    "spawned",
                    actor_id,
                    spawned.actor,
                    now,
                    actions=step.actions,
                    effects=step.effects,
                    decisions=with_landing_outcomes(spawned.decisions, landed),
                )
                out.append(view(actor_id, spawned.actor, ctx, timers.listed()))
            txn.apply(writes)
            self._remember(txn, idempotency_key, request, [a.__dict__ for a in out])
        return out

    def send(
        self,
        actor_id: str,
        event: Event,
        *,
        guards: Mapping[str, bool] | None = None,
        idempotency_key: str | None = None,
        expected_seq: int | None = None,
    ) -> StepResult:
        """Send an event; returns once it is durable."""
        check_payload(event, SEND_CONTROLS, "a send")
        return self._send_all([(actor_id, event, guards, expected_seq)], idempotency_key, None)[0]

    def send_many(self, items: Iterable[tuple[str, Event]]) -> list[StepResult]:
        """Send many events in one synced transaction (all apply, or none on an error)."""
        items = list(items)
        for _, event in items:
            check_payload(event, BATCH_CONTROLS, "a batch's item")
        return self._send_all([(actor_id, event, None, None) for actor_id, event in items], None, None)

    def _send_all(
        self,
        items: list[tuple[str, Event, Mapping[str, bool] | None, int | None]],
        idempotency_key: str | None,
        fired: Sequence[Mapping[str, Any]] | None,
    ) -> list[StepResult]:
        """The sends, in one transaction; ``fired`` names the timer that sent each event (an
        outbox entry of kind ``timer`` then)."""
        request = request_digest(
            idempotency_key, {"op": "send", "items": [[a, e, dict(g or {}), x] for a, e, g, x in items]}
        )
        with self._writing() as txn:
            replay = self._replay(txn, idempotency_key, request)
            if replay is not None:
                return [StepResult(**r) for r in replay]
            events = [split_event(event) for _, event, _, _ in items]
            # Each actor is loaded once, and the whole batch crosses into the core in one call.
            position: dict[str, int] = {}
            for actor_id, _, _, _ in items:
                check_name(actor_id, "an actor id")
                position.setdefault(actor_id, len(position))
            txn.prefetch(list(position))  # one read that locks them all, in id order
            loaded = [self._load(txn, actor_id) for actor_id in position]
            now = self._clock.now()
            steps = [
                (position[a], t, dict(g) if g else None) for (a, _, g, _), (t, _) in zip(items, events, strict=True)
            ]
            outcomes, finals = self._deciding(
                txn, list(position), loaded, lambda actors: self._registry.send_many(actors, steps, now)
            )
            writes = WriteSet()
            results = []
            timers: dict[str, ActorTimers] = {}  # of the actors whose timers a step or landing changes
            version_of = {a: actor.version for a, actor in zip(position, loaded, strict=True)}
            now_ms = to_millis(now)
            for n, ((actor_id, _, guards, expected_seq), (event_type, payload), sent) in enumerate(
                zip(items, events, outcomes, strict=True)
            ):
                if loaded[position[actor_id]].terminated:
                    raise Conflict(
                        f"actor '{actor_id}' was terminated: it takes no more events", code="actor_terminated"
                    )
                if expected_seq is not None and expected_seq != sent.seq_before:
                    raise Conflict(
                        f"actor '{actor_id}' is at seq {sent.seq_before}, not {expected_seq}: "
                        "it changed since you read it; read it again and retry",
                        code="seq_conflict",
                    )
                if sent.refused is not None:
                    # Nothing is written: what catching up decided is derived again, identically,
                    # at the next touch; and a batch applies whole or not at all.
                    refused = sent.refused
                    raise NeedsRescue(
                        f"actor '{actor_id}' needs rescue: deployment '{refused['deployment']}' "
                        f"could not land it ({_describe(refused['reason'])}); deploy a rescue version "
                        "or release it",
                        refused["deployment"],
                        refused["reason"],
                    )
                step = sent.step
                assert step is not None
                effects = step.effects
                was, version_of[actor_id] = version_of[actor_id], sent.version
                decisions, records = sent.decisions, sent.records
                # Its timers change by the step's effects (schedule, cancel) and by a migration.
                if effects or was != version_of[actor_id] or sent.on != was:
                    actor_timers = timers.get(actor_id)
                    if actor_timers is None:
                        actor_timers = timers[actor_id] = ActorTimers(self, txn, actor_id, new=False)
                    landed = self._timers_of_step(actor_timers, was, sent, effects, now_ms)
                    if landed:
                        decisions = with_landing_outcomes(decisions, landed)
                        records = records_with_landing_outcomes(records, landed, self._seq_of)
                if step.handled:
                    index = sent.seq_before
                    sealed = (
                        self._seal("events", event_record(actor_id, index), payload, "the event's payload")
                        if payload
                        else b""
                    )
                    writes.event(
                        actor_id,
                        index,
                        EventRecord(event_type, int(now * 1e9), sealed, dict(guards) if guards else None),
                    )
                for ordinal, deployment, kind, record in records:
                    writes.decision(actor_id, ordinal, deployment, kind, record)
                result = StepResult(
                    actor_id=actor_id,
                    value=sent.value,
                    status=sent.status,
                    version=sent.version,
                    seq=sent.seq,
                    actions=step.actions,
                    effects=effects,
                    handled=step.handled,
                    decisions=[cast(Decision, dict(d, actor=actor_id)) for d in decisions],
                )
                if step.handled or sent.decisions:
                    timer = None if fired is None else fired[n]
                    self._change(
                        writes,
                        "event" if timer is None else "timer",
                        actor_id,
                        now,
                        version=sent.version,
                        value=sent.value,
                        status=sent.status,
                        seq=sent.seq,
                        event={"type": event_type, **payload},
                        actions=step.actions,
                        effects=effects,
                        decisions=decisions,
                        timer=timer,
                    )
                results.append(result)
            for (actor_id, _), before, after in zip(position.items(), loaded, finals, strict=True):
                self._put_actor(writes, actor_id, after, before, ())
            for actor_timers in timers.values():
                actor_timers.write(writes)
            txn.apply(writes)
            self._remember(txn, idempotency_key, request, [r.__dict__ for r in results])
        return results

    def _timers_of_step(
        self, timers: ActorTimers, before: str, sent: ItemSent, effects: list[dict[str, Any]], now: int
    ) -> dict[str, dict[str, list[dict[str, Any]]]]:
        """What a send did to the actor's timers: the migrations it was caught up through (each
        as of its commit), the step's own ``effects``, then the migrations the event made due.
        Returns what each landing did to them, by deployment."""
        on = sent.on
        if on == before and sent.version == on:  # no migration: only the step's effects
            timers.step(on, effects, now)
            return {}
        migrations = [d for d in sent.decisions if d["kind"] == "migrated"]
        caught_up, version = 0, before
        while version != on:  # the catch-up's migrations lead from ``before`` to ``on``
            version = migrations[caught_up]["to"]
            caught_up += 1
        landed = self._landings(timers, before, migrations[:caught_up], None)
        timers.step(on, effects, now)
        return landed | self._landings(timers, on, migrations[caught_up:], now)

    def release(self, actor_id: str) -> Decision:
        """Clear a stranded actor's mark; it continues on its version. Returns the record."""
        with self._writing() as txn:
            actor, _ = self._touch(txn, actor_id)
            if actor.needs_rescue is None:
                raise Conflict(f"actor '{actor_id}' is not stranded: there is nothing to release", code="not_stranded")
            now = self._clock.now()
            released = self._deciding(txn, [actor_id], [actor], lambda a: self._registry.release(a[0], now))
            writes = WriteSet()
            self._put_actor(writes, actor_id, released.actor, actor, released.records)
            self._actor_change(writes, "released", actor_id, released.actor, now, decisions=[released.record])
            timers = ActorTimers(self, txn, actor_id, new=False)
            timers.rearm(to_millis(now))
            timers.write(writes)
            txn.apply(writes)
        # As every other decision is read: who it is about, and when it was written (the core
        # stamps the stored record with the same `now`).
        return cast(Decision, {**released.record, "actor": actor_id, "at": now})

    def terminate(self, actor_id: str) -> Actor:
        """Terminate an actor: from now on it refuses every event (``Conflict``, code
        ``actor_terminated``), while its history, decisions and context stay readable and
        deployments decide it as any other. Terminating it again changes nothing. Returns the
        actor, with status ``terminated``."""
        with self._writing() as txn:
            actor, _ = self._touch(txn, actor_id)
            timers = ActorTimers(self, txn, actor_id, new=False)
            if not actor.terminated:
                before, actor = actor, self._registry.terminate(actor)
                writes = WriteSet()
                self._put_actor(writes, actor_id, actor, before, ())
                self._actor_change(writes, "terminated", actor_id, actor, self._clock.now())
                timers.stop()  # its delayed transitions will never be taken
                timers.write(writes)
                txn.apply(writes)
            context = self._open_sealed("contexts", context_record(actor_id), txn.context(actor_id))
            return view(actor_id, actor, context, timers.listed())


#: The fields of a single send's HTTP body beside the event's (``POST /v1/actors/{id}/events``
#: takes ``{"type", **payload, "guards", "idempotencyKey", "expectedSeq"}``), and of a batch's
#: item (``{"actorId", "type", **payload}``). A payload field with one of these names would be
#: read as the request's own over HTTP, so neither transport takes one: the same event is
#: refused by the embedded keep and by the clients, rather than delivered by one and silently
#: changed by the other.
SEND_CONTROLS = ("guards", "idempotencyKey", "expectedSeq")
BATCH_CONTROLS = ("actorId",)


def check_payload(event: Event, reserved: Sequence[str], where: str) -> None:
    """Refuse an event whose payload has a field named like one of the request's own."""
    if isinstance(event, Mapping):
        for name in reserved:
            if name in event:
                raise InvalidRequest(
                    f"the event of {where} has a payload field {name!r}, which the HTTP API reads as the "
                    f"request's own {name!r}, not the event's: rename the payload field"
                )


def split_event(event: Event) -> tuple[str, dict[str, Any]]:
    """An event's type and payload fields; the one check of an event's form (the client's too)."""
    if isinstance(event, str):
        return event, {}
    if isinstance(event, Mapping) and isinstance(event.get("type"), str) and event["type"]:
        return event["type"], {k: v for k, v in event.items() if k != "type"}
    raise InvalidRequest("an event is a type string or a dict with a non-empty string `type`")


def _describe(reason: Mapping[str, Any]) -> str:
    code = reason.get("code")
    if code == "non_compliant":
        return f"its event {reason['index']} ({reason['event']}) is not handled in state {json.dumps(reason['state'])}"
    if code == "invalid_landing":
        return str(reason.get("message"))
    return str(code)
