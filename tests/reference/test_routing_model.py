"""Tests of the reference model of the routing law (``routing_model.SerialWorld``).

They tell the law's stories (the loan, the pending actor, the hotfix, the cascade, the rescue)
and check the model's invariants on random runs.
"""

from __future__ import annotations

import copy
import itertools
import random
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import statekeep

from .routing_model import NeedsRescue, Record, SerialWorld, leaf_paths, nest, rename, state_landing_value

S, P, W, A, V = "SUBMIT_INFO", "PAY_FEE", "WAIVE_FEE", "APPROVE", "VERIFIED"

LOAN_V1: dict[str, Any] = {
    "id": "loan",
    "initial": "review",
    "states": {
        "review": {"on": {S: "fee"}},
        "fee": {"on": {P: "underwriting", W: "underwriting"}},
        "underwriting": {"on": {A: "approved"}},
        "approved": {"type": "final"},
    },
}


def variant(base: dict[str, Any], **states: dict[str, Any] | None) -> dict[str, Any]:
    """A copy of ``base`` with some states replaced (a dict), added, or removed (None)."""
    definition = copy.deepcopy(base)
    for name, state in states.items():
        if state is None:
            del definition["states"][name]
        else:
            definition["states"][name] = state
    return definition


# loan-v2: the payers now go through income verification after the fee.
LOAN_V2 = variant(
    LOAN_V1,
    fee={"on": {P: "income_verification", W: "underwriting"}},
    income_verification={"on": {V: "underwriting"}},
)
# loan-v2b: the fee can no longer be waived.
LOAN_NO_WAIVER = variant(LOAN_V1, fee={"on": {P: "underwriting"}})
# The fee state renamed "payment".
LOAN_PAYMENT = variant(
    LOAN_V1, fee=None, review={"on": {S: "payment"}}, payment={"on": {P: "underwriting", W: "underwriting"}}
)

PAYERS = [S, P]


def loan_world(**actors: list[str]) -> SerialWorld:
    """loan-v1 deployed, and each named actor spawned on it and sent its events (all handled)."""
    world = SerialWorld()
    assert world.deploy("loan-v1", LOAN_V1) == []
    for name, events in actors.items():
        assert world.spawn(name, "loan-v1") == []
        for event in events:
            assert world.send(name, event) == (True, [])
    return world


def brief(records: list[Record]) -> list[tuple[str, str, str]]:
    """(actor, kind, deployment) of each record, to read a list of decisions at a glance."""
    return [(r["actor"], r["kind"], r["deployment"]) for r in records]


# --- the loan story ------------------------------------------------------------------------------


def test_loan_story_alice_migrates_by_replay_and_bob_stays() -> None:
    world = loan_world(alice=[S, P], bob=[S, W])
    made = world.deploy("loan-v2", LOAN_V2, parent="loan-v1", path=PAYERS)
    assert made == [
        {
            "actor": "alice",
            "kind": "migrated",
            "deployment": "loan-v2",
            "from": "loan-v1",
            "to": "loan-v2",
            "actor_fingerprint": statekeep.fingerprint([S, P]),
            "path_fingerprint": statekeep.fingerprint(PAYERS),
            "reason": {"code": "matched"},
            "landing": "income_verification",
        },
        {
            "actor": "bob",
            "kind": "stayed",
            "deployment": "loan-v2",
            "from": "loan-v1",
            "to": "loan-v2",
            "actor_fingerprint": statekeep.fingerprint([S, W]),
            "path_fingerprint": statekeep.fingerprint(PAYERS),
            "reason": {"code": "differs", "index": 1},
            "landing": None,
        },
    ]
    # The history never changes on migration; the state is the replay's landing.
    assert world.actor("alice") == {
        "version": "loan-v2",
        "value": "income_verification",
        "status": "active",
        "history": [S, P],
        "needs_rescue": None,
    }
    assert world.actor("bob") == {
        "version": "loan-v1",
        "value": "underwriting",
        "status": "active",
        "history": [S, W],
        "needs_rescue": None,
    }
    # Alice now follows v2's definition, Bob v1's.
    assert world.send("alice", A) == (False, [])
    assert world.send("alice", V) == (True, [])
    assert world.send("alice", A) == (True, [])
    assert world.actor("alice")["status"] == "done"
    assert world.send("bob", A) == (True, [])
    # Decided once, for ever: nothing more was recorded.
    assert brief(world.decisions()) == [("alice", "migrated", "loan-v2"), ("bob", "stayed", "loan-v2")]


def test_a_history_that_does_not_replay_strands_the_actor_naming_the_event_and_the_state() -> None:
    world = loan_world(alice=[S, P], carol=[S, W])
    made = world.deploy("loan-v2b", LOAN_NO_WAIVER, parent="loan-v1", path=[S])
    assert brief(made) == [("alice", "migrated", "loan-v2b"), ("carol", "stranded", "loan-v2b")]
    stranded = made[1]
    assert stranded["reason"] == {"code": "non_compliant", "index": 1, "event": W, "state": "fee"}
    assert stranded["landing"] is None
    assert (stranded["from"], stranded["to"]) == ("loan-v1", "loan-v2b")
    # Carol stays on v1 with her state, marked with the reason.
    assert world.actor("carol") == {
        "version": "loan-v1",
        "value": "underwriting",
        "status": "active",
        "history": [S, W],
        "needs_rescue": {"code": "non_compliant", "index": 1, "event": W, "state": "fee"},
    }


def test_a_stranded_actor_refuses_events_and_nothing_changes() -> None:
    world = loan_world(carol=[S, W])
    world.deploy("loan-v2b", LOAN_NO_WAIVER, parent="loan-v1", path=[S])
    before, records = world.actor("carol"), world.decisions()
    for event in (A, "NOBODY_LISTENS"):
        with pytest.raises(NeedsRescue) as refused:
            world.send("carol", event)
        assert refused.value.reason == before["needs_rescue"]
    assert world.actor("carol") == before
    assert world.decisions() == records


def test_release_clears_the_mark_and_names_the_deployment_that_stranded_the_actor() -> None:
    world = loan_world(alice=[S], carol=[S, W])
    with pytest.raises(ValueError, match="not stranded"):
        world.release("carol")
    world.deploy("loan-v2b", LOAN_NO_WAIVER, parent="loan-v1", path=[S])
    released = world.release("carol")
    assert released == {
        "actor": "carol",
        "kind": "released",
        "deployment": "loan-v2b",
        "from": "loan-v1",
        "to": "loan-v1",
        "actor_fingerprint": statekeep.fingerprint([S, W]),
        "path_fingerprint": statekeep.fingerprint([S]),
        "reason": {"code": "released"},
        "landing": None,
    }
    assert world.actor("carol")["needs_rescue"] is None
    assert world.decisions("carol")[-1] == released
    # The actor continues on v1.
    assert world.send("carol", A) == (True, [])
    assert world.actor("carol")["version"] == "loan-v1"
    with pytest.raises(ValueError, match="not stranded"):
        world.release("carol")
    with pytest.raises(ValueError, match="not stranded"):
        world.release("alice")  # migrated, never stranded


# --- moments -------------------------------------------------------------------------------------


def test_a_pending_actor_is_decided_by_the_event_that_makes_its_history_as_long_as_the_path() -> None:
    world = loan_world(dave=[S], erin=[S], fay=[])
    # Nobody's history is two events long yet: the commit decides nobody.
    assert world.deploy("loan-v2", LOAN_V2, parent="loan-v1", path=PAYERS) == []
    assert world.decisions() == []
    # The event is applied on v1 first (fee -> underwriting), then decided: replay lands on v2.
    handled, made = world.send("dave", P)
    assert handled is True
    assert brief(made) == [("dave", "migrated", "loan-v2")]
    assert made[0]["landing"] == "income_verification"
    assert made[0]["actor_fingerprint"] == statekeep.fingerprint([S, P])
    assert world.actor("dave")["version"] == "loan-v2"
    # Erin waives: decided stayed when |H| reaches 2.
    handled, made = world.send("erin", W)
    assert (handled, brief(made), made[0]["reason"]) == (
        True,
        [("erin", "stayed", "loan-v2")],
        {"code": "differs", "index": 1},
    )
    # Fay's first event makes |H| = 1: not due yet. An unhandled event decides nothing.
    assert world.send("fay", P) == (False, [])
    assert world.send("fay", S) == (True, [])
    assert brief(world.send("fay", P)[1]) == [("fay", "migrated", "loan-v2")]
    # Erin's later events decide nothing more.
    assert world.send("erin", A) == (True, [])


def test_an_event_that_strands_the_actor_is_handled_and_only_later_events_are_refused() -> None:
    world = loan_world(gus=[S])
    assert world.deploy("loan-v2b", LOAN_NO_WAIVER, parent="loan-v1", path=[S, W]) == []
    handled, made = world.send("gus", W)
    assert handled is True
    assert brief(made) == [("gus", "stranded", "loan-v2b")]
    assert made[0]["reason"] == {"code": "non_compliant", "index": 1, "event": W, "state": "fee"}
    assert world.actor("gus")["history"] == [S, W]  # the event counts
    assert world.actor("gus")["value"] == "underwriting"  # applied on v1
    with pytest.raises(NeedsRescue):
        world.send("gus", A)
    # A later deployment of v1 is decided for the stranded actor at its commit; migration clears the mark.
    made = world.deploy("loan-v2c", LOAN_V1, parent="loan-v1", path=[S, W])
    assert brief(made) == [("gus", "migrated", "loan-v2c")]
    assert world.actor("gus")["needs_rescue"] is None and world.actor("gus")["version"] == "loan-v2c"
    assert world.send("gus", A) == (True, [])


def test_stranded_again_the_mark_carries_the_newest_reason() -> None:
    world = loan_world(carol=[S, W])
    world.deploy("loan-v2b", LOAN_NO_WAIVER, parent="loan-v1", path=[S])
    made = world.deploy(
        "loan-v2s", LOAN_PAYMENT, parent="loan-v1", path=[S], landing="state", state_map={"underwriting": "nowhere"}
    )
    assert brief(made) == [("carol", "stranded", "loan-v2s")]
    assert world.actor("carol")["needs_rescue"] == made[0]["reason"]
    assert made[0]["reason"]["code"] == "invalid_landing"
    # The release names the newest stranding.
    assert world.release("carol")["deployment"] == "loan-v2s"


def test_exact_takes_only_actors_whose_history_is_the_path_prefix_also_longer_ones() -> None:
    for mode, alice_kind, alice_reason in [
        ("prefix", "migrated", {"code": "matched"}),
        ("exact", "stayed", {"code": "longer_than_path"}),
    ]:
        world = loan_world(alice=[S, P], dave=[S], fay=[])
        made = world.deploy("loan-v1.1", LOAN_V1, parent="loan-v1", path=[S], match=mode)
        assert brief(made) == [("alice", alice_kind, "loan-v1.1"), ("dave", "migrated", "loan-v1.1")], mode
        assert made[0]["reason"] == alice_reason
        # Actors decided when their history reaches the path's length: the modes agree.
        assert brief(world.send("fay", S)[1]) == [("fay", "migrated", "loan-v1.1")]
    # In exact mode a history that differs within the path is "differs", not "longer than path".
    world = loan_world(bob=[S, W, A])
    made = world.deploy("loan-v2", LOAN_V2, parent="loan-v1", path=PAYERS, match="exact")
    assert made[0]["reason"] == {"code": "differs", "index": 1}


def test_the_empty_path_is_a_wildcard_and_spawn_decides_it() -> None:
    world = loan_world(alice=[S, P], fay=[])
    made = world.deploy("any", LOAN_V1, parent="loan-v1", path=[], match="exact")
    assert brief(made) == [("alice", "stayed", "any"), ("fay", "migrated", "any")]
    assert made[0]["reason"] == {"code": "longer_than_path"}
    assert made[0]["path_fingerprint"] == 0xCBF29CE484222325  # fp([]) is the offset basis
    made = world.deploy("all", LOAN_V1, parent="loan-v1")  # prefix, path []
    assert brief(made) == [("alice", "migrated", "all")]
    # Moment 3: an actor spawned on v1 later meets both; the most recent wins.
    made = world.spawn("hal", "loan-v1")
    assert brief(made) == [("hal", "migrated", "all"), ("hal", "superseded", "any")]
    assert made[1]["reason"] == {"code": "superseded", "by": "all"}
    assert world.actor("hal") == {
        "version": "all",
        "value": "review",
        "status": "active",
        "history": [],
        "needs_rescue": None,
    }


# --- several due at once -------------------------------------------------------------------------


def test_a_later_deployment_of_the_same_path_is_a_hotfix_for_pending_actors() -> None:
    world = loan_world(alice=[S, P], dave=[S], erin=[S])
    assert brief(world.deploy("loan-v2", LOAN_NO_WAIVER, parent="loan-v1", path=PAYERS)) == [
        ("alice", "migrated", "loan-v2")
    ]
    assert world.deploy("loan-v2-fix", LOAN_V2, parent="loan-v1", path=PAYERS) == []
    handled, made = world.send("dave", P)
    assert brief(made) == [("dave", "migrated", "loan-v2-fix"), ("dave", "superseded", "loan-v2")]
    assert made[1]["reason"] == {"code": "superseded", "by": "loan-v2-fix"}
    assert made[1]["from"] == "loan-v1" and made[1]["to"] == "loan-v2"
    # None matches: all stayed, most recent first.
    handled, made = world.send("erin", W)
    assert brief(made) == [("erin", "stayed", "loan-v2-fix"), ("erin", "stayed", "loan-v2")]
    assert [r["reason"] for r in made] == [{"code": "differs", "index": 1}] * 2
    # Alice, already moved by the first one, is not touched by the hotfix.
    assert world.actor("alice")["version"] == "loan-v2"


def test_longer_paths_first_then_most_recent_then_superseded() -> None:
    world = loan_world(ivy=[])
    world.deploy("mid", LOAN_V1, parent="loan-v1", path=[S])
    # Four deployments of "mid", in commit order. Ivy is on v1: none is decided at commit.
    for name, path in [("a", [S]), ("a2", [S]), ("b", [P]), ("w", []), ("long", [S, P])]:
        assert world.deploy(name, LOAN_V1, parent="mid", path=path) == []
    handled, made = world.send("ivy", S)
    # Ivy moves to "mid" (moment 2), arrives there (moment 4) with |H| = 1: a, a2, b and w are
    # due; "long" is not. Tried: b (|P| 1, newest), a2, a, then w (|P| 0, though newest of all).
    assert brief(made) == [
        ("ivy", "migrated", "mid"),
        ("ivy", "stayed", "b"),
        ("ivy", "migrated", "a2"),
        ("ivy", "superseded", "a"),
        ("ivy", "superseded", "w"),
    ]
    assert made[1]["reason"] == {"code": "differs", "index": 0}
    assert [r["from"] for r in made] == ["loan-v1", "mid", "mid", "mid", "mid"]
    assert [r["reason"] for r in made[3:]] == [{"code": "superseded", "by": "a2"}] * 2
    assert world.actor("ivy")["version"] == "a2"


# --- cascade and rescue --------------------------------------------------------------------------


def test_an_actor_arriving_by_migration_moves_on_at_once() -> None:
    world = loan_world(alice=[S])
    assert world.deploy("loan-v2", LOAN_V2, parent="loan-v1", path=PAYERS) == []
    loan_v3 = variant(
        LOAN_V2, income_verification={"on": {V: "underwriting", "REJECT": "rejected"}}, rejected={"type": "final"}
    )
    assert world.deploy("loan-v3", loan_v3, parent="loan-v2", path=PAYERS) == []  # nobody on v2 yet
    handled, made = world.send("alice", P)
    assert brief(made) == [("alice", "migrated", "loan-v2"), ("alice", "migrated", "loan-v3")]
    assert [(r["from"], r["to"]) for r in made] == [("loan-v1", "loan-v2"), ("loan-v2", "loan-v3")]
    assert [r["landing"] for r in made] == ["income_verification"] * 2
    assert world.actor("alice")["version"] == "loan-v3"
    assert world.send("alice", "REJECT") == (True, [])


def test_a_rescue_deployment_moves_only_the_actors_whose_history_reached_the_bug() -> None:
    # The buggy v2 forgot the way out of income verification.
    buggy = variant(LOAN_V2, income_verification={})
    world = loan_world(alice=[S, P], bob=[S, W])
    world.deploy("loan-v2", buggy, parent="loan-v1", path=PAYERS)
    assert world.send("alice", V) == (False, [])  # stuck
    world.spawn("carl", "loan-v2")
    world.send("carl", S)
    world.send("carl", W)  # never reached income verification
    world.spawn("dora", "loan-v2")
    world.send("dora", S)  # not yet
    made = world.deploy("loan-v2.1", LOAN_V2, parent="loan-v2", path=PAYERS)
    assert brief(made) == [("alice", "migrated", "loan-v2.1"), ("carl", "stayed", "loan-v2.1")]
    assert made[0]["landing"] == "income_verification"
    assert world.send("alice", V) == (True, [])
    assert [r["deployment"] for r in world.decisions("bob")] == ["loan-v2"]  # Bob is on v1: untouched
    # Dora reaches the bug later: the rescue takes her as she gets there.
    assert brief(world.send("dora", P)[1]) == [("dora", "migrated", "loan-v2.1")]


# --- landing -------------------------------------------------------------------------------------


def test_recorded_guard_outcomes_drive_the_replay_and_others_take_the_new_default() -> None:
    guarded = variant(LOAN_V1, fee={"on": {P: "underwriting", W: {"target": "underwriting", "guard": "canWaive"}}})
    world = SerialWorld()
    world.deploy("v1", guarded)
    for name, table in [("told", {"canWaive": True}), ("untold", None)]:
        world.spawn(name, "v1")
        world.send(name, S)
        assert world.send(name, W, table) == (True, [])
    assert world.guards("told") == [None, {"canWaive": True}]
    # The new version's guards default to False: only the recorded outcome replays the waiver.
    made = world.deploy("v2", guarded, parent="v1", path=[S], guard_default=False)
    assert brief(made) == [("told", "migrated", "v2"), ("untold", "stranded", "v2")]
    assert made[1]["reason"] == {"code": "non_compliant", "index": 1, "event": W, "state": "fee"}


def test_a_replay_that_cannot_settle_is_an_invalid_landing() -> None:
    looping = variant(
        LOAN_V1, fee={"on": {P: "spin", W: "underwriting"}}, spin={"always": "spin2"}, spin2={"always": "spin"}
    )
    world = loan_world(alice=[S, P])
    made = world.deploy("loop", looping, parent="loan-v1", path=[S])
    assert brief(made) == [("alice", "stranded", "loop")]
    assert made[0]["reason"]["code"] == "invalid_landing"
    assert "did not settle" in made[0]["reason"]["message"]
    assert made[0]["landing"] is None


def test_state_landing_renames_through_the_state_map_or_strands() -> None:
    world = loan_world(alice=[S, P], dave=[S], fay=[])
    made = world.deploy("pay", LOAN_PAYMENT, parent="loan-v1", path=[S], landing="state", state_map={"fee": "payment"})
    # Dave's "fee" is renamed; Alice's "underwriting" has no mapped prefix and exists in the new version.
    assert [(r["actor"], r["kind"], r["landing"]) for r in made] == [
        ("alice", "migrated", "underwriting"),
        ("dave", "migrated", "payment"),
    ]
    assert world.actor("dave")["value"] == "payment"
    assert world.send("dave", W) == (True, [])
    # A map to a state that does not exist strands; so does no map for a state that is gone.
    for name, state_map in [("pay-bad", {"fee": "nowhere"}), ("pay-unmapped", None)]:
        world = loan_world(dave=[S])
        made = world.deploy(name, LOAN_PAYMENT, parent="loan-v1", path=[S], landing="state", state_map=state_map)
        assert brief(made) == [("dave", "stranded", name)]
        reason = made[0]["reason"]
        assert reason["code"] == "invalid_landing" and reason["message"]
        assert made[0]["landing"] is None
        assert world.actor("dave")["value"] == "fee" and world.actor("dave")["version"] == "loan-v1"


def test_state_landing_of_a_parallel_state_renames_a_region() -> None:
    regions: dict[str, Any] = {
        "initial": "a",
        "states": {
            "a": {
                "type": "parallel",
                "states": {
                    "r1": {"initial": "x", "states": {"x": {"on": {"GO": "y"}}, "y": {}}},
                    "r2": {},
                },
            }
        },
    }
    renamed = copy.deepcopy(regions)
    renamed["states"]["a"]["states"]["left"] = renamed["states"]["a"]["states"].pop("r1")
    world = SerialWorld()
    world.deploy("p1", regions)
    world.spawn("pat", "p1")
    world.send("pat", "GO")
    assert world.actor("pat")["value"] == {"a": {"r1": "y", "r2": {}}}
    made = world.deploy("p2", renamed, parent="p1", path=["GO"], landing="state", state_map={"a.r1": "a.left"})
    assert made[0]["landing"] == {"a": {"left": "y", "r2": {}}}


def test_state_landing_helpers() -> None:
    assert leaf_paths("fee") == ["fee"]
    assert leaf_paths({"a": {"r1": "x", "r2": {}}}) == ["a.r1.x", "a.r2"]
    assert leaf_paths({"p": {"q": {"r": "s"}}}) == ["p.q.r.s"]
    # The longest mapped prefix, in whole segments, wins.
    state_map = {"a": "b", "a.r1": "c.d", "a.r": "nope"}
    assert rename("a.r1.x", state_map) == "c.d.x"
    assert rename("a.r2", state_map) == "b.r2"
    assert rename("a.r10", state_map) == "b.r10"
    assert rename("z.y", state_map) == "z.y"
    assert nest(["a.r1.x", "a.r2"]) == {"a": {"r1": {"x": {}}, "r2": {}}}
    assert state_landing_value({"a": {"r1": "x", "r2": {}}}, state_map) == {"c": {"d": {"x": {}}}, "b": {"r2": {}}}
    assert state_landing_value("fee", {}) == {"fee": {}}


# --- what deploy refuses -------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("kwargs", "words"),
    [
        ({"id": "loan-v1"}, "exists already"),
        ({"id": "x", "parent": "nope"}, "unknown parent"),
        ({"id": "x", "path": [S]}, "needs a parent"),
        ({"id": "x", "parent": "loan-v1", "match": "suffix"}, "match"),
        ({"id": "x", "parent": "loan-v1", "landing": "teleport"}, "landing"),
        ({"id": "x", "parent": "loan-v1", "path": [S, ""]}, "empty"),
    ],
)
def test_deploy_refuses_bad_versions_and_commits_nothing(kwargs: dict[str, Any], words: str) -> None:
    world = loan_world(alice=[S])
    with pytest.raises(ValueError, match=words):
        world.deploy(definition=LOAN_V1, **kwargs)
    assert world.decisions() == []
    world.deploy("x", LOAN_V1, parent="loan-v1", path=[S])  # the id "x" was not taken


# --- invariants on random runs -------------------------------------------------------------------

DEFINITIONS = [LOAN_V1, LOAN_V2, LOAN_NO_WAIVER, LOAN_PAYMENT, variant(LOAN_V2, income_verification={})]
EVENTS = [S, P, W, A, V]
PATHS = [[], [S], [S, P], [S, W], [S, P, V], [S, W, A], [S, P, A], [P], [S, A]]

# One operation: (what, which definition, which version or actor, which path, match, landing, event).
# Sends are the most frequent, so that histories grow past the paths.
operation = st.tuples(
    st.sampled_from(["deploy", "deploy", "spawn", "spawn", "send", "send", "send", "send", "send", "release"]),
    st.integers(0, len(DEFINITIONS) - 1),
    st.integers(0, 50),
    st.sampled_from(PATHS),
    st.sampled_from(["prefix", "exact"]),
    st.sampled_from(["replay", "state"]),
    st.sampled_from(EVENTS),
)


Operation = tuple[str, int, int, list[str], str, str, str]


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(operation, max_size=60))
def test_invariants_of_random_runs(operations: list[Operation]) -> None:
    run_and_check(operations)


@pytest.mark.parametrize("seed", range(40))
def test_invariants_of_long_seeded_runs(seed: int) -> None:
    rng = random.Random(seed)
    kinds = ["deploy", "spawn", "spawn", "send", "send", "send", "send", "send", "send", "release"]
    run_and_check(
        [
            (
                rng.choice(kinds),
                rng.randrange(len(DEFINITIONS)),
                rng.randrange(50),
                rng.choice(PATHS),
                rng.choice(["prefix", "exact"]),
                rng.choice(["replay", "state"]),
                rng.choice(EVENTS),
            )
            for _ in range(150)
        ]
    )


def run_and_check(operations: list[Operation]) -> None:
    """Run the operations on a fresh world, then check guarantees 2 and 5 and the mark."""
    world = SerialWorld()
    world.deploy("v0", LOAN_V1)
    versions: list[str] = ["v0"]
    actors: list[str] = []
    parent_of: dict[str, str] = {}
    path_of: dict[str, list[str]] = {}
    for what, which, index, path, match, landing, event in operations:
        if what == "deploy":
            vid = f"v{len(versions)}"
            parent_id = versions[index % len(versions)]
            world.deploy(vid, DEFINITIONS[which], parent=parent_id, path=path, match=match, landing=landing)
            versions.append(vid)
            parent_of[vid], path_of[vid] = parent_id, path
        elif what == "spawn":
            aid = f"a{len(actors)}"
            world.spawn(aid, versions[index % len(versions)])
            actors.append(aid)
        elif actors and what == "send":
            try:
                world.send(actors[index % len(actors)], event)
            except NeedsRescue:
                pass
        elif actors and what == "release":
            try:
                world.release(actors[index % len(actors)])
            except ValueError:
                pass

    decided: set[tuple[str, str]] = set()
    for record in world.decisions():
        if record["kind"] == "released":
            continue
        pair = (record["actor"], record["deployment"])
        assert pair not in decided  # exactly once
        decided.add(pair)
        assert parent_of[record["deployment"]] == record["from"]  # decided for actors on its parent
    for aid in actors:
        state = world.actor(aid)
        # Forward only: the migrations form a path from the spawn version along parent-to-child edges.
        moves = [r for r in world.decisions(aid) if r["kind"] == "migrated"]
        for earlier, later in itertools.pairwise(moves):
            assert earlier["to"] == later["from"]
        if moves:
            assert moves[-1]["to"] == state["version"]
        # Due means decided: every deployment of the actor's version whose path is no longer than
        # its history has a record for it.
        for vid, parent_id in parent_of.items():
            if parent_id == state["version"] and len(path_of[vid]) <= len(state["history"]):
                assert (aid, vid) in decided
        # The mark is there exactly when the last decision or release says so.
        last = [r for r in world.decisions(aid) if r["kind"] in ("migrated", "stranded", "released")]
        stranded = bool(last) and last[-1]["kind"] == "stranded"
        assert (state["needs_rescue"] is not None) == stranded
        if stranded:
            assert state["needs_rescue"] == last[-1]["reason"]
