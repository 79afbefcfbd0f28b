import type { Page } from "./types.js";

/**
 * A list the server pages (`{items, next}`), read lazily: nothing is fetched until it is
 * iterated, and each page only when the one before it is used up.
 *
 *     for await (const entry of sk.history(actorId)) { ... }   // item by item, every page
 *     for await (const page of sk.history(actorId).pages()) { page.items; page.next }
 *     const all = await sk.history(actorId).toArray();
 *
 * A page's `next` may be kept and passed back later as the `cursor` option of the same method,
 * to go on from there.
 */
export class Paged<T> implements AsyncIterable<T> {
  readonly #fetchPage: (cursor: string | undefined, first: boolean) => Promise<Page<T>>;
  readonly #cursor: string | undefined;

  /** @internal The client's methods make these. */
  constructor(fetchPage: (cursor: string | undefined, first: boolean) => Promise<Page<T>>, cursor?: string) {
    this.#fetchPage = fetchPage;
    this.#cursor = cursor;
  }

  /** The pages, from the first (or the `cursor` given) to the last. */
  async *pages(): AsyncGenerator<Page<T>, void, undefined> {
    let cursor = this.#cursor;
    for (let first = true; ; first = false) {
      const page = await this.#fetchPage(cursor, first);
      yield page;
      if (page.next === null) {
        return;
      }
      cursor = page.next;
    }
  }

  async *[Symbol.asyncIterator](): AsyncGenerator<T, void, undefined> {
    for await (const page of this.pages()) {
      yield* page.items;
    }
  }

  /** Every item of every page, in order. */
  async toArray(): Promise<T[]> {
    const out: T[] = [];
    for await (const item of this) {
      out.push(item);
    }
    return out;
  }
}
