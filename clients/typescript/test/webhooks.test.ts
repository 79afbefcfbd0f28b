// Webhooks end to end: endpoints made, read, changed and deleted with the client; a receiver on
// loopback (the server allows private addresses) gets deliveries of real changes, and every one
// verifies with verifyWebhook and with npm's standardwebhooks, through a secret rotation;
// signatures made by standardwebhooks verify with verifyWebhook, and what should fail fails.
import assert from "node:assert/strict";
import { createServer, type IncomingHttpHeaders, type Server } from "node:http";
import { after, before, describe, test } from "node:test";
import { createClient, type ErrorCode, type StatekeepClient, StatekeepError, type Webhook } from "@statekeep/client";
import {
  verifyWebhook,
  type WebhookEvent,
  WebhookVerificationError,
  type WebhookVerificationReason,
} from "@statekeep/client/webhooks";
import { Webhook as StandardWebhook, WebhookVerificationError as StandardError } from "standardwebhooks";
import { type LiveServer, startServer } from "./server.js";

const machine = {
  id: "door",
  initial: "closed",
  states: {
    closed: { on: { OPEN: "open" } },
    open: { on: { CLOSE: "closed" } },
  },
};

interface Received {
  path: string;
  headers: IncomingHttpHeaders;
  body: Buffer;
}

let server: LiveServer;
let sk: StatekeepClient;
let receiver: Server;
let receiverUrl: string;
const received: Received[] = [];
/** Paths the receiver answers 500 on. */
const failing = new Set<string>();

before(async () => {
  server = await startServer({ args: ["--allow-private-webhooks"] });
  sk = createClient({ baseUrl: server.url, apiKey: server.adminKey });
  await sk.deploy("door-v1", machine);
  receiver = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", () => {
      const path = req.url ?? "";
      received.push({ path, headers: req.headers, body: Buffer.concat(chunks) });
      res.writeHead(failing.has(path) ? 500 : 204).end();
    });
  });
  await new Promise<void>((resolve) => receiver.listen(0, "127.0.0.1", resolve));
  const address = receiver.address();
  assert.ok(typeof address === "object" && address !== null);
  receiverUrl = `http://127.0.0.1:${address.port}`;
});
after(async () => {
  await server?.stop();
  receiver?.closeAllConnections();
  await new Promise((resolve) => receiver?.close(resolve));
});

/** The deliveries to `path` once there are `count` of them (fails after 10 s). */
async function deliveries(path: string, count: number): Promise<Received[]> {
  const deadline = Date.now() + 10_000;
  for (;;) {
    const found = received.filter((r) => r.path === path);
    if (found.length >= count) return found;
    if (Date.now() > deadline) {
      assert.fail(`${found.length} of ${count} deliveries to ${path} came in 10 s\n${server.log()}`);
    }
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
}

/** The reason verifyWebhook fails with. */
function rejection(call: () => unknown, reason: WebhookVerificationReason): WebhookVerificationError {
  try {
    call();
  } catch (e) {
    assert.ok(e instanceof WebhookVerificationError, `not a WebhookVerificationError: ${String(e)}`);
    assert.equal(e.name, "WebhookVerificationError");
    assert.equal(e.reason, reason, e.message);
    return e;
  }
  assert.fail(`expected ${reason}, but it verified`);
}

async function failure(call: Promise<unknown>, status: number, code: ErrorCode): Promise<void> {
  await assert.rejects(call, (e: unknown) => {
    assert.ok(e instanceof StatekeepError, String(e));
    assert.deepEqual([e.status, e.code], [status, code], e.message);
    return true;
  });
}

/** Headers as standardwebhooks takes them: a record of strings. */
function plain(headers: IncomingHttpHeaders): Record<string, string> {
  return Object.fromEntries(Object.entries(headers).map(([k, v]) => [k, String(v)]));
}

describe("deliveries of real changes", () => {
  let hook: Webhook;
  let secret: string;
  let firstSecret: string;

  test("every delivery verifies with verifyWebhook and with standardwebhooks, in order", async () => {
    hook = await sk.createWebhook({ url: `${receiverUrl}/main`, definitions: ["door-v1"], description: "the door" });
    assert.match(hook.id, /^wh_/);
    assert.match(hook.secret!, /^whsec_/);
    secret = firstSecret = hook.secret!;
    const actor = await sk.spawn("door-v1");
    await sk.send(actor.actorId, "OPEN");
    await sk.send(actor.actorId, "CLOSE");
    const got = await deliveries("/main", 3);
    const events: WebhookEvent[] = [];
    for (const delivery of got) {
      assert.equal(delivery.headers["content-type"], "application/json");
      const event = verifyWebhook(delivery.body, delivery.headers, secret);
      // The same body as text, and the headers as a fetch Headers, verify too.
      const asHeaders = new Headers(plain(delivery.headers));
      assert.deepEqual(verifyWebhook(delivery.body.toString("utf8"), asHeaders, secret), event);
      const theirs = new StandardWebhook(secret).verify(delivery.body.toString("utf8"), plain(delivery.headers));
      assert.deepEqual(theirs, event);
      assert.match(String(delivery.headers["webhook-id"]), /^msg_/);
      events.push(event);
    }
    assert.deepEqual(
      events.map((e) => [e.type, e.data.actorId, e.data.kind]),
      [
        ["actor.spawned", actor.actorId, "spawned"],
        ["actor.event", actor.actorId, "event"],
        ["actor.event", actor.actorId, "event"],
      ],
    );
    assert.deepEqual(events.map((e) => e.data.stateValue), ["closed", "open", "closed"]);
    assert.equal(events[0]!.timestamp, events[0]!.data.at);
  });

  test("a tampered body, a wrong secret, a stale or future timestamp are refused by both", async () => {
    const [delivery] = await deliveries("/main", 1);
    const { body, headers } = delivery!;
    const tampered = body.toString("utf8").replace('"closed"', '"opened"');
    assert.notEqual(tampered, body.toString("utf8"));
    rejection(() => verifyWebhook(tampered, headers, secret), "no_matching_signature");
    assert.throws(() => new StandardWebhook(secret).verify(tampered, plain(headers)), StandardError);

    const wrong = `whsec_${Buffer.alloc(32, 7).toString("base64")}`;
    rejection(() => verifyWebhook(body, headers, wrong), "no_matching_signature");
    assert.throws(() => new StandardWebhook(wrong).verify(body.toString("utf8"), plain(headers)), StandardError);

    const sent = Number(headers["webhook-timestamp"]) * 1000;
    rejection(() => verifyWebhook(body, headers, secret, { now: sent + 301_000 }), "timestamp_too_old");
    rejection(() => verifyWebhook(body, headers, secret, { now: new Date(sent - 301_000) }), "timestamp_too_new");
    verifyWebhook(body, headers, secret, { now: sent + 299_000 });
    verifyWebhook(body, headers, secret, { now: sent + 3_600_000, toleranceSeconds: 3_601 });

    const { "webhook-signature": _, ...unsigned } = headers;
    rejection(() => verifyWebhook(body, unsigned, secret), "missing_header");
    rejection(() => verifyWebhook(body, { ...headers, "webhook-timestamp": "soon" }, secret), "invalid_timestamp");
    rejection(() => verifyWebhook(body, headers, "whsec_not base64!"), "invalid_secret");
    rejection(() => verifyWebhook(body, headers, []), "invalid_secret");
  });

  test("during a rotation's overlap both secrets verify, with either library", async () => {
    const rotated = await sk.rotateWebhookSecret(hook.id, { overlapSeconds: 60 });
    const next = rotated.secret!;
    assert.match(next, /^whsec_/);
    assert.notEqual(next, secret);
    assert.ok(rotated.previousSecretExpiresAt !== null);
    const before = received.filter((r) => r.path === "/main").length;
    const actor = await sk.spawn("door-v1");
    const [delivery] = (await deliveries("/main", before + 1)).slice(before);
    const { body, headers } = delivery!;
    assert.equal(String(headers["webhook-signature"]).split(" ").length, 2);
    for (const key of [secret, next]) {
      assert.equal(verifyWebhook(body, headers, key).data.actorId, actor.actorId);
      const theirs = new StandardWebhook(key).verify(body.toString("utf8"), plain(headers)) as WebhookEvent;
      assert.equal(theirs.data.actorId, actor.actorId);
    }
    assert.equal(verifyWebhook(body, headers, [`whsec_${Buffer.alloc(32).toString("base64")}`, next]).type, "actor.spawned");
    secret = next;
  });

  test("a change redelivered comes again with the same webhook-id", async () => {
    const [first] = await deliveries("/main", 1);
    const seq = verifyWebhook(first!.body, first!.headers, firstSecret, { toleranceSeconds: Infinity }).data.seq;
    const before = received.filter((r) => r.path === "/main").length;
    assert.deepEqual(await sk.redeliver(hook.id, { seq }), { queued: 1 });
    const [again] = (await deliveries("/main", before + 1)).slice(before);
    assert.equal(again!.headers["webhook-id"], first!.headers["webhook-id"]);
    assert.equal(verifyWebhook(again!.body, again!.headers, secret).data.seq, seq);
    await failure(sk.redeliver(hook.id, { seq: 999_999 }), 404, "change_not_found");

    // Every change since a time: the four this endpoint took, again, signed with the new secret.
    const count = received.filter((r) => r.path === "/main").length;
    assert.deepEqual(await sk.redeliver(hook.id, { since: new Date(Date.now() - 3_600_000) }), { queued: 4 });
    const again4 = (await deliveries("/main", count + 4)).slice(count);
    const seqs = again4.map((r) => verifyWebhook(r.body, r.headers, secret).data.seq);
    assert.equal(new Set(seqs).size, 4);
    await assert.rejects(sk.redeliver(hook.id, { since: new Date(Number.NaN) }), (e: unknown) => {
      assert.ok(e instanceof StatekeepError && e.code === "invalid_request" && e.status === null, String(e));
      return true;
    });
  });
});

test("signatures made by standardwebhooks verify with verifyWebhook, and the other way round", () => {
  const secret = `whsec_${Buffer.from("a secret of thirty-two bytes....").toString("base64")}`;
  const theirs = new StandardWebhook(secret);
  const payload = JSON.stringify({ type: "actor.event", timestamp: "2026-05-25T03:41:27.120Z", data: { seq: 1 } });
  const at = new Date(Math.floor(Date.now() / 1000) * 1000);
  const headers = {
    "webhook-id": "msg_x_1",
    "webhook-timestamp": String(at.getTime() / 1000),
    "webhook-signature": `v2,ignored ${theirs.sign("msg_x_1", at, payload)}`,
  };
  assert.deepEqual(verifyWebhook(payload, headers, secret), JSON.parse(payload));
  // Without the prefix, as bytes, with the headers' names in any case.
  const shouting = Object.fromEntries(Object.entries(headers).map(([k, v]) => [k.toUpperCase(), v]));
  assert.equal(verifyWebhook(new TextEncoder().encode(payload), shouting, secret.slice(6)).type, "actor.event");
  // standardwebhooks takes what verifyWebhook takes: the signature is the specification's.
  assert.deepEqual(theirs.verify(payload, headers) as unknown, JSON.parse(payload));
  // An old one, as standardwebhooks signs it, is refused as it refuses it.
  const old = new Date(at.getTime() - 600_000);
  const stale = { ...headers, "webhook-timestamp": String(old.getTime() / 1000), "webhook-signature": theirs.sign("msg_x_1", old, payload) };
  rejection(() => verifyWebhook(payload, stale, secret), "timestamp_too_old");
  assert.throws(() => theirs.verify(payload, stale), StandardError);
  assert.equal(verifyWebhook(payload, stale, secret, { now: old }).type, "actor.event");
  // Signed, but not a delivery.
  const junk = "[1, 2]";
  rejection(
    () => verifyWebhook(junk, { ...headers, "webhook-signature": theirs.sign("msg_x_1", at, junk) }, secret),
    "invalid_payload",
  );
});

describe("endpoints", () => {
  test("create, list, read, change, list deliveries, delete", async () => {
    const hook = await sk.createWebhook({ url: `${receiverUrl}/down`, kinds: ["spawned"], definitions: ["door-v1"] });
    assert.deepEqual([hook.kinds, hook.definitions, hook.actions, hook.enabled], [["spawned"], ["door-v1"], [], true]);
    const listed = await sk.webhooks({ pageSize: 1 }).toArray();
    assert.ok(listed.some((h) => h.id === hook.id));
    assert.ok(listed.every((h) => h.secret === undefined), "no secret in a list");
    const read = await sk.webhook(hook.id);
    assert.equal(read.url, `${receiverUrl}/down`);
    assert.equal(read.secret, undefined);

    // The receiver fails this one: the delivery waits, with its attempt.
    failing.add("/down");
    const actor = await sk.spawn("door-v1");
    await deliveries("/down", 1);
    let pending = await sk.webhookDeliveries(hook.id).toArray();
    for (let i = 0; i < 100 && (pending.length === 0 || pending[0]!.attempts.length === 0); i++) {
      await new Promise((resolve) => setTimeout(resolve, 20));
      pending = await sk.webhookDeliveries(hook.id).toArray();
    }
    assert.equal(pending.length, 1);
    assert.deepEqual([pending[0]!.actorId, pending[0]!.kind, pending[0]!.status], [actor.actorId, "spawned", "pending"]);
    assert.equal(pending[0]!.attempts[0]!.status, 500);
    assert.deepEqual(await sk.webhookDeliveries(hook.id, { status: "dead" }).toArray(), []);
    assert.deepEqual(await sk.webhookDeliveries(hook.id, { after: pending[0]!.seq }).toArray(), []);

    const changed = await sk.updateWebhook(hook.id, { description: "down", enabled: false, kinds: [] });
    assert.deepEqual([changed.description, changed.enabled, changed.kinds], ["down", false, []]);
    assert.equal((await sk.webhook(hook.id)).enabled, false);

    await sk.deleteWebhook(hook.id);
    await failure(sk.webhook(hook.id), 404, "webhook_not_found");
    await failure(sk.deleteWebhook(hook.id), 404, "webhook_not_found");
    await failure(sk.updateWebhook(hook.id, { enabled: true }), 404, "webhook_not_found");
    await failure(sk.rotateWebhookSecret(hook.id), 404, "webhook_not_found");
    await failure(sk.redeliver(hook.id, { seq: 1 }), 404, "webhook_not_found");
    failing.delete("/down");
  });

  test("the server's codes for a bad URL or body", async () => {
    await failure(sk.createWebhook({ url: "http://user:pw@127.0.0.1:1/" }), 422, "webhook_url_invalid");
    await failure(sk.createWebhook({ url: "http://" }), 422, "webhook_url_invalid");
    const hook = await sk.createWebhook({ url: `${receiverUrl}/spare` });
    await failure(sk.updateWebhook(hook.id, { url: "http://user:pw@example.com/" }), 422, "webhook_url_invalid");
    await failure(sk.createWebhook({ url: `${receiverUrl}/x`, kinds: ["bogus" as "spawned"] }), 422, "invalid_request");
    await failure(sk.createWebhook({ url: `${receiverUrl}/x`, colour: "red" } as never), 422, "unknown_field");
    await sk.deleteWebhook(hook.id);
  });

  test("a key that is not an admin's cannot touch webhooks", async () => {
    const write = await sk.createApiKey("write");
    const writer = createClient({ baseUrl: server.url, apiKey: write.token! });
    await failure(writer.webhooks().toArray(), 403, "forbidden");
  });
});
