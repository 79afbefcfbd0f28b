// Shrinking a difference to a small reproducer, and recording it as a regression case.
//
// Greedy: try one edit at a time (drop events, remove a state node with every transition that
// targets it, remove a transition, a candidate, a guard, actions, ids...), run the edited case
// through XState and statekeep again, and keep the edit when the same kind of difference
// remains. Repeat until no edit is kept.

import { appendFileSync, readFileSync, existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { cloneModel, documentOrder, liveChildren, stateChildren, machineConfig } from './model.mjs';
import { compare, runFixed } from './cases.mjs';
import { XSTATE_VERSION } from './xstate-side.mjs';

export const REGRESSIONS = fileURLToPath(new URL('../../tests/regressions/xstate-regressions.jsonl', import.meta.url));
export const DEPARTURES = fileURLToPath(new URL('../../tests/regressions/xstate-departures.jsonl', import.meta.url));

// Every transition list of a live node, with a way to drop it.
function transitionLists(model) {
  const out = [];
  for (const n of documentOrder(model)) {
    const node = model.nodes[n];
    node.on.forEach(([, list], k) => out.push({ n, list, drop: () => node.on.splice(k, 1) }));
    if (node.always) out.push({ n, list: node.always, drop: () => (node.always = null) });
    if (node.onDone) out.push({ n, list: node.onDone, drop: () => (node.onDone = null) });
  }
  return out;
}

function markRemoved(model, n) {
  model.nodes[n].removed = true;
  for (const c of model.nodes[n].children) markRemoved(model, c);
}

// Drops targets that no longer exist, then candidates left without a target, then empty lists.
function pruneDangling(model) {
  const gone = (t) => model.nodes[t.node].removed;
  for (let again = true; again; ) {
    again = false;
    for (const { list, drop } of transitionLists(model)) {
      list.candidates = list.candidates
        .map((c) => (c.targets ? { ...c, targets: c.targets.filter((t) => !gone(t)) } : c))
        .filter((c) => c.targets === null || c.targets.length > 0);
      if (list.candidates.length === 0) {
        drop();
        again = true;
        break;
      }
    }
  }
  for (const n of documentOrder(model)) {
    const node = model.nodes[n];
    if (node.historyTargets) {
      node.historyTargets = node.historyTargets.filter((t) => !gone(t));
      if (!node.historyTargets.length) node.historyTargets = null;
    }
  }
}

function removeNode(model, n) {
  const m = cloneModel(model);
  markRemoved(m, n);
  const parent = m.nodes[n].parent;
  // A state with only history children left is no compound state: they go too.
  if (stateChildren(m, parent).length === 0) for (const h of liveChildren(m, parent)) markRemoved(m, h);
  pruneDangling(m);
  return m;
}

function editModel(model, edit) {
  const m = cloneModel(model);
  edit(m);
  pruneDangling(m);
  return m;
}

// Candidate edits of a case, most reducing first; each is a function returning the edited case.
function edits(c, diffAt) {
  const out = [];
  const withSteps = (steps) => () => ({ ...c, steps });
  const withModel = (f) => () => ({ ...c, model: f() });
  if (typeof diffAt === 'number' && c.steps.length > diffAt + 1) out.push(withSteps(c.steps.slice(0, diffAt + 1)));
  for (let size = c.steps.length >> 1; size >= 1; size >>= 1) {
    for (let start = 0; start + size <= c.steps.length; start += size) {
      out.push(withSteps([...c.steps.slice(0, start), ...c.steps.slice(start + size)]));
    }
  }
  const order = documentOrder(c.model);
  for (const n of order.slice(1)) out.push(withModel(() => removeNode(c.model, n)));
  transitionLists(c.model).forEach((entry, k) => {
    out.push(withModel(() => editModel(c.model, (m) => transitionLists(m)[k].drop())));
    entry.list.candidates.forEach((cand, j) => {
      const onCandidate = (f) => withModel(() => editModel(c.model, (m) => f(transitionLists(m)[k].list, j)));
      if (entry.list.candidates.length > 1) out.push(onCandidate((list) => list.candidates.splice(j, 1)));
      if (cand.guard) out.push(onCandidate((list) => (list.candidates[j].guard = null)));
      if (cand.actions.length) out.push(onCandidate((list) => (list.candidates[j].actions = [])));
      if (cand.reenter !== undefined) out.push(onCandidate((list) => (list.candidates[j].reenter = undefined)));
      if (cand.targets?.length > 1) {
        cand.targets.forEach((_, t) => out.push(onCandidate((list) => list.candidates[j].targets.splice(t, 1))));
      }
      if (cand.targets) out.push(onCandidate((list) => (list.candidates[j].targets = null)));
    });
  });
  for (const n of order) {
    const node = c.model.nodes[n];
    const onNode = (f) => withModel(() => editModel(c.model, (m) => f(m.nodes[n])));
    if (node.entry.length) out.push(onNode((x) => (x.entry = [])));
    if (node.exit.length) out.push(onNode((x) => (x.exit = [])));
    if (node.customId) out.push(onNode((x) => (x.customId = null)));
    if (node.historyTargets) out.push(onNode((x) => (x.historyTargets = null)));
    if (node.history) out.push(onNode((x) => (x.history = null)));
  }
  return out;
}

export function size(c) {
  const m = c.model;
  let transitions = 0;
  for (const { list } of transitionLists(m)) transitions += list.candidates.length;
  return { nodes: documentOrder(m).length, transitions, steps: c.steps.length };
}

// Runs a case on both sides; `keep(xstate, statekeep)` says whether the property being shrunk
// still holds, returning what to remember about it (with `at`, the step it shows at) or null.
async function runBoth(c, keep, runner) {
  const config = machineConfig(c.model);
  const xstate = runFixed(config, c.initialGuards, c.steps);
  const [statekeep] = await runner.run([{ machine: config, initialGuards: c.initialGuards, steps: c.steps }]);
  const kept = keep(xstate, statekeep);
  return kept ? { xstate, statekeep, ...kept } : null;
}

export const sameDifference = (kind) => (xstate, statekeep) => {
  const r = compare(xstate, statekeep);
  return r.outcome === 'diff' && r.diff.kind === kind ? { diff: r.diff, at: r.diff.at } : null;
};

export async function shrink(start, keep, runner) {
  let best = { model: cloneModel(start.model), initialGuards: start.initialGuards, steps: start.steps };
  let result = await runBoth(best, keep, runner);
  if (!result) return { case: best, result: null, tries: 0 };
  let tries = 0;
  for (let progress = true; progress; ) {
    progress = false;
    const list = edits(best, result.at);
    for (let i = 0; i < list.length; i++) {
      const candidate = list[i]();
      tries++;
      const r = await runBoth(candidate, keep, runner);
      if (r) {
        best = candidate;
        result = r;
        progress = true;
        break;
      }
    }
  }
  return { case: best, result, tries };
}

function guardTable(table, names) {
  return Object.fromEntries(names.map((g) => [g, table[g] ?? true]));
}

// The corpus line for a case, with XState's record (key order: the corpus's).
export function corpusLine({ id, seed, description, config, initialGuards, steps, xstate }) {
  const names = referencedGuards(config);
  const initial = { guards: guardTable(initialGuards, names), ...xstate.initial };
  const recorded = xstate.steps.map((s, i) => ({ event: { type: steps[i].event }, guards: guardTable(steps[i].guards, names), value: s.value, status: s.status, actions: s.actions }));
  return JSON.stringify({ id, seed, xstate: XSTATE_VERSION, description, machine: config, initial, steps: recorded });
}

// A departure line without statekeep's results: XState's illegal result at `stop.at`, and the
// steps up to it; the conformance test asks statekeep for a legal configuration after each.
function departureLine({ id, seed, before, after, config, initialGuards, steps, stop }) {
  const names = referencedGuards(config);
  const upTo = stop.at === 'initial' ? 0 : stop.at + 1;
  const description = `Found by tools/xstate-fuzz, shrunk from ${before.nodes} to ${after.nodes} state nodes: XState ends ${stop.at === 'initial' ? 'the start' : `step ${stop.at} (${steps[stop.at].event})`} in an illegal configuration (${stop.detail}) and statekeep in an illegal one too. Once statekeep's result is legal, pin it in tools/xstate-fuzz/departure-cases.mjs.`;
  return JSON.stringify({
    id, seed, xstate: XSTATE_VERSION, description, machine: config,
    initial: { guards: guardTable(initialGuards, names) },
    steps: steps.slice(0, upTo).map((s) => ({ event: { type: s.event }, guards: guardTable(s.guards, names) })),
    xstateResult: { at: stop.at, illegal: stop.detail, nodes: stop.nodes, value: stop.value, status: stop.status, actions: stop.actions },
  });
}

export function referencedGuards(config) {
  const names = new Set();
  const visitList = (list) => {
    for (const c of [list].flat()) if (c && typeof c === 'object' && c.guard) names.add(c.guard);
  };
  const visit = (node) => {
    for (const list of Object.values(node.on ?? {})) visitList(list);
    if (node.always) visitList(node.always);
    if (node.onDone) visitList(node.onDone);
    for (const child of Object.values(node.states ?? {})) visit(child);
  };
  visit(config);
  return [...names].sort();
}

function freshId(base) {
  const taken = new Set();
  for (const file of [REGRESSIONS, DEPARTURES]) {
    if (!existsSync(file)) continue;
    for (const line of readFileSync(file, 'utf8').split('\n')) if (line.trim()) taken.add(JSON.parse(line).id);
  }
  let id = base;
  for (let k = 2; taken.has(id); k++) id = `${base}-${k}`;
  return id;
}

function describe(diff, steps, before, after) {
  const where = diff.at === 'initial' ? 'at the start' : `at step ${diff.at} (${steps[diff.at].event})`;
  return `Found by tools/xstate-fuzz, shrunk from ${before.nodes} to ${after.nodes} state nodes and ${before.steps} to ${after.steps} events: ${where} statekeep's ${diff.kind} is ${JSON.stringify(diff.statekeep)}, XState's ${JSON.stringify(diff.xstate)}.`;
}

// Shrinks the difference found on case `c`, prints the reproducer and (with `write`) appends it
// to tests/regressions/xstate-regressions.jsonl, where rust/tests/conformance.rs keeps it.
export async function shrinkAndRecord(c, diff, runner, { write }) {
  const before = size(c);
  const { case: small, result, tries } = await shrink(c, sameDifference(diff.kind), runner);
  if (!result) {
    console.log('  the difference did not reproduce with fixed events; not recorded');
    return { id: null };
  }
  const after = size(small);
  const config = machineConfig(small.model);
  const id = freshId(`fuzz-${c.seed}`);
  // Where XState is illegal too there is no XState result to record: the case goes with the
  // departures, asking only for a legal configuration until statekeep's results are pinned.
  const illegal = result.diff.kind === 'statekeep-illegal';
  const line = illegal
    ? departureLine({ id, seed: c.seed, before, after, config, initialGuards: small.initialGuards, steps: small.steps, stop: result.xstate.stop })
    : corpusLine({
        id, seed: c.seed, description: describe(result.diff, small.steps, before, after),
        config, initialGuards: small.initialGuards, steps: small.steps, xstate: result.xstate,
      });
  const file = illegal ? DEPARTURES : REGRESSIONS;
  console.log(`  shrunk in ${tries} tries to ${after.nodes} state nodes, ${after.transitions} transitions, ${after.steps} events:`);
  console.log(line);
  if (write) {
    appendFileSync(file, `${line}\n`);
    console.log(`  recorded as ${id} in tests/regressions/${file.split('/').pop()}`);
  }
  return { id };
}
