// The launch articles' loan story, written as they write it, against a live server: loan-v1,
// applicants who paid the fee and who had it waived, a preview of loan-v2 for those who paid,
// its deployment with the preview's digest; then a wildcard deployment and a rescue one.
import assert from "node:assert/strict";
import { after, before, test } from "node:test";
import { type Actor, createClient, type StatekeepClient } from "@statekeep/client";
import { type LiveServer, startServer } from "./server.js";

const loanV1 = {
  id: "loan",
  initial: "review",
  states: {
    review: { on: { SUBMIT_INFO: "fee" } },
    fee: { on: { PAY_FEE: "underwriting", WAIVE_FEE: "underwriting" } },
    underwriting: { on: { APPROVE: "approved" } },
    approved: { type: "final" },
  },
};
// loan-v2 verifies the income of the applicants who paid the fee.
const loanV2 = {
  ...loanV1,
  states: {
    ...loanV1.states,
    fee: { on: { PAY_FEE: "income_verification", WAIVE_FEE: "underwriting" } },
    income_verification: { on: { VERIFIED: "underwriting" } },
  },
};

let server: LiveServer;
let sk: StatekeepClient;
before(async () => {
  server = await startServer();
  sk = createClient({ baseUrl: server.url, apiKey: server.adminKey });
});
after(async () => {
  await server?.stop();
});

async function applicant(definitionId: string, ...events: string[]): Promise<Actor> {
  const actor = await sk.spawn(definitionId, { applicantId: "usr-001", loanAmount: 25000 });
  for (const event of events) await sk.send(actor.actorId, event);
  return sk.get(actor.actorId);
}

test("loan-v2 moves the applicant who paid the fee and leaves the one whose fee was waived", async () => {
  await sk.deploy("loan-v1", loanV1);
  const actor = await sk.spawn("loan-v1", { applicantId: "usr-001", loanAmount: 25000 });
  assert.equal(actor.stateValue, "review");
  assert.deepEqual(actor.context, { applicantId: "usr-001", loanAmount: 25000 });
  await sk.send(actor.actorId, "SUBMIT_INFO");
  const paid = await sk.send(actor.actorId, { type: "PAY_FEE", amount: 50 });
  assert.equal(paid.stateValue, "underwriting");
  const waived = await applicant("loan-v1", "SUBMIT_INFO", "WAIVE_FEE");
  const newcomer = await applicant("loan-v1");

  const preview = await sk.preview("loan-v2", loanV2, {
    parentId: "loan-v1",
    historyPath: ["SUBMIT_INFO", "PAY_FEE"],
  });
  assert.equal(preview.migration.wouldMigrate.length, 1);
  assert.deepEqual(preview.migration.wouldMigrate, [actor.actorId]);
  assert.deepEqual(preview.migration.wouldStay, [waived.actorId]);
  assert.deepEqual(preview.migration.pending, [newcomer.actorId]);
  assert.deepEqual(preview.migration.wouldStrand, []);
  assert.deepEqual(preview.migration.counts, { wouldMigrate: 1, wouldStay: 1, wouldStrand: 0, pending: 1 });
  assert.deepEqual(preview.migration.flows, [{ from: "underwriting", to: "income_verification", count: 1 }]);
  assert.deepEqual(preview.flows, preview.migration.flows); // where the launch articles read them
  assert.match(preview.digest, /\S/);
  // A preview writes nothing.
  assert.equal((await sk.get(actor.actorId)).version, "loan-v1");

  const deployed = await sk.deploy("loan-v2", loanV2, {
    parentId: "loan-v1",
    historyPath: ["SUBMIT_INFO", "PAY_FEE"],
    expect: preview.digest,
  });
  assert.equal(deployed.parentId, "loan-v1");
  assert.deepEqual(deployed.historyPath, ["SUBMIT_INFO", "PAY_FEE"]);

  // Read at once, before the background scan: every decision the deployment implies is seen.
  const moved = await sk.get(actor.actorId);
  assert.equal(moved.version, "loan-v2");
  assert.equal(moved.stateValue, "income_verification");
  const [decision, ...more] = await sk.decisions(actor.actorId).toArray();
  assert.equal(more.length, 0);
  assert.equal(decision?.kind, "migrated");
  assert.equal(decision?.deployment, "loan-v2");
  assert.equal(decision?.landing, "income_verification");
  const stayed = await sk.get(waived.actorId);
  assert.equal(stayed.version, "loan-v1");
  const [why] = await sk.decisions(waived.actorId).toArray();
  assert.equal(why?.kind, "stayed");
  assert.deepEqual(why?.reason, { code: "differs", index: 1 });

  // The newcomer is decided when its history reaches the path's length: in that send's answer.
  await sk.send(newcomer.actorId, "SUBMIT_INFO");
  const reached = await sk.send(newcomer.actorId, "PAY_FEE");
  assert.equal(reached.version, "loan-v2");
  assert.equal(reached.stateValue, "income_verification");
  assert.deepEqual(
    reached.decisions.map((d) => [d.kind, d.deployment]),
    [["migrated", "loan-v2"]],
  );
  const verified = await sk.send(actor.actorId, "VERIFIED");
  assert.equal(verified.stateValue, "underwriting");
  const history = [];
  for await (const entry of sk.history(actor.actorId)) history.push([entry.type, entry.payload]);
  assert.deepEqual(history, [
    ["SUBMIT_INFO", {}],
    ["PAY_FEE", { amount: 50 }],
    ["VERIFIED", {}],
  ]);
});

test("a wildcard deployment (no history path) moves every actor on its parent, and new ones at spawn", async () => {
  await sk.deploy("wild-v1", loanV1);
  const inReview = await applicant("wild-v1");
  const inUnderwriting = await applicant("wild-v1", "SUBMIT_INFO", "WAIVE_FEE");
  const withRejection = {
    ...loanV1,
    states: {
      ...loanV1.states,
      underwriting: { on: { APPROVE: "approved", REJECT: "rejected" } },
      rejected: { type: "final" },
    },
  };

  const preview = await sk.preview("wild-v2", withRejection, { parentId: "wild-v1" });
  assert.deepEqual([...preview.migration.wouldMigrate].sort(), [inReview.actorId, inUnderwriting.actorId].sort());
  await sk.deploy("wild-v2", withRejection, { parentId: "wild-v1", expect: preview.digest });

  for (const a of [inReview, inUnderwriting]) {
    const now = await sk.get(a.actorId);
    assert.equal(now.version, "wild-v2");
    assert.equal(now.stateValue, a.stateValue);
  }
  const rejected = await sk.send(inUnderwriting.actorId, "REJECT");
  assert.equal(rejected.stateValue, "rejected");
  assert.equal(rejected.done, true);
  // An actor spawned on the parent later is decided at its spawn.
  const late = await sk.spawn("wild-v1", { applicantId: "usr-002" });
  assert.equal(late.version, "wild-v2");
  const byDeployment = await sk.deploymentDecisions("wild-v2").toArray();
  assert.deepEqual(
    byDeployment.map((d) => [d.actorId, d.kind]).sort(),
    [inReview.actorId, inUnderwriting.actorId, late.actorId].map((id) => [id, "migrated"]).sort(),
  );
});

test("a rescue deployment moves only the actors whose history reached the bug", async () => {
  await sk.deploy("rescue-v1", loanV1);
  // A buggy v2 for every applicant (no history path): income verification has no way out.
  const buggy = { ...loanV2, states: { ...loanV2.states, income_verification: {} } };
  await sk.deploy("rescue-v2", buggy, { parentId: "rescue-v1" });
  const stuck = await applicant("rescue-v1", "SUBMIT_INFO", "PAY_FEE");
  const fine = await applicant("rescue-v1", "SUBMIT_INFO", "WAIVE_FEE");
  assert.deepEqual([stuck.version, stuck.stateValue], ["rescue-v2", "income_verification"]);
  const ignored = await sk.send(stuck.actorId, "VERIFIED");
  assert.equal(ignored.handled, false);

  // The fix, deployed under the buggy version, for the actors whose history reached the bug.
  const preview = await sk.preview("rescue-v2-fix", loanV2, {
    parentId: "rescue-v2",
    historyPath: ["SUBMIT_INFO", "PAY_FEE"],
  });
  assert.deepEqual(preview.migration.wouldMigrate, [stuck.actorId]);
  assert.deepEqual(preview.migration.wouldStay, [fine.actorId]);
  await sk.deploy("rescue-v2-fix", loanV2, {
    parentId: "rescue-v2",
    historyPath: ["SUBMIT_INFO", "PAY_FEE"],
    expect: preview.digest,
  });
  assert.equal((await sk.get(stuck.actorId)).version, "rescue-v2-fix");
  assert.equal((await sk.get(fine.actorId)).version, "rescue-v2");
  const verified = await sk.send(stuck.actorId, "VERIFIED");
  assert.equal(verified.stateValue, "underwriting");
});
