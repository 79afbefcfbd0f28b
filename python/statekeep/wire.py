"""The JSON form of what the keep returns, shared by the service, the client and the CLI.

Names are camelCase over the wire and snake_case in Python, for the same concepts; only
statekeep's own field names are renamed, never what users put in (contexts, payloads, state
values, action parameters). Fingerprints are 16 lowercase hex digits in JSON and ``int`` in
Python. Times are RFC 3339 strings in UTC with milliseconds in JSON
(``2026-05-25T03:41:27.120Z``) and seconds since the epoch (``float``) in Python.

An actor (and a step's result) also carries the names StateKeep's API uses for the same
things, deliberately (``docs/statekeep-compatibility.md``): ``id`` beside ``actorId``,
``definitionId`` beside ``version``, and ``done``.
"""

from __future__ import annotations

import dataclasses
import functools
from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any, TypeVar, cast

from statekeep.errors import InvalidRequest
from statekeep.results import Actor, ApiKey, Change, Deployment, Preview, StepResult, Webhook, WebhookDelivery

T = TypeVar("T")

#: JSON name -> Python name, where they differ beyond camelCase -> snake_case. (A record's
#: ``actor`` is an ``actorId`` too.)
_RENAMED_BACK = {"stateValue": "value", "parentId": "parent", "historyPath": "path", "stateMapping": "state_map"}
_RENAMED = {python: wire for wire, python in _RENAMED_BACK.items()} | {"actor": "actorId"}
_FINGERPRINTS = {"fingerprint", "actor_fingerprint", "path_fingerprint"}
#: The Python names of the fields that are times.
_TIMES = {
    "at",
    "committed_at",
    "created_at",
    "next_due",
    "updated_at",
    "failing_since",
    "previous_secret_expires_at",
    "next_attempt",
    "dead_at",
}
#: The Python names of the fields whose values statekeep owns (converted in depth).
_DECISION_LISTS = {"decisions"}


@functools.cache
def camel(name: str) -> str:
    if name in _RENAMED:
        return _RENAMED[name]
    head, *rest = name.split("_")
    return head + "".join(part.title() for part in rest)


def fingerprint_text(value: int) -> str:
    return f"{value:016x}"


def fingerprint_int(text: str) -> int:
    if len(text) != 16:
        raise InvalidRequest(f"a fingerprint is 16 hex digits, not {text!r}")
    return int(text, 16)


def time_text(seconds: float) -> str:
    """A time as RFC 3339 in UTC, to the millisecond: ``2026-05-25T03:41:27.120Z``."""
    return datetime.fromtimestamp(seconds, UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")


def time_seconds(text: str) -> float:
    """The inverse of :func:`time_text` (any RFC 3339 time with an offset)."""
    try:
        moment = datetime.fromisoformat(text.replace("Z", "+00:00") if text.endswith(("Z", "z")) else text)
    except ValueError:
        raise InvalidRequest(f"a time is RFC 3339 text such as 2026-05-25T03:41:27.120Z, not {text!r}") from None
    if moment.tzinfo is None:
        raise InvalidRequest(f"a time needs its offset from UTC (such as Z), not {text!r}")
    return moment.timestamp()


def _out(name: str, value: Any) -> Any:
    if name in _FINGERPRINTS and isinstance(value, int):
        return fingerprint_text(value)
    if name in _TIMES and isinstance(value, (int, float)):
        return time_text(value)
    if name == "timers" and isinstance(value, list):
        return [_timer(t, time_text) for t in value]
    if name == "timers" and isinstance(value, Mapping):  # a migration's, in its decision record
        return {what: [_timer(t, time_text) for t in ts] for what, ts in value.items()}
    if name in _DECISION_LISTS:
        return [record(d) for d in value]
    if name == "attempts" and isinstance(value, list):
        return [record(a) for a in value]
    return value


def record(fields: Mapping[str, Any]) -> dict[str, Any]:
    """A flat statekeep record (a decision, a definition, a key) with its names in camelCase."""
    return {camel(k): _out(k, v) for k, v in fields.items()}


def to_json(result: Any) -> Any:
    """Any result of the keep (a dataclass, a list of them, a record) in its JSON form."""
    if isinstance(result, Preview):
        counts = {camel(k): v for k, v in result.counts.items()}
        return {
            "migration": {
                "wouldMigrate": result.would_migrate,
                "wouldStay": result.would_stay,
                "wouldStrand": result.would_strand,
                "pending": result.pending,
                "counts": counts,
                "flows": result.flows,
                "reasons": result.reasons,
                "timers": {a: [_timer(t, time_text) for t in ts] for a, ts in result.timers.items()},
            },
            # Beside `migration` too, where the launch articles read it.
            "flows": result.flows,
            "digest": result.digest,
        }
    if isinstance(result, Change):
        return change_json(result)
    if isinstance(result, (Actor, StepResult, Deployment, ApiKey, Webhook, WebhookDelivery)):
        out = record({f.name: getattr(result, f.name) for f in dataclasses.fields(result)})
        if isinstance(result, Actor):
            out = {"actorId": result.id} | out
        if isinstance(result, (Actor, StepResult)):
            # StateKeep's names for the same things, beside ours.
            out["id"] = result.id if isinstance(result, Actor) else result.actor_id
            out["definitionId"] = result.version
            out["done"] = result.status == "done"
        if isinstance(result, ApiKey) and result.token is None:
            del out["token"]
        if isinstance(result, Webhook) and result.secret is None:
            del out["secret"]
        return out
    if isinstance(result, list):
        return [to_json(r) for r in result]
    if isinstance(result, Mapping):
        return record(result)
    return result


def change_json(change: Change) -> dict[str, Any]:
    """An outbox entry in its JSON form (written out: the change stream renders thousands a
    second)."""
    return {
        "seq": change.seq,
        "kind": change.kind,
        "actorId": change.actor_id,
        "version": change.version,
        "at": time_text(change.at),
        "actorSeq": change.actor_seq,
        "event": change.event,
        "stateValue": change.value,
        "status": change.status,
        "actions": change.actions,
        "effects": change.effects,
        "decisions": [record(d) for d in change.decisions] if change.decisions else [],
        "timer": change.timer,
    }


def timer_json(timer: Mapping[str, Any]) -> dict[str, Any]:
    """An actor's timer (``keep.scheduled``, ``keep.schedule``) in its JSON form."""
    return _timer(timer, time_text)


def timer_from_json(timer: Mapping[str, Any]) -> dict[str, Any]:
    return _timer(timer, time_seconds)


def _timer(timer: Mapping[str, Any], convert: Any) -> dict[str, Any]:
    """An actor's timer with its times converted: when it is due, and when a scheduled event
    could not be delivered (an actor's ``timers``; a version's ``timers`` is a word)."""
    out = dict(timer)
    if out.get("due") is not None:
        out["due"] = convert(out["due"])
    undelivered = out.get("undelivered")
    if isinstance(undelivered, Mapping) and undelivered.get("at") is not None:
        out["undelivered"] = {**undelivered, "at": convert(undelivered["at"])}
    return out


@functools.cache
def snake(name: str) -> str:
    if name in _RENAMED_BACK:
        return _RENAMED_BACK[name]
    return "".join("_" + c.lower() if c.isupper() else c for c in name)


def _in(name: str, value: Any) -> Any:
    if name in _FINGERPRINTS and isinstance(value, str):
        return fingerprint_int(value)
    if name in _TIMES and isinstance(value, str):
        return time_seconds(value)
    if name == "timers" and isinstance(value, list):
        return [_timer(t, time_seconds) for t in value]
    if name == "timers" and isinstance(value, Mapping):
        return {what: [_timer(t, time_seconds) for t in ts] for what, ts in value.items()}
    if name in _DECISION_LISTS:
        return [actor_record(d) for d in value]
    if name == "attempts" and isinstance(value, list):
        return [from_record(a) for a in value]
    return value


def from_record(fields: Mapping[str, Any]) -> dict[str, Any]:
    """The inverse of :func:`record`."""
    return {snake(k): _in(snake(k), v) for k, v in fields.items()}


def actor_record(fields: Mapping[str, Any]) -> dict[str, Any]:
    """A decision record as Python has it (``actor``, not ``actor_id``)."""
    out = from_record(fields)
    if "actor_id" in out:
        out["actor"] = out.pop("actor_id")
    return out


def from_json(kind: type[T], data: Mapping[str, Any]) -> T:
    """A result of type ``kind`` from its JSON form."""
    if kind is Preview:
        m = data["migration"]
        return cast(
            T,
            Preview(
                would_migrate=m["wouldMigrate"],
                would_stay=m["wouldStay"],
                would_strand=m["wouldStrand"],
                pending=m["pending"],
                counts={snake(k): v for k, v in m["counts"].items()},
                flows=m["flows"],
                reasons=m.get("reasons", {}),
                digest=data["digest"],
                timers={a: [_timer(t, time_seconds) for t in ts] for a, ts in m.get("timers", {}).items()},
            ),
        )
    fields = from_record(data)
    if kind is Actor:
        fields["id"] = fields.pop("actor_id")
    names = {f.name for f in dataclasses.fields(kind)}  # type: ignore[arg-type]
    return kind(**{k: v for k, v in fields.items() if k in names})
