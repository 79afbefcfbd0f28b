"""The loan story of the routing law, through the public binding."""

from __future__ import annotations

import copy
from typing import Any

import pytest

import statekeep

LOAN_V1: dict[str, Any] = {
    "id": "loan",
    "initial": "review",
    "states": {
        "review": {"on": {"SUBMIT_INFO": "fee"}},
        "fee": {"on": {"PAY_FEE": "underwriting", "WAIVE_FEE": "underwriting"}},
        "underwriting": {"on": {"APPROVE": "approved"}},
        "approved": {"type": "final"},
    },
}
# loan-v2 verifies income after the fee, for those who paid it.
LOAN_V2 = copy.deepcopy(LOAN_V1)
LOAN_V2["states"]["fee"]["on"]["PAY_FEE"] = "income_verification"
LOAN_V2["states"]["income_verification"] = {"on": {"VERIFIED": "underwriting"}}


def applicant(registry: statekeep.Registry, *events: str) -> statekeep._core.ActorState:
    actor = registry.spawn("loan-v1").actor
    for event in events:
        actor = registry.send(actor, event).actor
    return actor


def test_alice_who_paid_moves_to_v2_and_bob_who_waived_stays() -> None:
    registry = statekeep.Registry()
    registry.deploy("loan-v1", statekeep.Machine(LOAN_V1))
    alice = applicant(registry, "SUBMIT_INFO", "PAY_FEE")
    bob = applicant(registry, "SUBMIT_INFO", "WAIVE_FEE")
    registry.deploy("loan-v2", statekeep.Machine(LOAN_V2), parent="loan-v1", path=["SUBMIT_INFO", "PAY_FEE"])

    alice, [decision] = registry.catch_up(alice)
    assert decision["kind"] == "migrated" and decision["landing"] == "income_verification"
    assert (alice.version, alice.value) == ("loan-v2", "income_verification")
    assert decision["path_fingerprint"] == statekeep.fingerprint(["SUBMIT_INFO", "PAY_FEE"])
    assert decision["actor_fingerprint"] == alice.fingerprint

    bob, [decision] = registry.catch_up(bob)
    assert decision["kind"] == "stayed" and decision["reason"] == {"code": "differs", "index": 1}
    assert (bob.version, bob.value) == ("loan-v1", "underwriting")


def test_a_history_that_does_not_replay_is_stranded_and_refuses_events_until_released() -> None:
    registry = statekeep.Registry()
    registry.deploy("loan-v1", statekeep.Machine(LOAN_V1))
    carol = applicant(registry, "SUBMIT_INFO", "WAIVE_FEE")
    no_waiver = copy.deepcopy(LOAN_V1)
    del no_waiver["states"]["fee"]["on"]["WAIVE_FEE"]
    registry.deploy("loan-v2b", statekeep.Machine(no_waiver), parent="loan-v1", path=["SUBMIT_INFO"])

    sent = registry.send(carol, "APPROVE")
    assert sent.step is None
    assert sent.refused == {
        "deployment": "loan-v2b",
        "reason": {"code": "non_compliant", "index": 1, "event": "WAIVE_FEE", "state": "fee"},
    }
    assert [d["kind"] for d in sent.decisions] == ["stranded"]
    released = registry.release(sent.actor)
    carol, record = released.actor, released.record
    assert (record["kind"], record["deployment"]) == ("released", "loan-v2b")
    assert registry.send(carol, "APPROVE").actor.value == "approved"
    with pytest.raises(statekeep.Conflict):
        registry.release(carol)


def test_a_rescue_deployment_moves_only_the_actors_whose_history_reached_the_bug() -> None:
    registry = statekeep.Registry()
    registry.deploy("loan-v1", statekeep.Machine(LOAN_V1))
    # A buggy v2 for every new applicant (empty path): verification has no way out.
    buggy = copy.deepcopy(LOAN_V2)
    buggy["states"]["income_verification"] = {}
    registry.deploy("loan-v2", statekeep.Machine(buggy), parent="loan-v1")
    stuck = applicant(registry, "SUBMIT_INFO", "PAY_FEE")
    fine = applicant(registry, "SUBMIT_INFO", "WAIVE_FEE")
    assert (stuck.version, stuck.value) == ("loan-v2", "income_verification")

    registry.deploy("loan-v2-fix", statekeep.Machine(LOAN_V2), parent="loan-v2", path=["SUBMIT_INFO", "PAY_FEE"])
    stuck, [moved] = registry.catch_up(stuck)
    fine, [stayed] = registry.catch_up(fine)
    assert (moved["kind"], stuck.version) == ("migrated", "loan-v2-fix")
    assert (stayed["kind"], fine.version) == ("stayed", "loan-v2")
    assert registry.send(stuck, "VERIFIED").actor.value == "underwriting"
