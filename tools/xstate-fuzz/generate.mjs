// Random XState v5 machines in the corpus's config subset (see the conformance README, "Config
// subset used" and "Targets"), wider than the corpus: up to 60 state nodes and depth 6, parallel
// inside parallel, shallow and deep history with and without default targets, multi-targets,
// `reenter`, wildcards and partial wildcards, `always` and `onDone` chains, forbidden
// transitions and guarded candidate lists.
//
// Each machine draws its own profile (how much parallelism, history, eventless transitions...),
// so a run covers small plain machines as well as dense ones.

import { MACHINE_ID, documentOrder, isDescendant, ancestors, nodeLabel, stateChildren, liveChildren } from './model.mjs';

export const MAX_NODES = 60;
export const MAX_DEPTH = 6;

// Event types a machine handles exactly, and the wildcard descriptors it may use.
export const EXACT_EVENTS = ['A', 'B', 'C', 'D', 'E', 'F', 'ev', 'ev.a', 'ev.b', 'ev.a.x'];
export const WILDCARDS = ['*', 'ev.*', 'ev.a.*'];
// An event no machine names: only wildcards can take it.
export const STRAY_EVENT = 'Z';

function letters(i) {
  let s = '';
  do {
    s = String.fromCharCode(97 + (i % 26)) + s;
    i = Math.floor(i / 26) - 1;
  } while (i >= 0);
  return s;
}

function drawProfile(rng) {
  return {
    size: 2 + Math.floor((MAX_NODES - 1) * rng.next() ** 1.5),
    maxDepth: rng.int(1, MAX_DEPTH),
    rootParallel: rng.chance(0.3),
    parallel: rng.pick([0, 0.08, 0.15, 0.3]),
    compound: rng.pick([0.15, 0.25, 0.4]),
    history: rng.pick([0, 0.04, 0.1, 0.2]),
    final: rng.pick([0.03, 0.1, 0.2]),
    on: rng.pick([0.3, 0.6, 0.9]),
    always: rng.pick([0, 0.05, 0.12, 0.25]),
    onDone: rng.pick([0, 0.2, 0.5]),
    wildcard: rng.pick([0, 0.08, 0.2]),
    multi: rng.pick([0, 0.05, 0.15]),
    reenter: rng.pick([0, 0.15, 0.35]),
    targetless: rng.pick([0.05, 0.15, 0.3]),
    customId: rng.pick([0, 0.1, 0.3]),
    actions: rng.pick([0.2, 0.5, 0.8]),
    guards: rng.int(0, 6),
    // Several targets in one region (or a history state beside its parallel parent's other
    // regions): XState enters an impossible configuration and statekeep refuses the machine.
    // Rare, so that those departures stay exercised without costing many machines.
    incompatibleMulti: rng.chance(0.01) ? 0.5 : 0,
  };
}

function newNode(key, parent, kind) {
  return {
    key, parent, kind, children: [], removed: false, customId: null, initial: null,
    history: null, historyTargets: null, entry: [], exit: [], entryArray: false, exitArray: false,
    on: [], always: null, onDone: null,
  };
}

function depthOf(model, n) {
  return ancestors(model, n).length;
}

function growTree(rng, p) {
  const model = { root: 0, nodes: [newNode(MACHINE_ID, null, p.rootParallel ? 'parallel' : 'state')] };
  const containers = [0];
  const add = (parent, kind) => {
    const ix = model.nodes.length;
    const siblings = model.nodes[parent].children.length;
    model.nodes.push(newNode(letters(siblings), parent, kind));
    model.nodes[parent].children.push(ix);
    return ix;
  };
  while (model.nodes.length < p.size && containers.length) {
    const parent = rng.pick(containers);
    const depth = depthOf(model, parent) + 1;
    const canNest = depth < p.maxDepth;
    const k = rng.weighted([1, canNest ? p.compound : 0, canNest ? p.parallel : 0, p.final, parent === 0 && rng.chance(0.5) ? 0 : p.history]);
    const kind = ['state', 'state', 'parallel', 'final', 'history'][k];
    const child = add(parent, kind);
    if (k === 1 || k === 2) containers.push(child);
  }
  // A compound state needs a state child (a history child is not one); parallel states mostly get
  // at least two regions.
  for (const n of documentOrder(model)) {
    const node = model.nodes[n];
    if (node.kind === 'history' || node.kind === 'final') continue;
    if (liveChildren(model, n).length === 0) continue;
    if (stateChildren(model, n).length === 0) add(n, 'state');
    if (node.kind === 'parallel' && stateChildren(model, n).length < 2 && model.nodes.length < MAX_NODES && rng.chance(0.8)) add(n, 'state');
  }
  return model;
}

// A target among `order` (any node, the root too, now and then), nearby nodes more often:
// siblings and their descendants, the source's own descendants, the source itself.
function pickTarget(rng, model, order, source, p) {
  const parent = model.nodes[source].parent;
  const below = (a) => order.filter((n) => isDescendant(model, n, a));
  const choice = rng.weighted([35, 15, 10, 30, p.history > 0 ? 10 : 0]);
  let pool = [];
  if (choice === 0 && parent !== null) pool = below(parent);
  else if (choice === 1) pool = below(source);
  else if (choice === 2 && order.includes(source)) pool = [source];
  else if (choice === 4) pool = order.filter((n) => model.nodes[n].kind === 'history');
  else if (rng.chance(0.05)) pool = [model.root];
  if (!pool.length) pool = order;
  return pool.length ? withForm(rng, model, rng.pick(pool)) : null;
}

function withForm(rng, model, node) {
  const form = rng.pick(['sibling', 'sibling', 'child', 'id', 'idpath']);
  const target = { node, form };
  if (form === 'idpath') {
    const above = ancestors(model, node);
    if (above.length) target.via = rng.pick(above);
  }
  return target;
}

// A target in a later part of the document, below a compound state that also holds the source:
// eventless and done transitions that move forward like that settle. Two kinds loop and are
// left to the few targets drawn anywhere (the machines that then loop are counted and skipped):
// a target across regions of a parallel state (the domain is the parallel state, so every
// region, the source's too, is entered again and its transition fires again), and a final
// state below the source (entering it queues a done event each time, and after a done event
// eventless transitions are selected again).
function pickForwardTarget(rng, model, order, source, p) {
  if (rng.chance(0.01)) return pickTarget(rng, model, order, source, p);
  const at = order.indexOf(source);
  const commonCompound = (n) => {
    for (const a of ancestors(model, source)) if (isDescendant(model, n, a)) return model.nodes[a].kind === 'state';
    return false;
  };
  const later = order
    .slice(at + 1)
    .filter((n) => model.nodes[n].kind !== 'history' || rng.chance(0.3))
    .filter((n) => !isDescendant(model, n, source) || (model.nodes[n].kind !== 'final' && rng.chance(0.2)))
    .filter((n) => isDescendant(model, n, source) || commonCompound(n));
  if (!later.length) return null;
  return withForm(rng, model, rng.pick(later));
}

// Nodes of the subtree of `region` (itself included) that can be a target there.
function regionTargets(model, order, region) {
  return order.filter((n) => n === region || isDescendant(model, n, region));
}

function pickMultiTarget(rng, model, order, p) {
  const parallels = order.filter((n) => model.nodes[n].kind === 'parallel' && stateChildren(model, n).length >= 2);
  if (!parallels.length) return null;
  const par = rng.pick(parallels);
  const regions = stateChildren(model, par).filter((r) => regionTargets(model, order, r).length > 0);
  if (regions.length < 2) return null;
  if (rng.chance(p.incompatibleMulti)) {
    const region = rng.pick(regions);
    const inRegion = regionTargets(model, order, region);
    const historyHere = liveChildren(model, par).filter((c) => model.nodes[c].kind === 'history');
    const first = historyHere.length && rng.chance(0.5) ? rng.pick(historyHere) : rng.pick(inRegion);
    return [withForm(rng, model, first), withForm(rng, model, rng.pick(inRegion))];
  }
  const count = rng.int(2, Math.min(3, regions.length));
  const chosen = [];
  const pool = [...regions];
  for (let i = 0; i < count; i++) {
    const region = pool.splice(rng.int(0, pool.length - 1), 1)[0];
    chosen.push(withForm(rng, model, rng.pick(regionTargets(model, order, region))));
  }
  return chosen;
}

function makeCandidate(rng, model, order, source, p, ctx, { guarded, forward }) {
  const c = { targets: null, guard: null, actions: [], reenter: undefined, shape: 'object' };
  if (!rng.chance(p.targetless)) {
    let targets = null;
    if (rng.chance(p.multi)) targets = pickMultiTarget(rng, model, order, p);
    if (!targets) {
      const t = forward ? pickForwardTarget(rng, model, order, source, p) : pickTarget(rng, model, order, source, p);
      targets = t ? [t] : null;
    }
    c.targets = targets;
    c.targetArray = targets !== null && targets.length === 1 && rng.chance(0.1);
  }
  if (guarded && p.guards > 0) c.guard = `g${rng.int(1, p.guards)}`;
  if (rng.chance(p.actions)) {
    c.actions.push(`t${++ctx.transitionActions}`);
    if (rng.chance(0.15)) c.actions.push(`t${++ctx.transitionActions}`);
    c.actionArray = rng.chance(0.2);
  }
  if (rng.chance(p.reenter)) c.reenter = rng.chance(0.75);
  if (c.targets?.length === 1 && !c.guard && !c.actions.length && c.reenter === undefined && rng.chance(0.6)) c.shape = 'string';
  else if (!c.targets && !c.guard && !c.actions.length && c.reenter === undefined && rng.chance(0.5)) c.shape = 'empty';
  return c;
}

function makeList(rng, model, order, source, p, ctx, forward) {
  const count = rng.weighted([70, 20, 10]) + 1;
  const candidates = [];
  for (let i = 0; i < count; i++) {
    const last = i === count - 1;
    candidates.push(makeCandidate(rng, model, order, source, p, ctx, { guarded: rng.chance(last && count > 1 ? 0.3 : 0.75), forward }));
  }
  return { array: count > 1 || rng.chance(0.1), candidates };
}

export function generateModel(rng) {
  const p = drawProfile(rng);
  const model = growTree(rng, p);
  const order = documentOrder(model);
  const targetable = order.filter((n) => n !== model.root);
  const ctx = { transitionActions: 0, ids: 0 };
  for (const n of order) {
    const node = model.nodes[n];
    if (n !== model.root && rng.chance(p.customId)) node.customId = `i${++ctx.ids}`;
    if (node.kind === 'history') {
      node.history = rng.pick([null, 'shallow', 'deep']);
      const below = order.filter((d) => isDescendant(model, d, node.parent) && model.nodes[d].kind !== 'history');
      if (rng.chance(0.4) && below.length) {
        const parentIsParallel = model.nodes[node.parent].kind === 'parallel';
        const regions = stateChildren(model, node.parent);
        if (parentIsParallel && regions.length >= 2 && rng.chance(0.3)) {
          const [r1, r2] = [regions[0], regions[regions.length - 1]];
          node.historyTargets = [r1, r2].map((r) => ({ node: rng.pick(regionTargets(model, order, r)), form: 'path' }));
        } else {
          node.historyTargets = [{ node: rng.pick(below), form: rng.chance(0.9) ? 'path' : 'id' }];
        }
      }
      continue;
    }
    const kids = stateChildren(model, n);
    if (kids.length && node.kind === 'state') {
      // (An `initial` naming a history child makes XState 5.33.3 recurse until the stack overflows.)
      node.initial = rng.chance(0.8) ? kids[0] : rng.pick(kids);
    }
    const label = nodeLabel(model, n);
    if (rng.chance(p.actions)) {
      node.entry.push(`in:${label}`);
      if (rng.chance(0.15)) node.entry.push(`in2:${label}`);
      node.entryArray = rng.chance(0.2);
    }
    if (rng.chance(p.actions)) {
      node.exit.push(`out:${label}`);
      if (rng.chance(0.15)) node.exit.push(`out2:${label}`);
      node.exitArray = rng.chance(0.2);
    }
    if (node.kind === 'final' && !rng.chance(0.1)) continue;
    if (rng.chance(p.on)) {
      const descriptors = new Set();
      const count = rng.weighted([50, 30, 20]) + 1;
      for (let i = 0; i < count; i++) {
        const d = rng.chance(p.wildcard) ? rng.pick(WILDCARDS) : EXACT_EVENTS[Math.floor(EXACT_EVENTS.length * rng.next() ** 1.5)];
        if (descriptors.has(d)) continue;
        descriptors.add(d);
        // `*` also takes done events: a `*` into a final state would take its own done event again.
        const targets = d === '*' ? targetable.filter((t) => model.nodes[t].kind !== 'final') : targetable;
        node.on.push([d, makeList(rng, model, targets, n, p, ctx, false)]);
      }
    }
    // The root's eventless transitions are tried from every state; with a target they loop
    // whenever what they enter does not settle at once, so the root's have none.
    const eventless = n === model.root ? { ...p, targetless: 1 } : p;
    if (rng.chance(p.always)) node.always = makeList(rng, model, targetable, n, eventless, ctx, true);
    if (kids.length && rng.chance(p.onDone)) node.onDone = makeList(rng, model, targetable, n, eventless, ctx, true);
  }
  return { model, profile: p };
}

// Guard outcomes for one step: each guard leans its own way for the whole run.
export function guardLeanings(rng, names) {
  return Object.fromEntries(names.map((g) => [g, rng.pick([0.1, 0.5, 0.9])]));
}

export function drawGuardTable(rng, leanings) {
  const table = {};
  for (const g of Object.keys(leanings)) table[g] = rng.chance(leanings[g]);
  return table;
}

// The next event: mostly one that an active state has a transition for (a wildcard gives any
// event it matches), sometimes any event, sometimes one nobody names.
export function chooseEvent(rng, activeNodes) {
  const roll = rng.next();
  if (roll < 0.78) {
    const descriptors = [];
    for (const sn of activeNodes) for (const d of Object.keys(sn.config.on ?? {})) descriptors.push(d);
    if (descriptors.length) {
      const d = rng.pick(descriptors);
      if (d === '*') return rng.chance(0.2) ? STRAY_EVENT : rng.pick(EXACT_EVENTS);
      if (d.endsWith('.*')) {
        const stem = d.slice(0, -2);
        return rng.pick(EXACT_EVENTS.filter((e) => e === stem || e.startsWith(`${stem}.`)));
      }
      return d;
    }
  }
  if (roll < 0.97) return rng.pick(EXACT_EVENTS);
  return STRAY_EVENT;
}

export function drawEventCount(rng) {
  return 1 + Math.floor(39 * rng.next() ** 1.3);
}
