// Deploy: paste a definition, pick its parent and history path, preview what the deployment
// would do, deploy with the preview's digest (what deploys is what was reviewed).

import { all, call, type Definition, type Deployment, type Preview, type Version } from "../api.js";
import { draw } from "../draw.js";
import { fill, h, link, s } from "../dom.js";
import { errorBox, type Page } from "../page.js";
import { chartOf } from "../statechart.js";
import { reasonText, stateText } from "../words.js";

const SAMPLE = 20;

function field(id: string, label: string, control: HTMLElement, hint?: string): HTMLElement {
  return h("div", { class: "field" }, h("label", { for: id }, label), control, hint ? h("p", { class: "hint", id: `${id}-hint` }, hint) : null);
}

/** The flows from old states to new states as bands (a Sankey), with a table saying the same. */
function flowsOf(flows: Preview["migration"]["flows"]): HTMLElement {
  if (flows.length === 0) return h("p", {}, "No actor would move.");
  const from = [...new Set(flows.map((f) => stateText(f.from)))];
  const to = [...new Set(flows.map((f) => stateText(f.to)))];
  const total = flows.reduce((n, f) => n + f.count, 0);
  const height = Math.max(120, 44 * Math.max(from.length, to.length));
  const width = 520;
  const column = (names: string[], x: number): Map<string, { y: number; h: number; used: number }> => {
    const sums = names.map((n) => flows.filter((f) => stateText(x === 0 ? f.from : f.to) === n).reduce((a, f) => a + f.count, 0));
    const gap = 10;
    const scale = (height - gap * (names.length + 1)) / total;
    const out = new Map<string, { y: number; h: number; used: number }>();
    let y = gap;
    names.forEach((n, i) => {
      const hh = Math.max(4, sums[i]! * scale);
      out.set(n, { y, h: hh, used: 0 });
      y += hh + gap;
    });
    return out;
  };
  const left = column(from, 0);
  const right = column(to, 1);
  const svg = s("svg", { viewBox: `0 0 ${width} ${height}`, width, height, class: "sankey", "aria-hidden": "true" });
  const x0 = 140;
  const x1 = width - 170;
  for (const f of flows) {
    const a = left.get(stateText(f.from))!;
    const b = right.get(stateText(f.to))!;
    const ha = (a.h * f.count) / flows.filter((g) => stateText(g.from) === stateText(f.from)).reduce((n, g) => n + g.count, 0);
    const hb = (b.h * f.count) / flows.filter((g) => stateText(g.to) === stateText(f.to)).reduce((n, g) => n + g.count, 0);
    const ya = a.y + a.used;
    const yb = b.y + b.used;
    a.used += ha;
    b.used += hb;
    const mid = (x0 + x1) / 2;
    svg.appendChild(
      s("path", {
        d: `M${x0},${ya} C${mid},${ya} ${mid},${yb} ${x1},${yb} L${x1},${yb + hb} C${mid},${yb + hb} ${mid},${ya + ha} ${x0},${ya + ha} Z`,
        class: "band",
      }),
    );
  }
  for (const [names, col, x, anchor, tx] of [
    [from, left, x0 - 8, "end", x0 - 14],
    [to, right, x1, "start", x1 + 14],
  ] as const) {
    for (const n of names) {
      const c = col.get(n)!;
      svg.appendChild(s("rect", { x, y: c.y, width: 8, height: c.h, class: "bar" }));
      svg.appendChild(s("text", { x: tx, y: c.y + c.h / 2 + 4, "text-anchor": anchor }, n));
    }
  }
  return h(
    "div",
    { class: "flows" },
    svg,
    h(
      "table",
      {},
      h("caption", {}, "Flows: where the actors that would migrate are now, and where they would land"),
      h("thead", {}, h("tr", {}, h("th", { scope: "col" }, "From (now)"), h("th", { scope: "col" }, "To (landing)"), h("th", { scope: "col", class: "num" }, "Actors"))),
      h("tbody", {}, flows.map((f) => h("tr", {}, h("td", {}, stateText(f.from)), h("td", {}, stateText(f.to)), h("td", { class: "num" }, f.count)))),
    ),
  );
}

function sample(title: string, ids: string[], count: number, reasons: Preview["migration"]["reasons"]): HTMLElement {
  return h(
    "section",
    { class: "sample", "aria-label": title },
    h("h3", {}, `${title}: ${count}`),
    ids.length
      ? h(
          "ul",
          {},
          ids.slice(0, SAMPLE).map((id) => h("li", {}, link(`/actor/${encodeURIComponent(id)}`, id), reasons[id] ? ` — ${reasonText(reasons[id])}` : "")),
          count > SAMPLE ? h("li", { class: "muted" }, `and ${count - Math.min(SAMPLE, ids.length)} more`) : null,
        )
      : null,
  );
}

export async function deployPage(main: HTMLElement, _arg: string, params: URLSearchParams): Promise<Page> {
  const versions = await all<Version>("/v1/definitions");
  const id = h("input", { id: "d-id", name: "id", required: true, autocomplete: "off" });
  const text = h("textarea", { id: "d-definition", name: "definition", rows: 12, spellcheck: "false", required: true });
  const file = h("input", { id: "d-file", type: "file", accept: ".json,application/json" });
  const parent = h(
    "select",
    { id: "d-parent", name: "parent" },
    h("option", { value: "" }, "none: a root version"),
    versions.map((v) => h("option", { value: v.id, selected: v.id === params.get("parent") }, v.id)),
  );
  const path = h("input", { id: "d-path", name: "path", autocomplete: "off", "aria-describedby": "d-path-hint" });
  const eventButtons = h("div", { class: "chips", role: "group", "aria-label": "add an event of the parent to the path" });
  const match = h("select", { id: "d-match" }, h("option", { value: "prefix" }, "prefix"), h("option", { value: "exact" }, "exact"));
  const landing = h("select", { id: "d-landing" }, h("option", { value: "replay" }, "replay"), h("option", { value: "state" }, "state"));
  const timers = h("select", { id: "d-timers" }, h("option", { value: "keep" }, "keep"), h("option", { value: "restart" }, "restart"));
  const previewButton = h("button", { type: "submit" }, "Preview");
  const deployButton = h("button", { type: "button", disabled: true, class: "primary" }, "Deploy");
  const drawn = h("div", { class: "chart-box", tabindex: "0", role: "region", "aria-label": "the new version, drawn" });
  const result = h("div", { "aria-live": "polite" });
  let digest: string | null = null;

  const pathEvents = (): string[] => path.value.split(",").map((e) => e.trim()).filter(Boolean);
  const showEvents = (): void => {
    const v = versions.find((x) => x.id === parent.value);
    fill(
      eventButtons,
      v
        ? chartOf(v.definition).events.map((e) =>
            h("button", { type: "button", class: "chip", onclick: () => { path.value = [...pathEvents(), e].join(", "); stale(); } }, `+ ${e}`),
          )
        : h("span", { class: "muted" }, "Pick a parent to choose from its events."),
    );
  };
  const stale = (): void => {
    digest = null;
    deployButton.disabled = parent.value !== "";
    deployButton.textContent = parent.value ? "Deploy (preview first)" : "Deploy";
  };
  const body = (): Record<string, unknown> => {
    const definition = JSON.parse(text.value) as Definition;
    const out: Record<string, unknown> = { id: id.value.trim(), definition, timers: timers.value };
    if (parent.value) Object.assign(out, { parentId: parent.value, historyPath: pathEvents(), match: match.value, landing: landing.value });
    return out;
  };
  for (const control of [id, text, path, match, landing, timers]) control.addEventListener("input", stale);
  parent.addEventListener("change", () => {
    showEvents();
    stale();
  });
  file.addEventListener("change", () => {
    const f = file.files?.[0];
    if (f) void f.text().then((t) => { text.value = t; stale(); });
  });

  const form = h(
    "form",
    { class: "deploy", "aria-label": "deploy a version" },
    field("d-id", "Version id", id),
    field("d-definition", "Definition (XState v5 JSON)", text),
    field("d-file", "…or upload a file", file),
    field("d-parent", "Parent version", parent),
    field("d-path", "History path (events, comma-separated)", path, "The actors whose history starts with (or, matching exactly, is) these events migrate."),
    eventButtons,
    h("div", { class: "row" }, field("d-match", "Match", match), field("d-landing", "Landing", landing), field("d-timers", "Timers", timers)),
    h("div", { class: "row" }, previewButton, deployButton),
  );
  form.addEventListener("submit", (e) => {
    e.preventDefault();
    void (async () => {
      fill(result, h("p", { "aria-busy": "true" }, "Previewing…"));
      try {
        const b = body();
        const chart = chartOf(b.definition as Definition);
        fill(drawn, h("h2", {}, "The new version"), (await draw(chart, null, `the statechart of ${b.id}`)).svg);
        if (!parent.value) {
          fill(result, h("p", {}, "A root version: no actor moves. Deploy it."));
          digest = null;
          deployButton.disabled = false;
          return;
        }
        const p = await call<Preview>("POST", "/v1/definitions/preview", b);
        const m = p.migration;
        digest = p.digest;
        deployButton.disabled = false;
        deployButton.textContent = "Deploy what was previewed";
        fill(
          result,
          h("h2", {}, "Preview"),
          h("p", {}, `Would migrate ${m.counts.wouldMigrate ?? 0}, stay ${m.counts.wouldStay ?? 0}, strand ${m.counts.wouldStrand ?? 0}; pending ${m.counts.pending ?? 0} (decided by an earlier deployment first). Digest `, h("code", {}, p.digest.slice(0, 16)), "."),
          h("h3", {}, "Flows"),
          flowsOf(m.flows),
          h(
            "div",
            { class: "samples" },
            sample("Would migrate", m.wouldMigrate, m.counts.wouldMigrate ?? m.wouldMigrate.length, m.reasons),
            sample("Would stay", m.wouldStay, m.counts.wouldStay ?? m.wouldStay.length, m.reasons),
            sample("Would strand", m.wouldStrand, m.counts.wouldStrand ?? m.wouldStrand.length, m.reasons),
            sample("Pending", m.pending, m.counts.pending ?? m.pending.length, m.reasons),
          ),
        );
      } catch (err) {
        fill(result, errorBox(err));
      }
    })();
  });
  deployButton.addEventListener("click", () => {
    void (async () => {
      try {
        const b = body();
        if (digest !== null) b.expect = digest;
        const d = await call<Deployment>("PUT", "/v1/definitions", b);
        fill(result, h("p", { role: "status" }, "Deployed ", link(`/version/${encodeURIComponent(d.id)}`, d.id), d.parentId ? `: the scan of ${d.total} actors is under way.` : "."));
        deployButton.disabled = true;
      } catch (err) {
        result.appendChild(errorBox(err));
      }
    })();
  });

  fill(
    main,
    h("h1", {}, "Deploy"),
    h("p", {}, "Deploying takes an admin key; a read key sees everything but cannot deploy."),
    h("div", { class: "deploy-layout" }, form, h("div", { class: "deploy-result" }, result, drawn)),
  );
  showEvents();
  stale();
  return {};
}
