"""The outbox: the changes committed to actors, in order, a page at a time or followed as
they commit."""

from __future__ import annotations

import json

import click

from statekeep import wire
from statekeep.cli.render import table, when
from statekeep.cli.target import Target, open_keep, target_options
from statekeep.results import Change


@click.command()
@click.option("--after", type=click.IntRange(min=0), help="Only changes numbered above this one.")
@click.option("--limit", type=click.IntRange(1, 1000), default=100, show_default=True, help="How many at most.")
@click.option("--actor", "actor_id", metavar="ACTOR_ID", help="Only this actor's changes.")
@click.option("--definition", metavar="VERSION_ID", help="Only the changes of actors on this version.")
@click.option(
    "--follow",
    "-f",
    is_flag=True,
    help="Keep printing changes as they commit (one JSON object per line with --json), until interrupted.",
)
@target_options
def changes(
    target: Target, after: int | None, limit: int, actor_id: str | None, definition: str | None, follow: bool
) -> None:
    """The changes committed to actors (the outbox), oldest first: spawns, events, timers that
    fired, migrations and strandings, releases and terminations, each with its number.

    \b
    Examples:
      statekeep changes --data ./data
      statekeep changes --data ./data --after 1200 --actor alice
      statekeep changes --url http://localhost:8080 --follow --json
    """
    with open_keep(target) as keep:
        if follow:
            start = keep.last_change() if after is None else after
            for change in keep.follow(after=start, actor=actor_id, definition=definition):
                if target.as_json:
                    click.echo(json.dumps(wire.to_json(change), ensure_ascii=False))
                else:
                    click.echo("  ".join(_row(change)))
            return
        found, looked = keep.change_page(after, limit, actor=actor_id, definition=definition)
    if target.as_json:
        click.echo(json.dumps({"items": wire.to_json(found), "next": looked}, indent=2, ensure_ascii=False))
    elif not found:
        click.echo(f"no changes after {after or 0}")
    else:
        table(["seq", "at", "kind", "actor", "version", "event", "state"], [_row(c) for c in found], right=[0])
        click.echo(f"(next: --after {looked})")


def _row(change: Change) -> list[str]:
    event = "" if change.event is None else change.event["type"]
    return [
        str(change.seq),
        when(change.at),
        change.kind,
        change.actor_id,
        change.version,
        event,
        json.dumps(change.value, ensure_ascii=False),
    ]
