// An actor: where it is, and its story: every handled event with its payload, the state after
// it, the actions reported, each routing decision with its reason in words, its pending timers.

import { all, call, enc, get, type Actor, type Change, type Decision, type HistoryEntry, type Timer, type Version } from "../api.js";
import { fill, h, json, link, when } from "../dom.js";
import { debounce, errorBox, type Page } from "../page.js";
import { decisionText, reasonText, stateText } from "../words.js";

/** The most events read for one timeline. */
const MOST_EVENTS = 5000;

interface Item {
  at: string;
  order: number;
  node: HTMLElement;
}

async function changesOf(id: string): Promise<Change[]> {
  const found: Change[] = [];
  let after = 0;
  for (let i = 0; i < 50; i++) {
    const page = await get<{ items: Change[]; next: number; last: number }>(
      `/v1/changes?actor=${enc(id)}&after=${after}&limit=1000`,
    );
    found.push(...page.items);
    if (page.next === after || page.next >= page.last) break;
    after = page.next;
  }
  return found;
}

function payloadOf(event: Record<string, unknown> | null): Record<string, unknown> {
  if (!event) return {};
  const { type: _type, ...rest } = event;
  return rest;
}

function details(label: string, value: unknown): HTMLElement | null {
  if (value === null || value === undefined) return null;
  if (Array.isArray(value) && value.length === 0) return null;
  if (typeof value === "object" && !Array.isArray(value) && Object.keys(value as object).length === 0) return null;
  return h("div", { class: "kv" }, h("span", { class: "k" }, label), h("code", {}, JSON.stringify(value)));
}

function timerRow(t: Timer): HTMLElement {
  return h(
    "tr",
    {},
    h("td", {}, t.kind === "scheduled" ? `scheduled ${t.id}` : t.id),
    h("td", {}, t.event),
    h("td", {}, when(t.due)),
    h("td", {}, t.undelivered ? `undelivered: ${t.undelivered.code}${t.undelivered.message ? ` (${t.undelivered.message})` : ""}` : "pending"),
  );
}

export async function actorPage(main: HTMLElement, id: string): Promise<Page> {
  const load = async (): Promise<void> => {
    const [actor, history, changes, decisions, versions] = await Promise.all([
      get<Actor>(`/v1/actors/${enc(id)}`),
      all<HistoryEntry>(`/v1/actors/${enc(id)}/history`, MOST_EVENTS),
      changesOf(id),
      all<Decision>(`/v1/actors/${enc(id)}/decisions`),
      all<Version>("/v1/definitions"),
    ]);
    const paths = new Map(versions.map((v) => [v.id, v.historyPath]));
    const types = history.map((e) => e.type);
    const say = (d: Decision): string => decisionText(d, paths.get(d.deployment), types);

    const items: Item[] = [];
    const covered = new Set<number>();
    const told = new Set<string>();
    for (const c of changes) {
      const decided = c.decisions.map((d) => {
        told.add(`${d.kind} ${d.deployment}`);
        return h("li", { class: `decision ${d.kind}` }, say(d));
      });
      let title: (Node | string)[];
      if ((c.kind === "event" || c.kind === "timer") && c.event) {
        covered.add(c.actorSeq - 1);
        title = [c.kind === "timer" ? "timer fired " : "", h("code", {}, c.event.type)];
      } else {
        title = [c.kind];
      }
      items.push({
        at: c.at,
        order: c.seq,
        node: h(
          "li",
          { class: `entry ${c.kind}` },
          h("div", { class: "when" }, when(c.at)),
          h("div", { class: "what" }, h("strong", {}, title), " → ", h("span", { class: "state" }, stateText(c.stateValue)), c.status !== "active" ? ` (${c.status})` : ""),
          details("payload", c.event ? payloadOf(c.event) : null),
          details("actions", c.actions),
          decided.length ? h("ul", { class: "decisions" }, decided) : null,
        ),
      });
    }
    for (const e of history) {
      if (covered.has(e.index)) continue;
      items.push({
        at: e.at,
        order: e.index,
        node: h(
          "li",
          { class: "entry event" },
          h("div", { class: "when" }, when(e.at)),
          h("div", { class: "what" }, h("strong", {}, h("code", {}, e.type)), h("span", { class: "muted" }, " (its state after is no longer in the change log)")),
          details("payload", e.payload),
        ),
      });
    }
    for (const d of decisions) {
      if (told.has(`${d.kind} ${d.deployment}`)) continue;
      items.push({
        at: d.at ?? "",
        order: 0,
        node: h("li", { class: `entry decision ${d.kind}` }, h("div", { class: "when" }, when(d.at)), h("div", { class: "what" }, h("strong", {}, d.kind), ": ", say(d))),
      });
    }
    items.sort((a, b) => (a.at < b.at ? -1 : a.at > b.at ? 1 : a.order - b.order));

    const scheduled = await all<Timer>(`/v1/actors/${enc(id)}/schedule`).catch(() => [] as Timer[]);
    const timers = [...actor.timers, ...scheduled.filter((s) => !actor.timers.some((t) => t.id === s.id))];

    const release = actor.needsRescue
      ? h(
          "div",
          { class: "rescue", role: "region", "aria-label": "needs rescue" },
          h(
            "p",
            {},
            h("strong", {}, "Needs rescue: "),
            `stranded by ${actor.needsRescue.deployment}: ${reasonText(actor.needsRescue.reason, paths.get(actor.needsRescue.deployment), types)}. It refuses events until released.`,
          ),
          h(
            "button",
            {
              type: "button",
              onclick: () => {
                call("POST", `/v1/actors/${enc(id)}/release`, {}).then(
                  () => void load(),
                  (e) => release?.appendChild(errorBox(e)),
                );
              },
            },
            "Release: go on on its version",
          ),
          " ",
          link(`/deploy?parent=${enc(actor.version)}`, "write a rescue deployment"),
        )
      : null;

    fill(
      main,
      h("h1", {}, `Actor ${id}`),
      h(
        "dl",
        { class: "facts" },
        h("dt", {}, "Version"),
        h("dd", {}, link(`/version/${enc(actor.version)}`, actor.version)),
        h("dt", {}, "State"),
        h("dd", { class: "state" }, stateText(actor.stateValue)),
        h("dt", {}, "Status"),
        h("dd", {}, actor.status),
        h("dt", {}, "Events"),
        h("dd", {}, actor.historyLength),
        h("dt", {}, "Fingerprint"),
        h("dd", {}, h("code", {}, actor.fingerprint)),
        actor.context !== null && actor.context !== undefined ? [h("dt", {}, "Context"), h("dd", {}, h("code", {}, json(actor.context)))] : null,
      ),
      release,
      h(
        "section",
        { "aria-labelledby": "timers-h" },
        h("h2", { id: "timers-h" }, "Pending timers and scheduled events"),
        timers.length
          ? h(
              "table",
              {},
              h("thead", {}, h("tr", {}, ["Timer", "Event", "Due", "State"].map((c) => h("th", { scope: "col" }, c)))),
              h("tbody", {}, timers.map(timerRow)),
            )
          : h("p", {}, "None."),
      ),
      h(
        "section",
        { "aria-labelledby": "timeline-h" },
        h("h2", { id: "timeline-h" }, "Timeline"),
        history.length >= MOST_EVENTS ? h("p", { class: "muted" }, `The first ${MOST_EVENTS} events.`) : null,
        h("ol", { class: "timeline" }, items.map((i) => i.node)),
      ),
    );
  };
  await load();
  const again = debounce(() => void load().catch((e) => main.appendChild(errorBox(e))), 200);
  return {
    onChange: (c) => {
      if (c.actorId === id) again();
    },
  };
}
