"""Steps per second through the Python binding, per call with its overhead: the same cases and
event sequences as the Rust and XState benches (tests/conformance/xstate-public.jsonl).

    python benches/bench_python.py [corpus.jsonl] [seconds]

Prints one JSON line. Build the extension in release first (`maturin develop --release`).
"""

from __future__ import annotations

import json
import sys
import time
from pathlib import Path
from typing import Any

import statekeep

CORPUS = Path(__file__).resolve().parent.parent / "tests" / "conformance" / "xstate-public.jsonl"


def load(path: Path) -> list[tuple[statekeep.Machine, statekeep.Snapshot, list[tuple[str, dict[str, bool]]]]]:
    cases = []
    for line in path.read_text(encoding="utf-8").splitlines():
        case: dict[str, Any] = json.loads(line)
        machine = statekeep.Machine(case["machine"])
        start = machine.initial(case["initial"]["guards"]).snapshot
        steps = [(s["event"]["type"], s["guards"]) for s in case["steps"]]
        cases.append((machine, start, steps))
    return cases


def one_pass(cases: list[tuple[statekeep.Machine, statekeep.Snapshot, list[tuple[str, dict[str, bool]]]]]) -> int:
    steps = 0
    for machine, snapshot, events in cases:
        for event, guards in events:
            snapshot = machine.transition(snapshot, event, guards).snapshot
        steps += len(events)
    return steps


def main() -> None:
    path = Path(sys.argv[1]) if len(sys.argv) > 1 else CORPUS
    seconds = float(sys.argv[2]) if len(sys.argv) > 2 else 3.0
    cases = load(path)
    one_pass(cases)
    one_pass(cases)
    passes, steps, started = 0, 0, time.perf_counter()
    while time.perf_counter() - started < seconds:
        steps += one_pass(cases)
        passes += 1
    elapsed = time.perf_counter() - started
    print(
        json.dumps(
            {
                "engine": "statekeep-python",
                "cases": len(cases),
                "steps_per_pass": steps // passes,
                "passes": passes,
                "seconds": round(elapsed, 3),
                "steps_per_second": round(steps / elapsed),
                "ns_per_step": round(elapsed / steps * 1e9, 1),
            }
        )
    )


if __name__ == "__main__":
    main()
