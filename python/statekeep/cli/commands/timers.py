"""Timers: the store's pending and overdue timers and how late the last firings were; an
actor's timers; schedule an event for an actor and cancel it."""

from __future__ import annotations

import re
from typing import Any

import click

from statekeep import wire
from statekeep.cli.options import payload_option
from statekeep.cli.render import emit_json, fields, table, when
from statekeep.cli.target import Target, open_keep, target_options

_DURATION = re.compile(r"(\d+(?:\.\d+)?)(ms|s|m|h|d)")
_UNITS = {"ms": 0.001, "s": 1, "m": 60, "h": 3600, "d": 86400}


def duration_option(ctx: click.Context, param: click.Parameter, value: str | None) -> float | None:
    """A duration such as 90s, 15m, 3d or 1h30m, in seconds."""
    if value is None:
        return None
    parts = _DURATION.findall(value)
    if not parts or "".join(n + u for n, u in parts) != value:
        raise click.BadParameter(f"a duration such as 90s, 15m, 3d or 1h30m (units ms, s, m, h, d), not {value!r}")
    return sum(float(n) * _UNITS[u] for n, u in parts)


def time_option(ctx: click.Context, param: click.Parameter, value: str | None) -> float | None:
    """An RFC 3339 time (2026-12-24T18:00:00Z), in seconds since the epoch."""
    if value is None:
        return None
    try:
        return wire.time_seconds(value)
    except ValueError as e:
        raise click.BadParameter(str(e)) from None


@click.command()
@click.argument("actor_id", metavar="[ACTOR_ID]", required=False)
@target_options
def timers(target: Target, actor_id: str | None) -> None:
    """The store's timers (pending, overdue, the next due, how late the last firings were), or
    one actor's: its delayed transitions and the events scheduled for it, soonest first.

    \b
    Examples:
      statekeep timers --data ./data
      statekeep timers --data ./data alice
    """
    with open_keep(target) as keep:
        found: Any = keep.timer_stats() if actor_id is None else keep.scheduled(actor_id)
    if target.as_json:
        emit_json(found if actor_id is not None else wire.record(found))
    elif actor_id is None:
        late = found["lateness"]
        fields(
            [
                ("pending", str(found["pending"])),
                ("overdue", str(found["overdue"])),
                ("next due", when(found["next_due"])),
                ("fired here", str(found["fired"])),
                (
                    "lateness",
                    "-"
                    if late is None
                    else f"p50 {late['p50']:.3f} s, p99 {late['p99']:.3f} s, max {late['max']:.3f} s",
                ),
            ]
        )
    elif not found:
        click.echo(f"{actor_id} has no timers")
    else:
        table(
            ["due", "kind", "id", "event", "undelivered"],
            [
                [
                    when(t["due"]),
                    t["kind"],
                    t["id"],
                    t["event"],
                    "-" if t["undelivered"] is None else f"{t['undelivered']['code']}: {t['undelivered']['message']}",
                ]
                for t in found
            ],
        )


@click.command()
@click.argument("actor_id", metavar="ACTOR_ID")
@click.argument("event_type", metavar="EVENT_TYPE")
@click.option(
    "--in", "delay", metavar="DURATION", callback=duration_option, help="Send it after this long (3d, 1h30m)."
)
@click.option(
    "--at", metavar="TIME", callback=time_option, help="Send it at this RFC 3339 time (2026-12-24T18:00:00Z)."
)
@click.option("--payload", metavar="JSON", callback=payload_option, help="The event's other fields, a JSON object.")
@click.option("--id", "schedule_id", metavar="ID", help="Its id, to cancel it by (scheduling it again replaces it).")
@click.option("--idempotency-key", metavar="KEY", help="Retrying with the same key returns the first answer.")
@target_options
def schedule(
    target: Target,
    actor_id: str,
    event_type: str,
    delay: float | None,
    at: float | None,
    payload: dict[str, Any],
    schedule_id: str | None,
    idempotency_key: str | None,
) -> None:
    """Schedule an event for an actor: it is sent by itself at its time, durably, once.

    \b
    Examples:
      statekeep schedule --data ./data alice REMIND --in 3d --id remind
      statekeep schedule --data ./data alice CLOSE --at 2026-12-24T18:00:00Z --payload '{"why": "deadline"}'
    """
    if (delay is None) == (at is None):
        raise click.UsageError("give when to send it: --in DURATION or --at TIME")
    with open_keep(target) as keep:
        shown = keep.schedule(
            actor_id,
            {"type": event_type, **payload},
            at=at,
            delay=delay,
            id=schedule_id,
            idempotency_key=idempotency_key,
        )
    if target.as_json:
        emit_json(wire.timer_json(shown))
    else:
        click.echo(f"scheduled {shown['event']} for {actor_id} at {when(shown['due'])} (id {shown['id']})")


@click.command()
@click.argument("actor_id", metavar="ACTOR_ID")
@click.argument("schedule_id", metavar="ID")
@target_options
def unschedule(target: Target, actor_id: str, schedule_id: str) -> None:
    """Cancel an event scheduled for an actor (or dismiss one that could not be delivered).

    \b
    Example:
      statekeep unschedule --data ./data alice remind
    """
    with open_keep(target) as keep:
        keep.cancel_scheduled(actor_id, schedule_id)
    if not target.as_json:
        click.echo(f"cancelled {schedule_id} of {actor_id}")
