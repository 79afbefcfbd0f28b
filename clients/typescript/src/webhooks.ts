// Verifying a webhook delivery as the Standard Webhooks specification has it
// (standardwebhooks.com): what npm's `standardwebhooks` (and Svix's libraries) check, with
// Node's crypto. Imported as `@statekeep/client/webhooks`, so that the client's main entry
// keeps needing nothing but `fetch` (a browser bundle never pulls in node:crypto).
/// <reference types="node" />
import { Buffer } from "node:buffer";
import { createHmac, timingSafeEqual } from "node:crypto";
import type { Change } from "./types.js";

/** A delivery's `type`: `actor.` and the change's kind (`actor.event`, `actor.timer`, ...). */
export type WebhookEventType = `actor.${Change["kind"]}`;

/** What a delivery's body holds, once verified. */
export interface WebhookEvent {
  type: WebhookEventType;
  /** The change's commit time, RFC 3339 in UTC. */
  timestamp: string;
  /** The change, as `GET /v1/changes` has it. */
  data: Change;
}

/**
 * Why a delivery was not verified:
 *
 * - `missing_header`: no `webhook-id`, `webhook-timestamp` or `webhook-signature` (or one given
 *   twice);
 * - `invalid_timestamp`: `webhook-timestamp` is not a number of seconds;
 * - `timestamp_too_old`, `timestamp_too_new`: more than `toleranceSeconds` from now (a replay,
 *   or clocks out of sync);
 * - `no_matching_signature`: no `v1,` signature is the body's under any of the secrets (the body
 *   was changed, or the secret is not the endpoint's);
 * - `invalid_secret`: a secret that is not `whsec_` and base64;
 * - `invalid_payload`: signed, but not a delivery's JSON.
 */
export type WebhookVerificationReason =
  | "missing_header"
  | "invalid_timestamp"
  | "timestamp_too_old"
  | "timestamp_too_new"
  | "no_matching_signature"
  | "invalid_secret"
  | "invalid_payload";

/** The error {@link verifyWebhook} throws: act on `reason`; `message` is for people. */
export class WebhookVerificationError extends Error {
  override readonly name = "WebhookVerificationError";
  readonly reason: WebhookVerificationReason;

  constructor(reason: WebhookVerificationReason, message: string) {
    super(message);
    this.reason = reason;
  }
}

/**
 * A request's headers: Node's `req.headers` (lowercase names), a fetch `Headers`, or a plain
 * object (names in any case).
 */
export type WebhookHeaders =
  | { get(name: string): string | null }
  | Record<string, string | string[] | undefined>;

export interface VerifyWebhookOptions {
  /** How far `webhook-timestamp` may be from now, either way, in seconds: 300 unless given. */
  toleranceSeconds?: number;
  /** Now, as a Date or milliseconds since the epoch (`Date.now()` unless given). */
  now?: Date | number;
}

const SECRET_PREFIX = "whsec_";
const BASE64 = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/;
const encoder = new TextEncoder();

/**
 * Verify a delivery and answer its event: `payload` is the raw body, exactly as received (before
 * any JSON parsing), `headers` the request's, `secret` the endpoint's `whsec_...` secret (or
 * several: during a rotation's overlap, either the old or the new one verifies).
 *
 *     const event = verifyWebhook(rawBody, req.headers, process.env.WEBHOOK_SECRET!);
 *     // dedupe on req.headers["webhook-id"]: delivery is at least once
 *
 * Throws {@link WebhookVerificationError} when the delivery is not genuine or not fresh.
 */
export function verifyWebhook(
  payload: string | Uint8Array,
  headers: WebhookHeaders,
  secret: string | readonly string[],
  options: VerifyWebhookOptions = {},
): WebhookEvent {
  const toleranceSeconds = options.toleranceSeconds ?? 300;
  if (!(toleranceSeconds >= 0)) {
    throw new TypeError(`toleranceSeconds is at least 0, not ${toleranceSeconds}`);
  }
  const keys = (typeof secret === "string" ? [secret] : [...secret]).map(secretKey);
  if (keys.length === 0) {
    throw new WebhookVerificationError("invalid_secret", "no secret to verify with");
  }
  if (typeof payload !== "string" && !(payload instanceof Uint8Array)) {
    throw new TypeError("payload is the raw body: a string or bytes (Buffer), not a parsed object");
  }
  const id = header(headers, "webhook-id");
  const timestamp = header(headers, "webhook-timestamp");
  const signatures = header(headers, "webhook-signature");

  if (!/^\d{1,15}$/.test(timestamp)) {
    throw new WebhookVerificationError("invalid_timestamp", `webhook-timestamp is not Unix seconds: ${JSON.stringify(timestamp)}`);
  }
  const nowMs = options.now === undefined ? Date.now() : typeof options.now === "number" ? options.now : options.now.getTime();
  if (!Number.isFinite(nowMs)) {
    throw new TypeError("now is a valid Date or a number of milliseconds");
  }
  const skew = Math.floor(nowMs / 1000) - Number(timestamp);
  if (skew > toleranceSeconds) {
    throw new WebhookVerificationError("timestamp_too_old", `webhook-timestamp is ${skew} s old (at most ${toleranceSeconds} s)`);
  }
  if (-skew > toleranceSeconds) {
    throw new WebhookVerificationError(
      "timestamp_too_new",
      `webhook-timestamp is ${-skew} s in the future (at most ${toleranceSeconds} s)`,
    );
  }

  const body = typeof payload === "string" ? encoder.encode(payload) : payload;
  const expected = keys.map((key) =>
    Buffer.from(createHmac("sha256", key).update(`${id}.${timestamp}.`).update(body).digest("base64")),
  );
  let verified = false;
  for (const part of signatures.split(" ")) {
    const comma = part.indexOf(",");
    if (comma < 0 || part.slice(0, comma) !== "v1") continue; // another scheme, or none
    const given = Buffer.from(part.slice(comma + 1));
    for (const want of expected) {
      // Every comparison is made (no early exit on a match), each in constant time.
      if (given.length === want.length && timingSafeEqual(given, want)) verified = true;
    }
  }
  if (!verified) {
    throw new WebhookVerificationError(
      "no_matching_signature",
      "no webhook-signature matches the body under the secret(s): the body was changed, or the secret is not the endpoint's",
    );
  }

  let event: unknown;
  try {
    event = JSON.parse(typeof payload === "string" ? payload : new TextDecoder("utf-8", { fatal: true }).decode(payload));
  } catch (e) {
    throw new WebhookVerificationError("invalid_payload", `the body is not JSON: ${(e as Error).message}`);
  }
  if (
    typeof event !== "object" ||
    event === null ||
    typeof (event as WebhookEvent).type !== "string" ||
    typeof (event as WebhookEvent).timestamp !== "string" ||
    typeof (event as WebhookEvent).data !== "object" ||
    (event as WebhookEvent).data === null
  ) {
    throw new WebhookVerificationError("invalid_payload", "the body is not a delivery: {type, timestamp, data}");
  }
  return event as WebhookEvent;
}

/** A secret's key: the bytes of `whsec_<base64>` (or of the base64 alone). */
function secretKey(secret: string): Buffer {
  if (typeof secret !== "string") {
    throw new WebhookVerificationError("invalid_secret", "a secret is a string, whsec_ and base64");
  }
  const text = secret.startsWith(SECRET_PREFIX) ? secret.slice(SECRET_PREFIX.length) : secret;
  if (text === "" || !BASE64.test(text)) {
    throw new WebhookVerificationError("invalid_secret", "a secret is whsec_ and base64, as the server made it");
  }
  return Buffer.from(text, "base64");
}

function header(headers: WebhookHeaders, name: string): string {
  let value: string | string[] | null | undefined;
  if (typeof (headers as { get?: unknown }).get === "function") {
    value = (headers as { get(name: string): string | null }).get(name);
  } else {
    const record = headers as Record<string, string | string[] | undefined>;
    value = record[name] ?? Object.entries(record).find(([key]) => key.toLowerCase() === name)?.[1];
  }
  if (Array.isArray(value)) {
    if (value.length !== 1) {
      throw new WebhookVerificationError("missing_header", `${name} is given ${value.length} times`);
    }
    value = value[0];
  }
  if (typeof value !== "string" || value === "") {
    throw new WebhookVerificationError("missing_header", `the request has no ${name} header`);
  }
  return value;
}
