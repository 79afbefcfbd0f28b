"""What the keep's calls return: plain, immutable values (the same over HTTP, as JSON)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, TypedDict

#: A routing decision, as the audit trail keeps it (``from`` is a keyword, hence this form).
Decision = TypedDict(
    "Decision",
    {
        #: ``migrated``, ``stayed``, ``stranded``, ``superseded``, or the operator's ``released``.
        "kind": str,
        "deployment": str,
        "from": str,
        "to": str,
        "actor_fingerprint": int,
        "path_fingerprint": int,
        #: Why, as a code with its details (``{"code": "non_compliant", "index": 1, ...}``).
        "reason": dict[str, Any],
        #: Where a migrated actor landed (a state value), else None.
        "landing": Any,
        #: A migration's from or to a version with delayed transitions only: what it did to the
        #: actor's delayed transitions, as the landing version's timer policy says. Each of ``kept`` (its due time unchanged),
        #: ``restarted`` (due again from the landing), ``started`` (new in the landing state)
        #: and ``cancelled`` (not in the landing state; with the due time it had) lists
        #: ``{"event", "due"}`` (seconds since the epoch).
        "timers": dict[str, list[dict[str, Any]]],
        "actor": str,
        #: When the record was written (seconds since the epoch); absent while only implied by a
        #: commit the scan has not reached.
        "at": float,
    },
    total=False,
)


class HistoryEntry(TypedDict):
    """One handled event of an actor's history."""

    index: int
    type: str
    payload: dict[str, Any]
    #: The guard outcomes used for it.
    guards: dict[str, bool]
    at: float


class Version(TypedDict):
    """A committed version: a root, or a deployment from ``parent``."""

    id: str
    parent: str | None
    path: list[str]
    match: str
    landing: str
    state_map: dict[str, str]
    guard_default: bool
    definition: Any
    committed_at: float
    #: The named delays of its ``after`` transitions (milliseconds), and what a migration onto
    #: it does to an actor's timers (``keep`` or ``restart``).
    delays: dict[str, int]
    timers: str


@dataclass(frozen=True)
class Actor:
    id: str
    version: str
    value: Any
    status: str
    context: Any
    #: The number of handled events, which is also the history's length.
    seq: int
    history_length: int
    fingerprint: int
    needs_rescue: dict[str, Any] | None
    #: Its pending timers (delayed transitions and scheduled events), soonest first: each with
    #: its ``id``, ``kind`` (``after`` or ``scheduled``), ``event``, ``due`` (seconds since the
    #: epoch) and, for a scheduled event that could not be delivered, ``undelivered`` (why).
    timers: list[dict[str, Any]] = field(default_factory=list)


@dataclass(frozen=True)
class StepResult:
    actor_id: str
    value: Any
    status: str
    version: str
    seq: int
    actions: list[dict[str, Any]]
    effects: list[dict[str, Any]]
    handled: bool
    #: The decisions taken at this moment (catching up on commits, then the event's own).
    decisions: list[Decision]


@dataclass(frozen=True)
class Change:
    """An entry of the outbox: one commit's change to one actor, as the application is told
    of it (``keep.changes``, ``keep.follow``, ``/v1/changes``, webhooks)."""

    #: The entry's number: store-wide, from 1, dense, in commit order.
    seq: int
    #: ``spawned``, ``event`` (a send), ``timer`` (a delayed transition or a scheduled event
    #: fired), ``migrated`` or ``stranded`` (by a deployment), ``released``, ``terminated``.
    kind: str
    actor_id: str
    #: The version the actor is on after the change.
    version: str
    #: When it committed (seconds since the epoch).
    at: float
    #: The actor's count of handled events after the change.
    actor_seq: int
    #: The event handled (``{"type": ..., **payload}``) for kinds ``event`` and ``timer``.
    event: dict[str, Any] | None
    value: Any
    status: str
    actions: list[dict[str, Any]]
    effects: list[dict[str, Any]]
    decisions: list[Decision]
    #: The timer that fired (``{"id", "kind"}``) for kind ``timer``.
    timer: dict[str, Any] | None = None


@dataclass(frozen=True)
class Deployment:
    id: str
    parent: str | None
    path: list[str]
    match: str
    landing: str
    state_map: dict[str, str]
    guard_default: bool
    seq: int
    #: Actors the background scan has visited, of the `total` on the parent at the commit; an
    #: actor decided on first touch and gone from the parent before the scan came is not visited.
    scanned: int
    total: int
    done: bool
    #: Decision records written so far, by kind.
    counts: dict[str, int] = field(default_factory=dict)
    #: While this process's background scan keeps failing (a full disk, say), what it last
    #: failed with; it retries and resumes by itself once the cause is gone.
    last_error: str | None = None


@dataclass(frozen=True)
class Preview:
    would_migrate: list[str]
    would_stay: list[str]
    would_strand: list[str]
    #: Actors on the parent whose history is still shorter than the path.
    pending: list[str]
    counts: dict[str, int]
    #: ``{"from": value, "to": value, "count": n}``: where the migrating actors go.
    flows: list[dict[str, Any]]
    #: Why each stranded actor would be stranded, by actor id.
    reasons: dict[str, dict[str, Any]]
    #: Pass to ``deploy(..., expect=digest)`` to deploy exactly what was reviewed.
    digest: str
    #: The timers each migrating actor would have, were the version committed now (by actor
    #: id; only when the parent or the version has delayed transitions).
    timers: dict[str, list[dict[str, Any]]] = field(default_factory=dict)


@dataclass(frozen=True)
class ApiKey:
    id: str
    scope: str
    name: str | None
    created_at: float
    #: The key's full text (``sk_...``): given once, when it is created; never stored.
    token: str | None = None


@dataclass(frozen=True)
class Webhook:
    """An endpoint that is told of the changes it asks for (``keep.add_webhook``), signed as the
    Standard Webhooks specification says."""

    id: str
    url: str
    description: str | None
    #: Filters, each empty for all: the versions (definition ids) the actor is on after the
    #: change, the change kinds, the names of actions the step reported (any of them).
    definitions: list[str]
    kinds: list[str]
    actions: list[str]
    #: Deliveries go on while enabled; an endpoint that answered 410 or failed for 5 days is
    #: disabled, with why.
    enabled: bool
    disabled_reason: str | None
    created_at: float
    updated_at: float
    #: The last change (its ``seq``) it has looked at: later ones are still to come.
    cursor: int
    #: Deliveries waiting or being tried, and dead letters.
    pending: int
    dead: int
    #: Since when its deliveries fail (None when the last one succeeded).
    failing_since: float | None
    #: During a secret's rotation, when the previous secret stops signing.
    previous_secret_expires_at: float | None
    #: The signing secret (``whsec_...``): given when the endpoint is made and when its secret is
    #: rotated, never listed.
    secret: str | None = None


@dataclass(frozen=True)
class WebhookDelivery:
    """One change on its way to an endpoint (``status`` ``pending``) or given up on after its
    attempts (``dead``)."""

    webhook: str
    #: The change's number in the outbox (``Change.seq``); its ``webhook-id`` is ``msg_...`` of it.
    seq: int
    actor_id: str
    kind: str
    status: str
    #: When it is tried next (None while it waits for the same actor's earlier change, or dead).
    next_attempt: float | None
    #: Each attempt: ``at``, ``status`` (HTTP, or None), ``error`` (None on success), ``ms``.
    attempts: list[dict[str, Any]]
    #: When it was given up on.
    dead_at: float | None = None
