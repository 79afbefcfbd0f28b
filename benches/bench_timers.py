"""Durable timers: how late they fire under load, how fast a backlog drains, and what timers
cost a send.

    python benches/bench_timers.py [pending] [rate] [overdue] [--parts 1,2,3,4] [--seconds 8]
        (default 1,000,000 pending, 10,000 due per second, 100,000 overdue; a release build;
        part 4 needs wrk: apt-get install wrk)

1. **Lateness.** A store holding `pending` timers due in ten days, then timers falling due at
   `rate` per second for ten seconds while the keep's timer worker runs on the wall clock: how
   late each firing was once its transaction was durable (p50, p99, max), and whether any fired
   early (its event's time before its due time).
2. **A backlog after a restart.** `overdue` timers due while no process was up: the time until
   every one has fired after the store is opened, while a thread sends events to other actors
   one at a time (their latency, p50 and p99).
3. **Sends with timers.** Synced sends, one at a time and in batches of 64, on a machine whose
   every step leaves a state with a delayed transition and enters another (a timer removed and
   one set in each send's transaction) beside the same machine without `after`: the ratio is the
   cost of timers.
4. **Served sends with timers.** The same two machines behind `statekeep serve` (one process),
   wrk sending durable `POST /v1/actors/{id}/events` with 64 connections to 10,000 actors, each
   machine three times, alternated: the ratio of the medians (sends per second), and of the
   server's CPU time per send (which the others' load on a shared machine disturbs less).

The due times of part 1 are written straight into the store (a `WriteSet` of timers for
existing actors, as `schedule` would): the subject is the firing, and 100,000 scheduling
transactions would take minutes to set up.
"""

from __future__ import annotations

import argparse
import collections
import os
import shutil
import statistics
import sys
import tempfile
import threading
import time
from pathlib import Path
from typing import Any

import statekeep
from bench_http import build, free_port, run_wrk, start_server
from statekeep.store import Timer, WriteSet
from statekeep.testing import ManualClock

TICK = {"id": "tick", "initial": "waiting", "states": {"waiting": {"on": {"TICK": "ticked"}}, "ticked": {}}}
FAR = {"id": "far", "initial": "waiting", "states": {"waiting": {"after": {"tenDays": "gone"}}, "gone": {}}}
SOON = {"id": "soon", "initial": "waiting", "states": {"waiting": {"after": {"1": "gone"}}, "gone": {}}}
NOTE = {"id": "note", "initial": "a", "states": {"a": {"on": {"NOTE": {"actions": "noted"}}}}}
TIMED = {
    "id": "timed",
    "initial": "a",
    "states": {"a": {"after": {"day": "b"}, "on": {"GO": "b"}}, "b": {"after": {"day": "a"}, "on": {"GO": "a"}}},
}
UNTIMED = {"id": "timed", "initial": "a", "states": {"a": {"on": {"GO": "b"}}, "b": {"on": {"GO": "a"}}}}
DAY_MS = 86_400_000
SPAWN_BATCH = 10_000
#: The actors part 4 sends to (as bench_http.py's).
SERVED_ACTORS = 10_000


def quantiles(values: list[float]) -> tuple[float, float, float]:
    ordered = sorted(values)
    return ordered[len(ordered) // 2], ordered[min(len(ordered) - 1, len(ordered) * 99 // 100)], ordered[-1]


def spawn(keep: statekeep.Keep, version: str, prefix: str, count: int) -> None:
    for start in range(0, count, SPAWN_BATCH):
        n = min(SPAWN_BATCH, count - start)
        keep.spawn_many(version, [None] * n, actor_ids=[f"{prefix}{i:08}" for i in range(start, start + n)])


def lateness(directory: Path, pending: int, rate: int) -> None:
    count = rate * 10
    with statekeep.Keep(directory / "late", clock=ManualClock(), scan=False) as keep:
        keep.deploy("far-v1", FAR, delays={"tenDays": 10 * DAY_MS})
        keep.deploy("tick-v1", TICK)
        started = time.perf_counter()
        spawn(keep, "far-v1", "far-", pending)
        spawn(keep, "tick-v1", "tick-", count)
        print(f"  set up {pending:,} pending timers and {count:,} actors in {time.perf_counter() - started:.1f} s")
    with statekeep.open(directory / "late") as keep:
        keep._lateness = collections.deque()  # every firing's lateness, not the last 1,000
        first = int((time.time() + 3) * 1000)
        due = {f"tick-{i:08}": first + i * 1000 // rate for i in range(count)}
        writes = WriteSet()
        for actor_id, at in due.items():
            writes.timer(actor_id, "scheduled:tick", Timer(at, "o", "scheduled", "TICK"))
        with keep._store.write() as txn:
            txn.apply(writes)
        keep._workers["timers"].wake()
        last = max(due.values()) / 1000
        while time.time() < last + 30 and keep.next_due() is not None and keep.next_due() <= last * 1000:
            time.sleep(0.2)
        late = [ms / 1000 for ms in keep._lateness]
        assert len(late) == count, (len(late), count)
        early = 0
        for actor_id in list(due)[:: max(1, count // 2000)]:
            (event,) = keep.history(actor_id)
            early += event["at"] * 1000 < due[actor_id] - 0.001
        p50, p99, worst = quantiles(late)
        stats = keep.timer_stats()
    print(
        f"  {count:,} timers due at {rate:,}/s beside {pending:,} pending: lateness once durable "
        f"p50 {p50 * 1000:.1f} ms, p99 {p99 * 1000:.1f} ms, max {worst * 1000:.1f} ms; "
        f"{early} early of a sample of {min(count, 2000):,}; {stats['pending']:,} still pending"
    )


def backlog(directory: Path, overdue: int) -> None:
    clock = ManualClock()
    with statekeep.Keep(directory / "backlog", clock=clock, scan=False) as keep:
        keep.deploy("soon-v1", SOON)
        keep.deploy("note-v1", NOTE)
        spawn(keep, "soon-v1", "soon-", overdue)
        spawn(keep, "note-v1", "note-", 100)
    time.sleep(0.01)
    latencies: list[float] = []
    stop = threading.Event()
    with statekeep.open(directory / "backlog") as keep:
        opened = time.perf_counter()

        def sender() -> None:
            n = 0
            while not stop.is_set():
                t = time.perf_counter()
                keep.send(f"note-{n % 100:08}", "NOTE")
                latencies.append(time.perf_counter() - t)
                n += 1

        thread = threading.Thread(target=sender)
        thread.start()
        while True:
            with keep._store.read() as txn:
                if txn.timer_count() == 0:
                    break
            time.sleep(0.01)
        drained = time.perf_counter() - opened
        stop.set()
        thread.join()
    p50, p99, _ = quantiles(latencies)
    print(
        f"  {overdue:,} overdue timers fired {drained:.2f} s after the open ({overdue / drained:,.0f}/s); "
        f"meanwhile {len(latencies):,} sends, p50 {p50 * 1000:.1f} ms, p99 {p99 * 1000:.1f} ms"
    )


def sends(directory: Path, name: str, machine: dict[str, Any]) -> tuple[float, float]:
    actors = 1_000
    with statekeep.Keep(directory / name, scan=False) as keep:
        keep.deploy("m", machine, delays={"day": DAY_MS} if machine is TIMED else None)
        spawn(keep, "m", "a-", actors)
        started, n = time.perf_counter(), 0
        while time.perf_counter() - started < 5:
            keep.send(f"a-{n % actors:08}", "GO")
            n += 1
        single = n / (time.perf_counter() - started)
        started, n = time.perf_counter(), 0
        while time.perf_counter() - started < 5:
            keep.send_many([(f"a-{(n + i) % actors:08}", "GO") for i in range(64)])
            n += 64
        batched = n / (time.perf_counter() - started)
        if machine is TIMED:
            with keep._store.read() as txn:
                assert txn.timer_count() == actors
    return single, batched


def served(directory: Path, seconds: int, rounds: int = 3) -> None:
    stores = {}
    for name, machine in (("timed", TIMED), ("untimed", UNTIMED)):
        data = directory / f"served-{name}"
        stores[name] = (data, build(data, SERVED_ACTORS, machine, {"day": DAY_MS} if machine is TIMED else None))
    runs: dict[str, list[dict[str, Any]]] = {name: [] for name in stores}
    for _ in range(rounds):  # interleaved, so that a noisy moment hits both
        for name, (data, token) in stores.items():
            port = free_port()
            server = start_server(data, port, 1)
            try:
                time.sleep(1.0)  # up before the load starts
                cpu = server_cpu(server.pid)
                run = run_wrk(port, token, SERVED_ACTORS, seconds, 64, body='{"type": "GO"}')
                # The server's CPU per send: what the others' load on the machine disturbs less.
                run["cpu_us"] = (server_cpu(server.pid) - cpu) / (run["sends_per_second"] * seconds) * 1e6
                runs[name].append(run)
            finally:
                server.terminate()
                server.wait()
    for name, found in runs.items():
        each = ", ".join(f"{r['sends_per_second']:,}/s ({r['cpu_us']:.0f} us CPU, p99 {r['p99']})" for r in found)
        print(f"  {name}: {each}; non-2xx {sum(r['non_2xx'] for r in found)}")
    timed = statistics.median(r["sends_per_second"] for r in runs["timed"])
    untimed = statistics.median(r["sends_per_second"] for r in runs["untimed"])
    print(f"  durable sends over HTTP: {timed:,.0f}/s with timers, {untimed:,.0f}/s without: {timed / untimed:.2f}x")
    timed_cpu = statistics.median(r["cpu_us"] for r in runs["timed"])
    untimed_cpu = statistics.median(r["cpu_us"] for r in runs["untimed"])
    print(
        f"  the server's CPU per send: {timed_cpu:.0f} us with timers, {untimed_cpu:.0f} us without: "
        f"{untimed_cpu / timed_cpu:.2f}x"
    )


def server_cpu(pid: int) -> float:
    """The CPU time (user and system, seconds) process ``pid`` has used."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("pending", type=int, nargs="?", default=1_000_000)
    parser.add_argument("rate", type=int, nargs="?", default=10_000)
    parser.add_argument("overdue", type=int, nargs="?", default=100_000)
    parser.add_argument("--parts", default="1,2,3,4", help="the parts to run, comma-separated")
    parser.add_argument("--seconds", type=int, default=8, help="each wrk run of part 4")
    args = parser.parse_args()
    parts = {int(p) for p in args.parts.split(",")}
    if 4 in parts and shutil.which("wrk") is None:
        sys.exit("part 4 needs wrk: apt-get install wrk")
    with tempfile.TemporaryDirectory(dir=Path.cwd()) as tmp:
        directory = Path(tmp)
        os.environ.setdefault("STATEKEEP_KEY_DIR", str(directory / "keys"))
        if 1 in parts:
            print("1. lateness")
            lateness(directory, args.pending, args.rate)
        if 2 in parts:
            print("2. a backlog after a restart")
            backlog(directory, args.overdue)
        if 3 in parts:
            print("3. synced sends with and without timers")
            runs = {name: [] for name in ("timed", "untimed")}  # type: dict[str, list[tuple[float, float]]]
            for attempt in range(3):  # interleaved, so that a noisy moment hits both
                for name, machine in (("timed", TIMED), ("untimed", UNTIMED)):
                    runs[name].append(sends(directory, f"{name}-{attempt}", machine))
            for kind, i in (("one at a time", 0), ("batches of 64", 1)):
                timed = statistics.median(r[i] for r in runs["timed"])
                untimed = statistics.median(r[i] for r in runs["untimed"])
                print(f"  {kind}: {timed:,.0f}/s with timers, {untimed:,.0f}/s without: {timed / untimed:.2f}x")
        if 4 in parts:
            print("4. durable sends over HTTP with and without timers")
            served(directory, args.seconds)


if __name__ == "__main__":
    main()
