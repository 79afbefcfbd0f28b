// The README's example is examples/loan-story.ts, word for word, and it runs: as a user runs
// it, a script against a live server, whose output is the story's.
import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import { readFile } from "node:fs/promises";
import { after, before, test } from "node:test";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
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

test("the README shows examples/loan-story.ts unchanged", async () => {
  const readme = await readFile(new URL("README.md", ROOT), "utf8");
  const example = await readFile(new URL("examples/loan-story.ts", ROOT), "utf8");
  const blocks = [...readme.matchAll(/```ts\n([\s\S]*?)```/g)].map((m) => m[1]);
  assert.ok(blocks.includes(example), "README.md must show examples/loan-story.ts, unchanged, in a ```ts block");
});

test("the example runs against a live server and tells the loan story", async () => {
  const script = fileURLToPath(new URL("build/examples/loan-story.js", ROOT));
  const { stdout } = await promisify(execFile)(process.execPath, [script], {
    env: { ...process.env, STATEKEEP_URL: server.url, STATEKEEP_API_KEY: server.adminKey },
  });
  const lines = stdout.trimEnd().split("\n");
  assert.equal(lines.length, 3, stdout);
  assert.equal(lines[0], "1 application(s) would move to loan-v2");
  assert.match(lines[1]!, /^[\w-]+ is on loan-v2, in "income_verification"$/);
  assert.equal(lines[2], "migrated by loan-v2");
});
