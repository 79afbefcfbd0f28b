"""The XState 5.33.3 corpus through the Python binding: value, status and actions of the
initial step and of every event, for every case."""

from __future__ import annotations

from typing import Any

import pytest

import statekeep
from conftest import REGRESSIONS, load_cases

PUBLIC = load_cases("xstate-public.jsonl")
HANDWRITTEN = load_cases("xstate-handwritten.jsonl")
#: Every difference from XState found once (by hand or by the differential fuzzer), kept.
FOUND = load_cases("xstate-regressions.jsonl", REGRESSIONS)


def run_case(case: dict[str, Any]) -> None:
    machine = statekeep.Machine(case["machine"])
    step = machine.initial(case["initial"]["guards"])
    expected = case["initial"]
    assert (step.value, step.status) == (expected["value"], expected["status"]), "initial"
    assert [a["type"] for a in step.actions] == expected["actions"], "initial actions"
    for i, expected in enumerate(case["steps"]):
        step = machine.transition(step.snapshot, expected["event"], expected["guards"])
        assert step.value == expected["value"], f"step {i}: value"
        assert step.status == expected["status"], f"step {i}: status"
        assert [a["type"] for a in step.actions] == expected["actions"], f"step {i}: actions"


@pytest.mark.parametrize("case", HANDWRITTEN, ids=[c["id"] for c in HANDWRITTEN])
def test_handwritten_case(case: dict[str, Any]) -> None:
    run_case(case)


@pytest.mark.parametrize("case", FOUND, ids=[c["id"] for c in FOUND])
def test_regression_case(case: dict[str, Any]) -> None:
    run_case(case)


def test_every_public_case() -> None:
    assert len(PUBLIC) == 1500
    failures = []
    for case in PUBLIC:
        try:
            run_case(case)
        except AssertionError as e:
            failures.append(f"{case['id']}: {e}")
    assert not failures, "\n".join(failures[:10])


def test_snapshot_bytes_resume_every_public_case() -> None:
    """Stepping from reloaded bytes gives the same run as stepping from the live snapshot."""
    for case in PUBLIC[:300]:
        machine = statekeep.Machine(case["machine"])
        step = machine.initial(case["initial"]["guards"])
        for expected in case["steps"]:
            reloaded = machine.load_snapshot(step.snapshot.to_bytes())
            assert reloaded == step.snapshot
            step = machine.transition(reloaded, expected["event"], expected["guards"])
            assert step.value == expected["value"]
