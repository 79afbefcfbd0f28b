"""The OpenAPI description of the HTTP API, and a docs page rendered from it by the server
itself (no CDN: the machine may be offline)."""

from __future__ import annotations

import html
import json
from typing import Any

from statekeep._core import __version__


def _ref(name: str) -> dict[str, Any]:
    return {"$ref": f"#/components/schemas/{name}"}


def _json(schema: dict[str, Any], description: str) -> dict[str, Any]:
    return {"description": description, "content": {"application/json": {"schema": schema}}}


_PROBLEM = {"content": {"application/problem+json": {"schema": _ref("Problem")}}}


def _problems(*codes: int) -> dict[str, Any]:
    text = {
        400: "The body cannot be read: not strict JSON, nested deeper than 1,024 levels, or not an object",
        401: "No valid API key",
        403: "The key's scope is too small",
        404: "Not found",
        409: "A conflict: stale seq, reused idempotency key, existing id, needs rescue",
        413: "The body is larger than 16 MiB",
        422: "A value that is wrong (the detail says which)",
    }
    return {str(c): {"description": text[c], **_PROBLEM} for c in codes}


def _op(
    summary: str,
    scope: str | None,
    ok: dict[str, Any],
    *,
    body: str | None = None,
    params: list[Any] | None = None,
    problems: tuple[int, ...] = (),
    status: str = "200",
) -> dict[str, Any]:
    op: dict[str, Any] = {"summary": summary, "responses": {status: ok, **_problems(*problems)}}
    if scope is not None:
        op["description"] = f"Needs an API key with scope `{scope}` (scopes nest: admin > write > read)."
        op["responses"].update(_problems(401, 403))
    else:
        op["security"] = []
    if body is not None:
        op["requestBody"] = {"required": True, "content": {"application/json": {"schema": _ref(body)}}}
        op["responses"].update(_problems(400, 413, 422))
    if params:
        op["parameters"] = list(params)
    return op


def _path_id(what: str) -> dict[str, Any]:
    return {"name": "id", "in": "path", "required": True, "description": what, "schema": {"type": "string"}}


def _query(name: str, schema: dict[str, Any], description: str) -> dict[str, Any]:
    return {"name": name, "in": "query", "required": False, "description": description, "schema": schema}


_COUNT = {"type": "integer", "minimum": 0}
_FINGERPRINT = {"type": "string", "pattern": "^[0-9a-f]{16}$", "description": "16 lowercase hex digits"}
_ANY: dict[str, Any] = {}


def _LIST_OF(name: str) -> dict[str, Any]:
    return {"type": "array", "items": _ref(name)}


SCHEMAS: dict[str, Any] = {
    "Problem": {
        "type": "object",
        "required": ["title", "status", "detail"],
        "properties": {
            "type": {"type": "string"},
            "title": {"type": "string"},
            "status": {"type": "integer"},
            "detail": {"type": "string"},
            "error": {"type": "string", "description": "the Python exception's name"},
            "path": {"type": "string", "description": "the JSON path of a definition's offending node"},
            "deployment": {"type": ["string", "null"]},
            "reason": {"type": ["object", "null"]},
        },
    },
    "DeployRequest": {
        "type": "object",
        "required": ["id", "definition"],
        "properties": {
            "id": {"type": "string", "minLength": 1},
            "definition": {"type": "object", "description": "an XState v5 machine definition (JSON)"},
            "parentId": {"type": ["string", "null"]},
            "historyPath": {"type": ["array", "null"], "items": {"type": "string"}},
            "match": {"type": "string", "enum": ["prefix", "exact"]},
            "landing": {"type": "string", "enum": ["replay", "state"]},
            "stateMapping": {"type": ["object", "null"], "additionalProperties": {"type": "string"}},
            "guardDefault": {"type": "boolean"},
            "delays": {
                "type": ["object", "null"],
                "additionalProperties": {"type": "number", "minimum": 0},
                "description": "the named delays of 'after', in milliseconds",
            },
            "timers": {
                "type": "string",
                "enum": ["keep", "restart"],
                "description": "what a migration does to a delayed transition's due time",
            },
            "expect": {"type": ["string", "null"], "description": "a preview's digest: deploy only that outcome"},
            "limit": {"type": "integer", "minimum": 0, "description": "preview only: the most ids in each list"},
        },
    },
    "ValidateRequest": {
        "type": "object",
        "required": ["definition"],
        "properties": {"definition": {"type": "object"}, "guardDefault": {"type": "boolean"}},
    },
    "Validation": {
        "type": "object",
        "required": ["valid"],
        "properties": {
            "valid": {"type": "boolean"},
            "states": {"type": "integer"},
            "error": {
                "type": "object",
                "properties": {"path": {"type": ["string", "null"]}, "message": {"type": "string"}},
            },
        },
    },
    "Definition": {
        "type": "object",
        "required": ["id", "definition"],
        "properties": {
            "id": {"type": "string"},
            "parentId": {"type": ["string", "null"]},
            "historyPath": {"type": "array", "items": {"type": "string"}},
            "match": {"type": "string"},
            "landing": {"type": "string"},
            "stateMapping": {"type": "object"},
            "guardDefault": {"type": "boolean"},
            "definition": {"type": "object"},
            "committedAt": {"type": "number"},
        },
    },
    "Deployment": {
        "type": "object",
        "required": ["id", "scanned", "total", "done", "counts"],
        "properties": {
            "id": {"type": "string"},
            "parentId": {"type": ["string", "null"]},
            "historyPath": {"type": "array", "items": {"type": "string"}},
            "match": {"type": "string"},
            "landing": {"type": "string"},
            "stateMapping": {"type": "object"},
            "guardDefault": {"type": "boolean"},
            "seq": _COUNT,
            "scanned": _COUNT,
            "total": _COUNT,
            "done": {"type": "boolean"},
            "counts": {
                "type": "object",
                "additionalProperties": _COUNT,
                "description": "decision records written so far, by kind",
            },
            "lastError": {
                "type": ["string", "null"],
                "description": "while the scan is not done: the error of its last attempt, if it failed (it retries)",
            },
        },
    },
    "Preview": {
        "type": "object",
        "required": ["migration", "digest"],
        "properties": {
            "migration": {
                "type": "object",
                "required": ["wouldMigrate", "wouldStay", "wouldStrand", "pending", "counts", "flows"],
                "properties": {
                    "wouldMigrate": {"type": "array", "items": {"type": "string"}},
                    "wouldStay": {"type": "array", "items": {"type": "string"}},
                    "wouldStrand": {"type": "array", "items": {"type": "string"}},
                    "pending": {"type": "array", "items": {"type": "string"}},
                    "counts": {"type": "object", "additionalProperties": _COUNT},
                    "flows": {
                        "type": "array",
                        "items": {"type": "object", "properties": {"from": _ANY, "to": _ANY, "count": _COUNT}},
                    },
                    "reasons": {"type": "object", "additionalProperties": {"type": "object"}},
                },
            },
            "digest": {"type": "string"},
        },
    },
    "SpawnRequest": {
        "type": "object",
        "required": ["definitionId"],
        "properties": {
            "definitionId": {"type": "string"},
            "context": _ANY,
            "actorId": {"type": ["string", "null"]},
            "idempotencyKey": {"type": ["string", "null"]},
        },
    },
    "SpawnManyRequest": {
        "type": "object",
        "required": ["definitionId", "contexts"],
        "properties": {
            "definitionId": {"type": "string"},
            "contexts": {"type": "array"},
            "actorIds": {"type": ["array", "null"], "items": {"type": ["string", "null"]}},
            "idempotencyKey": {"type": ["string", "null"]},
        },
    },
    "EventBatch": {
        "type": "object",
        "required": ["events"],
        "properties": {
            "events": {
                "type": "array",
                "items": {
                    "type": "object",
                    "required": ["actorId", "type"],
                    "additionalProperties": True,
                    "properties": {"actorId": {"type": "string"}, "type": {"type": "string", "minLength": 1}},
                },
            }
        },
    },
    "Actor": {
        "type": "object",
        "required": ["actorId", "version", "stateValue", "status", "seq", "fingerprint"],
        "properties": {
            "actorId": {"type": "string"},
            "version": {"type": "string"},
            "stateValue": _ANY,
            "status": {"type": "string"},
            "context": _ANY,
            "seq": _COUNT,
            "historyLength": _COUNT,
            "fingerprint": _FINGERPRINT,
            "needsRescue": {"type": ["object", "null"]},
        },
    },
    "ActorPage": {
        "type": "object",
        "required": ["actors", "next"],
        "properties": {
            "actors": _LIST_OF("Actor"),
            "next": {"type": ["string", "null"], "description": "pass as `after`"},
        },
    },
    "EventRequest": {
        "type": "object",
        "required": ["type"],
        "additionalProperties": True,
        "description": "the event: its type and payload fields, with the control fields below",
        "properties": {
            "type": {"type": "string", "minLength": 1},
            "guards": {"type": ["object", "null"], "additionalProperties": {"type": "boolean"}},
            "idempotencyKey": {"type": ["string", "null"]},
            "expectedSeq": {"type": ["integer", "null"], "minimum": 0},
        },
    },
    "StepResult": {
        "type": "object",
        "required": ["actorId", "stateValue", "status", "version", "seq", "handled"],
        "properties": {
            "actorId": {"type": "string"},
            "stateValue": _ANY,
            "status": {"type": "string"},
            "version": {"type": "string"},
            "seq": _COUNT,
            "actions": {"type": "array", "items": {"type": "object"}},
            "effects": {"type": "array", "items": {"type": "object"}},
            "handled": {"type": "boolean"},
            "decisions": _LIST_OF("Decision"),
        },
    },
    "Decision": {
        "type": "object",
        "required": ["kind", "deployment"],
        "properties": {
            "kind": {"type": "string", "enum": ["migrated", "stayed", "stranded", "superseded", "released"]},
            "deployment": {"type": "string"},
            "from": {"type": "string"},
            "to": {"type": "string"},
            "actorId": {"type": "string"},
            "actorFingerprint": _FINGERPRINT,
            "pathFingerprint": _FINGERPRINT,
            "reason": {"type": "object"},
            "landing": _ANY,
            "at": {"type": "number"},
        },
    },
    "HistoryEntry": {
        "type": "object",
        "required": ["index", "type"],
        "properties": {
            "index": _COUNT,
            "type": {"type": "string"},
            "payload": {"type": "object"},
            "guards": {"type": "object", "additionalProperties": {"type": "boolean"}},
            "at": {"type": "number"},
        },
    },
    "KeyRequest": {
        "type": "object",
        "required": ["scope"],
        "properties": {
            "scope": {"type": "string", "enum": ["read", "write", "admin"]},
            "name": {"type": ["string", "null"]},
        },
    },
    "ApiKey": {
        "type": "object",
        "required": ["id", "scope"],
        "properties": {
            "id": {"type": "string"},
            "scope": {"type": "string"},
            "name": {"type": ["string", "null"]},
            "createdAt": {"type": "number"},
            "token": {"type": "string", "description": "the key itself; only in the answer that creates it"},
        },
    },
}

_ACTOR_ID = _path_id("the actor's id")

PATHS: dict[str, Any] = {
    "/v1/health": {"get": _op("Liveness", None, _json({"type": "object"}, "Up"))},
    "/v1/metrics": {
        "get": _op(
            "Prometheus metrics",
            "read",
            {"description": "Prometheus text", "content": {"text/plain": {"schema": {"type": "string"}}}},
        )
    },
    "/v1/definitions": {
        "put": _op(
            "Deploy a version (idempotent for an identical body)",
            "admin",
            _json(_ref("Deployment"), "Deployed"),
            body="DeployRequest",
            problems=(404, 409),
        ),
        "get": _op("Every committed version, in commit order", "read", _json(_LIST_OF("Definition"), "Versions")),
    },
    "/v1/definitions/preview": {
        "post": _op(
            "What deploying would do to every actor on the parent; writes nothing",
            "admin",
            _json(_ref("Preview"), "The outcome"),
            body="DeployRequest",
            problems=(404, 409),
        )
    },
    "/v1/definitions/validate": {
        "post": _op(
            "Compile a definition and say what is wrong with it",
            "read",
            _json(_ref("Validation"), "Valid or not"),
            body="ValidateRequest",
        )
    },
    "/v1/definitions/{id}": {
        "get": _op(
            "One version",
            "read",
            _json(_ref("Definition"), "The version"),
            params=[_path_id("the version's id")],
            problems=(404,),
        )
    },
    "/v1/actors": {
        "post": _op(
            "Spawn an actor",
            "write",
            _json(_ref("Actor"), "Spawned"),
            body="SpawnRequest",
            problems=(404, 409),
            status="201",
        ),
        "get": _op(
            "Actors in id order, a page at a time",
            "read",
            _json(_ref("ActorPage"), "A page"),
            params=[
                _query("definitionId", {"type": "string"}, "only actors on this version"),
                _query("state", {"type": "string"}, "only actors in this state value (a name, or JSON)"),
                _query("status", {"type": "string"}, "only actors with this status (active, done, error)"),
                _query("after", {"type": "string"}, "the page after this actor id (the previous page's `next`)"),
                _query("limit", {"type": "integer", "minimum": 0, "maximum": 10000}, "page size (100)"),
            ],
            problems=(422,),
        ),
    },
    "/v1/actors/batch": {
        "post": _op(
            "Spawn many actors in one transaction",
            "write",
            _json(_LIST_OF("Actor"), "Spawned"),
            body="SpawnManyRequest",
            problems=(404, 409),
            status="201",
        )
    },
    "/v1/events": {
        "post": _op(
            "Send many events in one transaction (all apply, or none)",
            "write",
            _json(_LIST_OF("StepResult"), "The steps"),
            body="EventBatch",
            problems=(404, 409),
        )
    },
    "/v1/actors/{id}": {
        "get": _op("An actor as of now", "read", _json(_ref("Actor"), "The actor"), params=[_ACTOR_ID], problems=(404,))
    },
    "/v1/actors/{id}/events": {
        "post": _op(
            "Send an event; answers once it is durable",
            "write",
            _json(_ref("StepResult"), "The step"),
            body="EventRequest",
            params=[_ACTOR_ID],
            problems=(404, 409),
        )
    },
    "/v1/actors/{id}/event": {
        "post": _op(
            "The same as /events (for clients of StateKeep's API)",
            "write",
            _json(_ref("StepResult"), "The step"),
            body="EventRequest",
            params=[_ACTOR_ID],
            problems=(404, 409),
        )
    },
    "/v1/actors/{id}/release": {
        "post": _op(
            "Clear a stranded actor's mark (recorded)",
            "write",
            _json(_ref("Decision"), "The record"),
            params=[_ACTOR_ID],
            problems=(404, 409),
        )
    },
    "/v1/actors/{id}/history": {
        "get": _op(
            "Handled events, oldest first",
            "read",
            _json(_LIST_OF("HistoryEntry"), "Events"),
            params=[
                _ACTOR_ID,
                _query("after", _COUNT, "events after this index"),
                _query("limit", _COUNT, "at most this many"),
            ],
            problems=(404, 422),
        )
    },
    "/v1/actors/{id}/decisions": {
        "get": _op(
            "An actor's decision records",
            "read",
            _json(_LIST_OF("Decision"), "Records"),
            params=[_ACTOR_ID, _query("deployment", {"type": "string"}, "only this one")],
            problems=(404,),
        )
    },
    "/v1/deployments/{id}": {
        "get": _op(
            "A deployment's materialisation progress and counts",
            "read",
            _json(_ref("Deployment"), "Progress"),
            params=[_path_id("the deployment")],
            problems=(404,),
        )
    },
    "/v1/deployments/{id}/decisions": {
        "get": _op(
            "Every decision of a deployment, written or implied",
            "read",
            _json(_LIST_OF("Decision"), "Records"),
            params=[_path_id("the deployment")],
            problems=(404, 422),
        )
    },
    "/v1/keys": {
        "post": _op(
            "Create an API key (its token is in this answer only)",
            "admin",
            _json(_ref("ApiKey"), "Created"),
            body="KeyRequest",
            status="201",
        ),
        "get": _op("The API keys (without tokens)", "admin", _json(_LIST_OF("ApiKey"), "Keys")),
    },
    "/v1/keys/{id}": {
        "delete": _op(
            "Revoke an API key",
            "admin",
            {"description": "Revoked"},
            params=[_path_id("the key's id")],
            problems=(404,),
            status="204",
        )
    },
}

SPEC: dict[str, Any] = {
    "openapi": "3.1.0",
    "info": {
        "title": "statekeep",
        "version": __version__,
        "description": "Durable XState-compatible actors, migrated by their history. Bodies are JSON in "
        "camelCase; errors are application/problem+json.",
    },
    "paths": PATHS,
    "components": {
        "schemas": SCHEMAS,
        "securitySchemes": {
            "bearer": {"type": "http", "scheme": "bearer", "description": "an API key: sk_..."},
            "apiKey": {"type": "apiKey", "in": "header", "name": "X-API-Key"},
        },
    },
    "security": [{"bearer": []}, {"apiKey": []}],
}


def docs_page() -> str:
    """The API reference as one self-contained HTML page."""
    parts = [
        "<!doctype html><html><head><meta charset='utf-8'><title>statekeep API</title><style>",
        "body{font:15px/1.5 system-ui,sans-serif;max-width:60rem;margin:2rem auto;padding:0 1rem;color:#222}",
        "code,pre{font:13px ui-monospace,monospace}pre{background:#f5f5f5;padding:.6rem;overflow:auto}",
        ".op{border-top:1px solid #ddd;padding:.6rem 0}.m{font-weight:700;display:inline-block;width:4.5rem}",
        "</style></head><body>",
        f"<h1>statekeep API <small>{html.escape(__version__)}</small></h1>",
        f"<p>{html.escape(SPEC['info']['description'])} The machine-readable form is "
        "<a href='/openapi.json'>/openapi.json</a>. Authenticate with <code>Authorization: Bearer sk_...</code> "
        "or <code>X-API-Key</code>.</p>",
    ]
    for path, ops in PATHS.items():
        for method, op in ops.items():
            parts.append(
                f"<div class='op' id='{html.escape(method + path)}'><span class='m'>{method.upper()}</span>"
                f"<code>{html.escape(path)}</code> &mdash; {html.escape(op['summary'])}"
            )
            if "description" in op:
                parts.append(f"<br><small>{html.escape(op['description'])}</small>")
            for p in op.get("parameters", []):
                parts.append(
                    f"<br><small><code>{html.escape(p['name'])}</code> ({p['in']}): "
                    f"{html.escape(p.get('description', ''))}</small>"
                )
            if "requestBody" in op:
                name = op["requestBody"]["content"]["application/json"]["schema"]["$ref"].rsplit("/", 1)[1]
                parts.append(f"<pre>{html.escape(json.dumps(SCHEMAS[name]['properties'], indent=1))}</pre>")
            codes = ", ".join(op["responses"])
            parts.append(f"<br><small>answers: {codes}</small></div>")
    parts.append("</body></html>")
    return "".join(parts)
