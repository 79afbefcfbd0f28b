"""What opening a store costs: a store holding one 40,000-state version and ten small ones is
opened and one actor on a small version read (what a CLI call does), then one on the big one.

    python benches/bench_open.py      (a release build of the extension)

Versions are compiled when first needed, so the first figure does not grow with the versions
a call does not touch; the second includes compiling the big one. Compile time of the big
definition alone is printed beside them as the reference.
"""

from __future__ import annotations

import json
import os
import tempfile
import time
from pathlib import Path

import statekeep


def main() -> None:
    states = 40_000
    big = {
        "id": "big",
        "initial": "s0",
        "states": {f"s{i}": {"on": {"NEXT": f"s{(i + 1) % states}"}} for i in range(states)},
    }
    small = {"id": "small", "initial": "a", "states": {"a": {"on": {"GO": "b"}}, "b": {}}}
    with tempfile.TemporaryDirectory() as tmp:
        os.environ.setdefault("STATEKEEP_KEY_DIR", str(Path(tmp) / "keys"))
        data = Path(tmp) / "data"
        with statekeep.Keep(data, scan=False) as keep:
            keep.deploy("big", big)
            for n in range(10):
                keep.deploy(f"small-{n}", small)
            keep.spawn("small-3", {}, actor_id="on-small")
            keep.spawn("big", {}, actor_id="on-big")
        started = time.perf_counter()
        with statekeep.Keep(data, scan=False) as keep:
            keep.get("on-small")
            small_read = time.perf_counter() - started
            started = time.perf_counter()
            keep.get("on-big")
            big_read = time.perf_counter() - started
        started = time.perf_counter()
        statekeep.Machine(json.dumps(big))
        compile_big = time.perf_counter() - started
    print(
        json.dumps(
            {
                "open_and_read_small_ms": round(small_read * 1e3, 1),
                "then_read_big_ms": round(big_read * 1e3, 1),
                "compile_big_alone_ms": round(compile_big * 1e3, 1),
            }
        )
    )


if __name__ == "__main__":
    main()
