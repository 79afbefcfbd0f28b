import type { components } from "./generated/openapi.js";
import { type ChangeStreamOptions, followChanges } from "./changes.js";
import { refused } from "./errors.js";
import { type CallOptions, type Query, Transport } from "./http.js";
import { Paged } from "./pages.js";
import type {
  Actor,
  ActorStatus,
  ApiKey,
  Change,
  ChangePage,
  Decision,
  Definition,
  Deployment,
  EventObject,
  Health,
  HistoryEntry,
  MachineDefinition,
  Page,
  Preview,
  Scope,
  StatekeepEvent,
  StepResult,
  Timer,
  TimerStats,
  Validation,
  Redelivered,
  Webhook,
  WebhookDelivery,
} from "./types.js";

type Schemas = components["schemas"];

export interface ClientOptions {
  /** The server, such as `http://127.0.0.1:8080` (a path prefix behind a proxy is kept). */
  baseUrl: string;
  /** An API key, `sk_...`, sent as `Authorization: Bearer`. */
  apiKey?: string | undefined;
  /** How long a call may take, answer included, in milliseconds: 60,000 unless given; Infinity for no limit. */
  timeoutMs?: number;
  /** The fetch to call (Node's global one unless given): for a proxy agent, or to observe calls. */
  fetch?: typeof globalThis.fetch;
}

/** A request body's fields, as a method's options: the server's names, minus what the method's arguments give. */
type BodyOptions<Body, Positional extends keyof Body> = Omit<Body, Positional> & CallOptions;

export type DeployOptions = BodyOptions<Schemas["DeployRequest"], "id" | "definition">;
/** A preview's options; `parentId`, the version whose actors it decides, is required. */
export type PreviewOptions = BodyOptions<Schemas["PreviewRequest"], "id" | "definition">;
export type ValidateOptions = BodyOptions<Schemas["ValidateRequest"], "definition">;
/** `initialContext` and `id` (StateKeep's names) are left out: the arguments give them. */
export type SpawnOptions = BodyOptions<
  Schemas["SpawnRequest"],
  "definitionId" | "context" | "initialContext" | "id"
>;
export type SpawnManyOptions = BodyOptions<Schemas["SpawnManyRequest"], "definitionId" | "contexts">;
export type CreateApiKeyOptions = BodyOptions<Schemas["KeyRequest"], "scope">;
/** A new endpoint: `url`, and the filters (`definitions`, `kinds`, `actions`; empty or left out: all). */
export type CreateWebhookOptions = Schemas["WebhookRequest"] & CallOptions;
/** What to change; a field left out or null is left as it is (an empty list clears a filter). */
export type UpdateWebhookOptions = Schemas["WebhookUpdate"] & CallOptions;
/** How long the previous secret still signs beside the new one: `overlapSeconds`, a day unless given. */
export type RotateWebhookSecretOptions = Schemas["RotateSecretRequest"] & CallOptions;

export interface WebhookDeliveryListOptions extends ListOptions {
  /** `pending` (the default): waiting or being tried; `dead`: the dead letters. */
  status?: "pending" | "dead";
  /** Start after this change number (not with `cursor`). */
  after?: number;
}

/** What to deliver again: one change by its number, or every change committed at `since` or later. */
export type RedeliverOptions = CallOptions & ({ seq: number; since?: never } | { since: Date | string; seq?: never });

/** What a send carries beside its event. */
export interface SendOptions extends CallOptions {
  /** The outcomes of the guards the step may consult, by name (the engine evaluates none). */
  guards?: Record<string, boolean> | null;
  /** A retry with the same key gets the first answer, without applying the event again. */
  idempotencyKey?: string | null;
  /** Refuse with `seq_conflict` unless the actor's `seq` is this (compare-and-set). */
  expectedSeq?: number | null;
}

export interface ScheduleOptions extends CallOptions {
  /** When to send it: a Date, or RFC 3339 text. Give this or `delayMs`. */
  at?: Date | string | null;
  /** How long from now to send it, in milliseconds. Give this or `at`. */
  delayMs?: number | null;
  /** Its id, to cancel it by; scheduling the same id again replaces it. One is made if left out. */
  id?: string | null;
  idempotencyKey?: string | null;
}

/** How a list is read. */
export interface ListOptions extends CallOptions {
  /** Items per request (the server's `limit`): 100 unless given, at most 1,000. */
  pageSize?: number;
  /** Go on from a page's `next`, kept from an earlier read of the same list. */
  cursor?: string;
}

export interface ActorListOptions extends ListOptions {
  /** Only actors on this version. */
  definitionId?: string;
  /** Only actors in this state value: a state's name, or a compound value as an object. */
  state?: string | Record<string, unknown>;
  status?: ActorStatus;
  /** Only actors in this state at any depth, by its dotted path (`open.light.off`): in a parallel
   * region or with children of its own too, as the chart's counts count them. */
  inState?: string;
  /** `true`: only the stranded actors still marked as needing rescue; `false`: only the others. */
  needsRescue?: boolean;
  /** Start after this actor id (not with `cursor`). */
  after?: string;
}

export interface HistoryOptions extends ListOptions {
  /** `true`: the latest event first, then older ones (a long history's latest page in one read). */
  newestFirst?: boolean;
  /** Oldest first: start after the event with this index (not with `cursor`). */
  after?: number;
  /** Newest first: start before the event with this index (not with `cursor`). */
  before?: number;
}

export interface DecisionListOptions extends ListOptions {
  /** Only this deployment's records. */
  deployment?: string;
}

export interface ChangePageOptions extends CallOptions {
  /** Only changes numbered above this: 0 (from the first kept) unless given; a page's `next` to go on. */
  after?: number;
  /** Changes per page: 100 unless given, at most 1,000. */
  limit?: number;
  /** Only this actor's changes. */
  actor?: string;
  /** Only the changes of actors on this version. */
  definition?: string;
}

export interface SendManyItem {
  actorId: string;
  event: StatekeepEvent;
}

/** The fields of a send's body that are not the event's (every other field is its payload). */
const SEND_CONTROLS = ["guards", "idempotencyKey", "expectedSeq"] as const;
const SEND_OPTIONS = new Set<string>([...SEND_CONTROLS, "signal", "timeoutMs"]);
const CHANGE_STREAM_OPTIONS = new Set<string>([
  "after",
  "actor",
  "definition",
  "signal",
  "retries",
  "retryDelayMs",
  "idleTimeoutMs",
  "timeoutMs",
]);

/** A client of the statekeep server at `baseUrl`. */
export function createClient(options: ClientOptions): StatekeepClient {
  return new StatekeepClient(options);
}

export class StatekeepClient {
  readonly #http: Transport;

  constructor(options: ClientOptions) {
    if (typeof options?.baseUrl !== "string" || !/^https?:\/\/[^/]/i.test(options.baseUrl)) {
      throw refused("invalid_request", `baseUrl must be the server's http(s) URL, such as http://127.0.0.1:8080`);
    }
    const timeoutMs = options.timeoutMs ?? 60_000;
    if (!(timeoutMs > 0)) {
      throw refused("invalid_request", `timeoutMs must be more than 0 (Infinity for no limit), not ${timeoutMs}`);
    }
    this.#http = new Transport({
      baseUrl: options.baseUrl,
      apiKey: options.apiKey,
      timeoutMs,
      fetch: options.fetch ?? globalThis.fetch,
    });
  }

  /** The server this client calls. */
  get baseUrl(): string {
    return this.#http.baseUrl;
  }

  // ----- versions ------------------------------------------------------------------------

  /**
   * Deploy `definition` as version `id`. With `parentId` and `historyPath`, the actors on the
   * parent whose history begins with the path move to it (an empty or missing path: every
   * actor, a wildcard); `expect`, a preview's digest, deploys only if the outcome is still that.
   */
  async deploy(id: string, definition: MachineDefinition, options: DeployOptions = {}): Promise<Deployment> {
    const [fields, call] = split(options);
    return this.#http.call("PUT", "/v1/definitions", { id, definition, ...fields }, undefined, call);
  }

  /** What deploying would do to every actor on `parentId`, and its digest; writes nothing. */
  async preview(id: string, definition: MachineDefinition, options: PreviewOptions): Promise<Preview> {
    const [fields, call] = split(options);
    return this.#http.call("POST", "/v1/definitions/preview", { id, definition, ...fields }, undefined, call);
  }

  /** Compile a definition and say what is wrong with it (a valid answer, not an error). */
  async validate(definition: MachineDefinition, options: ValidateOptions = {}): Promise<Validation> {
    const [fields, call] = split(options);
    return this.#http.call("POST", "/v1/definitions/validate", { definition, ...fields }, undefined, call);
  }

  /** Every committed version, in commit order. */
  definitions(options: ListOptions = {}): Paged<Definition> {
    return this.#list(() => "/v1/definitions", options, {});
  }

  async definition(id: string, options: CallOptions = {}): Promise<Definition> {
    return this.#http.call("GET", `/v1/definitions/${seg(id)}`, undefined, undefined, options);
  }

  /** A deployment's progress: its scan and its decision counts. */
  async deployment(id: string, options: CallOptions = {}): Promise<Deployment> {
    return this.#http.call("GET", `/v1/deployments/${seg(id)}`, undefined, undefined, options);
  }

  /** Every decision of a deployment, written or implied, in actor id order. */
  deploymentDecisions(id: string, options: ListOptions = {}): Paged<Decision> {
    return this.#list(() => `/v1/deployments/${seg(id)}/decisions`, options, {});
  }

  // ----- actors --------------------------------------------------------------------------

  /** Spawn an actor on version `definitionId`, with `context` (the definition's when left out). */
  async spawn(definitionId: string, context?: unknown, options: SpawnOptions = {}): Promise<Actor> {
    const [fields, call] = split(options);
    const body = { definitionId, ...(context === undefined ? {} : { context }), ...fields };
    return this.#http.call("POST", "/v1/actors", body, undefined, call);
  }

  /** Spawn an actor per context, in one transaction: all of them, or none. */
  async spawnMany(definitionId: string, contexts: unknown[], options: SpawnManyOptions = {}): Promise<Actor[]> {
    const [fields, call] = split(options);
    return this.#http.call("POST", "/v1/actors/batch", { definitionId, contexts, ...fields }, undefined, call);
  }

  /**
   * Send an event: `"SUBMIT_INFO"`, or `{ type: "PAY_FEE", amount: 50 }` (the fields beside
   * `type` are its payload). Answers once the step is durable.
   */
  async send(actorId: string, event: StatekeepEvent, options: SendOptions = {}): Promise<StepResult> {
    // The options share the body with the payload: a misspelt one would be sent as a payload
    // field, silently. So they are checked here.
    for (const name of Object.keys(options)) {
      if (!SEND_OPTIONS.has(name)) {
        throw refused(
          "unknown_field",
          `'${name}' is not an option of send${closest(name, SEND_OPTIONS)}; its options are: ` +
            `${[...SEND_OPTIONS].join(", ")} (an event's payload goes in the event: { type, ...fields })`,
        );
      }
    }
    const [fields, call] = split(options);
    const body = { ...eventBody(event, "the event", SEND_CONTROLS), ...fields };
    return this.#http.call("POST", `/v1/actors/${seg(actorId)}/events`, body, undefined, call);
  }

  /** Send many events, to one actor or many, in one transaction: all apply, or none. */
  async sendMany(items: SendManyItem[], options: CallOptions = {}): Promise<StepResult[]> {
    const events = items.map(({ actorId, event }, i) => ({
      actorId,
      ...eventBody(event, `items[${i}].event`, ["actorId"]),
    }));
    return this.#http.call("POST", "/v1/events", { events }, undefined, options);
  }

  /** An actor as of now. */
  async get(actorId: string, options: CallOptions = {}): Promise<Actor> {
    return this.#http.call("GET", `/v1/actors/${seg(actorId)}`, undefined, undefined, options);
  }

  /** Actors in id order, filtered by version, state value or status. */
  actors(options: ActorListOptions = {}): Paged<Actor> {
    const { definitionId, state, status, inState, needsRescue, after, ...rest } = options;
    const stateText = state === undefined || typeof state === "string" ? state : JSON.stringify(state);
    const rescue = needsRescue === undefined ? undefined : String(needsRescue);
    return this.#list(() => "/v1/actors", rest, {
      definitionId,
      state: stateText,
      status,
      inState,
      needsRescue: rescue,
      after,
    });
  }

  /** The actor's handled events, oldest first (or newest first with `newestFirst`). */
  history(actorId: string, options: HistoryOptions = {}): Paged<HistoryEntry> {
    const { newestFirst, after, before, ...rest } = options;
    const order = newestFirst ? "desc" : undefined;
    return this.#list(() => `/v1/actors/${seg(actorId)}/history`, rest, { order, after, before });
  }

  /** The decision records about the actor: migrated, stayed, stranded, superseded, released. */
  decisions(actorId: string, options: DecisionListOptions = {}): Paged<Decision> {
    const { deployment, ...rest } = options;
    return this.#list(() => `/v1/actors/${seg(actorId)}/decisions`, rest, { deployment });
  }

  /** Clear a stranded actor's mark (recorded as `released`); it goes on on its version. */
  async release(actorId: string, options: CallOptions = {}): Promise<Decision> {
    return this.#http.call("POST", `/v1/actors/${seg(actorId)}/release`, undefined, undefined, options);
  }

  /** Terminate an actor: it refuses events from now on; its history and decisions stay. */
  async terminate(actorId: string, options: CallOptions = {}): Promise<Actor> {
    return this.#http.call("DELETE", `/v1/actors/${seg(actorId)}`, undefined, undefined, options);
  }

  // ----- timers --------------------------------------------------------------------------

  /** Schedule an event for the actor, sent by the server at its time, durably, exactly once. */
  async schedule(actorId: string, event: StatekeepEvent, options: ScheduleOptions): Promise<Timer> {
    const [{ at, ...fields }, call] = split(options);
    const body = {
      event: eventBody(event, "the event", []),
      ...(at === undefined ? {} : { at: at instanceof Date ? dateText(at) : at }),
      ...fields,
    };
    return this.#http.call("POST", `/v1/actors/${seg(actorId)}/schedule`, body, undefined, call);
  }

  /** The actor's timers, soonest first: its delayed transitions and the events scheduled for it. */
  scheduled(actorId: string, options: ListOptions = {}): Paged<Timer> {
    return this.#list(() => `/v1/actors/${seg(actorId)}/schedule`, options, {});
  }

  /** Cancel a scheduled event that has not fired, or dismiss one that could not be delivered. */
  async cancelScheduled(actorId: string, scheduleId: string, options: CallOptions = {}): Promise<void> {
    await this.#http.call("DELETE", `/v1/actors/${seg(actorId)}/schedule/${seg(scheduleId)}`, undefined, undefined, options);
  }

  /** The store's timers: pending, overdue, the next due, and how late the server fired its last ones. */
  async timerStats(options: CallOptions = {}): Promise<TimerStats> {
    return this.#http.call("GET", "/v1/timers", undefined, undefined, options);
  }

  // ----- the outbox ----------------------------------------------------------------------

  /**
   * The change stream: every change committed from now on (or after `after`), in commit
   * order, as it commits, for as long as it is read. A dropped connection is reopened after
   * the last change yielded, so nothing is missed or repeated; breaking out of the loop, or
   * aborting `signal`, closes it.
   *
   *     for await (const change of sk.changes({ after: saved })) { handle(change); saved = change.seq; }
   */
  changes(options: ChangeStreamOptions = {}): AsyncGenerator<Change, void, undefined> {
    // Checked now: a misspelt `after` would otherwise stream from now on, silently.
    for (const name of Object.keys(options)) {
      if (!CHANGE_STREAM_OPTIONS.has(name)) {
        throw refused(
          "unknown_field",
          `'${name}' is not an option of changes${closest(name, CHANGE_STREAM_OPTIONS)}; its options are: ` +
            [...CHANGE_STREAM_OPTIONS].join(", "),
        );
      }
    }
    // `after` and the filters are the server's to check: it refuses a bad one by name.
    const { retries, retryDelayMs, idleTimeoutMs } = options;
    if ((retries !== undefined && !(retries >= 0)) || (retryDelayMs !== undefined && !(retryDelayMs >= 0))) {
      throw refused("invalid_request", "'retries' and 'retryDelayMs' are at least 0");
    }
    if (idleTimeoutMs !== undefined && !(idleTimeoutMs > 0)) {
      throw refused("invalid_request", "'idleTimeoutMs' is more than 0");
    }
    return followChanges(this.#http, (signal) => this.lastChange({ signal }), options);
  }

  /** One page of changes, to poll: `{ items, next, last }`; ask again with `after: page.next`. */
  async changePage(options: ChangePageOptions = {}): Promise<ChangePage> {
    const [query, call] = split(options);
    // A misspelt parameter goes to the server, which refuses it by name (unknown_parameter).
    return this.#http.call("GET", "/v1/changes", undefined, query as Query, call);
  }

  /** The number of the last change committed (0 before any). */
  async lastChange(options: CallOptions = {}): Promise<number> {
    const page = await this.changePage({ after: 0, limit: 1, ...options });
    return page.last;
  }

  // ----- API keys (an admin key's) ---------------------------------------------------------

  /** A new API key; its `token` is in this answer only. */
  async createApiKey(scope: Scope, options: CreateApiKeyOptions = {}): Promise<ApiKey> {
    const [fields, call] = split(options);
    return this.#http.call("POST", "/v1/keys", { scope, ...fields }, undefined, call);
  }

  /** The API keys, without their tokens, in id order. */
  apiKeys(options: ListOptions = {}): Paged<ApiKey> {
    return this.#list(() => "/v1/keys", options, {});
  }

  async revokeApiKey(keyId: string, options: CallOptions = {}): Promise<void> {
    await this.#http.call("DELETE", `/v1/keys/${seg(keyId)}`, undefined, undefined, options);
  }

  // ----- webhooks (an admin key's) --------------------------------------------------------

  /**
   * Add an endpoint, told of every change committed from now on that its filters take. The
   * answer holds its `secret` (`whsec_...`), shown only here: give it to the receiver, which
   * verifies each delivery with `verifyWebhook` (`@statekeep/client/webhooks`).
   */
  async createWebhook(options: CreateWebhookOptions): Promise<Webhook> {
    const [fields, call] = split(options);
    return this.#http.call("POST", "/v1/webhooks", fields, undefined, call);
  }

  /** The endpoints, without their secrets, in id order. */
  webhooks(options: ListOptions = {}): Paged<Webhook> {
    return this.#list(() => "/v1/webhooks", options, {});
  }

  async webhook(id: string, options: CallOptions = {}): Promise<Webhook> {
    return this.#http.call("GET", `/v1/webhooks/${seg(id)}`, undefined, undefined, options);
  }

  /** Change an endpoint's URL, filters or description; `enabled: false` disables it, `true` enables it again. */
  async updateWebhook(id: string, patch: UpdateWebhookOptions): Promise<Webhook> {
    const [fields, call] = split(patch);
    return this.#http.call("PATCH", `/v1/webhooks/${seg(id)}`, fields, undefined, call);
  }

  /** Delete an endpoint, with its pending deliveries and dead letters. */
  async deleteWebhook(id: string, options: CallOptions = {}): Promise<void> {
    await this.#http.call("DELETE", `/v1/webhooks/${seg(id)}`, undefined, undefined, options);
  }

  /**
   * A new signing secret (in the answer's `secret`, shown only here). The previous one still
   * signs beside it for `overlapSeconds` (a day unless given): deploy the new one within it.
   */
  async rotateWebhookSecret(id: string, options: RotateWebhookSecretOptions = {}): Promise<Webhook> {
    const [fields, call] = split(options);
    return this.#http.call("POST", `/v1/webhooks/${seg(id)}/rotate-secret`, fields, undefined, call);
  }

  /** The endpoint's pending deliveries, or with `status: "dead"` its dead letters, by change number. */
  webhookDeliveries(id: string, options: WebhookDeliveryListOptions = {}): Paged<WebhookDelivery> {
    const { status, after, ...rest } = options;
    return this.#list(() => `/v1/webhooks/${seg(id)}/deliveries`, rest, { status, after });
  }

  /**
   * Deliver again one change (`seq`: a dead letter, or one delivered before) or every change
   * committed since a time (`since`) that the filters take. The same `webhook-id` as before:
   * receivers dedupe on it.
   */
  async redeliver(id: string, options: RedeliverOptions): Promise<Redelivered> {
    const [{ seq, since }, call] = split(options);
    const body = {
      ...(seq === undefined ? {} : { seq }),
      ...(since === undefined ? {} : { since: since instanceof Date ? dateText(since, "since") : since }),
    };
    return this.#http.call("POST", `/v1/webhooks/${seg(id)}/redeliver`, body, undefined, call);
  }

  // ----- the server ----------------------------------------------------------------------

  /** Whether the server is up (no API key needed). */
  async health(options: CallOptions = {}): Promise<Health> {
    return this.#http.call("GET", "/v1/health", undefined, undefined, options);
  }

  /** A list route, page by page; the filters in `query`, any other option is a page's or a call's. */
  #list<T>(path: () => string, options: ListOptions, query: Query): Paged<T> {
    const { pageSize, cursor, ...rest } = options;
    const [extra, call] = split(rest);
    // A misspelt filter goes to the server as a parameter, which refuses it by name
    // (unknown_parameter), rather than being dropped here.
    const filters: Query = { ...query, ...(extra as Query), limit: pageSize };
    // Where a list goes on is in the cursor, a start given as `after` too: the pages after the
    // first send the cursor alone (the server refuses both together).
    const { after: _start, ...onwards } = filters;
    return new Paged<T>(
      // The path is made when a page is fetched, so a bad id fails the read, as any other error does.
      (next, first) =>
        this.#http.call<Page<T>>("GET", path(), undefined, { ...(first ? filters : onwards), cursor: next }, call),
      cursor,
    );
  }
}

/** A method's options split into the body's (or query's) fields and the call's own. */
function split<T extends CallOptions>(options: T): [Omit<T, keyof CallOptions>, CallOptions] {
  const { signal, timeoutMs, ...fields } = options;
  const call: CallOptions = {};
  if (signal !== undefined) call.signal = signal;
  if (timeoutMs !== undefined) call.timeoutMs = timeoutMs;
  return [fields, call];
}

/**
 * An event as the server takes it: `type` with its payload fields beside it. `reserved` are
 * the names the body it goes into uses for itself: a payload field of that name would be read
 * as the body's own, so it is refused.
 */
function eventBody(event: StatekeepEvent, where: string, reserved: readonly string[]): EventObject {
  if (typeof event === "string") {
    if (event === "") {
      throw refused("invalid_request", `${where} needs a type: a non-empty string`);
    }
    return { type: event };
  }
  if (typeof event !== "object" || event === null || typeof event.type !== "string" || event.type === "") {
    throw refused("invalid_request", `${where} is a type string or an object with a non-empty string 'type'`);
  }
  for (const name of reserved) {
    if (Object.hasOwn(event, name)) {
      throw refused(
        "invalid_request",
        `${where} has a payload field '${name}', which the HTTP API would read as the request's own ` +
          `'${name}', not the event's: rename the payload field`,
      );
    }
  }
  return event;
}

/** RFC 3339 in UTC with milliseconds, as the server writes times. */
function dateText(date: Date, name = "at"): string {
  if (Number.isNaN(date.getTime())) {
    throw refused("invalid_request", `'${name}' is an invalid Date`);
  }
  return date.toISOString();
}

function seg(id: string): string {
  if (typeof id !== "string" || id === "") {
    throw refused("invalid_request", `an id is a non-empty string, not ${JSON.stringify(id)}`);
  }
  return encodeURIComponent(id);
}

function closest(name: string, names: Set<string>): string {
  const lower = name.toLowerCase();
  const found = [...names].find((n) => n.toLowerCase() === lower);
  return found === undefined ? "" : ` (did you mean '${found}'?)`;
}
