// A chart laid out by ELK (layered, nested) and drawn as SVG: states nested as they are,
// transitions labelled, a count badge on each state, each state a button.

import ELK from "elkjs/lib/elk.bundled.js";
import type { ElkExtendedEdge, ElkNode } from "elkjs/lib/elk-api.js";
import { s } from "./dom.js";
import type { Chart, StateNode } from "./statechart.js";

const elk = new ELK();
/** The chart's layout: layered, left to right, nested states laid out with their parents. */
const LAYOUT: Record<string, string> = {
  "elk.algorithm": "layered",
  "elk.direction": "RIGHT",
  "elk.hierarchyHandling": "INCLUDE_CHILDREN",
  "elk.layered.spacing.nodeNodeBetweenLayers": "56",
  "elk.spacing.nodeNode": "28",
  "elk.spacing.edgeLabel": "4",
  "elk.edgeLabels.placement": "CENTER",
  "elk.layered.edgeLabels.sideSelection": "ALWAYS_UP",
  "elk.json.edgeCoords": "ROOT",
  "elk.json.shapeCoords": "ROOT",
  "elk.padding": "[top=12,left=12,bottom=12,right=12]",
};
const CHAR = 7.4;

function textWidth(text: string): number {
  return Math.ceil(text.length * CHAR);
}

function elkNode(n: StateNode): ElkNode {
  if (n.kind === "history") return { id: n.id, width: 30, height: 30 };
  const label = n.key;
  if (n.children.length === 0) return { id: n.id, width: Math.max(90, textWidth(label) + 54), height: 40 };
  const children: ElkNode[] = n.children.map(elkNode);
  if (n.initial && n.kind !== "parallel") children.unshift({ id: `${n.id}\u0000initial`, width: 12, height: 12 });
  return {
    id: n.id,
    children,
    layoutOptions: {
      "elk.padding": "[top=34,left=14,bottom=14,right=14]",
      "elk.nodeSize.minimum": `(${textWidth(label) + 60}, 60)`,
      "elk.nodeSize.constraints": "MINIMUM_SIZE",
    },
  };
}

/** Lay out a made-up nested chart once, while the reader is elsewhere: ELK's first layout in
 * a page costs about three times a later one (its code is compiled as it first runs), so the
 * first real chart is drawn as fast as the later ones. */
export function warmUp(): void {
  const children: ElkNode[] = [];
  const edges: ElkExtendedEdge[] = [];
  for (let g = 0; g < 8; g++) {
    const inner: ElkNode[] = [];
    for (let c = 0; c < 8; c++) {
      inner.push({ id: `w${g}.${c}`, width: 90, height: 40 });
      edges.push({ id: `w${g}.${c}e`, sources: [`w${g}.${c}`], targets: [`w${g}.${(c + 1) % 8}`], labels: [{ id: `w${g}.${c}l`, text: "NEXT", width: 40, height: 16 }] });
    }
    children.push({ id: `w${g}`, children: inner, layoutOptions: { "elk.padding": "[top=34,left=14,bottom=14,right=14]" } });
    edges.push({ id: `w${g}e`, sources: [`w${g}`], targets: [`w${(g + 1) % 8}`] });
  }
  void elk.layout({ id: "warm", layoutOptions: LAYOUT, children, edges }).catch(() => undefined);
}

export interface Drawn {
  svg: SVGSVGElement;
  /** Set the badges: a count per state path below the machine ("fee", "a.b"; the route's keys) or
   * per state id ("loan.fee"); a state missing has no badge. */
  setCounts(counts: Record<string, number> | null): void;
}

export async function draw(chart: Chart, onState: ((n: StateNode) => void) | null, title: string): Promise<Drawn> {
  const edges: ElkExtendedEdge[] = chart.transitions.map((t, i) => ({
    id: `e${i}`,
    sources: [t.source],
    targets: [t.target],
    labels: [{ id: `l${i}`, text: t.label, width: textWidth(t.label) + 8, height: 16 }],
  }));
  for (const n of chart.states.values()) {
    if (n.initial && n.kind !== "parallel" && n.children.length) {
      const first = n.children.find((c) => c.key === n.initial);
      if (first) edges.push({ id: `i:${n.id}`, sources: [`${n.id}\u0000initial`], targets: [first.id] });
    }
  }
  const graph: ElkNode = {
    id: "\u0000root",
    layoutOptions: LAYOUT,
    children: [elkNode(chart.root)],
    edges,
  };
  const started = performance.now();
  const laid = await elk.layout(graph);
  // Named, so that benches/bench_dashboard.py can tell the layout's share of a draw.
  performance.measure("statechart layout", { start: started });

  const width = Math.ceil(laid.width ?? 100);
  const height = Math.ceil(laid.height ?? 100);
  const svg = s("svg", {
    viewBox: `0 0 ${width} ${height}`,
    width,
    height,
    class: "chart",
    role: "group",
    "aria-label": title,
  }) as SVGSVGElement;
  svg.appendChild(
    s(
      "defs",
      {},
      s(
        "marker",
        { id: "arrow", viewBox: "0 0 10 10", refX: 9, refY: 5, markerWidth: 7, markerHeight: 7, orient: "auto-start-reverse" },
        s("path", { d: "M0,0 L10,5 L0,10 z", class: "arrowhead" }),
      ),
    ),
  );

  const boxes = new Map<string, ElkNode>();
  const collect = (n: ElkNode): void => {
    boxes.set(n.id, n);
    n.children?.forEach(collect);
  };
  collect(laid);

  const badges = new Map<string, { button: SVGElement; g: SVGElement; text: SVGElement; rect: SVGElement; x: number; y: number; path: string }>();
  const nodesLayer = s("g", { class: "states" });
  // Badges and tags over the states, outside their buttons: a button's name starts with the
  // state's name, which is all its visible text (axe: label-content-name-mismatch).
  const overlay = s("g", { class: "overlay", "aria-hidden": "true" });
  const order = [...chart.states.values()].sort((a, b) => a.path.length - b.path.length);
  for (const n of order) {
    const box = boxes.get(n.id);
    if (!box) continue;
    const x = box.x ?? 0;
    const y = box.y ?? 0;
    const w = box.width ?? 0;
    const hgt = box.height ?? 0;
    const clickable = onState !== null && n.parent !== null && n.kind !== "history"; // no actor is in a history state
    const g = s("g", {
      class: `state ${n.kind}${n.parent === null ? " machine" : ""}`,
      "data-state": n.id,
    });
    const name = `${n.key}${n.kind === "atomic" || n.kind === "compound" ? "" : ` (${n.kind === "history" ? (n.deep ? "deep history" : "history") : n.kind})`}`;
    if (clickable) {
      g.setAttribute("tabindex", "0");
      g.setAttribute("role", "button");
      g.setAttribute("aria-label", `${n.key}: list the actors in ${n.id}${name !== n.key ? ` (${name.slice(n.key.length + 2, -1)})` : ""}`);
      const go = (): void => onState!(n);
      g.addEventListener("click", go);
      g.addEventListener("keydown", (e) => {
        const ke = e as KeyboardEvent;
        if (ke.key === "Enter" || ke.key === " ") {
          ke.preventDefault();
          go();
        }
      });
    }
    if (n.kind === "history") {
      g.appendChild(s("circle", { cx: x + w / 2, cy: y + hgt / 2, r: w / 2, class: "shape" }));
      g.appendChild(s("text", { x: x + w / 2, y: y + hgt / 2 + 4, "text-anchor": "middle" }, n.deep ? "H*" : "H"));
    } else {
      g.appendChild(s("rect", { x, y, width: w, height: hgt, rx: 8, class: "shape" }));
      if (n.kind === "final") g.appendChild(s("rect", { x: x + 3, y: y + 3, width: w - 6, height: hgt - 6, rx: 6, class: "inner" }));
      const compound = n.children.length > 0;
      g.appendChild(
        s("text", { x: x + (compound ? 10 : 12), y: compound ? y + 20 : y + hgt / 2 + 4, class: "label" }, n.key),
      );
      if (n.kind === "parallel") overlay.appendChild(s("text", { x: x + w - 10, y: y + 20, "text-anchor": "end", class: "tag" }, "parallel"));
      if (n.parent !== null) {
        const badge = s("g", { class: "badge", visibility: "hidden" });
        const rect = s("rect", { x: 0, y: 0, width: 0, height: 18, rx: 9 });
        const text = s("text", { "text-anchor": "middle" }, "");
        badge.append(rect, text);
        overlay.appendChild(badge);
        badges.set(n.id, { button: g, g: badge, text, rect, x: x + w, y, path: n.path.slice(1).join(".") });
      }
    }
    nodesLayer.appendChild(g);
    // The initial state's marker, over its compound state's box.
    for (const c of box.children ?? []) {
      if (c.id.endsWith("\u0000initial")) {
        nodesLayer.appendChild(s("circle", { cx: (c.x ?? 0) + 6, cy: (c.y ?? 0) + 6, r: 5, class: "initial" }));
      }
    }
  }
  svg.appendChild(nodesLayer);

  const edgeLayer = s("g", { class: "transitions" });
  for (const e of laid.edges ?? []) {
    const sections = (e as ElkExtendedEdge).sections ?? [];
    for (const sec of sections) {
      const pts = [sec.startPoint, ...(sec.bendPoints ?? []), sec.endPoint];
      edgeLayer.appendChild(
        s("path", { d: `M${pts.map((p) => `${p.x},${p.y}`).join(" L")}`, class: "edge", "marker-end": "url(#arrow)" }),
      );
    }
    for (const l of (e as ElkExtendedEdge).labels ?? []) {
      const lx = l.x ?? 0;
      const ly = l.y ?? 0;
      edgeLayer.appendChild(s("rect", { x: lx, y: ly, width: l.width ?? 0, height: l.height ?? 0, class: "edge-label-bg" }));
      edgeLayer.appendChild(s("text", { x: lx + 4, y: ly + 12, class: "edge-label" }, l.text ?? ""));
    }
  }
  svg.appendChild(edgeLayer);
  svg.appendChild(overlay);

  const setCounts = (counts: Record<string, number> | null): void => {
    for (const [id, b] of badges) {
      const count = counts?.[b.path] ?? counts?.[id];
      const old = b.button.getAttribute("aria-label");
      if (count === undefined || count === null) {
        // No actor there now: no badge, and no count in its name either.
        b.g.setAttribute("visibility", "hidden");
        if (old) b.button.setAttribute("aria-label", old.replace(/^([^:]*?)( \d+ actors?)?:/, "$1:"));
        continue;
      }
      const label = String(count);
      const bw = Math.max(22, textWidth(label) + 10);
      b.rect.setAttribute("x", String(b.x - bw / 2 - 2));
      b.rect.setAttribute("y", String(b.y - 9));
      b.rect.setAttribute("width", String(bw));
      b.text.setAttribute("x", String(b.x - 2));
      b.text.setAttribute("y", String(b.y + 4));
      b.text.textContent = label;
      b.g.setAttribute("visibility", "visible");
      // The name starts with what is seen ("fee 3"), as axe and speech input expect.
      if (old) b.button.setAttribute("aria-label", old.replace(/^([^:]*?)( \d+ actors?)?:/, `$1 ${count} actor${count === 1 ? "" : "s"}:`));
    }
  };
  performance.measure("statechart drawn", { start: started });
  return { svg, setCounts };
}
