"""Deployments: a deployment's progress, and its decision records."""

from __future__ import annotations

from typing import Any

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request

from statekeep import wire
from statekeep.service.routes import Service


async def get_deployment(service: Service, request: Request) -> Any:
    return wire.to_json(await run_in_threadpool(service.keep.deployment, request.path_params["id"]))


async def decisions(service: Service, request: Request) -> Any:
    records = await run_in_threadpool(lambda: service.keep.decisions(deployment=request.path_params["id"]))
    return [wire.record(d) for d in records]
