// Needs rescue: the actors stranded by a deployment and still marked, with their reasons;
// release one, or write a rescue deployment under its version.

import { all, call, enc, get, type Actor, type Decision, type Version } from "../api.js";
import { fill, h, link, q } from "../dom.js";
import { debounce, errorBox, type Page } from "../page.js";
import { reasonText, stateText } from "../words.js";

export async function rescuePage(main: HTMLElement): Promise<Page> {
  const body = h("div", { "aria-busy": "true" }, "Loading…");
  fill(main, h("h1", {}, "Needs rescue"), body);
  const load = async (): Promise<void> => {
    const versions = await all<Version>("/v1/definitions");
    const paths = new Map(versions.map((v) => [v.id, v.historyPath]));
    const stranded = new Set<string>();
    for (const v of versions) {
      if (v.parentId === null) continue;
      for (const d of await all<Decision>(`/v1/deployments/${enc(v.id)}/decisions`)) if (d.kind === "stranded") stranded.add(d.actorId);
    }
    const actors = (await Promise.all([...stranded].map((id) => get<Actor>(`/v1/actors/${enc(id)}`).catch(() => null)))).filter(
      (a): a is Actor => a !== null && a.needsRescue !== null,
    );
    body.removeAttribute("aria-busy");
    if (actors.length === 0) {
      fill(body, h("p", {}, "No actor needs rescue."));
      return;
    }
    fill(
      body,
      h(
        "table",
        {},
        h("caption", { class: "sr-only" }, "Actors that need rescue"),
        h("thead", {}, h("tr", {}, ["Actor", "Version", "State", "Stranded by", "Why", ""].map((c) => h("th", { scope: "col" }, c)))),
        h(
          "tbody",
          {},
          actors.map((a) => {
            const cell = h("td", {});
            fill(
              cell,
              h(
                "button",
                {
                  type: "button",
                  "aria-label": `release ${a.id}`,
                  onclick: () => {
                    call("POST", `/v1/actors/${enc(a.id)}/release`, {}).then(
                      () => void load(),
                      (e) => cell.appendChild(errorBox(e)),
                    );
                  },
                },
                "Release",
              ),
              " ",
              link(`/deploy${q({ parent: a.version })}`, "rescue deployment"),
            );
            return h(
              "tr",
              {},
              h("td", {}, link(`/actor/${enc(a.id)}`, a.id)),
              h("td", {}, a.version),
              h("td", {}, stateText(a.stateValue)),
              h("td", {}, a.needsRescue!.deployment),
              h("td", {}, reasonText(a.needsRescue!.reason, paths.get(a.needsRescue!.deployment))),
              cell,
            );
          }),
        ),
      ),
    );
  };
  await load();
  const again = debounce(() => void load().catch((e) => body.appendChild(errorBox(e))), 1000);
  return {
    onChange: (c) => {
      if (c.kind === "stranded" || c.kind === "released") again();
    },
  };
}
