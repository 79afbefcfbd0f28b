"""Actors: spawn, send, release, terminate (writes, through the group committer); get one,
list them, read an actor's history and the decisions about it. Also StateKeep's names for
some of these (``docs/statekeep-compatibility.md``): ``initialContext`` and ``id`` on spawn,
``POST /v1/actors/bulk``, ``GET /v1/actors/{id}/events``, ``PATCH`` and ``DELETE`` of an actor."""

from __future__ import annotations

import asyncio
from collections.abc import Mapping
from typing import Any

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import Response

from statekeep import problems, wire
from statekeep.errors import Error, InvalidRequest
from statekeep.keep.actors import SEND_CONTROLS
from statekeep.service.requests import (
    choice,
    cursor_position,
    int_param,
    only,
    optional,
    page,
    page_size,
    parse_json,
    query,
    read_json,
    required,
)
from statekeep.service.responses import json_response
from statekeep.service.routes import Service

#: The fields of a send's body that are not the event's: every other field beside ``type`` is
#: the event's payload (``{"type": "PAY", "amount": 25}``), as in XState.
_SEND_CONTROL = set(SEND_CONTROLS)
_SPAWN_FIELDS = {"definitionId", "context", "actorId", "idempotencyKey", "initialContext", "id"}
_BULK_ITEM_FIELDS = {"definitionId", "context", "actorId", "initialContext", "id"}
#: The statuses ``GET /v1/actors?status=`` takes.
STATUSES = ("active", "done", "error", "terminated")
#: The most actors one ``POST /v1/actors/bulk`` spawns (StateKeep's limit too).
BULK_MAX = 500


def spawn_fields(body: Mapping[str, Any], where: str = "the body") -> tuple[Any, str | None]:
    """A spawn's context and actor id, under our names or StateKeep's (``initialContext``,
    ``id``), never both."""
    for ours, theirs in (("context", "initialContext"), ("actorId", "id")):
        if body.get(ours) is not None and body.get(theirs) is not None:
            raise InvalidRequest(f"{where} gives both '{ours}' and '{theirs}' (StateKeep's name for it): give one")
    context = body.get("context", body.get("initialContext"))
    actor_id = optional(body, "actorId", str) if body.get("actorId") is not None else optional(body, "id", str)
    return context, actor_id


async def spawn(service: Service, request: Request) -> Response:
    body = await read_json(request, _SPAWN_FIELDS)
    definition_id = required(body, "definitionId", str)
    context, actor_id = spawn_fields(body)
    actor = await service.commits.call(
        "spawn", definition_id, context, actor_id=actor_id, idempotency_key=optional(body, "idempotencyKey", str)
    )
    return json_response(wire.to_json(actor), 201)


async def spawn_many(service: Service, request: Request) -> Response:
    body = await read_json(request, {"definitionId", "contexts", "actorIds", "idempotencyKey"})
    contexts = required(body, "contexts", list)
    ids = optional(body, "actorIds", list)
    if ids is not None and len(ids) != len(contexts):
        raise InvalidRequest("'actorIds' needs one id (or null) for each context")
    if ids is not None and not all(i is None or isinstance(i, str) for i in ids):
        raise InvalidRequest("'actorIds' holds actor ids (strings) or null")
    actors = await service.commits.call(
        "spawn_many",
        required(body, "definitionId", str),
        contexts,
        actor_ids=ids,
        idempotency_key=optional(body, "idempotencyKey", str),
    )
    return json_response(wire.to_json(actors), 201)


async def spawn_bulk(service: Service, request: Request) -> Response:
    """StateKeep's bulk spawn: each item spawned on its own (they share group commits), and
    the answer says which were created and which failed, and why (207)."""
    body = await read_json(request, {"actors"})
    items = required(body, "actors", list)
    if len(items) > BULK_MAX:
        raise InvalidRequest(f"'actors' holds {len(items)} items; one request spawns at most {BULK_MAX}")
    calls = []
    for n, item in enumerate(items):
        where = f"actors[{n}]"
        if not isinstance(item, dict):
            raise InvalidRequest(f"{where} must be an object with 'definitionId'")
        only(item, _BULK_ITEM_FIELDS, where)
        definition_id = item.get("definitionId")
        if not isinstance(definition_id, str):
            raise InvalidRequest(f"{where} needs 'definitionId', a string")
        context, actor_id = spawn_fields(item, where)
        calls.append((definition_id, context, actor_id))
    results = await asyncio.gather(
        *(service.commits.call("spawn", d, c, actor_id=a) for d, c, a in calls), return_exceptions=True
    )
    created, failed = [], []
    for n, ((definition_id, _, _), result) in enumerate(zip(calls, results, strict=True)):
        if isinstance(result, BaseException):
            code = problems.code_of(result)
            if not isinstance(result, Error) or code is None:
                raise result  # a server fault: the frame answers it
            failed.append(
                {"index": n, "definitionId": definition_id, "code": code, "message": str(result), "error": str(result)}
            )
        else:
            created.append(wire.to_json(result))
    return json_response({"created": created, "failed": failed, "total": len(items)}, 207)


async def send(service: Service, request: Request) -> Any:
    body = await read_json(request, None)
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
    body = await read_json(request, {"events"})
    items = []
    for n, event in enumerate(required(body, "events", list)):
        if not isinstance(event, dict) or not isinstance(event.get("actorId"), str):
            raise InvalidRequest(f"events[{n}] needs 'actorId' and 'type'")
        if not isinstance(event.get("type"), str) or not event["type"]:
            raise InvalidRequest(f"events[{n}] needs 'type', the event's type: a non-empty string")
        items.append((event["actorId"], {k: v for k, v in event.items() if k != "actorId"}))
    return wire.to_json(await service.commits.call("send_many", items))


async def release(service: Service, request: Request) -> Any:
    await read_json_or_nothing(request)
    return wire.record(await service.commits.call("release", request.path_params["id"]))


async def patch_actor(service: Service, request: Request) -> Any:
    """StateKeep's way to release a stranded actor: ``{"status": "active"}``. Nothing else
    about an actor can be set."""
    body = await read_json(request, {"status"})
    status = required(body, "status", str)
    if status != "active":
        raise InvalidRequest(
            f"'status' can only be set to 'active' (to release a stranded actor), not {status!r}; "
            "an actor is terminated with DELETE /v1/actors/{id}"
        )
    actor_id = request.path_params["id"]
    await service.commits.call("release", actor_id)
    return wire.to_json(await run_in_threadpool(service.keep.get, actor_id))


async def terminate(service: Service, request: Request) -> Any:
    await read_json_or_nothing(request)
    return wire.to_json(await run_in_threadpool(service.keep.terminate, request.path_params["id"]))


async def read_json_or_nothing(request: Request) -> None:
    """A route that takes no body refuses one that has fields (they would be ignored)."""
    if request.headers.get("content-length", "0") not in ("0", "") or "transfer-encoding" in request.headers:
        await read_json(request, ())


async def list_actors(service: Service, request: Request) -> Any:
    q = query(request, {"definitionId", "state", "inState", "status", "needsRescue", "after", "cursor", "limit"})
    limit = page_size(q)
    after = _start(q, "after", cursor_position(q.get("cursor"), "actors"))
    status = q.get("status")
    if status is not None and status not in STATUSES:
        raise InvalidRequest(f"'status' is one of {', '.join(STATUSES)}, not {status!r}")
    state: Any = q.get("state")
    if state is not None and state[:1] in '{["':
        try:
            state = parse_json(state, "'state'")
        except InvalidRequest as e:
            raise InvalidRequest(f"'state' is a state value: a name, or JSON for a compound value ({e})") from None
    rescue = choice(q, "needsRescue", ("true", "false"))
    needs_rescue = None if rescue is None else rescue == "true"
    found = await run_in_threadpool(
        lambda: service.keep.actors(
            definition_id=q.get("definitionId"),
            state=state,
            status=status,
            after=after,
            limit=limit + 1,
            needs_rescue=needs_rescue,
            in_state=q.get("inState"),
        )
    )
    shown = found[:limit]
    return page(wire.to_json(shown), len(found) > limit, "actors", shown[-1].id if shown else None)


def _start(q: Mapping[str, str], name: str, from_cursor: Any) -> Any:
    """Where a list starts: the cursor's position, or the route's own ``after``; not both."""
    if from_cursor is not None and q.get(name) is not None:
        raise InvalidRequest(f"give 'cursor' or '{name}', not both: the cursor holds where the last page ended")
    return from_cursor if from_cursor is not None else q.get(name)


async def get_actor(service: Service, request: Request) -> Any:
    query(request, ())
    return wire.to_json(await run_in_threadpool(service.keep.get, request.path_params["id"]))


async def history(service: Service, request: Request) -> Any:
    q = query(request, {"after", "before", "order", "cursor", "limit"})
    newest_first = choice(q, "order", ("asc", "desc")) == "desc"
    # Each order has a cursor of its own: where the last page ended is an 'after', or a 'before'.
    route, bound = ("history-desc", "before") if newest_first else ("history", "after")
    position = _start(q, bound, cursor_position(q.get("cursor"), route))
    # The keep refuses the other order's bound (an 'after' newest first, a 'before' oldest first).
    after, before = (q.get("after"), position) if newest_first else (position, q.get("before"))
    return await _history_page(service, request, q, after, before, newest_first)


async def _history_page(
    service: Service,
    request: Request,
    q: Mapping[str, str],
    after: Any,
    before: Any = None,
    newest_first: bool = False,
) -> dict[str, Any]:
    limit = page_size(q)
    start = int_param(None if after is None else str(after), "after", None)
    stop = int_param(None if before is None else str(before), "before", None)
    entries = await run_in_threadpool(
        lambda: service.keep.history(
            request.path_params["id"], start, limit + 1, before=stop, newest_first=newest_first
        )
    )
    shown = entries[:limit]
    route = "history-desc" if newest_first else "history"
    return page([wire.record(e) for e in shown], len(entries) > limit, route, shown[-1]["index"] if shown else None)


async def events(service: Service, request: Request) -> Any:
    """StateKeep's paged history: our page (``items``, ``next``) with StateKeep's names beside
    it (``events``, ``nextCursor``, ``hasMore``), where an event's ``id`` is its index + 1 and
    ``after`` an event id (``after=0``: from the first), as StateKeep counts them."""
    q = query(request, {"after", "cursor", "limit"})
    position = cursor_position(q.get("cursor"), "history")
    after = _start(q, "after", position)
    if position is None and after is not None:
        # StateKeep's ids count from 1: "after event n" is after our index n - 1.
        after = int_param(after, "after", None, low=0) - 1
        after = None if after < 0 else after
    out = await _history_page(service, request, q, after)
    shown = [e | {"id": e["index"] + 1} for e in out["items"]]
    return {
        "items": shown,
        "next": out["next"],
        "actorId": request.path_params["id"],
        "events": shown,
        "nextCursor": shown[-1]["id"] if shown and out["next"] is not None else None,
        "hasMore": out["next"] is not None,
    }


async def decisions(service: Service, request: Request) -> Any:
    q = query(request, {"deployment", "cursor", "limit"})
    limit = page_size(q)
    done = cursor_position(q.get("cursor"), "actor-decisions") or 0
    if not isinstance(done, int):
        raise problems.Problem("'cursor' is not a cursor this list gave", code="cursor_invalid")
    records = await run_in_threadpool(service.keep.decisions, request.path_params["id"], q.get("deployment"))
    shown = records[done : done + limit]
    return page([wire.record(d) for d in shown], done + limit < len(records), "actor-decisions", done + limit)
