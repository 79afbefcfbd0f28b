"""API keys, for an admin: create, list, revoke."""

from __future__ import annotations

from typing import Any

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import Response

from statekeep import wire
from statekeep.service.requests import cursor_position, optional, page, page_size, query, read_json, required
from statekeep.service.responses import json_response
from statekeep.service.routes import Service
from statekeep.service.routes.actors import read_json_or_nothing


async def create(service: Service, request: Request) -> Response:
    body = await read_json(request, {"scope", "name"})
    scope, name = required(body, "scope", str), optional(body, "name", str)
    key = await run_in_threadpool(lambda: service.keep.create_api_key(scope, name=name))
    return json_response(wire.to_json(key), 201)


async def list_keys(service: Service, request: Request) -> Any:
    q = query(request, {"cursor", "limit"})
    limit = page_size(q)
    after = cursor_position(q.get("cursor"), "keys")
    # In id order, after the last id shown: a key revoked meanwhile shifts nothing.
    keys = sorted(await run_in_threadpool(service.keep.api_keys), key=lambda k: k.id)
    rest = [k for k in keys if after is None or k.id > str(after)]
    shown = rest[:limit]
    return page(wire.to_json(shown), len(rest) > limit, "keys", shown[-1].id if shown else None)


async def revoke(service: Service, request: Request) -> Response:
    await read_json_or_nothing(request)
    await run_in_threadpool(service.keep.revoke_api_key, request.path_params["id"])
    service.keys.clear()
    return Response(status_code=204)
