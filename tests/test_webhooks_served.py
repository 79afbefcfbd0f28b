"""``statekeep serve`` delivers webhooks from a process of its own (``--webhook-delivery
process``, the default): deliveries arrive though the server's processes make none; the delivery
process killed with SIGKILL in the middle of deliveries is started again and nothing is lost,
an actor's changes still in order; it ends with the server, even a server killed with
SIGKILL."""

from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import httpx
import pytest

import statekeep
from conftest import free_port
from test_cli import serve_banner
from test_webhooks_crash import check
from webhook_receiver import Receiver, receiving

pytestmark = pytest.mark.usefixtures("key_dir")

NOTES = {"id": "notes", "initial": "open", "states": {"open": {"on": {"NOTE": {}}}}}
ACTORS = [f"a{n}" for n in range(8)]


def children(pid: int) -> list[int]:
    """The live processes whose parent is ``pid``."""
    found = []
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except (FileNotFoundError, ProcessLookupError):
            continue
        if int(fields[1]) == pid and fields[0] != "Z":
            found.append(int(stat.parent.name))
    return found


def alive(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except FileNotFoundError:
        return False
    return state != "Z"


def wait_until(condition: object, what: str, timeout: float = 30.0) -> None:
    deadline = time.monotonic() + timeout
    while not condition():  # type: ignore[operator]
        assert time.monotonic() < deadline, f"not within {timeout:g} s: {what}"
        time.sleep(0.02)


@contextmanager
def serving(data: Path, *options: str) -> Iterator[tuple[subprocess.Popen[str], str, str]]:
    """``statekeep serve`` on ``data`` as a process: it, its URL and its admin key."""
    port = free_port()
    command = [sys.executable, "-m", "statekeep", "serve", "--data", str(data), "--port", str(port), *options]
    server = subprocess.Popen(command, stderr=subprocess.PIPE, text=True)
    try:
        token = re.search(r"sk_[\w-]+", serve_banner(server))
        assert token is not None
        yield server, f"http://127.0.0.1:{port}", token.group(0)
    finally:
        if server.poll() is None:
            server.terminate()
            server.wait(30)


def attempts_made_by_the_server(url: str, token: str) -> float:
    text = httpx.get(f"{url}/v1/metrics", headers={"Authorization": f"Bearer {token}"}).text
    return sum(
        float(line.rsplit(" ", 1)[1])
        for line in text.splitlines()
        if line.startswith("statekeep_webhook_attempts_total{")
    )


def committed_changes(client: statekeep.Client) -> dict[int, str]:
    return {c.seq: c.actor_id for c in client.changes(limit=1000) if c.kind == "event"}


def delivered(receiver: Receiver) -> set[int]:
    with receiver.lock:
        return {got.seq for got in receiver.received if 200 <= got.status < 300}


def test_deliveries_come_from_the_delivery_process_and_killing_it_loses_nothing(tmp_path: Path) -> None:
    with (
        receiving() as receiver,
        serving(tmp_path / "data", "--allow-private-webhooks", "--webhook-timeout", "0.5") as (server, url, token),
        statekeep.connect(url, api_key=token) as client,
    ):
        (delivery,) = children(server.pid)
        wait_until(lambda: os.sched_getscheduler(delivery) == os.SCHED_IDLE, "the lowest priority (once it started)")
        client.deploy("notes-v1", NOTES)
        client.spawn_many("notes-v1", [None] * len(ACTORS), actor_ids=ACTORS)
        client.add_webhook(receiver.url, kinds=["event"])
        client.send_many([(a, "NOTE") for a in ACTORS * 5])
        wait_until(lambda: delivered(receiver) == set(committed_changes(client)), "the first 40 changes delivered")
        assert attempts_made_by_the_server(url, token) == 0, "the server's process delivered none of them"

        # Slow answers, so that the kill comes with deliveries in flight.
        receiver.answer = lambda r: (200, {}, 0.02)
        client.send_many([(a, "NOTE") for a in ACTORS * 25])
        wait_until(lambda: len(delivered(receiver)) > 60, "deliveries of the next changes under way")
        os.kill(delivery, signal.SIGKILL)
        wait_until(lambda: children(server.pid) not in ([], [delivery]), "a new delivery process")
        client.send_many([(a, "NOTE") for a in ACTORS * 5])
        committed = committed_changes(client)
        assert len(committed) == 280
        wait_until(lambda: delivered(receiver) == set(committed), "every change delivered", timeout=60)
        with receiver.lock:
            check(list(receiver.received), committed)
        assert attempts_made_by_the_server(url, token) == 0

        (restarted,) = children(server.pid)
        server.send_signal(signal.SIGKILL)
        server.wait()
        wait_until(lambda: not alive(restarted), "the delivery process ends with its server")


def test_the_server_delivers_itself_when_told_to(tmp_path: Path) -> None:
    with (
        receiving() as receiver,
        serving(tmp_path / "data", "--allow-private-webhooks", "--webhook-delivery", "server") as (server, url, token),
        statekeep.connect(url, api_key=token) as client,
    ):
        assert children(server.pid) == []
        client.deploy("notes-v1", NOTES)
        client.spawn_many("notes-v1", [None] * len(ACTORS), actor_ids=ACTORS)
        client.add_webhook(receiver.url, kinds=["event"])
        client.send_many([(a, "NOTE") for a in ACTORS])
        wait_until(lambda: len(delivered(receiver)) == len(ACTORS), "the changes delivered")
        # (Counted as their outcomes are recorded, just after the receiver answered.)
        wait_until(lambda: attempts_made_by_the_server(url, token) == len(ACTORS), "the server's attempts counted")


def test_no_delivery_from_a_server_told_not_to(tmp_path: Path) -> None:
    with (
        receiving() as receiver,
        serving(tmp_path / "data", "--allow-private-webhooks", "--webhook-delivery", "off") as (server, url, token),
        statekeep.connect(url, api_key=token) as client,
    ):
        assert children(server.pid) == []
        client.deploy("notes-v1", NOTES)
        client.spawn_many("notes-v1", [None] * len(ACTORS), actor_ids=ACTORS)
        hook = client.add_webhook(receiver.url, kinds=["event"])
        client.send_many([(a, "NOTE") for a in ACTORS])
        time.sleep(1.0)
        assert receiver.received == []
        assert client.webhook(hook.id).cursor == hook.cursor, "not even dispatched: nobody here delivers"
        # An application on the same store does.
        with statekeep.open(tmp_path / "data", allow_private_webhooks=True):
            wait_until(lambda: len(delivered(receiver)) == len(ACTORS), "the changes delivered by the application")
