"""API keys for the HTTP service: create, list, revoke."""

from __future__ import annotations

import click

from statekeep.cli.render import emit_json, print_keys, show
from statekeep.cli.target import Target, open_keep, target_options


@click.group()
def keys() -> None:
    """API keys for the HTTP service: create, list, revoke. Scopes nest: admin > write > read.

    \b
    Examples:
      statekeep keys create --data ./data --scope write --name billing
      statekeep keys list --data ./data
      statekeep keys revoke --data ./data 3d6e0393c837
    """


@keys.command("create")
@click.option("--scope", type=click.Choice(["read", "write", "admin"]), required=True, help="What the key may do.")
@click.option("--name", help="A name to remember the key by.")
@target_options
def create(target: Target, scope: str, name: str | None) -> None:
    """Create an API key; its text (sk_...) is printed once and is not stored: keep it now."""
    with open_keep(target) as keep:
        created = keep.create_api_key(scope, name=name)
    if target.as_json:
        emit_json(created)
        return
    print_keys([created])
    click.echo(f"\n{created.token}")
    click.echo("This is the key's only showing: statekeep keeps only a digest of it.", err=True)


@keys.command("list")
@target_options
def list_keys(target: Target) -> None:
    """The live API keys (never their text)."""
    with open_keep(target) as keep:
        found = keep.api_keys()
    show(found, target.as_json, print_keys)


@keys.command("revoke")
@click.argument("key_id", metavar="ID")
@target_options
def revoke(target: Target, key_id: str) -> None:
    """Revoke an API key by its id: requests with it are refused from now on."""
    with open_keep(target) as keep:
        keep.revoke_api_key(key_id)
    if target.as_json:
        emit_json({"id": key_id, "revoked": True})
    else:
        click.echo(f"revoked {key_id}")
