// Differential fuzzer: random machines run by XState 5.33.3 and by statekeep, compared at the
// start and after every event (value, status, actions). A difference is shrunk and written as
// a recorded case to tests/regressions/xstate-regressions.jsonl.
//
//   node fuzz.mjs --seeds 1-10000             seeds 1 to 10,000
//   node fuzz.mjs --from-commit --seconds 120 as many seeds as fit in two minutes, from a base
//                                              seed derived from `git rev-parse HEAD`
//   node fuzz.mjs --verify-departures          re-run the recorded departures through XState
//   node fuzz.mjs --write-departures           record departure-cases.mjs (XState and statekeep)
//   node fuzz.mjs --scan-illegal --seeds A-B   shrink an example of each kind of illegal
//                                              configuration XState reaches on those seeds
//
// Options: --seeds A-B | --seed A --count N | --from-commit; --seconds S (budget); --no-record
// (print reproducers, write nothing); --max-diffs N (stop after N differences, default 5);
// --summary FILE (append a JSON line with the counts); --batch N (cases per batch, 200).
//
// statekeep's side is target/release/statekeep-xstate-diff (`cargo build --release -p
// statekeep-xstate-diff`; `make fuzz-xstate` builds it), or the binary STATEKEEP_DIFF_BIN names.

import { execFileSync } from 'node:child_process';
import { appendFileSync } from 'node:fs';
import { caseFromSeed, compare, statekeepInput, stopReason } from './cases.mjs';
import { StatekeepRunner } from './statekeep-side.mjs';
import { shrinkAndRecord } from './shrink.mjs';
import { verifyDepartures, scanIllegal, writeDepartures } from './departures.mjs';

function parseArgs(argv) {
  const opts = { record: true, maxDiffs: 5, batch: 200 };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    const value = () => {
      if (i + 1 >= argv.length) throw new Error(`${a} needs a value`);
      return argv[++i];
    };
    if (a === '--seeds') {
      const m = /^(\d+)(?:-(\d+))?$/.exec(value());
      if (!m) throw new Error('--seeds takes A or A-B');
      opts.first = Number(m[1]);
      opts.last = Number(m[2] ?? m[1]);
    } else if (a === '--seed') opts.first = Number(value());
    else if (a === '--count') opts.count = Number(value());
    else if (a === '--from-commit') opts.fromCommit = true;
    else if (a === '--seconds') opts.seconds = Number(value());
    else if (a === '--no-record') opts.record = false;
    else if (a === '--max-diffs') opts.maxDiffs = Number(value());
    else if (a === '--summary') opts.summary = value();
    else if (a === '--verify-departures') opts.verifyDepartures = true;
    else if (a === '--scan-illegal') opts.scanIllegal = true;
    else if (a === '--write-departures') opts.writeDepartures = true;
    else if (a === '--batch') opts.batch = Number(value());
    else throw new Error(`unknown option ${a}`);
  }
  if (opts.fromCommit) {
    const head = execFileSync('git', ['rev-parse', 'HEAD'], { encoding: 'utf8' }).trim();
    // 40 bits of the commit hash, spaced 2^12 apart so neighbouring commits do not overlap
    // for the first 4,096 seeds: a base below 2^53, a fresh region for every commit.
    opts.first = Number.parseInt(head.slice(0, 10), 16) * 4096;
    opts.commit = head;
  }
  if (opts.verifyDepartures || opts.writeDepartures) return opts;
  if (opts.first === undefined) throw new Error('give --seeds A-B, --seed A [--count N] or --from-commit');
  if (opts.last === undefined) opts.last = opts.count !== undefined ? opts.first + opts.count - 1 : Number.MAX_SAFE_INTEGER;
  if (opts.last === Number.MAX_SAFE_INTEGER && opts.seconds === undefined) throw new Error('an open seed range needs --seconds');
  return opts;
}

function bump(map, key) {
  map[key] = (map[key] ?? 0) + 1;
}

async function fuzz(opts) {
  const started = Date.now();
  const deadline = opts.seconds !== undefined ? started + opts.seconds * 1000 : Infinity;
  const runner = new StatekeepRunner();
  const counts = {
    machines: 0, steps: 0, nodes: 0, same: 0, sameUntilXStateStops: 0, differences: 0,
    xstateStops: {}, xstateErrorSeeds: [], rejections: {}, outcomes: {},
  };
  const diffs = [];
  let nextSeed = opts.first;
  let lastReport = started;

  const handle = async (batch, results) => {
    for (let i = 0; i < batch.length; i++) {
      const c = batch[i];
      const r = compare(c.xstate, results[i]);
      counts.machines++;
      counts.steps += c.xstate.steps.length;
      counts.nodes += c.model.nodes.length;
      bump(counts.outcomes, r.outcome);
      if (c.xstate.stop) bump(counts.xstateStops, stopReason(c.xstate.stop));
      // XState throwing something other than its loop error is rare and worth a look.
      if (c.xstate.stop?.kind === 'error' && counts.xstateErrorSeeds.length < 20) counts.xstateErrorSeeds.push(c.seed);
      if (results[i]?.compileError) bump(counts.rejections, results[i].compileError.replace(/#[^\s]+/g, '#…').replace(/^\$[^:]*: /, ''));
      if (r.outcome === 'same') counts.same++;
      if (r.outcome === 'same-until-xstate-stops') counts.sameUntilXStateStops++;
      if (r.outcome !== 'diff') continue;
      counts.differences++;
      console.log(`\nseed ${c.seed}: ${r.diff.kind} differs at step ${r.diff.at}`);
      console.log(`  statekeep: ${JSON.stringify(r.diff.statekeep)}`);
      console.log(`  XState:    ${JSON.stringify(r.diff.xstate)}`);
      const recorded = await shrinkAndRecord(c, r.diff, runner, { write: opts.record });
      diffs.push({ seed: c.seed, kind: r.diff.kind, id: recorded.id });
    }
  };

  let inFlight = null;
  while (nextSeed <= opts.last && Date.now() < deadline && diffs.length < opts.maxDiffs) {
    const batch = [];
    const end = Math.min(opts.last, nextSeed + opts.batch - 1);
    for (; nextSeed <= end; nextSeed++) {
      batch.push(caseFromSeed(nextSeed));
      // Let the event loop write the previous batch into statekeep's pipe meanwhile.
      if (nextSeed % 16 === 0) await new Promise(setImmediate);
    }
    // statekeep works on this batch while the next one is generated.
    // A machine XState loops on while starting has nothing to compare: statekeep is spared
    // its 10,000 microsteps.
    const compared = batch.filter((c) => !loopsAtStart(c));
    const pending = { batch, results: runner.run(compared.map(statekeepInput)).then((r) => spread(batch, r)) };
    if (inFlight) await handle(inFlight.batch, await inFlight.results);
    inFlight = pending;
    if (Date.now() - lastReport > 10_000) {
      lastReport = Date.now();
      const rate = counts.machines / ((lastReport - started) / 1000);
      process.stderr.write(`${counts.machines} machines, ${counts.differences} differences, ${rate.toFixed(0)} machines/s, next seed ${nextSeed}\n`);
    }
  }
  if (inFlight) await handle(inFlight.batch, await inFlight.results);
  await runner.close();

  const seconds = (Date.now() - started) / 1000;
  const summary = {
    date: new Date().toISOString(),
    commit: opts.commit ?? gitHead(),
    seeds: `${opts.first}-${nextSeed - 1}`,
    seconds: Math.round(seconds),
    machinesPerSecond: Math.round(counts.machines / seconds),
    ...counts,
    meanNodes: +(counts.nodes / Math.max(1, counts.machines)).toFixed(1),
    meanSteps: +(counts.steps / Math.max(1, counts.machines)).toFixed(1),
    found: diffs,
  };
  delete summary.nodes;
  console.log(JSON.stringify(summary, null, 2));
  if (opts.summary) appendFileSync(opts.summary, `${JSON.stringify(summary)}\n`);
  return counts.differences === 0;
}

function loopsAtStart(c) {
  return c.xstate.stop?.at === 'initial' && c.xstate.stop.kind === 'loop';
}

// statekeep's results for the cases it ran, null for the others, in batch order.
function spread(batch, results) {
  let next = 0;
  return batch.map((c) => (loopsAtStart(c) ? null : results[next++]));
}

function gitHead() {
  try {
    return execFileSync('git', ['rev-parse', 'HEAD'], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim();
  } catch {
    return null;
  }
}

const opts = parseArgs(process.argv.slice(2));
let ok;
if (opts.verifyDepartures) ok = await verifyDepartures();
else if (opts.writeDepartures) ok = await writeDepartures();
else if (opts.scanIllegal) ok = await scanIllegal(opts.first, opts.last);
else ok = await fuzz(opts);
process.exit(ok ? 0 : 1);
