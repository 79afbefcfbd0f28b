// Versions: the forest of versions (lineage), each deployment's rule, scan progress and decisions.

import { all, enc, get, type Deployment, type Version } from "../api.js";
import { fill, h, link, when } from "../dom.js";
import { debounce, type Page } from "../page.js";

function rule(v: Version, d: Deployment | null): HTMLElement {
  const counts = d ? Object.entries(d.counts) : [];
  return h(
    "dl",
    { class: "rule" },
    v.parentId === null
      ? [h("dt", {}, "Rule"), h("dd", {}, "a root version: actors are spawned on it")]
      : [
          h("dt", {}, "Path"),
          h("dd", {}, v.historyPath.length ? h("span", { class: "path" }, v.historyPath.map((e) => h("code", {}, e))) : "(empty: every actor)"),
          h("dt", {}, "Match"),
          h("dd", {}, v.match),
          h("dt", {}, "Landing"),
          h("dd", {}, v.landing + (Object.keys(v.stateMapping).length ? ` (with a state mapping of ${Object.keys(v.stateMapping).length})` : "")),
        ],
    h("dt", {}, "Timers"),
    h("dd", {}, v.timers === "restart" ? "restart on migration" : "keep their due times"),
    d && v.parentId !== null
      ? [
          h("dt", {}, "Scan"),
          h(
            "dd",
            {},
            h("progress", { max: Math.max(d.total, 1), value: d.done ? Math.max(d.total, 1) : d.scanned, "aria-label": `scan of ${v.id}` }),
            ` ${d.scanned} of ${d.total}${d.done ? ", done" : ""}`,
            d.lastError ? h("span", { class: "error" }, ` last error: ${d.lastError}`) : null,
          ),
          h("dt", {}, "Decisions"),
          h(
            "dd",
            {},
            counts.length ? counts.map(([k, n], i) => [i ? ", " : "", `${n} ${k}`]) : "none yet",
            " · ",
            link(`/version/${enc(v.id)}?tab=decisions`, `decisions of ${v.id}`),
          ),
        ]
      : null,
  );
}

export async function versionsPage(main: HTMLElement): Promise<Page> {
  const body = h("div", { "aria-busy": "true" }, "Loading…");
  fill(main, h("h1", {}, "Versions"), body);
  const load = async (): Promise<void> => {
    const versions = await all<Version>("/v1/definitions");
    const deployments = new Map<string, Deployment>();
    await Promise.all(
      versions.map(async (v) => deployments.set(v.id, await get<Deployment>(`/v1/deployments/${enc(v.id)}`))),
    );
    const children = new Map<string | null, Version[]>();
    for (const v of versions) {
      const key = v.parentId !== null && versions.some((p) => p.id === v.parentId) ? v.parentId : null;
      children.set(key, [...(children.get(key) ?? []), v]);
    }
    const tree = (parent: string | null): HTMLElement | null => {
      const kids = children.get(parent);
      if (!kids) return null;
      return h(
        "ul",
        { class: parent === null ? "forest" : "lineage" },
        kids.map((v) =>
          h(
            "li",
            {},
            h(
              "article",
              { class: "card", "aria-labelledby": `v-${v.id}` },
              h(
                "h2",
                { id: `v-${v.id}` },
                link(`/version/${enc(v.id)}`, v.id),
                v.parentId ? h("span", { class: "muted" }, ` under ${v.parentId}`) : null,
              ),
              h("p", { class: "muted" }, `deployed ${when(v.committedAt)}`),
              rule(v, deployments.get(v.id) ?? null),
            ),
            tree(v.id),
          ),
        ),
      );
    };
    body.removeAttribute("aria-busy");
    if (versions.length === 0) fill(body, h("p", {}, "No version yet. ", link("/deploy", "Deploy one"), "."));
    else fill(body, tree(null));
  };
  await load();
  const again = debounce(() => void load(), 1000);
  return {
    onChange: (c) => {
      if (c.decisions.length) again();
    },
  };
}
