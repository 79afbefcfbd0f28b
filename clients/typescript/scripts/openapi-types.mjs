// The client's types, generated from the server's OpenAPI description with openapi-typescript.
//
//   node scripts/openapi-types.mjs --write   regenerate src/generated/openapi.ts
//   node scripts/openapi-types.mjs --check   fail if the committed file differs from what the
//                                            server's description generates now
//
// The description is read from the Python package (statekeep.service.openapi.SPEC, what
// /openapi.json serves) with $STATEKEEP_PYTHON (default: python3), so no server is needed; the
// tests compare the same generation against a live server's /openapi.json too.
import { execFileSync } from "node:child_process";
import { readFileSync, writeFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import openapiTS, { astToString } from "openapi-typescript";

export const GENERATED = fileURLToPath(new URL("../src/generated/openapi.ts", import.meta.url));

const HEADER = `// Generated from the statekeep server's OpenAPI description by openapi-typescript:
// do not edit. Regenerate with \`npm run generate\`; \`npm run check-types\` (and the tests)
// fail when this file is stale.

`;

/** The TypeScript text of the types of an OpenAPI description (a parsed JSON object). */
export async function typesOf(description) {
  const ast = await openapiTS(structuredClone(description), {
    // An object schema without properties (a definition, a payload, a reason) holds any
    // fields: Record<string, unknown>, not openapi-typescript's default Record<string, never>,
    // which no value but {} could be.
    emptyObjectsUnknown: true,
    // A request field with a default (match, landing, timers...) may be left out.
    defaultNonNullable: false,
  });
  return HEADER + astToString(ast);
}

/** The description the installed Python package serves at /openapi.json. */
export function pythonDescription() {
  const python = process.env.STATEKEEP_PYTHON || "python3";
  const code = "import json, sys; from statekeep.service.openapi import SPEC; json.dump(SPEC, sys.stdout)";
  let text;
  try {
    text = execFileSync(python, ["-c", code], { encoding: "utf8", maxBuffer: 64 << 20 });
  } catch (e) {
    throw new Error(
      `cannot read the OpenAPI description from ${python} (is statekeep installed there with its ` +
        `server extra? set STATEKEEP_PYTHON to the Python that has it): ${e.message}`,
    );
  }
  return JSON.parse(text);
}

async function main(mode) {
  const fresh = await typesOf(pythonDescription());
  if (mode === "--write") {
    writeFileSync(GENERATED, fresh);
    console.log(`wrote ${GENERATED}`);
    return;
  }
  if (mode !== "--check") {
    throw new Error("usage: openapi-types.mjs --write | --check");
  }
  const committed = readFileSync(GENERATED, "utf8");
  if (committed !== fresh) {
    console.error(
      `${GENERATED} is stale: the server's OpenAPI description has changed since it was generated. ` +
        "Run `npm run generate` in clients/typescript and commit the result.",
    );
    process.exit(1);
  }
  console.log("src/generated/openapi.ts matches the server's OpenAPI description");
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  await main(process.argv[2]);
}
