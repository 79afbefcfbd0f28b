// Runs a case through the real XState (5.33.3, pinned by package-lock.json) and records what
// the corpus records: value, status and the actions of the start and of every event.
//
// XState is only a reference while its configuration is one a machine can be in, and while it
// settles. After every microstep the active node list (`snapshot._nodes`) is checked; the first
// step where one is illegal, or where XState gives up on a loop, ends the case there, with the
// reason.

import { readFileSync } from 'node:fs';
import { createActor, createMachine } from 'xstate';

export const XSTATE_VERSION = '5.33.3';
const installed = JSON.parse(readFileSync(new URL('./node_modules/xstate/package.json', import.meta.url), 'utf8')).version;
if (installed !== XSTATE_VERSION) throw new Error(`xstate ${installed} installed, expected ${XSTATE_VERSION}; run npm ci in tools/xstate-fuzz`);

// Microsteps XState may take in one macrostep before the case counts as not terminating.
// statekeep gives up after 10,000. Over 46,000 macrosteps of generated machines that settled,
// none took more than 99 microsteps (all but 3 took fewer than 10), and a looping machine costs
// a hundred times less to detect at 100 than at 10,000.
export const XSTATE_MICROSTEP_LIMIT = 100;

// The child states of each state node (history nodes are not states a configuration holds).
const childStates = new WeakMap();
function childrenOf(n) {
  let children = childStates.get(n);
  if (!children) {
    children = Object.values(n.states).filter((c) => c.type !== 'history');
    childStates.set(n, children);
  }
  return children;
}

// Why a configuration (XState's `_nodes`) is not one a machine can be in, or null.
export function illegality(nodes, root) {
  const active = new Set(nodes);
  if (active.size !== nodes.length) return 'a state is listed twice';
  if (!active.has(root)) return 'the root is not active';
  for (const n of nodes) {
    if (n.type === 'history') return `history state #${n.id} is active`;
    if (n.parent && !active.has(n.parent)) return `#${n.id} is active without its parent #${n.parent.id}`;
    if (n.type === 'compound' || n.type === 'parallel') {
      const children = childrenOf(n);
      let count = 0;
      for (const c of children) if (active.has(c)) count++;
      if (n.type === 'compound' && count !== 1) return `compound #${n.id} has ${count} active children`;
      if (n.type === 'parallel' && count !== children.length) return `parallel #${n.id} has ${count} of ${children.length} regions active`;
    }
  }
  return null;
}

export function nodeIds(nodes) {
  return nodes.map((n) => n.id);
}

// `nextStep(i, activeNodes, status)` returns `{event, guards}` for step i, or null to stop.
// Returns {initial, steps, stop}: `stop` is null, or {at: 'initial' | step index, kind:
// 'illegal' | 'loop' | 'error', detail, nodes} for the first step XState cannot be compared on
// (that step is not in `steps`).
export function runXState(config, guardNames, initialGuards, nextStep) {
  let table = initialGuards;
  const guards = Object.fromEntries(guardNames.map((g) => [g, () => table[g]]));
  let machine;
  try {
    machine = createMachine({ ...config, options: { maxIterations: XSTATE_MICROSTEP_LIMIT } }, { guards });
  } catch (err) {
    return { initial: null, steps: [], stop: { at: 'initial', kind: 'rejected', detail: String(err.message ?? err) } };
  }
  let actions = [];
  // The first illegal configuration a microstep of the current macrostep left (a later
  // microstep of the same macrostep can make it legal again, having acted on it).
  let passedThrough = null;
  let actor;
  const inspect = (ev) => {
    if (ev.type === '@xstate.action' && ev.actorRef === actor && !ev.action.type.startsWith('xstate.')) actions.push(ev.action.type);
    // (The start's microsteps run inside createActor, before `actor` is assigned; a machine
    // here has no child actors, so every microstep is its own.)
    else if (ev.type === '@xstate.microstep' && !passedThrough) {
      const why = illegality(ev.snapshot._nodes, machine.root);
      if (why) passedThrough = { why, nodes: nodeIds(ev.snapshot._nodes) };
    }
  };
  actor = createActor(machine, { inspect });
  // Without an error observer an actor in status "error" rethrows asynchronously.
  actor.subscribe({ error: () => {} });

  const observe = (at) => {
    const s = actor.getSnapshot();
    if (s.status === 'error') {
      const message = String(s.error?.message ?? s.error);
      const kind = message.startsWith('Infinite loop detected') ? 'loop' : 'error';
      return { stop: { at, kind, detail: message.split('\n')[0] } };
    }
    const why = illegality(s._nodes, machine.root);
    if (why) {
      return { stop: { at, kind: 'illegal', detail: why, nodes: nodeIds(s._nodes), value: s.value, status: s.status, actions } };
    }
    if (passedThrough) {
      const detail = `${passedThrough.why}, after a microstep`;
      return { stop: { at, kind: 'illegal', detail, nodes: passedThrough.nodes, value: s.value, status: s.status, actions } };
    }
    return { record: { value: s.value, status: s.status, actions } };
  };

  actor.start();
  const first = observe('initial');
  if (first.stop) return { initial: null, steps: [], stop: first.stop };
  actions = [];
  const steps = [];
  for (let i = 0; ; i++) {
    const snapshot = actor.getSnapshot();
    const step = nextStep(i, snapshot._nodes, snapshot.status);
    if (!step) break;
    table = step.guards;
    passedThrough = null;
    actor.send({ type: step.event });
    const seen = observe(i);
    actions = [];
    if (seen.stop) return { initial: first.record, steps, stop: { ...seen.stop, step } };
    steps.push({ event: step.event, guards: step.guards, ...seen.record });
  }
  actor.stop();
  return { initial: first.record, steps, stop: null };
}
