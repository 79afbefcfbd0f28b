// The change stream: GET /v1/changes/stream read with fetch (an EventSource cannot send the
// API key), parsed as server-sent events, and reopened after a dropped connection with
// Last-Event-ID set to the last change yielded, so that nothing is missed or yielded twice.
import { StatekeepError } from "./errors.js";
import { describeError, type OpenStream, type Transport } from "./http.js";
import { EventStreamParser } from "./sse.js";
import type { Change } from "./types.js";

export interface ChangeStreamOptions {
  /**
   * Start after the change with this number (a change's `seq`: the last one handled, kept by
   * the application); from now on when left out.
   */
  after?: number;
  /** Only this actor's changes. */
  actor?: string;
  /** Only the changes of actors on this version. */
  definition?: string;
  /** Aborting it ends the iteration (no error) and closes the connection. */
  signal?: AbortSignal;
  /**
   * How many times in a row a connection may fail (refused, cut, silent, a 5xx) before the
   * iteration throws: 8 unless given; Infinity to go on for ever. A connection that delivers a
   * change, or stays up for 5 s, starts the count again.
   */
  retries?: number;
  /**
   * The pause before the second attempt in a row, in milliseconds (the first is at once),
   * doubled for each further one up to 10 s, less a random part of up to half: 250 unless given.
   */
  retryDelayMs?: number;
  /**
   * How long an open connection may stay silent before it is taken as dead and reopened, in
   * milliseconds: 45,000 unless given (the server sends a comment every 15 s when idle).
   */
  idleTimeoutMs?: number;
  /** How long each connection's answer (status and headers) may take: the client's `timeoutMs` unless given. */
  timeoutMs?: number;
}

/** A connection that lasted this long was healthy: its end is not one more failure in a row. */
const HEALTHY_MS = 5_000;
const MAX_DELAY_MS = 10_000;

/** @internal The client's `changes()`, its options checked. */
export async function* followChanges(
  http: Transport,
  lastChange: (signal: AbortSignal) => Promise<number>,
  options: ChangeStreamOptions,
): AsyncGenerator<Change, void, undefined> {
  const { actor, definition } = options;
  const retries = options.retries ?? 8;
  const retryDelayMs = options.retryDelayMs ?? 250;
  const idleTimeoutMs = options.idleTimeoutMs ?? 45_000;
  const signal = options.signal ?? new AbortController().signal;
  if (signal.aborted) return;

  // From now on: the number of the last change, asked first, so that a reconnection before
  // the first change still resumes from there (a stream opened without a start would begin
  // from the server's "now" each time, and miss what was committed in between).
  let cursor: number;
  if (options.after === undefined) {
    try {
      cursor = await lastChange(signal);
    } catch (e) {
      if (signal.aborted) return;
      throw e;
    }
  } else {
    cursor = options.after;
  }

  let failures = 0;
  for (let attempt = 0; !signal.aborted; attempt++) {
    let stream: OpenStream | undefined;
    let idle: ReturnType<typeof setTimeout> | undefined;
    let silent = false;
    const opened = Date.now();
    let delivered = false;
    try {
      // The first connection names its start as `after` (a bad one is refused by that name);
      // every reconnection resumes with Last-Event-ID, as the standard's clients do.
      stream = await http.open(
        "/v1/changes/stream",
        { after: attempt === 0 ? cursor : undefined, actor, definition },
        "text/event-stream",
        {
          signal,
          ...(options.timeoutMs === undefined ? {} : { timeoutMs: options.timeoutMs }),
          ...(attempt === 0 ? {} : { headers: { "Last-Event-ID": String(cursor) } }),
        },
      );
      const open = stream;
      const watch = () => {
        clearTimeout(idle);
        idle = setTimeout(() => {
          silent = true;
          open.close();
        }, idleTimeoutMs);
      };
      watch();
      const reader = stream.body.getReader();
      const parser = new EventStreamParser();
      for (;;) {
        const { done, value } = await reader.read();
        if (done) {
          throw new Error("the server closed the change stream");
        }
        watch();
        for (const event of parser.push(value)) {
          if (event.type !== "change") continue; // a type this client does not know yet
          const change = parseChange(event.data, event.id);
          if (change.seq <= cursor) continue; // already yielded: never twice
          cursor = change.seq;
          delivered = true;
          failures = 0;
          yield change;
          watch(); // the consumer's own time is not the server's silence
        }
      }
    } catch (e) {
      if (signal.aborted) return;
      if (e instanceof StatekeepError && !retryable(e)) throw e;
      if (delivered || Date.now() - opened >= HEALTHY_MS) failures = 0;
      failures++;
      if (failures > retries) {
        const why = silent ? `silent for ${idleTimeoutMs} ms` : e instanceof StatekeepError ? e.message : describeError(e);
        throw new StatekeepError(
          `the change stream of ${http.baseUrl} failed ${failures} times in a row (after change ${cursor}): ${why}`,
          {
            status: e instanceof StatekeepError ? e.status : null,
            code: e instanceof StatekeepError ? e.code : "network_error",
            problem: e instanceof StatekeepError ? e.problem : null,
            cause: e,
          },
        );
      }
      await pause(failures === 1 ? 0 : Math.min(retryDelayMs * 2 ** (failures - 2), MAX_DELAY_MS), signal);
    } finally {
      clearTimeout(idle);
      stream?.close(); // the consumer broke out, the signal aborted, or it failed
    }
  }
}

/** A failure worth another connection: no answer, or the server's trouble (5xx, 408, 429). */
function retryable(e: StatekeepError): boolean {
  if (e.status === null) return e.code !== "invalid_request" && e.code !== "unknown_field";
  return e.status >= 500 || e.status === 408 || e.status === 429;
}

function parseChange(data: string, id: string): Change {
  let change: Change;
  try {
    change = JSON.parse(data) as Change;
  } catch {
    throw new StatekeepError(`the change stream sent an event whose data is not JSON: ${data.slice(0, 200)}`, {
      status: 200,
      code: "unexpected_response",
    });
  }
  if (typeof change !== "object" || change === null || !Number.isSafeInteger(change.seq) || String(change.seq) !== id) {
    throw new StatekeepError(`the change stream sent an event that is not a change numbered by its id (${id}): ${data.slice(0, 200)}`, {
      status: 200,
      code: "unexpected_response",
    });
  }
  return change;
}

function pause(ms: number, signal: AbortSignal): Promise<void> {
  if (ms <= 0 || signal.aborted) return Promise.resolve();
  return new Promise((resolve) => {
    const done = () => {
      clearTimeout(timer);
      signal.removeEventListener("abort", done);
      resolve();
    };
    const timer = setTimeout(done, ms * (0.5 + Math.random() / 2));
    signal.addEventListener("abort", done, { once: true });
  });
}
