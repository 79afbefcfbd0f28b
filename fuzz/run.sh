#!/usr/bin/env bash
# Build every fuzz target of the core and run each for FUZZ_SECONDS (default 30); any crash,
# timeout or memory blow-up fails. `make fuzz-core` runs this; see README.md.
#   FUZZ_SECONDS   the time per target
#   FUZZ_TARGETS   the targets to run (default: all three)
#   FUZZ_FEATURES  cargo features of the fuzz crate
set -euo pipefail
cd "$(dirname "$0")"

seconds=${FUZZ_SECONDS:-30}
targets=${FUZZ_TARGETS:-compile step actor_bytes}
# The stable toolchain, without a sanitizer (cargo-fuzz would need nightly for one): the core
# has no unsafe code, and the targets bound memory with their own allocator (src/alloc.rs).
flags=(--sanitizer none --debug-assertions)
if [ -n "${FUZZ_FEATURES:-}" ]; then
  flags+=(--features "$FUZZ_FEATURES")
fi

cargo fuzz --version
cargo fuzz build "${flags[@]}"
log=$(mktemp)
trap 'rm -f "$log"' EXIT
for t in $targets; do
  mkdir -p "corpus/$t" "seeds/$t"
  extra=()
  if [ -f "$t.dict" ]; then
    extra+=("-dict=$t.dict")
  fi
  echo "== fuzz target $t, ${seconds}s"
  # corpus/ (ignored by git) takes what the run finds; seeds/ (committed) is read only.
  if ! cargo fuzz run "${flags[@]}" "$t" "corpus/$t" "seeds/$t" -- \
      -max_total_time="$seconds" -timeout=20 -rss_limit_mb=2048 -print_final_stats=1 "${extra[@]}" >"$log" 2>&1; then
    # The log's end without progress lines and backtrace locations, then what went wrong.
    { grep -v -E '^#[0-9]+[[:space:]]+(NEW|REDUCE|pulse)|# Uses:|^[[:space:]]+at ' "$log" || true; } | tail -n 60
    echo "-- what failed:"
    { grep -E -A3 'panicked at|==statekeep-fuzz==|ERROR: libFuzzer|Error: ' "$log" || true; } | head -n 40
    for crash in artifacts/"$t"/*; do
      [ -f "$crash" ] || continue
      echo "-- $crash, base64 (reproduce: base64 -d > input; cargo fuzz run ${flags[*]} $t input):"
      head -c 4096 "$crash" | base64 -w 0
      echo
    done
    echo "fuzz target $t FAILED"
    exit 1
  fi
  grep -E '^#[0-9]+[[:space:]]+DONE' "$log" | tail -n 1
  grep '^stat::' "$log"
done
echo "fuzz targets passed: $targets (${seconds}s each)"
