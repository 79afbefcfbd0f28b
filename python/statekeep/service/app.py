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
from starlette.routing import BaseRoute, Route

from statekeep import problems
from statekeep.errors import Unauthorized
from statekeep.keep import Keep
from statekeep.service.auth import KeyCache, authorise
from statekeep.service.batcher import GroupCommitter
from statekeep.service.dashboard import mount as dashboard
from statekeep.service.metrics import Metrics
from statekeep.service.responses import json_response, problem
from statekeep.service.routes import (
    Handler,
    Service,
    actors,
    changes,
    definitions,
    deployments,
    keys,
    meta,
    timers,
    webhooks,
)

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
    ("/v1/definitions/{id}/counts", "GET", "read", definitions.state_counts),
    ("/v1/actors", "POST", "write", actors.spawn),
    ("/v1/actors", "GET", "read", actors.list_actors),
    ("/v1/actors/batch", "POST", "write", actors.spawn_many),
    ("/v1/actors/bulk", "POST", "write", actors.spawn_bulk),
    ("/v1/events", "POST", "write", actors.send_many),
    ("/v1/actors/{id}", "GET", "read", actors.get_actor),
    ("/v1/actors/{id}", "PATCH", "write", actors.patch_actor),
    ("/v1/actors/{id}", "DELETE", "write", actors.terminate),
    ("/v1/actors/{id}/event", "POST", "write", actors.send),
    ("/v1/actors/{id}/events", "GET", "read", actors.events),
    ("/v1/actors/{id}/release", "POST", "write", actors.release),
    ("/v1/actors/{id}/history", "GET", "read", actors.history),
    ("/v1/actors/{id}/decisions", "GET", "read", actors.decisions),
    ("/v1/actors/{id}/schedule", "POST", "write", timers.schedule),
    ("/v1/actors/{id}/schedule", "GET", "read", timers.scheduled),
    ("/v1/actors/{id}/schedule/{sid}", "DELETE", "write", timers.cancel),
    ("/v1/timers", "GET", "read", timers.stats),
    ("/v1/changes", "GET", "read", changes.list_changes),
    ("/v1/changes/stream", "GET", "read", changes.stream),
    ("/v1/deployments/{id}", "GET", "read", deployments.get_deployment),
    ("/v1/deployments/{id}/decisions", "GET", "read", deployments.decisions),
    ("/v1/keys", "POST", "admin", keys.create),
    ("/v1/keys", "GET", "admin", keys.list_keys),
    ("/v1/keys/{id}", "DELETE", "admin", keys.revoke),
    ("/v1/webhooks", "POST", "admin", webhooks.create),
    ("/v1/webhooks", "GET", "admin", webhooks.list_webhooks),
    ("/v1/webhooks/{id}", "GET", "admin", webhooks.get_webhook),
    ("/v1/webhooks/{id}", "PATCH", "admin", webhooks.update),
    ("/v1/webhooks/{id}", "DELETE", "admin", webhooks.delete),
    ("/v1/webhooks/{id}/rotate-secret", "POST", "admin", webhooks.rotate_secret),
    ("/v1/webhooks/{id}/deliveries", "GET", "admin", webhooks.deliveries),
    ("/v1/webhooks/{id}/redeliver", "POST", "admin", webhooks.redeliver),
]

#: What a 401 offers (RFC 9110): the schemes a key may come in.
_CHALLENGE = {"WWW-Authenticate": 'Bearer realm="statekeep"'}
#: Headers a problem comes with: when to try a write again that lost to concurrent ones.
_HEADERS = {"store_conflict": {"Retry-After": "1"}}


def create_app(keep: Keep, *, auth: bool = True, owns_keep: bool = False) -> Starlette:
    """The ASGI app serving ``keep``; it closes the keep when it shuts down if it ``owns_keep``."""
    service = Service(
        keep=keep,
        commits=GroupCommitter(keep),
        keys=KeyCache(keep.authenticate),
        metrics=Metrics(),
        stats=keep.stats,
        workers=keep.workers,
        changes=changes.ChangeSignal(),
    )
    keep.on_changes(service.changes.notify)

    async def no_route(request: Request, exc: Exception) -> Response:
        where = f"{request.method} {request.url.path}"
        if isinstance(exc, HTTPException) and exc.status_code == 405:
            # Starlette's exception names the methods of the route the path matched.
            allowed = (exc.headers or {}).get("Allow", "")
            return problem(
                "method_not_allowed", f"{where}: the route takes {allowed}; see /docs", headers={"Allow": allowed}
            )
        return problem("route_not_found", f"no route is {where}; see /docs")

    @contextlib.asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[None]:
        yield
        service.commits.close()
        if owns_keep:
            keep.close()

    # One Route per path, so that a 405 names every method the path takes.
    by_path: dict[str, dict[str, tuple[str | None, Handler]]] = {}
    for path, method, scope, handler in ROUTES:
        by_path.setdefault(path, {})[method] = (scope if auth else None, handler)
    routes: list[BaseRoute] = [_route(service, path, handlers) for path, handlers in by_path.items()]
    # The dashboard's files (no key; the page calls the routes above with the user's key).
    routes.append(dashboard())
    app = Starlette(routes=routes, exception_handlers={404: no_route, 405: no_route}, lifespan=lifespan)
    app.state.service = service
    return app


def _route(service: Service, path: str, handlers: dict[str, tuple[str | None, Handler]]) -> Route:
    """The route running each method's handler in the frame: the key checked for its scope,
    an error the client caused answered with its problem document (a server fault the client
    is told about, such as a full store, too; any other is logged, and a bare 500), and the
    time taken measured."""

    async def endpoint(request: Request) -> Response:
        started = time.perf_counter()
        method = "GET" if request.method == "HEAD" else request.method
        scope, handler = handlers[method]
        try:
            if scope is not None:
                authorise(service.keys, request, scope)
            result = await handler(service, request)
            response = result if isinstance(result, Response) else json_response(result)
        except Exception as e:
            code = problems.code_of(e)
            if code is None:
                log.exception("%s %s failed", method, path)
                response = problem("internal_error", "the server failed; the error is in its log")
            else:
                if problems.CODES[code].status >= 500:
                    log.error("%s %s failed: %s", method, path, e)
                response = problem(code, str(e), e, _CHALLENGE if isinstance(e, Unauthorized) else _HEADERS.get(code))
        service.metrics.observe(method, path, response.status_code, time.perf_counter() - started)
        return response

    return Route(path, endpoint, methods=list(handlers), name=path)
