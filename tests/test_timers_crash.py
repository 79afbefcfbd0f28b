"""A process firing timers is killed (SIGKILL) at random moments, again and again: every timer
still fires exactly once in total, never early, and none is lost (a checker over the histories).

Each cycle starts a process on the store that spawns a few actors (each a chain of delayed
transitions, and an event scheduled for it) and lets its timer worker fire, then kills it at a
random moment; a last process runs until everything has fired. STATEKEEP_CRASH_CYCLES sets the
number of cycles (200 by default; more in a soak run).
"""

from __future__ import annotations

import itertools
import os
import random
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

import statekeep

CYCLES = int(os.environ.get("STATEKEEP_CRASH_CYCLES", "200"))
STEPS = 5
DELAY_MS = 15
#: Events scheduled for each actor, PING0 at 10 ms, PING1 at 20 ms...: handled in every state, so
#: one fired twice shows in the history (a delayed transition fired twice is not handled twice).
PINGS = 4
PINGED = {f"PING{n}": {"actions": "pinged"} for n in range(PINGS)}
CHAIN = {
    "id": "chain",
    "initial": "s0",
    "states": {
        **{f"s{n}": {"after": {"step": f"s{n + 1}"}, "on": PINGED} for n in range(STEPS)},
        f"s{STEPS}": {"on": PINGED},
    },
}

CHILD = """
import sys, time
import statekeep
path, cycle, count, run_to_end = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), sys.argv[4] == "1"
with statekeep.open(path) as keep:
    ids = [f"c{cycle:04}-{n}" for n in range(count)]
    for actor in keep.spawn_many("chain-v1", [None] * count, actor_ids=ids, idempotency_key=f"spawn-{cycle}"):
        for n in range(PINGS):
            keep.schedule(actor.id, f"PING{n}", delay=0.01 * (n + 1), idempotency_key=f"ping{n}-{actor.id}")
    print("ready", flush=True)
    while run_to_end:
        with keep._store.read() as txn:
            if txn.next_due() is None:
                break
        time.sleep(0.02)
    if not run_to_end:
        time.sleep(60)
""".replace("PINGS", str(PINGS))


def start(path: Path, cycle: int, count: int, run_to_end: bool) -> subprocess.Popen[str]:
    process = subprocess.Popen(
        [sys.executable, "-c", CHILD, str(path), str(cycle), str(count), "1" if run_to_end else "0"],
        stdout=subprocess.PIPE,
        text=True,
    )
    assert process.stdout is not None
    line = process.stdout.readline()
    assert line == "ready\n", f"cycle {cycle}: the process did not start ({process.wait()})"
    return process


@pytest.mark.timeout(900)
def test_timers_fire_exactly_once_through_sigkills(tmp_path: Path, key_dir: Path) -> None:
    seed = int(os.environ.get("STATEKEEP_CRASH_SEED", str(random.randrange(1 << 30))))
    rng = random.Random(seed)
    path = tmp_path / "data"
    with statekeep.Keep(path, scan=False) as keep:
        keep.deploy("chain-v1", CHAIN, delays={"step": DELAY_MS})
    for cycle in range(CYCLES):
        process = start(path, cycle, rng.randint(0, 3), run_to_end=False)
        # Killed anywhere from at once to after several firings of each chain.
        time.sleep(rng.uniform(0, 0.12))
        process.send_signal(signal.SIGKILL)
        process.wait()
    start(path, CYCLES, 1, run_to_end=True).wait(timeout=120)

    with statekeep.Keep(path, scan=False) as keep:
        assert check_histories(keep, seed) > CYCLES  # most cycles spawned some


def check_histories(keep: statekeep.Keep, seed: object) -> int:
    """Every actor fired each delayed transition once, in order, never early, and got its PING
    once; the outbox tells exactly what committed (numbered without a gap, each actor's spawn
    and then each event of its history once, in order, nothing else); returns how many actors
    there are."""
    actors = keep.actors()
    changes: list[statekeep.Change] = []
    while page := keep.changes(after=changes[-1].seq if changes else 0):
        changes += page
    assert [c.seq for c in changes] == list(range(1, keep.last_change() + 1)), seed
    told: dict[str, list[statekeep.Change]] = {}
    for change in changes:
        told.setdefault(change.actor_id, []).append(change)
    assert set(told) == {a.id for a in actors}, seed
    expected = [f"xstate.after.step.chain.s{n}" for n in range(STEPS)]
    for actor in actors:
        history = keep.history(actor.id)
        types = [h["type"] for h in history]
        assert [t for t in types if not t.startswith("PING")] == expected, (seed, actor.id, types)
        assert sorted(t for t in types if t.startswith("PING")) == [f"PING{n}" for n in range(PINGS)], (seed, actor.id)
        assert (actor.value, actor.timers) == (f"s{STEPS}", []), (seed, actor.id)
        mine = told[actor.id]
        assert [(c.kind, c.actor_seq) for c in mine] == [("spawned", 0)] + [
            ("timer", n) for n in range(1, len(types) + 1)
        ]
        assert [c.event["type"] for c in mine[1:] if c.event is not None] == types, (seed, actor.id)
        fired = [h["at"] for h in history if not h["type"].startswith("PING")]
        for before, after in itertools.pairwise(fired):
            assert after >= before + DELAY_MS / 1000 - 0.001, (seed, actor.id, fired)  # never early
    return len(actors)


def test_processes_sharing_a_store_fire_each_timer_once(tmp_path: Path, key_dir: Path) -> None:
    path = tmp_path / "data"
    with statekeep.Keep(path, scan=False) as keep:
        keep.deploy("chain-v1", CHAIN, delays={"step": DELAY_MS})
        actors = keep.spawn_many("chain-v1", [None] * 120, actor_ids=[f"a{n:03}" for n in range(120)])
        # Due once all three processes are up, so they race for every one.
        at = time.time() + 2.0
        for actor in actors:
            for n in range(PINGS):
                keep.schedule(actor.id, f"PING{n}", at=at + 0.01 * n)
    processes = [start(path, cycle, 0, run_to_end=True) for cycle in range(3)]
    for process in processes:
        assert process.wait(timeout=120) == 0
    with statekeep.Keep(path, scan=False) as keep:
        assert check_histories(keep, "three processes") == 120
