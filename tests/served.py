"""A real statekeep service on loopback for the tests: uvicorn on an ephemeral port, in a
thread of the test process, over a keep in a temporary directory (or a PostgreSQL database)."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import uvicorn

import statekeep
from statekeep.service import create_app


@dataclass
class Served:
    url: str
    keep: statekeep.Keep
    admin: str

    def client(self, api_key: str | None = None) -> statekeep.Client:
        return statekeep.connect(self.url, api_key=self.admin if api_key is None else api_key)


@contextmanager
def served(data: Path | str, *, scan: bool = True, allow_private_webhooks: bool = False) -> Iterator[Served]:
    keep = statekeep.Keep(data, scan=scan, allow_private_webhooks=allow_private_webhooks)
    admin = keep.create_api_key("admin", name="tests")
    assert admin.token is not None
    config = uvicorn.Config(
        create_app(keep), host="127.0.0.1", port=0, log_level="warning", access_log=False, lifespan="on"
    )
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, name="statekeep-test-server", daemon=True)
    thread.start()
    deadline = time.monotonic() + 10
    while not server.started:
        if time.monotonic() > deadline or not thread.is_alive():
            raise RuntimeError("the test server did not start")
        time.sleep(0.01)
    port = server.servers[0].sockets[0].getsockname()[1]
    try:
        yield Served(f"http://127.0.0.1:{port}", keep, admin.token)
    finally:
        server.should_exit = True
        thread.join(10)
        keep.close()


def send_notes_from_threads(connect: Callable[[], statekeep.Client], actors: list[str], count: int) -> None:
    """Each actor gets ``count`` NOTE events numbered from 0, from a thread and client of its own."""

    def sender(actor: str) -> None:
        with connect() as client:
            for n in range(count):
                client.send(actor, {"type": "NOTE", "n": n})

    threads = [threading.Thread(target=sender, args=(actor,)) for actor in actors]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
