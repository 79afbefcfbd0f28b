// Records the feature cases of tests/features/xstate-features.jsonl from the real XState.
//
//   cd tools/xstate-cases && npm install && node generate.mjs
//
// Each case is (description, machine config, initial guard table, events with guard tables).
// A guard missing from a table is true; a step without `guards` keeps the previous step's table.
// The machine is started with a SimulatedClock that is never advanced, so delayed events only
// happen when a step sends them explicitly; invoked actors are never-settling promises, so
// `xstate.done.actor.*` / `xstate.error.actor.*` also only happen when a step sends them.
import { readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createActor, createMachine, fromPromise, SimulatedClock } from 'xstate';

const XSTATE_VERSION = '5.33.3';
const installed = JSON.parse(
  readFileSync(new URL('./node_modules/xstate/package.json', import.meta.url), 'utf8'),
).version;
if (installed !== XSTATE_VERSION) throw new Error(`xstate ${installed} installed, expected ${XSTATE_VERSION}`);
const OUT = join(dirname(fileURLToPath(import.meta.url)), '../../tests/features/xstate-features.jsonl');

// A machine is a JS object, or a JSON text when the case depends on key order that a JS object
// literal cannot keep: JS orders integer-like keys ("500", "1000") numerically before the others,
// so XState sees `after: {"1000": .., "500": ..}` with 500 first. The text is written to the corpus
// as authored, so a reader that keeps JSON key order sees the order the author wrote.
const CASES = [
  // ---------------------------------------------------------------- after
  {
    id: 'after-basic',
    features: ['after'],
    description:
      "Entering a state with `after` schedules `xstate.after.<delay>.<state id>` (after the state's own entry actions); sending that event takes the delayed transition, and exiting cancels the timer (after the state's own exit actions). The same event in another state is unhandled.",
    machine: {
      id: 'm', initial: 'a',
      states: {
        a: { entry: 'in:a', exit: 'out:a', after: { 1000: { target: 'b', actions: 't:after' } } },
        b: { entry: 'in:b', exit: 'out:b', on: { BACK: 'a' } },
      },
    },
    steps: [
      { event: { type: 'xstate.after.1000.m.a' } },
      { event: { type: 'xstate.after.1000.m.a' } },
      { event: { type: 'BACK' } },
    ],
  },
  {
    id: 'after-numeric-key-order',
    features: ['after', 'key-order'],
    description:
      'The `after` keys are written "1000" then "500", but JavaScript orders integer-like keys numerically: 500 is scheduled first, and on exit 500 is cancelled first. Sending the 1000 event takes its transition even though the 500 one would fire first in real time.',
    machine: `{
      "id": "m", "initial": "a",
      "states": {
        "a": {
          "entry": "in:a", "exit": "out:a",
          "after": {
            "1000": { "target": "slow", "actions": "t:1000" },
            "500": { "target": "fast", "actions": "t:500" }
          }
        },
        "slow": {},
        "fast": {}
      }
    }`,
    steps: [{ event: { type: 'xstate.after.1000.m.a' } }],
  },
  {
    id: 'after-noncanonical-delay-key',
    features: ['after', 'key-order'],
    description:
      'Delay keys are turned into numbers: "0250" gives delay 250 and event `xstate.after.250.m.a` (the event `xstate.after.0250.m.a` is unhandled). Only canonical integer keys are reordered by JavaScript, so the order is "750", "2000" (numeric), then "0250" (written order).',
    machine: `{
      "id": "m", "initial": "a",
      "states": {
        "a": {
          "after": { "2000": "x", "0250": "y", "750": "z" }
        },
        "x": {}, "y": {}, "z": {}
      }
    }`,
    steps: [
      { event: { type: 'xstate.after.0250.m.a' } },
      { event: { type: 'xstate.after.250.m.a' } },
    ],
  },
  {
    id: 'after-state-ids',
    features: ['after'],
    description:
      "The delayed event names the state's id: `<machine id>.<dotted path>` for a nested state without `id`, the `id` itself when one is given.",
    machine: {
      id: 'm', initial: 'outer',
      states: {
        outer: {
          initial: 'inner',
          states: {
            inner: { after: { 300: 'done' } },
            done: { on: { GO: '#waiting' } },
          },
        },
        custom: { id: 'waiting', after: { 300: '#m.outer' } },
      },
    },
    steps: [
      { event: { type: 'xstate.after.300.m.outer.inner' } },
      { event: { type: 'GO' } },
      { event: { type: 'xstate.after.300.m.custom' } },
      { event: { type: 'xstate.after.300.waiting' } },
    ],
  },
  {
    id: 'after-guarded-candidates',
    features: ['after', 'guards'],
    description:
      'An `after` entry can be an array of guarded candidates, tried in order like any transition.',
    machine: {
      id: 'm', initial: 'a',
      states: {
        a: {
          after: {
            500: [
              { target: 'x', guard: 'fast', actions: 't:x' },
              { target: 'y', actions: 't:y' },
            ],
          },
        },
        x: { on: { RESET: 'a' } },
        y: { on: { RESET: 'a' } },
      },
    },
    guards: { fast: false },
    steps: [
      { event: { type: 'xstate.after.500.m.a' }, guards: { fast: false } },
      { event: { type: 'RESET' } },
      { event: { type: 'xstate.after.500.m.a' }, guards: { fast: true } },
    ],
  },
  {
    id: 'after-cancelled-by-other-exit',
    features: ['after'],
    description:
      'Leaving the state by another event cancels its timer; the delayed event arriving later is unhandled.',
    machine: {
      id: 'm', initial: 'a',
      states: {
        a: { exit: 'out:a', after: { 1000: 'late' }, on: { GO: { target: 'b', actions: 't:go' } } },
        b: { entry: 'in:b' },
        late: {},
      },
    },
    steps: [
      { event: { type: 'GO' } },
      { event: { type: 'xstate.after.1000.m.a' } },
    ],
  },
  {
    id: 'after-self-transitions',
    features: ['after'],
    description:
      'A re-entering self transition cancels and reschedules the timer (exit, cancel, transition actions, entry, schedule); a self transition without `reenter` on an atomic state and a targetless transition leave the timer alone.',
    machine: {
      id: 'm', initial: 'a',
      states: {
        a: {
          entry: 'in:a', exit: 'out:a',
          after: { 1000: 'b' },
          on: {
            REENTER: { target: 'a', reenter: true, actions: 't:reenter' },
            STAY: { target: 'a', actions: 't:stay' },
            TICK: { actions: 't:tick' },
          },
        },
        b: {},
      },
    },
    steps: [
      { event: { type: 'REENTER' } },
      { event: { type: 'STAY' } },
      { event: { type: 'TICK' } },
      { event: { type: 'xstate.after.1000.m.a' } },
    ],
  },
  {
    id: 'after-on-compound-parent',
    features: ['after'],
    description:
      "A compound state's timer keeps running while its children change; its delayed event exits the active child, then the parent (out:p, then the parent's cancel).",
    machine: {
      id: 'm', initial: 'p',
      states: {
        p: {
          entry: 'in:p', exit: 'out:p',
          after: { 5000: { target: 'timeout', actions: 't:timeout' } },
          initial: 'c1',
          states: {
            c1: { entry: 'in:c1', exit: 'out:c1', after: { 100: 'c2' } },
            c2: { entry: 'in:c2', exit: 'out:c2' },
          },
        },
        timeout: { entry: 'in:timeout' },
      },
    },
    steps: [
      { event: { type: 'xstate.after.100.m.p.c1' } },
      { event: { type: 'xstate.after.5000.m.p' } },
    ],
  },
  {
    id: 'after-on-root-and-completion',
    features: ['after', 'final'],
    description:
      "The root's delayed event is `xstate.after.<delay>.<machine id>`; scheduled at start right after the root's entry actions. A targetless delayed transition does not reschedule. When the machine completes, the exit actions of every active state run and the root's timer is cancelled with them.",
    machine: {
      id: 'm', initial: 'a',
      entry: 'in:m', exit: 'out:m',
      after: { 100: { actions: 't:root-tick' } },
      states: {
        a: { entry: 'in:a', exit: 'out:a', after: { 50: 'end' } },
        end: { type: 'final', entry: 'in:end', exit: 'out:end' },
      },
    },
    steps: [
      { event: { type: 'xstate.after.100.m' } },
      { event: { type: 'xstate.after.50.m.a' } },
      { event: { type: 'xstate.after.100.m' } },
    ],
  },
  {
    id: 'after-parallel-regions',
    features: ['after', 'parallel'],
    description:
      "Timers of parallel regions are scheduled in document order; one region's delayed event moves only that region.",
    machine: {
      id: 'm', type: 'parallel',
      states: {
        r1: { initial: 'a1', states: { a1: { after: { 200: 'a2' } }, a2: {} } },
        r2: { initial: 'b1', states: { b1: { after: { 100: 'b2' } }, b2: { after: { 100: 'b1' } } } },
      },
    },
    steps: [
      { event: { type: 'xstate.after.100.m.r2.b1' } },
      { event: { type: 'xstate.after.200.m.r1.a1' } },
      { event: { type: 'xstate.after.100.m.r2.b2' } },
    ],
  },
  {
    id: 'after-left-by-always',
    features: ['after', 'always'],
    description:
      'A state left by an eventless transition in the same macrostep it was entered still schedules its timer, and cancels it on the way out.',
    machine: {
      id: 'm', initial: 'a',
      states: {
        a: {
          entry: 'in:a', exit: 'out:a',
          after: { 1000: 'c' },
          always: { target: 'b', guard: 'skip' },
        },
        b: { entry: 'in:b', on: { GO: 'a' } },
        c: {},
      },
    },
    guards: { skip: true },
    steps: [
      { event: { type: 'GO' }, guards: { skip: false } },
      { event: { type: 'xstate.after.1000.m.a' }, guards: { skip: false } },
    ],
  },

  // ---------------------------------------------------------------- invoke
  {
    id: 'invoke-ondone',
    features: ['invoke'],
    description:
      'Entering a state with `invoke` starts the child (after the entry actions); `xstate.done.actor.<id>` takes `onDone`; leaving stops the child (after the exit actions). The event\'s `output` is just carried along.',
    machine: {
      id: 'm', initial: 'idle',
      states: {
        idle: { on: { FETCH: 'loading' } },
        loading: {
          entry: 'in:loading', exit: 'out:loading',
          invoke: {
            src: 'fetchUser', id: 'fetch', input: { userId: 42 },
            onDone: { target: 'ok', actions: { type: 'store', params: { field: 'user' } } },
            onError: { target: 'failed', actions: 't:error' },
          },
        },
        ok: { entry: 'in:ok' },
        failed: { entry: 'in:failed' },
      },
    },
    steps: [
      { event: { type: 'FETCH' } },
      { event: { type: 'xstate.done.actor.fetch', output: { name: 'Ada' } } },
    ],
  },
  {
    id: 'invoke-onerror',
    features: ['invoke'],
    description: '`xstate.error.actor.<id>` takes `onError`.',
    machine: {
      id: 'm', initial: 'idle',
      states: {
        idle: { on: { FETCH: 'loading' } },
        loading: {
          entry: 'in:loading', exit: 'out:loading',
          invoke: {
            src: 'fetchUser', id: 'fetch', input: { userId: 42 },
            onDone: { target: 'ok', actions: 't:done' },
            onError: { target: 'failed', actions: 't:error' },
          },
        },
        ok: {},
        failed: { entry: 'in:failed' },
      },
    },
    steps: [
      { event: { type: 'FETCH' } },
      { event: { type: 'xstate.error.actor.fetch', error: 'boom' } },
    ],
  },
  {
    id: 'invoke-default-ids',
    features: ['invoke'],
    description:
      'Without `id`, an invoke is named `<index>.<state id>` (index in the `invoke` array): `0.m.loading`, `2.m.loading`, and `0.loader` under a state whose id is `loader`. Children start in array order and stop in array order.',
    machine: {
      id: 'm', initial: 'loading',
      states: {
        loading: {
          invoke: [
            { src: 'first', onDone: 'second' },
            { src: 'other', id: 'named' },
            { src: 'third' },
          ],
        },
        second: { id: 'loader', invoke: { src: 'fourth', onDone: 'end' } },
        end: { type: 'final' },
      },
    },
    steps: [
      { event: { type: 'xstate.done.actor.named' } },
      { event: { type: 'xstate.done.actor.0.m.loading' } },
      { event: { type: 'xstate.done.actor.0.m.second' } },
      { event: { type: 'xstate.done.actor.0.loader' } },
    ],
  },
  {
    id: 'invoke-unhandled-error',
    features: ['invoke', 'error-status'],
    description:
      'An `xstate.error.actor.*` event that selects no transition puts the machine in status "error" (value unchanged, no actions, children stopped); the actor is stopped, so later events are ignored. An unhandled `xstate.done.actor.*` is just ignored.',
    machine: {
      id: 'm', initial: 'working',
      states: {
        working: {
          exit: 'out:working',
          invoke: { src: 'job', id: 'job' },
          on: { PING: { actions: 't:ping' } },
        },
      },
    },
    steps: [
      { event: { type: 'xstate.done.actor.job' } },
      { event: { type: 'xstate.error.actor.job', error: 'boom' } },
      { event: { type: 'PING' } },
    ],
  },
  {
    id: 'invoke-error-caught-by-descriptor',
    features: ['invoke', 'error-status', 'wildcard'],
    description:
      'Error events go through normal selection: `xstate.error.*` (or `*`) handles them and there is no error status, whatever actor id the event names. Without a matching transition the machine errors.',
    machine: {
      id: 'm', initial: 'a',
      states: {
        a: {
          invoke: { src: 'job', id: 'job' },
          on: { 'xstate.error.*': { actions: 't:caught' }, GO: 'b' },
        },
        b: { on: { '*': { actions: 't:any' }, NEXT: 'c' } },
        c: {},
      },
    },
    steps: [
      { event: { type: 'xstate.error.actor.job', error: 'e1' } },
      { event: { type: 'xstate.error.actor.unknown', error: 'e2' } },
      { event: { type: 'GO' } },
      { event: { type: 'xstate.error.actor.job', error: 'e3' } },
      { event: { type: 'NEXT' } },
      { event: { type: 'xstate.error.actor.whatever', error: 'e4' } },
    ],
  },
  {
    id: 'invoke-done-after-leaving',
    features: ['invoke'],
    description:
      'Once the invoking state is left, the child is stopped and a late `xstate.done.actor.<id>` is unhandled.',
    machine: {
      id: 'm', initial: 'idle',
      states: {
        idle: { on: { FETCH: 'loading' } },
        loading: {
          invoke: { src: 'fetchUser', id: 'fetch', onDone: 'ok' },
          on: { CANCEL: 'idle' },
        },
        ok: {},
      },
    },
    steps: [
      { event: { type: 'FETCH' } },
      { event: { type: 'CANCEL' } },
      { event: { type: 'xstate.done.actor.fetch' } },
    ],
  },
  {
    id: 'invoke-reenter-restarts',
    features: ['invoke', 'after'],
    description:
      'Exit order of a state: its exit actions, its timer cancels, then its children stop. Entry order: entry actions, timer schedules, then children start. A re-entering self transition restarts the child with the same id; a self transition without `reenter` keeps it.',
    machine: {
      id: 'm', initial: 'loading',
      states: {
        loading: {
          entry: 'in:loading', exit: 'out:loading',
          after: { 3000: 'slow' },
          invoke: { src: 'poller', id: 'poll', input: { every: 10 } },
          on: {
            RETRY: { target: 'loading', reenter: true, actions: 't:retry' },
            STAY: { target: 'loading', actions: 't:stay' },
          },
        },
        slow: {},
      },
    },
    steps: [
      { event: { type: 'RETRY' } },
      { event: { type: 'STAY' } },
      { event: { type: 'xstate.after.3000.m.loading' } },
    ],
  },
  {
    id: 'invoke-on-root-and-completion',
    features: ['invoke', 'final'],
    description:
      "The root's invoke starts at start after the root's entry actions, before the children's entries. When the machine completes, the exit actions run and then every child is stopped.",
    machine: {
      id: 'm', initial: 'a',
      entry: 'in:m', exit: 'out:m',
      invoke: { src: 'session', id: 'session' },
      states: {
        a: {
          entry: 'in:a', exit: 'out:a',
          invoke: { src: 'worker', id: 'worker' },
          on: { FINISH: 'end' },
        },
        end: { type: 'final' },
      },
    },
    steps: [
      { event: { type: 'FINISH' } },
      { event: { type: 'xstate.done.actor.session' } },
    ],
  },
  {
    id: 'invoke-completion-from-invoking-state',
    features: ['invoke', 'final'],
    description:
      "An invoking state exited by the transition that completes the machine stops its child during the exit; the root's child is stopped at completion.",
    machine: {
      id: 'm', initial: 'a',
      invoke: { src: 'session', id: 'session' },
      states: {
        a: {
          exit: 'out:a',
          invoke: { src: 'worker', id: 'worker', onDone: { target: 'end', actions: 't:done' } },
        },
        end: { type: 'final', entry: 'in:end' },
      },
    },
    steps: [{ event: { type: 'xstate.done.actor.worker' } }],
  },
  {
    id: 'invoke-parallel-root-completion',
    features: ['invoke', 'after', 'final', 'parallel'],
    description:
      'When a parallel root completes, its regions are still active: their exit actions and timer cancels run in reverse document order (root last), then the invoked children still running are stopped in start order. `children` keeps listing them.',
    machine: {
      id: 'm', type: 'parallel',
      exit: 'out:m',
      states: {
        r1: {
          exit: 'out:r1',
          after: { 100: { actions: 't:r1-tick' } },
          invoke: { src: 'r1Job', id: 'r1job' },
          initial: 'a',
          states: { a: { on: { A: 'fa' } }, fa: { type: 'final', exit: 'out:fa' } },
        },
        r2: {
          exit: 'out:r2',
          after: { 200: { actions: 't:r2-tick' } },
          invoke: { src: 'r2Job', id: 'r2job' },
          initial: 'b',
          states: { b: { on: { B: 'fb' } }, fb: { type: 'final', exit: 'out:fb' } },
        },
      },
    },
    steps: [
      { event: { type: 'A' } },
      { event: { type: 'B' } },
    ],
  },
  {
    id: 'invoke-guarded-ondone',
    features: ['invoke', 'guards'],
    description:
      '`onDone` can be an array of guarded candidates; a targetless one keeps the child running.',
    machine: {
      id: 'm', initial: 'loading',
      states: {
        loading: {
          invoke: {
            src: 'load', id: 'load',
            onDone: [
              { target: 'ok', guard: { type: 'isValid', params: { schema: 'v2' } } },
              { actions: 't:invalid' },
            ],
          },
        },
        ok: {},
      },
    },
    guards: { isValid: false },
    steps: [
      { event: { type: 'xstate.done.actor.load' }, guards: { isValid: false } },
      { event: { type: 'xstate.done.actor.load' }, guards: { isValid: true } },
    ],
  },

  // ---------------------------------------------------------------- output
  {
    id: 'output-root',
    features: ['output', 'final'],
    description:
      "When the machine completes, snapshot.output is the root's `output` (a JSON value, used as is); a final state's own `output` does not replace it.",
    machine: {
      id: 'm', initial: 'a',
      output: { result: 'ok', count: 3 },
      states: {
        a: { on: { FINISH: 'end' } },
        end: { type: 'final', output: { ignored: true } },
      },
    },
    steps: [
      { event: { type: 'FINISH' } },
      { event: { type: 'FINISH' } },
    ],
  },
  {
    id: 'output-final-state-only',
    features: ['output', 'final'],
    description:
      "Without a root `output`, the machine's output is undefined (no `output` key) even if the final state has one.",
    machine: {
      id: 'm', initial: 'a',
      states: {
        a: { on: { FINISH: 'end' } },
        end: { type: 'final', output: { code: 7 } },
      },
    },
    steps: [{ event: { type: 'FINISH' } }],
  },
  {
    id: 'output-done-at-start',
    features: ['output', 'final'],
    description: 'A machine whose initial state is final is done at start, with the root output.',
    machine: {
      id: 'm', initial: 'end',
      output: 'ready',
      states: { end: { type: 'final' } },
    },
    steps: [{ event: { type: 'ANY' } }],
  },
  {
    id: 'output-nested-final',
    features: ['output', 'final'],
    description:
      'A final state below the root does not complete the machine (no output while active); the root output appears only once a final child of the root is entered. Falsy outputs (0) are kept.',
    machine: {
      id: 'm', initial: 'job',
      output: 0,
      states: {
        job: {
          initial: 'run',
          onDone: 'report',
          states: {
            run: { on: { STOP: 'stopped' } },
            stopped: { type: 'final', output: { partial: true } },
          },
        },
        report: { on: { CLOSE: 'closed' } },
        closed: { type: 'final' },
      },
    },
    steps: [
      { event: { type: 'STOP' } },
      { event: { type: 'CLOSE' } },
    ],
  },
  {
    id: 'output-parallel-root',
    features: ['output', 'final', 'parallel'],
    description: 'A parallel root completes when every region is final; the root output is set then.',
    machine: {
      id: 'm', type: 'parallel',
      output: ['both', 'done'],
      states: {
        r1: { initial: 'a', states: { a: { on: { A: 'fa' } }, fa: { type: 'final' } } },
        r2: { initial: 'b', states: { b: { on: { B: 'fb' } }, fb: { type: 'final' } } },
      },
    },
    steps: [
      { event: { type: 'A' } },
      { event: { type: 'B' } },
    ],
  },

  // ---------------------------------------------------------------- initial as an object
  {
    id: 'initial-object-order-at-start',
    features: ['initial-actions', 'after', 'invoke'],
    description:
      "`initial: {target, actions}`: the initial actions run after the entry actions of the state that owns `initial` (and after its timer schedules and child starts) and before the entry actions of its initial child.",
    machine: {
      id: 'm',
      entry: 'in:m',
      initial: { target: 'p', actions: ['init:m'] },
      states: {
        p: {
          entry: 'in:p',
          after: { 1000: { actions: 't:tick' } },
          invoke: { src: 'svc', id: 'svc' },
          initial: { target: 'c', actions: [{ type: 'init:p', params: { n: 1 } }, 'init:p2'] },
          states: { c: { entry: 'in:c' }, d: { entry: 'in:d' } },
        },
      },
    },
    steps: [],
  },
  {
    id: 'initial-object-default-entry-only',
    features: ['initial-actions'],
    description:
      'Initial actions run only when the state is entered by default (targeted itself, or as an initial child); targeting one of its children directly (`p.d`, `#deep`) skips them.',
    machine: {
      id: 'm', initial: 'idle',
      states: {
        idle: { on: { TO_P: 'p', TO_D: 'p.d', TO_ID: '#deep', TO_Q: 'q' } },
        p: {
          entry: 'in:p', exit: 'out:p',
          initial: { target: 'c', actions: 'init:p' },
          on: { BACK: 'idle' },
          states: { c: { entry: 'in:c' }, d: { id: 'deep', entry: 'in:d' } },
        },
        q: {
          initial: { target: 'p2', actions: 'init:q' },
          on: { BACK: 'idle' },
          states: {
            p2: { initial: { target: 'x', actions: 'init:p2' }, states: { x: { entry: 'in:x' } } },
          },
        },
      },
    },
    steps: [
      { event: { type: 'TO_P' } },
      { event: { type: 'BACK' } },
      { event: { type: 'TO_D' } },
      { event: { type: 'BACK' } },
      { event: { type: 'TO_ID' } },
      { event: { type: 'BACK' } },
      { event: { type: 'TO_Q' } },
    ],
  },
  {
    id: 'initial-object-self-transitions',
    features: ['initial-actions'],
    description:
      'A self transition on a compound state without `reenter` resets its children but does not enter the state itself, so its initial actions do not run; with `reenter: true` they run.',
    machine: {
      id: 'm', initial: 'p',
      states: {
        p: {
          entry: 'in:p', exit: 'out:p',
          initial: { target: 'c', actions: 'init:p' },
          on: { RESET: 'p', REENTER: { target: 'p', reenter: true }, CHILD: '.c' },
          states: {
            c: { entry: 'in:c', exit: 'out:c', on: { NEXT: 'd' } },
            d: { entry: 'in:d', exit: 'out:d' },
          },
        },
      },
    },
    steps: [
      { event: { type: 'NEXT' } },
      { event: { type: 'RESET' } },
      { event: { type: 'NEXT' } },
      { event: { type: 'REENTER' } },
      { event: { type: 'CHILD' } },
    ],
  },
  {
    id: 'initial-object-history',
    features: ['initial-actions', 'history'],
    description:
      "Entering through a history state with nothing recorded falls back to the parent's initial transition; a restored history does not.",
    machine: {
      id: 'm', initial: 'off',
      states: {
        off: { on: { ON: 'on.hist' } },
        on: {
          entry: 'in:on', exit: 'out:on',
          initial: { target: 'low', actions: 'init:on' },
          on: { OFF: 'off' },
          states: {
            hist: { type: 'history' },
            low: { entry: 'in:low', on: { UP: 'high' } },
            high: { entry: 'in:high' },
          },
        },
      },
    },
    steps: [
      { event: { type: 'ON' } },
      { event: { type: 'UP' } },
      { event: { type: 'OFF' } },
      { event: { type: 'ON' } },
    ],
  },
  {
    id: 'initial-object-history-with-target',
    features: ['initial-actions', 'history'],
    description:
      "A history state with its own default `target` uses that target instead of the parent's initial transition, so the parent's initial actions do not run.",
    machine: {
      id: 'm', initial: 'off',
      states: {
        off: { on: { ON: 'on.hist' } },
        on: {
          entry: 'in:on',
          initial: { target: 'low', actions: 'init:on' },
          states: {
            hist: { type: 'history', target: 'high' },
            low: { entry: 'in:low' },
            high: { entry: 'in:high' },
          },
        },
      },
    },
    steps: [{ event: { type: 'ON' } }],
  },
  {
    id: 'initial-object-root-target',
    features: ['initial-actions'],
    description:
      "Targeting the root (`#m`) with the root's `initial` an object: from a descendant, and from the root itself (no reenter), and with `reenter: true`.",
    machine: {
      id: 'm',
      entry: 'in:m', exit: 'out:m',
      initial: { target: 'a', actions: 'init:m' },
      on: { RESET: '#m', REENTER: { target: '#m', reenter: true } },
      states: {
        a: { entry: 'in:a', exit: 'out:a', on: { NEXT: 'b' } },
        b: { entry: 'in:b', exit: 'out:b', on: { ROOT: '#m' } },
      },
    },
    steps: [
      { event: { type: 'NEXT' } },
      { event: { type: 'ROOT' } },
      { event: { type: 'NEXT' } },
      { event: { type: 'RESET' } },
      { event: { type: 'NEXT' } },
      { event: { type: 'REENTER' } },
    ],
  },

  // ---------------------------------------------------------------- forbidden transitions
  {
    id: 'forbidden-blocks-parent',
    features: ['forbidden'],
    description:
      "`on: {E: {}}` on a child selects a transition that does nothing: the event is handled, nothing is exited or entered, no actions, and the parent's `E` is not tried. A child without it lets the parent handle `E`.",
    machine: {
      id: 'm', initial: 'p',
      states: {
        p: {
          initial: 'a',
          on: { E: { target: 'out', actions: 't:parent' } },
          states: {
            a: { exit: 'out:a', on: { E: {}, GO: 'b' } },
            b: { exit: 'out:b' },
          },
        },
        out: { entry: 'in:out' },
      },
    },
    steps: [
      { event: { type: 'E' } },
      { event: { type: 'GO' } },
      { event: { type: 'E' } },
    ],
  },
  {
    id: 'forbidden-guarded',
    features: ['forbidden', 'guards'],
    description:
      "A guard-only transition `{guard}` blocks the parent only while its guard is true; when false, selection moves on to the parent.",
    machine: {
      id: 'm', initial: 'p',
      states: {
        p: {
          initial: 'a',
          on: { E: { target: 'out', actions: 't:parent' } },
          states: { a: { on: { E: { guard: 'locked' } } } },
        },
        out: {},
      },
    },
    guards: { locked: true },
    steps: [
      { event: { type: 'E' }, guards: { locked: true } },
      { event: { type: 'E' }, guards: { locked: false } },
    ],
  },
  {
    id: 'forbidden-empty-array-does-not-block',
    features: ['forbidden'],
    description: '`on: {E: []}` has no candidates, so it does not block: the parent handles `E`.',
    machine: {
      id: 'm', initial: 'p',
      states: {
        p: {
          initial: 'a',
          on: { E: { target: 'out', actions: 't:parent' } },
          states: { a: { on: { E: [] } } },
        },
        out: {},
      },
    },
    steps: [{ event: { type: 'E' } }],
  },
  {
    id: 'forbidden-in-parallel-region',
    features: ['forbidden', 'parallel'],
    description:
      "In a parallel state, a region that selects `{}` counts as having selected something: the parallel state's own `E` is not tried, and other regions still take their `E` transitions.",
    machine: {
      id: 'm', initial: 'p',
      states: {
        p: {
          type: 'parallel',
          on: { E: { target: 'out', actions: 't:parent' } },
          states: {
            r1: { initial: 'a', states: { a: { on: { E: {} } } } },
            r2: {
              initial: 'b',
              states: {
                b: { on: { E: { target: 'b2', actions: 't:r2' } } },
                b2: { entry: 'in:b2' },
              },
            },
          },
        },
        out: {},
      },
    },
    steps: [
      { event: { type: 'E' } },
      { event: { type: 'E' } },
    ],
  },
  {
    id: 'forbidden-wildcard',
    features: ['forbidden', 'wildcard'],
    description:
      "A child's `\"*\": {}` swallows every event its own exact transitions do not take, so the parent's transitions never run while that child is active.",
    machine: {
      id: 'm', initial: 'p',
      states: {
        p: {
          initial: 'modal',
          on: { CLOSE: { target: 'closed', actions: 't:close' }, KEY: { actions: 't:key' } },
          states: {
            modal: { on: { '*': {}, DISMISS: 'idle' } },
            idle: {},
          },
        },
        closed: {},
      },
    },
    steps: [
      { event: { type: 'KEY' } },
      { event: { type: 'CLOSE' } },
      { event: { type: 'DISMISS' } },
      { event: { type: 'KEY' } },
      { event: { type: 'CLOSE' } },
    ],
  },

  // ---------------------------------------------------------------- action objects with params
  {
    id: 'action-params',
    features: ['action-params'],
    description:
      'Actions can be `{type, params}` objects, mixed with strings in any action list; each is reported with its params (any JSON value) in execution order. `{type}` without params reports no params; `"params": null` reports null.',
    machine: {
      id: 'm', initial: 'a',
      states: {
        a: {
          entry: [{ type: 'notify', params: { to: 'ops' } }, 'plain', { type: 'audit' }],
          exit: { type: 'notify', params: { to: 'dev', level: 2 } },
          on: {
            GO: {
              target: 'b',
              actions: [
                { type: 'track', params: { event: 'GO', tags: ['x', 'y'], meta: { nested: true } } },
                { type: 'nothing', params: null },
                'plain',
              ],
            },
          },
        },
        b: { entry: { type: 'notify', params: 'just a string' } },
      },
    },
    steps: [{ event: { type: 'GO' } }],
  },
  {
    id: 'action-params-in-special-transitions',
    features: ['action-params', 'after', 'invoke', 'always'],
    description:
      'Params are kept on `after`, `onDone` (invoke and state), `always` and initial actions.',
    machine: {
      id: 'm', initial: 'wait',
      states: {
        wait: { after: { 10: { target: 'call', actions: { type: 'log', params: { msg: 'timeout' } } } } },
        call: {
          invoke: { src: 'api', id: 'api', onDone: { target: 'flow', actions: { type: 'log', params: { msg: 'done' } } } },
        },
        flow: {
          initial: { target: 'step', actions: { type: 'log', params: { msg: 'init' } } },
          onDone: { target: 'end', actions: { type: 'log', params: { msg: 'flow done' } } },
          states: {
            step: { always: { target: 'fin', actions: { type: 'log', params: { msg: 'always' } } } },
            fin: { type: 'final' },
          },
        },
        end: {},
      },
    },
    steps: [
      { event: { type: 'xstate.after.10.m.wait' } },
      { event: { type: 'xstate.done.actor.api' } },
    ],
  },

  // ---------------------------------------------------------------- guard objects
  {
    id: 'guard-objects',
    features: ['guard-params', 'guards'],
    description:
      'A guard `{type, params}` is evaluated by its type: the guard table is keyed by type, so two candidates with the same type and different params have the same outcome.',
    machine: {
      id: 'm', initial: 'form',
      states: {
        form: {
          on: {
            SUBMIT: [
              { target: 'adult', guard: { type: 'isEligible', params: { minAge: 18 } } },
              { target: 'senior', guard: { type: 'isEligible', params: { minAge: 65 } } },
              { target: 'vip', guard: 'isVip' },
              { actions: { type: 'reject', params: { reason: 'none' } } },
            ],
          },
        },
        adult: { on: { BACK: 'form' } },
        senior: {},
        vip: { on: { BACK: 'form' } },
      },
    },
    guards: { isEligible: false, isVip: false },
    steps: [
      { event: { type: 'SUBMIT' }, guards: { isEligible: false, isVip: false } },
      { event: { type: 'SUBMIT' }, guards: { isEligible: false, isVip: true } },
      { event: { type: 'BACK' } },
      { event: { type: 'SUBMIT' }, guards: { isEligible: true, isVip: true } },
    ],
  },
  {
    id: 'guard-objects-eventless',
    features: ['guard-params', 'guards', 'always'],
    description:
      'Guard objects work on `always` too; the step\'s table applies to the eventless transitions that follow the event.',
    machine: {
      id: 'm', initial: 'check',
      states: {
        check: {
          always: [
            { target: 'granted', guard: { type: 'hasRole', params: { role: 'admin' } } },
            { target: 'denied', guard: { type: 'hasRole', params: { role: 'guest' } } },
          ],
          on: { RETRY: { target: 'check', reenter: true } },
        },
        granted: {},
        denied: { on: { RETRY: 'check' } },
      },
    },
    guards: { hasRole: false },
    steps: [
      { event: { type: 'RETRY' }, guards: { hasRole: false } },
      { event: { type: 'RETRY' }, guards: { hasRole: true } },
    ],
  },

  // ---------------------------------------------------------------- targets
  {
    id: 'target-forms',
    features: ['targets'],
    description:
      'Target forms: `#id.child` (a custom id then a path), `#m.path` (the default id of the root), `.child` and `.child.grandchild` (below the source), and a sibling path `sibling.child`.',
    machine: {
      id: 'm', initial: 'home',
      states: {
        home: {
          on: {
            OPEN: '#panel.open',
            DEEP: '#m.settings.advanced.experimental',
            SIB: 'settings.advanced',
          },
        },
        settings: {
          id: 'panel', initial: 'closed',
          on: { HOME: '#m.home', KID: '.open', GRAND: '.advanced.experimental' },
          states: {
            closed: {},
            open: {},
            advanced: { initial: 'basic', states: { basic: {}, experimental: {} } },
          },
        },
      },
    },
    steps: [
      { event: { type: 'OPEN' } },
      { event: { type: 'HOME' } },
      { event: { type: 'DEEP' } },
      { event: { type: 'HOME' } },
      { event: { type: 'SIB' } },
      { event: { type: 'KID' } },
      { event: { type: 'GRAND' } },
    ],
  },
  {
    id: 'target-escaped-dots',
    features: ['targets'],
    description:
      'A `\\.` in a target is a literal dot: `v1\\.0` is the sibling whose key is `v1.0`, `#cfg\\.main` the state whose id is `cfg.main`, `#cfg\\.main.inner` its child, `#m.v1\\.0` the default id path. The state value uses the raw key `v1.0`.',
    machine: {
      id: 'm', initial: 'a',
      states: {
        a: { on: { KEY: 'v1\\.0', ID: '#cfg\\.main', IDPATH: '#cfg\\.main.inner', DEFAULT: '#m.v1\\.0' } },
        'v1.0': { entry: 'in:v1.0', on: { BACK: 'a' } },
        other: { id: 'cfg.main', initial: 'first', on: { BACK: 'a' }, states: { first: {}, inner: {} } },
      },
    },
    steps: [
      { event: { type: 'KEY' } },
      { event: { type: 'BACK' } },
      { event: { type: 'ID' } },
      { event: { type: 'BACK' } },
      { event: { type: 'IDPATH' } },
      { event: { type: 'BACK' } },
      { event: { type: 'DEFAULT' } },
    ],
  },
];

// Keys that JavaScript iterates before all others, in numeric order (canonical array indices).
const isIntegerKey = (k) => /^(0|[1-9]\d*)$/.test(k) && Number(k) < 2 ** 32 - 1;

function checkKeyOrderKept(value, path) {
  if (Array.isArray(value)) value.forEach((v, i) => checkKeyOrderKept(v, `${path}[${i}]`));
  else if (value && typeof value === 'object') {
    const keys = Object.keys(value);
    if (keys.length > 1 && keys.some(isIntegerKey)) {
      throw new Error(`${path}: integer-like key among several in a JS object machine; write this machine as JSON text`);
    }
    for (const k of keys) checkKeyOrderKept(value[k], `${path}.${k}`);
  }
}

// Removes the whitespace between tokens of a JSON text, keeping its key order.
function minifyJson(text) {
  let out = '';
  let inString = false;
  for (let i = 0; i < text.length; i++) {
    const ch = text[i];
    if (inString) {
      out += ch;
      if (ch === '\\') out += text[++i];
      else if (ch === '"') inString = false;
    } else if (ch === '"') {
      inString = true;
      out += ch;
    } else if (!/\s/.test(ch)) {
      out += ch;
    }
  }
  return out;
}

// Guard names (or guard object types) and invoke src names referenced by a state node config.
function collectNames(node, guards = new Set(), srcs = new Set()) {
  const addTransitions = (t) => {
    for (const c of [t].flat()) {
      if (c && typeof c === 'object' && c.guard !== undefined) {
        guards.add(typeof c.guard === 'string' ? c.guard : c.guard.type);
      }
    }
  };
  for (const t of Object.values(node.on ?? {})) addTransitions(t);
  for (const t of Object.values(node.after ?? {})) addTransitions(t);
  if (node.always) addTransitions(node.always);
  if (node.onDone) addTransitions(node.onDone);
  for (const inv of [node.invoke ?? []].flat()) {
    srcs.add(inv.src);
    if (inv.onDone) addTransitions(inv.onDone);
    if (inv.onError) addTransitions(inv.onError);
  }
  for (const child of Object.values(node.states ?? {})) collectNames(child, guards, srcs);
  return { guards, srcs };
}

// Built-in actions XState runs for `after` and `invoke`, reported as effects.
function toEffect(action, at) {
  const p = action.params;
  switch (action.type) {
    case 'xstate.raise':
      if (typeof p.delay !== 'number') throw new Error(`raise without delay: ${JSON.stringify(p)}`);
      return { type: 'schedule', event: p.event.type, delay: p.delay, at };
    case 'xstate.cancel':
      return { type: 'cancel', event: p.sendId, at };
    case 'xstate.spawnChild': {
      const effect = { type: 'start', id: p.id, src: p.src };
      if (p.input !== undefined) effect.input = p.input;
      effect.at = at;
      return effect;
    }
    case 'xstate.stopChild':
      return { type: 'stop', id: p?.id ?? null, at };
    default:
      throw new Error(`unexpected built-in action ${action.type}`);
  }
}

function record(c) {
  const machineText = typeof c.machine === 'string' ? minifyJson(c.machine) : JSON.stringify(c.machine);
  if (typeof c.machine !== 'string') checkKeyOrderKept(c.machine, 'machine');
  const config = JSON.parse(machineText);

  const { guards: guardNames, srcs } = collectNames(config);
  const fullTable = (t = {}) => {
    for (const k of Object.keys(t)) {
      if (!guardNames.has(k)) throw new Error(`${c.id}: guard table names unknown guard ${k}`);
    }
    return Object.fromEntries([...guardNames].sort().map((g) => [g, t[g] ?? true]));
  };

  let table = fullTable(c.guards);
  const machine = createMachine(config).provide({
    guards: Object.fromEntries([...guardNames].map((g) => [g, () => table[g]])),
    actors: Object.fromEntries([...srcs].map((s) => [s, fromPromise(() => new Promise(() => {}))])),
  });

  let actions = [];
  let effects = [];
  let microsteps = [];
  let actor;
  const inspect = (ev) => {
    if (ev.actorRef !== actor) return;
    if (ev.type === '@xstate.action') {
      if (ev.action.type.startsWith('xstate.')) effects.push(toEffect(ev.action, actions.length));
      else {
        const a = { type: ev.action.type };
        if (ev.action.params !== undefined) a.params = ev.action.params;
        actions.push(a);
      }
    } else if (ev.type === '@xstate.microstep') {
      microsteps.push(ev);
    }
  };
  actor = createActor(machine, { clock: new SimulatedClock(), inspect });
  // Without an error observer, an actor that reaches status "error" rethrows asynchronously.
  actor.subscribe({ error: () => {} });

  const observe = () => {
    const s = actor.getSnapshot();
    const r = { value: s.value, status: s.status, actions, effects, children: Object.keys(s.children) };
    if (s.output !== undefined) r.output = s.output;
    if (s.status === 'error') r.error = s.error;
    actions = [];
    effects = [];
    microsteps = [];
    return r;
  };

  actor.start();
  const initial = { guards: table, ...observe() };
  const steps = c.steps.map((step) => {
    if (step.guards) table = fullTable(step.guards);
    const event = structuredClone(step.event);
    actor.send(event);
    // The first microstep is the one for the sent event; it lists the transitions it selected.
    const first = microsteps.find((m) => m.event === event);
    const handled = first !== undefined && first._transitions.length > 0;
    return { event: step.event, guards: table, handled, ...observe() };
  });
  actor.stop();

  const head = {
    id: `feat-${c.id}`, seed: null, xstate: XSTATE_VERSION,
    description: c.description, features: c.features,
  };
  // Splice the machine text in as written so its key order survives.
  return `${JSON.stringify(head).slice(0, -1)},"machine":${machineText},${JSON.stringify({ initial, steps }).slice(1)}`;
}

const ids = new Set();
const lines = CASES.map((c) => {
  if (ids.has(c.id)) throw new Error(`duplicate case id ${c.id}`);
  ids.add(c.id);
  const line = record(c);
  JSON.parse(line);
  return line;
});
writeFileSync(OUT, `${lines.join('\n')}\n`);
console.log(`wrote ${lines.length} cases to ${OUT}`);
