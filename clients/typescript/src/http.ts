// The transport: one HTTP call with the API key, a timeout, strict JSON out, and problem
// documents turned into StatekeepError. It knows no route; the client's methods do. `open`
// is its streaming call, for the change stream: the same headers, an answer left unread.
import { StatekeepError, refused } from "./errors.js";
import type { Problem } from "./types.js";

/** Per-call options every method takes. */
export interface CallOptions {
  /** Abort the call (its code is then `aborted`). */
  signal?: AbortSignal;
  /** Overrides the client's `timeoutMs` for this call. */
  timeoutMs?: number;
}

export interface TransportOptions {
  baseUrl: string;
  apiKey?: string | undefined;
  timeoutMs: number;
  fetch: typeof globalThis.fetch;
}

export type Query = Record<string, string | number | undefined>;

export class Transport {
  readonly baseUrl: string;
  readonly #apiKey: string | undefined;
  readonly #timeoutMs: number;
  readonly #fetch: typeof globalThis.fetch;

  constructor(options: TransportOptions) {
    // Paths are appended, not resolved, so a base behind a proxy's prefix keeps its prefix.
    this.baseUrl = options.baseUrl.replace(/\/+$/, "");
    this.#apiKey = options.apiKey;
    this.#timeoutMs = options.timeoutMs;
    this.#fetch = options.fetch;
  }

  /** The JSON answer of `method path`, or undefined for a 204. */
  async call<T>(method: string, path: string, body?: unknown, query?: Query, options: CallOptions = {}): Promise<T> {
    const url = this.baseUrl + path + queryText(query);
    const headers: Record<string, string> = { Accept: "application/json, application/problem+json" };
    if (this.#apiKey !== undefined) {
      headers["Authorization"] = `Bearer ${this.#apiKey}`;
    }
    let payload: string | undefined;
    if (body !== undefined) {
      payload = strictJson(body);
      headers["Content-Type"] = "application/json";
    }
    const timeoutMs = options.timeoutMs ?? this.#timeoutMs;
    const timeout = Number.isFinite(timeoutMs) ? AbortSignal.timeout(timeoutMs) : undefined;
    const signals = [timeout, options.signal].filter((s): s is AbortSignal => s !== undefined);
    const signal = signals.length > 1 ? AbortSignal.any(signals) : signals[0];
    const where = `${method} ${url}`;
    try {
      const response = await this.#fetch(url, {
        method,
        headers,
        ...(payload === undefined ? {} : { body: payload }),
        ...(signal === undefined ? {} : { signal }),
      });
      // The body is read under the same signal: a server that stalls mid-answer times out too.
      const text = await response.text();
      if (!response.ok) {
        throw problemError(response, text, where);
      }
      if (response.status === 204) {
        return undefined as T;
      }
      try {
        return JSON.parse(text) as T;
      } catch {
        throw new StatekeepError(`${where} answered ${response.status} with a body that is not JSON: ${excerpt(text)}`, {
          status: response.status,
          code: "unexpected_response",
        });
      }
    } catch (e) {
      if (e instanceof StatekeepError) {
        throw e;
      }
      if (timeout?.aborted && !options.signal?.aborted) {
        throw new StatekeepError(`${where} got no answer within ${timeoutMs} ms`, {
          status: null,
          code: "timeout",
          cause: e,
        });
      }
      if (options.signal?.aborted) {
        throw new StatekeepError(`${where} was aborted`, { status: null, code: "aborted", cause: e });
      }
      throw new StatekeepError(`cannot reach the statekeep server at ${this.baseUrl} (${where}): ${describeError(e)}`, {
        status: null,
        code: "network_error",
        cause: e,
      });
    }
  }

  /**
   * `GET path` whose body is a stream, left open for the caller to read: a failure to connect
   * or an error answer is a StatekeepError, as `call`'s are (the timeout covers the status and
   * headers only, not the body, which does not end).
   */
  async open(path: string, query: Query | undefined, accept: string, options: OpenOptions): Promise<OpenStream> {
    const url = this.baseUrl + path + queryText(query);
    const headers: Record<string, string> = { Accept: `${accept}, application/problem+json`, ...options.headers };
    if (this.#apiKey !== undefined) {
      headers["Authorization"] = `Bearer ${this.#apiKey}`;
    }
    const controller = new AbortController();
    const close = () => controller.abort();
    if (options.signal.aborted) {
      close();
    } else {
      options.signal.addEventListener("abort", close, { once: true });
    }
    const timeoutMs = options.timeoutMs ?? this.#timeoutMs;
    let timedOut = false;
    const timer = Number.isFinite(timeoutMs)
      ? setTimeout(() => {
          timedOut = true;
          close();
        }, timeoutMs)
      : undefined;
    const where = `GET ${url}`;
    try {
      const response = await this.#fetch(url, { method: "GET", headers, signal: controller.signal });
      if (!response.ok) {
        const text = await response.text();
        throw problemError(response, text, where);
      }
      const type = response.headers.get("content-type") ?? "";
      if (!type.toLowerCase().startsWith(accept) || response.body === null) {
        // Not read: a body that is not the stream asked for may not end either.
        throw new StatekeepError(`${where} answered ${response.status} ${type || "without a content type"}, not ${accept}`, {
          status: response.status,
          code: "unexpected_response",
        });
      }
      return {
        response,
        body: response.body,
        close: () => {
          options.signal.removeEventListener("abort", close);
          close();
        },
      };
    } catch (e) {
      options.signal.removeEventListener("abort", close);
      close();
      if (e instanceof StatekeepError) {
        throw e;
      }
      if (timedOut && !options.signal.aborted) {
        throw new StatekeepError(`${where} got no answer within ${timeoutMs} ms`, { status: null, code: "timeout", cause: e });
      }
      if (options.signal.aborted) {
        throw new StatekeepError(`${where} was aborted`, { status: null, code: "aborted", cause: e });
      }
      throw new StatekeepError(`cannot reach the statekeep server at ${this.baseUrl} (${where}): ${describeError(e)}`, {
        status: null,
        code: "network_error",
        cause: e,
      });
    } finally {
      clearTimeout(timer);
    }
  }
}

export interface OpenOptions {
  /** The caller's signal: aborting it closes the connection, body included. */
  signal: AbortSignal;
  /** How long the answer's status and headers may take, in milliseconds (Infinity: no limit). */
  timeoutMs?: number;
  headers?: Record<string, string>;
}

export interface OpenStream {
  response: Response;
  /** The body's bytes, as they arrive. */
  body: ReadableStream<Uint8Array>;
  /** Close the connection (and so the body). */
  close(): void;
}

function queryText(query: Query | undefined): string {
  if (query === undefined) {
    return "";
  }
  const params = new URLSearchParams();
  for (const [name, value] of Object.entries(query)) {
    if (value !== undefined) {
      params.set(name, String(value));
    }
  }
  const text = params.toString();
  return text === "" ? "" : `?${text}`;
}

/** An error answer as a StatekeepError: the problem document's code and message when there is one. */
function problemError(response: Response, text: string, where: string): StatekeepError {
  let doc: unknown;
  try {
    doc = JSON.parse(text);
  } catch {
    doc = undefined;
  }
  if (isProblem(doc)) {
    return new StatekeepError(doc.message ?? doc.detail, { status: response.status, code: doc.code, problem: doc });
  }
  // Not the server's own answer (a proxy's page, say): the status is all there is to go on.
  return new StatekeepError(
    `${where} answered ${response.status} ${response.statusText} without a problem document: ${excerpt(text)}`,
    { status: response.status, code: "unexpected_response" },
  );
}

function isProblem(doc: unknown): doc is Problem {
  if (typeof doc !== "object" || doc === null) {
    return false;
  }
  const { code, detail } = doc as Record<string, unknown>;
  return typeof code === "string" && typeof detail === "string";
}

function excerpt(text: string): string {
  const flat = text.replace(/\s+/g, " ").trim();
  return flat === "" ? "(empty)" : flat.length > 200 ? `${flat.slice(0, 200)}...` : JSON.stringify(flat);
}

/** Node's fetch says only "fetch failed"; the reason (ECONNREFUSED, ...) is in its cause. */
export function describeError(e: unknown): string {
  if (!(e instanceof Error)) {
    return String(e);
  }
  const cause = e.cause;
  if (cause instanceof Error) {
    const code = (cause as { code?: unknown }).code;
    return typeof code === "string" ? `${code}: ${cause.message}` : cause.message;
  }
  return e.message;
}

/**
 * JSON text of a request body, strictly: NaN, the infinities and BigInts have no JSON form
 * (JSON.stringify would send NaN as null, silently, and throw on a BigInt), so they are
 * refused before anything is sent, naming where they are.
 */
export function strictJson(value: unknown): string {
  checkJsonValue(value, "the request", new Set());
  return JSON.stringify(value);
}

function checkJsonValue(value: unknown, where: string, seen: Set<object>): void {
  if (typeof value === "number") {
    if (!Number.isFinite(value)) {
      throw refused("invalid_request", `${where} is ${value}, which JSON cannot carry: send a finite number`);
    }
    return;
  }
  if (typeof value === "bigint") {
    throw refused("invalid_request", `${where} is a BigInt, which JSON cannot carry: send a number or a string`);
  }
  if (typeof value !== "object" || value === null) {
    return;
  }
  if (typeof (value as { toJSON?: unknown }).toJSON === "function") {
    return; // a Date, say: sent as its toJSON() says
  }
  if (seen.has(value)) {
    throw refused("invalid_request", `${where} refers to itself: JSON cannot carry a cycle`);
  }
  seen.add(value);
  if (Array.isArray(value)) {
    value.forEach((item, i) => checkJsonValue(item, `${where}[${i}]`, seen));
  } else {
    for (const [key, item] of Object.entries(value)) {
      checkJsonValue(item, `${where}.${key}`, seen);
    }
  }
  seen.delete(value);
}
