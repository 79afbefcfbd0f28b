// A definition (XState v5 JSON) as a graph: its states nested as they are, its transitions
// resolved to their target states. No layout, no DOM: tested alone.

import type { Definition } from "./api.js";

export type Kind = "atomic" | "compound" | "parallel" | "history" | "final";

export interface StateNode {
  /** The state id path: the machine's id, then each key ("loan.fee"). */
  id: string;
  key: string;
  path: string[];
  kind: Kind;
  deep: boolean;
  initial: string | null;
  children: StateNode[];
  parent: StateNode | null;
  def: Definition;
}

export interface Transition {
  source: string;
  target: string;
  label: string;
  /** The event type (null for eventless and delayed transitions). */
  event: string | null;
}

export interface Chart {
  root: StateNode;
  states: Map<string, StateNode>;
  transitions: Transition[];
  /** Every event type the definition handles. */
  events: string[];
}

function kindOf(def: Definition): Kind {
  if (def.type === "parallel") return "parallel";
  if (def.type === "history") return "history";
  if (def.type === "final") return "final";
  return def.states && Object.keys(def.states).length ? "compound" : "atomic";
}

function build(def: Definition, key: string, path: string[], parent: StateNode | null): StateNode {
  const node: StateNode = {
    id: path.join("."),
    key,
    path,
    kind: kindOf(def),
    deep: def.history === "deep",
    initial: typeof def.initial === "string" ? def.initial : (def.initial?.target ?? null),
    children: [],
    parent,
    def,
  };
  for (const [k, child] of Object.entries(def.states ?? {})) node.children.push(build(child, k, [...path, k], node));
  return node;
}

interface Target {
  targets: string[];
  guard: string | null;
}

function targetsOf(spec: unknown): Target[] {
  if (spec === null || spec === undefined) return [];
  if (typeof spec === "string") return [{ targets: [spec], guard: null }];
  if (Array.isArray(spec)) return spec.flatMap(targetsOf);
  if (typeof spec === "object") {
    const t = spec as { target?: unknown; guard?: unknown; cond?: unknown };
    const raw = t.target;
    const targets = typeof raw === "string" ? [raw] : Array.isArray(raw) ? raw.filter((x) => typeof x === "string") : [];
    const g = t.guard ?? t.cond;
    const guard =
      typeof g === "string" ? g : g && typeof g === "object" && "type" in g ? String((g as { type: unknown }).type) : g ? "guard" : null;
    return [{ targets: targets as string[], guard }];
  }
  return [];
}

export function chartOf(def: Definition): Chart {
  const rootKey = typeof def.id === "string" && def.id ? def.id : "machine";
  const root = build(def, rootKey, [rootKey], null);
  const states = new Map<string, StateNode>();
  const byExplicitId = new Map<string, StateNode>();
  const walk = (n: StateNode): void => {
    states.set(n.id, n);
    if (typeof n.def.id === "string") byExplicitId.set(n.def.id, n);
    n.children.forEach(walk);
  };
  walk(root);

  const descend = (from: StateNode | null, keys: string[]): StateNode | null => {
    let at = from;
    for (const k of keys) {
      at = at?.children.find((c) => c.key === k) ?? null;
      if (!at) return null;
    }
    return at;
  };
  const resolve = (source: StateNode, target: string): StateNode | null => {
    if (target.startsWith("#")) {
      const ref = target.slice(1);
      const [first, ...rest] = ref.split(".");
      const found = byExplicitId.get(ref) ?? states.get(ref);
      if (found) return found;
      return first !== undefined ? descend(byExplicitId.get(first) ?? null, rest) : null;
    }
    if (target.startsWith(".")) return descend(source, target.slice(1).split("."));
    return descend(source.parent, target.split("."));
  };

  const transitions: Transition[] = [];
  const events = new Set<string>();
  const add = (source: StateNode, spec: unknown, label: string, event: string | null): void => {
    for (const t of targetsOf(spec)) {
      const text = t.guard ? `${label} [${t.guard}]` : label;
      if (t.targets.length === 0) continue; // targetless: actions only, drawn as no edge
      for (const target of t.targets) {
        const found = resolve(source, target);
        if (found) transitions.push({ source: source.id, target: found.id, label: text, event });
      }
    }
  };
  for (const n of states.values()) {
    for (const [event, spec] of Object.entries(n.def.on ?? {})) {
      events.add(event);
      add(n, spec, event, event);
    }
    for (const [delay, spec] of Object.entries(n.def.after ?? {})) add(n, spec, `after ${delay}`, null);
    if (n.def.always !== undefined) add(n, n.def.always, "always", null);
    if (n.def.onDone !== undefined) add(n, n.def.onDone, "done", null);
  }
  return { root, states, transitions, events: [...events].sort() };
}
