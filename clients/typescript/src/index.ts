// @statekeep/client: the TypeScript client of a statekeep server.
export { createClient, StatekeepClient } from "./client.js";
export type { ChangeStreamOptions } from "./changes.js";
export type {
  ActorListOptions,
  ChangePageOptions,
  ClientOptions,
  CreateApiKeyOptions,
  DecisionListOptions,
  DeployOptions,
  HistoryOptions,
  ListOptions,
  PreviewOptions,
  ScheduleOptions,
  SendManyItem,
  SendOptions,
  SpawnManyOptions,
  SpawnOptions,
  ValidateOptions,
} from "./client.js";
export { StatekeepError } from "./errors.js";
export type { ClientErrorCode, ErrorCode } from "./errors.js";
export type { CallOptions } from "./http.js";
export { Paged } from "./pages.js";
export type * from "./types.js";
export type { components, operations, paths } from "./generated/openapi.js";
