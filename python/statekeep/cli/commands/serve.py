"""Serve a local store over HTTP."""

from __future__ import annotations

import click

from statekeep.cli.options import size_option
from statekeep.cli.target import Target, open_local, target_options
from statekeep.keep import store_id_of

ENV_MAX_SIZE = "STATEKEEP_MAX_SIZE"


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
@click.option(
    "--max-size",
    metavar="BYTES",
    envvar=ENV_MAX_SIZE,
    callback=size_option,
    help="The most the store may grow to, in bytes or with K, M, G or T (512M, 10G). Past it writes are "
    f"refused (507) and reads go on. Default: as far as the disk allows [env: {ENV_MAX_SIZE}].",
)
@target_options
def serve(target: Target, host: str, port: int, workers: int, max_size: int | None) -> None:
    """Run the HTTP service on a local store (created if the directory holds none).

    \b
    Example:
      statekeep serve --data ./data --port 8080 --workers 2 --max-size 10G
    """
    data = target.local_data("serve")
    from statekeep.service import serve as run  # the service's dependencies load only here

    if store_id_of(data) is None:
        # Made here, so that stderr says which key it was made with before anything is served.
        open_local(target, data, scan=False, max_size=max_size).close()
    run(data=data, host=host, port=port, key=target.secret(), workers=workers, max_size=max_size)
