// The outbox through the client: the change stream (changes()) against a live server, directly
// and through a TCP proxy that cuts its connections at random bytes; pages (changePage) and
// the last number (lastChange); the event-stream parser against a stub that sends awkward
// bytes one at a time; and how the stream fails.
import assert from "node:assert/strict";
import { createServer as createHttpServer, type IncomingHttpHeaders, type Server } from "node:http";
import { connect, createServer, type Socket } from "node:net";
import { after, before, describe, test } from "node:test";
import { type Change, createClient, type StatekeepClient, StatekeepError } from "@statekeep/client";
import { freePort, type LiveServer, startServer } from "./server.js";

// T toggles a and b: every send is a change.
const toggle = {
  id: "toggle",
  initial: "a",
  states: { a: { on: { T: "b", MARK: "a" } }, b: { on: { T: "a", MARK: "b" } } },
};

let server: LiveServer;
let sk: StatekeepClient;

before(async () => {
  server = await startServer();
  sk = createClient({ baseUrl: server.url, apiKey: server.adminKey });
  await sk.deploy("t-v1", toggle);
  await sk.deploy("t-v2", toggle);
});
after(async () => {
  await server?.stop();
});

let counter = 0;
const fresh = (prefix: string) => `${prefix}-${++counter}`;

const range = (from: number, to: number) => Array.from({ length: Math.max(0, to - from + 1) }, (_, i) => from + i);

/**
 * Reads the stream `open` makes (with a signal aborted at the deadline) until `stop` says so,
 * checked after each change.
 */
async function readUntil(
  open: (signal: AbortSignal) => AsyncGenerator<Change>,
  stop: (c: Change, all: Change[]) => boolean,
  ms = 30_000,
): Promise<Change[]> {
  const got: Change[] = [];
  const deadline = AbortSignal.timeout(ms);
  for await (const change of open(deadline)) {
    got.push(change);
    if (stop(change, got)) return got;
  }
  assert.fail(`the stream ended (deadline: ${deadline.aborted}) after ${got.length} changes, without what was awaited`);
}

/** Sends `count` T events to `actorId`, `batch` at a time in one transaction each; then a MARK. */
async function sendTs(actorId: string, count: number, batch = 1): Promise<void> {
  for (let sent = 0; sent < count; sent += batch) {
    const n = Math.min(batch, count - sent);
    await sk.sendMany(Array.from({ length: n }, () => ({ actorId, event: "T" })));
  }
}

async function until(condition: () => boolean, what: string, ms = 5_000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!condition()) {
    assert.ok(Date.now() < deadline, what);
    await new Promise((r) => setTimeout(r, 10));
  }
}

// ----- a TCP proxy that cuts connections -----------------------------------------------------

interface CuttingProxy {
  url: string;
  /** Connections cut so far. */
  cuts: number;
  /** Connections open now that carry a change stream (the client's pool may hold others, idle). */
  open: number;
  /** Connections accepted so far. */
  accepted: number;
  close(): Promise<void>;
}

/**
 * A proxy to `target` that passes requests on and, on each connection, lets `budget()` bytes
 * of the answer through (headers included), then cuts the connection: half the time with a
 * FIN after those bytes, half the time with a reset. Infinity: never cut.
 */
async function cuttingProxy(target: string, budget: () => number): Promise<CuttingProxy> {
  const { hostname, port } = new URL(target);
  const sockets = new Set<Socket>();
  const state: CuttingProxy = {
    url: "",
    cuts: 0,
    open: 0,
    accepted: 0,
    close: async () => {
      for (const s of sockets) s.destroy();
      await new Promise<void>((resolve) => proxy.close(() => resolve()));
    },
  };
  const proxy = createServer((client) => {
    state.accepted++;
    let streaming = false;
    client.once("data", (request: Buffer) => {
      streaming = request.toString("latin1").startsWith("GET /v1/changes/stream");
      if (streaming) state.open++;
    });
    const upstream = connect(Number(port), hostname);
    sockets.add(client).add(upstream);
    let left = budget();
    let cut = false;
    client.on("error", () => {});
    upstream.on("error", () => {});
    client.on("close", () => {
      if (streaming) state.open--;
      sockets.delete(client);
      upstream.destroy();
    });
    upstream.on("close", () => {
      sockets.delete(upstream);
      client.destroy();
    });
    client.pipe(upstream);
    upstream.on("data", (chunk: Buffer) => {
      if (cut) return;
      if (chunk.length < left) {
        left -= chunk.length;
        client.write(chunk);
        return;
      }
      cut = true;
      state.cuts++;
      upstream.destroy();
      if (state.cuts % 2 === 0) {
        client.end(chunk.subarray(0, left));
      } else {
        client.write(chunk.subarray(0, left), () => client.resetAndDestroy());
      }
    });
  });
  await new Promise<void>((resolve) => proxy.listen(0, "127.0.0.1", resolve));
  const address = proxy.address();
  assert.ok(typeof address === "object" && address !== null);
  state.url = `http://127.0.0.1:${address.port}`;
  return state;
}

// ----- against the live server ---------------------------------------------------------------

describe("changes() against a live server", () => {
  test("the changes committed by sends arrive in commit order, as they commit, from now on", async () => {
    const actorId = fresh("live");
    // Nothing committed before the stream is read is in it (from now on), nothing after is missed.
    await sk.spawn("t-v1", null, { actorId: fresh("before") });
    const reading = readUntil((signal) => sk.changes({ signal }), (c) => c.event?.["type"] === "MARK");
    await new Promise((r) => setTimeout(r, 300)); // it has asked where "now" is
    await sk.spawn("t-v1", { n: 1 }, { actorId });
    for (let i = 0; i < 20; i++) await sk.send(actorId, i === 19 ? "MARK" : { type: "T", i });
    const got = await reading;
    assert.deepEqual(got.map((c) => c.actorId), Array(21).fill(actorId));
    assert.deepEqual(got.map((c) => c.kind), ["spawned", ...Array(20).fill("event")]);
    assert.deepEqual(got.map((c) => c.actorSeq), range(0, 20));
    assert.deepEqual(got.map((c) => c.seq), range(got[0]!.seq, got[0]!.seq + 20), "dense and in order");
    assert.deepEqual(got.slice(1, 4).map((c) => [c.event, c.stateValue]), [
      [{ type: "T", i: 0 }, "b"],
      [{ type: "T", i: 1 }, "a"],
      [{ type: "T", i: 2 }, "b"],
    ]);
    assert.equal(got[0]!.version, "t-v1");
    assert.match(got[0]!.at, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/);
  });

  test("a consumer that breaks out and comes back with `after` misses nothing and repeats nothing; the connection closes", async () => {
    const proxy = await cuttingProxy(server.url, () => Infinity);
    try {
      const viaProxy = createClient({ baseUrl: proxy.url, apiKey: server.adminKey });
      const actorId = fresh("resume");
      const start = await sk.lastChange();
      await sk.spawn("t-v1", null, { actorId });
      await sendTs(actorId, 30, 10);
      const seen: number[] = [];
      // Three sessions, each breaking out after a few changes while more are committed.
      for (let session = 0; session < 3; session++) {
        const from = seen.at(-1) ?? start;
        const got = await readUntil((signal) => viaProxy.changes({ after: from, signal }), (_, all) => all.length === 7);
        seen.push(...got.map((c) => c.seq));
        await until(() => proxy.open === 0, "breaking out of the loop closes the connection");
        await sendTs(actorId, 5);
      }
      const rest = await readUntil(
        (signal) => viaProxy.changes({ after: seen.at(-1)!, signal }),
        (c) => c.seq === start + 1 + 30 + 15,
      );
      seen.push(...rest.map((c) => c.seq));
      assert.deepEqual(seen, range(start + 1, start + 46));
      await until(() => proxy.open === 0, "closed again");
    } finally {
      await proxy.close();
    }
  });

  test("through a proxy that cuts every connection at a random byte, hundreds of times: no gap, no duplicate", async () => {
    // Each connection passes 100 to 1,500 bytes, headers included, then is cut (FIN or reset).
    const proxy = await cuttingProxy(server.url, () => 100 + Math.floor(Math.random() * 1_400));
    try {
      const viaProxy = createClient({ baseUrl: proxy.url, apiKey: server.adminKey, timeoutMs: 5_000 });
      const actors = [fresh("cut"), fresh("cut"), fresh("cut")];
      const start = await sk.lastChange();
      // Written while it is read: 3 spawns, 600 sends in batches, then a MARK to stop at.
      const writes = (async () => {
        await sk.spawnMany("t-v1", actors.map(() => ({})), { actorIds: actors });
        for (let round = 0; round < 20; round++) {
          await sk.sendMany(actors.flatMap((actorId) => Array.from({ length: 10 }, () => ({ actorId, event: "T" }))));
        }
        await sk.send(actors[0]!, "MARK");
      })();
      const got = await readUntil(
        (signal) => viaProxy.changes({ after: start, retries: 30, retryDelayMs: 5, signal }),
        (c) => c.event?.["type"] === "MARK",
        120_000,
      );
      await writes;
      assert.deepEqual(got.map((c) => c.seq), range(start + 1, start + 3 + 600 + 1), "every change once, in order");
      for (const actorId of actors) {
        const mine = got.filter((c) => c.actorId === actorId);
        assert.deepEqual(mine.map((c) => c.actorSeq), range(0, mine.length - 1), actorId);
      }
      assert.ok(proxy.cuts >= 200, `only ${proxy.cuts} cuts`);
      console.log(`# ${proxy.cuts} cuts of ${proxy.accepted} connections`);
      await until(() => proxy.open === 0, "closed at the end");
    } finally {
      await proxy.close();
    }
  });

  test("aborting the signal ends the loop without an error and closes the connection", async () => {
    const proxy = await cuttingProxy(server.url, () => Infinity);
    try {
      const viaProxy = createClient({ baseUrl: proxy.url, apiKey: server.adminKey });
      const controller = new AbortController();
      const actorId = fresh("abort");
      const start = await sk.lastChange();
      await sk.spawn("t-v1", null, { actorId });
      const got: Change[] = [];
      const reading = (async () => {
        for await (const change of viaProxy.changes({ after: start, signal: controller.signal })) got.push(change);
      })();
      await until(() => got.length === 1, "the spawn arrives");
      await until(() => proxy.open === 1, "the stream is open");
      controller.abort();
      await reading; // ends, no error
      await until(() => proxy.open === 0, "aborting closes the connection");
      const aborted = viaProxy.changes({ signal: controller.signal });
      assert.deepEqual(await aborted.next(), { done: true, value: undefined }, "an aborted signal: nothing read");
    } finally {
      await proxy.close();
    }
  });

  test("filters: one actor's changes, or the changes of actors on one version", async () => {
    const [x, y] = [fresh("fx"), fresh("fy")];
    const start = await sk.lastChange();
    await sk.spawn("t-v1", null, { actorId: x });
    await sk.spawn("t-v2", null, { actorId: y });
    await sk.sendMany([
      { actorId: x, event: "T" },
      { actorId: y, event: "T" },
      { actorId: x, event: "T" },
      { actorId: y, event: "MARK" },
      { actorId: x, event: "MARK" },
    ]);
    const onlyX = await readUntil((signal) => sk.changes({ after: start, actor: x, signal }), (c) => c.event?.["type"] === "MARK");
    assert.deepEqual(onlyX.map((c) => [c.actorId, c.actorSeq]), [[x, 0], [x, 1], [x, 2], [x, 3]]);
    const onV2 = await readUntil((signal) => sk.changes({ after: start, definition: "t-v2", signal }), (c) => c.event?.["type"] === "MARK");
    assert.deepEqual(onV2.map((c) => [c.actorId, c.version]), [[y, "t-v2"], [y, "t-v2"], [y, "t-v2"]]);
    const page = await sk.changePage({ after: start, actor: y });
    assert.deepEqual(page.items.map((c) => c.seq), onV2.map((c) => c.seq));
  });

  test("changePage pages with after and limit; lastChange is the last number", async () => {
    const actorId = fresh("page");
    const start = await sk.lastChange();
    await sk.spawn("t-v1", null, { actorId });
    await sendTs(actorId, 4);
    const last = await sk.lastChange();
    assert.equal(last, start + 5);
    const seqs: number[] = [];
    let cursor = start;
    for (;;) {
      const page = await sk.changePage({ after: cursor, limit: 2 });
      assert.ok(page.items.length <= 2);
      assert.equal(page.last, last);
      if (page.items.length === 0) break;
      seqs.push(...page.items.map((c) => c.seq));
      cursor = page.next;
    }
    assert.deepEqual(seqs, range(start + 1, last));
    const empty = await sk.changePage({ after: last });
    assert.deepEqual([empty.items, empty.next, empty.last], [[], last, last]);
  });

  test("errors: a bad after, a wrong key, an option that is not one, are thrown at once, not retried", async () => {
    let requests = 0;
    const counting: typeof fetch = (input, init) => {
      requests++;
      return fetch(input, init);
    };
    const c = createClient({ baseUrl: server.url, apiKey: server.adminKey, fetch: counting });
    await assert.rejects(c.changes({ after: -1 }).next(), (e: unknown) => {
      assert.ok(e instanceof StatekeepError);
      assert.deepEqual([e.status, e.code], [422, "invalid_request"]);
      assert.match(e.message, /after/);
      return true;
    });
    assert.equal(requests, 1, "not retried");
    await assert.rejects(c.changePage({ limit: 5_000 }), { status: 422, code: "invalid_request" });
    // @ts-expect-error: not a parameter of the route
    await assert.rejects(c.changePage({ actorId: "x" }), { status: 422, code: "unknown_parameter" });

    const wrong = createClient({ baseUrl: server.url, apiKey: "sk_wrong", fetch: counting });
    requests = 0;
    await assert.rejects(wrong.changes({ after: 0 }).next(), { name: "StatekeepError", status: 401, code: "unauthorized" });
    await assert.rejects(wrong.changes().next(), { status: 401, code: "unauthorized" });
    await assert.rejects(wrong.lastChange(), { status: 401, code: "unauthorized" });
    assert.equal(requests, 3);

    // @ts-expect-error: a misspelt option would stream from now on, silently: refused
    assert.throws(() => sk.changes({ After: 5 }), { code: "unknown_field", message: /did you mean 'after'/ });
    // @ts-expect-error: not an option
    assert.throws(() => sk.changes({ from: 5 }), { code: "unknown_field", message: /options are: after, actor/ });
    assert.throws(() => sk.changes({ retries: -1 }), { code: "invalid_request" });
  });

  test("a server that cannot be reached: the retries, then a network_error", async () => {
    const closed = createClient({ baseUrl: `http://127.0.0.1:${await freePort()}` });
    const started = Date.now();
    await assert.rejects(closed.changes({ after: 0, retries: 3, retryDelayMs: 20 }).next(), (e: unknown) => {
      assert.ok(e instanceof StatekeepError);
      assert.deepEqual([e.status, e.code], [null, "network_error"]);
      assert.match(e.message, /failed 4 times in a row \(after change 0\).*ECONNREFUSED/);
      return true;
    });
    assert.ok(Date.now() - started >= 20 + 40 - 30, "it waited between attempts"); // 0, then 10-20, 20-40 ms
  });
});

// ----- against a stub: the bytes of the stream, the resumption, silence ----------------------

describe("changes() against a stub of the stream", () => {
  let stub: Server;
  let stubUrl: string;
  /** The requests the stub got: their URL and headers. */
  const requests: { url: string; headers: IncomingHttpHeaders }[] = [];
  const change = (seq: number) => ({ seq, kind: "event", actorId: "a", event: { type: "T", text: "x\ny" } });

  before(async () => {
    stub = createHttpServer(async (request, response) => {
      requests.push({ url: request.url ?? "", headers: request.headers });
      const url = new URL(request.url ?? "/", "http://stub");
      if (url.pathname === "/silent/v1/changes/stream") {
        response.writeHead(200, { "Content-Type": "text/event-stream" }).write(": hello\n\n");
        return; // and nothing more
      }
      if (url.pathname === "/html/v1/changes/stream") {
        response.writeHead(200, { "Content-Type": "text/html" }).end("<html>portal</html>");
        return;
      }
      response.writeHead(200, { "Content-Type": "text/event-stream; charset=utf-8" });
      const resumed = request.headers["last-event-id"];
      // The first connection: changes 1 and 2 in awkward forms, then it is dropped. The second
      // sends 2 again (a server must not; the client must not yield it twice) and 3.
      const text =
        resumed === undefined
          ? "\uFEFF: a comment\r\n\r\n" +
            "retry: 10\r\nevent: other\r\ndata: not a change\r\n\r\n" +
            `id: 1\r\nevent: change\r\ndata: ${JSON.stringify(change(1)).replace(",", ",\r\ndata: ")}\r\n\r\n` +
            `id: 2\revent: change\rdata:${JSON.stringify(change(2))}\r\r` +
            ": more\n"
          : `id: 2\nevent: change\ndata: ${JSON.stringify(change(2))}\n\n` +
            `id: 3\nevent: change\ndata: ${JSON.stringify(change(3))}\n\n`;
      // One byte at a time: every split there is, a CR and its LF in separate reads among them.
      for (const byte of Buffer.from(text)) {
        if (response.destroyed) return;
        response.write(Buffer.of(byte));
        await new Promise((r) => setTimeout(r, resumed === undefined ? 1 : 0));
      }
      if (resumed === undefined) response.destroy();
    });
    await new Promise<void>((resolve) => stub.listen(0, "127.0.0.1", resolve));
    const address = stub.address();
    assert.ok(typeof address === "object" && address !== null);
    stubUrl = `http://127.0.0.1:${address.port}`;
  });
  after(() => {
    stub.closeAllConnections();
    stub.close();
  });

  test("comments, other event types, multi-line data, CRLF and CR, a BOM; resumed with Last-Event-ID, nothing twice", async () => {
    requests.length = 0;
    const c = createClient({ baseUrl: stubUrl, apiKey: "sk_stub" });
    const got = await readUntil((signal) => c.changes({ after: 0, actor: "a", signal }), (x) => x.seq === 3, 10_000);
    assert.deepEqual(got, [change(1), change(2), change(3)]);
    assert.deepEqual(
      requests.map((r) => [r.url, r.headers["last-event-id"], r.headers["authorization"], r.headers["accept"]]),
      [
        ["/v1/changes/stream?after=0&actor=a", undefined, "Bearer sk_stub", "text/event-stream, application/problem+json"],
        ["/v1/changes/stream?actor=a", "2", "Bearer sk_stub", "text/event-stream, application/problem+json"],
      ],
    );
  });

  test("a connection silent past idleTimeoutMs is reopened; silence every time ends in an error", async () => {
    requests.length = 0;
    const c = createClient({ baseUrl: `${stubUrl}/silent` });
    await assert.rejects(c.changes({ after: 7, idleTimeoutMs: 150, retries: 2, retryDelayMs: 1 }).next(), (e: unknown) => {
      assert.ok(e instanceof StatekeepError);
      assert.equal(e.code, "network_error");
      assert.match(e.message, /failed 3 times in a row \(after change 7\): silent for 150 ms/);
      return true;
    });
    assert.deepEqual(requests.map((r) => r.headers["last-event-id"]), [undefined, "7", "7"]);
  });

  test("an answer that is not an event stream is unexpected_response", async () => {
    const c = createClient({ baseUrl: `${stubUrl}/html` });
    await assert.rejects(c.changes({ after: 0, retries: 0 }).next(), { status: 200, code: "unexpected_response" });
  });
});
