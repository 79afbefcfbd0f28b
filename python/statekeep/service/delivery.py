"""Webhook deliveries from a process of their own, beside the server's.

A delivery costs Python time (open the change, sign it, POST it, record how it went); in the
server's processes it competes with the requests for their one interpreter lock. So by default
``statekeep serve`` delivers from one more process: it opens the same store (no scan; the
server's processes serve, this one delivers) at the lowest CPU priority there is (Linux's
``SCHED_IDLE``; elsewhere ``nice`` +:data:`NICE`): it takes the time the server does not want.
Under a load that keeps the cores busy, deliveries fall behind (the scheduler still gives them a
sliver, so they never stop) and catch up when the load eases. (Measured on two cores with the
receiver on them: sends with an endpoint attached 0.62x to 0.80x of none, 0.56x at ``nice`` +10
beside it, 0.41x to 0.44x delivering from the server's process; benches/README.md.) Deliveries are claimed
in the store, so this is safe beside any other process that delivers (a ``--webhook-delivery
server`` node on the same PostgreSQL store, an application with ``statekeep.open()``).

The server supervises it: started with the server, started again (after :data:`RESTART_DELAY`)
if it dies, ended with the server. It reads its standard input, which the server holds open:
when the server dies, even by SIGKILL, the input ends and so does the delivery process. A
delivery it claimed and could not record is sent again after its claim runs out (the same
``webhook-id``), by whichever process is up: killing it loses nothing.
"""

from __future__ import annotations

import base64
import logging
import os
import signal
import subprocess
import sys
import threading
from pathlib import Path

from statekeep import crypto
from statekeep import store as stores

log = logging.getLogger("statekeep.webhooks")

#: Where deliveries are made from: a process of their own beside the server's (``process``),
#: the server's processes themselves (``server``), or none here (``off``: another server or
#: application on the same store delivers).
MODES = ("process", "server", "off")
#: How much lower the delivery process's CPU priority is than the server's where there is no
#: ``SCHED_IDLE`` (``nice``).
NICE = 19
#: How often the delivery process looks for changes the server committed (seconds): it hears
#: of no commit, so it looks.
LOOK = 0.02
#: How long after the delivery process died it is started again (seconds).
RESTART_DELAY = 1.0

#: How the server tells the delivery process what to open.
_DATA = "STATEKEEP_DELIVERY_DATA"
_MAX_SIZE = "STATEKEEP_DELIVERY_MAX_SIZE"
_PRIVATE = "STATEKEEP_DELIVERY_ALLOW_PRIVATE_WEBHOOKS"
_TIMEOUT = "STATEKEEP_DELIVERY_TIMEOUT"


class DeliveryProcess:
    """The server's delivery process: started, restarted when it dies, stopped."""

    def __init__(
        self,
        data: str | os.PathLike[str],
        *,
        key: bytes | str | None,
        max_size: int | None,
        allow_private_webhooks: bool,
        webhook_timeout: float,
    ) -> None:
        env = dict(os.environ)
        env[_DATA] = str(data)
        env[_TIMEOUT] = repr(float(webhook_timeout))
        if max_size is not None:
            env[_MAX_SIZE] = str(max_size)
        if allow_private_webhooks:
            env[_PRIVATE] = "1"
        if key is not None:
            env["STATEKEEP_KEY"] = base64.b64encode(crypto.parse_key(key)).decode()
        self._env = env
        self._process: subprocess.Popen[bytes] | None = None
        self._stopping = threading.Event()
        self._lock = threading.Lock()
        self._thread = threading.Thread(target=self._supervise, name="statekeep-delivery-process", daemon=True)

    def start(self) -> None:
        self._spawn()
        self._thread.start()

    def _spawn(self) -> None:
        with self._lock:
            if self._stopping.is_set():
                return
            self._process = subprocess.Popen(
                [sys.executable, "-c", "from statekeep.service.delivery import main; main()"],
                stdin=subprocess.PIPE,
                env=self._env,
            )

    def _supervise(self) -> None:
        while not self._stopping.is_set():
            process = self._process
            assert process is not None
            code = process.wait()
            if self._stopping.is_set():
                return
            log.warning("statekeep: the webhook delivery process ended (%s); starting it again", code)
            if self._stopping.wait(RESTART_DELAY):
                return
            self._spawn()

    def stop(self) -> None:
        """End it: it finishes the deliveries in flight (each at most its timeout) and records
        them, then exits."""
        with self._lock:
            self._stopping.set()
            process = self._process
        if process is None:
            return
        if process.stdin is not None:
            process.stdin.close()
        try:
            process.wait(timeout=float(self._env[_TIMEOUT]) + 10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
        if self._thread.is_alive():
            self._thread.join()


def lowest_priority() -> None:
    """This process (and the threads it starts from now on) gets the CPU when nothing else
    wants it, and a sliver otherwise."""
    try:
        os.sched_setscheduler(0, os.SCHED_IDLE, os.sched_param(0))
    except (AttributeError, OSError):  # (not Linux)
        os.nice(NICE)


def main() -> None:
    """The delivery process: the store's ``webhooks`` worker until its input ends or it is told
    to stop (SIGTERM, SIGINT)."""
    from statekeep.keep import Keep

    logging.basicConfig(level=logging.WARNING, format="%(message)s")
    lowest_priority()
    data = os.environ[_DATA]
    max_size = os.environ.get(_MAX_SIZE)
    done = threading.Event()
    for signum in (signal.SIGTERM, signal.SIGINT):
        signal.signal(signum, lambda *_: done.set())
    keep = Keep(
        data if stores.is_url(data) else Path(data),
        scan=False,
        max_size=None if max_size is None else int(max_size),
        allow_private_webhooks=os.environ.get(_PRIVATE) == "1",
        webhook_timeout=float(os.environ[_TIMEOUT]),
        webhook_look=LOOK,
    )
    try:

        def until_input_ends() -> None:
            sys.stdin.buffer.read()
            done.set()

        threading.Thread(target=until_input_ends, name="statekeep-delivery-parent", daemon=True).start()
        done.wait()
    finally:
        keep.close()
