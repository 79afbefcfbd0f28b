"""Small machines for routing scenarios: three states, three events, any transition table."""

from __future__ import annotations

from typing import Any

EVENTS = ["A", "B", "C"]
STATES = ["s0", "s1", "s2"]


def definition(table: list[list[int | None]], guarded: list[bool]) -> dict[str, Any]:
    """A three-state machine: `table[s][e]` is where event `e` goes from state `s`, if anywhere.
    A guarded cell (guard `g`) falls back to staying put when the guard is false."""
    states: dict[str, Any] = {}
    for s, row in enumerate(table):
        on: dict[str, Any] = {}
        for e, target in enumerate(row):
            if target is None:
                continue
            if guarded[e]:
                on[EVENTS[e]] = [{"target": STATES[target], "guard": "g"}, {"actions": "held"}]
            else:
                on[EVENTS[e]] = STATES[target]
        states[STATES[s]] = {"on": on}
    return {"id": "m", "initial": "s0", "states": states}
