"""Reading the commands' own arguments: JSON and ``NAME=VALUE`` options, event lists, and the
definition file with the options that say what a new version is (shared by deploy and preview).
A value that cannot be read is a usage error (exit 2)."""

from __future__ import annotations

import json
import re
import sys
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any, TypeVar

import click

from statekeep.cli.target import read_text

F = TypeVar("F", bound=Callable[..., Any])


def json_option(ctx: click.Context, param: click.Parameter, value: str | None) -> Any:
    if value is None:
        return None
    try:
        return json.loads(value)
    except json.JSONDecodeError as e:
        raise click.BadParameter(f"not valid JSON: {e}") from None


def delays_option(ctx: click.Context, param: click.Parameter, value: str | None) -> dict[str, float] | None:
    delays = json_option(ctx, param, value)
    if delays is not None and not isinstance(delays, dict):
        raise click.BadParameter("the named delays are a JSON object of milliseconds, such as '{\"review\": 86400000}'")
    return delays


def payload_option(ctx: click.Context, param: click.Parameter, value: str | None) -> dict[str, Any]:
    payload = json_option(ctx, param, value)
    if payload is None:
        return {}
    if not isinstance(payload, dict):
        raise click.BadParameter("the payload is a JSON object, such as '{\"amount\": 50}'")
    if "type" in payload:
        raise click.BadParameter("the event type is the EVENT_TYPE argument, not a payload field")
    return payload


_SIZE = re.compile(r"(\d+)\s*([KMGT]?)(?:I?B)?", re.IGNORECASE)
_SIZE_UNITS = {"": 1, "K": 1 << 10, "M": 1 << 20, "G": 1 << 30, "T": 1 << 40}


def parse_size(text: str) -> int:
    """Bytes from ``12345``, ``512M``, ``10G`` (powers of 1024; ``K``, ``M``, ``G``, ``T``, any
    case, optionally followed by ``B`` or ``iB``)."""
    found = _SIZE.fullmatch(text.strip())
    if found is None:
        raise ValueError(f"{text!r} is not a size: give bytes, or a number with K, M, G or T (such as 512M or 10G)")
    size = int(found.group(1)) * _SIZE_UNITS[found.group(2).upper()]
    if size <= 0:
        raise ValueError(f"{text!r}: a size must be more than 0 bytes")
    return size


def size_option(ctx: click.Context, param: click.Parameter, value: str | None) -> int | None:
    if value is None:
        return None
    try:
        return parse_size(value)
    except ValueError as e:
        raise click.BadParameter(str(e)) from None


def _pairs(value: Sequence[str], what: str) -> list[tuple[str, str]]:
    out = []
    for item in value:
        name, sep, rest = item.partition("=")
        if not sep or not name:
            raise click.BadParameter(f"{item!r} is not {what}")
        out.append((name, rest))
    return out


def guards_option(ctx: click.Context, param: click.Parameter, value: Sequence[str]) -> dict[str, bool] | None:
    guards = {}
    for name, outcome in _pairs(value, "NAME=true or NAME=false"):
        if outcome.lower() not in ("true", "false"):
            raise click.BadParameter(f"guard {name!r}: the outcome is true or false, not {outcome!r}")
        guards[name] = outcome.lower() == "true"
    return guards or None


def state_map_option(ctx: click.Context, param: click.Parameter, value: Sequence[str]) -> dict[str, str] | None:
    return dict(_pairs(value, "OLD=NEW")) or None


def path_option(ctx: click.Context, param: click.Parameter, value: str | None) -> list[str] | None:
    if value is None:
        return None
    return [event.strip() for event in value.split(",") if event.strip()]


def state_value_option(ctx: click.Context, param: click.Parameter, value: str | None) -> Any:
    """A state value as JSON ('{"a": "b"}', '"fee"'), or a bare string (fee)."""
    if value is None:
        return None
    try:
        return json.loads(value)
    except json.JSONDecodeError:
        return value


def definition_text(source: str) -> str:
    """The definition in a file, or on stdin for ``-``."""
    if source == "-":
        return sys.stdin.read()
    return read_text(Path(source), "the definition")


def new_version_id(given: str | None, source: str) -> str:
    """The new version's id: ``--id``, else the definition file's name without .json."""
    if given is not None:
        return given
    if source == "-":
        raise click.UsageError("--id VERSION_ID is needed when the definition comes from stdin")
    return Path(source).stem


def deployment_options(f: F) -> F:
    """The definition file and the options that say what a new version is: shared by deploy
    and preview."""
    options = [
        click.argument("definition", metavar="DEFINITION_FILE", type=click.Path(dir_okay=False, allow_dash=True)),
        click.option(
            "--id",
            "version_id",
            metavar="VERSION_ID",
            help="The new version's id (default: the file's name without .json).",
        ),
        click.option(
            "--parent",
            metavar="VERSION_ID",
            help="Deploy under this version: its actors are routed by the history path.",
        ),
        click.option(
            "--path",
            "history_path",
            metavar="EVENT,EVENT",
            callback=path_option,
            help="The history path, comma-separated event types (e.g. SUBMIT_INFO,PAY_FEE); "
            "empty or absent: every actor of the parent.",
        ),
        click.option(
            "--match",
            type=click.Choice(["prefix", "exact"]),
            default="prefix",
            show_default=True,
            help="prefix: histories that start with the path; exact: histories equal to it.",
        ),
        click.option(
            "--landing",
            type=click.Choice(["replay", "state"]),
            default="replay",
            show_default=True,
            help="How a migrating actor lands: replaying its history, or by its state (renamed by --state-map).",
        ),
        click.option(
            "--state-map",
            multiple=True,
            metavar="OLD=NEW",
            callback=state_map_option,
            help="Rename a state for --landing state (repeatable).",
        ),
        click.option(
            "--no-guard-default",
            "guard_default",
            flag_value=False,
            default=True,
            help="Guards whose outcome is not given are false (default: true).",
        ),
        click.option(
            "--delays",
            metavar="JSON",
            callback=delays_option,
            help='The named delays of the definition\'s "after", in milliseconds: \'{"reviewWindow": 604800000}\'.',
        ),
        click.option(
            "--timers",
            type=click.Choice(["keep", "restart"]),
            default="keep",
            show_default=True,
            help="What a migration does to a delayed transition's due time: keep it where the landing state has "
            "the same transition, or restart every one.",
        ),
    ]
    for option in reversed(options):
        f = option(f)
    return f
