// A case is a model, the guard table for the start, and steps `{event, guards}`. This module
// makes cases from seeds, runs them through XState, and compares XState's record with
// statekeep's.

import { Rng } from './prng.mjs';
import { generateModel, guardLeanings, drawGuardTable, chooseEvent, drawEventCount } from './generate.mjs';
import { machineConfig, guardNames } from './model.mjs';
import { runXState } from './xstate-side.mjs';

// Events sent after the machine is done: it must ignore them, and two show that.
const EVENTS_AFTER_DONE = 2;

// Generates the machine of `seed` and runs it through XState, choosing each event from the
// states XState has active at that point; the case is a pure function of the seed.
export function caseFromSeed(seed) {
  const rng = new Rng(seed);
  const { model, profile } = generateModel(rng);
  const config = machineConfig(model);
  const names = guardNames(model);
  const leanings = guardLeanings(rng, names);
  const count = drawEventCount(rng);
  const initialGuards = drawGuardTable(rng, leanings);
  let afterDone = 0;
  const xstate = runXState(config, names, initialGuards, (i, active, status) => {
    if (i >= count) return null;
    if (status !== 'active' && ++afterDone > EVENTS_AFTER_DONE) return null;
    return { event: chooseEvent(rng, active), guards: drawGuardTable(rng, leanings) };
  });
  const steps = xstate.steps.map(({ event, guards }) => ({ event, guards }));
  // statekeep must be legal where XState is not, so it takes that step too; where XState
  // loops, statekeep would loop for 10,000 microsteps to say so, and nothing is compared.
  if (xstate.stop?.step && xstate.stop.kind === 'illegal') steps.push(xstate.stop.step);
  return { seed, model, profile, config, initialGuards, steps, xstate };
}

// Runs given steps through XState (for the shrinker and for re-checking recorded cases).
export function runFixed(config, initialGuards, steps) {
  const names = [...new Set([...Object.keys(initialGuards), ...steps.flatMap((s) => Object.keys(s.guards))])];
  return runXState(config, names, initialGuards, (i) => steps[i] ?? null);
}

export function statekeepInput(c) {
  return { machine: c.config, initialGuards: c.initialGuards, steps: c.steps };
}

function sameJson(a, b) {
  if (a === b) return true;
  if (typeof a !== 'object' || typeof b !== 'object' || a === null || b === null) return false;
  if (Array.isArray(a) !== Array.isArray(b)) return false;
  if (Array.isArray(a)) return a.length === b.length && a.every((x, i) => sameJson(x, b[i]));
  const ka = Object.keys(a);
  return ka.length === Object.keys(b).length && ka.every((k) => Object.hasOwn(b, k) && sameJson(a[k], b[k]));
}

// statekeep refuses these on purpose: XState enters a configuration no machine can be in when
// such a transition is taken (tests/regressions/xstate-departures.jsonl).
const DOCUMENTED_REJECTIONS = [/cannot be active together; several targets must lie in different regions of one parallel state/];

export function isDocumentedRejection(message) {
  return DOCUMENTED_REJECTIONS.some((re) => re.test(message));
}

function compareStep(xs, sk, at) {
  if (sk.error) return { kind: 'error', at, statekeep: sk.error, xstate: xs };
  for (const field of ['value', 'status', 'actions']) {
    if (!sameJson(xs[field], sk[field])) return { kind: field, at, statekeep: sk[field], xstate: xs[field] };
  }
  if (sk.legal === false) return { kind: 'statekeep-illegal', at, statekeep: sk.value, xstate: xs.value };
  return null;
}

// Classifies one case: {outcome, diff?} (`statekeep` is null where it was not run). Outcomes
// without a diff: 'same' (every step agrees),
// 'same-until-xstate-stops' (agrees up to the step where XState's result stops being a
// reference), 'both-reject', 'xstate-stops-at-start', 'documented-rejection'.
export function compare(xstate, statekeep) {
  if (statekeep === null) return { outcome: 'xstate-stops-at-start' };
  if (statekeep.inputError) throw new Error(`statekeep-xstate-diff could not read a case: ${statekeep.inputError}`);
  if (statekeep.compileError) {
    if (xstate.stop?.kind === 'rejected') return { outcome: 'both-reject' };
    if (isDocumentedRejection(statekeep.compileError)) return { outcome: 'documented-rejection' };
    return { outcome: 'diff', diff: { kind: 'compile', at: 'initial', statekeep: statekeep.compileError, xstate: xstate.initial } };
  }
  if (xstate.stop?.kind === 'rejected') {
    return { outcome: 'diff', diff: { kind: 'accepted', at: 'initial', statekeep: statekeep.initial, xstate: xstate.stop.detail } };
  }
  if (!xstate.initial) {
    if (statekeep.initial?.legal === false) return { outcome: 'diff', diff: { kind: 'statekeep-illegal', at: 'initial', statekeep: statekeep.initial.value, xstate: xstate.stop } };
    return { outcome: 'xstate-stops-at-start' };
  }
  const first = compareStep(xstate.initial, statekeep.initial, 'initial');
  if (first) return { outcome: 'diff', diff: first };
  for (let i = 0; i < xstate.steps.length; i++) {
    const sk = statekeep.steps[i];
    if (!sk) return { outcome: 'diff', diff: { kind: 'error', at: i, statekeep: 'no result', xstate: xstate.steps[i] } };
    const d = compareStep(xstate.steps[i], sk, i);
    if (d) return { outcome: 'diff', diff: d };
  }
  // Where XState stops being a reference, statekeep must still be in a legal configuration.
  if (xstate.stop && xstate.stop.at !== 'initial') {
    const sk = statekeep.steps[xstate.stop.at];
    if (sk?.legal === false) return { outcome: 'diff', diff: { kind: 'statekeep-illegal', at: xstate.stop.at, statekeep: sk.value, xstate: xstate.stop } };
  }
  return { outcome: xstate.stop ? 'same-until-xstate-stops' : 'same' };
}

// A short, stable name for why XState stopped being a reference (for the counts).
export function stopReason(stop) {
  const detail = stop.detail
    .replace(/#[^\s]+/g, '#…')
    .replace(/\d+ of \d+/g, 'k of n')
    .replace(/has \d+ active/g, 'has k active')
    .replace(/more than \d+ microsteps.*/, 'more than the microstep limit');
  return `${stop.kind}: ${detail}`;
}
