"""Errors as ``application/problem+json`` (RFC 9457), and back.

The document names the Python exception (``error``), so the client raises the same class as
the embedded keep would; ``detail`` is the same message.
"""

from __future__ import annotations

import json
from typing import Any

from statekeep import errors

PROBLEM_JSON = "application/problem+json"

#: Exception class -> HTTP status, most specific first.
STATUS: list[tuple[type[BaseException], int]] = [
    (errors.Unauthorized, 401),
    (errors.Forbidden, 403),
    (errors.NotFound, 404),
    (errors.Conflict, 409),
    (errors.DefinitionError, 422),
    (errors.SnapshotError, 422),
    (errors.StepError, 422),
    (errors.InvalidRequest, 422),
]

TITLES = {
    400: "Bad Request",
    401: "Unauthorized",
    403: "Forbidden",
    404: "Not Found",
    405: "Method Not Allowed",
    409: "Conflict",
    413: "Content Too Large",
    422: "Unprocessable Content",
    500: "Internal Server Error",
    507: "Insufficient Storage",
}

#: Server faults the client is told about (what happened, and that it is not its request's
#: fault); any other is a bare 500 whose details are only in the server's log.
SERVER_FAULTS: list[tuple[type[BaseException], int]] = [
    (errors.StoreFull, 507),
    (errors.StoreDamaged, 500),
    # A process that failed closed after a key rotation, or a value that does not open.
    (errors.EncryptionError, 500),
]

#: What the client may raise, by the name in ``error``.
RAISABLE: dict[str, type[Exception]] = {
    cls.__name__: cls
    for cls in (
        errors.Error,
        errors.NotFound,
        errors.Conflict,
        errors.NeedsRescue,
        errors.DefinitionError,
        errors.SnapshotError,
        errors.StepError,
        errors.EncryptionError,
        errors.InvalidRequest,
        errors.StoreError,
        errors.StoreFull,
        errors.StoreDamaged,
        errors.Unauthorized,
        errors.Forbidden,
        ValueError,
        TypeError,
    )
}


class BadRequest(Exception):
    """A request that cannot be read at all (not JSON, not an object): 400."""


def status_of(error: BaseException) -> int | None:
    """The 4xx for an error the client caused, or None for a server fault."""
    if isinstance(error, BadRequest):
        return 400
    for cls, status in STATUS:
        if isinstance(error, cls):
            return status
    return None


def server_fault(error: BaseException) -> int | None:
    """The status of a server fault worth telling the client about, or None."""
    for cls, status in SERVER_FAULTS:
        if isinstance(error, cls):
            return status
    return None


def document(status: int, error: BaseException | None, detail: str) -> dict[str, Any]:
    doc: dict[str, Any] = {
        "type": "about:blank",
        "title": TITLES.get(status, "Error"),
        "status": status,
        "detail": detail,
    }
    if error is not None and not isinstance(error, BadRequest):
        doc["error"] = type(error).__name__ if type(error).__name__ in RAISABLE else "Error"
    if isinstance(error, errors.DefinitionError) and error.path is not None:
        doc["path"] = error.path
    if isinstance(error, errors.NeedsRescue):
        doc["deployment"] = error.deployment
        doc["reason"] = error.reason
    return doc


def body(doc: dict[str, Any]) -> bytes:
    return json.dumps(doc).encode()


def to_exception(status: int, doc: dict[str, Any]) -> Exception:
    """The exception a client raises for a problem document."""
    detail = str(doc.get("detail") or doc.get("title") or f"HTTP {status}")
    name = doc.get("error")
    if name == "NeedsRescue":
        return errors.NeedsRescue(detail, doc.get("deployment"), doc.get("reason"))
    if name == "DefinitionError":
        return errors.DefinitionError(detail, doc.get("path"))
    cls = RAISABLE.get(str(name))
    if cls is not None:
        return cls(detail)
    fallback: dict[int, type[Exception]] = {
        400: errors.InvalidRequest,
        401: errors.Unauthorized,
        403: errors.Forbidden,
        404: errors.NotFound,
        409: errors.Conflict,
        422: errors.InvalidRequest,
    }
    return fallback.get(status, errors.Error)(detail)
