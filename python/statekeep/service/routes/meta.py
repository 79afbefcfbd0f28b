"""About the service itself: health, metrics, the OpenAPI description and the docs page."""

from __future__ import annotations

from typing import Any

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import HTMLResponse, Response

from statekeep.service import openapi
from statekeep.service.requests import query
from statekeep.service.routes import Service


async def health(service: Service, request: Request) -> Any:
    query(request, ())
    return {"status": "ok"}


async def metrics(service: Service, request: Request) -> Response:
    query(request, ())
    stats = await run_in_threadpool(service.stats)
    text = service.metrics.render(
        stats, groups=service.commits.groups, grouped_calls=service.commits.calls, workers=service.workers()
    )
    return Response(text, media_type="text/plain; version=0.0.4")


async def openapi_json(service: Service, request: Request) -> Any:
    query(request, ())
    return openapi.SPEC


async def docs(service: Service, request: Request) -> Response:
    query(request, ())
    return HTMLResponse(openapi.docs_page())
