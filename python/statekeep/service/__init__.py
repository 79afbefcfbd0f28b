"""The HTTP service: ``statekeep serve`` (or :func:`serve`) runs the keep over HTTP."""

from __future__ import annotations

import base64
import os
import socket
import sys
from pathlib import Path

from statekeep import crypto
from statekeep import store as stores
from statekeep.extras import missing
from statekeep.keep import WEBHOOK_TIMEOUT, Keep

try:
    import uvicorn
    from starlette.applications import Starlette
except ModuleNotFoundError as e:
    raise missing("the HTTP service", "server", e) from None

from statekeep.service.app import create_app
from statekeep.service.delivery import MODES, DeliveryProcess

__all__ = ["create_app", "serve", "worker_app"]

#: How :func:`serve` tells its worker processes which store to open.
_WORKER_DATA = "STATEKEEP_SERVE_DATA"
#: And the size it may grow to (bytes).
_WORKER_MAX_SIZE = "STATEKEEP_SERVE_MAX_SIZE"
#: And whether webhooks may reach private addresses ("1").
_WORKER_PRIVATE = "STATEKEEP_SERVE_ALLOW_PRIVATE_WEBHOOKS"
#: And whether they deliver webhooks ("1"), and how long a delivery may take (seconds).
_WORKER_DELIVERS = "STATEKEEP_SERVE_DELIVERS_WEBHOOKS"
_WORKER_TIMEOUT = "STATEKEEP_SERVE_WEBHOOK_TIMEOUT"


def serve(
    data: str | os.PathLike[str],
    *,
    host: str = "127.0.0.1",
    port: int = 8080,
    key: bytes | str | None = None,
    workers: int = 1,
    max_size: int | None = None,
    allow_private_webhooks: bool = False,
    webhook_delivery: str = "process",
    webhook_timeout: float = WEBHOOK_TIMEOUT,
) -> None:
    """Serve the store in ``data`` (a directory, or a PostgreSQL URL) until interrupted, in
    ``workers`` processes (each with its own group commits; LMDB serialises their writes),
    letting a directory's store grow up to ``max_size`` bytes if given; webhooks may reach
    loopback and private addresses only with ``allow_private_webhooks``, and are delivered from
    a process of their own (``webhook_delivery="process"``, ``statekeep.service.delivery``), from
    the server's processes (``"server"``) or not from here (``"off"``), each within
    ``webhook_timeout`` seconds. The first start of a store with no API keys creates an admin
    key and prints it once."""
    if webhook_delivery not in MODES:
        raise ValueError(f"webhook_delivery is one of {', '.join(MODES)}")
    location = data if stores.is_url(data) else Path(data)
    delivers = webhook_delivery == "server"
    keep = Keep(
        location,
        key=key,
        max_size=max_size,
        allow_private_webhooks=allow_private_webhooks,
        webhook_timeout=webhook_timeout,
        webhooks=delivers and workers == 1,
    )
    deliveries = None
    if webhook_delivery == "process":
        deliveries = DeliveryProcess(
            data,
            key=key,
            max_size=max_size,
            allow_private_webhooks=allow_private_webhooks,
            webhook_timeout=webhook_timeout,
        )
    try:
        if not keep.api_keys():
            admin = keep.create_api_key("admin", name="first admin key")
            print(
                f"statekeep: the store has no API keys; created an admin key (shown only now):\n\n"
                f"    {admin.token}\n\nCreate narrower keys with: statekeep keys create --scope write",
                file=sys.stderr,
                flush=True,
            )
        banner = f"statekeep: serving {stores.shown(data)} on http://{host}:{port} (docs at /docs)"
        options = {"host": host, "port": port, "log_level": "warning", "access_log": False, "lifespan": "on"}
        if deliveries is not None:
            deliveries.start()
        if workers == 1:
            # Said once the socket listens: whoever waits for the line can send at once.
            _AnnouncingServer(uvicorn.Config(create_app(keep), **options), banner).run()  # type: ignore[arg-type]
            return
        print(f"{banner} in {workers} processes", file=sys.stderr, flush=True)
        keep.close()
        _serve_workers(data, workers, options, key, max_size, allow_private_webhooks, delivers, webhook_timeout)
    finally:
        keep.close()
        if deliveries is not None:
            deliveries.stop()


def _serve_workers(
    data: str | os.PathLike[str],
    workers: int,
    options: dict[str, object],
    key: bytes | str | None,
    max_size: int | None,
    allow_private_webhooks: bool,
    delivers: bool,
    webhook_timeout: float,
) -> None:
    """uvicorn's ``workers`` processes, each opening the store with :func:`worker_app`."""
    # The workers open the store themselves; the key goes to them in their environment.
    os.environ[_WORKER_DATA] = str(data)
    if max_size is not None:
        os.environ[_WORKER_MAX_SIZE] = str(max_size)
    if allow_private_webhooks:
        os.environ[_WORKER_PRIVATE] = "1"
    if delivers:
        os.environ[_WORKER_DELIVERS] = "1"
    os.environ[_WORKER_TIMEOUT] = repr(float(webhook_timeout))
    if key is not None:
        os.environ["STATEKEEP_KEY"] = base64.b64encode(crypto.parse_key(key)).decode()
    uvicorn.run("statekeep.service:worker_app", factory=True, workers=workers, **options)  # type: ignore[arg-type]


class _AnnouncingServer(uvicorn.Server):
    """uvicorn's server, printing ``banner`` once it listens."""

    def __init__(self, config: uvicorn.Config, banner: str) -> None:
        super().__init__(config)
        self._banner = banner

    async def startup(self, sockets: list[socket.socket] | None = None) -> None:
        await super().startup(sockets=sockets)
        if self.started:
            print(self._banner, file=sys.stderr, flush=True)


def worker_app() -> Starlette:
    """The app of one worker process started by :func:`serve`: it opens and owns its keep."""
    max_size = os.environ.get(_WORKER_MAX_SIZE)
    data = os.environ[_WORKER_DATA]
    location = data if stores.is_url(data) else Path(data)
    keep = Keep(
        location,
        max_size=None if max_size is None else int(max_size),
        allow_private_webhooks=os.environ.get(_WORKER_PRIVATE) == "1",
        webhook_timeout=float(os.environ.get(_WORKER_TIMEOUT, WEBHOOK_TIMEOUT)),
        webhooks=os.environ.get(_WORKER_DELIVERS) == "1",
    )
    return create_app(keep, owns_keep=True)
