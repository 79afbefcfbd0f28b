"""Timers: schedule an event for an actor, list its timers (delayed transitions and scheduled
events), cancel a scheduled event (StateKeep's routes, ``/v1/actors/{id}/schedule``); and the
store's timer figures (``/v1/timers``)."""

from __future__ import annotations

import math
from typing import Any

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import Response

from statekeep import problems, wire
from statekeep.errors import InvalidRequest
from statekeep.service.requests import cursor_position, optional, page, page_size, query, read_json, required
from statekeep.service.responses import json_response
from statekeep.service.routes import Service
from statekeep.service.routes.actors import read_json_or_nothing

_SCHEDULE_FIELDS = {"event", "at", "delayMs", "id", "idempotencyKey"}


async def schedule(service: Service, request: Request) -> Response:
    body = await read_json(request, _SCHEDULE_FIELDS)
    event = required(body, "event", dict)
    if not isinstance(event.get("type"), str) or not event["type"]:
        raise InvalidRequest(
            "'event' needs 'type', the event's type: a non-empty string (its other fields are its payload)"
        )
    at_text = optional(body, "at", str)
    delay_ms = body.get("delayMs")
    if delay_ms is not None and (
        isinstance(delay_ms, bool)
        or not isinstance(delay_ms, (int, float))
        or not math.isfinite(delay_ms)
        or delay_ms < 0
    ):
        raise InvalidRequest("'delayMs' is how long from now to send it: milliseconds, a number at least 0")
    if (at_text is None) == (delay_ms is None):
        raise InvalidRequest("give when to send it: 'at' (an RFC 3339 time) or 'delayMs' (milliseconds), not both")
    shown = await run_in_threadpool(
        lambda: service.keep.schedule(
            request.path_params["id"],
            event,
            at=None if at_text is None else wire.time_seconds(at_text),
            delay=None if delay_ms is None else delay_ms / 1000,
            id=optional(body, "id", str),
            idempotency_key=optional(body, "idempotencyKey", str),
        )
    )
    return json_response(wire.timer_json(shown), 201)


async def scheduled(service: Service, request: Request) -> Any:
    q = query(request, {"cursor", "limit"})
    limit = page_size(q)
    done = cursor_position(q.get("cursor"), "timers") or 0
    if not isinstance(done, int):
        raise problems.Problem("'cursor' is not a cursor this list gave", code="cursor_invalid")
    timers = await run_in_threadpool(service.keep.scheduled, request.path_params["id"])
    shown = timers[done : done + limit]
    return page([wire.timer_json(t) for t in shown], done + limit < len(timers), "timers", done + limit)


async def cancel(service: Service, request: Request) -> Response:
    query(request, ())
    await read_json_or_nothing(request)
    await run_in_threadpool(service.keep.cancel_scheduled, request.path_params["id"], request.path_params["sid"])
    return Response(status_code=204)


async def stats(service: Service, request: Request) -> Any:
    query(request, ())
    figures = await run_in_threadpool(service.keep.timer_stats)
    return wire.record(figures)
