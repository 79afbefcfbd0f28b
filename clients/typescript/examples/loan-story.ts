import { createClient } from "@statekeep/client";

const sk = createClient({
  baseUrl: process.env.STATEKEEP_URL ?? "http://127.0.0.1:8080",
  apiKey: process.env.STATEKEEP_API_KEY, // an admin key deploys; a write key spawns and sends
});

// loan-v1: review -SUBMIT_INFO-> fee -PAY_FEE or WAIVE_FEE-> underwriting -APPROVE-> approved
await sk.deploy("loan-v1", {
  id: "loan",
  initial: "review",
  states: {
    review: { on: { SUBMIT_INFO: "fee" } },
    fee: { on: { PAY_FEE: "underwriting", WAIVE_FEE: "underwriting" } },
    underwriting: { on: { APPROVE: "approved" } },
    approved: { type: "final" },
  },
});

const actor = await sk.spawn("loan-v1", { applicantId: "usr-001", loanAmount: 25000 });
await sk.send(actor.actorId, "SUBMIT_INFO");
await sk.send(actor.actorId, { type: "PAY_FEE", amount: 50 }, { idempotencyKey: `fee-${actor.actorId}` });

// loan-v2 verifies the income of the applicants who paid the fee.
const newDefinition = {
  id: "loan",
  initial: "review",
  states: {
    review: { on: { SUBMIT_INFO: "fee" } },
    fee: { on: { PAY_FEE: "income_verification", WAIVE_FEE: "underwriting" } },
    income_verification: { on: { VERIFIED: "underwriting" } },
    underwriting: { on: { APPROVE: "approved" } },
    approved: { type: "final" },
  },
};
const preview = await sk.preview("loan-v2", newDefinition, {
  parentId: "loan-v1",
  historyPath: ["SUBMIT_INFO", "PAY_FEE"],
});
console.log(`${preview.migration.wouldMigrate.length} application(s) would move to loan-v2`);

await sk.deploy("loan-v2", newDefinition, {
  parentId: "loan-v1",
  historyPath: ["SUBMIT_INFO", "PAY_FEE"],
  expect: preview.digest, // deploy only if the outcome is still the one previewed
});

const moved = await sk.get(actor.actorId);
console.log(`${moved.actorId} is on ${moved.version}, in ${JSON.stringify(moved.stateValue)}`);
for await (const decision of sk.decisions(actor.actorId)) {
  console.log(`${decision.kind} by ${decision.deployment}`);
}
