"""The Python surface of the engine: one test per feature the contract names."""

from __future__ import annotations

import json
from typing import Any

import pytest

import statekeep
from statekeep import DefinitionError, Machine, SnapshotError, StepError

LOAN: dict[str, Any] = {
    "id": "loan",
    "initial": "review",
    "states": {
        "review": {
            "entry": "openFile",
            "on": {
                "SUBMIT_INFO": {"target": "fee", "actions": [{"type": "notify", "params": {"to": "ops"}}]},
            },
        },
        "fee": {"on": {"PAY_FEE": "approved", "WAIVE_FEE": {"target": "approved", "guard": "canWaive"}}},
        "approved": {"type": "final", "entry": "congratulate"},
    },
    "output": {"result": "approved"},
}


def types(step: statekeep.Step) -> list[str]:
    return [a["type"] for a in step.actions]


def test_definition_as_text_bytes_or_dict_is_the_same_machine() -> None:
    text = json.dumps(LOAN)
    machines = [Machine(text), Machine(text.encode()), Machine(LOAN)]
    assert {m.digest for m in machines} == {machines[0].digest}
    assert machines[0].id == "loan"
    assert machines[0].guards == ["canWaive"]


def test_initial_and_transition_report_actions_with_params_in_order() -> None:
    m = Machine(LOAN)
    start = m.initial()
    assert start.value == "review" and start.status == "active"
    assert start.actions == [{"type": "openFile"}]
    assert start.handled is False
    step = m.transition(start.snapshot, {"type": "SUBMIT_INFO", "applicant": "alice"})
    assert step.handled is True
    assert step.value == "fee"
    assert step.actions == [{"type": "notify", "params": {"to": "ops"}}]


def test_done_status_output_and_events_after_done_are_ignored() -> None:
    m = Machine(LOAN)
    step = m.transition(m.transition(m.initial().snapshot, "SUBMIT_INFO").snapshot, "PAY_FEE")
    assert (step.value, step.status) == ("approved", "done")
    assert step.output == {"result": "approved"}
    assert types(step) == ["congratulate"]
    after = m.transition(step.snapshot, "SUBMIT_INFO")
    assert (after.value, after.status, after.actions, after.handled) == ("approved", "done", [], False)


def test_guard_outcomes_and_guard_default() -> None:
    fee = Machine(LOAN).transition(Machine(LOAN).initial().snapshot, "SUBMIT_INFO").snapshot
    m = Machine(LOAN)
    assert m.transition(fee, "WAIVE_FEE").value == "approved"  # default true
    assert m.transition(fee, "WAIVE_FEE", {"canWaive": False}).handled is False
    strict = Machine(LOAN, guard_default=False)
    strict_fee = strict.transition(strict.initial().snapshot, "SUBMIT_INFO").snapshot
    assert strict.transition(strict_fee, "WAIVE_FEE").handled is False
    assert strict.transition(strict_fee, "WAIVE_FEE", {"canWaive": True, "unrelated": False}).value == "approved"
    with pytest.raises(TypeError, match="canWaive"):
        m.transition(fee, "WAIVE_FEE", {"canWaive": 1})  # type: ignore[dict-item]


def test_bad_events_are_type_errors() -> None:
    m = Machine(LOAN)
    s = m.initial().snapshot
    with pytest.raises(TypeError):
        m.transition(s, 42)  # type: ignore[arg-type]
    with pytest.raises(TypeError):
        m.transition(s, {"kind": "SUBMIT_INFO"})
    with pytest.raises(StepError):
        m.transition(s, "")


def test_forbidden_transitions_are_handled_and_stop_bubbling() -> None:
    forbidden: dict[str, Any] | None
    for forbidden in (None, {}):
        m = Machine(
            {
                "initial": "p",
                "states": {"p": {"initial": "c", "on": {"E": "q"}, "states": {"c": {"on": {"E": forbidden}}}}, "q": {}},
            }
        )
        s = m.initial().snapshot
        step = m.transition(s, "E")
        assert step.handled is True
        assert step.value == {"p": "c"} and step.actions == [] and step.snapshot == s


def test_targetless_transition_runs_actions_only() -> None:
    m = Machine({"initial": "a", "states": {"a": {"entry": "in", "exit": "out", "on": {"PING": {"actions": "pong"}}}}})
    step = m.transition(m.initial().snapshot, "PING")
    assert (step.value, types(step), step.handled) == ("a", ["pong"], True)


def test_unhandled_event_changes_nothing() -> None:
    m = Machine(LOAN)
    s = m.initial().snapshot
    step = m.transition(s, "NOBODY_LISTENS")
    assert (step.handled, step.actions, step.snapshot) == (False, [], s)


def test_initial_transition_object_runs_its_actions_after_the_parent_entry() -> None:
    m = Machine(
        {
            "initial": "p",
            "states": {
                "p": {
                    "entry": "enterP",
                    "initial": {"target": "c", "actions": ["initP"]},
                    "states": {"c": {"entry": "enterC"}},
                }
            },
        }
    )
    assert types(m.initial()) == ["enterP", "initP", "enterC"]


def test_after_schedules_on_entry_cancels_on_exit_and_takes_the_delayed_event() -> None:
    m = Machine(
        {
            "id": "m",
            "initial": "wait",
            "states": {
                "wait": {"after": {"1000": "late", "500": {"target": "soon", "actions": "tick"}}, "on": {"GO": "late"}},
                "soon": {},
                "late": {},
            },
        }
    )
    start = m.initial()
    # JavaScript orders integer-like keys numerically: 500 before 1000.
    assert start.effects == [
        {"type": "schedule", "event": "xstate.after.500.m.wait", "delay": 500, "state": "m.wait", "at": 0},
        {"type": "schedule", "event": "xstate.after.1000.m.wait", "delay": 1000, "state": "m.wait", "at": 0},
    ]
    fired = m.transition(start.snapshot, "xstate.after.500.m.wait")
    assert (fired.value, types(fired)) == ("soon", ["tick"])
    # Cancels come with the exit, before the transition's own action.
    assert [(e["type"], e["at"]) for e in fired.effects] == [("cancel", 0), ("cancel", 0)]
    left = m.transition(start.snapshot, "GO")
    assert {e["event"] for e in left.effects} == {"xstate.after.500.m.wait", "xstate.after.1000.m.wait"}


def test_invoke_reports_start_and_stop_and_takes_done_and_error_events() -> None:
    m = Machine(
        {
            "id": "m",
            "initial": "loading",
            "states": {
                "loading": {
                    "invoke": {"src": "fetchScore", "input": {"bureau": "x"}, "onDone": "scored", "onError": "failed"}
                },
                "scored": {},
                "failed": {},
            },
        }
    )
    start = m.initial()
    assert start.effects == [
        {
            "type": "start",
            "id": "0.m.loading",
            "src": "fetchScore",
            "input": {"bureau": "x"},
            "state": "m.loading",
            "at": 0,
        }
    ]
    done = m.transition(start.snapshot, "xstate.done.actor.0.m.loading")
    assert done.value == "scored"
    assert done.effects == [{"type": "stop", "id": "0.m.loading", "state": "m.loading", "at": 0}]
    assert m.transition(start.snapshot, "xstate.error.actor.0.m.loading").value == "failed"


def test_an_actor_error_nobody_handles_puts_the_machine_in_error() -> None:
    m = Machine({"id": "m", "initial": "a", "states": {"a": {"invoke": {"id": "job", "src": "work"}}}})
    step = m.transition(m.initial().snapshot, "xstate.error.actor.other")
    assert step.status == "error"
    assert step.effects == [{"type": "stop", "id": "job", "state": "m.a", "at": 0}]
    assert m.transition(step.snapshot, "anything").handled is False


def test_an_eventless_loop_is_a_clear_error() -> None:
    m = Machine({"initial": "a", "states": {"a": {"always": "b"}, "b": {"always": "a"}}})
    with pytest.raises(StepError, match="did not settle"):
        m.initial()


@pytest.mark.parametrize(
    ("definition", "path", "words"),
    [
        ({"initial": "a", "states": {"a": {"on": {"GO": "nowhere"}}}}, "$.states.a.on.GO", "does not exist"),
        (
            {"initial": "a", "states": {"a": {"initial": "x", "states": {"x": {}}, "on": {"GO": "#nope"}}}},
            "$.states.a.on.GO",
            "no state has the id",
        ),
        ({"states": {"a": {}}}, "$", "needs an `initial`"),
        (
            {"initial": "a", "states": {"a": {"type": "history", "states": {"x": {}}}}},
            "$.states.a.states",
            "history state",
        ),
        ({"type": "history"}, "$", "root cannot be a history"),
        ({"initial": "a", "states": {"a": {"on": {"a.*.b": "a"}}}}, '$.states.a.on["a.*.b"]', "invalid wildcard"),
        ({"initial": "a", "states": {"a": {"onEntry": "x"}}}, "$.states.a.onEntry", "unsupported key"),
        (
            {"initial": "a", "states": {"a": {"on": {"GO": {"target": "a", "guard": 3}}}}},
            "$.states.a.on.GO.guard",
            "guard",
        ),
        (
            {"initial": "a", "states": {"a": {"on": {"GO": {"target": ["b", "c"]}}}, "b": {}, "c": {}}},
            "$.states.a.on.GO.target",
            "cannot be active together",
        ),
        ({"initial": "a", "states": {"a": {"id": "same"}, "b": {"id": "same"}}}, "$.states.b", "duplicate state id"),
        ({"initial": "a", "states": {"a": {"type": "final", "onDone": "a"}}}, "$.states.a.onDone", "only allowed"),
        ({"initial": "a", "states": {"a": {"invoke": {"input": 1}}}}, "$.states.a.invoke.src", "src"),
    ],
)
def test_bad_definitions_name_the_path_and_the_problem(definition: dict[str, Any], path: str, words: str) -> None:
    with pytest.raises(DefinitionError) as info:
        Machine(definition)
    assert info.value.path == path
    assert str(info.value).startswith(path + ":")
    assert words in str(info.value)
    assert isinstance(info.value, ValueError) and isinstance(info.value, statekeep.Error)


def test_malformed_input_is_a_definition_error() -> None:
    for bad in ("{not json", b"\xff\xfe", "[]", "42"):
        with pytest.raises(DefinitionError):
            Machine(bad)
    with pytest.raises(DefinitionError):
        Machine({"initial": "a", "states": {"a": {"meta": float("nan")}}})


def test_snapshots_refuse_other_machines_and_tampered_bytes() -> None:
    m, other = Machine(LOAN), Machine({"initial": "x", "states": {"x": {}}})
    data = m.initial().snapshot.to_bytes()
    assert m.load_snapshot(data) == m.initial().snapshot
    with pytest.raises(SnapshotError, match="another definition"):
        other.load_snapshot(data)
    with pytest.raises(SnapshotError):
        other.transition(m.initial().snapshot, "GO")
    for bad in (data[:-1], data + b"\0", b"SKS1" + b"\0" * 20, data[:13] + b"\x07" + data[14:]):
        with pytest.raises(SnapshotError):
            m.load_snapshot(bad)


def test_replay_equals_stepping_and_reports_compliance() -> None:
    m = Machine(LOAN)
    events = ["SUBMIT_INFO", "UNKNOWN", "WAIVE_FEE"]
    replay = m.replay(events, guards=[None, None, {"canWaive": False}])
    assert replay.handled == [True, False, False]
    assert replay.first_unhandled == 1 and not replay.compliant
    assert replay.unhandled_in is not None and replay.unhandled_in.value == "fee"
    step = m.initial()
    for event, guards in zip(events, [None, None, {"canWaive": False}], strict=True):
        step = m.transition(step.snapshot, event, guards)
    assert replay.snapshot == step.snapshot
    stopped = m.replay(events, stop_at_unhandled=True)
    assert stopped.handled == [True, False] and stopped.value == "fee"
    assert m.replay(["SUBMIT_INFO", "PAY_FEE"]).compliant
    with pytest.raises(TypeError, match="one per event"):
        m.replay(events, guards=[None])


def test_resolve_value_gives_the_snapshot_of_a_state_value() -> None:
    m = Machine(
        {
            "id": "m",
            "initial": "a",
            "states": {
                "a": {"initial": "x", "states": {"x": {}, "y": {}}},
                "p": {"type": "parallel", "states": {"r1": {"initial": "i", "states": {"i": {}, "j": {}}}, "r2": {}}},
                "end": {"type": "final"},
            },
        }
    )
    assert m.resolve_value("a") == m.initial().snapshot
    assert m.resolve_value({"a": "y"}).value == {"a": "y"}
    assert m.resolve_value("p").value == {"p": {"r1": "i", "r2": {}}}
    assert m.resolve_value({"p": {"r1": "j"}}).value == {"p": {"r1": "j", "r2": {}}}
    assert m.resolve_value("end").status == "done"
    bad: object
    for bad in ("nowhere", {"a": "z"}, {"a": {"x": {}, "y": {}}}, 3):
        with pytest.raises(SnapshotError):
            m.resolve_value(bad)
