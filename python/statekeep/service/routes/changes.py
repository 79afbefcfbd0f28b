"""The outbox over HTTP: pages of changes to poll (``GET /v1/changes``), and the change stream
as server-sent events (``GET /v1/changes/stream``), resumable with ``Last-Event-ID``."""

from __future__ import annotations

import asyncio
import functools
from collections.abc import AsyncIterator
from typing import Any

import orjson
from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import Response, StreamingResponse

from statekeep import wire
from statekeep.errors import InvalidRequest
from statekeep.keep.changes import FOLLOW_POLL, MAX_CHANGES
from statekeep.service.requests import choice, int_param, query
from statekeep.service.routes import Service

#: A comment sent on an idle stream this often (seconds), so that proxies and clients see it alive.
KEEP_ALIVE = 15.0
#: Changes read (and opened) per look: a client that reconnects often costs no more than this.
STREAM_PAGE = 100
#: The least time between two looks of a stream that is keeping up (seconds): under a stream of
#: commits, each look takes what several of them committed, rather than one look per commit.
COALESCE = 0.02
_FILTERS = ("actor", "definition")


async def list_changes(service: Service, request: Request) -> Any:
    q = query(request, {"after", "before", "order", "limit", *_FILTERS})
    limit = int_param(q.get("limit"), "limit", 100, low=1, high=MAX_CHANGES)
    if choice(q, "order", ("asc", "desc")) == "desc":
        if q.get("after") is not None:
            raise InvalidRequest("'after' starts an oldest-first page; newest first (order=desc), give 'before'")
        before = int_param(q.get("before"), "before", None)

        def read_back() -> tuple[list[Any], int, int]:
            last = service.keep.last_change()
            found, below = service.keep.change_page_before(
                before, limit, actor=q.get("actor"), definition=q.get("definition")
            )
            return found, below, last

        found, below, last = await run_in_threadpool(read_back)
        return {"items": [wire.to_json(c) for c in found], "next": below, "last": last}
    if q.get("before") is not None:
        raise InvalidRequest("'before' starts a newest-first page (order=desc); oldest first, give 'after'")
    after = int_param(q.get("after"), "after", 0)

    def read() -> tuple[list[Any], int, int]:
        last = service.keep.last_change()  # first: every change up to it is in what follows
        found, looked = service.keep.change_page(after, limit, actor=q.get("actor"), definition=q.get("definition"))
        return found, looked, last

    found, looked, last = await run_in_threadpool(read)
    return {"items": [wire.to_json(c) for c in found], "next": looked, "last": max(last, looked)}


async def stream(service: Service, request: Request) -> Response:
    q = query(request, {"after", *_FILTERS})
    resume = request.headers.get("last-event-id")
    if resume is not None:
        try:
            after = int(resume)
        except ValueError:
            raise InvalidRequest(f"'Last-Event-ID' is the number of the last change received, not {resume!r}") from None
        if after < 0:
            raise InvalidRequest("'Last-Event-ID' is the number of the last change received: at least 0")
    else:
        after = int_param(q.get("after"), "after", None)
        if after is None:  # from now on
            after = await run_in_threadpool(service.keep.last_change)
    filters = {name: q.get(name) for name in _FILTERS}
    # Refused now, as a problem, rather than as a stream that ends at once.
    await run_in_threadpool(lambda: service.keep.change_page(after, 1, **filters))
    return StreamingResponse(
        _events(service, after, filters),
        media_type="text/event-stream",
        headers={"Cache-Control": "no-cache", "X-Accel-Buffering": "no"},
    )


async def _events(service: Service, after: int, filters: dict[str, Any]) -> AsyncIterator[bytes]:
    """Each change as an event whose id is its number; a comment when idle. A change committed
    by this process wakes the stream at once; one by another process is seen within
    :data:`FOLLOW_POLL` seconds."""
    signal = service.changes
    service.metrics.streams += 1
    try:
        async for chunk in _follow(service, signal, after, filters):
            yield chunk
    finally:
        service.metrics.streams -= 1


async def _follow(service: Service, signal: ChangeSignal, after: int, filters: dict[str, Any]) -> AsyncIterator[bytes]:
    yield b": statekeep change stream\n\n"
    idle = 0.0
    while True:
        found, looked = await run_in_threadpool(
            functools.partial(service.keep.change_page, after, STREAM_PAGE, **filters)
        )
        if found:
            yield b"".join(
                b"id: %d\nevent: change\ndata: %s\n\n" % (c.seq, orjson.dumps(wire.to_json(c))) for c in found
            )
            idle = 0.0
        if looked != after:
            after = looked
            continue
        waited = await signal.wait(FOLLOW_POLL)
        idle = 0.0 if waited else idle + FOLLOW_POLL
        if waited:
            await asyncio.sleep(COALESCE)
        if idle >= KEEP_ALIVE:
            yield b": keep-alive\n\n"
            idle = 0.0


class ChangeSignal:
    """Wakes the streams when this process commits changes (``keep.on_changes``): a new event
    each time, so that every stream waiting on the last one wakes."""

    def __init__(self) -> None:
        self._loop: asyncio.AbstractEventLoop | None = None
        self._event: asyncio.Event | None = None

    def notify(self) -> None:
        """From any thread."""
        loop = self._loop
        if loop is not None and not loop.is_closed():
            loop.call_soon_threadsafe(self._fire)

    def _fire(self) -> None:
        if self._event is not None:
            self._event.set()
            self._event = None

    async def wait(self, timeout: float) -> bool:
        """Whether changes were committed here within ``timeout`` seconds."""
        self._loop = asyncio.get_running_loop()
        if self._event is None:
            self._event = asyncio.Event()
        try:
            await asyncio.wait_for(self._event.wait(), timeout)
        except TimeoutError:
            return False
        return True
