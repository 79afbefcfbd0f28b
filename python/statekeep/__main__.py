"""`python -m statekeep`: a short tour of the engine on the loan workflow."""

from __future__ import annotations

import json
import time

import statekeep

LOAN = {
    "id": "loan",
    "initial": "review",
    "states": {
        "review": {"entry": "openFile", "on": {"SUBMIT_INFO": "fee"}},
        "fee": {
            "on": {
                "PAY_FEE": {"target": "underwriting", "actions": "recordPayment"},
                "WAIVE_FEE": {"target": "underwriting", "guard": "isEligibleForWaiver"},
            }
        },
        "underwriting": {
            "after": {"86400000": "expired"},
            "invoke": {"src": "creditCheck", "onDone": "approved", "onError": "declined"},
        },
        "approved": {"type": "final", "entry": {"type": "notify", "params": {"template": "approved"}}},
        "declined": {"type": "final"},
        "expired": {"type": "final"},
    },
    "output": {"closed": True},
}


def main() -> None:
    machine = statekeep.Machine(LOAN)
    print(f"compiled {machine!r}; guards: {machine.guards}")
    for name, events, guards in [
        ("alice", ["SUBMIT_INFO", "PAY_FEE", "xstate.done.actor.0.loan.underwriting"], {}),
        ("bob", ["SUBMIT_INFO", "WAIVE_FEE"], {"isEligibleForWaiver": True}),
        ("carol", ["SUBMIT_INFO", "WAIVE_FEE"], {"isEligibleForWaiver": False}),
    ]:
        step = machine.initial()
        history: list[str] = []
        print(f"\n{name}: {json.dumps(step.value)}  actions={[a['type'] for a in step.actions]}")
        for event in events:
            step = machine.transition(step.snapshot, event, guards)
            if step.handled:
                history.append(event)
            effects = [f"{e['type']} {e.get('event', e.get('id'))}" for e in step.effects]
            print(f"  {event:<40} -> {json.dumps(step.value):<16} handled={step.handled!s:<5} "
                  f"actions={[a['type'] for a in step.actions]} effects={effects}")
        print(f"  status={step.status} output={step.output} history={history} "
              f"fingerprint={statekeep.fingerprint(history):016x}")

    fee = machine.transition(machine.initial().snapshot, "SUBMIT_INFO").snapshot
    count = 200_000
    started = time.perf_counter()
    for _ in range(count):
        machine.transition(fee, "PAY_FEE")
    elapsed = time.perf_counter() - started
    print(f"\n{count:,} steps from Python in {elapsed:.2f}s: {count / elapsed:,.0f} steps/s")


if __name__ == "__main__":
    main()
