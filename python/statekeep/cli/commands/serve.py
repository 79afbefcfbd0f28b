"""Serve a store over HTTP: a local directory, or a PostgreSQL database that any number of
servers share."""

from __future__ import annotations

import click

from statekeep import store as stores
from statekeep.cli.options import size_option
from statekeep.cli.target import ENV_STORE, Target, open_local, target_options
from statekeep.keep import WEBHOOK_TIMEOUT, store_id_of

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
@click.option(
    "--store",
    "store_url",
    metavar="URL",
    envvar=ENV_STORE,
    help="A store in a PostgreSQL database (postgresql://USER@HOST:PORT/DB), instead of --data: any number of "
    f'servers can serve it at once. Needs pip install "statekeep[postgres]" [env: {ENV_STORE}].',
)
@click.option(
    "--allow-private-webhooks",
    is_flag=True,
    help="Let webhook URLs reach loopback, private and link-local addresses (refused otherwise: a URL that "
    "resolves to one could reach services inside the network).",
)
@click.option(
    "--webhook-delivery",
    type=click.Choice(["process", "server", "off"]),
    default="process",
    show_default=True,
    help="Where webhooks are delivered from: a process of their own beside the server's, at the lowest CPU "
    "priority, so that requests go first and deliveries catch up when the load eases (process); the server's "
    "processes, sharing their time with the requests (server); or not from here, when another server or "
    "application on the same store delivers (off). Deliveries are claimed in the store, so any mix of these "
    "is safe.",
)
@click.option(
    "--webhook-timeout",
    default=WEBHOOK_TIMEOUT,
    show_default=True,
    type=click.FloatRange(0.1, 300),
    metavar="SECONDS",
    help="How long a webhook delivery may take: a 2xx within it is a success.",
)
@target_options
def serve(
    target: Target,
    host: str,
    port: int,
    workers: int,
    max_size: int | None,
    store_url: str | None,
    allow_private_webhooks: bool,
    webhook_delivery: str,
    webhook_timeout: float,
) -> None:
    """Run the HTTP service on a store: a local directory (--data, created if it holds none) or
    a PostgreSQL database (--store, whose schema is created or upgraded at start).

    \b
    Examples:
      statekeep serve --data ./data --port 8080 --workers 2 --max-size 10G
      statekeep serve --store postgresql://statekeep@db.internal/statekeep --port 8080
    """
    ctx = click.get_current_context()
    from_env = ctx.get_parameter_source("store_url") == click.core.ParameterSource.ENVIRONMENT
    data = target.store_location("serve", store_url, from_env)
    if max_size is not None and stores.is_url(data):
        raise click.UsageError("--max-size limits a store in a directory; a PostgreSQL store's size is its database's")
    from statekeep.service import serve as run  # the service's dependencies load only here

    if store_id_of(data) is None:
        # Made here, so that stderr says which key it was made with before anything is served.
        open_local(target, data, scan=False, max_size=max_size).close()
    run(
        data=data,
        host=host,
        port=port,
        key=target.secret(),
        workers=workers,
        max_size=max_size,
        allow_private_webhooks=allow_private_webhooks,
        webhook_delivery=webhook_delivery,
        webhook_timeout=webhook_timeout,
    )
