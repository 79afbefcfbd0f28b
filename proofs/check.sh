#!/usr/bin/env bash
# Model-check proofs/atomic_deployments.pml with spin, exhaustively.
#
#   proofs/check.sh            the model (2 actors, |H| <= 3, 6 deployments), then its
#                              validation: every mutation must be caught and every probe
#                              reached, or the model would be proving nothing
#   proofs/check.sh --quick    the model only
#   proofs/check.sh --big      also 3 actors with |H| <= 2 (about 4 minutes, 5 GB of RAM)
#
# Needs only spin and gcc (Debian: apt-get install -y spin gcc). Exits non-zero on any
# error, assertion violation, invalid end state, truncated search or missing result.
set -euo pipefail

quick=0 big=0
for arg in "$@"; do
  case "$arg" in
    --quick) quick=1 ;;
    --big) big=1 ;;
    *) echo "usage: $0 [--quick] [--big]" >&2; exit 2 ;;
  esac
done

for tool in spin gcc; do
  command -v "$tool" >/dev/null || { echo "check.sh: $tool is not installed (apt-get install -y spin gcc)" >&2; exit 2; }
done

here=$(cd "$(dirname "$0")" && pwd)
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
cp "$here/atomic_deployments.pml" "$work/model.pml"
cd "$work"

fail() { echo "check.sh: FAIL: $*" >&2; exit 1; }

# build <spin -D flags...>: generate and compile the verifier; optimise only the long runs
build() {
  local opt=$1; shift
  rm -f pan pan.* model.pml.trail
  spin "$@" -a model.pml >spin.log 2>&1 || { cat spin.log >&2; fail "spin -a $*"; }
  # -w: gcc's bounds warnings on pan's generated undo code are noise
  gcc "$opt" -DSAFETY -DCOLLAPSE -w -o pan pan.c || fail "gcc $*"
}

# exhaustive <label> <spin -D flags...>: a full search that must find nothing
exhaustive() {
  local label=$1; shift
  build -O2 "$@"
  local t0=$SECONDS
  ./pan -m100000 >pan.out 2>&1 || true
  local wall=$((SECONDS - t0))
  grep -q "Full statespace search for" pan.out || { cat pan.out >&2; fail "$label: not a full state-space search"; }
  grep -q "errors: 0$" pan.out || { cat pan.out >&2; fail "$label: spin reports errors"; }
  ! grep -qE "^pan:[0-9]+: |assertion violated|max search depth too small|out of memory" pan.out \
    || { cat pan.out >&2; fail "$label: violation or truncated search"; }
  local states transitions depth secs
  states=$(awk '/states, stored/ {print $1; exit}' pan.out)
  transitions=$(awk '/transitions \(= stored\+matched\)/ {print $1; exit}' pan.out)
  depth=$(sed -n 's/.*depth reached \([0-9]*\),.*/\1/p' pan.out | head -1)
  secs=$(sed -n 's/^pan: elapsed time \([0-9.e+]*\) seconds.*/\1/p' pan.out | head -1)
  [ -n "$states" ] && [ -n "$depth" ] || { cat pan.out >&2; fail "$label: no statistics"; }
  echo "spin $label: exhaustive, 0 errors, $states states stored, $transitions transitions, depth $depth, ${secs:-$wall} s search"
}

# must_fail <label> <spin -D flags...>: spin must find an assertion violation
must_fail() {
  local label=$1; shift
  build -O0 "$@"
  ./pan -m100000 >pan.out 2>&1 || true
  grep -q "assertion violated" pan.out && grep -qE "errors: [1-9]" pan.out \
    || { cat pan.out >&2; fail "$label: expected a violation, spin found none"; }
}

exhaustive "model (2 actors, |H| <= 3, 6 deployments)"

if [ "$quick" = 0 ]; then
  mutations="MUT_ONEGO MUT_NOCATCHUP MUT_FPONLY"
  for m in $mutations; do must_fail "mutation $m" -D"$m"; done
  probes=$(grep -cE '^#(el)?if PROBE == [0-9]+' model.pml)
  [ "$probes" -gt 0 ] || fail "no probes found in the model"
  for n in $(seq 1 "$probes"); do must_fail "probe $n" -DPROBE="$n"; done
  echo "validation: $(echo $mutations | wc -w) of $(echo $mutations | wc -w) mutations caught, $probes of $probes probes reached"
fi

if [ "$big" = 1 ]; then
  exhaustive "model (3 actors, |H| <= 2, 6 deployments)" -DNA=3 -DNE=2
fi
