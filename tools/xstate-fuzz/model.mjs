// The fuzzer's own representation of a machine, and its JSON config.
//
// Nodes live in an array and refer to each other by index, so a model is plain data: the
// shrinker clones it, removes a node or a transition, and writes the config again. Targets are
// node indices with the form the author used (`sibling.path`, `.child`, `#id`, `#id.path`);
// the form is re-derived when the config is written, so a form that no longer applies after a
// removal falls back to `#id`.
//
// Node fields:
//   key, parent (index or null), children (indices, document order), removed
//   kind: 'state' (atomic or compound by whether it has children) | 'parallel' | 'final' | 'history'
//   customId: an `id` key, or null (the default id is `<machine id>.<keys joined by '.'>`)
//   initial: index of the initial child (compound), history: 'shallow' | 'deep' | null (absent),
//   historyTargets: [{node, form}] or null, entry/exit: [name], entryArray/exitArray: write a
//   one-name list as an array, on: [[descriptor, transition list]], always, onDone: transition
//   lists or null.
// A transition list: { array: bool, candidates: [candidate] }; a candidate:
//   { targets: [{node, form}] | null, guard, actions: [name], reenter: true | false | undefined,
//     shape: 'object' | 'string' | 'empty' }   ('string': `"target"`, 'empty': `""`)

export const MACHINE_ID = 'm';

export function liveChildren(model, n) {
  return model.nodes[n].children.filter((c) => !model.nodes[c].removed);
}

export function stateChildren(model, n) {
  return liveChildren(model, n).filter((c) => model.nodes[c].kind !== 'history');
}

// What XState makes of the node: 'atomic' | 'compound' | 'parallel' | 'final' | 'history'.
export function nodeType(model, n) {
  const node = model.nodes[n];
  if (node.kind === 'history' || node.kind === 'final') return node.kind;
  const hasChildren = liveChildren(model, n).length > 0;
  if (node.kind === 'parallel') return hasChildren ? 'parallel' : 'atomic';
  return hasChildren ? 'compound' : 'atomic';
}

export function documentOrder(model) {
  const out = [];
  const walk = (n) => {
    out.push(n);
    for (const c of liveChildren(model, n)) walk(c);
  };
  walk(model.root);
  return out;
}

export function isDescendant(model, child, ancestor) {
  let p = model.nodes[child].parent;
  while (p !== null) {
    if (p === ancestor) return true;
    p = model.nodes[p].parent;
  }
  return false;
}

export function ancestors(model, n) {
  const out = [];
  let p = model.nodes[n].parent;
  while (p !== null) {
    out.push(p);
    p = model.nodes[p].parent;
  }
  return out;
}

// Keys from `from` (excluded) down to `to` (included); `to` must be below `from`.
function pathBetween(model, from, to) {
  const keys = [];
  let n = to;
  while (n !== from) {
    keys.push(model.nodes[n].key);
    n = model.nodes[n].parent;
  }
  return keys.reverse();
}

export function nodeId(model, n) {
  const node = model.nodes[n];
  if (node.customId) return node.customId;
  return [MACHINE_ID, ...pathBetween(model, model.root, n)].join('.');
}

// A readable label for action names: `/` for the root, `/a/b` below it.
export function nodeLabel(model, n) {
  return `/${pathBetween(model, model.root, n).join('/')}`;
}

// The text of a target `to` written from `source` in the preferred form, or `#id` when that
// form does not apply.
export function targetText(model, source, { node: to, form, via }) {
  const parent = model.nodes[source].parent;
  if (form === 'sibling' && parent !== null && isDescendant(model, to, parent)) {
    return pathBetween(model, parent, to).join('.');
  }
  if (form === 'child' && isDescendant(model, to, source)) {
    return `.${pathBetween(model, source, to).join('.')}`;
  }
  if (form === 'idpath' && via !== undefined && !model.nodes[via].removed && isDescendant(model, to, via)) {
    return `#${nodeId(model, via)}.${pathBetween(model, via, to).join('.')}`;
  }
  return `#${nodeId(model, to)}`;
}

// A history default target, written relative to the history node's parent.
function historyTargetText(model, history, { node: to, form }) {
  const parent = model.nodes[history].parent;
  if (form !== 'id' && isDescendant(model, to, parent)) return pathBetween(model, parent, to).join('.');
  return `#${nodeId(model, to)}`;
}

function candidateConfig(model, source, c) {
  const targets = c.targets?.map((t) => targetText(model, source, t));
  if (c.shape === 'empty' && !targets && !c.guard && c.actions.length === 0 && c.reenter === undefined) return '';
  if (c.shape === 'string' && targets?.length === 1 && !c.guard && c.actions.length === 0 && c.reenter === undefined) {
    return targets[0];
  }
  const out = {};
  if (targets) out.target = targets.length === 1 && !c.targetArray ? targets[0] : targets;
  if (c.guard) out.guard = c.guard;
  if (c.actions.length) out.actions = c.actions.length === 1 && !c.actionArray ? c.actions[0] : [...c.actions];
  if (c.reenter !== undefined) out.reenter = c.reenter;
  return out;
}

function listConfig(model, source, list) {
  const items = list.candidates.map((c) => candidateConfig(model, source, c));
  return list.array || items.length !== 1 ? items : items[0];
}

function actionsConfig(names, asArray) {
  return names.length === 1 && !asArray ? names[0] : [...names];
}

function nodeConfig(model, n) {
  const node = model.nodes[n];
  const type = nodeType(model, n);
  const out = {};
  if (node.customId) out.id = node.customId;
  if (type === 'history') {
    out.type = 'history';
    if (node.history) out.history = node.history;
    const targets = (node.historyTargets ?? []).filter((t) => !model.nodes[t.node].removed);
    if (targets.length) {
      const texts = targets.map((t) => historyTargetText(model, n, t));
      out.target = texts.length === 1 ? texts[0] : texts;
    }
    return out;
  }
  if (type === 'parallel' || type === 'final') out.type = type;
  if (type === 'compound') out.initial = model.nodes[initialChild(model, n)].key;
  if (node.entry.length) out.entry = actionsConfig(node.entry, node.entryArray);
  if (node.exit.length) out.exit = actionsConfig(node.exit, node.exitArray);
  if (node.on.length) {
    out.on = {};
    for (const [descriptor, list] of node.on) out.on[descriptor] = listConfig(model, n, list);
  }
  if (node.always) out.always = listConfig(model, n, node.always);
  if (node.onDone && (type === 'compound' || type === 'parallel')) out.onDone = listConfig(model, n, node.onDone);
  const children = liveChildren(model, n);
  if (children.length) {
    out.states = {};
    for (const c of children) out.states[model.nodes[c].key] = nodeConfig(model, c);
  }
  return out;
}

export function initialChild(model, n) {
  const node = model.nodes[n];
  if (node.initial !== null && !model.nodes[node.initial].removed) return node.initial;
  return stateChildren(model, n)[0] ?? liveChildren(model, n)[0];
}

// The machine config as XState and statekeep read it (key order is document order).
export function machineConfig(model) {
  return { id: MACHINE_ID, ...nodeConfig(model, model.root) };
}

// Every guard name the config references, sorted.
export function guardNames(model) {
  const names = new Set();
  for (const n of documentOrder(model)) {
    const node = model.nodes[n];
    const lists = [...node.on.map(([, l]) => l), node.always, nodeType(model, n) === 'compound' || nodeType(model, n) === 'parallel' ? node.onDone : null];
    for (const list of lists) {
      for (const c of list?.candidates ?? []) if (c.guard) names.add(c.guard);
    }
  }
  return [...names].sort();
}

export function cloneModel(model) {
  return structuredClone(model);
}
