"""Webhook endpoints, for an admin: create (the answer holds the secret), list, read, change,
delete, rotate the secret; their pending deliveries and dead letters; deliver again."""

from __future__ import annotations

import math
from typing import Any

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import Response

from statekeep import wire
from statekeep.errors import InvalidRequest
from statekeep.service.requests import (
    choice,
    cursor_position,
    int_param,
    optional,
    page,
    page_size,
    query,
    read_json,
    required,
)
from statekeep.service.responses import json_response
from statekeep.service.routes import Service
from statekeep.service.routes.actors import read_json_or_nothing

FIELDS = {"url", "description", "definitions", "kinds", "actions", "enabled"}


def _strings(body: dict[str, Any], name: str) -> list[str] | None:
    value: list[str] | None = optional(body, name, list)
    if value is not None and not all(isinstance(v, str) for v in value):
        raise InvalidRequest(f"'{name}' is a list of strings")
    return value


def _args(body: dict[str, Any]) -> dict[str, Any]:
    return {
        "description": optional(body, "description", str),
        "definitions": _strings(body, "definitions"),
        "kinds": _strings(body, "kinds"),
        "actions": _strings(body, "actions"),
        "enabled": optional(body, "enabled", bool),
    }


async def create(service: Service, request: Request) -> Response:
    body = await read_json(request, FIELDS)
    url = required(body, "url", str)
    args = _args(body)
    if args["enabled"] is None:
        args["enabled"] = True
    hook = await run_in_threadpool(lambda: service.keep.add_webhook(url, **args))
    return json_response(wire.to_json(hook), 201)


async def list_webhooks(service: Service, request: Request) -> Any:
    q = query(request, {"cursor", "limit"})
    limit = page_size(q)
    after = cursor_position(q.get("cursor"), "webhooks")
    hooks = await run_in_threadpool(service.keep.webhooks)
    rest = [h for h in hooks if after is None or h.id > str(after)]
    shown = rest[:limit]
    return page(wire.to_json(shown), len(rest) > limit, "webhooks", shown[-1].id if shown else None)


async def get_webhook(service: Service, request: Request) -> Any:
    query(request, ())
    return wire.to_json(await run_in_threadpool(service.keep.webhook, request.path_params["id"]))


async def update(service: Service, request: Request) -> Any:
    body = await read_json(request, FIELDS)
    url = optional(body, "url", str)
    args = _args(body)
    hook = await run_in_threadpool(lambda: service.keep.update_webhook(request.path_params["id"], url=url, **args))
    return wire.to_json(hook)


async def delete(service: Service, request: Request) -> Response:
    await read_json_or_nothing(request)
    await run_in_threadpool(service.keep.remove_webhook, request.path_params["id"])
    return Response(status_code=204)


async def rotate_secret(service: Service, request: Request) -> Any:
    overlap: Any = None
    if request.headers.get("content-length", "0") not in ("0", "") or "transfer-encoding" in request.headers:
        body = await read_json(request, {"overlapSeconds"})
        overlap = body.get("overlapSeconds")
        if overlap is not None and (
            isinstance(overlap, bool) or not isinstance(overlap, (int, float)) or not math.isfinite(overlap)
        ):
            raise InvalidRequest("'overlapSeconds' is a number of seconds")
    webhook_id = request.path_params["id"]
    if overlap is None:
        hook = await run_in_threadpool(lambda: service.keep.rotate_webhook_secret(webhook_id))
    else:
        hook = await run_in_threadpool(lambda: service.keep.rotate_webhook_secret(webhook_id, overlap=overlap))
    return wire.to_json(hook)


async def deliveries(service: Service, request: Request) -> Any:
    q = query(request, {"status", "after", "cursor", "limit"})
    limit = page_size(q)
    dead = choice(q, "status", ("pending", "dead")) == "dead"
    position = cursor_position(q.get("cursor"), "deliveries")
    if position is not None and q.get("after") is not None:
        raise InvalidRequest("give 'after' or 'cursor', not both")
    after = int_param(q.get("after"), "after", 0) if position is None else position
    if not isinstance(after, int) or isinstance(after, bool):
        raise InvalidRequest("'cursor' is not a cursor this list gave")
    found = await run_in_threadpool(
        lambda: service.keep.webhook_deliveries(request.path_params["id"], dead=dead, after=after, limit=limit + 1)
    )
    shown = found[:limit]
    return page(wire.to_json(shown), len(found) > limit, "deliveries", shown[-1].seq if shown else None)


async def redeliver(service: Service, request: Request) -> Any:
    body = await read_json(request, {"seq", "since"})
    seq = body.get("seq")
    if seq is not None and (isinstance(seq, bool) or not isinstance(seq, int) or seq < 1):
        raise InvalidRequest("'seq' is a change's number: an integer, at least 1")
    since_text = optional(body, "since", str)
    since = None if since_text is None else wire.time_seconds(since_text)
    if (seq is None) == (since is None):
        raise InvalidRequest("give 'seq' (a change's number) or 'since' (an RFC 3339 time), not both")
    queued = await run_in_threadpool(lambda: service.keep.redeliver(request.path_params["id"], seq=seq, since=since))
    return {"queued": queued}
