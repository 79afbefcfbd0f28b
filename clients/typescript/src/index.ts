// @statekeep/client: the TypeScript client of a statekeep server.
export { createClient, StatekeepClient } from "./client.js";
export type { ChangeStreamOptions } from "./changes.js";
export type {
  ActorListOptions,
  ChangePageOptions,
  ClientOptions,
  CreateApiKeyOptions,
  CreateWebhookOptions,
  DecisionListOptions,
  DeployOptions,
  HistoryOptions,
  ListOptions,
  PreviewOptions,
  RedeliverOptions,
  RotateWebhookSecretOptions,
  ScheduleOptions,
  SendManyItem,
  SendOptions,
  SpawnManyOptions,
  SpawnOptions,
  UpdateWebhookOptions,
  ValidateOptions,
  WebhookDeliveryListOptions,
} from "./client.js";
export { StatekeepError } from "./errors.js";
export type { ClientErrorCode, ErrorCode } from "./errors.js";
export type { CallOptions } from "./http.js";
export { Paged } from "./pages.js";
export type * from "./types.js";
// verifyWebhook is in @statekeep/client/webhooks (it needs node:crypto); its types are here too.
export type {
  VerifyWebhookOptions,
  WebhookEvent,
  WebhookEventType,
  WebhookHeaders,
  WebhookVerificationReason,
} from "./webhooks.js";
export type { components, operations, paths } from "./generated/openapi.js";
