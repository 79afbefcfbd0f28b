"""Errors as ``application/problem+json`` (RFC 9457), and back.

Every problem document has a stable ``code`` naming the condition (``actor_not_found``,
``seq_conflict``, ...: :data:`CODES`, the one list, which the OpenAPI description shows), and
``message`` equal to ``detail``, the human-readable text. The client raises the class a code
stands for, with the same message and code, so a call fails the same way embedded or over HTTP.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from statekeep import errors

PROBLEM_JSON = "application/problem+json"


@dataclass(frozen=True)
class Code:
    """A condition the HTTP API reports: its status, the exception a client raises for it, and
    what it means (for the OpenAPI description)."""

    status: int
    raises: type[Exception]
    meaning: str


#: Every code a problem document may carry. A code names one condition; the message says the
#: particulars (which actor, which field).
CODES: dict[str, Code] = {
    # The request itself.
    "invalid_json": Code(
        400,
        errors.InvalidRequest,
        "The body is not a JSON object: empty, not JSON, not strict JSON (NaN, Infinity, a number "
        "too large for a double), or nested deeper than 1,024 levels.",
    ),
    "body_too_large": Code(413, errors.InvalidRequest, "The body is larger than 16 MiB."),
    "unknown_field": Code(
        422,
        errors.InvalidRequest,
        "The body has a field the route does not take (a misspelt name is never ignored); `field` "
        "names it and `allowed` lists the route's fields.",
    ),
    "unknown_parameter": Code(
        422, errors.InvalidRequest, "A query parameter the route does not take; `allowed` lists the route's."
    ),
    "invalid_request": Code(
        422,
        errors.InvalidRequest,
        "A field or parameter is missing, of the wrong type, or outside its range; the message "
        "says which and what is allowed.",
    ),
    "cursor_invalid": Code(
        422, errors.InvalidRequest, "`cursor` is not a `next` that this route gave: pass it back unchanged."
    ),
    "route_not_found": Code(404, errors.NotFound, "No route has this path."),
    "method_not_allowed": Code(
        405, errors.InvalidRequest, "The route does not take this method; `Allow` lists those it does."
    ),
    # Who is asking.
    "unauthorized": Code(
        401, errors.Unauthorized, "No API key, or one that is wrong, revoked, or not sent as `Bearer sk_...`."
    ),
    "forbidden": Code(403, errors.Forbidden, "The API key's scope is too small (scopes nest: admin > write > read)."),
    # What the request names.
    "actor_not_found": Code(404, errors.NotFound, "No actor has this id."),
    "version_not_found": Code(404, errors.NotFound, "No version (definition) with this id is deployed."),
    "api_key_not_found": Code(404, errors.NotFound, "No API key has this id (it may have been revoked)."),
    "webhook_not_found": Code(404, errors.NotFound, "No webhook endpoint has this id."),
    "change_not_found": Code(
        404, errors.NotFound, "The outbox has no change with this number (not committed yet, or pruned)."
    ),
    "not_found": Code(404, errors.NotFound, "Something the request names does not exist."),
    "webhook_url_invalid": Code(
        422,
        errors.InvalidRequest,
        "A webhook URL that is not an HTTP or HTTPS URL with a host (and no credentials).",
    ),
    "webhook_url_forbidden": Code(
        422,
        errors.InvalidRequest,
        "A webhook URL whose host is or resolves to an address that is not public (loopback, private, "
        "link-local, reserved): refused unless the server allows private addresses (--allow-private-webhooks).",
    ),
    "definition_invalid": Code(
        422, errors.DefinitionError, "The definition does not compile; `path` is the JSON path of what is wrong."
    ),
    "snapshot_invalid": Code(422, errors.SnapshotError, "A state value that the actor's version does not have."),
    "step_failed": Code(
        422, errors.StepError, "The event's step cannot complete (eventless transitions that never settle)."
    ),
    # The state of things.
    "actor_exists": Code(409, errors.Conflict, "An actor with this id exists already."),
    "version_exists": Code(
        409,
        errors.Conflict,
        "A different definition is deployed under this id already; deploy the change under a new id.",
    ),
    "seq_conflict": Code(409, errors.Conflict, "`expectedSeq` is not the actor's seq: it changed since it was read."),
    "idempotency_key_reused": Code(409, errors.Conflict, "The idempotency key was used for a different request."),
    "preview_outdated": Code(
        409, errors.Conflict, "`expect` is not the digest of what deploying would do now: preview again."
    ),
    "needs_rescue": Code(
        409,
        errors.NeedsRescue,
        "The actor was stranded by a deployment and refuses events until it is moved or released; "
        "`deployment` and `reason` say by which and why.",
    ),
    "not_stranded": Code(409, errors.Conflict, "The actor is not stranded: there is nothing to release."),
    "actor_terminated": Code(409, errors.Conflict, "The actor was terminated: it takes no more events."),
    "rotation_in_progress": Code(409, errors.Conflict, "Another key rotation is under way."),
    "conflict": Code(409, errors.Conflict, "The request contradicts the current state; the message says how."),
    # The server.
    "store_full": Code(
        507, errors.StoreFull, "The store cannot take another write (disk full, or its size limit); reads go on."
    ),
    "store_conflict": Code(
        503,
        errors.StoreConflict,
        "The write conflicted with concurrent ones and was undone whole, after retries: send it again.",
    ),
    "store_damaged": Code(500, errors.StoreDamaged, "A stored record is missing or unreadable: restore from a backup."),
    "encryption_failed": Code(
        500, errors.EncryptionError, "A stored value cannot be opened with the server's keys (see its log)."
    ),
    "internal_error": Code(500, errors.Error, "The server failed; the details are in its log."),
}

#: Codes for errors the client caused, by the class raised when the raise named none.
_BY_CLASS: list[tuple[type[BaseException], str]] = [
    (errors.Unauthorized, "unauthorized"),
    (errors.Forbidden, "forbidden"),
    (errors.NeedsRescue, "needs_rescue"),
    (errors.NotFound, "not_found"),
    (errors.Conflict, "conflict"),
    (errors.DefinitionError, "definition_invalid"),
    (errors.SnapshotError, "snapshot_invalid"),
    (errors.StepError, "step_failed"),
    (errors.InvalidRequest, "invalid_request"),
    # Server faults the client is told about (what happened, and that it is not its request's
    # fault); any other is a bare 500 whose details are only in the server's log.
    (errors.StoreFull, "store_full"),
    (errors.StoreDamaged, "store_damaged"),
    (errors.StoreConflict, "store_conflict"),
    # A process that failed closed after a key rotation, or a value that does not open.
    (errors.EncryptionError, "encryption_failed"),
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
    503: "Service Unavailable",
    507: "Insufficient Storage",
}


class Problem(errors.InvalidRequest):
    """A request the service refuses before the keep sees it, with its code (``invalid_json``,
    ``unknown_field``, ...) and any extension members of its document."""

    def __init__(self, message: str, *, code: str, **members: Any) -> None:
        super().__init__(message, code=code)
        self.members = members


def code_of(error: BaseException) -> str | None:
    """The code of an error the HTTP API reports with its own document; None for any other
    (a bare 500)."""
    own = getattr(error, "code", None)
    if isinstance(error, errors.Error) and own in CODES and isinstance(error, CODES[own].raises):
        return str(own)
    for cls, code in _BY_CLASS:
        if isinstance(error, cls):
            return code
    return None


def document(code: str, detail: str, error: BaseException | None = None) -> dict[str, Any]:
    """The problem document for ``code``: ``detail`` and ``message`` are the same text."""
    status = CODES[code].status
    doc: dict[str, Any] = {
        "type": "about:blank",
        "title": TITLES.get(status, "Error"),
        "status": status,
        "code": code,
        "detail": detail,
        "message": detail,
    }
    if isinstance(error, Problem):
        doc.update(error.members)
    if isinstance(error, errors.DefinitionError) and error.path is not None:
        doc["path"] = error.path
    if isinstance(error, errors.NeedsRescue):
        doc["deployment"] = error.deployment
        doc["reason"] = error.reason
    return doc


def body(doc: dict[str, Any]) -> bytes:
    return json.dumps(doc, allow_nan=False).encode()


def to_exception(status: int, doc: dict[str, Any]) -> Exception:
    """The exception a client raises for a problem document: the class its code stands for,
    with the document's message and code."""
    detail = str(doc.get("detail") or doc.get("message") or doc.get("title") or f"HTTP {status}")
    code = doc.get("code")
    known = CODES.get(code) if isinstance(code, str) else None
    if known is None:
        fallback: dict[int, type[errors.Error]] = {
            400: errors.InvalidRequest,
            401: errors.Unauthorized,
            403: errors.Forbidden,
            404: errors.NotFound,
            409: errors.Conflict,
            413: errors.InvalidRequest,
            422: errors.InvalidRequest,
            507: errors.StoreFull,
        }
        return fallback.get(status, errors.Error)(detail)
    assert isinstance(code, str)
    if known.raises is errors.NeedsRescue:
        return errors.NeedsRescue(detail, doc.get("deployment"), doc.get("reason"), code=code)
    if known.raises is errors.DefinitionError:
        return errors.DefinitionError(detail, doc.get("path"), code=code)
    return known.raises(detail, code=code) if issubclass(known.raises, errors.Error) else known.raises(detail)
