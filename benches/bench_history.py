"""A send's cost as an actor ages: single durable sends to an actor that has handled 10,
10,000 and 100,000 events.

    python benches/bench_history.py [sends]      (a release build of the extension)

Reports, per history length, the wall time of a send (with its fsync) and the CPU time the
calling thread spends on it (the keep's own work, without waiting for the disk), and the ratio
of each to the 10-event actor's: flat is the goal. Run it on two builds (this one and an older
one, each in its own venv) to compare them in the same sitting.
"""

from __future__ import annotations

import json
import os
import sys
import tempfile
import time
from pathlib import Path

import statekeep

MACHINE = {
    "id": "m",
    "initial": "open",
    "states": {"open": {"on": {"NOTE": {"actions": "note"}, "CLOSE": "closed"}}, "closed": {}},
}


def main() -> None:
    sends = int(sys.argv[1]) if len(sys.argv) > 1 else 300
    report: dict[str, object] = {"sends": sends}
    with tempfile.TemporaryDirectory() as tmp:
        os.environ.setdefault("STATEKEEP_KEY_DIR", str(Path(tmp) / "keys"))
        with statekeep.Keep(Path(tmp) / "data", scan=False) as keep:
            keep.deploy("v1", MACHINE)
            rows = []
            for length in (10, 10_000, 100_000):
                actor = f"aged-{length}"
                keep.spawn("v1", {}, actor_id=actor)
                for first in range(0, length, 10_000):
                    keep.send_many(
                        [(actor, {"type": "NOTE", "n": n}) for n in range(first, min(length, first + 10_000))]
                    )
                wall, cpu = time.perf_counter(), time.thread_time()
                for n in range(sends):
                    keep.send(actor, {"type": "NOTE", "bench": n})
                wall, cpu = time.perf_counter() - wall, time.thread_time() - cpu
                rows.append({"history": length, "wall_ms": wall / sends * 1e3, "cpu_us": cpu / sends * 1e6})
            base = rows[0]
            for row in rows:
                row["wall_vs_10"] = round(row["wall_ms"] / base["wall_ms"], 2)
                row["cpu_vs_10"] = round(row["cpu_us"] / base["cpu_us"], 2)
                row["wall_ms"] = round(row["wall_ms"], 3)
                row["cpu_us"] = round(row["cpu_us"], 1)
            report["rows"] = rows
    print(json.dumps(report))


if __name__ == "__main__":
    main()
