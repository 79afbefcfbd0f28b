// Needs rescue: the actors a deployment stranded that are still marked (the actors list's
// needsRescue filter), with their reasons; release one, or write a rescue deployment under its
// version (the deploy page with the parent preset).

import { all, call, enc, get, type Actor, type Page as ApiPage, type Version } from "../api.js";
import { fill, h, link, q } from "../dom.js";
import { debounce, errorBox, type Page } from "../page.js";
import { reasonText, stateText } from "../words.js";

const PAGE = 50;

export async function rescuePage(main: HTMLElement, _arg: string, params: URLSearchParams): Promise<Page> {
  const cursor = params.get("cursor");
  const body = h("div", { "aria-busy": "true" }, "Loading…");
  const status = h("p", { role: "status", class: "muted" });
  fill(main, h("h1", {}, "Needs rescue"), status, body);
  const load = async (): Promise<void> => {
    const [versions, found] = await Promise.all([
      all<Version>("/v1/definitions"),
      get<ApiPage<Actor>>(`/v1/actors${q({ needsRescue: "true", cursor, limit: PAGE })}`),
    ]);
    const paths = new Map(versions.map((v) => [v.id, v.historyPath]));
    body.removeAttribute("aria-busy");
    const pager = h(
      "nav",
      { class: "pager", "aria-label": "pages of stranded actors" },
      cursor ? link("/rescue", "First page") : null,
      found.next !== null ? link(`/rescue${q({ cursor: String(found.next) })}`, "Next page") : null,
    );
    if (found.items.length === 0) {
      fill(body, h("p", {}, cursor ? "No more actors need rescue." : "No actor needs rescue."), pager);
      return;
    }
    fill(
      body,
      h(
        "table",
        {},
        h("caption", { class: "sr-only" }, "Actors that need rescue"),
        h("thead", {}, h("tr", {}, ["Actor", "Version", "State", "Stranded by", "Why", "Rescue"].map((c) => h("th", { scope: "col" }, c)))),
        h(
          "tbody",
          {},
          found.items.map((a) => {
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
                      () => {
                        status.textContent = `Released ${a.id}: it goes on on ${a.version}.`;
                        void load();
                      },
                      (e) => cell.appendChild(errorBox(e)),
                    );
                  },
                },
                "Release",
              ),
              " ",
              link(`/deploy${q({ parent: a.version })}`, `rescue deployment under ${a.version}`),
            );
            return h(
              "tr",
              {},
              h("td", {}, link(`/actor/${enc(a.id)}`, a.id)),
              h("td", {}, link(`/version/${enc(a.version)}`, a.version)),
              h("td", {}, stateText(a.stateValue)),
              h("td", {}, a.needsRescue!.deployment),
              h("td", {}, reasonText(a.needsRescue!.reason, paths.get(a.needsRescue!.deployment))),
              cell,
            );
          }),
        ),
      ),
      pager,
    );
  };
  await load();
  const again = debounce(() => void load().catch((e) => body.appendChild(errorBox(e))), 1000);
  return {
    onChange: (c) => {
      if (c.kind === "stranded" || c.kind === "released" || c.decisions.some((d) => d.kind === "stranded")) again();
    },
  };
}
