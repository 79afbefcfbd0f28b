// src/generated/openapi.ts is what openapi-typescript makes of the live server's
// /openapi.json: the committed types are not stale.
import assert from "node:assert/strict";
import { readFile } from "node:fs/promises";
import { after, before, test } from "node:test";
import { type LiveServer, startServer } from "./server.js";

// Compiled to build/test/: the package's own files are two levels up.
const ROOT = new URL("../../", import.meta.url);

let server: LiveServer;
before(async () => {
  server = await startServer();
});
after(async () => {
  await server?.stop();
});

test("the generated types match the served OpenAPI description", async () => {
  const { typesOf, GENERATED } = (await import(
    new URL("scripts/openapi-types.mjs", ROOT).href
  )) as typeof import("../scripts/openapi-types.mjs");
  const response = await fetch(`${server.url}/openapi.json`);
  assert.equal(response.status, 200);
  const fresh = await typesOf(await response.json());
  const committed = await readFile(GENERATED, "utf8");
  // Not assert.equal: a diff of two 4,000-line files says less than what to do.
  assert.ok(
    committed === fresh,
    "src/generated/openapi.ts is stale: the server's OpenAPI description changed. " +
      "Run `npm run generate` in clients/typescript and commit the result.",
  );
  // And it is the description's: a name only it has is in the types.
  assert.match(committed, /"\/v1\/actors\/\{id\}\/schedule\/\{sid\}"/);
});
