// Every method of the client against a live server, and every way a call fails: the
// server's problem codes (bad input, 404, 409, 401, 403), the client's own refusals (nothing
// sent), timeouts, aborts, an unreachable server and an answer that is not the API's.
import assert from "node:assert/strict";
import { createServer, type Server } from "node:http";
import { after, before, describe, test } from "node:test";
import {
  createClient,
  type ErrorCode,
  type StatekeepClient,
  StatekeepError,
} from "@statekeep/client";
import { freePort, type LiveServer, startServer } from "./server.js";

const machine = {
  id: "loan",
  initial: "review",
  states: {
    review: { on: { SUBMIT_INFO: "fee" } },
    fee: { on: { PAY_FEE: "underwriting", WAIVE_FEE: "underwriting" } },
    underwriting: { on: { APPROVE: [{ target: "approved", guard: "creditOk" }, { target: "declined" }] } },
    approved: { type: "final" },
    declined: { type: "final" },
  },
};

let server: LiveServer;
let sk: StatekeepClient;
/** The requests the client sent, as "METHOD path?query". */
let sent: string[] = [];

before(async () => {
  server = await startServer();
  const counting: typeof fetch = (input, init) => {
    const url = new URL(String(input));
    sent.push(`${init?.method ?? "GET"} ${url.pathname}${url.search}`);
    return fetch(input, init);
  };
  sk = createClient({ baseUrl: server.url, apiKey: server.adminKey, fetch: counting });
  await sk.deploy("m-v1", machine);
});
after(async () => {
  await server?.stop();
});

/** The StatekeepError a call fails with, checked for its status and code. */
async function failure(call: Promise<unknown> | (() => unknown), status: number | null, code: ErrorCode): Promise<StatekeepError> {
  try {
    await (typeof call === "function" ? call() : call);
  } catch (e) {
    assert.ok(e instanceof StatekeepError, `not a StatekeepError: ${String(e)}`);
    assert.equal(e.name, "StatekeepError");
    assert.deepEqual([e.status, e.code], [status, code], e.message);
    assert.ok(e.message.length > 0);
    if (status !== null && e.problem !== null) {
      assert.equal(e.problem.code, code);
      assert.equal(e.problem.status, status);
      assert.equal(e.message, e.problem.message);
    }
    return e;
  }
  assert.fail(`expected ${code}, but the call succeeded`);
}

/** Fails unless `call` refuses before sending anything. */
async function refusedLocally(call: () => unknown, code: "invalid_request" | "unknown_field"): Promise<StatekeepError> {
  const before = sent.length;
  const e = await failure(call, null, code);
  assert.equal(e.problem, null);
  assert.deepEqual(sent.slice(before), [], "nothing is sent");
  return e;
}

let counter = 0;
const fresh = (prefix: string) => `${prefix}-${++counter}`;

describe("versions", () => {
  test("deploy answers the deployment, and the same body again changes nothing", async () => {
    const first = await sk.deploy("d-v1", machine);
    assert.equal(first.id, "d-v1");
    assert.equal(first.parentId, null);
    assert.deepEqual(first.historyPath, []);
    assert.equal(first.match, "prefix");
    assert.deepEqual(await sk.deploy("d-v1", machine), first);
  });

  test("a different definition under a deployed id is a 409 version_exists", async () => {
    const changed = { ...machine, initial: "fee" };
    await failure(sk.deploy("d-v1", changed), 409, "version_exists");
  });

  test("a definition that does not compile is a 422 definition_invalid with the JSON path", async () => {
    const broken = { id: "x", initial: "nowhere", states: { a: {} } };
    const e = await failure(sk.deploy(fresh("bad"), broken), 422, "definition_invalid");
    assert.equal(typeof e.problem?.path, "string");
    const validation = await sk.validate(broken);
    assert.equal(validation.valid, false);
    assert.equal(validation.error?.path, e.problem?.path);
    assert.deepEqual(await sk.validate(machine), { valid: true, states: 6 });
  });

  test("deploying under a parent that does not exist is a 404 version_not_found", async () => {
    await failure(sk.deploy(fresh("orphan"), machine, { parentId: "no-such-version" }), 404, "version_not_found");
  });

  test("a misspelt option reaches the server, which refuses it by name (422 unknown_field)", async () => {
    const e = await failure(
      // @ts-expect-error: a misspelt option is a compile error too
      sk.deploy(fresh("typo"), machine, { parentID: "m-v1", historyPath: ["SUBMIT_INFO"] }),
      422,
      "unknown_field",
    );
    assert.equal(e.problem?.field, "parentID");
    assert.match(e.message, /did you mean 'parentId'/);
  });

  test("definitions() pages through every version in commit order; definition(id) reads one", async () => {
    const pages = [];
    for await (const page of sk.definitions({ pageSize: 1 }).pages()) pages.push(page);
    assert.ok(pages.length >= 2);
    assert.ok(pages.every((p) => p.items.length === 1));
    assert.equal(pages.at(-1)?.next, null);
    const ids = pages.map((p) => p.items[0]!.id);
    assert.deepEqual(ids.slice(0, 2), ["m-v1", "d-v1"]);
    assert.deepEqual(await sk.definitions().toArray().then((all) => all.map((d) => d.id)), ids);
    const one = await sk.definition("m-v1");
    assert.deepEqual(one.definition, machine);
    assert.match(one.committedAt, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/);
    await failure(sk.definition("nope"), 404, "version_not_found");
  });

  test("preview writes nothing; deploy with a digest that is no longer the outcome is a 409 preview_outdated", async () => {
    const id = fresh("p-v1");
    await sk.deploy(id, machine);
    const a = await sk.spawn(id, null);
    const v2 = { ...machine, states: { ...machine.states, fee: { on: { PAY_FEE: "approved" } } } };
    const preview = await sk.preview(`${id}-next`, v2, { parentId: id, historyPath: ["SUBMIT_INFO"], limit: 0 });
    assert.deepEqual(preview.migration.pending, []);
    assert.equal(preview.migration.counts.pending, 1);
    await sk.send(a.actorId, "SUBMIT_INFO"); // the outcome changes: a would now migrate
    await failure(
      sk.deploy(`${id}-next`, v2, { parentId: id, historyPath: ["SUBMIT_INFO"], expect: preview.digest }),
      409,
      "preview_outdated",
    );
    await failure(sk.definition(`${id}-next`), 404, "version_not_found");
    const progress = await sk.deployment(id);
    assert.equal(progress.id, id);
    await failure(sk.deployment("nope"), 404, "version_not_found");
  });
});

describe("actors", () => {
  test("spawn with an id and a context; the same id again is a 409 actor_exists", async () => {
    const actorId = fresh("alice");
    const actor = await sk.spawn("m-v1", { applicantId: "usr-001" }, { actorId });
    assert.equal(actor.actorId, actorId);
    assert.equal(actor.id, actorId);
    assert.equal(actor.version, "m-v1");
    assert.equal(actor.definitionId, "m-v1");
    assert.equal(actor.status, "active");
    assert.equal(actor.seq, 0);
    assert.match(actor.fingerprint, /^[0-9a-f]{16}$/);
    assert.deepEqual(await sk.get(actorId), actor);
    await failure(sk.spawn("m-v1", {}, { actorId }), 409, "actor_exists");
    await failure(sk.spawn("no-such-version"), 404, "version_not_found");
    await failure(sk.get("nobody"), 404, "actor_not_found");
  });

  test("spawn without a context takes the definition's; an idempotent spawn retried answers the first actor", async () => {
    const plain = await sk.spawn("m-v1");
    assert.equal(plain.context, null);
    const key = fresh("spawn-key");
    const first = await sk.spawn("m-v1", { n: 1 }, { idempotencyKey: key });
    const again = await sk.spawn("m-v1", { n: 1 }, { idempotencyKey: key });
    assert.equal(again.actorId, first.actorId);
    await failure(sk.spawn("m-v1", { n: 2 }, { idempotencyKey: key }), 409, "idempotency_key_reused");
  });

  test("spawnMany spawns all or none", async () => {
    const ids = [fresh("many"), fresh("many")];
    const actors = await sk.spawnMany("m-v1", [{ n: 0 }, { n: 1 }], { actorIds: ids });
    assert.deepEqual(
      actors.map((a) => [a.actorId, a.context]),
      [
        [ids[0], { n: 0 }],
        [ids[1], { n: 1 }],
      ],
    );
    const third = fresh("many");
    await failure(sk.spawnMany("m-v1", [{}, {}], { actorIds: [third, ids[0]!] }), 409, "actor_exists");
    await failure(sk.get(third), 404, "actor_not_found");
  });

  test("send takes a type or an event with its payload, guard outcomes and expectedSeq", async () => {
    const { actorId } = await sk.spawn("m-v1");
    const first = await sk.send(actorId, "SUBMIT_INFO");
    assert.deepEqual([first.stateValue, first.seq, first.handled], ["fee", 1, true]);
    const paid = await sk.send(actorId, { type: "PAY_FEE", amount: 50, note: "card" }, { expectedSeq: 1 });
    assert.equal(paid.stateValue, "underwriting");
    await failure(sk.send(actorId, "APPROVE", { expectedSeq: 1 }), 409, "seq_conflict");
    const declined = await sk.send(actorId, "APPROVE", { guards: { creditOk: false } });
    assert.deepEqual([declined.stateValue, declined.status, declined.done], ["declined", "done", true]);
    const history = await sk.history(actorId).toArray();
    assert.deepEqual(
      history.map((e) => [e.index, e.type, e.payload, e.guards]),
      [
        [0, "SUBMIT_INFO", {}, {}],
        [1, "PAY_FEE", { amount: 50, note: "card" }, {}],
        [2, "APPROVE", {}, { creditOk: false }],
      ],
    );
    const newest = await sk.history(actorId, { newestFirst: true, pageSize: 2 }).toArray();
    assert.deepEqual(newest.map((e) => e.index), [2, 1, 0]);
    const older = await sk.history(actorId, { newestFirst: true, before: 2 }).toArray();
    assert.deepEqual(older.map((e) => e.index), [1, 0]);
    await failure(sk.history(actorId, { before: 2 }).toArray(), 422, "invalid_request");
    await failure(sk.send("nobody", "X"), 404, "actor_not_found");
  });

  test("a send retried with its idempotency key answers the first step and applies nothing again", async () => {
    const { actorId } = await sk.spawn("m-v1");
    const key = fresh("send-key");
    const first = await sk.send(actorId, "SUBMIT_INFO", { idempotencyKey: key });
    const retry = await sk.send(actorId, "SUBMIT_INFO", { idempotencyKey: key });
    assert.deepEqual(retry, first);
    assert.equal((await sk.get(actorId)).seq, 1);
    await failure(sk.send(actorId, "PAY_FEE", { idempotencyKey: key }), 409, "idempotency_key_reused");
  });

  test("the client refuses, without sending, what the wire cannot carry or would misread", async () => {
    const { actorId } = await sk.spawn("m-v1");
    const nan = await refusedLocally(() => sk.send(actorId, { type: "PAY_FEE", amount: Number.NaN }), "invalid_request");
    assert.match(nan.message, /amount is NaN/);
    await refusedLocally(() => sk.spawn("m-v1", { limit: Infinity }), "invalid_request");
    await refusedLocally(() => sk.spawn("m-v1", { big: 10n }), "invalid_request");
    // An option misspelt would be sent as a payload field: refused here.
    const typo = await refusedLocally(
      // @ts-expect-error: not an option of send
      () => sk.send(actorId, "SUBMIT_INFO", { idempotencykey: "k" }),
      "unknown_field",
    );
    assert.match(typo.message, /did you mean 'idempotencyKey'/);
    // A payload field named like the send's own would be read as it.
    await refusedLocally(() => sk.send(actorId, { type: "PAY_FEE", expectedSeq: 3 }), "invalid_request");
    await refusedLocally(() => sk.send(actorId, ""), "invalid_request");
    await refusedLocally(() => sk.get(""), "invalid_request");
    assert.equal((await sk.get(actorId)).seq, 0);
  });

  test("sendMany applies every event or none", async () => {
    const [a, b] = await sk.spawnMany("m-v1", [{}, {}]);
    const steps = await sk.sendMany([
      { actorId: a!.actorId, event: "SUBMIT_INFO" },
      { actorId: b!.actorId, event: { type: "SUBMIT_INFO", channel: "web" } },
      { actorId: a!.actorId, event: "WAIVE_FEE" },
    ]);
    assert.deepEqual(
      steps.map((s) => [s.actorId, s.stateValue]),
      [
        [a!.actorId, "fee"],
        [b!.actorId, "fee"],
        [a!.actorId, "underwriting"],
      ],
    );
    await failure(
      sk.sendMany([
        { actorId: b!.actorId, event: "PAY_FEE" },
        { actorId: "nobody", event: "PAY_FEE" },
      ]),
      404,
      "actor_not_found",
    );
    assert.equal((await sk.get(b!.actorId)).stateValue, "fee");
  });

  test("actors() filters by version, state and status, and pages; a kept cursor goes on from there", async () => {
    const version = fresh("list-v1");
    await sk.deploy(version, machine);
    const ids = ["a", "b", "c", "d", "e"].map((s) => `${version}-${s}`);
    await sk.spawnMany(version, ids.map(() => ({})), { actorIds: ids });
    await sk.send(ids[1]!, "SUBMIT_INFO");
    await sk.send(ids[3]!, "SUBMIT_INFO");
    await sk.terminate(ids[4]!);

    const all = await sk.actors({ definitionId: version, pageSize: 2 }).toArray();
    assert.deepEqual(all.map((a) => a.actorId), ids);
    const inFee = await sk.actors({ definitionId: version, state: "fee" }).toArray();
    assert.deepEqual(inFee.map((a) => a.actorId), [ids[1], ids[3]]);
    const terminated = await sk.actors({ definitionId: version, status: "terminated" }).toArray();
    assert.deepEqual(terminated.map((a) => a.actorId), [ids[4]]);
    const inFeeAnyDepth = await sk.actors({ definitionId: version, inState: "fee" }).toArray();
    assert.deepEqual(inFeeAnyDepth.map((a) => a.actorId), [ids[1], ids[3]]);
    assert.deepEqual(await sk.actors({ definitionId: version, needsRescue: true }).toArray(), []);
    const notStranded = await sk.actors({ definitionId: version, needsRescue: false }).toArray();
    assert.deepEqual(notStranded.map((a) => a.actorId), ids);
    const afterB = await sk.actors({ definitionId: version, after: ids[1], pageSize: 2 }).toArray();
    assert.deepEqual(afterB.map((a) => a.actorId), ids.slice(2));

    const firstPage = (await sk.actors({ definitionId: version, pageSize: 3 }).pages().next()).value;
    assert.ok(firstPage);
    assert.deepEqual(firstPage.items.map((a) => a.actorId), ids.slice(0, 3));
    assert.ok(firstPage.next);
    const rest = await sk.actors({ definitionId: version, pageSize: 3, cursor: firstPage.next }).toArray();
    assert.deepEqual(rest.map((a) => a.actorId), ids.slice(3));

    // Out of range, a word the route does not know, a filter it does not take, a forged cursor.
    await failure(sk.actors({ pageSize: 5000 }).toArray(), 422, "invalid_request");
    // @ts-expect-error: not a status
    await failure(sk.actors({ status: "bogus" }).toArray(), 422, "invalid_request");
    // @ts-expect-error: not a filter of actors()
    const unknown = await failure(sk.actors({ definitionID: version }).toArray(), 422, "unknown_parameter");
    assert.equal(unknown.problem?.field, "definitionID");
    await failure(sk.actors({ cursor: "not-a-cursor" }).toArray(), 422, "cursor_invalid");
  });

  test("history() and decisions() are lazy async iterators over pages", async () => {
    const { actorId } = await sk.spawn("m-v1");
    const before = sent.length;
    const history = sk.history(actorId, { pageSize: 1 });
    assert.equal(sent.length, before, "nothing is fetched before the list is read");
    await sk.sendMany([
      { actorId, event: "SUBMIT_INFO" },
      { actorId, event: "PAY_FEE" },
    ]);
    const types = [];
    for await (const entry of history) types.push(entry.type);
    assert.deepEqual(types, ["SUBMIT_INFO", "PAY_FEE"]);
    const reads = sent.slice(before).filter((r) => r.startsWith("GET"));
    assert.equal(reads.length, 2, reads.join("\n"));
    await sk.send(actorId, "APPROVE", { guards: { creditOk: true } });
    const afterFirst = await sk.history(actorId, { after: 0, pageSize: 1 }).toArray();
    assert.deepEqual(afterFirst.map((e) => e.index), [1, 2]);
    assert.deepEqual(await sk.decisions(actorId).toArray(), []);
    await failure(sk.history("nobody").toArray(), 404, "actor_not_found");
    await failure(sk.decisions("nobody").toArray(), 404, "actor_not_found");
  });

  test("a stranded actor refuses events (needs_rescue) until released; release records it", async () => {
    const version = fresh("strand-v1");
    await sk.deploy(version, machine);
    const { actorId } = await sk.spawn(version);
    await sk.send(actorId, "SUBMIT_INFO");
    await sk.send(actorId, "WAIVE_FEE");
    const noWaiver = { ...machine, states: { ...machine.states, fee: { on: { PAY_FEE: "underwriting" } } } };
    await sk.deploy(`${version}-strict`, noWaiver, { parentId: version, historyPath: ["SUBMIT_INFO"] });

    const stranded = await sk.get(actorId);
    assert.equal(stranded.version, version);
    assert.notEqual(stranded.needsRescue, null);
    const rescue = await sk.actors({ definitionId: version, needsRescue: true }).toArray();
    assert.deepEqual(rescue.map((a) => a.actorId), [actorId]);
    const e = await failure(sk.send(actorId, "APPROVE"), 409, "needs_rescue");
    assert.equal(e.problem?.deployment, `${version}-strict`);
    assert.equal(e.problem?.reason?.["code"], "non_compliant");

    const released = await sk.release(actorId);
    assert.equal(released.kind, "released");
    assert.equal(released.deployment, `${version}-strict`);
    assert.equal(released.actorId, actorId);
    assert.equal((await sk.send(actorId, "APPROVE", { guards: { creditOk: true } })).stateValue, "approved");
    await failure(sk.release(actorId), 409, "not_stranded");
    await failure(sk.release("nobody"), 404, "actor_not_found");
    const kinds = await sk.decisions(actorId, { deployment: `${version}-strict` }).toArray();
    assert.deepEqual(kinds.map((d) => d.kind), ["stranded", "released"]);
  });

  test("terminate: the actor refuses events from then on and keeps its history", async () => {
    const { actorId } = await sk.spawn("m-v1", { n: 1 });
    await sk.send(actorId, "SUBMIT_INFO");
    const ended = await sk.terminate(actorId);
    assert.equal(ended.status, "terminated");
    assert.deepEqual(await sk.terminate(actorId), ended);
    await failure(sk.send(actorId, "PAY_FEE"), 409, "actor_terminated");
    assert.equal((await sk.history(actorId).toArray()).length, 1);
    await failure(sk.terminate("nobody"), 404, "actor_not_found");
  });
});

describe("timers", () => {
  test("schedule an event by delay or at a time; list, cancel, and it fires by itself", async () => {
    const { actorId } = await sk.spawn("m-v1");
    const later = await sk.schedule(actorId, { type: "SUBMIT_INFO", channel: "email" }, {
      delayMs: 3_600_000,
      id: "remind",
    });
    assert.deepEqual([later.id, later.kind, later.event], ["remind", "scheduled", "SUBMIT_INFO"]);
    const due = Date.parse(later.due);
    assert.ok(Math.abs(due - (Date.now() + 3_600_000)) < 60_000, later.due);
    assert.deepEqual((await sk.scheduled(actorId).toArray()).map((t) => t.id), ["remind"]);
    await sk.cancelScheduled(actorId, "remind");
    assert.deepEqual(await sk.scheduled(actorId).toArray(), []);
    await failure(sk.cancelScheduled(actorId, "remind"), 404, "not_found");

    const at = new Date(Date.now() + 300);
    const soon = await sk.schedule(actorId, "SUBMIT_INFO", { at, idempotencyKey: fresh("timer-key") });
    assert.equal(soon.due, at.toISOString());
    const deadline = Date.now() + 15_000;
    while ((await sk.get(actorId)).stateValue !== "fee") {
      assert.ok(Date.now() < deadline, "the scheduled event did not fire within 15 s");
      await new Promise((r) => setTimeout(r, 100));
    }
    const stats = await sk.timerStats();
    assert.ok(stats.fired >= 1);
    assert.equal(typeof stats.pending, "number");
    await failure(sk.schedule(actorId, "X", { delayMs: 1, at: new Date() }), 422, "invalid_request");
    await failure(sk.schedule("nobody", "X", { delayMs: 1 }), 404, "actor_not_found");
  });
});

describe("keys and who may call", () => {
  test("an admin creates, lists and revokes keys; a read key reads and may not write", async () => {
    const created = await sk.createApiKey("read", { name: "dashboard" });
    assert.equal(created.scope, "read");
    assert.match(created.token ?? "", /^sk_/);
    const listed = await sk.apiKeys({ pageSize: 1 }).toArray();
    const mine = listed.find((k) => k.id === created.id);
    assert.deepEqual(mine && [mine.name, mine.scope, "token" in mine], ["dashboard", "read", false]);

    const reader = createClient({ baseUrl: server.url, apiKey: created.token });
    assert.equal((await reader.definition("m-v1")).id, "m-v1");
    await failure(reader.spawn("m-v1"), 403, "forbidden");
    await reader.health();

    await sk.revokeApiKey(created.id);
    await failure(reader.definition("m-v1"), 401, "unauthorized");
    await failure(sk.revokeApiKey(created.id), 404, "api_key_not_found");
  });

  test("a wrong key, or none, is a 401 unauthorized; the health check needs none", async () => {
    const wrong = createClient({ baseUrl: server.url, apiKey: "sk_wrong_key" });
    const e = await failure(wrong.get("anyone"), 401, "unauthorized");
    assert.match(e.message, /not valid/);
    const anonymous = createClient({ baseUrl: `${server.url}/` });
    await failure(anonymous.actors().toArray(), 401, "unauthorized");
    assert.deepEqual(await anonymous.health(), { status: "ok" });
  });
});

describe("when no answer is the API's", () => {
  let stub: Server;
  let stubUrl: string;
  before(async () => {
    // Answers /slow never, /html with a proxy's error page.
    stub = createServer((request, response) => {
      if (request.url?.startsWith("/v1/actors/html")) {
        response.writeHead(502, { "Content-Type": "text/html" }).end("<html>Bad Gateway</html>");
      } else if (request.url?.startsWith("/v1/actors/garbled")) {
        response.writeHead(200, { "Content-Type": "application/json" }).end("{not json");
      }
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

  test("a call with no answer in time fails with timeout; the client's default and the call's own", async () => {
    const started = Date.now();
    await failure(createClient({ baseUrl: stubUrl, timeoutMs: 200 }).get("slow"), null, "timeout");
    await failure(createClient({ baseUrl: stubUrl }).get("slow", { timeoutMs: 200 }), null, "timeout");
    assert.ok(Date.now() - started < 5_000);
  });

  test("a call aborted by its signal fails with aborted", async () => {
    const controller = new AbortController();
    const call = createClient({ baseUrl: stubUrl }).get("slow", { signal: controller.signal });
    setTimeout(() => controller.abort(), 50);
    await failure(call, null, "aborted");
  });

  test("a server that cannot be reached is network_error, naming why", async () => {
    const closed = `http://127.0.0.1:${await freePort()}`;
    const e = await failure(createClient({ baseUrl: closed }).health(), null, "network_error");
    assert.match(e.message, /ECONNREFUSED/);
  });

  test("an answer that is not the API's is unexpected_response, with its status", async () => {
    const client = createClient({ baseUrl: stubUrl });
    const e = await failure(client.get("html"), 502, "unexpected_response");
    assert.match(e.message, /Bad Gateway/);
    assert.equal(e.problem, null);
    await failure(client.get("garbled"), 200, "unexpected_response");
  });

  test("a client needs an http(s) base URL and a positive timeout", () => {
    assert.throws(() => createClient({ baseUrl: "localhost:8080" }), StatekeepError);
    assert.throws(() => createClient({ baseUrl: stubUrl, timeoutMs: 0 }), /timeoutMs/);
  });
});
