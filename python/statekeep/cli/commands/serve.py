"""Serve a local store over HTTP."""

from __future__ import annotations

import click

from statekeep.cli.target import Target, target_options


@click.command()
@click.option("--host", default="127.0.0.1", show_default=True, help="The address to listen on.")
@click.option("--port", default=8080, show_default=True, type=int, help="The port to listen on.")
@click.option(
    "--workers",
    default=1,
    show_default=True,
    type=click.IntRange(1, 64),
    help="Server processes sharing the store (one per core is the most that helps).",
)
@target_options
def serve(target: Target, host: str, port: int, workers: int) -> None:
    """Run the HTTP service on a local store.

    \b
    Example:
      statekeep serve --data ./data --port 8080 --workers 2
    """
    data = target.local_data("serve")
    from statekeep.service import serve as run  # the service's dependencies load only here

    run(data=data, host=host, port=port, key=target.secret(), workers=workers)
