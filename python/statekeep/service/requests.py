"""Reading requests: the JSON body, its fields and the query's parameters, checked strictly; a
body that cannot be read is a 400, a field of the wrong kind a 422 that names it."""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

from starlette.requests import Request

from statekeep import problems

#: The most a request body may hold.
MAX_BODY = 16 << 20


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
    """The arguments of ``deploy`` (with ``expect``) or ``preview`` in a request's body."""
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
