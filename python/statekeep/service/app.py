"""The HTTP API: routes, API keys and scopes, errors as problem documents.

Every route is a thin translation: read the request, call the keep, write its result in the
wire form (``statekeep.wire``). Writes go through the group committer, so many concurrent
requests share one sync; everything else runs in a worker thread, off the event loop.
"""

from __future__ import annotations

import contextlib
import json
import logging
import time
from collections.abc import AsyncIterator, Awaitable, Callable, Mapping
from typing import Any

from starlette.applications import Starlette
from starlette.concurrency import run_in_threadpool
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import HTMLResponse, Response
from starlette.routing import Route

from statekeep import access, problems, wire
from statekeep._core import Machine
from statekeep.errors import DefinitionError, Forbidden, NotFound, Unauthorized
from statekeep.keep import Keep
from statekeep.results import ApiKey
from statekeep.service import openapi
from statekeep.service.batcher import GroupCommitter
from statekeep.service.metrics import Metrics

log = logging.getLogger("statekeep.service")

#: The most a request body may hold.
MAX_BODY = 16 << 20

Handler = Callable[[Request], Awaitable[Any]]


def json_response(data: Any, status: int = 200) -> Response:
    return Response(json.dumps(data, separators=(",", ":")), status_code=status, media_type="application/json")


def problem(status: int, error: BaseException | None, detail: str) -> Response:
    return Response(
        problems.body(problems.document(status, error, detail)), status_code=status, media_type=problems.PROBLEM_JSON
    )


class Service:
    def __init__(self, keep: Keep, *, auth: bool = True) -> None:
        self.keep = keep
        self.auth = auth
        self.commits = GroupCommitter(keep)
        self.metrics = Metrics()
        self.key_cache = KeyCache(keep)

    # ----- the frame every route runs in: auth, errors, metrics --------------------------------

    def route(self, path: str, method: str, scope: str | None, handler: Handler) -> Route:
        async def endpoint(request: Request) -> Response:
            started = time.perf_counter()
            try:
                if scope is not None:
                    await self.authorise(request, scope)
                result = await handler(request)
                response = result if isinstance(result, Response) else json_response(result)
            except Exception as e:
                status = problems.status_of(e)
                if status is None:
                    log.exception("%s %s failed", method, path)
                    response = problem(500, None, "the server failed; the error is in its log")
                else:
                    response = problem(status, e, str(e))
            self.metrics.observe(method, path, response.status_code, time.perf_counter() - started)
            return response

        return Route(path, endpoint, methods=[method], name=f"{method} {path}")

    async def authorise(self, request: Request, needed: str) -> None:
        if not self.auth:
            return
        header = request.headers.get("authorization", "")
        token = header[7:].strip() if header[:7].lower() == "bearer " else request.headers.get("x-api-key", "")
        if not token:
            raise Unauthorized("an API key is needed: send 'Authorization: Bearer sk_...' (or 'X-API-Key')")
        key = self.key_cache.lookup(token)
        if key is None:
            raise Unauthorized("the API key is not valid (wrong, or revoked); create one with 'statekeep keys create'")
        if not access.allows(key.scope, needed):
            raise Forbidden(f"this needs a key with scope '{needed}'; this key's scope is '{key.scope}'")

    # ----- the routes ---------------------------------------------------------------------------

    def routes(self) -> list[Route]:
        r = self.route
        # Starlette tries routes in order: the hot one first.
        return [
            r("/v1/actors/{id}/events", "POST", "write", self.send),
            r("/v1/health", "GET", None, self.health),
            r("/v1/metrics", "GET", "read", self.metrics_page),
            r("/openapi.json", "GET", None, self.openapi_json),
            r("/docs", "GET", None, self.docs),
            r("/v1/definitions", "PUT", "admin", self.deploy),
            r("/v1/definitions", "GET", "read", self.definitions),
            r("/v1/definitions/preview", "POST", "admin", self.preview),
            r("/v1/definitions/validate", "POST", "read", self.validate),
            r("/v1/definitions/{id}", "GET", "read", self.definition),
            r("/v1/actors", "POST", "write", self.spawn),
            r("/v1/actors", "GET", "read", self.actors),
            r("/v1/actors/batch", "POST", "write", self.spawn_many),
            r("/v1/events", "POST", "write", self.send_many),
            r("/v1/actors/{id}", "GET", "read", self.get),
            r("/v1/actors/{id}/event", "POST", "write", self.send),
            r("/v1/actors/{id}/release", "POST", "write", self.release),
            r("/v1/actors/{id}/history", "GET", "read", self.history),
            r("/v1/actors/{id}/decisions", "GET", "read", self.actor_decisions),
            r("/v1/deployments/{id}", "GET", "read", self.deployment),
            r("/v1/deployments/{id}/decisions", "GET", "read", self.deployment_decisions),
            r("/v1/keys", "POST", "admin", self.create_key),
            r("/v1/keys", "GET", "admin", self.keys),
            r("/v1/keys/{id}", "DELETE", "admin", self.revoke_key),
        ]

    async def health(self, request: Request) -> Any:
        return {"status": "ok"}

    async def metrics_page(self, request: Request) -> Response:
        stats = await run_in_threadpool(self.keep.stats)
        text = self.metrics.render(stats, groups=self.commits.groups, grouped_calls=self.commits.calls)
        return Response(text, media_type="text/plain; version=0.0.4")

    async def openapi_json(self, request: Request) -> Any:
        return openapi.SPEC

    async def docs(self, request: Request) -> Response:
        return HTMLResponse(openapi.docs_page())

    async def deploy(self, request: Request) -> Any:
        body = await read_json(request)
        args = deploy_args(body, expect=True)
        return wire.to_json(await run_in_threadpool(lambda: self.keep.deploy(**args)))

    async def preview(self, request: Request) -> Any:
        body = await read_json(request)
        args = deploy_args(body, expect=False)
        if args["parent"] is None:
            raise ValueError("a preview needs 'parentId': the version whose actors it decides")
        limit = optional(body, "limit", int)
        shown = await run_in_threadpool(lambda: self.keep.preview(**args))
        out = wire.to_json(shown)
        if limit is not None:
            if limit < 0:
                raise ValueError("'limit' is a count, at least 0")
            for name in ("wouldMigrate", "wouldStay", "wouldStrand", "pending"):
                out["migration"][name] = out["migration"][name][:limit]
        return out

    async def validate(self, request: Request) -> Any:
        body = await read_json(request)
        if "definition" not in body:
            raise ValueError("give the definition to validate in 'definition'")
        try:
            machine = Machine(body["definition"], guard_default=optional(body, "guardDefault", bool, True))
        except DefinitionError as e:
            return {"valid": False, "error": {"path": e.path, "message": str(e)}}
        return {"valid": True, "states": machine.size}

    async def definitions(self, request: Request) -> Any:
        return [wire.record(d) for d in await run_in_threadpool(self.keep.definitions)]

    async def definition(self, request: Request) -> Any:
        wanted = request.path_params["id"]
        found = [d for d in await run_in_threadpool(self.keep.definitions) if d["id"] == wanted]
        if not found:
            raise NotFound(f"no version '{wanted}' is deployed; see GET /v1/definitions")
        return wire.record(found[0])

    async def spawn(self, request: Request) -> Response:
        body = await read_json(request)
        definition_id = required(body, "definitionId", str)
        actor = await self.commits.call(
            "spawn",
            definition_id,
            body.get("context"),
            actor_id=optional(body, "actorId", str),
            idempotency_key=optional(body, "idempotencyKey", str),
        )
        return json_response(wire.to_json(actor), 201)

    async def spawn_many(self, request: Request) -> Response:
        body = await read_json(request)
        contexts = required(body, "contexts", list)
        ids = optional(body, "actorIds", list)
        if ids is not None and len(ids) != len(contexts):
            raise ValueError("'actorIds' needs one id (or null) for each context")
        actors = await self.commits.call(
            "spawn_many",
            required(body, "definitionId", str),
            contexts,
            actor_ids=ids,
            idempotency_key=optional(body, "idempotencyKey", str),
        )
        return json_response(wire.to_json(actors), 201)

    async def send_many(self, request: Request) -> Any:
        body = await read_json(request)
        items = []
        for n, event in enumerate(required(body, "events", list)):
            if not isinstance(event, dict) or not isinstance(event.get("actorId"), str):
                raise ValueError(f"events[{n}] needs 'actorId' and 'type'")
            items.append((event["actorId"], {k: v for k, v in event.items() if k != "actorId"}))
        return wire.to_json(await self.commits.call("send_many", items))

    async def actors(self, request: Request) -> Any:
        q = request.query_params
        limit = int_param(q.get("limit"), "limit", 100)
        state: Any = q.get("state")
        if state is not None and state[:1] in '{["':
            try:
                state = json.loads(state)
            except ValueError:
                raise ValueError("'state' is a state value: a name, or JSON for a compound value") from None
        found = await run_in_threadpool(
            lambda: self.keep.actors(
                definition_id=q.get("definitionId"),
                state=state,
                status=q.get("status"),
                after=q.get("after"),
                limit=limit + 1,
            )
        )
        page = found[:limit]
        return {"actors": wire.to_json(page), "next": page[-1].id if len(found) > limit and page else None}

    async def get(self, request: Request) -> Any:
        actor_id = request.path_params["id"]
        return wire.to_json(await run_in_threadpool(self.keep.get, actor_id))

    async def send(self, request: Request) -> Any:
        body = await read_json(request)
        event_type = required(body, "type", str)
        if not event_type:
            raise ValueError("'type' is the event's type: a non-empty string")
        guards = optional(body, "guards", dict)
        if guards is not None and not all(isinstance(v, bool) for v in guards.values()):
            raise ValueError("'guards' maps guard names to true or false")
        control = {"guards", "idempotencyKey", "expectedSeq"}
        event = {"type": event_type} | {k: v for k, v in body.items() if k not in control and k != "type"}
        result = await self.commits.call(
            "send",
            request.path_params["id"],
            event,
            guards=guards,
            idempotency_key=optional(body, "idempotencyKey", str),
            expected_seq=optional(body, "expectedSeq", int),
        )
        return wire.to_json(result)

    async def release(self, request: Request) -> Any:
        return wire.record(await self.commits.call("release", request.path_params["id"]))

    async def history(self, request: Request) -> Any:
        q = request.query_params
        after = int_param(q.get("after"), "after", None)
        limit = int_param(q.get("limit"), "limit", None)
        return await run_in_threadpool(self.keep.history, request.path_params["id"], after, limit)

    async def actor_decisions(self, request: Request) -> Any:
        records = await run_in_threadpool(
            self.keep.decisions, request.path_params["id"], request.query_params.get("deployment")
        )
        return [wire.record(d) for d in records]

    async def deployment(self, request: Request) -> Any:
        return wire.to_json(await run_in_threadpool(self.keep.deployment, request.path_params["id"]))

    async def deployment_decisions(self, request: Request) -> Any:
        records = await run_in_threadpool(lambda: self.keep.decisions(deployment=request.path_params["id"]))
        return [wire.record(d) for d in records]

    async def create_key(self, request: Request) -> Response:
        body = await read_json(request)
        key = await run_in_threadpool(
            lambda: self.keep.create_api_key(required(body, "scope", str), name=optional(body, "name", str))
        )
        return json_response(wire.to_json(key), 201)

    async def keys(self, request: Request) -> Any:
        return wire.to_json(await run_in_threadpool(self.keep.api_keys))

    async def revoke_key(self, request: Request) -> Response:
        await run_in_threadpool(self.keep.revoke_api_key, request.path_params["id"])
        self.key_cache.clear()
        return Response(status_code=204)


class KeyCache:
    """API keys checked against the store at most once a second per key: a key revoked here
    is refused at once, one revoked by another process within a second."""

    TTL = 1.0

    def __init__(self, keep: Keep) -> None:
        self._keep = keep
        self._seen: dict[str, tuple[float, ApiKey | None]] = {}

    def lookup(self, token: str) -> ApiKey | None:
        now = time.monotonic()
        hit = self._seen.get(token)
        if hit is not None and now - hit[0] < self.TTL:
            return hit[1]
        key = self._keep.authenticate(token)
        if len(self._seen) > 10_000:
            self._seen.clear()  # bounded: random wrong tokens must not grow it
        self._seen[token] = (now, key)
        return key

    def clear(self) -> None:
        self._seen.clear()


# ----- reading requests ----------------------------------------------------------------------


async def read_json(request: Request) -> dict[str, Any]:
    raw = await request.body()
    if len(raw) > MAX_BODY:
        raise problems.BadRequest(f"the body is larger than {MAX_BODY} bytes")
    try:
        body = json.loads(raw) if raw else None
    except ValueError as e:
        raise problems.BadRequest(f"the body is not valid JSON: {e}") from None
    if not isinstance(body, dict):
        raise problems.BadRequest("the body must be a JSON object")
    return body


def required(body: Mapping[str, Any], name: str, kind: type) -> Any:
    if name not in body:
        raise ValueError(f"'{name}' is required")
    return optional(body, name, kind)


def optional(body: Mapping[str, Any], name: str, kind: type, default: Any = None) -> Any:
    value = body.get(name)
    if value is None:
        return default
    # JSON has no int/bool distinction Python respects: true is not a count.
    if not isinstance(value, kind) or (kind is int and isinstance(value, bool)):
        raise ValueError(f"'{name}' must be {_KIND_NAMES.get(kind, kind.__name__)}")
    return value


_KIND_NAMES = {str: "a string", int: "an integer", bool: "true or false", dict: "an object", list: "an array"}


def int_param(text: str | None, name: str, default: int | None) -> Any:
    if text is None:
        return default
    try:
        value = int(text)
    except ValueError:
        raise ValueError(f"'{name}' must be an integer") from None
    if value < 0:
        raise ValueError(f"'{name}' must be at least 0")
    return value


def deploy_args(body: Mapping[str, Any], *, expect: bool) -> dict[str, Any]:
    if "definition" not in body:
        raise ValueError("'definition' is required: the machine definition as JSON")
    path = optional(body, "historyPath", list)
    if path is not None and not all(isinstance(e, str) for e in path):
        raise ValueError("'historyPath' is a list of event types")
    state_map = optional(body, "stateMapping", dict)
    if state_map is not None and not all(isinstance(v, str) for v in state_map.values()):
        raise ValueError("'stateMapping' maps old state ids to new state ids")
    args: dict[str, Any] = {
        "id": required(body, "id", str),
        "definition": body["definition"],
        "parent": optional(body, "parentId", str),
        "history_path": path,
        "match": optional(body, "match", str, "prefix"),
        "landing": optional(body, "landing", str, "replay"),
        "state_map": state_map,
        "guard_default": optional(body, "guardDefault", bool, True),
    }
    if expect:
        args["expect"] = optional(body, "expect", str)
    return args


def create_app(keep: Keep, *, auth: bool = True, owns_keep: bool = False) -> Starlette:
    """The ASGI app serving ``keep``; it closes the keep when it shuts down if it ``owns_keep``."""
    service = Service(keep, auth=auth)

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

    app = Starlette(routes=service.routes(), exception_handlers={404: not_found, 405: not_found}, lifespan=lifespan)
    app.state.service = service
    return app
