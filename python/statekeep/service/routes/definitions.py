"""Versions: deploy, preview, validate, and what is deployed."""

from __future__ import annotations

from typing import Any

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request

from statekeep import wire
from statekeep._core import Machine
from statekeep.errors import DefinitionError, InvalidRequest, NotFound
from statekeep.service.requests import deploy_args, optional, read_json
from statekeep.service.routes import Service


async def deploy(service: Service, request: Request) -> Any:
    body = await read_json(request)
    args = deploy_args(body, expect=True)
    return wire.to_json(await run_in_threadpool(lambda: service.keep.deploy(**args)))


async def preview(service: Service, request: Request) -> Any:
    body = await read_json(request)
    args = deploy_args(body, expect=False)
    if args["parent"] is None:
        raise InvalidRequest("a preview needs 'parentId': the version whose actors it decides")
    limit = optional(body, "limit", int)
    shown = await run_in_threadpool(lambda: service.keep.preview(**args))
    out = wire.to_json(shown)
    if limit is not None:
        if limit < 0:
            raise InvalidRequest("'limit' is a count, at least 0")
        for name in ("wouldMigrate", "wouldStay", "wouldStrand", "pending"):
            out["migration"][name] = out["migration"][name][:limit]
    return out


async def validate(service: Service, request: Request) -> Any:
    body = await read_json(request)
    if "definition" not in body:
        raise InvalidRequest("give the definition to validate in 'definition'")
    try:
        machine = Machine(body["definition"], guard_default=optional(body, "guardDefault", bool, True))
    except DefinitionError as e:
        return {"valid": False, "error": {"path": e.path, "message": str(e)}}
    return {"valid": True, "states": machine.size}


async def list_definitions(service: Service, request: Request) -> Any:
    return [wire.record(d) for d in await run_in_threadpool(service.keep.definitions)]


async def get_definition(service: Service, request: Request) -> Any:
    wanted = request.path_params["id"]
    found = [d for d in await run_in_threadpool(service.keep.definitions) if d["id"] == wanted]
    if not found:
        raise NotFound(f"no version '{wanted}' is deployed; see GET /v1/definitions")
    return wire.record(found[0])
