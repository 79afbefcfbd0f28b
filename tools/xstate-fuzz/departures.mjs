// statekeep departs from XState only where XState's own result is a configuration no machine
// can be in. tests/regressions/xstate-departures.jsonl records one case per departure: the
// expected `initial`/`steps` are statekeep's (rust/tests/conformance.rs checks them), and
// `xstateResult` is what XState 5.33.3 does at step `at`, with the reason its configuration is
// illegal. `--verify-departures` re-runs XState and checks that it still does exactly that.
//
// `--scan-illegal` finds the kinds of illegal configuration XState reaches on generated
// machines and shrinks an example of each, for deciding whether a kind is a departure.

import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { caseFromSeed, runFixed, statekeepInput, stopReason, compare } from './cases.mjs';
import { StatekeepRunner } from './statekeep-side.mjs';
import { shrink, size, DEPARTURES } from './shrink.mjs';
import { machineConfig } from './model.mjs';
import { DEPARTURE_CASES } from './departure-cases.mjs';
import { XSTATE_VERSION } from './xstate-side.mjs';


function sameJson(a, b) {
  return JSON.stringify(canonical(a)) === JSON.stringify(canonical(b));
}

function canonical(v) {
  if (Array.isArray(v)) return v.map(canonical);
  if (v && typeof v === 'object') return Object.fromEntries(Object.keys(v).sort().map((k) => [k, canonical(v[k])]));
  return v;
}

function xstateResult(stop) {
  const { at, detail, nodes, value, status, actions } = stop;
  return { at, illegal: detail, nodes, value, status, actions };
}

// Writes tests/regressions/xstate-departures.jsonl from departure-cases.mjs: statekeep's
// results as the expected ones, XState's illegal result beside them.
export async function writeDepartures() {
  const runner = new StatekeepRunner();
  const lines = [];
  for (const d of DEPARTURE_CASES) {
    const xs = runFixed(d.machine, {}, d.steps);
    if (xs.stop?.kind !== 'illegal') throw new Error(`${d.id}: XState stays legal (${JSON.stringify(xs.stop)})`);
    const [sk] = await runner.run([{ machine: d.machine, initialGuards: {}, steps: d.steps }]);
    const head = { id: d.id, xstate: XSTATE_VERSION, description: d.why, machine: d.machine };
    const event = (s) => ({ event: { type: s.event }, guards: s.guards });
    if (sk.compileError) {
      lines.push(JSON.stringify({ ...head, statekeep: { compileError: sk.compileError }, initial: { guards: {} }, steps: d.steps.map(event), xstateResult: xstateResult(xs.stop) }));
      continue;
    }
    const results = [sk.initial, ...sk.steps];
    if (results.length !== d.steps.length + 1 || results.some((r) => r.error || !r.legal)) {
      throw new Error(`${d.id}: statekeep fails or is illegal: ${JSON.stringify(results)}`);
    }
    const plain = ({ value, status, actions }) => ({ value, status, actions });
    const c = compare({ ...xs, stop: null }, sk);
    if (c.outcome === 'diff') throw new Error(`${d.id}: statekeep differs from XState before the departure: ${JSON.stringify(c.diff)}`);
    lines.push(JSON.stringify({
      ...head,
      initial: { guards: {}, ...plain(sk.initial) },
      steps: d.steps.map((s, i) => ({ ...event(s), ...plain(sk.steps[i]) })),
      xstateResult: xstateResult(xs.stop),
    }));
  }
  await runner.close();
  // Cases the fuzzer appended and nobody has pinned in departure-cases.mjs yet stay.
  const ids = new Set(DEPARTURE_CASES.map((d) => d.id));
  const found = existsSync(DEPARTURES) ? readFileSync(DEPARTURES, 'utf8').split('\n').filter((l) => l.trim() && !ids.has(JSON.parse(l).id)) : [];
  writeFileSync(DEPARTURES, `${[...lines, ...found].join('\n')}\n`);
  console.log(`wrote ${lines.length} departures to ${DEPARTURES}`);
  return true;
}

export async function verifyDepartures() {
  const lines = readFileSync(DEPARTURES, 'utf8').split('\n').filter((l) => l.trim());
  let failures = 0;
  for (const line of lines) {
    const c = JSON.parse(line);
    const steps = c.steps.map((s) => ({ event: s.event.type, guards: s.guards }));
    const expected = c.xstateResult;
    const xs = runFixed(c.machine, c.initial.guards, steps);
    const problems = [];
    if (xs.stop?.kind !== 'illegal') problems.push(`XState's configuration stays legal (stop: ${JSON.stringify(xs.stop)})`);
    else {
      if (xs.stop.at !== expected.at) problems.push(`XState is illegal at ${xs.stop.at}, recorded ${expected.at}`);
      if (xs.stop.detail !== expected.illegal) problems.push(`XState's reason is "${xs.stop.detail}", recorded "${expected.illegal}"`);
      for (const field of ['value', 'status', 'actions', 'nodes']) {
        if (!sameJson(xs.stop[field], expected[field])) problems.push(`XState's ${field} ${JSON.stringify(xs.stop[field])} != recorded ${JSON.stringify(expected[field])}`);
      }
    }
    // Before the illegal step both engines agree, so statekeep's record is XState's there
    // (a case found by the fuzzer and not pinned yet records no results).
    if (!c.statekeep?.compileError && xs.initial && c.initial.value !== undefined) {
      const agreed = [xs.initial, ...xs.steps];
      const recorded = [c.initial, ...c.steps];
      agreed.forEach((x, i) => {
        for (const field of ['value', 'status', 'actions']) {
          if (!sameJson(x[field], recorded[i][field])) problems.push(`before the departure, step ${i - 1}: XState's ${field} differs from the record`);
        }
      });
    }
    if (problems.length) failures++;
    console.log(`${problems.length ? 'FAIL' : 'ok  '} ${c.id}: XState ${expected.illegal} at ${expected.at}`);
    for (const p of problems) console.log(`     ${p}`);
  }
  console.log(`${lines.length - failures} of ${lines.length} departures verified against XState`);
  return failures === 0 && lines.length > 0;
}

// The property kept while shrinking an illegal configuration: XState becomes illegal for the
// same reason, and statekeep accepts the machine (or refuses it) as it did at first.
const sameIllegality = (reason, refused) => (xstate, statekeep) => {
  if (xstate.stop?.kind !== 'illegal' || stopReason(xstate.stop) !== reason) return null;
  if (Boolean(statekeep.compileError) !== refused) return null;
  if (!refused) {
    const upTo = xstate.stop.at === 'initial' ? 0 : xstate.stop.at + 1;
    const results = [statekeep.initial, ...statekeep.steps].slice(0, upTo + 1);
    if (results.some((r) => !r || r.error || r.legal === false)) return null;
    if (compare({ ...xstate, stop: null }, statekeep).outcome === 'diff') return null;
  }
  return { at: xstate.stop.at };
};

export async function scanIllegal(first, last, perReason = 2) {
  const runner = new StatekeepRunner();
  const found = {};
  for (let seed = first; seed <= last; seed++) {
    const c = caseFromSeed(seed);
    if (c.xstate.stop?.kind !== 'illegal') continue;
    const reason = stopReason(c.xstate.stop);
    const [sk] = await runner.run([statekeepInput(c)]);
    const key = `${reason} / statekeep ${sk.compileError ? 'refuses' : 'accepts'}`;
    found[key] = (found[key] ?? 0) + 1;
    if (found[key] > perReason) continue;
    const { case: small, result } = await shrink(c, sameIllegality(reason, Boolean(sk.compileError)), runner);
    if (!result) {
      const at = c.xstate.stop.at;
      console.log(`\n== seed ${seed}: ${key}, not shrunk (statekeep differs before, or is not legal there)`);
      console.log(`XState at ${at}: ${JSON.stringify(c.xstate.stop)}`);
      console.log(`statekeep: ${JSON.stringify(at === 'initial' ? sk.initial : sk.steps[at])}`);
      continue;
    }
    const at = result.xstate.stop.at;
    const sk2 = result.statekeep;
    console.log(`\n== seed ${seed}: ${key} (shrunk to ${size(small).nodes} nodes, ${small.steps.length} events)`);
    console.log(`machine: ${JSON.stringify(machineConfig(small.model))}`);
    console.log(`steps: ${JSON.stringify(small.steps)}  initial guards: ${JSON.stringify(small.initialGuards)}`);
    console.log(`XState at ${at}: ${JSON.stringify({ value: result.xstate.stop.value, actions: result.xstate.stop.actions, nodes: result.xstate.stop.nodes })}`);
    const mine = sk2.compileError ?? (at === 'initial' ? sk2.initial : sk2.steps[at]);
    console.log(`statekeep: ${JSON.stringify(mine)}`);
  }
  await runner.close();
  console.log(JSON.stringify(found, null, 2));
  return true;
}
