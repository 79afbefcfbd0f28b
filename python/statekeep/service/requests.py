"""Reading requests strictly, before any work is done: the JSON body, its fields and the
query's parameters, each refused with a problem whose code says why.

- A body larger than :data:`MAX_BODY` is a 413 (``body_too_large``), read no further than the
  limit; one that cannot be read (empty, not strict JSON, nested too deep, not an object) a 400
  (``invalid_json``).
- A field or parameter the route does not take is a 422 (``unknown_field``,
  ``unknown_parameter``) naming it and those allowed: a misspelt name is never ignored. A field
  of the wrong kind or out of range is a 422 (``invalid_request``) that names it.
- Lists page with ``limit`` (:data:`PAGE_DEFAULT`, at most :data:`PAGE_MAX`) and ``cursor``,
  the ``next`` of the page before: an opaque token (:func:`cursor_text`).
"""

from __future__ import annotations

import base64
import binascii
import difflib
import json
from collections.abc import Collection, Mapping
from typing import Any

from starlette.requests import Request

from statekeep import jsonio
from statekeep.errors import InvalidRequest
from statekeep.problems import Problem

#: The most a request body may hold: 16 MiB.
MAX_BODY = 16 << 20
#: Items on a page when the request does not say, and the most it may ask for.
PAGE_DEFAULT = 100
PAGE_MAX = 1000


async def read_body(request: Request, limit: int = MAX_BODY) -> bytes:
    """The body's bytes, streamed: a declared length over ``limit`` is refused before reading
    anything, and a body that turns out longer (chunked, or lying) as soon as it passes it, so
    a server never holds more than ``limit`` bytes of one request."""
    declared = request.headers.get("content-length")
    if declared is not None and declared.strip().isdigit() and int(declared) > limit:
        raise _too_large(limit, f"its Content-Length is {int(declared)}")
    chunks: list[bytes] = []
    size = 0
    async for chunk in request.stream():
        size += len(chunk)
        if size > limit:
            raise _too_large(limit, "more was sent")
        chunks.append(chunk)
    return b"".join(chunks)


def _too_large(limit: int, found: str) -> Problem:
    return Problem(
        f"the body is larger than {limit >> 20} MiB, the most one request may carry ({found}): send less per request",
        code="body_too_large",
    )


async def read_json(request: Request, allowed: Collection[str] | None) -> dict[str, Any]:
    """The body as a JSON object, parsed strictly (``statekeep.jsonio``), with no field outside
    ``allowed`` (None: any field, as an event's payload fields are)."""
    raw = await read_body(request)
    if not raw:
        raise Problem("the body is empty: send a JSON object", code="invalid_json")
    try:
        body = parse_json(raw, "the body")
    except InvalidRequest as e:
        raise Problem(str(e), code="invalid_json") from None
    if not isinstance(body, dict):
        raise Problem("the body must be a JSON object", code="invalid_json")
    if allowed is not None:
        only(body, allowed, "the body")
    return body


def parse_json(raw: bytes | str, what: str) -> Any:
    """JSON from a client, strictly (``statekeep.jsonio``); :class:`InvalidRequest` says why not."""
    try:
        return jsonio.loads(raw, what)
    except RecursionError:
        # jsonio re-reads a document holding a long integer with the standard library, whose
        # recursion limit is below orjson's depth limit of 1,024 levels.
        raise InvalidRequest(f"{what} is not valid JSON: it is nested too deep") from None


def only(fields: Mapping[str, Any], allowed: Collection[str], where: str) -> None:
    """Refuse the first field of ``fields`` (in order) that is not ``allowed``, naming those that are."""
    for name in fields:
        if name not in allowed:
            names = sorted(allowed)
            close = difflib.get_close_matches(name, names, n=1)
            hint = f" (did you mean '{close[0]}'?)" if close else ""
            takes = f"its fields are: {', '.join(names)}" if names else "this request takes no body"
            raise Problem(
                f"'{name}' is not a field of {where}{hint}; {takes}",
                code="unknown_field",
                field=name,
                allowed=names,
            )


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


def definition(body: Mapping[str, Any]) -> dict[str, Any]:
    """The ``definition`` of a body: a JSON object. A definition sent as a JSON string holding
    one is refused: the API documents an object, and a string is a mistake (twice-encoded)."""
    value = body.get("definition")
    if value is None:
        raise InvalidRequest("'definition' is required: the machine definition, a JSON object")
    if not isinstance(value, dict):
        given = "a string (JSON text?)" if isinstance(value, str) else f"{_json_kind(value)}"
        raise InvalidRequest(f"'definition' must be a JSON object (the machine definition), not {given}")
    return value


def _json_kind(value: Any) -> str:
    if isinstance(value, bool):
        return "true or false"
    if isinstance(value, (int, float)):
        return "a number"
    if isinstance(value, list):
        return "an array"
    return "a string"


# ----- the query ----------------------------------------------------------------------------


def query(request: Request, allowed: Collection[str]) -> dict[str, str]:
    """The query's parameters: each at most once, none outside ``allowed``."""
    params = request.query_params
    out: dict[str, str] = {}
    for name, value in params.multi_items():
        if name not in allowed:
            names = sorted(allowed)
            raise Problem(
                f"'{name}' is not a parameter of this route; its parameters are: {', '.join(names) or 'none'}",
                code="unknown_parameter",
                field=name,
                allowed=names,
            )
        if name in out:
            raise InvalidRequest(f"'{name}' is given more than once")
        out[name] = value
    return out


def int_param(text: str | None, name: str, default: int | None, *, low: int = 0, high: int | None = None) -> Any:
    """An integer parameter within ``low`` and ``high`` (inclusive)."""
    if text is None:
        return default
    try:
        value = int(text)
    except ValueError:
        raise InvalidRequest(f"'{name}' must be an integer, not {text!r}") from None
    if value < low or (high is not None and value > high):
        bound = f"from {low} to {high}" if high is not None else f"at least {low}"
        raise InvalidRequest(f"'{name}' must be {bound}, not {value}")
    return value


def page_size(params: Mapping[str, str]) -> int:
    return int(int_param(params.get("limit"), "limit", PAGE_DEFAULT, low=1, high=PAGE_MAX))


def choice(params: Mapping[str, str], name: str, choices: Collection[str]) -> str | None:
    value = params.get(name)
    if value is not None and value not in choices:
        raise InvalidRequest(f"'{name}' must be one of {', '.join(choices)}, not {value!r}")
    return value


def cursor_text(route: str, position: Any) -> str:
    """An opaque cursor: where a list stopped (``position``), for ``route``'s list only."""
    raw = json.dumps([route, position], separators=(",", ":")).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def cursor_position(text: str | None, route: str) -> Any:
    """The position a cursor of ``route`` holds; None without one."""
    if text is None:
        return None
    try:
        kind, position = json.loads(base64.urlsafe_b64decode(text + "=" * (-len(text) % 4)))
        if kind == route:
            return position
    except (ValueError, TypeError, binascii.Error):
        pass
    raise Problem(
        "'cursor' is not a cursor this list gave: pass the 'next' of the previous page unchanged",
        code="cursor_invalid",
    )


def page(items: list[Any], more: bool, route: str, position: Any) -> dict[str, Any]:
    """A page of a list: its items and the cursor of the next page (None after the last)."""
    return {"items": items, "next": cursor_text(route, position) if more else None}


def deploy_args(body: Mapping[str, Any], *, expect: bool) -> dict[str, Any]:
    """The arguments of ``deploy`` (with ``expect``) or ``preview`` in a request's body."""
    path = optional(body, "historyPath", list)
    if path is not None and not all(isinstance(e, str) for e in path):
        raise InvalidRequest("'historyPath' is a list of event types (strings)")
    state_map = optional(body, "stateMapping", dict)
    if state_map is not None and not all(isinstance(v, str) for v in state_map.values()):
        raise InvalidRequest("'stateMapping' maps old state ids to new state ids (strings)")
    args: dict[str, Any] = {
        "id": required(body, "id", str),
        "definition": definition(body),
        "parent": optional(body, "parentId", str),
        "history_path": path,
        "match": optional(body, "match", str, "prefix"),
        "landing": optional(body, "landing", str, "replay"),
        "state_map": state_map,
        "guard_default": optional(body, "guardDefault", bool, True),
        "delays": _delays(body),
        "timers": optional(body, "timers", str, "keep"),
    }
    if expect:
        args["expect"] = optional(body, "expect", str)
    return args


def _delays(body: Mapping[str, Any]) -> dict[str, Any] | None:
    delays: dict[str, Any] | None = optional(body, "delays", dict)
    if delays is not None and not all(
        isinstance(v, (int, float)) and not isinstance(v, bool) and v >= 0 for v in delays.values()
    ):
        raise InvalidRequest("'delays' maps delay names to milliseconds (numbers, at least 0)")
    return delays


#: The fields of a deploy's body (a preview's take ``limit`` instead of ``expect``).
DEPLOY_FIELDS = frozenset(
    {
        "id",
        "definition",
        "parentId",
        "historyPath",
        "match",
        "landing",
        "stateMapping",
        "guardDefault",
        "delays",
        "timers",
        "expect",
    }
)
PREVIEW_FIELDS = (DEPLOY_FIELDS - {"expect"}) | {"limit"}
