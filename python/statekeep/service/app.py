"""The HTTP API assembled: every route in the frame that checks its API key, turns its errors
into problem documents and measures it; the Starlette app that serves them."""

from __future__ import annotations

import contextlib
import logging
import time
from collections.abc import AsyncIterator

from starlette.applications import Starlette
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from statekeep import problems
from statekeep.errors import InvalidRequest
from statekeep.keep import Keep
from statekeep.service.auth import KeyCache, authorise
from statekeep.service.batcher import GroupCommitter
from statekeep.service.metrics import Metrics
from statekeep.service.requests import ContentTooLarge
from statekeep.service.responses import json_response, problem
from statekeep.service.routes import Handler, Service, actors, definitions, deployments, keys, meta

log = logging.getLogger("statekeep.service")

#: Every route: its path, method, the scope its key needs (None: no key) and its handler.
#: Starlette tries them in order: the hot one first.
ROUTES: list[tuple[str, str, str | None, Handler]] = [
    ("/v1/actors/{id}/events", "POST", "write", actors.send),
    ("/v1/health", "GET", None, meta.health),
    ("/v1/metrics", "GET", "read", meta.metrics),
    ("/openapi.json", "GET", None, meta.openapi_json),
    ("/docs", "GET", None, meta.docs),
    ("/v1/definitions", "PUT", "admin", definitions.deploy),
    ("/v1/definitions", "GET", "read", definitions.list_definitions),
    ("/v1/definitions/preview", "POST", "admin", definitions.preview),
    ("/v1/definitions/validate", "POST", "read", definitions.validate),
    ("/v1/definitions/{id}", "GET", "read", definitions.get_definition),
    ("/v1/actors", "POST", "write", actors.spawn),
    ("/v1/actors", "GET", "read", actors.list_actors),
    ("/v1/actors/batch", "POST", "write", actors.spawn_many),
    ("/v1/events", "POST", "write", actors.send_many),
    ("/v1/actors/{id}", "GET", "read", actors.get_actor),
    ("/v1/actors/{id}/event", "POST", "write", actors.send),
    ("/v1/actors/{id}/release", "POST", "write", actors.release),
    ("/v1/actors/{id}/history", "GET", "read", actors.history),
    ("/v1/actors/{id}/decisions", "GET", "read", actors.decisions),
    ("/v1/deployments/{id}", "GET", "read", deployments.get_deployment),
    ("/v1/deployments/{id}/decisions", "GET", "read", deployments.decisions),
    ("/v1/keys", "POST", "admin", keys.create),
    ("/v1/keys", "GET", "admin", keys.list_keys),
    ("/v1/keys/{id}", "DELETE", "admin", keys.revoke),
]


def create_app(keep: Keep, *, auth: bool = True, owns_keep: bool = False) -> Starlette:
    """The ASGI app serving ``keep``; it closes the keep when it shuts down if it ``owns_keep``."""
    service = Service(
        keep=keep,
        commits=GroupCommitter(keep),
        keys=KeyCache(keep.authenticate),
        metrics=Metrics(),
        stats=keep.stats,
        workers=keep.workers,
    )

    async def not_found(request: Request, exc: Exception) -> Response:
        status = exc.status_code if isinstance(exc, HTTPException) else 404
        detail = exc.detail if isinstance(exc, HTTPException) else "not found"
        return problem(status, None, f"{detail}: {request.method} {request.url.path}; see /docs")

    @contextlib.asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[None]:
        yield
        service.commits.close()
        if owns_keep:
            keep.close()

    routes = [
        _route(service, path, method, scope if auth else None, handler) for path, method, scope, handler in ROUTES
    ]
    app = Starlette(routes=routes, exception_handlers={404: not_found, 405: not_found}, lifespan=lifespan)
    app.state.service = service
    return app


def _route(service: Service, path: str, method: str, scope: str | None, handler: Handler) -> Route:
    """The route running ``handler`` in the frame: the key checked for ``scope``, an error
    the client caused answered with its problem document (a body over the limit a 413; a
    server fault the client is told about with its status; any other logged, and a 500), and
    the time taken measured."""

    async def endpoint(request: Request) -> Response:
        started = time.perf_counter()
        try:
            if scope is not None:
                authorise(service.keys, request, scope)
            result = await handler(service, request)
            response = result if isinstance(result, Response) else json_response(result)
        except ContentTooLarge as e:
            # The client raises InvalidRequest for it, as for any other request it must change.
            response = problem(e.status, InvalidRequest(str(e)), str(e))
        except Exception as e:
            status = problems.status_of(e)
            if status is not None:
                response = problem(status, e, str(e))
            elif (fault := problems.server_fault(e)) is not None:
                log.error("%s %s failed: %s", method, path, e)
                response = problem(fault, e, str(e))
            else:
                log.exception("%s %s failed", method, path)
                response = problem(500, None, "the server failed; the error is in its log")
        service.metrics.observe(method, path, response.status_code, time.perf_counter() - started)
        return response

    return Route(path, endpoint, methods=[method], name=f"{method} {path}")
