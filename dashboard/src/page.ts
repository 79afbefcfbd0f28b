import { ApiError, type Change } from "./api.js";
import { h } from "./dom.js";

/** What a rendered page offers the frame: live updates, and what to stop when it is left. */
export interface Page {
  onChange?(change: Change): void;
  dispose?(): void;
}

export type Render = (main: HTMLElement, arg: string, params: URLSearchParams) => Promise<Page>;

/** A problem shown where it happened, read out by screen readers. */
export function errorBox(e: unknown): HTMLElement {
  const text =
    e instanceof ApiError
      ? `${e.status} ${e.code}: ${e.message}`
      : e instanceof Error
        ? e.message
        : String(e);
  return h("p", { class: "error", role: "alert" }, text);
}

/** Call `fn` at most once per `ms`, after the last call. */
export function debounce(fn: () => void, ms: number): () => void {
  let timer: ReturnType<typeof setTimeout> | null = null;
  return () => {
    if (timer !== null) clearTimeout(timer);
    timer = setTimeout(() => {
      timer = null;
      fn();
    }, ms);
  };
}
