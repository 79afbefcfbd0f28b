// XState side of the statekeep throughput benchmark.
// Usage: node bench.mjs [corpus.jsonl] [passes]
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';
import { createActor, createMachine, initialTransition, transition } from 'xstate';

const XSTATE_VERSION = '5.33.3';
const TARGET_SECONDS = 3;
const WARMUP_PASSES = 2;

const installed = createRequire(import.meta.url)('xstate/package.json').version;
if (installed !== XSTATE_VERSION) {
  throw new Error(`expected xstate ${XSTATE_VERSION}, found ${installed}; run npm ci`);
}

const corpusPath =
  process.argv[2] ??
  fileURLToPath(new URL('../../tests/conformance/xstate-public.jsonl', import.meta.url));
const passesArg = process.argv[3] === undefined ? undefined : Number(process.argv[3]);
if (passesArg !== undefined && !(Number.isInteger(passesArg) && passesArg > 0)) {
  throw new Error(`passes must be a positive integer, got ${process.argv[3]}`);
}

// The package's export map picks the development build only under the
// "development" condition; record which file was actually loaded so a
// dev-build run can never be mistaken for a fair one.
const build = import.meta.resolve('xstate').includes('.development.') ? 'development' : 'production';

// Every guard reads from this binding, so switching the outcome table per
// step is a pointer swap instead of re-creating the machine.
let table = {};

function collectGuards(node, out) {
  if (Array.isArray(node)) {
    for (const x of node) collectGuards(x, out);
  } else if (node !== null && typeof node === 'object') {
    for (const [k, v] of Object.entries(node)) {
      if (k === 'guard' && typeof v === 'string') out.add(v);
      else collectGuards(v, out);
    }
  }
}

function loadCase(line) {
  const c = JSON.parse(line);
  const names = new Set(Object.keys(c.initial.guards));
  collectGuards(c.machine, names);
  for (const s of c.steps) for (const g of Object.keys(s.guards)) names.add(g);
  const guards = {};
  for (const name of names) guards[name] = () => table[name] === true;
  return {
    id: c.id,
    machine: createMachine(c.machine).provide({ guards }),
    initial: c.initial,
    steps: c.steps,
    initSnapshot: null,
  };
}

function deepEqual(a, b) {
  if (a === b) return true;
  if (typeof a !== 'object' || typeof b !== 'object' || a === null || b === null) return false;
  if (Array.isArray(a) !== Array.isArray(b)) return false;
  const ka = Object.keys(a);
  if (ka.length !== Object.keys(b).length) return false;
  return ka.every((k) => Object.hasOwn(b, k) && deepEqual(a[k], b[k]));
}

const cases = readFileSync(corpusPath, 'utf8')
  .split('\n')
  .filter((l) => l.trim() !== '')
  .map(loadCase);
const stepsPerPass = cases.reduce((n, c) => n + c.steps.length, 0);

// The corpus was recorded through an actor, which ignores events once its
// snapshot is no longer 'active'. The pure transition() has no such check (it
// would keep taking transitions out of a 'done' snapshot), so the driver
// applies it, exactly as Actor does.
const ignores = (snap) => snap.status !== 'active';

let mismatches = 0;
let actionMismatches = 0;
const mismatchSamples = [];
function check(c, where, snap, actionNames, rec) {
  const stateOk = deepEqual(snap.value, rec.value) && snap.status === rec.status;
  const actionsOk = actionNames === null || deepEqual(actionNames, rec.actions);
  if (!stateOk) mismatches++;
  if (!actionsOk) actionMismatches++;
  if ((!stateOk || !actionsOk) && mismatchSamples.length < 5) {
    mismatchSamples.push({
      id: c.id,
      where,
      got: [snap.value, snap.status, actionNames],
      want: [rec.value, rec.status, rec.actions],
    });
  }
}

// Verification pass over the pure API (value, status and action names); it
// also caches each case's initial snapshot (snapshots are immutable) so the
// timed loop contains transition() calls only.
let transitionCallsPerPass = 0;
for (const c of cases) {
  table = c.initial.guards;
  let [snap, actions] = initialTransition(c.machine);
  c.initSnapshot = snap;
  check(c, 'initial', snap, actions.map((a) => a.type), c.initial);
  for (let i = 0; i < c.steps.length; i++) {
    const step = c.steps[i];
    if (ignores(snap)) {
      actions = [];
    } else {
      table = step.guards;
      [snap, actions] = transition(c.machine, snap, step.event);
      transitionCallsPerPass++;
    }
    check(c, `step ${i}`, snap, actions.map((a) => a.type), step);
  }
}

function startActors() {
  return cases.map((c) => {
    table = c.initial.guards;
    return createActor(c.machine).start();
  });
}

// Same check for the actor API (value and status only: an actor executes its
// actions instead of returning them).
{
  const actors = startActors();
  cases.forEach((c, k) => {
    check(c, 'actor initial', actors[k].getSnapshot(), null, c.initial);
    c.steps.forEach((step, i) => {
      table = step.guards;
      actors[k].send(step.event);
      check(c, `actor step ${i}`, actors[k].getSnapshot(), null, step);
    });
  });
}

// Consumed into the output so the JIT cannot discard results.
let sink = 0;

function stepPass() {
  for (const c of cases) {
    let snap = c.initSnapshot;
    const steps = c.steps;
    for (let i = 0; i < steps.length; i++) {
      if (ignores(snap)) continue;
      const step = steps[i];
      table = step.guards;
      const r = transition(c.machine, snap, step.event);
      snap = r[0];
      sink += r[1].length;
    }
  }
}

function initPass() {
  for (const c of cases) {
    table = c.initial.guards;
    sink += initialTransition(c.machine)[1].length;
  }
}

// Actors cannot be rewound, so each pass starts fresh ones outside the timer.
function actorPass() {
  const actors = startActors();
  const t0 = process.hrtime.bigint();
  for (let k = 0; k < cases.length; k++) {
    const actor = actors[k];
    const steps = cases[k].steps;
    for (let i = 0; i < steps.length; i++) {
      const step = steps[i];
      table = step.guards;
      actor.send(step.event);
    }
    sink += actor.getSnapshot().status.length;
  }
  return Number(process.hrtime.bigint() - t0) / 1e9;
}

function timeIt(fn, passes) {
  const t0 = process.hrtime.bigint();
  for (let p = 0; p < passes; p++) fn();
  return Number(process.hrtime.bigint() - t0) / 1e9;
}

let warmupSeconds = 0;
for (let p = 0; p < WARMUP_PASSES; p++) {
  warmupSeconds = timeIt(stepPass, 1);
  initPass();
  actorPass();
}

const passes = passesArg ?? Math.max(1, Math.ceil(TARGET_SECONDS / warmupSeconds));
const seconds = timeIt(stepPass, passes);

// Secondary figures, not counted as steps: initialTransition() per case, and
// the same event stream through actor.send().
const initPasses = Math.max(1, Math.ceil(passes / 4));
const initSeconds = timeIt(initPass, initPasses);
let actorSeconds = 0;
for (let p = 0; p < passes; p++) actorSeconds += actorPass();

const nsPer = (secs, n) => Number(((secs * 1e9) / n).toFixed(1));
const out = {
  engine: 'xstate',
  version: XSTATE_VERSION,
  node: process.version,
  build,
  cases: cases.length,
  steps_per_pass: stepsPerPass,
  passes,
  seconds: Number(seconds.toFixed(6)),
  steps_per_second: Math.round((stepsPerPass * passes) / seconds),
  ns_per_step: nsPer(seconds, stepsPerPass * passes),
  mismatches,
  action_mismatches: actionMismatches,
  transition_calls_per_pass: transitionCallsPerPass,
  ns_per_transition_call: nsPer(seconds, transitionCallsPerPass * passes),
  ns_per_initial_transition: nsPer(initSeconds, cases.length * initPasses),
  actor_steps_per_second: Math.round((stepsPerPass * passes) / actorSeconds),
  actor_ns_per_step: nsPer(actorSeconds, stepsPerPass * passes),
  sink,
};
if (mismatches + actionMismatches > 0) out.mismatch_samples = mismatchSamples;
console.log(JSON.stringify(out));
