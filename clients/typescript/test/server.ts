// A live `statekeep serve` for the tests: a new store in a temporary directory, on a free
// loopback port, with the admin key it prints at its first start.
import { type ChildProcess, spawn } from "node:child_process";
import { randomBytes } from "node:crypto";
import { mkdtemp, rm } from "node:fs/promises";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";

export interface LiveServer {
  url: string;
  /** The admin key the server printed when it created the store. */
  adminKey: string;
  /** Everything the server wrote to stderr so far (for a failing test's message). */
  log(): string;
  stop(): Promise<void>;
}

/** The command that runs statekeep: $STATEKEEP_COMMAND, else `statekeep` on the PATH (make puts .venv/bin there). */
const COMMAND = process.env["STATEKEEP_COMMAND"] || "statekeep";
const START_TIMEOUT_MS = 60_000;

/** `args`: more of `statekeep serve`'s options, such as `--allow-private-webhooks`. */
export async function startServer(options: { args?: string[] } = {}): Promise<LiveServer> {
  const dir = await mkdtemp(join(tmpdir(), "statekeep-ts-"));
  const port = await freePort();
  // The store's environment only: an operator's STATEKEEP_* settings must not reach it.
  const env: NodeJS.ProcessEnv = {};
  for (const [name, value] of Object.entries(process.env)) {
    if (!name.startsWith("STATEKEEP_")) env[name] = value;
  }
  // Where a generated key would be written: the test's directory, never the user's config.
  env["STATEKEEP_KEY_DIR"] = join(dir, "keys");
  const args = ["serve", "--data", join(dir, "data"), "--port", String(port), "--key", randomBytes(32).toString("hex"), ...(options.args ?? [])];
  const child = spawn(COMMAND, args, { env, stdio: ["ignore", "ignore", "pipe"] });
  let stderr = "";
  child.stderr!.setEncoding("utf8");
  child.stderr!.on("data", (chunk: string) => {
    stderr += chunk;
  });
  const stop = async () => {
    await stopChild(child);
    await rm(dir, { recursive: true, force: true });
  };
  try {
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`statekeep serve did not start in ${START_TIMEOUT_MS} ms`)), START_TIMEOUT_MS);
      const check = () => {
        if (/serving .* on http/.test(stderr)) {
          clearTimeout(timer);
          resolve();
        }
      };
      child.stderr!.on("data", check);
      child.once("error", (e) => {
        clearTimeout(timer);
        reject(new Error(`cannot run '${COMMAND}' (run 'make develop', or set STATEKEEP_COMMAND): ${e.message}`));
      });
      child.once("exit", (code) => {
        clearTimeout(timer);
        reject(new Error(`statekeep serve exited with ${code}`));
      });
    });
    // The server says it is serving before its socket listens: wait until it answers.
    await untilListening(`http://127.0.0.1:${port}`, Date.now() + START_TIMEOUT_MS, child);
  } catch (e) {
    await stop();
    throw new Error(`${(e as Error).message}\n${stderr}`);
  }
  const adminKey = /sk_[\w-]+/.exec(stderr)?.[0];
  if (adminKey === undefined) {
    await stop();
    throw new Error(`statekeep serve printed no admin key:\n${stderr}`);
  }
  return { url: `http://127.0.0.1:${port}`, adminKey, log: () => stderr, stop };
}

async function untilListening(url: string, deadline: number, child: ChildProcess): Promise<void> {
  for (;;) {
    try {
      await fetch(`${url}/v1/health`);
      return;
    } catch (e) {
      if (child.exitCode !== null || child.signalCode !== null) throw new Error("statekeep serve exited");
      if (Date.now() > deadline) throw new Error(`statekeep serve did not answer at ${url}: ${String(e)}`);
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
  }
}

async function stopChild(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise<void>((resolve) => child.once("exit", () => resolve()));
  child.kill("SIGTERM");
  const killer = setTimeout(() => child.kill("SIGKILL"), 10_000);
  await exited;
  clearTimeout(killer);
}

/** A loopback port nothing listens on now. */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const probe = createServer();
    probe.once("error", reject);
    probe.listen(0, "127.0.0.1", () => {
      const address = probe.address();
      probe.close(() => (typeof address === "object" && address !== null ? resolve(address.port) : reject(new Error("no port"))));
    });
  });
}
