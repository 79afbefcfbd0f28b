"""Webhooks through SIGKILLs: a process that sends events and delivers their changes to a receiver
in the test is killed at random moments, again and again (mid-commit as often as mid-delivery:
it commits about a hundred times a second), then one drains what is left. A
checker over the receiver's log and the store's outbox: every committed change was received at
least once, an actor's changes were first received in order and none before every earlier one of
its actor was, and nothing was received that the store does not hold."""

from __future__ import annotations

import os
import random
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

import statekeep
from webhook_receiver import Received, receiving

CHILD = r"""
import sys, time, statekeep
location, url, mode = sys.argv[1], sys.argv[2], sys.argv[3]
keep = statekeep.open(location, allow_private_webhooks=True, webhook_timeout=0.5)
if not keep.webhooks():
    keep.deploy("notes-v1", {"id": "notes", "initial": "open", "states": {"open": {"on": {"NOTE": {}}}}})
    keep.add_webhook(url)
    keep.spawn_many("notes-v1", [None] * 8, actor_ids=[f"a{n}" for n in range(8)])
print("ready", flush=True)
if mode == "send":
    n = 0
    while True:
        keep.send_many([(f"a{(n + i) % 8}", "NOTE") for i in range(3)])
        n += 3
        time.sleep(0.01)
else:
    deadline = time.monotonic() + 90
    while time.monotonic() < deadline:
        hook = keep.webhooks()[0]
        if hook.pending == 0 and hook.cursor == keep.last_change():
            break
        time.sleep(0.05)
    keep.close()
    print("drained", flush=True)
"""

# The issue asks for 100 cycles; STATEKEEP_CRASH_CYCLES sets another number (more in a soak run).
CYCLES = int(os.environ.get("STATEKEEP_CRASH_CYCLES", "100"))


def check(received: list[Received], committed: dict[int, str]) -> None:
    """The receiver's log (every request, in the order it came, with its answer) against the
    outbox (seq -> actor)."""
    succeeded: dict[int, int] = {}
    for i, got in enumerate(received):
        assert committed.get(got.seq) == got.actor, f"change {got.seq} was announced but is not in the store"
        if 200 <= got.status < 300:
            succeeded.setdefault(got.seq, i)
    missing = sorted(set(committed) - set(succeeded))
    assert not missing, f"committed changes never delivered: {missing[:10]}"
    by_actor: dict[str, list[int]] = {}
    for seq in sorted(committed):
        by_actor.setdefault(committed[seq], []).append(seq)
    for i, got in enumerate(received):
        # No attempt at a change before every earlier change of its actor had succeeded.
        earlier = [s for s in by_actor[got.actor] if s < got.seq]
        assert all(succeeded[s] < i for s in earlier), (
            f"{got.actor}: change {got.seq} was sent before an earlier one succeeded"
        )


@pytest.mark.timeout(900)
def test_sigkills_mid_delivery_lose_nothing_and_keep_each_actors_order(tmp_path: Path, key_dir: Path) -> None:
    location = str(tmp_path / "data")
    rng = random.Random(14)
    with receiving() as receiver:
        # A receiver that is slow now and then and, while the children are killed, fails some
        # first attempts (tried again after 5 s): kills land mid-delivery, between an answer and
        # its record, and between a failure and its retry.
        tried: set[int] = set()
        failing = [True]

        def answer(r: Received) -> tuple[int, dict[str, str], float]:
            first = r.seq not in tried
            tried.add(r.seq)
            if failing[0] and first and rng.random() < 0.02:
                return (500, {}, 0.0)
            return (200, {}, rng.choice([0.0, 0.0, 0.0, 0.01]))

        receiver.answer = answer
        env = dict(os.environ)
        for cycle in range(CYCLES + 1):
            mode = "drain" if cycle == CYCLES else "send"
            failing[0] = mode == "send"
            child = subprocess.Popen(
                [sys.executable, "-c", CHILD, location, receiver.url, mode],
                stdout=subprocess.PIPE,
                stderr=subprocess.PIPE,
                text=True,
                env=env,
            )
            assert child.stdout is not None
            assert child.stdout.readline().strip() == "ready", child.stderr.read() if child.stderr else ""
            if mode == "send":
                time.sleep(rng.uniform(0.2, 0.6))
                child.send_signal(signal.SIGKILL)
                child.wait(10)
            else:
                out, err = child.communicate(timeout=120)
                assert "drained" in out, err[-2000:]
        with statekeep.Keep(location, webhooks=False) as keep:
            committed: dict[int, str] = {}
            while page := keep.changes(after=max(committed, default=0)):
                committed |= {c.seq: c.actor_id for c in page}
            assert sorted(committed) == list(range(1, keep.last_change() + 1)), "none was pruned"
            [hook] = keep.webhooks()
            assert hook.pending == 0 and hook.dead == 0
        with receiver.lock:
            received = list(receiver.received)
    assert len(committed) > 100, "the children committed changes"
    check(received, committed)


def test_two_nodes_share_one_endpoints_deliveries_in_order_and_once(postgres_url: str, key_dir: Path) -> None:
    """Two keeps on one PostgreSQL database, each with its webhooks worker, sending to the same
    actors: every change delivered exactly once (claims pass over what the other holds), and
    in order per actor although either node may deliver any of them."""
    key = os.urandom(32)
    with receiving() as receiver:
        with (
            statekeep.open(postgres_url, key=key, allow_private_webhooks=True) as one,
            statekeep.open(postgres_url, key=key, allow_private_webhooks=True) as two,
        ):
            one.deploy("notes-v1", {"id": "notes", "initial": "open", "states": {"open": {"on": {"NOTE": {}}}}})
            hook = one.add_webhook(receiver.url)
            time.sleep(1.2)  # the other node notices an endpoint added elsewhere within a second
            actors = [f"a{n}" for n in range(40)]
            one.spawn_many("notes-v1", [None] * len(actors), actor_ids=actors)
            # Rounds of sends from both nodes until both have delivered some (on a loaded machine
            # one node's worker may take a whole round before the other's wakes).
            batches = 0
            for _ in range(10):
                for n in range(60):
                    (one if n % 2 else two).send_many([(actors[(4 * n + i) % 40], "NOTE") for i in range(4)])
                    batches += 1
                    time.sleep(0.005)
                deadline = time.monotonic() + 60
                while time.monotonic() < deadline:
                    shown = one.webhook(hook.id)
                    if shown.pending == 0 and shown.cursor == one.last_change():
                        break
                    time.sleep(0.05)
                if all(node.webhook_stats()["counts"]["attempts"].get(hook.id) for node in (one, two)):
                    break
            committed: dict[int, str] = {}
            while page := one.changes(after=max(committed, default=0), limit=1000):
                committed |= {c.seq: c.actor_id for c in page}
            assert len(committed) == one.last_change() == 40 + 4 * batches
            attempts = one.webhook_stats()["counts"]["attempts"].get(hook.id, 0)
            attempts += two.webhook_stats()["counts"]["attempts"].get(hook.id, 0)
            assert one.webhook_stats()["counts"]["attempts"] and two.webhook_stats()["counts"]["attempts"], (
                "both nodes delivered"
            )
        with receiver.lock:
            received = list(receiver.received)
    check(received, committed)
    assert len(received) == len(committed) == attempts, "each change once"
