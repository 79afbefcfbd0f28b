"""The durable keep's speed: durable sends, a deployment taking effect, and its materialisation
beside the physical reference for it.

    python benches/bench_keep.py [actors]      (default 50,000; a release build of the extension)

Builds a store of `actors` loan applications with histories of 5 to 10 events (half paid the
fee, half waived it), then measures: single synced sends and one batched send; `deploy` of
loan-v2 (path SUBMIT_INFO, PAY_FEE) and the first read that sees it decided; the background
scan materialising every decision record, synced, in bounded transactions; and, in the same
run, py-lmdb alone doing only the I/O a scan cannot avoid for the same actors (read and rewrite
each actor, put one decision record and its deployment index key, move its version index key,
synced 2,000-actor transactions). The ratio of the two is the figure to compare across machines.
"""

from __future__ import annotations

import json
import os
import sys
import tempfile
import time
from pathlib import Path

import lmdb

import statekeep

LOAN = {
    "id": "loan",
    "initial": "review",
    "states": {
        "review": {"on": {"SUBMIT_INFO": "fee"}},
        "fee": {"on": {"PAY_FEE": "underwriting", "WAIVE_FEE": "underwriting"}},
        "underwriting": {"on": {"NOTE": {"actions": "note"}, "APPROVE": "approved"}},
        "approved": {"type": "final"},
    },
}
LOAN_V2 = json.loads(json.dumps(LOAN))
LOAN_V2["states"]["fee"]["on"]["PAY_FEE"] = "income_verification"
LOAN_V2["states"]["income_verification"] = {"on": {"NOTE": {"actions": "note"}, "VERIFIED": "underwriting"}}
BATCH = 10_000


def anonymous_mb() -> float:
    """Resident anonymous memory (the heap, not the store's mmapped pages, which the kernel
    counts as resident but can drop at any time)."""
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("RssAnon:"):
            return int(line.split()[1]) / 1024
    return 0.0


def reference_materialise(actors: list[tuple[bytes, bytes]], record: bytes, directory: Path) -> float:
    """Actors per second for the I/O of a scan alone, on the same actor bytes: every actor read
    and written back, one decision record and its deployment index key put, its version index
    key moved; 2,000 actors per synced transaction, one getmulti and one putmulti per database
    as the scan does."""
    env = lmdb.open(str(directory), map_size=1 << 40, max_dbs=8, sync=True, metasync=True, readahead=False)
    dbs = {name: env.open_db(name.encode()) for name in ("actors", "decisions", "by_deployment", "by_version")}
    with env.begin(write=True) as txn:
        txn.cursor(db=dbs["actors"]).putmulti(actors)
        txn.cursor(db=dbs["by_version"]).putmulti([(b"\0\0\0\0" + key, b"") for key, _ in actors])
    started = time.perf_counter()
    for first in range(0, len(actors), 2_000):
        keys = [key for key, _ in actors[first : first + 2_000]]
        with env.begin(write=True) as txn:
            found = txn.cursor(db=dbs["actors"]).getmulti(keys)
            txn.cursor(db=dbs["actors"]).putmulti([(key, bytes(value)) for key, value in found])
            children = [key + b"\0\0\0\0\0" for key in keys]
            txn.cursor(db=dbs["decisions"]).putmulti([(child, record) for child in children])
            txn.cursor(db=dbs["by_deployment"]).putmulti([(b"\0\0\0\1" + child, b"") for child in children])
            for key in keys:
                txn.delete(b"\0\0\0\0" + key, db=dbs["by_version"])
            txn.cursor(db=dbs["by_version"]).putmulti([(b"\0\0\0\1" + key, b"") for key in keys])
    elapsed = time.perf_counter() - started
    env.close()
    return len(actors) / elapsed


def main() -> None:
    count = int(sys.argv[1]) if len(sys.argv) > 1 else 50_000
    report: dict[str, object] = {"actors": count}
    with tempfile.TemporaryDirectory() as tmp:
        os.environ.setdefault("STATEKEEP_KEY_DIR", str(Path(tmp) / "keys"))
        keep = statekeep.Keep(Path(tmp) / "data", scan=False)
        keep.deploy("loan-v1", LOAN)
        started = time.perf_counter()
        for first in range(0, count, BATCH):
            n = min(BATCH, count - first)
            ids = [f"a{i:08d}" for i in range(first, first + n)]
            keep.spawn_many("loan-v1", [{"applicant": i} for i in ids], actor_ids=ids)
            events = []
            for k, actor_id in enumerate(ids):
                fee = "PAY_FEE" if (first + k) % 2 == 0 else "WAIVE_FEE"
                notes = 3 + (first + k) % 6
                events += [(actor_id, "SUBMIT_INFO"), (actor_id, fee)] + [
                    (actor_id, {"type": "NOTE", "n": j}) for j in range(notes)
                ]
            keep.send_many(events)
        report["build_seconds"] = round(time.perf_counter() - started, 1)

        sends = 2_000
        started = time.perf_counter()
        for i in range(sends):
            keep.send(f"a{i % count:08d}", {"type": "NOTE", "bench": i})
        report["single_sends_per_second"] = round(sends / (time.perf_counter() - started))
        batch = [(f"a{i % count:08d}", {"type": "NOTE", "batched": i}) for i in range(10_000)]
        started = time.perf_counter()
        keep.send_many(batch)
        report["batched_sends_per_second"] = round(len(batch) / (time.perf_counter() - started))

        with keep._store.read() as txn:
            stored = [(actor_id.encode(), raw) for actor_id, raw in txn.all_actors()]

        started = time.perf_counter()
        keep.deploy("loan-v2", LOAN_V2, parent="loan-v1", history_path=["SUBMIT_INFO", "PAY_FEE"])
        report["deploy_ms"] = round((time.perf_counter() - started) * 1e3, 2)
        started = time.perf_counter()
        assert keep.get(f"a{count - 2:08d}").version == "loan-v2"
        report["first_read_decided_ms"] = round((time.perf_counter() - started) * 1e3, 2)

        heap_before = anonymous_mb()
        started = time.perf_counter()
        while keep.scan_step():
            pass
        elapsed = time.perf_counter() - started
        progress = keep.deployment("loan-v2")
        assert progress.done and progress.counts.get("migrated", 0) + progress.counts.get("stayed", 0) == count
        report["materialise_seconds"] = round(elapsed, 2)
        report["materialised_per_second"] = round(count / elapsed)
        report["heap_growth_mb"] = round(anonymous_mb() - heap_before, 1)
        report["store_mb"] = round(sum(p.stat().st_size for p in (Path(tmp) / "data").iterdir()) / 2**20, 1)
        record = next(iter(keep.decisions(f"a{count - 2:08d}")))
        keep.close()
        reference = reference_materialise(stored, json.dumps(record).encode(), Path(tmp) / "reference")
        report["reference_per_second"] = round(reference)
        report["materialised_vs_reference"] = round(count / elapsed / reference, 2)
    print(json.dumps(report))


if __name__ == "__main__":
    main()
