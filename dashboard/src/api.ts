// The public JSON API, with the API key the user entered (kept in sessionStorage for the tab).

const KEY = "statekeep.apiKey";

export interface Problem {
  code: string;
  detail: string;
  status: number;
  [k: string]: unknown;
}

export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
  ) {
    super(message);
  }
}

export interface Version {
  id: string;
  parentId: string | null;
  historyPath: string[];
  match: string;
  landing: string;
  stateMapping: Record<string, unknown>;
  guardDefault: boolean;
  definition: Definition;
  committedAt: string;
  delays: Record<string, unknown>;
  timers: string;
}

export interface Definition {
  id?: string;
  type?: string;
  initial?: string | { target: string };
  states?: Record<string, Definition>;
  on?: Record<string, unknown>;
  always?: unknown;
  after?: Record<string, unknown>;
  onDone?: unknown;
  history?: string;
  [k: string]: unknown;
}

export interface Deployment {
  id: string;
  parentId: string | null;
  historyPath: string[];
  match: string;
  landing: string;
  seq: number;
  scanned: number;
  total: number;
  done: boolean;
  counts: Record<string, number>;
  lastError: string | null;
}

export interface Reason {
  code: string;
  index?: number;
  event?: string;
  state?: unknown;
  message?: string;
  by?: string;
}

export interface Decision {
  kind: string;
  deployment: string;
  from: string;
  to: string;
  reason: Reason;
  landing: unknown;
  at?: string;
  actorId: string;
}

export interface Timer {
  id: string;
  kind: string;
  event: string;
  due: string;
  undelivered: { code: string; message?: string } | null;
}

export interface Actor {
  id: string;
  version: string;
  stateValue: unknown;
  status: string;
  context: unknown;
  seq: number;
  historyLength: number;
  fingerprint: string;
  needsRescue: { deployment: string; reason: Reason } | null;
  timers: Timer[];
}

export interface HistoryEntry {
  index: number;
  type: string;
  payload: Record<string, unknown>;
  at: string;
}

export interface Change {
  seq: number;
  kind: string;
  actorId: string;
  version: string;
  at: string;
  actorSeq: number;
  event: ({ type: string } & Record<string, unknown>) | null;
  stateValue: unknown;
  status: string;
  actions: unknown[];
  effects: unknown[];
  decisions: Decision[];
  timer: unknown;
}

export interface Page<T> {
  items: T[];
  next: string | number | null;
}

export interface Preview {
  migration: {
    wouldMigrate: string[];
    wouldStay: string[];
    wouldStrand: string[];
    pending: string[];
    counts: Record<string, number>;
    flows: { from: unknown; to: unknown; count: number }[];
    reasons: Record<string, Reason>;
    timers: Record<string, unknown>;
  };
  digest: string;
}

export function apiKey(): string | null {
  return sessionStorage.getItem(KEY);
}

export function setApiKey(key: string | null): void {
  if (key === null) sessionStorage.removeItem(KEY);
  else sessionStorage.setItem(KEY, key);
}

function headers(extra: Record<string, string> = {}): Record<string, string> {
  const key = apiKey();
  return { ...(key ? { Authorization: `Bearer ${key}` } : {}), Accept: "application/json", ...extra };
}

export async function call<T>(method: string, path: string, body?: unknown): Promise<T> {
  const init: RequestInit = { method, headers: headers(body === undefined ? {} : { "Content-Type": "application/json" }) };
  if (body !== undefined) init.body = JSON.stringify(body);
  const response = await fetch(path, init);
  const text = await response.text();
  const value: unknown = text ? JSON.parse(text) : null;
  if (!response.ok) {
    const p = (value ?? {}) as Partial<Problem>;
    throw new ApiError(response.status, p.code ?? "http_error", p.detail ?? `${method} ${path}: ${response.status}`);
  }
  return value as T;
}

export const get = <T>(path: string): Promise<T> => call<T>("GET", path);

/** Every item of a paged list, following `next` up to `most` items. */
export async function all<T>(path: string, most = 10_000): Promise<T[]> {
  const items: T[] = [];
  let cursor: string | number | null = null;
  do {
    const sep = path.includes("?") ? "&" : "?";
    const page: Page<T> = await get<Page<T>>(
      cursor === null ? `${path}${sep}limit=1000` : `${path}${sep}limit=1000&cursor=${encodeURIComponent(cursor)}`,
    );
    items.push(...page.items);
    cursor = page.next;
  } while (cursor !== null && items.length < most);
  return items;
}

export const enc = encodeURIComponent;

/** A version's number of actors in each state (by state id path), or null where the server has
 * no counts route yet. */
export async function stateCounts(version: string): Promise<Record<string, number> | null> {
  try {
    const found = await get<{ states: Record<string, number> }>(`/v1/definitions/${enc(version)}/counts`);
    return found.states;
  } catch (e) {
    if (e instanceof ApiError && (e.code === "route_not_found" || e.status === 404 || e.status === 405)) return null;
    throw e;
  }
}

/** Follow the change stream (fetch streaming: EventSource cannot send the key), reconnecting
 * from the last change seen. Calls `onChange` for each; `onState` with "live" or "offline". */
export function follow(onChange: (c: Change) => void, onState: (s: string) => void): () => void {
  const abort = new AbortController();
  let last: string | null = null;
  const run = async (): Promise<void> => {
    while (!abort.signal.aborted) {
      try {
        const extra: Record<string, string> = { Accept: "text/event-stream" };
        if (last !== null) extra["Last-Event-ID"] = last;
        const response = await fetch("/v1/changes/stream", { headers: headers(extra), signal: abort.signal });
        if (!response.ok || !response.body) throw new Error(`the change stream answered ${response.status}`);
        onState("live");
        const reader = response.body.pipeThrough(new TextDecoderStream()).getReader();
        let buffer = "";
        for (;;) {
          const { value, done } = await reader.read();
          if (done) break;
          buffer += value;
          let end: number;
          while ((end = buffer.indexOf("\n\n")) >= 0) {
            const block = buffer.slice(0, end);
            buffer = buffer.slice(end + 2);
            let id: string | null = null;
            const data: string[] = [];
            for (const line of block.split("\n")) {
              if (line.startsWith("id:")) id = line.slice(3).trim();
              else if (line.startsWith("data:")) data.push(line.slice(5).trimStart());
            }
            if (id !== null) last = id;
            if (data.length) onChange(JSON.parse(data.join("\n")) as Change);
          }
        }
      } catch (e) {
        if (abort.signal.aborted) return;
      }
      onState("offline");
      await new Promise((r) => setTimeout(r, 2000));
    }
  };
  void run();
  return () => abort.abort();
}
