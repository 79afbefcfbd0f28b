// statekeep's side: one long-lived `statekeep-xstate-diff` process (tools/xstate-fuzz/runner)
// fed batches of cases as JSON lines; it answers one line per case, in order.

import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const REPO = fileURLToPath(new URL('../../', import.meta.url));

export function defaultRunnerPath() {
  return process.env.STATEKEEP_DIFF_BIN ?? `${REPO}target/release/statekeep-xstate-diff`;
}

export class StatekeepRunner {
  constructor(bin = defaultRunnerPath()) {
    if (!existsSync(bin)) throw new Error(`${bin} not found; build it with: cargo build --release -p statekeep-xstate-diff`);
    this.child = spawn(bin, [], { stdio: ['pipe', 'pipe', 'inherit'] });
    this.pending = [];
    this.partial = '';
    this.exited = null;
    this.child.stdout.setEncoding('utf8');
    this.child.stdout.on('data', (chunk) => this.receive(chunk));
    this.child.on('exit', (code, signal) => {
      this.exited = `statekeep-xstate-diff exited (${signal ?? code})`;
      for (const p of this.pending) p.reject(new Error(this.exited));
      this.pending = [];
    });
  }

  receive(chunk) {
    const lines = (this.partial + chunk).split('\n');
    this.partial = lines.pop();
    for (const line of lines) {
      const head = this.pending[0];
      if (!head) throw new Error(`unexpected output from statekeep-xstate-diff: ${line.slice(0, 200)}`);
      head.results.push(JSON.parse(line));
      if (head.results.length === head.count) {
        this.pending.shift();
        head.resolve(head.results);
      }
    }
  }

  // `cases`: [{machine, initialGuards, steps: [{event, guards}]}]; resolves to their results.
  run(cases) {
    if (this.exited) return Promise.reject(new Error(this.exited));
    if (cases.length === 0) return Promise.resolve([]);
    return new Promise((resolve, reject) => {
      this.pending.push({ count: cases.length, results: [], resolve, reject });
      this.child.stdin.write(`${cases.map((c) => JSON.stringify(c)).join('\n')}\n\n`);
    });
  }

  // Ends the process; resolves once it has exited.
  close() {
    const exited = this.exited ? Promise.resolve() : new Promise((resolve) => this.child.once('exit', resolve));
    this.child.stdin.end();
    return exited;
  }
}
