"""Versions: validate a definition, preview and deploy a version, list what is deployed, follow
a deployment's materialisation."""

from __future__ import annotations

import dataclasses
import time
from dataclasses import dataclass
from typing import Any

import click

from statekeep._core import Machine
from statekeep.api import KeepAPI
from statekeep.cli.options import definition_text, deployment_options, new_version_id
from statekeep.cli.render import Progress, emit_json, print_deployment, print_preview, print_versions, show
from statekeep.cli.target import Target, open_keep, target_options
from statekeep.errors import DefinitionError
from statekeep.results import Deployment


@dataclass(frozen=True)
class Rule:
    """What a new version says besides its definition and parent (``deployment_options``)."""

    history_path: list[str] | None
    match: str
    landing: str
    state_map: dict[str, str] | None
    guard_default: bool
    delays: dict[str, float] | None
    timers: str

    def kwargs(self) -> dict[str, Any]:
        return dataclasses.asdict(self)


@click.command()
@click.argument("definition", metavar="DEFINITION_FILE", type=click.Path(dir_okay=False, allow_dash=True))
def validate(definition: str) -> None:
    """Compile a definition file (or - for stdin) without deploying it.

    Prints OK, or the error with the JSON path of the offending node, and exits 1.

    \b
    Example:
      statekeep validate loan-v2.json
    """
    try:
        machine = Machine(definition_text(definition))
    except DefinitionError as e:
        raise DefinitionError(f"{definition}: {e}", e.path) from None
    guards = ", ".join(machine.guards) or "none"
    click.echo(f"OK: {definition}: machine '{machine.id}', {machine.size} state nodes, guards: {guards}")


@click.command()
@deployment_options
@target_options
def preview(
    target: Target,
    definition: str,
    version_id: str | None,
    parent: str | None,
    history_path: list[str] | None,
    match: str,
    landing: str,
    state_map: dict[str, str] | None,
    guard_default: bool,
    delays: dict[str, float] | None,
    timers: str,
) -> None:
    """What deploying a version under --parent would do to the parent's actors; writes nothing.

    Deploy exactly the outcome shown with `statekeep deploy ... --expect DIGEST`.

    \b
    Example:
      statekeep preview --data ./data loan-v2.json --parent loan-v1 --path SUBMIT_INFO,PAY_FEE
    """
    if parent is None:
        raise click.UsageError("preview needs --parent: what would move is the parent's actors")
    vid = new_version_id(version_id, definition)
    body = definition_text(definition)
    rule = Rule(history_path, match, landing, state_map, guard_default, delays, timers)
    with open_keep(target) as keep:
        shown = keep.preview(vid, body, parent=parent, **rule.kwargs())
    show(shown, target.as_json, lambda p: print_preview(vid, parent, p))


@click.command()
@deployment_options
@click.option("--expect", metavar="DIGEST", help="Deploy only if the outcome is still the one a preview showed.")
@click.option("--dry-run", is_flag=True, help="Show the preview (or validate a root version) and write nothing.")
@click.option("--no-wait", is_flag=True, help="Return at once instead of waiting for the materialisation.")
@target_options
def deploy(
    target: Target,
    definition: str,
    version_id: str | None,
    parent: str | None,
    history_path: list[str] | None,
    match: str,
    landing: str,
    state_map: dict[str, str] | None,
    guard_default: bool,
    delays: dict[str, float] | None,
    timers: str,
    expect: str | None,
    dry_run: bool,
    no_wait: bool,
) -> None:
    """Deploy a definition (a JSON file, or - for stdin) as a new version.

    Without --parent it is a root version (the first deploy creates a local store). With
    --parent, the parent's actors whose history matches --path move to it: every read sees that
    at once, and the records are written by a background scan, which this command waits for
    with a progress bar unless --no-wait.

    \b
    Examples:
      statekeep deploy --data ./data loan-v1.json
      statekeep deploy --data ./data loan-v2.json --parent loan-v1 --path SUBMIT_INFO,PAY_FEE --expect DIGEST
      cat loan-v2.json | statekeep deploy --data ./data - --id loan-v2 --parent loan-v1 --dry-run
    """
    vid = new_version_id(version_id, definition)
    body = definition_text(definition)
    rule = Rule(history_path, match, landing, state_map, guard_default, delays, timers)
    if dry_run:
        if parent is None:
            machine = Machine(body, guard_default=guard_default)
            if target.as_json:
                emit_json({"id": vid, "parent": None, "valid": True})
            else:
                click.echo(
                    f"would deploy {vid} as a root version (machine '{machine.id}', {machine.size} state nodes); "
                    "no actor would move. Nothing was written."
                )
            return
        with open_keep(target) as keep:
            shown = keep.preview(vid, body, parent=parent, **rule.kwargs())
        if target.as_json:
            emit_json(shown)
        else:
            print_preview(vid, parent, shown)
            click.echo("Nothing was written (--dry-run).")
        return
    with open_keep(target, create=parent is None, scan=parent is not None and not no_wait) as keep:
        deployed = keep.deploy(vid, body, parent=parent, expect=expect, **rule.kwargs())
        if deployed.parent is not None and not deployed.done and not no_wait:
            deployed = wait_for(keep, vid, hidden=target.as_json, poll=target.poll())
    if target.as_json:
        emit_json(deployed)
        return
    print_deployment(deployed)
    if not deployed.done:
        click.echo(
            "Every read and send already sees its decisions; the records are written while the store is "
            "open with its scan (statekeep serve, or statekeep deployment ID --wait)."
        )


@click.command()
@target_options
def definitions(target: Target) -> None:
    """Every deployed version, in commit order.

    \b
    Example:
      statekeep definitions --data ./data
    """
    with open_keep(target) as keep:
        found = keep.definitions()
    show(found, target.as_json, print_versions)


@click.command()
@click.argument("deployment_id", metavar="ID")
@click.option("--wait", is_flag=True, help="Wait (with a progress bar) until the materialisation is done.")
@target_options
def deployment(target: Target, deployment_id: str, wait: bool) -> None:
    """A deployment's progress: actors scanned of the total, and decisions by kind.

    \b
    Example:
      statekeep deployment --data ./data loan-v2 --wait
    """
    with open_keep(target, scan=wait) as keep:
        shown = keep.deployment(deployment_id)
        if wait and not shown.done:
            shown = wait_for(keep, deployment_id, hidden=target.as_json, poll=target.poll())
    show(shown, target.as_json, print_deployment)


def wait_for(keep: KeepAPI, deployment_id: str, *, hidden: bool, poll: float) -> Deployment:
    """Poll a deployment's progress until its materialisation is done, with a progress bar."""
    progress = keep.deployment(deployment_id)
    with Progress(f"materialising {deployment_id}", hidden=hidden) as bar:
        while not progress.done:
            bar.update(progress.scanned, progress.total)
            time.sleep(poll)
            progress = keep.deployment(deployment_id)
        bar.update(progress.total, progress.total)
    return progress
