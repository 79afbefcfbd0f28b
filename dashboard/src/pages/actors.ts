// Actors: filtered by version, state, status and needs-rescue, searchable by id, a page at a time.

import { all, ApiError, enc, get, type Actor, type Page as ApiPage, type Version } from "../api.js";
import { fill, h, link, q } from "../dom.js";
import { errorBox, type Page } from "../page.js";
import { stateText } from "../words.js";

const STATUSES = ["active", "done", "error", "terminated"];
/** The needs-rescue filter's choices: the API's values and what they say. */
const RESCUE: [string, string][] = [
  ["", "any"],
  ["true", "yes: stranded"],
  ["false", "no"],
];

export async function actorsPage(main: HTMLElement, _arg: string, params: URLSearchParams): Promise<Page> {
  const versions = await all<Version>("/v1/definitions");
  const version = params.get("version") ?? "";
  // A state by its path (in it at any depth, also in a parallel region), or a whole state
  // value as JSON (exactly that).
  const state = params.get("state") ?? "";
  const inState = params.get("inState") ?? "";
  const status = params.get("status") ?? "";
  const needsRescue = params.get("needsRescue") ?? "";
  const cursor = params.get("cursor");

  const search = h("input", { id: "actor-id", name: "id", type: "search", autocomplete: "off" });
  const searchResult = h("div");
  const searchForm = h(
    "form",
    { class: "inline", role: "search" },
    h("label", { for: "actor-id" }, "Actor id"),
    search,
    h("button", { type: "submit" }, "Open"),
    searchResult,
  );
  searchForm.addEventListener("submit", (e) => {
    e.preventDefault();
    const id = search.value.trim();
    if (!id) return;
    get<Actor>(`/v1/actors/${enc(id)}`).then(
      () => (location.hash = `/actor/${enc(id)}`),
      (err) =>
        fill(searchResult, err instanceof ApiError && err.status === 404 ? h("p", { role: "alert" }, `No actor ${id}.`) : errorBox(err)),
    );
  });

  const versionSelect = h(
    "select",
    { id: "f-version", name: "version" },
    h("option", { value: "" }, "any"),
    versions.map((v) => h("option", { value: v.id, selected: v.id === version }, v.id)),
  );
  const statusSelect = h(
    "select",
    { id: "f-status", name: "status" },
    h("option", { value: "" }, "any"),
    STATUSES.map((s) => h("option", { value: s, selected: s === status }, s)),
  );
  const rescueSelect = h(
    "select",
    { id: "f-rescue", name: "needsRescue" },
    RESCUE.map(([value, label]) => h("option", { value, selected: value === needsRescue }, label)),
  );
  const stateInput = h("input", {
    id: "f-state",
    name: "state",
    value: inState || state,
    placeholder: 'open.light.off, or {"a":"b"}',
    "aria-describedby": "f-state-hint",
  });
  const filters = h(
    "form",
    { class: "inline" },
    h("label", { for: "f-version" }, "Version"),
    versionSelect,
    h("label", { for: "f-state" }, "State"),
    stateInput,
    h("span", { id: "f-state-hint", class: "sr-only" }, "a state's path, in it at any depth; or a whole state value as JSON"),
    h("label", { for: "f-status" }, "Status"),
    statusSelect,
    h("label", { for: "f-rescue" }, "Needs rescue"),
    rescueSelect,
    h("button", { type: "submit" }, "Filter"),
  );
  filters.addEventListener("submit", (e) => {
    e.preventDefault();
    const text = stateInput.value.trim();
    const exact = /^[{["]/.test(text);
    location.hash = `/actors${q({ version: versionSelect.value, state: exact ? text : "", inState: exact ? "" : text, status: statusSelect.value, needsRescue: rescueSelect.value })}`;
  });

  const results = h("div", { "aria-live": "polite" });
  fill(
    main,
    h("h1", {}, "Actors"),
    searchForm,
    filters,
    h("p", { class: "muted" }, "Stranded actors, with their reasons, to release or rescue: ", link("/rescue", "Needs rescue"), "."),
    results,
  );

  const found = await get<ApiPage<Actor>>(
    `/v1/actors${q({ definitionId: version, state, inState, status, needsRescue, cursor, limit: 50 })}`,
  );
  const rows = found.items.map((a) =>
    h(
      "tr",
      {},
      h("td", {}, link(`/actor/${enc(a.id)}`, a.id)),
      h("td", {}, link(`/version/${enc(a.version)}`, a.version)),
      h("td", {}, stateText(a.stateValue)),
      h("td", {}, a.status),
      h("td", { class: "num" }, a.historyLength),
      h("td", {}, a.needsRescue ? h("strong", {}, `yes (${a.needsRescue.deployment})`) : "no"),
    ),
  );
  fill(
    results,
    found.items.length === 0
      ? h("p", {}, "No actor matches.")
      : h(
          "table",
          {},
          h("caption", { class: "sr-only" }, "Actors"),
          h(
            "thead",
            {},
            h(
              "tr",
              {},
              ["Id", "Version", "State", "Status", "Events", "Needs rescue"].map((c) => h("th", { scope: "col" }, c)),
            ),
          ),
          h("tbody", {}, rows),
        ),
    h(
      "nav",
      { class: "pager", "aria-label": "pages of actors" },
      cursor ? link(`/actors${q({ version, state, inState, status, needsRescue })}`, "First page") : null,
      found.next !== null ? link(`/actors${q({ version, state, inState, status, needsRescue, cursor: String(found.next) })}`, "Next page") : null,
    ),
  );
  return {};
}
