"""Versions: deploy, preview, validate, and what is deployed."""

from __future__ import annotations

from typing import Any

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request

from statekeep import wire
from statekeep._core import Machine
from statekeep.errors import DefinitionError, InvalidRequest, NotFound
from statekeep.service.requests import (
    DEPLOY_FIELDS,
    PREVIEW_FIELDS,
    cursor_position,
    definition,
    deploy_args,
    int_param,
    optional,
    page,
    page_size,
    query,
    read_json,
)
from statekeep.service.routes import Service


async def deploy(service: Service, request: Request) -> Any:
    body = await read_json(request, DEPLOY_FIELDS)
    args = deploy_args(body, expect=True)
    return wire.to_json(await run_in_threadpool(lambda: service.keep.deploy(**args)))


async def preview(service: Service, request: Request) -> Any:
    body = await read_json(request, PREVIEW_FIELDS)
    args = deploy_args(body, expect=False)
    if args["parent"] is None:
        raise InvalidRequest("a preview needs 'parentId': the version whose actors it decides")
    limit = optional(body, "limit", int)
    if limit is not None and limit < 0:
        raise InvalidRequest("'limit' is a count, at least 0")
    shown = await run_in_threadpool(lambda: service.keep.preview(**args))
    out = wire.to_json(shown)
    if limit is not None:
        for name in ("wouldMigrate", "wouldStay", "wouldStrand", "pending"):
            out["migration"][name] = out["migration"][name][:limit]
    return out


async def validate(service: Service, request: Request) -> Any:
    body = await read_json(request, {"definition", "guardDefault"})
    given = definition(body)
    try:
        machine = Machine(given, guard_default=optional(body, "guardDefault", bool, True))
    except DefinitionError as e:
        return {"valid": False, "error": {"path": e.path, "message": str(e)}}
    return {"valid": True, "states": machine.size}


async def list_definitions(service: Service, request: Request) -> Any:
    q = query(request, {"cursor", "limit"})
    limit = page_size(q)
    done = int_param(_text(cursor_position(q.get("cursor"), "definitions")), "cursor", 0)
    # Versions are only ever added, in commit order: a position in that order stays valid.
    versions = await run_in_threadpool(service.keep.definitions)
    shown = versions[done : done + limit]
    return page([wire.record(d) for d in shown], done + limit < len(versions), "definitions", done + limit)


def _text(position: Any) -> str | None:
    return None if position is None else str(position)


async def state_counts(service: Service, request: Request) -> Any:
    query(request, ())
    version = request.path_params["id"]
    counts = await run_in_threadpool(service.keep.state_counts, version)
    return {"version": version, "states": counts}


async def get_definition(service: Service, request: Request) -> Any:
    query(request, ())
    wanted = request.path_params["id"]
    found = [d for d in await run_in_threadpool(service.keep.definitions) if d["id"] == wanted]
    if not found:
        raise NotFound(f"no version '{wanted}' is deployed", code="version_not_found")
    return wire.record(found[0])
