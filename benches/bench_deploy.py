"""Deploying big definitions: compile, the binding and `keep.deploy`, by shape and size (issue 9).

    python benches/bench_deploy.py [--sizes 10000,100000,1000000] [--shapes flat,deep,...]
                                   [--what text,dict,deploy] [--before DIR] [--timeout 120]

A release build of the extension (`maturin develop --release`). For every shape and size it
builds a definition of about that many states and times, each in a fresh child process (so a
slow case can be cut off at --timeout, and one case's garbage does not slow the next):

- `text`:   JSON text -> `statekeep.Machine(text)` (parse and compile; the GIL is released);
- `dict`:   a parsed dict -> `statekeep.Machine(dict)` (conversion under the GIL, then compile);
- `deploy`: `keep.deploy(id, dict)` end to end on a fresh store (`statekeep.open(tmpdir)`), as
            the HTTP service calls it, with the Python-side costs of that path measured apart:
            `json.dumps(body, sort_keys=True)` + sha256 (`_body`, and the stored copy),
            and the compiles that deploy does (the count is printed);
- `gil`:    the longest pause of a thread ticking every millisecond while `Machine(dict)` runs
            (what `/v1/health` waits behind a deploy).

With `--before DIR` (a directory holding another build of the `statekeep` package, e.g. the
wheel of the previous commit unpacked), every case runs against both builds one after the
other, and the ratio before/after is printed beside the figures.

Shapes (N is the number of states, `Machine.size`):
- flat:       one compound with N-1 atomic children, each `on: {NEXT: <next sibling>}`;
- deep:       chains as deep as the depth limit allows (256 states), side by side; each level a
              compound with the chain's next state and a leaf sibling that targets it back;
- deep60:     the same, 60 states deep (what the previous build accepted through JSON text);
- parallel:   a parallel root of (N-1)/3 regions, two states each, toggling;
- multi:      `parallel` plus one root transition targeting a state in every region;
- ids:        groups of 100 states with explicit ids, each jumping to another by `#id`;
- dotted:     chains 16 deep, each state targeting the state at its depth in the next chain by
              a dotted path from the root's id (`#m.c7.x.x.x`);
- events:     N/2 flat states and one state with N/2 events, one per state.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

LIMIT = 256  # the depth limit in states


def flat(n: int) -> dict[str, Any]:
    k = n - 1
    return {"id": "m", "initial": "s0", "states": {f"s{i}": {"on": {"NEXT": f"s{(i + 1) % k}"}} for i in range(k)}}


def chain(depth: int, head_id: str) -> dict[str, Any]:
    node: dict[str, Any] = {"on": {"RESET": f"#{head_id}"}}
    for level in range(depth - 1, 0, -1):
        node = {"initial": "x", "states": {"x": node, "y": {"on": {"BACK": "x"}}}}
        if level == 1:
            node["id"] = head_id
    return node


def deep(n: int, depth: int = LIMIT) -> dict[str, Any]:
    per_chain = 2 * depth - 1
    chains = max(1, round((n - 1) / per_chain))
    return {"id": "m", "initial": "c0", "states": {f"c{b}": chain(depth, f"c{b}") for b in range(chains)}}


def parallel(n: int, multi: bool = False) -> dict[str, Any]:
    regions = max(1, (n - 1) // 3)
    states = {
        f"r{i}": {"initial": "a", "states": {"a": {"on": {"T": "b"}}, "b": {"on": {"T": "a"}}}} for i in range(regions)
    }
    root: dict[str, Any] = {"id": "m", "type": "parallel", "states": states}
    if multi:
        root["on"] = {"ALL": [f".r{i}.b" for i in range(regions)]}
    return root


def ids(n: int) -> dict[str, Any]:
    k = n - 1 - (n - 1) // 101
    groups: dict[str, Any] = {}
    for g in range(0, k, 100):
        groups[f"g{g // 100}"] = {
            "initial": f"s{g}",
            "states": {
                f"s{i}": {"id": f"s{i}", "on": {"JUMP": f"#s{(i * 7919 + 1) % k}"}} for i in range(g, min(g + 100, k))
            },
        }
    return {"id": "m", "initial": "g0", "states": groups}


def dotted(n: int, depth: int = 16) -> dict[str, Any]:
    chains = max(2, (n - 1) // depth)
    states: dict[str, Any] = {}
    for b in range(chains):
        target = f"#m.c{(b + 1) % chains}"
        paths = [target + ".x" * level for level in range(depth)]
        node: dict[str, Any] = {"on": {"HOP": paths[depth - 1]}}
        for level in range(depth - 2, -1, -1):
            node = {"initial": "x", "states": {"x": node}, "on": {"HOP": paths[level]}}
        states[f"c{b}"] = node
    return {"id": "m", "initial": "c0", "states": states}


def events(n: int) -> dict[str, Any]:
    k = max(1, (n - 2) // 2)
    states: dict[str, Any] = {"hub": {"on": {f"E{i}": f"s{i}" for i in range(k)}}}
    for i in range(n - 2 - k):
        states[f"s{i}"] = {"on": {"BACK": "hub"}}
    return {"id": "m", "initial": "hub", "states": states}


SHAPES = {
    "flat": flat,
    "deep": deep,
    "deep60": lambda n: deep(n, 60),
    "parallel": parallel,
    "multi": lambda n: parallel(n, multi=True),
    "ids": ids,
    "dotted": dotted,
    "events": events,
}


def text_of(shape: str, size: int, cache: Path) -> Path:
    path = cache / f"{shape}-{size}.json"
    if not path.exists():
        path.write_text(json.dumps(SHAPES[shape](size), separators=(",", ":")))
    return path


def repeats(size: int) -> int:
    return 5 if size <= 10_000 else 3 if size <= 100_000 else 1


# ----- one measurement, in a child process ------------------------------------------------------


def measure(what: str, path: Path, size: int) -> dict[str, Any]:
    import hashlib

    import statekeep

    text = path.read_text()
    definition = json.loads(text)
    out: dict[str, Any] = {}
    best = float("inf")
    if what in ("text", "dict"):
        # Wall time, and the CPU time of the process (this machine's cores are shared: the CPU
        # time is the steadier figure of the two).
        given = text if what == "text" else definition
        cpu = float("inf")
        for _ in range(repeats(size)):
            t, c = time.perf_counter(), time.process_time()
            machine = statekeep.Machine(given)
            best = min(best, time.perf_counter() - t)
            cpu = min(cpu, time.process_time() - c)
            out["states"] = machine.size
            del machine
        out["cpu_s"] = cpu
    elif what == "gil":
        import threading

        stop = threading.Event()
        gaps: list[float] = []

        def tick() -> None:
            last = time.perf_counter()
            while not stop.is_set():
                time.sleep(0.001)
                now = time.perf_counter()
                gaps.append(now - last)
                last = now

        ticker = threading.Thread(target=tick)
        ticker.start()
        time.sleep(0.05)
        gaps.clear()
        t = time.perf_counter()
        machine = statekeep.Machine(definition)
        best = time.perf_counter() - t
        stop.set()
        ticker.join()
        out["states"] = machine.size
        out["max_pause_s"] = max(gaps, default=0.0)
        out["ticks"] = len(gaps)
    elif what == "deploy":
        # Count the compiles a deploy does: every module of the package that imported Machine.
        compiles = [0]
        original = statekeep.Machine

        class Counting(original):  # type: ignore[misc, valid-type]
            def __new__(cls, *args: Any, **kwargs: Any) -> Any:
                compiles[0] += 1
                return original.__new__(cls, *args, **kwargs)

        for module in list(sys.modules.values()):
            if (getattr(module, "__name__", "") or "").startswith("statekeep") and getattr(
                module, "Machine", None
            ) is original:
                module.Machine = Counting
        for _ in range(repeats(size)):
            with tempfile.TemporaryDirectory() as tmp:
                os.environ["STATEKEEP_KEY_DIR"] = str(Path(tmp) / "keys")
                keep = statekeep.open(Path(tmp) / "data")
                try:
                    compiles[0] = 0
                    t = time.perf_counter()
                    deployment = keep.deploy("big", definition)
                    best = min(best, time.perf_counter() - t)
                    assert deployment is not None
                    out["compiles"] = compiles[0]
                finally:
                    keep.close()
        # The Python side of that path, apart: the canonical form the digest is taken over
        # (json.dumps, keys sorted, ASCII) and its sha256, and one more compile.
        body = {
            "id": "big",
            "definition": definition,
            "parent": None,
            "path": [],
            "match": "prefix",
            "landing": "replay",
            "state_map": {},
            "guard_default": True,
        }
        t = time.perf_counter()
        dumped = json.dumps(body, separators=(",", ":"), sort_keys=True).encode()
        out["dumps_s"] = time.perf_counter() - t
        t = time.perf_counter()
        hashlib.sha256(dumped).hexdigest()
        out["sha256_s"] = time.perf_counter() - t
        t = time.perf_counter()
        json.loads(text)
        out["json_loads_s"] = time.perf_counter() - t
        t = time.perf_counter()
        statekeep.Machine(definition)
        out["compile_dict_s"] = time.perf_counter() - t
        out["text_mb"] = round(len(text) / 1e6, 2)
    out["seconds"] = best
    return out


# ----- the driver --------------------------------------------------------------------------------


def run_child(what: str, path: Path, size: int, build: str | None, timeout: float) -> dict[str, Any]:
    env = dict(os.environ)
    if build:
        env["PYTHONPATH"] = build + os.pathsep + env.get("PYTHONPATH", "")
    try:
        done = subprocess.run(
            [sys.executable, __file__, "--child", what, str(path), str(size)],
            env=env,
            capture_output=True,
            text=True,
            timeout=timeout,
        )
    except subprocess.TimeoutExpired:
        return {"error": f"> {timeout:.0f} s (cut off)"}
    if done.returncode != 0:
        last = (done.stderr.strip().splitlines() or ["?"])[-1]
        return {"error": last[:100]}
    result: dict[str, Any] = json.loads(done.stdout.strip().splitlines()[-1])
    return result


def show(result: dict[str, Any], size: int) -> str:
    if "error" in result:
        return result["error"]
    seconds = result["seconds"]
    per_state = seconds / result.get("states", size) * 1e9
    shown = f"{seconds * 1e3:10.1f} ms {per_state:8.0f} ns/state"
    if "cpu_s" in result:
        shown += f" (cpu {result['cpu_s'] / result.get('states', size) * 1e9:6.0f})"
    return shown


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--child", nargs=3)
    parser.add_argument("--sizes", default="10000,100000,1000000")
    parser.add_argument("--shapes", default=",".join(SHAPES))
    parser.add_argument("--what", default="text,dict,deploy")
    parser.add_argument("--before", default=None)
    parser.add_argument("--timeout", type=float, default=120.0)
    parser.add_argument("--json", default=None, help="also write every result to this file")
    args = parser.parse_args()
    if args.child:
        what, path, size = args.child
        print(json.dumps(measure(what, Path(path), int(size))))
        return
    cache = Path(tempfile.gettempdir()) / "statekeep-bench-deploy"
    cache.mkdir(exist_ok=True)
    rows = []
    for shape in args.shapes.split(","):
        for size in [int(s) for s in args.sizes.split(",")]:
            path = text_of(shape, size, cache)
            for what in args.what.split(","):
                after = run_child(what, path, size, None, args.timeout)
                line = f"{shape:<9}{size:>9,} {what:<7}{show(after, size)}"
                row = {"shape": shape, "size": size, "what": what, "after": after}
                if args.before:
                    before = run_child(what, path, size, args.before, args.timeout)
                    row["before"] = before
                    ratio = ""
                    if "error" not in before and "error" not in after:
                        ratio = f"  {before['seconds'] / after['seconds']:7.1f}x"
                    line += f"   before: {show(before, size)}{ratio}"
                if what == "deploy" and "error" not in after:
                    line += (
                        f"   [{after['compiles']} compiles; dumps {after['dumps_s'] * 1e3:.0f} ms, "
                        f"sha256 {after['sha256_s'] * 1e3:.0f} ms, one Machine(dict) {after['compile_dict_s'] * 1e3:.0f} ms, "
                        f"{after['text_mb']} MB]"
                    )
                if what == "gil" and "error" not in after:
                    line += f"   longest pause of a 1 ms ticker: {after['max_pause_s'] * 1e3:.1f} ms"
                    if args.before and "error" not in row["before"]:
                        line += f" (before: {row['before']['max_pause_s'] * 1e3:.1f} ms)"
                print(line, flush=True)
                rows.append(row)
    if args.json:
        Path(args.json).write_text(json.dumps(rows, indent=1))


if __name__ == "__main__":
    main()
