// An actor: where it is, and its story, newest first: every handled event with its payload, the
// state after it, the actions reported, each routing decision with its reason in words, its
// pending timers. A long history opens at its latest page (one read, newest first); older pages
// load as the reader scrolls down to them.

import { all, call, enc, get, type Actor, type Change, type Decision, type HistoryEntry, type Page as ApiPage, type Timer, type Version } from "../api.js";
import { fill, h, json, link, q, when } from "../dom.js";
import { debounce, errorBox, type Page } from "../page.js";
import { decisionText, reasonText, stateText } from "../words.js";

/** Events per page of the timeline. */
const PAGE = 100;
/** Change-log reads per page at most: an actor quiet for long has its changes far back in a
 * busy log; its older events then show without their state after, rather than stall the page. */
const CHANGE_READS = 8;

interface ChangePage {
  items: Change[];
  next: number;
  last: number;
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

/** The actor's changes, read newest first from the change log a page at a time, as far back
 * as the timeline needs them. */
class ChangesBack {
  /** An event's change by its history index; the other changes (spawned, migrated, ...) by
   * the number of events before them. */
  readonly byIndex = new Map<number, Change>();
  readonly others: Change[] = [];
  /** Where the next older read starts (0: the oldest change kept was read). */
  private below: number | null = null;
  /** The lowest actor seq read so far. */
  private reached = Number.POSITIVE_INFINITY;

  constructor(private readonly id: string) {}

  get exhausted(): boolean {
    return this.below === 0;
  }

  add(c: Change): void {
    if ((c.kind === "event" || c.kind === "timer") && c.event) this.byIndex.set(c.actorSeq - 1, c);
    else if (!this.others.some((o) => o.seq === c.seq)) this.others.push(c);
    this.reached = Math.min(this.reached, c.actorSeq);
  }

  /** Read back until the changes of the events from `index` on are in, or the log ends, or
   * the reads per page are spent. */
  async reach(index: number): Promise<void> {
    for (let reads = 0; reads < CHANGE_READS && this.below !== 0 && this.reached > index; reads++) {
      const found = await get<ChangePage>(`/v1/changes${q({ actor: this.id, order: "desc", before: this.below, limit: 1000 })}`);
      found.items.forEach((c) => this.add(c));
      this.below = found.next;
    }
  }
}

export async function actorPage(main: HTMLElement, id: string): Promise<Page> {
  const [actor0, versions, decisions] = await Promise.all([
    get<Actor>(`/v1/actors/${enc(id)}`),
    all<Version>("/v1/definitions"),
    all<Decision>(`/v1/actors/${enc(id)}/decisions`),
  ]);
  const paths = new Map(versions.map((v) => [v.id, v.historyPath]));
  // A reason names the actor's events at the path's indexes: its first events, up to the
  // longest path, are all it needs of the history.
  const longest = Math.max(0, ...versions.map((v) => v.historyPath.length));
  const first = longest
    ? (await get<ApiPage<HistoryEntry>>(`/v1/actors/${enc(id)}/history${q({ limit: Math.min(1000, longest + 1) })}`)).items
    : [];
  const types = first.map((e) => e.type);
  const say = (d: Decision): string => decisionText(d, paths.get(d.deployment), types);

  const facts = h("div");
  const timersBox = h("section", { "aria-labelledby": "timers-h" });
  const timeline = h("ol", { class: "timeline", "aria-labelledby": "timeline-h" });
  const status = h("p", { class: "muted", role: "status" });
  const older = h("button", { type: "button", class: "older", hidden: true }, "Older events");
  fill(
    main,
    h("h1", {}, `Actor ${id}`),
    facts,
    timersBox,
    h(
      "section",
      { "aria-labelledby": "timeline-h" },
      h("h2", { id: "timeline-h" }, "Timeline, newest first"),
      timeline,
      status,
      older,
    ),
  );

  const showFacts = async (actor: Actor): Promise<void> => {
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
                  () => void refresh(),
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
      facts,
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
        h("dd", { class: "events" }, actor.historyLength),
        h("dt", {}, "Fingerprint"),
        h("dd", {}, h("code", {}, actor.fingerprint)),
        actor.context !== null && actor.context !== undefined ? [h("dt", {}, "Context"), h("dd", {}, h("code", {}, json(actor.context)))] : null,
      ),
      release,
    );
    const scheduled = await all<Timer>(`/v1/actors/${enc(id)}/schedule`).catch(() => [] as Timer[]);
    const timers = [...actor.timers, ...scheduled.filter((s) => !actor.timers.some((t) => t.id === s.id))];
    fill(
      timersBox,
      h("h2", { id: "timers-h" }, "Pending timers and scheduled events"),
      timers.length
        ? h(
            "table",
            {},
            h("thead", {}, h("tr", {}, ["Timer", "Event", "Due", "State"].map((c) => h("th", { scope: "col" }, c)))),
            h("tbody", {}, timers.map(timerRow)),
          )
        : h("p", {}, "None."),
    );
  };

  const told = new Set<string>();
  const changeEntry = (c: Change, index: number | null): HTMLElement => {
    const decided = c.decisions.map((d) => {
      told.add(`${d.kind} ${d.deployment}`);
      return h("li", { class: `decision ${d.kind}` }, say(d));
    });
    const title: (Node | string)[] =
      index !== null && c.event
        ? [h("span", { class: "index" }, `#${index} `), c.kind === "timer" ? "timer fired " : "", h("code", {}, c.event.type)]
        : [c.kind];
    return h(
      "li",
      { class: `entry ${c.kind}`, "data-index": index },
      h("div", { class: "when" }, when(c.at)),
      h("div", { class: "what" }, h("strong", {}, title), " → ", h("span", { class: "state" }, stateText(c.stateValue)), c.status !== "active" ? ` (${c.status})` : ""),
      details("payload", c.event ? payloadOf(c.event) : null),
      details("actions", c.actions),
      decided.length ? h("ul", { class: "decisions" }, decided) : null,
    );
  };
  const eventEntry = (e: HistoryEntry, reason: string): HTMLElement =>
    h(
      "li",
      { class: "entry event", "data-index": e.index },
      h("div", { class: "when" }, when(e.at)),
      h("div", { class: "what" }, h("strong", {}, h("span", { class: "index" }, `#${e.index} `), h("code", {}, e.type)), h("span", { class: "muted" }, ` (${reason})`)),
      details("payload", e.payload),
    );

  const changes = new ChangesBack(id);
  const placed = new Set<Decision>();
  // The pages shown cover the events from `low` up; a change other than an event's shows on
  // the page of the events around it.
  let low = Number.POSITIVE_INFINITY;
  let cursor: string | null = null;
  let newest = -1;
  let loading = false;

  const showPage = async (): Promise<void> => {
    if (loading) return;
    loading = true;
    status.textContent = "Loading events…";
    try {
      const found: ApiPage<HistoryEntry> = await get<ApiPage<HistoryEntry>>(
        `/v1/actors/${enc(id)}/history${q({ order: "desc", limit: PAGE, cursor })}`,
      );
      const pageLow = found.items.length ? found.items[found.items.length - 1]!.index : 0;
      const bottom = found.next === null ? 0 : pageLow;
      await changes.reach(bottom);
      // Newest first: an event, then what happened before it and after the event before it.
      const entries: { key: [number, number, number]; at: string; node: HTMLElement }[] = [];
      for (const e of found.items) {
        const c = changes.byIndex.get(e.index);
        newest = Math.max(newest, e.index);
        entries.push({
          key: [e.index + 1, 0, 0],
          at: c?.at ?? e.at,
          node: c ? changeEntry(c, e.index) : eventEntry(e, changes.exhausted ? "its state after is no longer in the change log" : "its state after is further back in the change log"),
        });
      }
      for (const c of changes.others) {
        if (c.actorSeq >= bottom && c.actorSeq < low) entries.push({ key: [c.actorSeq, 1, c.seq], at: c.at, node: changeEntry(c, null) });
      }
      entries.sort((a, b) => b.key[0] - a.key[0] || b.key[1] - a.key[1] || b.key[2] - a.key[2]);
      // Decisions no change tells of (a stay is recorded, not a change; the log keeps a week):
      // by their time, on the page whose events were before them.
      const oldest = entries.length ? entries[entries.length - 1]!.at : "";
      for (const d of decisions) {
        if (told.has(`${d.kind} ${d.deployment}`) || placed.has(d) || (found.next !== null && (d.at ?? "") < oldest)) continue;
        placed.add(d);
        const node = h("li", { class: `entry decision ${d.kind}` }, h("div", { class: "when" }, when(d.at)), h("div", { class: "what" }, h("strong", {}, d.kind), ": ", say(d)));
        const at = entries.findIndex((e) => e.at < (d.at ?? ""));
        entries.splice(at < 0 ? entries.length : at, 0, { key: [0, 0, 0], at: d.at ?? "", node });
      }
      timeline.append(...entries.map((e) => e.node));
      low = bottom;
      cursor = found.next === null ? null : String(found.next);
      older.hidden = cursor === null;
      status.textContent =
        cursor === null
          ? `All ${newest + 1} events shown.`
          : `The latest ${newest + 1 - low} of ${newest + 1} events shown; older ones load as you scroll down.`;
    } finally {
      loading = false;
    }
    // Looked at again: if the end is still in view, the next page loads too.
    observer.unobserve(older);
    observer.observe(older);
  };

  const more = (): void => {
    if (cursor !== null) void showPage().catch((e) => status.replaceChildren(errorBox(e)));
  };
  older.addEventListener("click", more);
  // Older pages on scroll: when the end of the timeline comes into view.
  const observer = new IntersectionObserver((seen) => {
    if (seen.some((s) => s.isIntersecting)) more();
  });
  observer.observe(older);

  const refresh = async (): Promise<void> => showFacts(await get<Actor>(`/v1/actors/${enc(id)}`));
  await showFacts(actor0);
  await showPage();

  const again = debounce(() => void refresh().catch((e) => facts.appendChild(errorBox(e))), 200);
  return {
    onChange: (c) => {
      if (c.actorId !== id) return;
      // A new change goes on top (the stream may send one again after a reconnect).
      const index = (c.kind === "event" || c.kind === "timer") && c.event ? c.actorSeq - 1 : null;
      if (index !== null ? index > newest : !changes.others.some((o) => o.seq === c.seq)) {
        changes.add(c);
        if (index !== null) newest = index;
        timeline.prepend(changeEntry(c, index));
      }
      again();
    },
    dispose: () => observer.disconnect(),
  };
}
