import type { Problem, ProblemCode } from "./types.js";

/**
 * What went wrong where no server answered with a problem document:
 *
 * - `timeout`: no complete answer within the call's `timeoutMs`;
 * - `aborted`: the caller's `signal` aborted the call;
 * - `network_error`: the server could not be reached (refused, reset, DNS);
 * - `unexpected_response`: an answer that is not what the API describes (a proxy's HTML
 *   error page, a body that is not JSON).
 *
 * The client also refuses some calls before sending anything, with the server's own codes for
 * the same mistakes: `invalid_request` (a value JSON cannot carry, such as NaN) and
 * `unknown_field` (an option the method does not take); `status` is null then.
 */
export type ClientErrorCode = "timeout" | "aborted" | "network_error" | "unexpected_response";

/** Every code a {@link StatekeepError} may carry. */
export type ErrorCode = ProblemCode | ClientErrorCode;

/**
 * The one error the client throws. Act on `code` (stable words: `actor_not_found`,
 * `seq_conflict`, `needs_rescue`, ...); `message` is for people and may change.
 */
export class StatekeepError extends Error {
  override readonly name = "StatekeepError";
  /** The HTTP status, or null when no server answered (or the client refused the call). */
  readonly status: number | null;
  /**
   * The condition. A server newer than this client may send a code this version does not
   * list: it is passed on as sent (hence the open string type).
   */
  readonly code: ErrorCode | (string & {});
  /**
   * The server's problem document (RFC 9457) as sent, with its extension members: `field` and
   * `allowed` (unknown_field), `path` (definition_invalid), `deployment` and `reason`
   * (needs_rescue). Null when there was none.
   */
  readonly problem: Problem | null;

  constructor(
    message: string,
    init: { status: number | null; code: ErrorCode | (string & {}); problem?: Problem | null; cause?: unknown },
  ) {
    super(message, init.cause === undefined ? undefined : { cause: init.cause });
    this.status = init.status;
    this.code = init.code;
    this.problem = init.problem ?? null;
  }
}

/** A refusal by the client itself, before anything is sent. */
export function refused(code: "invalid_request" | "unknown_field", message: string): StatekeepError {
  return new StatekeepError(message, { status: null, code });
}
