"""Reading requests: the JSON body, its fields and the query's parameters, checked strictly. A
body larger than :data:`MAX_BODY` is a 413, read no further than the limit; a body that cannot
be read (not strict JSON, nested too deep, not an object) a 400; a field of the wrong kind a 422
that names it. All of it before any work is done."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from starlette.requests import Request

from statekeep import jsonio, problems
from statekeep.errors import InvalidRequest

#: The most a request body may hold: 16 MiB.
MAX_BODY = 16 << 20


class ContentTooLarge(Exception):
    """A request body over :data:`MAX_BODY`: 413. What is left of it is never read into memory."""

    status = 413


async def read_body(request: Request, limit: int = MAX_BODY) -> bytes:
    """The body's bytes, streamed: a declared length over ``limit`` is refused before reading
    anything, and a body that turns out longer (chunked, or lying) as soon as it passes it, so
    a server never holds more than ``limit`` bytes of one request."""
    declared = request.headers.get("content-length")
    if declared is not None and declared.strip().isdigit() and int(declared) > limit:
        raise ContentTooLarge(_too_large(limit, f"its Content-Length is {int(declared)}"))
    chunks: list[bytes] = []
    size = 0
    async for chunk in request.stream():
        size += len(chunk)
        if size > limit:
            raise ContentTooLarge(_too_large(limit, "more was sent"))
        chunks.append(chunk)
    return b"".join(chunks)


def _too_large(limit: int, found: str) -> str:
    return f"the body is larger than {limit >> 20} MiB, the most one request may carry ({found}): send less per request"


async def read_json(request: Request) -> dict[str, Any]:
    """The body as a JSON object, parsed strictly (``statekeep.jsonio``) before any work."""
    raw = await read_body(request)
    if not raw:
        raise problems.BadRequest("the body is empty: send a JSON object")
    try:
        body = parse_json(raw, "the body")
    except InvalidRequest as e:
        raise problems.BadRequest(str(e)) from None
    if not isinstance(body, dict):
        raise problems.BadRequest("the body must be a JSON object")
    return body


def parse_json(raw: bytes | str, what: str) -> Any:
    """JSON from a client, strictly (``statekeep.jsonio``); :class:`InvalidRequest` says why not."""
    try:
        return jsonio.loads(raw, what)
    except RecursionError:
        # jsonio re-reads a document holding a long integer with the standard library, whose
        # recursion limit is below orjson's depth limit of 1,024 levels.
        raise InvalidRequest(f"{what} is not valid JSON: it is nested too deep") from None


def required(body: Mapping[str, Any], name: str, kind: type) -> Any:
    if body.get(name) is None:
        raise InvalidRequest(f"'{name}' is required")
    return optional(body, name, kind)


def optional(body: Mapping[str, Any], name: str, kind: type, default: Any = None) -> Any:
    value = body.get(name)
    if value is None:
        return default
    # JSON has no int/bool distinction Python respects: true is not a count.
    if not isinstance(value, kind) or (kind is int and isinstance(value, bool)):
        raise InvalidRequest(f"'{name}' must be {_KIND_NAMES.get(kind, kind.__name__)}")
    return value


_KIND_NAMES = {str: "a string", int: "an integer", bool: "true or false", dict: "an object", list: "an array"}


def int_param(text: str | None, name: str, default: int | None) -> Any:
    if text is None:
        return default
    try:
        value = int(text)
    except ValueError:
        raise InvalidRequest(f"'{name}' must be an integer") from None
    if value < 0:
        raise InvalidRequest(f"'{name}' must be at least 0")
    return value


def deploy_args(body: Mapping[str, Any], *, expect: bool) -> dict[str, Any]:
    """The arguments of ``deploy`` (with ``expect``) or ``preview`` in a request's body."""
    if "definition" not in body:
        raise InvalidRequest("'definition' is required: the machine definition as JSON")
    path = optional(body, "historyPath", list)
    if path is not None and not all(isinstance(e, str) for e in path):
        raise InvalidRequest("'historyPath' is a list of event types")
    state_map = optional(body, "stateMapping", dict)
    if state_map is not None and not all(isinstance(v, str) for v in state_map.values()):
        raise InvalidRequest("'stateMapping' maps old state ids to new state ids")
    args: dict[str, Any] = {
        "id": required(body, "id", str),
        "definition": body["definition"],
        "parent": optional(body, "parentId", str),
        "history_path": path,
        "match": optional(body, "match", str, "prefix"),
        "landing": optional(body, "landing", str, "replay"),
        "state_map": state_map,
        "guard_default": optional(body, "guardDefault", bool, True),
        "delays": optional(body, "delays", dict),
        "timers": optional(body, "timers", str, "keep"),
    }
    if expect:
        args["expect"] = optional(body, "expect", str)
    return args
