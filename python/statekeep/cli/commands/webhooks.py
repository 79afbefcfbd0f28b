"""Webhook endpoints: add, list, show, change, remove, rotate the secret; their deliveries and
dead letters; deliver again."""

from __future__ import annotations

from collections.abc import Sequence

import click

from statekeep import wire
from statekeep.cli.render import emit_json, fields, show, table, when
from statekeep.cli.target import Target, open_keep, target_options
from statekeep.results import Webhook, WebhookDelivery


@click.group()
def webhooks() -> None:
    """Webhook endpoints: every change to an actor the application did not ask for (a timer, a
    migration, another service's send) POSTed to a URL, signed as Standard Webhooks says.

    \b
    Examples:
      statekeep webhooks add https://example.com/hooks --kind timer --kind migrated
      statekeep webhooks list
      statekeep webhooks deliveries wh_3f2a... --dead
      statekeep webhooks redeliver wh_3f2a... --since 2026-05-25T00:00:00Z
      statekeep webhooks rotate-secret wh_3f2a... --overlap 3600
    """


def _filters(f: click.decorators.FC) -> click.decorators.FC:
    f = click.option("--action", "actions", multiple=True, help="Only steps that report this action (repeat).")(f)
    f = click.option("--kind", "kinds", multiple=True, help="Only this kind of change (repeat).")(f)
    f = click.option("--definition", "definitions", multiple=True, help="Only actors on this version (repeat).")(f)
    return f


@webhooks.command("add")
@click.argument("endpoint", metavar="URL")
@click.option("--description", help="What it is for.")
@click.option("--disabled", is_flag=True, help="Add it disabled.")
@_filters
@target_options
def add(
    target: Target,
    endpoint: str,
    description: str | None,
    disabled: bool,
    definitions: Sequence[str],
    kinds: Sequence[str],
    actions: Sequence[str],
) -> None:
    """Add an endpoint, told of the changes committed from now on; its secret (whsec_...) is
    printed now: give it to the receiver."""
    with open_keep(target) as keep:
        hook = keep.add_webhook(
            endpoint,
            description=description,
            definitions=list(definitions),
            kinds=list(kinds),
            actions=list(actions),
            enabled=not disabled,
        )
    if target.as_json:
        emit_json(hook)
        return
    print_webhook(hook)
    click.echo(f"\n{hook.secret}")
    click.echo("The signing secret: give it to the receiver (rotate-secret makes a new one).", err=True)


@webhooks.command("list")
@target_options
def list_webhooks(target: Target) -> None:
    """The endpoints (never their secrets)."""
    with open_keep(target) as keep:
        found = keep.webhooks()
    show(found, target.as_json, print_webhooks)


@webhooks.command("get")
@click.argument("webhook_id", metavar="ID")
@target_options
def get(target: Target, webhook_id: str) -> None:
    """One endpoint."""
    with open_keep(target) as keep:
        hook = keep.webhook(webhook_id)
    show(hook, target.as_json, print_webhook)


@webhooks.command("update")
@click.argument("webhook_id", metavar="ID")
@click.option("--endpoint", metavar="URL", help="A new URL to deliver to.")
@click.option("--description", help="A new description ('' clears it).")
@click.option("--enable/--disable", "enabled", default=None, help="Enable it (again), or disable it.")
@click.option("--all-changes", is_flag=True, help="Clear every filter.")
@_filters
@target_options
def update(
    target: Target,
    webhook_id: str,
    endpoint: str | None,
    description: str | None,
    enabled: bool | None,
    all_changes: bool,
    definitions: Sequence[str],
    kinds: Sequence[str],
    actions: Sequence[str],
) -> None:
    """Change an endpoint; a filter given replaces that filter."""
    with open_keep(target) as keep:
        hook = keep.update_webhook(
            webhook_id,
            url=endpoint,
            description=description,
            definitions=[] if all_changes else (list(definitions) or None),
            kinds=[] if all_changes else (list(kinds) or None),
            actions=[] if all_changes else (list(actions) or None),
            enabled=enabled,
        )
    show(hook, target.as_json, print_webhook)


@webhooks.command("remove")
@click.argument("webhook_id", metavar="ID")
@target_options
def remove(target: Target, webhook_id: str) -> None:
    """Remove an endpoint with its pending deliveries and dead letters."""
    with open_keep(target) as keep:
        keep.remove_webhook(webhook_id)
    if target.as_json:
        emit_json({"id": webhook_id, "removed": True})
    else:
        click.echo(f"removed {webhook_id}")


@webhooks.command("rotate-secret")
@click.argument("webhook_id", metavar="ID")
@click.option(
    "--overlap",
    type=click.FloatRange(0, 30 * 86400),
    default=86400.0,
    show_default=True,
    help="Seconds the previous secret still signs beside the new one.",
)
@target_options
def rotate_secret(target: Target, webhook_id: str, overlap: float) -> None:
    """A new signing secret, printed now; the previous one signs too for the overlap."""
    with open_keep(target) as keep:
        hook = keep.rotate_webhook_secret(webhook_id, overlap=overlap)
    if target.as_json:
        emit_json(hook)
        return
    print_webhook(hook)
    click.echo(f"\n{hook.secret}")


@webhooks.command("deliveries")
@click.argument("webhook_id", metavar="ID")
@click.option("--dead", is_flag=True, help="The dead letters instead of the pending deliveries.")
@click.option("--limit", type=click.IntRange(1), help="At most this many.")
@target_options
def deliveries(target: Target, webhook_id: str, dead: bool, limit: int | None) -> None:
    """An endpoint's pending deliveries (or dead letters), with their attempts."""
    with open_keep(target) as keep:
        found = keep.webhook_deliveries(webhook_id, dead=dead, limit=limit)
    show(found, target.as_json, print_deliveries)


@webhooks.command("redeliver")
@click.argument("webhook_id", metavar="ID")
@click.option("--seq", type=click.IntRange(1), help="One change, by its number (a dead letter's, say).")
@click.option("--since", metavar="TIME", help="Every change committed at this RFC 3339 time or later.")
@target_options
def redeliver(target: Target, webhook_id: str, seq: int | None, since: str | None) -> None:
    """Deliver again one change, or every change since a time (that the outbox still keeps)."""
    if (seq is None) == (since is None):
        raise click.UsageError("give --seq or --since")
    with open_keep(target) as keep:
        queued = keep.redeliver(webhook_id, seq=seq, since=None if since is None else wire.time_seconds(since))
    if target.as_json:
        emit_json({"queued": queued})
    else:
        click.echo(f"queued {queued} deliveries")


def print_webhooks(found: Sequence[Webhook]) -> None:
    table(
        ["id", "url", "enabled", "pending", "dead", "filters"],
        [[h.id, h.url, "yes" if h.enabled else "no", str(h.pending), str(h.dead), _filters_text(h)] for h in found],
        right=(3, 4),
    )


def print_webhook(h: Webhook) -> None:
    fields(
        [
            ("id", h.id),
            ("url", h.url),
            ("description", h.description or "-"),
            ("filters", _filters_text(h)),
            ("enabled", "yes" if h.enabled else f"no ({h.disabled_reason})"),
            ("cursor", str(h.cursor)),
            ("pending", str(h.pending)),
            ("dead letters", str(h.dead)),
            ("failing since", when(h.failing_since) if h.failing_since is not None else "-"),
            ("previous secret until", when(h.previous_secret_expires_at) if h.previous_secret_expires_at else "-"),
        ]
    )


def print_deliveries(found: Sequence[WebhookDelivery]) -> None:
    rows = []
    for d in found:
        last = d.attempts[-1] if d.attempts else None
        outcome = "-" if last is None else (last["error"] or str(last["status"]))
        following = when(d.next_attempt) if d.next_attempt is not None else ("dead" if d.dead_at else "waiting")
        rows.append([str(d.seq), d.actor_id, d.kind, str(len(d.attempts)), outcome, following])
    table(["seq", "actor", "kind", "attempts", "last", "next"], rows, right=(0, 3))


def _filters_text(h: Webhook) -> str:
    parts = [
        f"{name}={','.join(values)}"
        for name, values in (("definition", h.definitions), ("kind", h.kinds), ("action", h.actions))
        if values
    ]
    return " ".join(parts) or "all changes"
