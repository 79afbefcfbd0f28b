"""Actors per state: the counts of a version with many actors, from the counters, beside
counting the actors one by one (what answering without counters would cost).

    python benches/bench_counts.py [actors]      (default 1,000,000; a release build)

A definition of 300 states (30 compound states of 9 children each, and their parent), `actors`
actors spread over them by one event each; then `keep.state_counts` and
`GET /v1/definitions/{id}/counts` on a served store (median of 20), beside reading every actor
and counting its states.
"""

from __future__ import annotations

import json
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

import httpx

import statekeep
from bench_http import free_port, start_server
from statekeep.keep.base import state_nodes

GROUPS, CHILDREN = 30, 9


def definition() -> dict[str, object]:
    groups = {}
    for g in range(GROUPS):
        children = {f"c{c}": {"on": {"NEXT": f"c{(c + 1) % CHILDREN}"}} for c in range(CHILDREN)}
        groups[f"g{g}"] = {"initial": "c0", "states": children}
    hops = {f"TO{g}": f"g{g}" for g in range(GROUPS)}
    return {"id": "big", "initial": "start", "states": {"start": {"on": hops}, **groups}}


def main() -> None:
    actors = int(sys.argv[1]) if len(sys.argv) > 1 else 1_000_000
    with tempfile.TemporaryDirectory() as tmp:
        os.environ.setdefault("STATEKEEP_KEY_DIR", str(Path(tmp) / "keys"))
        data = Path(tmp) / "data"
        report: dict[str, object] = {"actors": actors, "states": 1 + GROUPS * (CHILDREN + 1)}
        started = time.perf_counter()
        with statekeep.Keep(data, scan=False) as keep:
            keep.deploy("big", definition())
            token = keep.create_api_key("read", name="bench").token
            for first in range(0, actors, 10_000):
                ids = [f"a{i:07d}" for i in range(first, min(actors, first + 10_000))]
                keep.spawn_many("big", [None] * len(ids), actor_ids=ids)
                keep.send_many([(a, f"TO{i % GROUPS}") for i, a in enumerate(ids, first)])
            report["build_seconds"] = round(time.perf_counter() - started, 1)
            times = []
            for _ in range(20):
                t = time.perf_counter()
                counts = keep.state_counts("big")
                times.append(time.perf_counter() - t)
            report["keep_state_counts_ms"] = round(statistics.median(times) * 1e3, 2)
            report["states_with_actors"] = len(counts)
            t = time.perf_counter()
            recount: dict[str, int] = {}
            with keep._store.read() as txn:
                for actor_id, raw in txn.all_actors():
                    for state in state_nodes(keep._load_actor(actor_id, raw).value):
                        recount[state] = recount.get(state, 0) + 1
            report["recount_ms"] = round((time.perf_counter() - t) * 1e3, 1)
            report["same_as_recount"] = recount == counts
        port = free_port()
        server = start_server(data, port, 1)
        try:
            with httpx.Client(
                base_url=f"http://127.0.0.1:{port}", headers={"Authorization": f"Bearer {token}"}
            ) as http:
                http.get("/v1/definitions/big/counts").raise_for_status()
                times = []
                for _ in range(20):
                    t = time.perf_counter()
                    http.get("/v1/definitions/big/counts").raise_for_status()
                    times.append(time.perf_counter() - t)
            report["http_counts_ms"] = round(statistics.median(times) * 1e3, 2)
        finally:
            server.terminate()
            server.wait()
        report["counters_vs_recount"] = round(report["recount_ms"] / report["keep_state_counts_ms"])  # type: ignore[operator]
    print(json.dumps(report, indent=1))


if __name__ == "__main__":
    main()
