// Webhooks: the endpoints, and for one its delivery log (pending deliveries with their
// attempts) and dead letters, delivered again on demand. The webhook routes are an admin key's
// alone: a read key is told so, and shown no action.

import { ApiError, all, call, enc, get, type Page as ApiPage } from "../api.js";
import { fill, h, link, q, when } from "../dom.js";
import { debounce, errorBox, type Page } from "../page.js";

interface Webhook {
  id: string;
  url: string;
  description: string | null;
  definitions: string[];
  kinds: string[];
  actions: string[];
  enabled: boolean;
  disabledReason: string | null;
  createdAt: string;
  updatedAt: string;
  cursor: number;
  pending: number;
  dead: number;
  failingSince: string | null;
  previousSecretExpiresAt: string | null;
}

interface Attempt {
  at: string;
  status: number | null;
  error: string | null;
  ms: number;
}

interface Delivery {
  webhook: string;
  seq: number;
  actorId: string;
  kind: string;
  status: "pending" | "dead";
  nextAttempt: string | null;
  attempts: Attempt[];
  deadAt: string | null;
}

const PAGE = 50;

/** What a read key sees instead of a webhook page. */
function adminOnly(e: unknown): HTMLElement {
  if (e instanceof ApiError && e.status === 403)
    return h("p", { class: "notice", role: "status" }, "Webhooks are an admin key's to see and change: this key cannot.");
  return errorBox(e);
}

function filters(w: Webhook): string {
  const parts = [
    w.definitions.length ? `versions ${w.definitions.join(", ")}` : "",
    w.kinds.length ? `kinds ${w.kinds.join(", ")}` : "",
    w.actions.length ? `actions ${w.actions.join(", ")}` : "",
  ].filter(Boolean);
  return parts.length ? parts.join("; ") : "every change";
}

function state(w: Webhook): string {
  if (!w.enabled) return `disabled${w.disabledReason ? `: ${w.disabledReason}` : ""}`;
  return w.failingSince ? `enabled, failing since ${when(w.failingSince)}` : "enabled";
}

export async function webhooksPage(main: HTMLElement): Promise<Page> {
  const body = h("div", { "aria-busy": "true" }, "Loading…");
  fill(main, h("h1", {}, "Webhooks"), body);
  const load = async (): Promise<void> => {
    let hooks: Webhook[];
    try {
      hooks = await all<Webhook>("/v1/webhooks");
    } catch (e) {
      body.removeAttribute("aria-busy");
      fill(body, adminOnly(e));
      return;
    }
    body.removeAttribute("aria-busy");
    if (hooks.length === 0) {
      fill(body, h("p", {}, "No endpoint. Add one with ", h("code", {}, "statekeep webhooks add URL"), " or POST /v1/webhooks."));
      return;
    }
    fill(
      body,
      h(
        "table",
        {},
        h("caption", { class: "sr-only" }, "Webhook endpoints"),
        h(
          "thead",
          {},
          h(
            "tr",
            {},
            ["Endpoint", "Description", "Told of", "State", "Pending", "Dead letters"].map((c) =>
              h("th", { scope: "col", class: c === "Pending" || c === "Dead letters" ? "num" : null }, c),
            ),
          ),
        ),
        h(
          "tbody",
          {},
          hooks.map((w) =>
            h(
              "tr",
              {},
              h("td", {}, link(`/webhook/${enc(w.id)}`, w.url)),
              h("td", {}, w.description ?? ""),
              h("td", {}, filters(w)),
              h("td", { class: w.enabled && !w.failingSince ? null : "error" }, state(w)),
              h("td", { class: "num" }, w.pending),
              h("td", { class: "num" }, w.dead),
            ),
          ),
        ),
      ),
    );
  };
  await load();
  const again = debounce(() => void load().catch((e) => body.appendChild(errorBox(e))), 1000);
  return { onChange: () => again() };
}

function lastAttempt(d: Delivery): string {
  const a = d.attempts[d.attempts.length - 1];
  if (!a) return "not tried yet";
  return `${when(a.at)}: ${a.error ?? (a.status === null ? "no answer" : `HTTP ${a.status}`)} (${a.ms} ms)`;
}

export async function webhookPage(main: HTMLElement, id: string): Promise<Page> {
  const heading = h("h1", {}, `Webhook ${id}`);
  const facts = h("div");
  const status = h("p", { role: "status", class: "muted" });
  const pending = h("section", { "aria-labelledby": "pending-h" });
  const dead = h("section", { "aria-labelledby": "dead-h" });
  fill(main, heading, facts, status, pending, dead);

  const redeliver = (what: { seq: number } | { since: string }, where: HTMLElement): void => {
    call<{ queued: number }>("POST", `/v1/webhooks/${enc(id)}/redeliver`, what).then(
      (r) => {
        status.textContent = `${r.queued} ${r.queued === 1 ? "delivery" : "deliveries"} queued again.`;
        void load();
      },
      (e) => where.appendChild(errorBox(e)),
    );
  };

  const deliveries = async (section: HTMLElement, kind: "pending" | "dead"): Promise<void> => {
    const found = await get<ApiPage<Delivery>>(`/v1/webhooks/${enc(id)}/deliveries${q({ status: kind, limit: PAGE })}`);
    const title = kind === "pending" ? "Delivery log: pending, with their attempts" : "Dead letters";
    const headId = kind === "pending" ? "pending-h" : "dead-h";
    const cols = ["Change", "Actor", "Kind", "Attempts", "Last attempt", kind === "pending" ? "Next attempt" : "Given up", ...(kind === "dead" ? ["Deliver again"] : [])];
    fill(
      section,
      h("h2", { id: headId }, title),
      found.items.length === 0
        ? h("p", {}, kind === "pending" ? "Nothing is waiting." : "No dead letter.")
        : h(
            "table",
            { class: `deliveries ${kind}` },
            h("caption", { class: "sr-only" }, title),
            h("thead", {}, h("tr", {}, cols.map((c) => h("th", { scope: "col" }, c)))),
            h(
              "tbody",
              {},
              found.items.map((d) => {
                const action = h("td", {});
                if (kind === "dead")
                  fill(
                    action,
                    h("button", { type: "button", "aria-label": `redeliver change ${d.seq}`, onclick: () => redeliver({ seq: d.seq }, action) }, "Redeliver"),
                  );
                return h(
                  "tr",
                  {},
                  h("td", { class: "num" }, d.seq),
                  h("td", {}, link(`/actor/${enc(d.actorId)}`, d.actorId)),
                  h("td", {}, d.kind),
                  h("td", { class: "num" }, d.attempts.length),
                  h("td", {}, lastAttempt(d)),
                  h("td", {}, kind === "pending" ? (d.nextAttempt ? when(d.nextAttempt) : "after the actor's earlier change") : when(d.deadAt)),
                  kind === "dead" ? action : null,
                );
              }),
            ),
          ),
      found.next !== null ? h("p", { class: "muted" }, `The first ${PAGE}.`) : null,
    );
  };

  const load = async (): Promise<void> => {
    let w: Webhook;
    try {
      w = await get<Webhook>(`/v1/webhooks/${enc(id)}`);
    } catch (e) {
      fill(facts, adminOnly(e));
      return;
    }
    heading.textContent = `Webhook ${w.url}`;
    const toggle = h(
      "button",
      {
        type: "button",
        onclick: () => {
          call("PATCH", `/v1/webhooks/${enc(id)}`, { enabled: !w.enabled }).then(
            () => void load(),
            (e) => facts.appendChild(errorBox(e)),
          );
        },
      },
      w.enabled ? "Disable" : "Enable: deliver what waits, in order",
    );
    const since = h("input", { id: "since", name: "since", type: "datetime-local", step: 1, required: true });
    const sinceForm = h(
      "form",
      { class: "inline" },
      h("label", { for: "since" }, "Deliver every change since (UTC)"),
      since,
      h("button", { type: "submit" }, "Redeliver since"),
    );
    sinceForm.addEventListener("submit", (e) => {
      e.preventDefault();
      if (!since.value) return;
      redeliver({ since: `${since.value.length === 16 ? `${since.value}:00` : since.value}Z` }, sinceForm);
    });
    fill(
      facts,
      h(
        "dl",
        { class: "facts" },
        h("dt", {}, "Id"),
        h("dd", {}, h("code", {}, w.id)),
        h("dt", {}, "Description"),
        h("dd", {}, w.description ?? ""),
        h("dt", {}, "Told of"),
        h("dd", {}, filters(w)),
        h("dt", {}, "State"),
        h("dd", { class: "webhook-state" }, state(w)),
        h("dt", {}, "Looked at"),
        h("dd", {}, `changes up to ${w.cursor}`),
        h("dt", {}, "Pending"),
        h("dd", {}, w.pending),
        h("dt", {}, "Dead letters"),
        h("dd", {}, w.dead),
        w.previousSecretExpiresAt ? [h("dt", {}, "Previous secret"), h("dd", {}, `signs too until ${when(w.previousSecretExpiresAt)}`)] : null,
      ),
      h("div", { class: "actions" }, toggle),
      sinceForm,
    );
    await Promise.all([deliveries(pending, "pending"), deliveries(dead, "dead")]);
  };
  await load();
  const again = debounce(() => void load().catch((e) => facts.appendChild(errorBox(e))), 1000);
  return { onChange: () => again() };
}
