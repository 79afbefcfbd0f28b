#!/usr/bin/env bash
# The side-by-side run: statekeep's Rust core (criterion), its Python binding (per call) and
# XState 5.33.3's transition(), on the same 1,500 cases and 16,287 events, one after the other
# on this machine. Needs cargo, node/npm and the venv that `make develop` makes.
set -euo pipefail
cd "$(dirname "$0")/.."
VENV=${VENV:-.venv}
export VIRTUAL_ENV="$(cd "$VENV" && pwd)"

cargo bench -p statekeep-core --bench stepper -- --noplot >/tmp/statekeep-criterion.log 2>&1
"$VENV/bin/maturin" develop --release --quiet >/dev/null
python_line=$("$VENV/bin/python" benches/bench_python.py)
(cd benches/xstate && npm ci --silent >/dev/null)
xstate_line=$(cd benches/xstate && node bench.mjs)

"$VENV/bin/python" - "$python_line" "$xstate_line" <<'PY'
import json, sys
from pathlib import Path

python, xstate = json.loads(sys.argv[1]), json.loads(sys.argv[2])
def estimate(name):
    data = json.loads(Path(f"target/criterion/{name}/new/estimates.json").read_text())
    return data["mean"]["point_estimate"]  # nanoseconds per iteration
steps = xstate["steps_per_pass"]
rust = steps / (estimate("corpus/transition") * 1e-9)
compile_ms = estimate("compile/10k_states") / 1e6
rows = [
    ("XState 5.33.3 transition()", xstate["steps_per_second"], 1.0),
    ("statekeep Rust core", rust, rust / xstate["steps_per_second"]),
    ("statekeep Python binding", python["steps_per_second"], python["steps_per_second"] / xstate["steps_per_second"]),
]
print(f"{'engine':<30}{'steps/s':>14}{'ns/step':>10}{'vs XState':>11}")
for name, rate, ratio in rows:
    print(f"{name:<30}{rate:>14,.0f}{1e9 / rate:>10,.0f}{ratio:>10.1f}x")
print(f"(XState through an actor, for reference: {xstate['actor_steps_per_second']:,} steps/s)")
print(f"compile a 10,101-state definition: {compile_ms:.1f} ms")
PY
