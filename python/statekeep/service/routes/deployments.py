"""Deployments: a deployment's progress, and its decision records."""

from __future__ import annotations

from typing import Any

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request

from statekeep import wire
from statekeep.problems import Problem
from statekeep.service.requests import cursor_position, page, page_size, query
from statekeep.service.routes import Service


async def get_deployment(service: Service, request: Request) -> Any:
    query(request, ())
    return wire.to_json(await run_in_threadpool(service.keep.deployment, request.path_params["id"]))


async def decisions(service: Service, request: Request) -> Any:
    """The records in actor id order, each actor's in the order they were made. The cursor
    holds the last actor shown and how many of its records were: actors that get records
    later (on the parent, deciding as their histories grow) never shift a page."""
    q = query(request, {"cursor", "limit"})
    limit = page_size(q)
    position = cursor_position(q.get("cursor"), "deployment-decisions")
    if position is not None and not (
        isinstance(position, list)
        and len(position) == 2
        and isinstance(position[0], str)
        and isinstance(position[1], int)
    ):
        raise Problem("'cursor' is not a cursor this list gave", code="cursor_invalid")
    records = await run_in_threadpool(lambda: service.keep.decisions(deployment=request.path_params["id"]))
    if position is not None:
        records = _after(records, *position)
    shown = records[:limit]
    end = None
    if shown:
        last_actor = shown[-1]["actor"]
        end = [last_actor, sum(1 for r in shown if r["actor"] == last_actor) + (_seen(position, last_actor))]
    return page([wire.record(d) for d in shown], len(records) > limit, "deployment-decisions", end)


def _seen(position: Any, actor: str) -> int:
    """Records of ``actor`` that pages before this one showed."""
    return int(position[1]) if position is not None and position[0] == actor else 0


def _after(records: list[Any], last: str, seen: int) -> list[Any]:
    """The records after the first ``seen`` of actor ``last`` (records are in actor id order)."""
    out = []
    for r in records:
        if r["actor"] < last:
            continue
        if r["actor"] == last and seen > 0:
            seen -= 1
            continue
        out.append(r)
    return out
