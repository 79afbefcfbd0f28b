#!/usr/bin/env bash
# Check the Coq development proofs/coq/RoutingLaw.v (Coq 8.16; Debian: apt-get install -y coq).
# Fails if coqc rejects it, if it contains an admitted proof or an axiom, or if a main
# theorem depends on anything beyond its stated hypotheses.
set -euo pipefail
command -v coqc >/dev/null || { echo "coq/check.sh: coqc is not installed (apt-get install -y coq)" >&2; exit 2; }
here=$(cd "$(dirname "$0")" && pwd)
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
cp "$here/RoutingLaw.v" "$work/"
cd "$work"

if grep -nE '\b(Admitted|admit|Axiom|Parameter|Conjecture)\b' RoutingLaw.v; then
  echo "coq/check.sh: FAIL: an unproved statement is left in RoutingLaw.v" >&2; exit 1
fi

t0=$(date +%s%N)
coqc -Q . "" RoutingLaw.v

theorems="prefix_match_depends_on_prefix_only prefix_exact_agree_at_length collision_safety
filter_is_exact atomic_deployments scans_are_invisible cascade_terminates due_sets_are_due exactly_once"
{
  echo 'Require Import RoutingLaw.'
  for t in $theorems; do echo "Print Assumptions $t."; done
} > Assumptions.v
coqc -Q . "" Assumptions.v > assumptions.out
closed=$(grep -c "Closed under the global context" assumptions.out || true)
n=$(echo $theorems | wc -w)
if [ "$closed" != "$n" ]; then
  cat assumptions.out >&2
  echo "coq/check.sh: FAIL: $((n - closed)) theorem(s) rest on axioms" >&2; exit 1
fi
ms=$(( ($(date +%s%N) - t0) / 1000000 ))
printf 'coq %s: RoutingLaw.v checked, %d theorems closed under the global context, %d.%01d s\n' \
  "$(coqc --print-version | cut -d' ' -f1)" "$n" $((ms / 1000)) $((ms % 1000 / 100))
