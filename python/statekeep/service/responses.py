"""Writing responses: JSON, and errors as problem documents (``statekeep.problems``)."""

from __future__ import annotations

import json
from typing import Any

from starlette.responses import Response

from statekeep import problems


def json_response(data: Any, status: int = 200) -> Response:
    return Response(json.dumps(data, separators=(",", ":")), status_code=status, media_type="application/json")


def problem(status: int, error: BaseException | None, detail: str) -> Response:
    return Response(
        problems.body(problems.document(status, error, detail)), status_code=status, media_type=problems.PROBLEM_JSON
    )
