"""The ``statekeep`` command: deploy, preview, step and inspect actors on a local store or a
server, manage API keys, back up and restore, rotate the encryption key, and play the demo.

Every command talks to the keep's interface (``statekeep.api.KeepAPI``): ``statekeep.Keep`` on
a local directory (``--data``), or the HTTP client ``statekeep.connect`` (``--url``); see
``target``. Output is plain text by default and the JSON wire form with ``--json``; see
``render``. User errors print ``error: <message>`` on stderr and exit 1; usage errors exit 2.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

import click

from statekeep.cli.commands import actors, changes, demo, keys, serve, store, timers, versions, webhooks
from statekeep.cli.target import (
    API_KEY_HELP,
    DATA_HELP,
    ENV_API_KEY,
    ENV_DATA,
    ENV_URL,
    JSON_HELP,
    KEY_FILE_HELP,
    KEY_HELP,
    URL_HELP,
    Target,
)
from statekeep.errors import EncryptionError, Error

__all__ = ["cli", "main"]


def _user_errors() -> tuple[type[BaseException], ...]:
    errors: tuple[type[BaseException], ...] = (Error, ValueError, TypeError, OSError, json.JSONDecodeError)
    if (httpx := sys.modules.get("httpx")) is not None:  # the client's transport, once loaded
        errors += (httpx.HTTPError,)
    return errors


def _message(e: BaseException) -> str:
    if isinstance(e, OSError) and e.strerror:
        return f"{e.strerror}: {e.filename}" if e.filename else e.strerror
    return str(e) or type(e).__name__


class _Group(click.Group):
    """Turns the errors a user can cause into ``error: <message>`` and exit 1, without a
    traceback; anything else is a bug and keeps its traceback."""

    def invoke(self, ctx: click.Context) -> Any:
        try:
            return super().invoke(ctx)
        except _user_errors() as e:
            click.echo(f"error: {_message(e)}", err=True)
            if isinstance(e, EncryptionError):
                click.echo("(on the command line: --key-file FILE or --key KEY, or the variables above)", err=True)
            ctx.exit(1)


@click.group(
    "statekeep",
    cls=_Group,
    commands=[
        serve.serve,
        versions.validate,
        versions.preview,
        versions.deploy,
        versions.definitions,
        versions.deployment,
        actors.spawn,
        actors.send,
        actors.get,
        actors.history,
        actors.decisions,
        actors.actors,
        actors.release,
        timers.timers,
        timers.schedule,
        timers.unschedule,
        changes.changes,
        keys.keys,
        webhooks.webhooks,
        store.backup,
        store.restore,
        store.rotate_key,
        store.migrate_store,
        store.copy_store,
        demo.demo,
    ],
    context_settings={"help_option_names": ["-h", "--help"], "max_content_width": 100},
)
@click.option("--data", type=click.Path(file_okay=False, path_type=Path), envvar=ENV_DATA, help=DATA_HELP)
@click.option("--url", envvar=ENV_URL, help=URL_HELP)
@click.option("--api-key", envvar=ENV_API_KEY, help=API_KEY_HELP)
@click.option("--key", help=KEY_HELP)
@click.option("--key-file", type=click.Path(dir_okay=False, path_type=Path), help=KEY_FILE_HELP)
@click.option("--json", "as_json", is_flag=True, help=JSON_HELP)
@click.version_option(package_name="statekeep", prog_name="statekeep")
@click.pass_context
def cli(
    ctx: click.Context,
    data: Path | None,
    url: str | None,
    api_key: str | None,
    key: str | None,
    key_file: Path | None,
    as_json: bool,
) -> None:
    """statekeep: durable statechart actors, moved to new versions of their workflow by their
    history.

    Commands act on a local store (--data DIR, or STATEKEEP_DATA) or on a server (--url URL, or
    STATEKEEP_URL, with --api-key or STATEKEEP_API_KEY). These options, --key, --key-file and
    --json go before the command's name or after it:

    \b
      statekeep --data ./data get alice
      statekeep get --data ./data alice                # the same

    \b
    Examples:
      statekeep demo                                   # the loan story, 50,000 actors
      statekeep deploy --data ./data loan-v1.json      # a first version (creates the store)
      statekeep spawn --data ./data loan-v1 --id alice --context '{"applicant": "Alice"}'
      statekeep send --data ./data alice PAY_FEE --payload '{"amount": 50}'
      export STATEKEEP_DATA=./data
      statekeep preview loan-v2.json --parent loan-v1 --path SUBMIT_INFO,PAY_FEE
      statekeep deploy loan-v2.json --parent loan-v1 --path SUBMIT_INFO,PAY_FEE --expect DIGEST
      statekeep get alice --json
    """
    source = ctx.get_parameter_source
    ctx.obj = Target(
        data=data,
        data_from_env=source("data") == click.core.ParameterSource.ENVIRONMENT,
        url=url,
        url_from_env=source("url") == click.core.ParameterSource.ENVIRONMENT,
        api_key=api_key,
        key=key,
        key_file=key_file,
        as_json=as_json,
    )


def main() -> None:
    """The console script ``statekeep`` (and ``python -m statekeep``)."""
    cli(prog_name="statekeep")
