// The API's bodies by name, from the generated description (src/generated/openapi.ts): the
// client's results are exactly what the server sends, in its camelCase names.
import type { components } from "./generated/openapi.js";

type Schemas = components["schemas"];

export type Actor = Schemas["Actor"];
export type StepResult = Schemas["StepResult"];
export type Decision = Schemas["Decision"];
export type HistoryEntry = Schemas["HistoryEntry"];
export type Deployment = Schemas["Deployment"];
export type Definition = Schemas["Definition"];
export type Preview = Schemas["Preview"];
export type Validation = Schemas["Validation"];
export type ApiKey = Schemas["ApiKey"];
export type Timer = Schemas["Timer"];
export type TimerStats = Schemas["TimerStats"];
export type Health = Schemas["Health"];
/** An entry of the outbox: one commit's change to one actor, numbered store-wide by `seq`. */
export type Change = Schemas["Change"];
/** A page of changes: poll again with `after` set to its `next`; `last` is the last change committed. */
export type ChangePage = Schemas["ChangePage"];
/** A webhook endpoint; `secret` only in the answers of `createWebhook` and `rotateWebhookSecret`. */
export type Webhook = Schemas["Webhook"];
/** A pending delivery of a change to an endpoint, or a dead letter (`status: "dead"`), with its attempts. */
export type WebhookDelivery = Schemas["WebhookDelivery"];
/** How many deliveries a redelivery queued. */
export type Redelivered = Schemas["Redelivered"];
/** A change's kind, as the webhook filters (`kinds`) take it. */
export type ChangeKind = Change["kind"];
export type Problem = Schemas["Problem"];
export type ProblemCode = Problem["code"];

/** An XState v5 machine definition: a JSON object. */
export type MachineDefinition = Schemas["DeployRequest"]["definition"];
/** An API key's scope; they nest: admin > write > read. */
export type Scope = ApiKey["scope"];
/** An actor's status, as `actors({ status })` filters it. */
export type ActorStatus = Actor["status"];

/**
 * An event: its type alone (`"SUBMIT_INFO"`), or an object with its `type` and its payload as
 * the fields beside it (`{ type: "PAY_FEE", amount: 50 }`), as XState has events.
 */
export type StatekeepEvent = string | EventObject;
export interface EventObject {
  type: string;
  [field: string]: unknown;
}

/** A page of a list: its items, and the cursor of the next page (null after the last). */
export interface Page<T> {
  items: T[];
  next: string | null;
}
