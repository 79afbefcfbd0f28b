"""Actors: spawn, send, release; get one, list them, read an actor's history and the
decisions about it."""

from __future__ import annotations

from typing import Any

import click

from statekeep.cli.options import guards_option, json_option, payload_option, state_value_option
from statekeep.cli.render import (
    emit_json,
    print_actor,
    print_actors,
    print_decisions,
    print_history,
    print_step,
    show,
)
from statekeep.cli.target import Target, open_keep, target_options

_IDEMPOTENCY_HELP = "Retrying with the same key returns the first answer."


@click.command()
@click.argument("definition_id", metavar="DEFINITION_ID")
@click.option(
    "--context", metavar="JSON", callback=json_option, help="The actor's context (JSON); default: the definition's."
)
@click.option("--id", "actor_id", metavar="ACTOR_ID", help="The new actor's id (default: a random one).")
@click.option("--idempotency-key", metavar="KEY", help=_IDEMPOTENCY_HELP)
@target_options
def spawn(target: Target, definition_id: str, context: Any, actor_id: str | None, idempotency_key: str | None) -> None:
    """Start a new actor on a deployed version.

    \b
    Example:
      statekeep spawn --data ./data loan-v1 --id alice --context '{"applicant": "Alice"}'
    """
    with open_keep(target) as keep:
        actor = keep.spawn(definition_id, context, actor_id=actor_id, idempotency_key=idempotency_key)
    show(actor, target.as_json, print_actor)


@click.command()
@click.argument("actor_id", metavar="ACTOR_ID")
@click.argument("event_type", metavar="EVENT_TYPE")
@click.option("--payload", metavar="JSON", callback=payload_option, help="The event's other fields, a JSON object.")
@click.option(
    "--guard",
    "guards",
    multiple=True,
    metavar="NAME=true|false",
    callback=guards_option,
    help="A guard's outcome (repeatable); the engine evaluates no guards itself.",
)
@click.option(
    "--expected-seq",
    type=int,
    metavar="N",
    help="Send only if the actor is at this seq (compare-and-set); else exit 1.",
)
@click.option("--idempotency-key", metavar="KEY", help=_IDEMPOTENCY_HELP)
@target_options
def send(
    target: Target,
    actor_id: str,
    event_type: str,
    payload: dict[str, Any],
    guards: dict[str, bool] | None,
    expected_seq: int | None,
    idempotency_key: str | None,
) -> None:
    """Send an event to an actor; prints its new state, actions, effects and decisions.

    \b
    Example:
      statekeep send --data ./data alice PAY_FEE --payload '{"amount": 50}' --expected-seq 1
    """
    with open_keep(target) as keep:
        result = keep.send(
            actor_id,
            {"type": event_type, **payload},
            guards=guards,
            expected_seq=expected_seq,
            idempotency_key=idempotency_key,
        )
    show(result, target.as_json, print_step)


@click.command()
@click.argument("actor_id", metavar="ACTOR_ID")
@target_options
def get(target: Target, actor_id: str) -> None:
    """An actor as of now (every deployment decided for it).

    \b
    Example:
      statekeep get --data ./data alice
    """
    with open_keep(target) as keep:
        actor = keep.get(actor_id)
    show(actor, target.as_json, print_actor)


@click.command()
@click.argument("actor_id", metavar="ACTOR_ID")
@click.option("--after", type=int, metavar="N", help="Only the events after index N.")
@click.option("--limit", type=int, metavar="N", help="At most N events.")
@target_options
def history(target: Target, actor_id: str, after: int | None, limit: int | None) -> None:
    """An actor's handled events, oldest first: index, type, time, payload, guard outcomes.

    \b
    Example:
      statekeep history --data ./data alice --after 0 --limit 10
    """
    with open_keep(target) as keep:
        events = keep.history(actor_id, after=after, limit=limit)
    show(events, target.as_json, print_history)


@click.command()
@click.option("--actor", "actor_id", metavar="ID", help="The decisions about this actor.")
@click.option("--deployment", metavar="ID", help="The decisions of this deployment (written or implied).")
@target_options
def decisions(target: Target, actor_id: str | None, deployment: str | None) -> None:
    """Decision records: why actors migrated, stayed or were stranded. Give --actor, --deployment, or both.

    \b
    Examples:
      statekeep decisions --data ./data --actor alice
      statekeep decisions --data ./data --deployment loan-v2 --json
    """
    if actor_id is None and deployment is None:
        raise click.UsageError("give --actor ID, --deployment ID, or both")
    with open_keep(target) as keep:
        found = keep.decisions(actor_id, deployment)
    show(found, target.as_json, print_decisions)


@click.command()
@click.option("--definition", "definition_id", metavar="ID", help="Only the actors on this version.")
@click.option(
    "--state",
    metavar="VALUE",
    callback=state_value_option,
    help='Only the actors in this state value: a name (fee) or JSON (\'{"a": "b"}\').',
)
@click.option(
    "--in-state",
    "in_state",
    metavar="PATH",
    help="Only the actors in this state at any depth, by its path (open.light.off), as the state counts name it.",
)
@click.option("--status", metavar="STATUS", help="Only the actors with this status (active, done, ...).")
@click.option(
    "--needs-rescue/--not-needs-rescue",
    "needs_rescue",
    default=None,
    help="Only the actors a deployment stranded (still marked), or only the others.",
)
@click.option("--after", metavar="ID", help="Start after this actor id (the next page).")
@click.option("--limit", type=int, default=100, show_default=True, metavar="N", help="At most N actors; 0 for all.")
@target_options
def actors(
    target: Target,
    definition_id: str | None,
    state: Any,
    in_state: str | None,
    status: str | None,
    needs_rescue: bool | None,
    after: str | None,
    limit: int,
) -> None:
    """Actors in id order, as of now, optionally filtered; a page at a time.

    \b
    Examples:
      statekeep actors --data ./data --definition loan-v2 --state income_verification
      statekeep actors --data ./data --after app-0000100 --limit 100
      statekeep actors --data ./data --needs-rescue
    """
    with open_keep(target) as keep:
        found = keep.actors(
            definition_id,
            state=state,
            status=status,
            after=after,
            limit=limit or None,
            needs_rescue=needs_rescue,
            in_state=in_state,
        )
    if target.as_json:
        emit_json(found)
        return
    print_actors(found)
    if limit and len(found) == limit:
        click.echo(f"(the first {limit}; the next page: --after {found[-1].id})", err=True)


@click.command()
@click.argument("actor_id", metavar="ACTOR_ID")
@target_options
def release(target: Target, actor_id: str) -> None:
    """Clear a stranded actor's mark: it continues on its version.

    \b
    Example:
      statekeep release --data ./data carol
    """
    with open_keep(target) as keep:
        record = keep.release(actor_id)
    if target.as_json:
        emit_json(record)
    else:
        click.echo(
            f"released {actor_id} (stranded by {record.get('deployment')}); "
            f"it continues on {record.get('to') or record.get('from') or 'its version'}"
        )
