"""Writing responses: JSON (strict: a value JSON cannot carry, NaN or an infinity, is never
written), and errors as problem documents (``statekeep.problems``)."""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

from starlette.responses import Response

from statekeep import problems


def json_response(data: Any, status: int = 200) -> Response:
    return Response(
        json.dumps(data, separators=(",", ":"), allow_nan=False), status_code=status, media_type="application/json"
    )


def problem(
    code: str, detail: str, error: BaseException | None = None, headers: Mapping[str, str] | None = None
) -> Response:
    doc = problems.document(code, detail, error)
    return Response(
        problems.body(doc), status_code=doc["status"], media_type=problems.PROBLEM_JSON, headers=dict(headers or {})
    )
