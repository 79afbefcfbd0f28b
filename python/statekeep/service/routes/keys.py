"""API keys, for an admin: create, list, revoke."""

from __future__ import annotations

from typing import Any

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import Response

from statekeep import wire
from statekeep.service.requests import optional, read_json, required
from statekeep.service.responses import json_response
from statekeep.service.routes import Service


async def create(service: Service, request: Request) -> Response:
    body = await read_json(request)
    key = await run_in_threadpool(
        lambda: service.keep.create_api_key(required(body, "scope", str), name=optional(body, "name", str))
    )
    return json_response(wire.to_json(key), 201)


async def list_keys(service: Service, request: Request) -> Any:
    return wire.to_json(await run_in_threadpool(service.keep.api_keys))


async def revoke(service: Service, request: Request) -> Response:
    await run_in_threadpool(service.keep.revoke_api_key, request.path_params["id"])
    service.keys.clear()
    return Response(status_code=204)
