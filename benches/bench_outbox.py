"""The outbox: what following it costs the sends, and how soon a change reaches a follower.

    python benches/bench_outbox.py [--actors 10000] [--seconds 10] [--rate 1000]
        (a release build of the extension; wrk from Debian's package)

On one store served by `statekeep serve` (one process, loopback):

1. **Sends with a follower attached.** wrk with 64 connections sending
   `POST /v1/actors/{id}/events`: durable sends per second with nothing attached, with one
   `GET /v1/changes/stream` client reading every change as it comes, and with that client and
   one webhook endpoint (a receiver process on loopback checking each signature,
   benches/webhook_sink.py), alternated `rounds` times (the ratios of the medians are the cost
   of being followed; every send writes its change either way). Before the endpoint's run,
   it is given the time to deliver what it missed while disabled (the other runs' changes),
   so that the run measures an endpoint keeping up with the sends, not a backlog drained
   beside them. Each run says how much CPU
   each process took per 1,000 sends (the server, its delivery process, the receiver, wrk, and
   this process with the stream client), and the receiver's share of it: on this machine the
   receiver runs on the server's two cores, where a real one runs elsewhere.
2. **Lag.** Sends at `rate` per second (open loop), with the stream client recording when each
   change's event arrived: arrival minus the change's `at` (taken when its transaction began, so
   the lag includes the commit), p50, p99 and max, and whether any change was missed.
"""

from __future__ import annotations

import argparse
import asyncio
import base64
import json
import multiprocessing
import os
import resource
import shutil
import statistics
import sys
import tempfile
import threading
import time
from pathlib import Path

import httpx

import statekeep
from bench_http import build, free_port, open_loop, run_wrk, start_server
from bench_webhooks import cpu_seconds
from statekeep import wire
from webhook_sink import receive


class Follower(threading.Thread):
    """A change-stream client on its own thread: every change's number and arrival time; or,
    ``counting`` only, how many changes came (as little client CPU as can be: this machine's two
    cores also run the server and wrk)."""

    def __init__(self, port: int, token: str, after: int, *, counting: bool = False) -> None:
        super().__init__(daemon=True)
        self.counting = counting
        self.count = 0
        self.url = f"http://127.0.0.1:{port}/v1/changes/stream"
        self.headers = {"Authorization": f"Bearer {token}", "Last-Event-ID": str(after)}
        self.arrived: list[tuple[int, float, float]] = []  # seq, its at, when it arrived
        self.stop = threading.Event()

    def run(self) -> None:
        with (
            httpx.Client(timeout=httpx.Timeout(5, read=None)) as http,
            http.stream("GET", self.url, headers=self.headers) as response,
        ):
            if self.counting:
                for chunk in response.iter_raw():
                    self.count += chunk.count(b"\nid: ") + chunk.startswith(b"id: ")
                    if self.stop.is_set():
                        return
                return
            for line in response.iter_lines():
                if self.stop.is_set():
                    return
                if line.startswith("data: "):
                    change = json.loads(line[6:])
                    self.arrived.append((change["seq"], wire.time_seconds(change["at"]), time.time()))


class CpuAccount:
    """CPU seconds (user + system) each process of the bench used during a phase, from
    /proc/<pid>/stat: the server, its delivery process, the webhook receiver, this process (the
    stream follower's thread) and wrk (a finished child: this process's children's usage)."""

    def __init__(self, server: int, receiver: int) -> None:
        self.pids = {"server": server, "receiver": receiver, "bench_and_follower": os.getpid()}

    @staticmethod
    def cpu(pid: int) -> float:
        try:
            return cpu_seconds(pid)
        except OSError:  # (gone)
            return 0.0

    def sample(self) -> dict[str, float]:
        pids = dict(self.pids)
        children = Path(f"/proc/{pids['server']}/task/{pids['server']}/children").read_text().split()
        for n, child in enumerate(children):
            pids["delivery" if n == 0 else f"server_child_{n}"] = int(child)
        out = {name: self.cpu(pid) for name, pid in pids.items()}
        usage = resource.getrusage(resource.RUSAGE_CHILDREN)
        out["wrk"] = usage.ru_utime + usage.ru_stime  # (the server and receiver are not waited for till the end)
        return out

    @staticmethod
    def per_thousand(before: dict[str, float], after: dict[str, float], run: dict[str, object], seconds: int) -> None:
        """Each process's CPU per 1,000 sends of ``run`` (ms), and the receiver's share of all of it."""
        sends = int(run["sends_per_second"]) * seconds  # type: ignore[call-overload]
        used = {name: after[name] - before.get(name, 0.0) for name in after}
        total = sum(used.values())
        run["cpu_ms_per_1000_sends"] = {name: round(v * 1e6 / max(1, sends)) for name, v in used.items()}
        run["cpu_seconds"] = round(total, 2)
        run["receiver_cpu_share"] = round(used["receiver"] / total, 3) if total else 0.0


def enable(port: int, admin: str, hook_id: str, on: bool) -> None:
    httpx.patch(
        f"http://127.0.0.1:{port}/v1/webhooks/{hook_id}",
        json={"enabled": on},
        headers={"Authorization": f"Bearer {admin}"},
    ).raise_for_status()
    time.sleep(1.5)  # the worker takes it within a second


def caught_up(port: int, admin: str, hook_id: str, token: str, within: float = 120) -> float:
    """Wait until the endpoint has every change committed so far delivered (the backlog it
    gathered while disabled, during the other runs); how long that took (seconds)."""
    started = time.monotonic()
    while time.monotonic() - started < within:
        hook = httpx.get(
            f"http://127.0.0.1:{port}/v1/webhooks/{hook_id}", headers={"Authorization": f"Bearer {admin}"}
        ).json()
        if hook["pending"] == 0 and hook["cursor"] >= last_change(port, token):
            break
        time.sleep(0.1)
    return round(time.monotonic() - started, 1)


def last_change(port: int, token: str) -> int:
    answer = httpx.get(
        f"http://127.0.0.1:{port}/v1/changes", params={"limit": 1}, headers={"Authorization": f"Bearer {token}"}
    )
    return int(answer.json()["last"])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--actors", type=int, default=10_000)
    parser.add_argument("--seconds", type=int, default=10)
    parser.add_argument("--rate", type=int, default=1_000)
    parser.add_argument("--rounds", type=int, default=3, help="runs of wrk without and with a follower, alternated")
    args = parser.parse_args()
    if shutil.which("wrk") is None:
        sys.exit("wrk is needed: apt-get install wrk")
    with tempfile.TemporaryDirectory() as tmp:
        os.environ.setdefault("STATEKEEP_KEY_DIR", str(Path(tmp) / "keys"))
        data = Path(tmp) / "data"
        token = build(data, args.actors)
        hook_port = free_port()
        delivered, refused = multiprocessing.Value("q", 0), multiprocessing.Value("q", 0)
        with statekeep.Keep(data, scan=False, allow_private_webhooks=True) as keep:
            reader = keep.create_api_key("read", name="follower").token
            admin = keep.create_api_key("admin", name="bench").token
            hook = keep.add_webhook(f"http://127.0.0.1:{hook_port}/hooks", enabled=False)
        assert reader is not None and admin is not None and hook.secret is not None
        receiver = multiprocessing.Process(
            target=receive,
            args=(hook_port, base64.b64decode(hook.secret.removeprefix("whsec_")), delivered, refused),
            daemon=True,
        )
        receiver.start()
        port = free_port()
        server = start_server(data, port, 1, allow_private_webhooks=True)  # the receiver is on loopback
        report: dict[str, object] = {"actors": args.actors}
        try:
            time.sleep(1.0)
            # Alternated, so that what else the machine does weighs on both alike: nothing
            # attached; one stream follower; one stream follower and one webhook endpoint.
            alone, followed, hooked, received = [], [], [], 0
            catch_up: list[float] = []
            account = CpuAccount(server.pid, receiver.pid or 0)

            def measured(runs: list[dict[str, object]]) -> None:
                before = account.sample()
                runs.append(run_wrk(port, token, args.actors, args.seconds, 64))
                account.per_thousand(before, account.sample(), runs[-1], args.seconds)

            first = account.sample()
            for _ in range(args.rounds):
                measured(alone)
                follower = Follower(port, reader, last_change(port, reader), counting=True)
                follower.start()
                measured(followed)
                enable(port, admin, hook.id, True)
                catch_up.append(caught_up(port, admin, hook.id, reader))
                measured(hooked)
                enable(port, admin, hook.id, False)
                time.sleep(0.5)
                follower.stop.set()
                received += follower.count
            last = account.sample()
            median = lambda runs: statistics.median(int(r["sends_per_second"]) for r in runs)  # noqa: E731
            report["sends"] = {
                "nothing_attached": alone,
                "one_stream_follower": followed,
                "stream_follower_and_webhook": hooked,
                "ratio_follower": round(median(followed) / median(alone), 3),
                "ratio_follower_and_webhook": round(median(hooked) / median(alone), 3),
                "stream_received": received,
                "webhook_delivered": delivered.value,
                "webhook_catch_up_seconds": catch_up,
                # (over the whole run: deliveries go on after wrk stops, and the endpoint starts
                # with a backlog of the changes made while it was disabled)
                "cpu_us_per_delivery": {
                    name: round((last[name] - first[name]) * 1e6 / max(1, delivered.value))
                    for name in ("delivery", "receiver")
                },
                "webhook_signature_refused": refused.value,
            }
            start = last_change(port, reader)
            follower = Follower(port, reader, start)
            follower.start()
            time.sleep(0.5)
            sent = asyncio.run(open_loop(port, token, args.actors, args.seconds, args.rate))
            end = last_change(port, reader)
            deadline = time.monotonic() + 10
            while (not follower.arrived or follower.arrived[-1][0] < end) and time.monotonic() < deadline:
                time.sleep(0.05)
            follower.stop.set()
            lags = sorted(arrived - at for _, at, arrived in follower.arrived)
            pick = lambda q: round(lags[min(len(lags) - 1, int(q * len(lags)))] * 1e3, 1)  # noqa: E731
            report["lag"] = {
                "sends": sent,
                "changes": end - start,
                "received": len(follower.arrived),
                "in_order_without_gap": [s for s, _, _ in follower.arrived] == list(range(start + 1, end + 1)),
                "p50_ms": pick(0.5),
                "p99_ms": pick(0.99),
                "max_ms": round(lags[-1] * 1e3, 1),
            }
        finally:
            server.terminate()
            server.wait()
    print(json.dumps(report, indent=1))


if __name__ == "__main__":
    main()
