"""The PostgreSQL store beside the LMDB store, over HTTP, in one run on this machine (issue 12).

    python benches/bench_nodes.py http [--actors 100000] [--seconds 20] [--rounds 2]

Builds the same store of loan actors twice, in a directory (LMDB) and in a PostgreSQL database on
a server started here as the tests start theirs (tests/postgres.py: fsync and synchronous_commit
on, on the same disk and the same cores), then, for each round, one after the other:

- ``lmdb``: one ``statekeep serve`` process on the directory; ``wrk`` with 64 connections sends
  ``POST /v1/actors/{id}/events`` to random actors;
- ``postgres``: the same against one ``statekeep serve --store URL`` process; the sends per
  commit are the events stored over the commits the database counted meanwhile
  (``pg_stat_database.xact_commit``, which counts every transaction, reads too);
- ``postgres x2``: two such processes on the one database, each under a ``wrk`` of 32
  connections at once: the sum.

Every send is acknowledged after its group's commit is durable. The load average (the 1-minute
one from /proc/loadavg, at the end of each run) shows what else the two cores were doing.

    python benches/bench_nodes.py scan [--actors 1000000] [--rate 200]

Materialising a deployment: a store of loan actors that each submitted and paid or waived the
fee, on each back end, served by one node; live sends at ``--rate`` per second (an open loop,
latency from each send's scheduled start) first with nothing else running, then while a
deployment over every actor (half migrate by replay) is materialised by the node's scan (the
live sends stop a second after it is done, or after ``--scan-seconds``): its
rate (actors over the time from the deploy's commit to the scan's end) and the live sends' p99
beside their idle p99.

    python benches/bench_nodes.py follow [--deploys 200]

How soon another node takes a deploy: two processes on one PostgreSQL store, one deploying a
version every 0.05 to 0.15 s, the other watching its own registry; the delay from each deploy's
call (before its commit: an upper bound) to the other's having the version, with notifications
and without them (the once-a-second look alone).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import platform
import random
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import psycopg

import statekeep

sys.path.insert(0, str(Path(__file__).parent))
sys.path.insert(0, str(Path(__file__).parent.parent / "tests"))
from bench_http import LOAN, build, free_port, run_wrk, send_event, start_server
from postgres import PostgresServer

#: The database server's settings beside the tests' own: room for the working set, and no
#: checkpoint in the middle of a short run. Durability stays on.
SERVER = {"shared_buffers": "256MB", "max_wal_size": "4GB"}


def load() -> float:
    return float(Path("/proc/loadavg").read_text().split()[0])


def counters(url: str) -> tuple[int, int]:
    """Transactions committed in the database, and events stored."""
    with psycopg.connect(url) as conn:
        row = conn.execute(
            "SELECT (SELECT xact_commit FROM pg_stat_database WHERE datname = current_database()), "
            "(SELECT count(*) FROM statekeep.events)"
        ).fetchone()
        assert row is not None
        return int(row[0]), int(row[1])


def wrk_in_parallel(ports: list[int], token: str, actors: int, seconds: int, connections: int) -> dict[str, Any]:
    """One wrk per port, at once, ``connections`` split between them: the sum of their rates."""
    results: list[dict[str, Any]] = [{} for _ in ports]

    def run(n: int) -> None:
        results[n] = run_wrk(ports[n], token, actors, seconds, connections // len(ports))

    threads = [threading.Thread(target=run, args=(n,)) for n in range(len(ports))]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return {
        "sends_per_second": sum(int(r["sends_per_second"]) for r in results),
        "non_2xx": sum(int(r["non_2xx"]) for r in results),
        "per_node": results,
    }


def measure(location: str, token: str, args: argparse.Namespace, nodes: int) -> dict[str, Any]:
    ports = [free_port() for _ in range(nodes)]
    servers = [start_server(location, port, 1) for port in ports]  # type: ignore[arg-type]
    try:
        time.sleep(2.0)
        before = counters(location) if location.startswith("postgresql://") else None
        started = time.perf_counter()
        result = wrk_in_parallel(ports, token, args.actors, args.seconds, args.connections)
        elapsed = time.perf_counter() - started
        result["load_average"] = load()
        if before is not None:
            time.sleep(0.5)
            after = counters(location)
            commits, events = after[0] - before[0], after[1] - before[1]
            result["commits_per_second"] = round(commits / elapsed)
            result["sends_per_commit"] = round(events / max(commits, 1), 1)
        return result
    finally:
        for server in servers:
            server.terminate()
            server.wait()


def http(args: argparse.Namespace) -> dict[str, Any]:
    report: dict[str, Any] = {
        "actors": args.actors,
        "connections": args.connections,
        "seconds": args.seconds,
        "server": SERVER,
    }
    server = PostgresServer()
    with tempfile.TemporaryDirectory() as tmp:
        os.environ.setdefault("STATEKEEP_KEY_DIR", str(Path(tmp) / "keys"))
        try:
            server.start(SERVER)
            url = server.database()
            data = str(Path(tmp) / "data")
            started = time.perf_counter()
            tokens = {"lmdb": build(Path(data), args.actors)}
            report["build_lmdb_s"] = round(time.perf_counter() - started, 1)
            started = time.perf_counter()
            tokens["postgres"] = build(url, args.actors)  # type: ignore[arg-type]
            report["build_postgres_s"] = round(time.perf_counter() - started, 1)
            runs: list[dict[str, Any]] = []
            for round_ in range(args.rounds):
                for name, location, nodes in (("lmdb", data, 1), ("postgres", url, 1), ("postgres x2", url, 2)):
                    result = measure(location, tokens[name.split()[0]], args, nodes)
                    runs.append({"round": round_, "store": name} | result)
                    print(json.dumps(runs[-1]), file=sys.stderr, flush=True)
            report["runs"] = runs
            best = {
                name: max(r["sends_per_second"] for r in runs if r["store"] == name)
                for name in ("lmdb", "postgres", "postgres x2")
            }
            report["best"] = best
            report["postgres_vs_lmdb"] = round(best["postgres"] / best["lmdb"], 2)
            report["two_nodes_vs_one"] = round(best["postgres x2"] / best["postgres"], 2)
            # The same ratios within each round (the runs next to each other in time, under the
            # same outside load), beside the best-of ones above.
            report["per_round"] = [
                {
                    "postgres_vs_lmdb": round(of["postgres"] / of["lmdb"], 2),
                    "two_nodes_vs_one": round(of["postgres x2"] / of["postgres"], 2),
                }
                for of in (
                    {r["store"]: r["sends_per_second"] for r in runs if r["round"] == round_}
                    for round_ in range(args.rounds)
                )
            ]
        finally:
            server.stop()
    return report


# ----- materialising a deployment -----------------------------------------------------------------

LOAN_V2 = json.loads(json.dumps(LOAN))
LOAN_V2["states"]["fee"]["on"]["PAY_FEE"] = "income_verification"
LOAN_V2["states"]["income_verification"] = {"on": {"NOTE": {"actions": "note"}, "VERIFIED": "underwriting"}}


def build_loans(location: str, actors: int) -> str:
    """``actors`` loan applications that submitted their information and paid (even) or waived
    (odd) the fee: a write key's token."""
    with statekeep.Keep(location, scan=False) as keep:
        keep.deploy("loan-v1", LOAN)
        for first in range(0, actors, 20_000):
            ids = [f"a{i:07d}" for i in range(first, min(actors, first + 20_000))]
            keep.spawn_many("loan-v1", [None] * len(ids), actor_ids=ids)
            keep.send_many(
                [
                    (a, e)
                    for n, a in enumerate(ids, first)
                    for e in ("SUBMIT_INFO", "PAY_FEE" if n % 2 == 0 else "WAIVE_FEE")
                ]
            )
        token = keep.create_api_key("write", name="bench").token
        assert token is not None
        return token


async def sends(
    port: int, token: str, actors: int, seconds: float, rate: int, until: Callable[[], bool] = lambda: False
) -> list[tuple[float, float, bool]]:
    """One send every 1/rate s to a random actor on a pool of keep-alive connections, whatever
    the server does (an open loop), for ``seconds`` or until ``until()``: each one's scheduled
    start (perf_counter), its latency from that start, and whether it was answered 200."""
    pool: asyncio.Queue[tuple[asyncio.StreamReader, asyncio.StreamWriter]] = asyncio.Queue()
    for _ in range(64):
        pool.put_nowait(await asyncio.open_connection("127.0.0.1", port))
    out: list[tuple[float, float, bool]] = []
    body = b'{"type":"NOTE","note":"live"}'

    async def one(scheduled: float, actor: str) -> None:
        reader, writer = await pool.get()
        status = await send_event(reader, writer, token, actor, body)
        out.append((scheduled, time.perf_counter() - scheduled, status == b"200"))
        pool.put_nowait((reader, writer))

    tasks = []
    start = time.perf_counter()
    for n in range(int(rate * seconds)):
        if until():
            break
        scheduled = start + n / rate
        delay = scheduled - time.perf_counter()
        if delay > 0:
            await asyncio.sleep(delay)
        tasks.append(asyncio.create_task(one(scheduled, f"a{random.randrange(actors):07d}")))
    await asyncio.gather(*tasks)
    return out


def latency(samples: list[tuple[float, float, bool]]) -> dict[str, Any]:
    ordered = sorted(s[1] * 1e3 for s in samples)
    return {
        "sends": len(ordered),
        "failed": sum(not ok for _, _, ok in samples),
        "p50_ms": percentile(ordered, 0.5),
        "p99_ms": percentile(ordered, 0.99),
        "max_ms": round(ordered[-1], 1),
    }


def materialise(location: str, token: str, args: argparse.Namespace) -> dict[str, Any]:
    """Live sends to one node serving ``location``, idle and then around a deployment's scan."""
    port = free_port()
    prelude = os.environ.get("BENCH_PRELUDE", "")
    code = f"{prelude}\nfrom statekeep.service import serve; serve({location!r}, port={port})"
    node = subprocess.Popen([sys.executable, "-c", code], stderr=subprocess.DEVNULL)
    try:
        time.sleep(3.0)
        result: dict[str, Any] = {
            "idle": latency(asyncio.run(sends(port, token, args.actors, args.seconds, args.rate)))
        }
        window: list[float] = []
        with statekeep.Keep(location, scan=False) as keep:

            def deploy() -> None:
                time.sleep(1.0)
                window.append(time.perf_counter())
                keep.deploy("loan-v2", LOAN_V2, parent="loan-v1", history_path=["SUBMIT_INFO", "PAY_FEE"])
                while not keep.deployment("loan-v2").done:
                    time.sleep(0.02)
                window.append(time.perf_counter())

            deployer = threading.Thread(target=deploy)
            deployer.start()
            # Live sends from before the deploy until a second after the scan's end.
            live = asyncio.run(
                sends(
                    port,
                    token,
                    args.actors,
                    args.scan_seconds,
                    args.rate,
                    until=lambda: len(window) == 2 and time.perf_counter() > window[1] + 1.0,
                )
            )
            deployer.join()
            progress = keep.deployment("loan-v2")
    finally:
        node.terminate()
        node.wait()
    assert len(window) == 2, "the scan took longer than --scan-seconds"
    elapsed = window[1] - window[0]
    result["scan"] = {
        "seconds": round(elapsed, 2),
        "actors_per_second": round(progress.total / elapsed),
        "total": progress.total,
        "counts": progress.counts,
        "load_average": load(),
    }
    result["during_scan"] = latency([x for x in live if window[0] <= x[0] <= window[1]])
    result["p99_ratio"] = round(result["during_scan"]["p99_ms"] / result["idle"]["p99_ms"], 2)
    return result


def scan(args: argparse.Namespace) -> dict[str, Any]:
    report: dict[str, Any] = {"actors": args.actors, "live_rate": args.rate, "server": SERVER}
    server = PostgresServer()
    with tempfile.TemporaryDirectory() as tmp:
        os.environ.setdefault("STATEKEEP_KEY_DIR", str(Path(tmp) / "keys"))
        try:
            server.start(SERVER)
            for name, location in (("lmdb", str(Path(tmp) / "data")), ("postgres", server.database())):
                started = time.perf_counter()
                token = build_loans(location, args.actors)
                built = round(time.perf_counter() - started, 1)
                report[name] = {"build_s": built} | materialise(location, token, args)
                print(json.dumps({name: report[name]}), file=sys.stderr, flush=True)
        finally:
            server.stop()
    return report


# ----- another node's view of a deploy --------------------------------------------------------------

WATCHER = """
import sys, time, statekeep
url, key, count = sys.argv[1], sys.argv[2], int(sys.argv[3])
with statekeep.Keep(url, key=key, scan=False) as keep:
    if sys.argv[4] == "poll":
        keep._store._listener.close()  # no notifications: the once-a-second look alone
    keep.definitions()  # a read: the registry has v0
    print("ready", flush=True)
    seen = len(keep._registry)
    while seen < count:
        now = len(keep._registry)
        if now > seen:
            stamp = time.monotonic()
            for _ in range(now - seen):
                print(stamp, flush=True)
            seen = now
        time.sleep(0.0005)
"""


def percentile(ordered: list[float], q: float) -> float:
    return round(ordered[min(len(ordered) - 1, int(q * len(ordered)))], 1)


def follow(args: argparse.Namespace) -> dict[str, Any]:
    report: dict[str, Any] = {"deploys": args.deploys}
    server = PostgresServer()
    with tempfile.TemporaryDirectory() as tmp:
        os.environ.setdefault("STATEKEEP_KEY_DIR", str(Path(tmp) / "keys"))
        try:
            server.start(SERVER)
            for mode, deploys in (("notify", args.deploys), ("poll", max(20, args.deploys // 10))):
                url = server.database()
                key = os.urandom(32).hex()
                with statekeep.Keep(url, key=key, scan=False) as keep:
                    keep.deploy("v0", LOAN)
                    watcher = subprocess.Popen(
                        [sys.executable, "-c", WATCHER, url, key, str(deploys + 1), mode],
                        stdout=subprocess.PIPE,
                        text=True,
                    )
                    assert watcher.stdout is not None and watcher.stdout.readline() == "ready\n"
                    called, returned = [], []
                    for n in range(1, deploys + 1):
                        time.sleep(random.uniform(0.05, 0.15))
                        called.append(time.monotonic())
                        keep.deploy(f"v{n}", LOAN)
                        returned.append(time.monotonic())
                    seen = [float(line) for line in watcher.stdout]
                    watcher.wait()
                # From the deploy's call, before its commit: an upper bound of the delay.
                delays = sorted((b - a) * 1e3 for a, b in zip(called, seen, strict=True))
                took = sorted((b - a) * 1e3 for a, b in zip(called, returned, strict=True))
                report[mode] = {
                    "deploys": deploys,
                    "p50_ms": percentile(delays, 0.5),
                    "p99_ms": percentile(delays, 0.99),
                    "deploy_p50_ms": percentile(took, 0.5),
                    "max_ms": round(delays[-1], 1),
                }
                report[mode]["load_average"] = load()
                print(json.dumps({mode: report[mode]}), file=sys.stderr, flush=True)
        finally:
            server.stop()
    return report


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    commands = parser.add_subparsers(dest="command", required=True)
    one = commands.add_parser("http")
    one.add_argument("--actors", type=int, default=100_000)
    one.add_argument("--seconds", type=int, default=20)
    one.add_argument("--connections", type=int, default=64)
    one.add_argument("--rounds", type=int, default=2)
    two = commands.add_parser("scan")
    two.add_argument("--actors", type=int, default=1_000_000)
    two.add_argument("--rate", type=int, default=200)
    two.add_argument("--seconds", type=int, default=10, help="of idle live sends")
    two.add_argument("--scan-seconds", type=int, default=120, help="of live sends around the scan")
    three = commands.add_parser("follow")
    three.add_argument("--deploys", type=int, default=200)
    args = parser.parse_args()
    if args.command == "http" and shutil.which("wrk") is None:
        sys.exit("wrk is needed: apt-get install wrk")
    machine = (
        f"{platform.processor() or platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}"
    )
    report = {"machine": machine, "load_average_before": load()}
    report |= {"http": http, "scan": scan, "follow": follow}[args.command](args)
    print(json.dumps(report, indent=1))


if __name__ == "__main__":
    main()
