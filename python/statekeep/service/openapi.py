"""The OpenAPI description of the HTTP API, and a docs page rendered from it by the server
itself (no CDN: the machine may be offline).

It describes every route the service serves (a test holds them equal), every request body
(with the fields it takes: any other is refused) and every response body (with the fields it
always has), the problem codes each route can answer with, and examples. The routes StateKeep's
SDK calls, and the names it uses, are marked as such (``docs/statekeep-compatibility.md``).
"""

from __future__ import annotations

import html
import json
from typing import Any

from statekeep._core import __version__
from statekeep.problems import CODES
from statekeep.service.requests import MAX_BODY, PAGE_DEFAULT, PAGE_MAX
from statekeep.service.routes.actors import BULK_MAX, STATUSES


def _ref(name: str) -> dict[str, Any]:
    return {"$ref": f"#/components/schemas/{name}"}


def _json(schema: dict[str, Any], description: str, example: Any = None) -> dict[str, Any]:
    media: dict[str, Any] = {"schema": schema}
    if example is not None:
        media["example"] = example
    return {"description": description, "content": {"application/json": media}}


def _obj(
    properties: dict[str, Any], required: list[str] | None = None, *, closed: bool = True, **more: Any
) -> dict[str, Any]:
    """An object schema; a closed one (a request's) takes no other field."""
    out: dict[str, Any] = {"type": "object", "properties": properties, **more}
    if required:
        out["required"] = required
    if closed:
        out["additionalProperties"] = False
    return out


_COUNT = {"type": "integer", "minimum": 0}
_ID = {
    "type": "string",
    "minLength": 1,
    "maxLength": 256,
    "description": "1 to 256 bytes, no '/' or control characters",
}
_FINGERPRINT = {"type": "string", "pattern": "^[0-9a-f]{16}$", "description": "16 lowercase hex digits"}
_TIME = {
    "type": "string",
    "format": "date-time",
    "description": "RFC 3339 in UTC with milliseconds",
    "example": "2026-05-25T03:41:27.120Z",
}
_ANY: dict[str, Any] = {"description": "any JSON value"}
_NULLABLE_STRING = {"type": ["string", "null"]}
_STATE_VALUE = {
    "description": "a state value, as XState has it: a state's name, or an object for a compound or parallel state",
    "example": "underwriting",
}


def _or_null(schema: dict[str, Any]) -> dict[str, Any]:
    """An optional field of a request: null is taken as the field left out."""
    out = {**schema, "type": [schema["type"], "null"]}
    if "enum" in out:
        out["enum"] = [*out["enum"], None]
    return out


_DELAYS = {
    "type": ["object", "null"],
    "additionalProperties": {"type": "number", "minimum": 0},
    "description": "the named delays of the definition's `after` transitions, in milliseconds",
}
_TIMERS = {
    "type": ["string", "null"],
    "enum": ["keep", "restart", None],
    "default": "keep",
    "description": "what a migration does to a delayed transition's due time: keep it where the landing "
    "has the same transition, or restart every one",
}


def _list_of(schema: dict[str, Any]) -> dict[str, Any]:
    return {"type": "array", "items": schema}


def _page_of(name: str) -> dict[str, Any]:
    return _obj(
        {
            "items": _list_of(_ref(name)),
            "next": {
                "type": ["string", "null"],
                "description": "pass as `cursor` for the next page; null after the last page",
            },
        },
        ["items", "next"],
        closed=False,
    )


_KINDS = ["spawned", "event", "timer", "migrated", "stranded", "released", "terminated"]
_FILTER = {
    "type": ["array", "null"],
    "items": {"type": "string", "minLength": 1},
    "maxItems": 100,
}
_WEBHOOK_FIELDS: dict[str, Any] = {
    "url": {
        "type": "string",
        "maxLength": 2048,
        "pattern": "^https?://",
        "description": "where to POST: an HTTP or HTTPS URL without credentials; a host that resolves to a loopback, "
        "private or link-local address is refused (webhook_url_forbidden) unless the server allows them",
    },
    "description": {**_NULLABLE_STRING, "maxLength": 1000},
    "definitions": {**_FILTER, "description": "only changes of actors on these versions (empty or null: all)"},
    "kinds": {
        **_FILTER,
        "items": {"type": "string", "enum": _KINDS},
        "description": "only these kinds of change (empty or null: all)",
    },
    "actions": {
        **_FILTER,
        "description": "only changes whose step reported an action of one of these names (empty or null: all)",
    },
    "enabled": {"type": ["boolean", "null"]},
}
_WEBHOOK_SCHEMAS: dict[str, Any] = {
    "WebhookRequest": _obj(
        _WEBHOOK_FIELDS,
        ["url"],
    ),
    "WebhookUpdate": _obj(
        {
            **_WEBHOOK_FIELDS,
            "url": {**_WEBHOOK_FIELDS["url"], "type": ["string", "null"]},
            "enabled": {
                "type": ["boolean", "null"],
                "description": "true enables a disabled endpoint again (its waiting deliveries are tried at once)",
            },
        },
        description="What to change; a field left out or null is left as it is (an empty list clears a filter).",
    ),
    "RotateSecretRequest": _obj(
        {
            "overlapSeconds": {
                "type": ["number", "null"],
                "minimum": 0,
                "maximum": 30 * 86400,
                "default": 86400,
                "description": "how long the previous secret still signs beside the new one",
            }
        }
    ),
    "Webhook": _obj(
        {
            "id": {"type": "string"},
            "url": {"type": "string"},
            "description": _NULLABLE_STRING,
            "definitions": _list_of({"type": "string"}),
            "kinds": _list_of({"type": "string", "enum": _KINDS}),
            "actions": _list_of({"type": "string"}),
            "enabled": {"type": "boolean"},
            "disabledReason": {**_NULLABLE_STRING, "description": "why it was disabled (410, 5 days of failures)"},
            "createdAt": _TIME,
            "updatedAt": _TIME,
            "cursor": {**_COUNT, "description": "the last change it has looked at (the outbox's seq)"},
            "pending": {**_COUNT, "description": "deliveries waiting or being tried"},
            "dead": {**_COUNT, "description": "dead letters"},
            "failingSince": {**_or_null(_TIME), "description": "since when its deliveries fail"},
            "previousSecretExpiresAt": {
                **_or_null(_TIME),
                "description": "during a rotation's overlap: when the previous secret stops signing",
            },
            "secret": {
                "type": "string",
                "pattern": "^whsec_",
                "description": "the signing secret: only in the answers that create the endpoint or rotate it",
            },
        },
        [
            "id",
            "url",
            "description",
            "definitions",
            "kinds",
            "actions",
            "enabled",
            "disabledReason",
            "createdAt",
            "updatedAt",
            "cursor",
            "pending",
            "dead",
            "failingSince",
            "previousSecretExpiresAt",
        ],
        closed=False,
        description='A webhook endpoint. Each delivery is a POST of `{type: "actor.<kind>", timestamp, data: '
        "<the change>}` with the Standard Webhooks headers webhook-id, webhook-timestamp and webhook-signature.",
    ),
    "WebhookDelivery": _obj(
        {
            "webhook": {"type": "string"},
            "seq": {"type": "integer", "minimum": 1, "description": "the change's number in the outbox"},
            "actorId": {"type": "string"},
            "kind": {"type": "string", "enum": _KINDS},
            "status": {"type": "string", "enum": ["pending", "dead"]},
            "nextAttempt": {
                **_or_null(_TIME),
                "description": "null while it waits for the same actor's earlier change, or dead",
            },
            "attempts": _list_of(
                _obj(
                    {
                        "at": _TIME,
                        "status": {"type": ["integer", "null"], "description": "the HTTP status; null: no answer"},
                        "error": _NULLABLE_STRING,
                        "ms": _COUNT,
                    },
                    ["at", "status", "error", "ms"],
                    closed=False,
                )
            ),
            "deadAt": _or_null(_TIME),
        },
        ["webhook", "seq", "actorId", "kind", "status", "nextAttempt", "attempts", "deadAt"],
        closed=False,
    ),
    "RedeliverRequest": _obj(
        {
            "seq": {"type": ["integer", "null"], "minimum": 1, "description": "one change, by its number"},
            "since": {**_or_null(_TIME), "description": "every change committed at this time or later"},
        },
        description="Give `seq` or `since`.",
    ),
    "Redelivered": _obj({"queued": _COUNT}, ["queued"], closed=False),
}

#: Where a preview's migrating actors are now and where they would land, with how many.
_FLOWS = _list_of(
    _obj({"from": _STATE_VALUE, "to": _STATE_VALUE, "count": _COUNT}, ["from", "to", "count"], closed=False)
)

SCHEMAS: dict[str, Any] = {
    "Problem": _obj(
        {
            "type": {"type": "string", "description": "about:blank (the status's meaning)"},
            "title": {"type": "string", "description": "the HTTP status's phrase"},
            "status": {"type": "integer"},
            "code": {
                "type": "string",
                "enum": sorted(CODES),
                "description": "the condition, in words that do not change: act on this, not on the message",
            },
            "detail": {"type": "string", "description": "what happened and what to do, for a person"},
            "message": {"type": "string", "description": "the same text as `detail`"},
            "path": {"type": "string", "description": "definition_invalid: the JSON path of what is wrong"},
            "deployment": {"type": ["string", "null"], "description": "needs_rescue: the deployment that stranded it"},
            "reason": {"type": ["object", "null"], "description": "needs_rescue: why (`code` and its details)"},
            "field": {"type": "string", "description": "unknown_field, unknown_parameter: the name refused"},
            "allowed": {"type": "array", "items": {"type": "string"}, "description": "the names the route takes"},
        },
        ["type", "title", "status", "code", "detail", "message"],
        closed=False,
        description="An error (RFC 9457, application/problem+json).",
        example={
            "type": "about:blank",
            "title": "Not Found",
            "status": 404,
            "code": "actor_not_found",
            "detail": "no actor 'alice'",
            "message": "no actor 'alice'",
        },
    ),
    "DeployRequest": _obj(
        {
            "id": _ID,
            "definition": {"type": "object", "description": "an XState v5 machine definition: a JSON object"},
            "parentId": {**_NULLABLE_STRING, "description": "the version whose actors this deployment decides"},
            "historyPath": {
                "type": ["array", "null"],
                "items": {"type": "string"},
                "description": "the events an actor's history must begin with (match prefix) or be (match exact) "
                "to migrate; omitted or empty: every actor (a wildcard)",
            },
            "match": _or_null({"type": "string", "enum": ["prefix", "exact"], "default": "prefix"}),
            "landing": _or_null({"type": "string", "enum": ["replay", "state"], "default": "replay"}),
            "stateMapping": {
                "type": ["object", "null"],
                "additionalProperties": {"type": "string"},
                "description": "old state id -> new state id, for a landing by state",
            },
            "guardDefault": _or_null({"type": "boolean", "default": True}),
            "delays": _DELAYS,
            "timers": _TIMERS,
            "expect": {
                **_NULLABLE_STRING,
                "description": "a preview's digest: deploy only if the outcome is still that",
            },
        },
        ["id", "definition"],
        example={
            "id": "loan-v2",
            "definition": {"id": "loan", "initial": "review", "states": {"review": {}}},
            "parentId": "loan-v1",
            "historyPath": ["SUBMIT_INFO", "PAY_FEE"],
        },
    ),
    "PreviewRequest": _obj(
        {
            "id": _ID,
            "definition": {"type": "object"},
            "parentId": {"type": "string"},
            "historyPath": {"type": ["array", "null"], "items": {"type": "string"}},
            "match": _or_null({"type": "string", "enum": ["prefix", "exact"]}),
            "landing": _or_null({"type": "string", "enum": ["replay", "state"]}),
            "stateMapping": {"type": ["object", "null"], "additionalProperties": {"type": "string"}},
            "guardDefault": _or_null({"type": "boolean"}),
            "delays": _DELAYS,
            "timers": _TIMERS,
            "limit": _or_null({**_COUNT, "description": "the most ids in each list (the counts stay whole)"}),
        },
        ["id", "definition", "parentId"],
    ),
    "ValidateRequest": _obj(
        {"definition": {"type": "object"}, "guardDefault": _or_null({"type": "boolean"})}, ["definition"]
    ),
    "Validation": _obj(
        {
            "valid": {"type": "boolean"},
            "states": {**_COUNT, "description": "when valid: how many states"},
            "error": _obj(
                {"path": {"type": ["string", "null"]}, "message": {"type": "string"}}, ["path", "message"], closed=False
            ),
        },
        ["valid"],
        closed=False,
    ),
    "Definition": _obj(
        {
            "id": {"type": "string"},
            "parentId": _NULLABLE_STRING,
            "historyPath": {"type": "array", "items": {"type": "string"}},
            "match": {"type": "string"},
            "landing": {"type": "string"},
            "stateMapping": {"type": "object", "additionalProperties": {"type": "string"}},
            "guardDefault": {"type": "boolean"},
            "definition": {"type": "object"},
            "committedAt": _TIME,
            "delays": {"type": "object", "additionalProperties": _COUNT, "description": "named delays, in ms"},
            "timers": {"type": "string", "enum": ["keep", "restart"]},
        },
        [
            "id",
            "parentId",
            "historyPath",
            "match",
            "landing",
            "stateMapping",
            "guardDefault",
            "definition",
            "committedAt",
        ],
        closed=False,
    ),
    "Deployment": _obj(
        {
            "id": {"type": "string"},
            "parentId": _NULLABLE_STRING,
            "historyPath": {"type": "array", "items": {"type": "string"}},
            "match": {"type": "string"},
            "landing": {"type": "string"},
            "stateMapping": {"type": "object", "additionalProperties": {"type": "string"}},
            "guardDefault": {"type": "boolean"},
            "seq": {**_COUNT, "description": "its place in commit order"},
            "scanned": {**_COUNT, "description": "actors the background scan has visited"},
            "total": {**_COUNT, "description": "actors on the parent when it was committed"},
            "done": {"type": "boolean"},
            "counts": {
                "type": "object",
                "additionalProperties": _COUNT,
                "description": "decision records written so far, by kind",
            },
            "lastError": {
                "type": ["string", "null"],
                "description": "while the scan keeps failing: its last error (it retries)",
            },
        },
        [
            "id",
            "parentId",
            "historyPath",
            "match",
            "landing",
            "stateMapping",
            "guardDefault",
            "seq",
            "scanned",
            "total",
            "done",
            "counts",
            "lastError",
        ],
        closed=False,
    ),
    "Preview": _obj(
        {
            "migration": _obj(
                {
                    "wouldMigrate": _list_of({"type": "string"}),
                    "wouldStay": _list_of({"type": "string"}),
                    "wouldStrand": _list_of({"type": "string"}),
                    "pending": {**_list_of({"type": "string"}), "description": "histories still shorter than the path"},
                    "counts": _obj(
                        dict.fromkeys(("wouldMigrate", "wouldStay", "wouldStrand", "pending"), _COUNT),
                        ["wouldMigrate", "wouldStay", "wouldStrand", "pending"],
                        closed=False,
                    ),
                    "flows": _FLOWS,
                    "reasons": {"type": "object", "additionalProperties": {"type": "object"}},
                    "timers": {
                        "type": "object",
                        "additionalProperties": _list_of(_ref("Timer")),
                        "description": "the timers each migrating actor would have were the version committed "
                        "now, by actor id (when the parent or the version has delayed transitions)",
                    },
                },
                ["wouldMigrate", "wouldStay", "wouldStrand", "pending", "counts", "flows", "reasons"],
                closed=False,
            ),
            "flows": {**_FLOWS, "description": "the same as `migration.flows` (where the launch articles have it)"},
            "digest": {"type": "string", "description": "pass as `expect` to deploy exactly this outcome"},
        },
        ["migration", "flows", "digest"],
        closed=False,
    ),
    "SpawnRequest": _obj(
        {
            "definitionId": {"type": "string", "description": "the version to start the actor on"},
            "context": {**_ANY, "description": "the actor's context; omitted or null: the definition's"},
            "actorId": {**_ID, "type": ["string", "null"], "description": "omitted or null: a new random id"},
            "idempotencyKey": _NULLABLE_STRING,
            "initialContext": {**_ANY, "description": "StateKeep's name for `context` (give one of the two)"},
            "id": {"type": ["string", "null"], "description": "StateKeep's name for `actorId` (give one of the two)"},
        },
        ["definitionId"],
        example={"definitionId": "loan-v1", "context": {"applicantId": "usr-001", "loanAmount": 25000}},
    ),
    "SpawnManyRequest": _obj(
        {
            "definitionId": {"type": "string"},
            "contexts": {"type": "array", "items": _ANY},
            "actorIds": {"type": ["array", "null"], "items": _NULLABLE_STRING, "description": "one per context"},
            "idempotencyKey": _NULLABLE_STRING,
        },
        ["definitionId", "contexts"],
    ),
    "BulkSpawnRequest": _obj(
        {
            "actors": {
                "type": "array",
                "maxItems": BULK_MAX,
                "items": _obj(
                    {
                        "definitionId": {"type": "string"},
                        "context": _ANY,
                        "initialContext": _ANY,
                        "actorId": {"type": ["string", "null"]},
                        "id": {"type": ["string", "null"]},
                    },
                    ["definitionId"],
                ),
            }
        },
        ["actors"],
        description="StateKeep's bulk spawn: each actor is spawned on its own, and may fail on its own.",
        example={"actors": [{"definitionId": "loan-v1", "initialContext": {"applicantId": "u_001"}}]},
    ),
    "BulkSpawnResult": _obj(
        {
            "created": _list_of(_ref("Actor")),
            "failed": _list_of(
                _obj(
                    {
                        "index": _COUNT,
                        "definitionId": {"type": "string"},
                        "code": {"type": "string", "enum": sorted(CODES)},
                        "message": {"type": "string"},
                        "error": {"type": "string", "description": "the same text as `message` (StateKeep's name)"},
                    },
                    ["index", "definitionId", "code", "message", "error"],
                    closed=False,
                )
            ),
            "total": _COUNT,
        },
        ["created", "failed", "total"],
        closed=False,
    ),
    "EventBatch": _obj(
        {
            "events": _list_of(
                _obj(
                    {"actorId": {"type": "string"}, "type": {"type": "string", "minLength": 1}},
                    ["actorId", "type"],
                    closed=False,
                    description="an actor id, and an event: its type and payload fields",
                )
            )
        },
        ["events"],
    ),
    "Actor": _obj(
        {
            "actorId": {"type": "string"},
            "id": {"type": "string", "description": "the same as `actorId` (StateKeep's name)"},
            "version": {"type": "string", "description": "the version it is on now"},
            "definitionId": {"type": "string", "description": "the same as `version` (StateKeep's name)"},
            "stateValue": _STATE_VALUE,
            "status": {
                "type": "string",
                "enum": list(STATUSES),
                "description": "its state machine's (active, done, error), or terminated",
            },
            "done": {"type": "boolean", "description": "whether status is done (a final state)"},
            "context": _ANY,
            "seq": {**_COUNT, "description": "events handled: what `expectedSeq` compares with"},
            "historyLength": _COUNT,
            "fingerprint": _FINGERPRINT,
            "needsRescue": {
                "type": ["object", "null"],
                "description": "while stranded: the deployment and the reason; it refuses events until released",
            },
            "timers": {**_list_of(_ref("Timer")), "description": "its pending timers, soonest first"},
        },
        [
            "actorId",
            "id",
            "version",
            "definitionId",
            "stateValue",
            "status",
            "done",
            "context",
            "seq",
            "historyLength",
            "fingerprint",
            "needsRescue",
        ],
        closed=False,
        example={
            "actorId": "alice",
            "id": "alice",
            "version": "loan-v1",
            "definitionId": "loan-v1",
            "stateValue": "review",
            "status": "active",
            "done": False,
            "context": {"applicantId": "usr-001"},
            "seq": 0,
            "historyLength": 0,
            "fingerprint": "cbf29ce484222325",
            "needsRescue": None,
        },
    ),
    "EventRequest": _obj(
        {
            "type": {"type": "string", "minLength": 1, "description": "the event's type"},
            "guards": {
                "type": ["object", "null"],
                "additionalProperties": {"type": "boolean"},
                "description": "the outcomes of the guards the step may consult, by name",
            },
            "idempotencyKey": {**_NULLABLE_STRING, "description": "a retry with the same key gets the first answer"},
            "expectedSeq": {
                "type": ["integer", "null"],
                "minimum": 0,
                "description": "refuse (seq_conflict) unless the actor's seq is this",
            },
        },
        ["type"],
        closed=False,
        additionalProperties={"description": "a field of the event's payload (any JSON value)"},
        description="The event: `type`, and its payload as the other fields beside it, as XState has "
        'events (`{"type": "PAY_FEE", "amount": 25}`: the payload is `{"amount": 25}`). '
        "`guards`, `idempotencyKey` and `expectedSeq` are not part of the event. A field named "
        '`payload` is a payload field like any other: `{"type": "X", "payload": {...}}` is '
        "an event with a field `payload`, as XState would have it.",
        example={"type": "PAY_FEE", "amount": 25, "expectedSeq": 1},
    ),
    "StepResult": _obj(
        {
            "actorId": {"type": "string"},
            "id": {"type": "string", "description": "the same as `actorId` (StateKeep's name)"},
            "version": {"type": "string"},
            "definitionId": {"type": "string", "description": "the same as `version` (StateKeep's name)"},
            "stateValue": _STATE_VALUE,
            "status": {"type": "string"},
            "done": {"type": "boolean"},
            "seq": _COUNT,
            "actions": _list_of({"type": "object"}),
            "effects": _list_of({"type": "object"}),
            "handled": {"type": "boolean", "description": "false: no transition took the event (nothing recorded)"},
            "decisions": _list_of(_ref("Decision")),
        },
        [
            "actorId",
            "id",
            "version",
            "definitionId",
            "stateValue",
            "status",
            "done",
            "seq",
            "actions",
            "effects",
            "handled",
            "decisions",
        ],
        closed=False,
    ),
    "Decision": _obj(
        {
            "kind": {"type": "string", "enum": ["migrated", "stayed", "stranded", "superseded", "released"]},
            "deployment": {"type": "string"},
            "from": {"type": "string"},
            "to": {"type": "string"},
            "actorId": {"type": "string"},
            "actorFingerprint": _FINGERPRINT,
            "pathFingerprint": _FINGERPRINT,
            "reason": {"type": "object", "description": "`code` and its details"},
            "landing": {**_ANY, "description": "where a migrated actor landed (a state value), else null"},
            "timers": _ref("LandedTimers"),
            "at": {
                **_TIME,
                "description": "when it was written; absent while only implied by a deployment not yet scanned",
            },
        },
        ["kind", "deployment", "from", "to", "actorId", "actorFingerprint", "pathFingerprint", "reason", "landing"],
        closed=False,
    ),
    "LandedTimer": _obj(
        {"event": {"type": "string", "description": "the delayed transition's event"}, "due": _TIME},
        ["event", "due"],
        closed=False,
    ),
    "LandedTimers": _obj(
        {
            "kept": {**_list_of(_ref("LandedTimer")), "description": "kept with their due time"},
            "restarted": {**_list_of(_ref("LandedTimer")), "description": "the same transitions, due again"},
            "started": {**_list_of(_ref("LandedTimer")), "description": "new in the landing state"},
            "cancelled": {
                **_list_of(_ref("LandedTimer")),
                "description": "not in the landing state (with the due time they had)",
            },
        },
        ["kept", "restarted", "started", "cancelled"],
        closed=False,
        description="what a migration from or to a version with delayed transitions did to the actor's "
        "delayed transitions, as the landing version's timer policy (keep or restart) says",
    ),
    "HistoryEntry": _obj(
        {
            "index": {**_COUNT, "description": "0 for the first event"},
            "type": {"type": "string"},
            "payload": {"type": "object", "description": "the event's fields beside `type`"},
            "guards": {"type": "object", "additionalProperties": {"type": "boolean"}},
            "at": _TIME,
        },
        ["index", "type", "payload", "guards", "at"],
        closed=False,
    ),
    "KeyRequest": _obj(
        {"scope": {"type": "string", "enum": ["read", "write", "admin"]}, "name": _NULLABLE_STRING}, ["scope"]
    ),
    "ApiKey": _obj(
        {
            "id": {"type": "string"},
            "scope": {"type": "string", "enum": ["read", "write", "admin"]},
            "name": _NULLABLE_STRING,
            "createdAt": _TIME,
            "token": {"type": "string", "description": "the key itself (sk_...): only in the answer that creates it"},
        },
        ["id", "scope", "name", "createdAt"],
        closed=False,
    ),
    "PatchActorRequest": _obj(
        {"status": {"type": "string", "enum": ["active"], "description": "active: release a stranded actor"}},
        ["status"],
        description="StateKeep's way to release a stranded actor (the same as POST /v1/actors/{id}/release).",
    ),
    "Timer": _obj(
        {
            "id": {"type": "string", "description": "a scheduled event's id, or a delayed transition's event"},
            "kind": {"type": "string", "enum": ["after", "scheduled"]},
            "event": {"type": "string", "description": "the type of the event it sends"},
            "due": _TIME,
            "undelivered": {
                "type": ["object", "null"],
                "description": "a timer that fired and could not be delivered: why (`code`: needs_rescue, "
                "actor_terminated, not_active, failed; `message`) and when (`at`); it is not due any more",
            },
        },
        ["id", "kind", "event", "due"],
        closed=False,
        description="a pending timer: a delayed transition (after) or an event the application scheduled",
        example={
            "id": "remind",
            "kind": "scheduled",
            "event": "REMIND",
            "due": "2026-05-25T03:41:27.120Z",
            "undelivered": None,
        },
    ),
    "TimerStats": _obj(
        {
            "pending": {**_COUNT, "description": "timers set and not fired"},
            "overdue": {**_COUNT, "description": "pending timers whose due time has passed"},
            "nextDue": {**_or_null(_TIME), "description": "when the earliest is due"},
            "fired": {**_COUNT, "description": "timers the serving process fired since it started"},
            "lateness": {
                "type": ["object", "null"],
                "properties": {q: {"type": "number", "minimum": 0} for q in ("p50", "p99", "max")},
                "description": "how late the serving process's last 1,000 firings were once durable, in seconds",
            },
        },
        ["pending", "overdue", "nextDue", "fired", "lateness"],
        closed=False,
    ),
    "ScheduleRequest": _obj(
        {
            "event": _obj(
                {"type": {"type": "string", "minLength": 1}},
                ["type"],
                closed=False,
                additionalProperties={"description": "a field of the event's payload (any JSON value)"},
                description="the event: `type`, and its payload as the other fields beside it",
            ),
            "at": {**_or_null(_TIME), "description": "when to send it (give this or `delayMs`)"},
            "delayMs": {
                "type": ["number", "null"],
                "minimum": 0,
                "description": "how long from now to send it, in milliseconds (give this or `at`)",
            },
            "id": {
                **_NULLABLE_STRING,
                "description": "its id, to cancel it by; scheduling the same id again replaces it (one is made if "
                "left out)",
            },
            "idempotencyKey": {**_NULLABLE_STRING, "description": "a retry with the same key gets the first answer"},
        },
        ["event"],
        example={"event": {"type": "REMIND", "channel": "email"}, "delayMs": 259200000, "id": "remind"},
    ),
    "Change": _obj(
        {
            "seq": {"type": "integer", "minimum": 1, "description": "store-wide, dense, in commit order"},
            "kind": {
                "type": "string",
                "enum": ["spawned", "event", "timer", "migrated", "stranded", "released", "terminated"],
            },
            "actorId": {"type": "string"},
            "version": {"type": "string", "description": "the version the actor is on after the change"},
            "at": _TIME,
            "actorSeq": {**_COUNT, "description": "the actor's handled events after the change"},
            "event": {
                "type": ["object", "null"],
                "description": "the event handled (`type` and its payload) for kinds event and timer",
            },
            "stateValue": _STATE_VALUE,
            "status": {"type": "string"},
            "actions": _list_of({"type": "object"}),
            "effects": _list_of({"type": "object"}),
            "decisions": _list_of(_ref("Decision")),
            "timer": {"type": ["object", "null"], "description": "the timer that fired (`id`, `kind`) for kind timer"},
        },
        [
            "seq",
            "kind",
            "actorId",
            "version",
            "at",
            "actorSeq",
            "event",
            "stateValue",
            "status",
            "actions",
            "effects",
            "decisions",
            "timer",
        ],
        closed=False,
        description="a change committed to an actor: an entry of the outbox",
    ),
    "ChangePage": _obj(
        {
            "items": _list_of(_ref("Change")),
            "next": {
                **_COUNT,
                "description": "give it as `after` for the next page (never null: changes go on); newest first, "
                "as `before` for the older page (0: none older is kept)",
            },
            "last": {**_COUNT, "description": "the number of the last change committed"},
        },
        ["items", "next", "last"],
        closed=False,
    ),
    "StateCounts": _obj(
        {
            "version": {"type": "string"},
            "states": {
                "type": "object",
                "additionalProperties": {"type": "integer", "minimum": 1},
                "description": "state path -> actors in it",
            },
        },
        ["version", "states"],
        closed=False,
        example={"version": "loan-v1", "states": {"review": 120, "fee": 34, "underwriting": 9}},
    ),
    "Health": _obj({"status": {"type": "string", "enum": ["ok"]}}, ["status"], closed=False),
    **_WEBHOOK_SCHEMAS,
}
SCHEMAS["HistoryPage"] = _page_of("HistoryEntry")
SCHEMAS["TimerPage"] = _page_of("Timer")
SCHEMAS["EventPage"] = _obj(
    {
        "items": _list_of(_ref("HistoryEntry")),
        "next": {"type": ["string", "null"]},
        "actorId": {"type": "string"},
        "events": {**_list_of(_ref("HistoryEntry")), "description": "the same as `items` (StateKeep's name)"},
        "nextCursor": {
            "type": ["integer", "null"],
            "description": "StateKeep's cursor: the last event's `id`, to pass as `after`",
        },
        "hasMore": {"type": "boolean"},
    },
    ["items", "next", "actorId", "events", "nextCursor", "hasMore"],
    closed=False,
    description="A page of an actor's history, with StateKeep's names beside ours; each event also "
    "has `id`, its index + 1 (StateKeep counts events from 1).",
)
for _name in ("Actor", "Decision", "Definition", "ApiKey", "Webhook", "WebhookDelivery"):
    SCHEMAS[f"{_name}Page"] = _page_of(_name)

# ----- problems --------------------------------------------------------------------------------

_REASONS = {
    400: "The body cannot be read",
    401: "No valid API key",
    403: "The key's scope is too small",
    404: "Not found",
    405: "Method not allowed",
    409: "A conflict with the current state",
    413: "The body is too large",
    422: "A value the route does not take",
    500: "A server fault",
    503: "Try again",
    507: "The store is full",
}


def _problems(codes: set[str]) -> dict[str, Any]:
    """The problem responses for ``codes``, a response per status listing its codes."""
    by_status: dict[int, list[str]] = {}
    for code in sorted(codes):
        by_status.setdefault(CODES[code].status, []).append(code)
    out = {}
    for status, names in sorted(by_status.items()):
        listing = "; ".join(f"`{c}`: {CODES[c].meaning}" for c in names)
        schema = {"allOf": [_ref("Problem"), {"properties": {"code": {"enum": names}}}]}
        out[str(status)] = {
            "description": f"{_REASONS[status]}. {listing}",
            "content": {"application/problem+json": {"schema": schema}},
        }
    return out


#: Every route may answer these.
_ALWAYS = {"unknown_parameter", "invalid_request", "internal_error", "store_damaged", "encryption_failed"}
_KEYED = {"unauthorized", "forbidden"}
_BODY = {"invalid_json", "body_too_large", "unknown_field"}
_WRITE = {"store_full", "store_conflict"}
_LIST = {"cursor_invalid"}


def _op(
    summary: str,
    scope: str | None,
    ok: dict[str, Any],
    *,
    body: str | None = None,
    params: list[Any] | None = None,
    codes: set[str] = frozenset(),  # type: ignore[assignment]
    status: str = "200",
    description: str = "",
    statekeep: bool = False,
) -> dict[str, Any]:
    notes = [description] if description else []
    if statekeep:
        notes.append("Also for clients of StateKeep's API: see docs/statekeep-compatibility.md.")
    all_codes = set(codes) | _ALWAYS
    op: dict[str, Any] = {"summary": summary, "responses": {status: ok}}
    if scope is not None:
        notes.append(f"Needs an API key with scope `{scope}` (scopes nest: admin > write > read).")
        all_codes |= _KEYED
    else:
        op["security"] = []
    if body is not None:
        op["requestBody"] = {"required": True, "content": {"application/json": {"schema": _ref(body)}}}
        all_codes |= _BODY
    op["responses"].update(_problems(all_codes))
    if notes:
        op["description"] = " ".join(notes)
    if params:
        op["parameters"] = list(params)
    return op


def _path_id(what: str) -> dict[str, Any]:
    return {"name": "id", "in": "path", "required": True, "description": what, "schema": {"type": "string"}}


def _query(name: str, schema: dict[str, Any], description: str) -> dict[str, Any]:
    return {"name": name, "in": "query", "required": False, "description": description, "schema": schema}


_LIMIT = _query(
    "limit",
    {"type": "integer", "minimum": 1, "maximum": PAGE_MAX, "default": PAGE_DEFAULT},
    f"items per page: {PAGE_DEFAULT} unless given, at most {PAGE_MAX}",
)
_CURSOR = _query("cursor", {"type": "string"}, "the previous page's `next`, unchanged")
_ACTOR_ID = _path_id("the actor's id")
_PAGED = (_CURSOR, _LIMIT)
_CHANGE_FILTERS = (
    _query("actor", {"type": "string"}, "only this actor's changes"),
    _query("definition", {"type": "string"}, "only the changes of actors on this version"),
)

PATHS: dict[str, Any] = {
    "/v1/health": {"get": _op("Liveness", None, _json(_ref("Health"), "Up", {"status": "ok"}))},
    "/v1/metrics": {
        "get": _op(
            "Prometheus metrics",
            "read",
            {"description": "Prometheus text", "content": {"text/plain": {"schema": {"type": "string"}}}},
        )
    },
    "/v1/definitions": {
        "put": _op(
            "Deploy a version (the same body again under the same id changes nothing)",
            "admin",
            _json(_ref("Deployment"), "Deployed"),
            body="DeployRequest",
            codes={"version_not_found", "version_exists", "preview_outdated", "definition_invalid"} | _WRITE,
            statekeep=True,
        ),
        "get": _op(
            "Every committed version, in commit order, a page at a time",
            "read",
            _json(_ref("DefinitionPage"), "A page of versions"),
            params=list(_PAGED),
            codes=_LIST,
        ),
    },
    "/v1/definitions/preview": {
        "post": _op(
            "What deploying would do to every actor on the parent; writes nothing",
            "admin",
            _json(_ref("Preview"), "The outcome"),
            body="PreviewRequest",
            codes={"version_not_found", "version_exists", "definition_invalid"},
            statekeep=True,
        )
    },
    "/v1/definitions/validate": {
        "post": _op(
            "Compile a definition and say what is wrong with it",
            "read",
            _json(_ref("Validation"), "Valid or not"),
            body="ValidateRequest",
            statekeep=True,
        )
    },
    "/v1/definitions/{id}": {
        "get": _op(
            "One version",
            "read",
            _json(_ref("Definition"), "The version"),
            params=[_path_id("the version's id")],
            codes={"version_not_found"},
            statekeep=True,
        )
    },
    "/v1/definitions/{id}/counts": {
        "get": _op(
            "How many actors are in each state of a version, from counters kept with every step (no scan)",
            "read",
            _json(_ref("StateCounts"), "The counts"),
            params=[_path_id("the version's id")],
            codes={"version_not_found"},
            description="A state is named by its path from the root (`fee`, `work.left.l1`); a compound or "
            "parallel state counts the actors in any of its children; states with no actor are left out. An "
            "actor that a deployment's scan has not reached yet counts on its old version.",
        )
    },
    "/v1/actors": {
        "post": _op(
            "Spawn an actor",
            "write",
            _json(_ref("Actor"), "Spawned"),
            body="SpawnRequest",
            codes={"version_not_found", "actor_exists", "idempotency_key_reused"} | _WRITE,
            status="201",
            statekeep=True,
        ),
        "get": _op(
            "Actors in id order, a page at a time, as of now",
            "read",
            _json(_ref("ActorPage"), "A page of actors"),
            params=[
                _query("definitionId", {"type": "string"}, "only actors on this version"),
                _query("state", {"type": "string"}, "only actors in this state value (a name, or JSON)"),
                _query(
                    "inState",
                    {"type": "string", "minLength": 1},
                    "only actors in this state, at any depth: its path from the root as the state counts name it "
                    "(`fee`, `open.light.off`: a compound state holds the actors in any of its children, a region "
                    "of a parallel state those whose value has it)",
                ),
                _query("status", {"type": "string", "enum": list(STATUSES)}, "only actors with this status"),
                _query(
                    "needsRescue",
                    {"type": "string", "enum": ["true", "false"]},
                    "`true`: only the actors a deployment stranded that are still marked (its `needsRescue` is set); "
                    "`false`: only the others",
                ),
                _query("after", {"type": "string"}, "start after this actor id (not with `cursor`)"),
                *_PAGED,
            ],
            codes={"version_not_found"} | _LIST,
        ),
    },
    "/v1/actors/batch": {
        "post": _op(
            "Spawn many actors on one version in one transaction (all, or none)",
            "write",
            _json(_list_of(_ref("Actor")), "Spawned"),
            body="SpawnManyRequest",
            codes={"version_not_found", "actor_exists", "idempotency_key_reused"} | _WRITE,
            status="201",
        )
    },
    "/v1/actors/bulk": {
        "post": _op(
            f"Spawn up to {BULK_MAX} actors, each on its own: which were created, which failed and why",
            "write",
            _json(_ref("BulkSpawnResult"), "Created and failed"),
            body="BulkSpawnRequest",
            codes=_WRITE,
            status="207",
            statekeep=True,
        )
    },
    "/v1/events": {
        "post": _op(
            "Send many events in one transaction (all apply, or none)",
            "write",
            _json(_list_of(_ref("StepResult")), "The steps"),
            body="EventBatch",
            codes={"actor_not_found", "needs_rescue", "actor_terminated", "step_failed"} | _WRITE,
        )
    },
    "/v1/actors/{id}": {
        "get": _op(
            "An actor as of now",
            "read",
            _json(_ref("Actor"), "The actor"),
            params=[_ACTOR_ID],
            codes={"actor_not_found"},
            statekeep=True,
        ),
        "patch": _op(
            "Release a stranded actor by setting its status to active",
            "write",
            _json(_ref("Actor"), "The actor, released"),
            body="PatchActorRequest",
            params=[_ACTOR_ID],
            codes={"actor_not_found", "not_stranded"} | _WRITE,
            statekeep=True,
        ),
        "delete": _op(
            "Terminate an actor: it refuses events from now on (actor_terminated); its history, "
            "decisions and context stay",
            "write",
            _json(_ref("Actor"), "The actor, terminated (again: unchanged)"),
            params=[_ACTOR_ID],
            codes={"actor_not_found"} | _BODY | _WRITE,
            statekeep=True,
        ),
    },
    "/v1/actors/{id}/schedule": {
        "post": _op(
            "Schedule an event for the actor: sent by itself at its time, durably, exactly once",
            "write",
            _json(_ref("Timer"), "Scheduled"),
            body="ScheduleRequest",
            params=[_ACTOR_ID],
            codes={"actor_not_found", "idempotency_key_reused"} | _WRITE,
            status="201",
            description="A scheduled event that cannot be delivered when it is due (the actor finished, was "
            "terminated or is stranded) is kept with why, never dropped.",
            statekeep=True,
        ),
        "get": _op(
            "The actor's timers, soonest first: its delayed transitions and the events scheduled for it",
            "read",
            _json(_ref("TimerPage"), "A page of timers"),
            params=[_ACTOR_ID, *_PAGED],
            codes={"actor_not_found"} | _LIST,
            statekeep=True,
        ),
    },
    "/v1/timers": {
        "get": _op(
            "The store's timers: pending, overdue, the next due, and how late this server fired its last ones",
            "read",
            _json(_ref("TimerStats"), "The figures"),
        )
    },
    "/v1/changes": {
        "get": _op(
            "The changes committed to actors (the outbox), oldest first, numbered above `after` (or newest "
            "first, below `before`)",
            "read",
            _json(_ref("ChangePage"), "A page of changes"),
            params=[
                _query(
                    "order",
                    {"type": "string", "enum": ["asc", "desc"], "default": "asc"},
                    "`asc`: oldest first, from `after`; `desc`: newest first, from `before`",
                ),
                _query(
                    "after",
                    {"type": "integer", "minimum": 0, "default": 0},
                    "oldest first: only changes numbered above this (not with `order=desc`)",
                ),
                _query(
                    "before",
                    {"type": "integer", "minimum": 0},
                    "newest first: only changes numbered below this (default: from the last; only with `order=desc`)",
                ),
                _query(
                    "limit",
                    {"type": "integer", "minimum": 1, "maximum": 1000, "default": 100},
                    "changes per page: 100 unless given, at most 1,000",
                ),
                *_CHANGE_FILTERS,
            ],
            description="Poll with `after` set to the last page's `next`. A filtered page may look past "
            "changes it does not return: `next` is the last one it looked at. Newest first (`order=desc`), "
            "`next` is the lowest number it looked at: pass it as `before` for the older page; it is 0 once "
            "the oldest change kept was looked at.",
        )
    },
    "/v1/changes/stream": {
        "get": _op(
            "The change stream: each change as a server-sent event as it commits",
            "read",
            {
                "description": "A text/event-stream that does not end: `id:` is the change's number, `event: "
                "change`, `data:` the Change as JSON; a comment line at least every 15 s while idle",
                "content": {"text/event-stream": {"schema": {"type": "string"}}},
            },
            params=[
                _query("after", {"type": "integer", "minimum": 0}, "start after this change (default: from now on)"),
                *_CHANGE_FILTERS,
                {
                    "name": "Last-Event-ID",
                    "in": "header",
                    "required": False,
                    "description": "resume after this change (what an EventSource sends when it reconnects; "
                    "it wins over `after`)",
                    "schema": {"type": "string"},
                },
            ],
            description="Resumable: reconnect with the last `id` received and nothing is missed or repeated.",
        )
    },
    "/v1/actors/{id}/schedule/{sid}": {
        "delete": _op(
            "Cancel a scheduled event that has not fired, or dismiss one that could not be delivered",
            "write",
            {"description": "Cancelled"},
            params=[_ACTOR_ID, {**_path_id("the scheduled event's id"), "name": "sid"}],
            codes={"actor_not_found", "not_found"} | _BODY | _WRITE,
            status="204",
            statekeep=True,
        )
    },
    "/v1/actors/{id}/events": {
        "post": _op(
            "Send an event; answers once it is durable",
            "write",
            _json(_ref("StepResult"), "The step"),
            body="EventRequest",
            params=[_ACTOR_ID],
            codes={
                "actor_not_found",
                "seq_conflict",
                "idempotency_key_reused",
                "needs_rescue",
                "actor_terminated",
                "step_failed",
            }
            | _WRITE,
        ),
        "get": _op(
            "The actor's history, a page at a time, with StateKeep's names",
            "read",
            _json(_ref("EventPage"), "A page of events"),
            params=[
                _ACTOR_ID,
                _query("after", {"type": "integer", "minimum": 0}, "start after the event with this `id` (0: first)"),
                *_PAGED,
            ],
            codes={"actor_not_found"} | _LIST,
            statekeep=True,
        ),
    },
    "/v1/actors/{id}/event": {
        "post": _op(
            "The same as POST /v1/actors/{id}/events (StateKeep's path)",
            "write",
            _json(_ref("StepResult"), "The step"),
            body="EventRequest",
            params=[_ACTOR_ID],
            codes={
                "actor_not_found",
                "seq_conflict",
                "idempotency_key_reused",
                "needs_rescue",
                "actor_terminated",
                "step_failed",
            }
            | _WRITE,
            statekeep=True,
        )
    },
    "/v1/actors/{id}/release": {
        "post": _op(
            "Clear a stranded actor's mark (recorded); it goes on on its version",
            "write",
            _json(_ref("Decision"), "The record"),
            params=[_ACTOR_ID],
            codes={"actor_not_found", "not_stranded"} | _BODY | _WRITE,
        )
    },
    "/v1/actors/{id}/history": {
        "get": _op(
            "The actor's handled events, oldest first (or newest first), a page at a time",
            "read",
            _json(_ref("HistoryPage"), "A page of events"),
            params=[
                _ACTOR_ID,
                _query(
                    "order",
                    {"type": "string", "enum": ["asc", "desc"], "default": "asc"},
                    "`asc`: oldest first; `desc`: newest first (a long history's latest page in one read)",
                ),
                _query(
                    "after",
                    {"type": "integer", "minimum": 0},
                    "oldest first: start after this index (not with `cursor`, nor with `order=desc`)",
                ),
                _query(
                    "before",
                    {"type": "integer", "minimum": 0},
                    "newest first: start before this index (not with `cursor`; only with `order=desc`)",
                ),
                *_PAGED,
            ],
            codes={"actor_not_found"} | _LIST,
            description="Newest first, the first page holds the latest events and each `next` goes further back; "
            "a cursor of one order is not a cursor of the other.",
        )
    },
    "/v1/actors/{id}/decisions": {
        "get": _op(
            "The actor's decision records, a page at a time",
            "read",
            _json(_ref("DecisionPage"), "A page of records"),
            params=[_ACTOR_ID, _query("deployment", {"type": "string"}, "only this deployment's"), *_PAGED],
            codes={"actor_not_found"} | _LIST,
            statekeep=True,
        )
    },
    "/v1/deployments/{id}": {
        "get": _op(
            "A deployment's progress and counts",
            "read",
            _json(_ref("Deployment"), "Progress"),
            params=[_path_id("the deployment (its version's id)")],
            codes={"version_not_found"},
        )
    },
    "/v1/deployments/{id}/decisions": {
        "get": _op(
            "Every decision of a deployment, written or implied, in actor id order, a page at a time",
            "read",
            _json(_ref("DecisionPage"), "A page of records"),
            params=[_path_id("the deployment (its version's id)"), *_PAGED],
            codes={"version_not_found"} | _LIST,
        )
    },
    "/v1/keys": {
        "post": _op(
            "Create an API key (its token is in this answer only)",
            "admin",
            _json(_ref("ApiKey"), "Created"),
            body="KeyRequest",
            codes=_WRITE,
            status="201",
        ),
        "get": _op(
            "The API keys (without tokens), in id order, a page at a time",
            "admin",
            _json(_ref("ApiKeyPage"), "A page of keys"),
            params=list(_PAGED),
            codes=_LIST,
        ),
    },
    "/v1/keys/{id}": {
        "delete": _op(
            "Revoke an API key",
            "admin",
            {"description": "Revoked"},
            params=[_path_id("the key's id")],
            codes={"api_key_not_found"} | _BODY | _WRITE,
            status="204",
        )
    },
}

_WEBHOOK_ID = _path_id("the webhook's id (wh_...)")
PATHS |= {
    "/v1/webhooks": {
        "post": _op(
            "Add a webhook endpoint: told of every change committed from now on that its filters take",
            "admin",
            _json(_ref("Webhook"), "Added: the answer holds its secret, shown only here"),
            body="WebhookRequest",
            codes={"webhook_url_invalid", "webhook_url_forbidden"} | _WRITE,
            status="201",
            statekeep=True,
        ),
        "get": _op(
            "The webhook endpoints (without secrets), in id order, a page at a time",
            "admin",
            _json(_ref("WebhookPage"), "A page of endpoints"),
            params=list(_PAGED),
            codes=_LIST,
            statekeep=True,
        ),
    },
    "/v1/webhooks/{id}": {
        "get": _op(
            "One webhook endpoint",
            "admin",
            _json(_ref("Webhook"), "The endpoint"),
            params=[_WEBHOOK_ID],
            codes={"webhook_not_found"},
            statekeep=True,
        ),
        "patch": _op(
            "Change an endpoint: its URL, filters, description; disable it, or enable it again",
            "admin",
            _json(_ref("Webhook"), "Changed"),
            body="WebhookUpdate",
            params=[_WEBHOOK_ID],
            codes={"webhook_not_found", "webhook_url_invalid", "webhook_url_forbidden"} | _WRITE,
            statekeep=True,
        ),
        "delete": _op(
            "Delete an endpoint with its pending deliveries and dead letters",
            "admin",
            {"description": "Deleted"},
            params=[_WEBHOOK_ID],
            codes={"webhook_not_found"} | _BODY | _WRITE,
            status="204",
            statekeep=True,
        ),
    },
    "/v1/webhooks/{id}/rotate-secret": {
        "post": _op(
            "A new signing secret; the previous one still signs beside it for the overlap",
            "admin",
            _json(_ref("Webhook"), "Rotated: the answer holds the new secret, shown only here"),
            params=[_WEBHOOK_ID],
            codes={"webhook_not_found"} | _BODY | _WRITE,
            description="The body is optional: `{overlapSeconds}` (a day unless given).",
        )
    },
    "/v1/webhooks/{id}/deliveries": {
        "get": _op(
            "The endpoint's pending deliveries, or its dead letters, by change number, a page at a time",
            "admin",
            _json(_ref("WebhookDeliveryPage"), "A page of deliveries"),
            params=[
                _WEBHOOK_ID,
                _query("status", {"type": "string", "enum": ["pending", "dead"]}, "pending (the default) or dead"),
                _query(
                    "after", {"type": "integer", "minimum": 0}, "start after this change number (not with `cursor`)"
                ),
                *_PAGED,
            ],
            codes={"webhook_not_found"} | _LIST,
        )
    },
    "/v1/webhooks/{id}/redeliver": {
        "post": _op(
            "Deliver again one change (a dead letter, or one delivered before), or every change since a time",
            "admin",
            _json(_ref("Redelivered"), "How many deliveries were queued"),
            body="RedeliverRequest",
            params=[_WEBHOOK_ID],
            codes={"webhook_not_found", "change_not_found"} | _WRITE,
        )
    },
}

SPEC: dict[str, Any] = {
    "openapi": "3.1.0",
    "info": {
        "title": "statekeep",
        "version": __version__,
        "description": "Durable XState-compatible actors, migrated by their history. Bodies are JSON "
        f"objects in camelCase, at most {MAX_BODY >> 20} MiB, strict: a field a route does not take is "
        "refused (unknown_field), never ignored; NaN and infinities are refused, and never sent. "
        "Times are RFC 3339 strings in UTC with milliseconds. Lists page: `{items, next}`, with "
        f"`limit` ({PAGE_DEFAULT} unless given, at most {PAGE_MAX}) and `cursor` (the `next` of the "
        "page before). Errors are application/problem+json with a stable `code` and `message` (the "
        "same as `detail`). The routes and names of StateKeep's API that are served too are in "
        "docs/statekeep-compatibility.md.",
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


def _shape(schema: dict[str, Any]) -> str:
    """A schema as the docs page shows it: its fields, the required ones marked."""
    if "$ref" in schema:
        name = schema["$ref"].rsplit("/", 1)[1]
        return f"<a href='#schema-{html.escape(name)}'>{html.escape(name)}</a>"
    if schema.get("type") == "array" and "items" in schema:
        return f"array of {_shape(schema['items'])}"
    return html.escape(json.dumps(schema))


def docs_page() -> str:
    """The API reference as one self-contained HTML page: every route with its parameters,
    request and response bodies and problem codes, every schema, every code."""
    parts = [
        "<!doctype html><html><head><meta charset='utf-8'><title>statekeep API</title><style>",
        "body{font:15px/1.5 system-ui,sans-serif;max-width:64rem;margin:2rem auto;padding:0 1rem;color:#222}",
        "code,pre{font:13px ui-monospace,monospace}pre{background:#f5f5f5;padding:.6rem;overflow:auto}",
        ".op{border-top:1px solid #ddd;padding:.6rem 0}.m{font-weight:700;display:inline-block;width:4.5rem}",
        "td,th{text-align:left;vertical-align:top;padding:.1rem .6rem .1rem 0}",
        "</style></head><body>",
        f"<h1>statekeep API <small>{html.escape(__version__)}</small></h1>",
        f"<p>{html.escape(SPEC['info']['description'])} The machine-readable form is "
        "<a href='/openapi.json'>/openapi.json</a>. Authenticate with <code>Authorization: Bearer sk_...</code> "
        "or <code>X-API-Key</code>.</p><h2>Routes</h2>",
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
                parts.append(f"<br>body: {_shape(op['requestBody']['content']['application/json']['schema'])}")
            for status, response in op["responses"].items():
                content = response.get("content", {})
                if "application/json" in content:
                    parts.append(f"<br>{status}: {_shape(content['application/json']['schema'])}")
                elif "application/problem+json" in content:
                    codes = content["application/problem+json"]["schema"]["allOf"][1]["properties"]["code"]["enum"]
                    parts.append(f"<br><small>{status}: {', '.join(codes)}</small>")
                else:
                    parts.append(f"<br>{status}: {html.escape(response['description'])}")
            parts.append("</div>")
    parts.append("<h2>Bodies</h2>")
    for name, schema in SCHEMAS.items():
        parts.append(f"<h3 id='schema-{html.escape(name)}'>{html.escape(name)}</h3>")
        if "description" in schema:
            parts.append(f"<p>{html.escape(schema['description'])}</p>")
        required = set(schema.get("required", []))
        rows = "".join(
            f"<tr><td><code>{html.escape(field)}</code>{' (required)' if field in required else ''}</td>"
            f"<td>{_shape(spec)}</td></tr>"
            for field, spec in schema.get("properties", {}).items()
        )
        parts.append(f"<table>{rows}</table>")
        closed = schema.get("additionalProperties") is False
        parts.append(f"<small>{'No other field is taken.' if closed else ''}</small>")
        if "example" in schema:
            parts.append(f"<pre>{html.escape(json.dumps(schema['example'], indent=1))}</pre>")
    parts.append("<h2 id='codes'>Problem codes</h2><table><tr><th>code</th><th>status</th><th>meaning</th></tr>")
    for code, about in sorted(CODES.items(), key=lambda c: (c[1].status, c[0])):
        parts.append(
            f"<tr><td><code>{code}</code></td><td>{about.status}</td><td>{html.escape(about.meaning)}</td></tr>"
        )
    parts.append("</table></body></html>")
    return "".join(parts)
