"""Cases recorded from the real XState 5.33.3 for what the random corpus does not cover:
`after`, `invoke`, `output`, initial actions, forbidden transitions, params, target forms
(tests/features/README.md). Value, status, actions with params, effects in their place among
the actions, `handled` and `output` must all match."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

import statekeep

FEATURES = Path(__file__).parent / "features" / "xstate-features.jsonl"
CASES = [json.loads(line) for line in FEATURES.read_text(encoding="utf-8").splitlines() if line.strip()]


def effects(step: statekeep.Step) -> list[dict[str, Any]]:
    return [{k: v for k, v in e.items() if k != "state"} for e in step.effects]


def check(step: statekeep.Step, expected: dict[str, Any], what: str) -> None:
    assert step.value == expected["value"], f"{what}: value"
    assert step.status == expected["status"], f"{what}: status"
    assert step.actions == expected["actions"], f"{what}: actions"
    assert effects(step) == expected["effects"], f"{what}: effects"
    if "handled" in expected:
        assert step.handled == expected["handled"], f"{what}: handled"
    if step.status == "done":
        assert step.output == expected.get("output"), f"{what}: output"


@pytest.mark.parametrize("case", CASES, ids=[c["id"] for c in CASES])
def test_feature_case(case: dict[str, Any]) -> None:
    machine = statekeep.Machine(case["machine"])
    step = machine.initial(case["initial"]["guards"])
    check(step, case["initial"], "initial")
    for i, expected in enumerate(case["steps"]):
        step = machine.transition(step.snapshot, expected["event"], expected["guards"])
        check(step, expected, f"step {i} ({expected['event']['type']})")
