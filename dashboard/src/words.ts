// Decisions and states in words.

import type { Decision, Reason } from "./api.js";

/** A state value as text: "fee", "a.b", "{a: x, b: y}". */
export function stateText(value: unknown): string {
  if (value === null || value === undefined) return "";
  if (typeof value === "string") return value;
  if (typeof value === "object") {
    const entries = Object.entries(value as Record<string, unknown>);
    if (entries.length === 1) {
      const [k, v] = entries[0]!;
      return `${k}.${stateText(v)}`;
    }
    return `{${entries.map(([k, v]) => `${k}: ${stateText(v)}`).join(", ")}}`;
  }
  return String(value);
}

/** Why, in words. `path` is the deployment's history path and `history` the actor's event types,
 * where known, to name what differs. */
export function reasonText(reason: Reason | null | undefined, path?: string[], history?: string[]): string {
  if (!reason) return "";
  switch (reason.code) {
    case "matched":
      return path && path.length
        ? `its history starts with the path ${path.join(", ")}`
        : "its history matches the deployment's path";
    case "differs": {
      const i = reason.index ?? 0;
      const expected = path?.[i];
      const got = history?.[i];
      if (got === undefined && expected !== undefined && history)
        return `the history ends at index ${i}, before the path's ${expected}`;
      if (got !== undefined && expected !== undefined)
        return `the history differs from the path at index ${i}: ${got}, not ${expected}`;
      return `the history differs from the path at index ${i}`;
    }
    case "longer_than_path":
      return "the history goes on past the path (the deployment matches exactly)";
    case "non_compliant":
      return `replayed on the new version, event ${reason.index} (${reason.event}) is not handled in state ${stateText(reason.state)}`;
    case "invalid_landing":
      return `the landing is not a valid state of the new version: ${reason.message ?? ""}`;
    case "superseded":
      return `superseded by the later deployment ${reason.by ?? ""}`;
    case "released":
      return "released by an operator";
    default:
      return JSON.stringify(reason);
  }
}

/** "migrated to loan-v2, landing in income_verification: its history starts with ..." */
export function decisionText(d: Decision, path?: string[], history?: string[]): string {
  const why = reasonText(d.reason, path, history);
  switch (d.kind) {
    case "migrated":
      return `migrated from ${d.from} to ${d.to}, landing in ${stateText(d.landing)}: ${why}`;
    case "stayed":
      return `stayed on ${d.from} (deployment ${d.deployment}): ${why}`;
    case "stranded":
      return `stranded by ${d.deployment}, needs rescue: ${why}`;
    case "superseded":
      return `not decided by ${d.deployment}: ${why}`;
    case "released":
      return `released from the mark of ${d.deployment}, goes on on ${d.from}`;
    default:
      return `${d.kind} by ${d.deployment}: ${why}`;
  }
}
