"""Durable sends per second on each store, side by side on this machine: the embedded LMDB
store in a temporary directory and a PostgreSQL store on a server started here (the tests'
tests/postgres.py: initdb and pg_ctl, fsync and synchronous_commit on), both on the same disk.

    python benches/bench_stores.py [--actors 1000] [--seconds 5]

Three figures per store, each over ``--seconds``: ``send`` (one transaction per call, one
caller), ``send_threads`` (one transaction per call, 8 threads: LMDB serialises them, the
database runs them side by side, and groups their commits in its WAL), ``send_many`` (batches
of 64 sends per transaction). A rough figure for a first comparison, not the issue's benchmark
(which runs over HTTP with 64 connections and 100,000 actors).
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import tempfile
import threading
import time
from collections.abc import Callable
from pathlib import Path

import statekeep

sys.path.insert(0, str(Path(__file__).parent.parent / "tests"))
from postgres import PostgresServer

MACHINE = {"id": "m", "initial": "idle", "states": {"idle": {"on": {"NOTE": {"actions": "note"}}}}}


def rate(seconds: float, threads: int, work: Callable[[int, int], int]) -> float:
    """Sends per second while ``threads`` threads call ``work(thread, round)`` (which returns how
    many sends it made) for ``seconds``."""
    done = [0] * threads
    deadline = time.perf_counter() + seconds

    def run(t: int) -> None:
        n = 0
        while time.perf_counter() < deadline:
            done[t] += work(t, n)
            n += 1

    started = time.perf_counter()
    workers = [threading.Thread(target=run, args=(t,)) for t in range(threads)]
    for w in workers:
        w.start()
    for w in workers:
        w.join()
    return sum(done) / (time.perf_counter() - started)


def measure(location: str, actors: int, seconds: float) -> dict[str, float]:
    ids = [f"a{i}" for i in range(actors)]
    with statekeep.Keep(location, key=os.urandom(32), scan=False) as keep:
        keep.deploy("m", MACHINE)
        for start in range(0, actors, 500):
            keep.spawn_many("m", [None] * len(ids[start : start + 500]), actor_ids=ids[start : start + 500])

        def one(t: int, n: int) -> int:
            keep.send(ids[(n * 8 + t) % actors], {"type": "NOTE", "n": n})
            return 1

        def batch(t: int, n: int) -> int:
            keep.send_many([(ids[(n * 64 + i) % actors], {"type": "NOTE", "n": n}) for i in range(64)])
            return 64

        return {
            "send": round(rate(seconds, 1, one)),
            "send_threads": round(rate(seconds, 8, one)),
            "send_many": round(rate(seconds, 1, batch)),
        }


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--actors", type=int, default=1000)
    parser.add_argument("--seconds", type=float, default=5.0)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        os.environ["STATEKEEP_KEY_DIR"] = str(Path(tmp) / "keys")
        results = {"lmdb": measure(str(Path(tmp) / "data"), args.actors, args.seconds)}
        server = PostgresServer()
        try:
            server.start()
            results["postgres"] = measure(server.database(), args.actors, args.seconds)
        finally:
            server.stop()
    print(json.dumps(results, indent=2))


if __name__ == "__main__":
    main()
