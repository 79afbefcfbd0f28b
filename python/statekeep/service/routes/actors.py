"""Actors: spawn, send, release (through the group committer); get one, list them, read an
actor's history and the decisions about it."""

from __future__ import annotations

from typing import Any

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import Response

from statekeep import wire
from statekeep.errors import InvalidRequest
from statekeep.service.requests import int_param, optional, parse_json, read_json, required
from statekeep.service.responses import json_response
from statekeep.service.routes import Service

#: The fields of a send's body that are not the event's.
_SEND_CONTROL = {"guards", "idempotencyKey", "expectedSeq"}


async def spawn(service: Service, request: Request) -> Response:
    body = await read_json(request)
    definition_id = required(body, "definitionId", str)
    actor = await service.commits.call(
        "spawn",
        definition_id,
        body.get("context"),
        actor_id=optional(body, "actorId", str),
        idempotency_key=optional(body, "idempotencyKey", str),
    )
    return json_response(wire.to_json(actor), 201)


async def spawn_many(service: Service, request: Request) -> Response:
    body = await read_json(request)
    contexts = required(body, "contexts", list)
    ids = optional(body, "actorIds", list)
    if ids is not None and len(ids) != len(contexts):
        raise InvalidRequest("'actorIds' needs one id (or null) for each context")
    actors = await service.commits.call(
        "spawn_many",
        required(body, "definitionId", str),
        contexts,
        actor_ids=ids,
        idempotency_key=optional(body, "idempotencyKey", str),
    )
    return json_response(wire.to_json(actors), 201)


async def send(service: Service, request: Request) -> Any:
    body = await read_json(request)
    event_type = required(body, "type", str)
    if not event_type:
        raise InvalidRequest("'type' is the event's type: a non-empty string")
    guards = optional(body, "guards", dict)
    if guards is not None and not all(isinstance(v, bool) for v in guards.values()):
        raise InvalidRequest("'guards' maps guard names to true or false")
    event = {"type": event_type} | {k: v for k, v in body.items() if k not in _SEND_CONTROL and k != "type"}
    result = await service.commits.call(
        "send",
        request.path_params["id"],
        event,
        guards=guards,
        idempotency_key=optional(body, "idempotencyKey", str),
        expected_seq=optional(body, "expectedSeq", int),
    )
    return wire.to_json(result)


async def send_many(service: Service, request: Request) -> Any:
    body = await read_json(request)
    items = []
    for n, event in enumerate(required(body, "events", list)):
        if not isinstance(event, dict) or not isinstance(event.get("actorId"), str):
            raise InvalidRequest(f"events[{n}] needs 'actorId' and 'type'")
        items.append((event["actorId"], {k: v for k, v in event.items() if k != "actorId"}))
    return wire.to_json(await service.commits.call("send_many", items))


async def release(service: Service, request: Request) -> Any:
    return wire.record(await service.commits.call("release", request.path_params["id"]))


async def list_actors(service: Service, request: Request) -> Any:
    q = request.query_params
    limit = int_param(q.get("limit"), "limit", 100)
    state: Any = q.get("state")
    if state is not None and state[:1] in '{["':
        try:
            state = parse_json(state, "'state'")
        except InvalidRequest as e:
            raise InvalidRequest(f"'state' is a state value: a name, or JSON for a compound value ({e})") from None
    found = await run_in_threadpool(
        lambda: service.keep.actors(
            definition_id=q.get("definitionId"),
            state=state,
            status=q.get("status"),
            after=q.get("after"),
            limit=limit + 1,
        )
    )
    page = found[:limit]
    return {"actors": wire.to_json(page), "next": page[-1].id if len(found) > limit and page else None}


async def get_actor(service: Service, request: Request) -> Any:
    return wire.to_json(await run_in_threadpool(service.keep.get, request.path_params["id"]))


async def history(service: Service, request: Request) -> Any:
    q = request.query_params
    after = int_param(q.get("after"), "after", None)
    limit = int_param(q.get("limit"), "limit", None)
    return await run_in_threadpool(service.keep.history, request.path_params["id"], after, limit)


async def decisions(service: Service, request: Request) -> Any:
    records = await run_in_threadpool(
        service.keep.decisions, request.path_params["id"], request.query_params.get("deployment")
    )
    return [wire.record(d) for d in records]
