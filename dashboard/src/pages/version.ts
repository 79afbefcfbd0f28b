// A version: its statechart drawn with a count badge on each state, and its deployment's decisions.

import { enc, get, stateCounts, type Decision, type Deployment, type Page as ApiPage, type Version } from "../api.js";
import { draw } from "../draw.js";
import { fill, h, link, q, when } from "../dom.js";
import { debounce, errorBox, type Page } from "../page.js";
import { chartOf } from "../statechart.js";
import { decisionText, stateText } from "../words.js";

export async function versionPage(main: HTMLElement, id: string): Promise<Page> {
  const version = await get<Version>(`/v1/definitions/${enc(id)}`);
  const deployment = await get<Deployment>(`/v1/deployments/${enc(id)}`);
  const chartBox = h("div", { class: "chart-box", tabindex: "0", role: "region", "aria-label": `statechart of ${id}`, "aria-busy": "true" }, "Drawing…");
  const countsNote = h("p", { class: "muted", role: "status" });
  const decisions = h("section", { "aria-labelledby": "decisions-h" });
  fill(
    main,
    h("h1", {}, `Version ${id}`),
    h(
      "p",
      {},
      version.parentId ? ["under ", link(`/version/${enc(version.parentId)}`, version.parentId), " · "] : null,
      `deployed ${when(version.committedAt)} · `,
      link(`/actors${q({ version: id })}`, "its actors"),
      " · ",
      link(`/deploy${q({ parent: id })}`, "deploy a version under it"),
    ),
    h("section", { "aria-labelledby": "chart-h" }, h("h2", { id: "chart-h" }, "Statechart"), countsNote, chartBox),
    decisions,
  );

  const chart = chartOf(version.definition);
  const drawn = await draw(
    chart,
    (n) => {
      // In it at any depth: a compound state lists the actors in its children, a state in a
      // parallel region those whose value has it beside the other regions' states.
      location.hash = `/actors${q({ version: id, inState: n.path.slice(1).join(".") })}`;
    },
    `the statechart of ${id}`,
  );
  chartBox.removeAttribute("aria-busy");
  fill(chartBox, drawn.svg);

  const refresh = async (): Promise<void> => {
    try {
      const counts = await stateCounts(id);
      drawn.setCounts(counts);
      countsNote.textContent =
        counts === null
          ? "This server has no per-state counts route: no badges."
          : "The badges count the actors in each state now, updated live. Select a state to list its actors.";
    } catch (e) {
      fill(countsNote, errorBox(e));
    }
  };
  await refresh();

  if (version.parentId !== null) {
    const list = h("tbody");
    const more = h("button", { type: "button", hidden: true }, "More decisions");
    let cursor: string | number | null = null;
    const page = async (): Promise<void> => {
      const found: ApiPage<Decision> = await get<ApiPage<Decision>>(
        `/v1/deployments/${enc(id)}/decisions${q({ limit: 100, cursor })}`,
      );
      for (const d of found.items)
        list.appendChild(
          h(
            "tr",
            {},
            h("td", {}, link(`/actor/${enc(d.actorId)}`, d.actorId)),
            h("td", {}, d.kind),
            h("td", {}, stateText(d.landing)),
            h("td", {}, decisionText(d, deployment.historyPath)),
          ),
        );
      cursor = found.next;
      more.hidden = cursor === null;
    };
    more.addEventListener("click", () => void page());
    fill(
      decisions,
      h("h2", { id: "decisions-h" }, "Decisions of this deployment"),
      h(
        "p",
        {},
        `Path ${deployment.historyPath.join(", ") || "(empty)"}, match ${deployment.match}, landing ${deployment.landing}; scanned ${deployment.scanned} of ${deployment.total}${deployment.done ? " (done)" : ""}. `,
        Object.entries(deployment.counts)
          .map(([k, n]) => `${n} ${k}`)
          .join(", "),
      ),
      h(
        "table",
        {},
        h("caption", { class: "sr-only" }, `Decisions of ${id}`),
        h("thead", {}, h("tr", {}, h("th", { scope: "col" }, "Actor"), h("th", { scope: "col" }, "Decision"), h("th", { scope: "col" }, "Landing"), h("th", { scope: "col" }, "Why"))),
        list,
      ),
      more,
    );
    await page();
    if (new URLSearchParams(location.hash.split("?")[1] ?? "").get("tab") === "decisions") decisions.scrollIntoView();
  }
  const again = debounce(() => void refresh(), 150);
  return {
    onChange: (c) => {
      if (c.version === id || c.decisions.some((d) => d.from === id || d.to === id)) again();
    },
  };
}
