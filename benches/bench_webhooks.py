"""Webhook deliveries to a receiver on loopback: how many per second the keep's worker makes,
and how long after its commit each change's delivery began (the lag).

    python benches/bench_webhooks.py [changes] [actors] [postgresql://...]
        (default 20,000 changes over 1,000 actors, in an LMDB store in a temporary directory;
        a release build)

1. **Throughput.** `changes` changes are committed (sends to `actors` actors, in batches)
   while the endpoint is disabled; enabling it starts the clock, which stops when the receiver
   has answered every delivery (each checked for its signature). Deliveries/s.
2. **Lag under a steady load.** Sends at 1,000 per second for 10 s with the endpoint enabled:
   the lag from each change's commit to its delivery's first attempt (p50, p99, max), from the
   keep's own figures (``keep.webhook_stats()["lag"]``).

The receiver (benches/webhook_sink.py) is an asyncio protocol in a process of its own,
answering 204 to each POST after checking its signature as ``standardwebhooks`` does: a
receiver that does almost nothing, so the keep is what is measured (on 2 cores it still takes a
share of them: its CPU per delivery is printed with the throughput).
"""

from __future__ import annotations

import base64
import contextlib
import multiprocessing
import os
import socket
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import statekeep
from webhook_sink import receive

NOTES = {"id": "notes", "initial": "open", "states": {"open": {"on": {"NOTE": {"actions": "noted"}}}}}


def cpu_seconds(pid: int) -> float:
    """A process's CPU time so far (user and system, seconds), from /proc."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def main() -> None:
    changes = int(sys.argv[1]) if len(sys.argv) > 1 else 20_000
    actors = int(sys.argv[2]) if len(sys.argv) > 2 else 1_000
    good, bad = multiprocessing.Value("q", 0), multiprocessing.Value("q", 0)
    port = free_port()
    url = f"http://127.0.0.1:{port}/hooks"
    with tempfile.TemporaryDirectory() as tmp:
        location = sys.argv[3] if len(sys.argv) > 3 else str(Path(tmp) / "data")
        run(location, changes, actors, url, port, good, bad)


def run(location: str, changes: int, actors: int, url: str, port: int, good: Any, bad: Any) -> None:
    with statekeep.open(location, allow_private_webhooks=True) as keep:
        keep.deploy("notes-v1", NOTES)
        ids = [f"a{n:05}" for n in range(actors)]
        keep.spawn_many("notes-v1", [None] * actors, actor_ids=ids)
        hook = keep.add_webhook(url, kinds=["event"], enabled=False)
        assert hook.secret is not None
        key = base64.b64decode(hook.secret.removeprefix("whsec_"))
        receiver = multiprocessing.Process(target=receive, args=(port, key, good, bad), daemon=True)
        receiver.start()
        while True:
            with contextlib.suppress(OSError), socket.create_connection(("127.0.0.1", port), timeout=1):
                break
            time.sleep(0.05)
        batch = 500
        for start in range(0, changes, batch):
            keep.send_many([(ids[(start + i) % actors], "NOTE") for i in range(min(batch, changes - start))])
        started, receiver_cpu, keep_cpu = time.perf_counter(), cpu_seconds(receiver.pid or 0), cpu_seconds(os.getpid())
        keep.update_webhook(hook.id, enabled=True)
        while good.value + bad.value < changes:
            time.sleep(0.005)
        took = time.perf_counter() - started
        keep_us = (cpu_seconds(os.getpid()) - keep_cpu) * 1e6 / changes
        receiver_us = (cpu_seconds(receiver.pid or 0) - receiver_cpu) * 1e6 / changes
        print(
            f"throughput: {changes:,} deliveries to a loopback receiver in {took:.2f} s: {changes / took:,.0f}/s "
            f"(CPU per delivery: the keep's process {keep_us:.0f} us, the receiver's {receiver_us:.0f} us)"
        )
        assert bad.value == 0, f"{bad.value} deliveries did not verify"

        # Lag under a steady load of 1,000 sends per second.
        keep._webhook_lag.clear()
        before = good.value
        sent, t0 = 0, time.perf_counter()
        while time.perf_counter() - t0 < 10:
            due = int((time.perf_counter() - t0) * 1000)
            if due > sent:
                keep.send_many([(ids[(sent + i) % actors], "NOTE") for i in range(due - sent)])
                sent = due
            else:
                time.sleep(0.001)
        while good.value - before < sent:
            time.sleep(0.005)
        lag = keep.webhook_stats()["lag"]
        print(
            f"lag at {sent / 10:,.0f} changes/s: p50 {lag['p50'] * 1000:.1f} ms, p99 {lag['p99'] * 1000:.1f} ms, "
            f"max {lag['max'] * 1000:.1f} ms"
        )
        receiver.terminate()


if __name__ == "__main__":
    main()
