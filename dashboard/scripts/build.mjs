// Builds the dashboard into python/statekeep/dashboard/static (committed, so that installing the
// Python package needs no Node). With --check, builds in memory and fails when the committed
// files differ: the build is stale against the sources, or was edited by hand.
//
// The build is deterministic (esbuild, no timestamps): the same sources and lockfile give the
// same bytes. SOURCES.sha256 records a digest of the inputs, which the Python tests compare
// without Node (tests/test_dashboard.py).

import { createHash } from "node:crypto";
import { readFileSync, readdirSync, writeFileSync, mkdirSync, existsSync } from "node:fs";
import { dirname, join, relative } from "node:path";
import { fileURLToPath } from "node:url";
import * as esbuild from "esbuild";

const here = dirname(dirname(fileURLToPath(import.meta.url)));
const out = join(here, "..", "python", "statekeep", "dashboard", "static");
const check = process.argv.includes("--check");

/** The inputs of the build, in a fixed order: what SOURCES.sha256 is the digest of. */
function inputs() {
  const files = [];
  const walk = (dir) => {
    for (const name of readdirSync(dir, { withFileTypes: true }).sort((a, b) => (a.name < b.name ? -1 : 1))) {
      const p = join(dir, name.name);
      if (name.isDirectory()) walk(p);
      else files.push(p);
    }
  };
  walk(join(here, "src"));
  files.push(join(here, "scripts", "build.mjs"), join(here, "package-lock.json"), join(here, "tsconfig.json"));
  return files;
}

function digest() {
  const h = createHash("sha256");
  for (const f of inputs()) {
    h.update(relative(here, f).split("\\").join("/"));
    h.update("\0");
    h.update(readFileSync(f));
    h.update("\0");
  }
  return h.digest("hex");
}

const result = await esbuild.build({
  entryPoints: [join(here, "src", "main.ts")],
  bundle: true,
  format: "esm",
  target: "es2022",
  minify: true,
  legalComments: "eof",
  charset: "utf8",
  write: false,
  outfile: join(out, "app.js"),
  logLevel: "warning",
});

const files = new Map([
  ["app.js", Buffer.from(result.outputFiles[0].contents)],
  ["index.html", readFileSync(join(here, "src", "index.html"))],
  ["style.css", readFileSync(join(here, "src", "style.css"))],
  ["SOURCES.sha256", Buffer.from(`${digest()}\n`)],
]);

if (check) {
  const stale = [...files].filter(([name, bytes]) => {
    const p = join(out, name);
    return !existsSync(p) || !readFileSync(p).equals(bytes);
  });
  if (stale.length) {
    console.error(`the committed dashboard build is stale (${stale.map(([n]) => n).join(", ")}): run npm run build in dashboard/ and commit python/statekeep/dashboard/static`);
    process.exit(1);
  }
  console.log("the committed dashboard build is current");
} else {
  mkdirSync(out, { recursive: true });
  for (const [name, bytes] of files) writeFileSync(join(out, name), bytes);
  console.log(`built ${[...files.keys()].join(", ")} into ${relative(process.cwd(), out)} (app.js ${files.get("app.js").length} bytes)`);
}
