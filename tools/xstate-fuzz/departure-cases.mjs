// The departures from XState 5.33.3, one small case each (most shrunk from machines the fuzzer
// generated). `node fuzz.mjs --write-departures` runs them through XState and statekeep and
// writes tests/regressions/xstate-departures.jsonl; `--verify-departures` checks the file
// against XState again.
//
// Each `why` says what XState does and why statekeep's result is the legal one.

export const DEPARTURE_CASES = [
  {
    id: 'dep-targets-in-one-region',
    why:
      'Two targets of one transition inside one compound state: XState enters both x and y, two active children of b. statekeep refuses the definition: several targets must lie in different regions of a parallel state.',
    machine: { id: 'm', initial: 'a', states: { a: { on: { GO: { target: ['b.x', 'b.y'], actions: 'go' } } }, b: { initial: 'x', states: { x: { entry: 'in:x' }, y: { entry: 'in:y' } } } } },
    steps: [{ event: 'GO', guards: {} }],
  },
  {
    id: 'dep-history-target-beside-its-parallel-parent',
    why:
      "A target list with a history state whose parent is the parallel state p (so it stands for all of p) and a state in p's region r2: XState enters r2's initial x for the history and y for the other target, two active children of r2. statekeep refuses the definition: the history target counts as its parent, which contains the other target.",
    machine: {
      id: 'm', initial: 'a',
      states: {
        a: { on: { GO: { target: ['#m.p.h', '#m.p.r2.y'] } } },
        p: { type: 'parallel', states: { h: { type: 'history' }, r1: { initial: 'x1', states: { x1: {}, y1: {} } }, r2: { initial: 'x', states: { x: {}, y: {} } } } },
      },
    },
    steps: [{ event: 'GO', guards: {} }],
  },
  {
    id: 'dep-domain-once-history-in-parallel',
    why:
      "c targets the history a of its parallel parent b (nothing recorded: the default is b itself), so the domain is m and b is exited. XState records a's history while exiting ([c]), then recomputes the domain for the entry set: now the target resolves to c, the source, so the domain is c and b is not entered again. It ends with c active without b. statekeep computes the domain once per microstep: b and c are exited and entered again.",
    machine: {
      id: 'm', initial: 'b',
      states: { b: { type: 'parallel', entry: 'in:b', exit: 'out:b', states: { a: { type: 'history' }, c: { entry: 'in:c', exit: 'out:c', on: { E: { target: '#m.b.a', actions: 't' } } } } } },
    },
    steps: [{ event: 'E', guards: {} }],
  },
  {
    id: 'dep-domain-once-root-left-inactive',
    why:
      "A re-entering transition to a history state of the parallel root, whose default is the root: the domain is undefined (everything, the root too, is exited). XState records the history, recomputes the domain (now ac's own) and enters only ac: the root is no longer active. statekeep keeps the first domain and enters the root and ac again.",
    machine: {
      id: 'm', type: 'parallel', entry: 'in:m', exit: 'out:m',
      states: { s: { type: 'history' }, ac: { entry: 'in:ac', exit: 'out:ac', on: { A: { target: '#m.s', reenter: true, actions: 't' } } } },
    },
    steps: [{ event: 'A', guards: {} }],
  },
  {
    id: 'dep-self-target-beside-exit-leaves-parent-out',
    why:
      "After RESET, h has recorded a. GO selects a -> h (a self-target through history: an empty exit set, so it conflicts with nothing) and s1 -> #m, which exits everything and enters the root's initial states. XState's entry set holds a from the history, so the root's initial entry skips s0 and a ends active without its parent. When an internal transition's source is exited by another transition and the entry sets together would leave an illegal configuration, statekeep does not enter what the internal transition enters (its actions still run): s1's transition enters s0 and a.",
    machine: {
      id: 'm', type: 'parallel',
      states: {
        s0: { type: 'parallel', entry: 'in:s0', exit: 'out:s0', states: { a: { entry: 'in:a', exit: 'out:a', on: { GO: { target: '#m.s0.h', actions: 't1' } } }, h: { type: 'history' } } },
        s1: { entry: 'in:s1', exit: 'out:s1', on: { GO: { target: '#m', actions: 't2' }, RESET: '#m' } },
      },
    },
    steps: [{ event: 'RESET', guards: {} }, { event: 'D', guards: {} }, { event: 'GO', guards: {} }],
  },
  {
    id: 'dep-self-target-beside-exit-leaves-state-behind',
    why:
      "D selects c.b.c.b -> its parent's history a (nothing recorded: the default is b itself, an empty exit set) and g -> d, which exits all of c. XState re-enters c.b.c.b from the history while d becomes m's child: c.b.c.b ends active without its parents. statekeep does not take the entry of the internal transition whose source g's transition exited (t1 still runs): m is in d.",
    machine: {
      id: 'm', initial: 'c',
      states: {
        c: {
          type: 'parallel',
          states: {
            b: { type: 'parallel', states: { c: { initial: 'b', states: { a: { type: 'history' }, b: { entry: 'in:b', exit: 'out:b', on: { D: [{ target: '#m.c.b.c.a', actions: 't1' }] } } } } } },
            g: { exit: 'out:g', on: { D: { target: '#m.d', actions: 't2' } } },
          },
        },
        d: { entry: 'in:d' },
      },
    },
    steps: [{ event: 'D', guards: {} }],
  },
  {
    id: 'dep-self-target-beside-exit-enters-two-children',
    why:
      "A selects b -> a's history e (nothing recorded: the default is b itself, an empty exit set) and region e's a.h target, which exits all of m's regions. XState enters b again from the history and h from the other transition: a has two active children. statekeep does not take the entry of the internal transition whose source the other one exited (its actions still run): a is in h.",
    machine: {
      id: 'm', type: 'parallel',
      states: {
        a: { initial: 'b', states: { b: { entry: 'in:b', exit: 'out:b', on: { A: [{ target: '#m.a.e', actions: 't1' }] } }, e: { type: 'history' }, h: { entry: 'in:h' } } },
        e: { exit: 'out:e', on: { A: [{ target: '#m.a.h', actions: 't2' }] } },
      },
    },
    steps: [{ event: 'A', guards: {} }],
  },
  {
    id: 'dep-history-entry-above-domain-region-initial',
    why:
      "D selects b -> the root's history h (nothing recorded; its default a.a.b is b itself: an internal transition) and d -> d.e. XState enters h's default with its ancestors up to h's parent, the root: a and a.a, which were not exited, and a.a's regions, so d gets its initial state c beside e. Where that gives an illegal configuration statekeep enters the ancestors of a history state's states only below the transition's domain: d is in e.",
    machine: {
      id: 'm', type: 'parallel',
      states: {
        a: {
          initial: 'a', entry: 'in:a',
          states: {
            a: {
              type: 'parallel', entry: 'in:a.a',
              states: {
                b: { entry: 'in:b', on: { D: [{ target: '#m.h', actions: 't1' }] } },
                d: { initial: 'c', entry: 'in:d', on: { '*': { target: '#m.a.a.d.e', actions: 't2' } }, states: { c: { entry: 'in:c', exit: 'out:c' }, e: { entry: 'in:e' } } },
              },
            },
          },
        },
        h: { type: 'history', target: 'a.a.b' },
      },
    },
    steps: [{ event: 'D', guards: {} }],
  },
  {
    id: 'dep-history-entry-above-domain-active-region',
    why:
      "After B, c is in b. ev selects e.c -> a's history e (nothing recorded; default b.e.b), whose domain is b.e. XState enters the default with its ancestors up to a: b, which was not exited, and its regions, so c gets its initial state a beside the active b. statekeep enters the ancestors only below the domain there: b.e's regions are entered again and c stays in b.",
    machine: {
      id: 'm', initial: 'a',
      states: {
        a: {
          type: 'parallel',
          states: {
            b: {
              type: 'parallel', entry: 'in:b',
              states: {
                c: { initial: 'a', states: { a: { entry: 'in:c.a' }, b: { entry: 'in:c.b' } } },
                e: { type: 'parallel', entry: 'in:e', states: { b: { entry: 'in:e.b', exit: 'out:e.b' }, c: { entry: 'in:e.c', exit: 'out:e.c', on: { ev: [{ target: '#m.a.e', actions: 't' }] } } } },
                g: { on: { B: [{ target: '#m.a.b.c.b' }] } },
              },
            },
            e: { type: 'history', target: 'b.e.b' },
          },
        },
      },
    },
    steps: [{ event: 'B', guards: {} }, { event: 'ev', guards: {} }],
  },
  {
    id: 'dep-history-default-names-a-history-state',
    why:
      "The default target of f's history e is a.b, itself a history state. XState adds a.b to the entry set as it is and ends with a history state active (and a's initial c beside it). statekeep treats a history state in a default target as any other history target: a.b has nothing recorded, so a enters its initial state c.",
    machine: {
      id: 'm', initial: 'e',
      on: { GO: { target: '#m.f.e' } },
      states: {
        e: { exit: 'out:e' },
        f: { type: 'parallel', entry: 'in:f', states: { a: { initial: 'c', entry: 'in:a', states: { b: { type: 'history' }, c: { entry: 'in:c' } } }, e: { type: 'history', target: 'a.b' } } },
      },
    },
    steps: [{ event: 'GO', guards: {} }],
  },
];
