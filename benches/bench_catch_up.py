"""Deciding a deployment for many stored actors through `Registry.catch_up_many`: actor bytes
in, changed actor bytes and decision records out, one call, the GIL released while deciding. Half the actors match
the path and land by replay; the rest stay.

    python benches/bench_catch_up.py [actors]
"""

from __future__ import annotations

import json
import sys
import time

import statekeep

LOAN = {
    "id": "loan",
    "initial": "review",
    "states": {
        "review": {"on": {"SUBMIT_INFO": "fee"}},
        "fee": {"on": {"PAY_FEE": "underwriting", "WAIVE_FEE": "underwriting"}},
        "underwriting": {"on": {"NOTE": "underwriting", "APPROVE": "approved"}},
        "approved": {"type": "final"},
    },
}
LOAN_V2 = json.loads(json.dumps(LOAN))
LOAN_V2["states"]["fee"]["on"]["PAY_FEE"] = "income_verification"
LOAN_V2["states"]["income_verification"] = {"on": {"VERIFIED": "underwriting", "NOTE": "income_verification"}}


def main() -> None:
    count = int(sys.argv[1]) if len(sys.argv) > 1 else 50_000
    registry = statekeep.Registry()
    registry.deploy("loan-v1", statekeep.Machine(LOAN))
    template = {}
    for fee in ("PAY_FEE", "WAIVE_FEE"):
        actor = registry.spawn("loan-v1").actor
        for event in ["SUBMIT_INFO", fee] + ["NOTE"] * 6:
            actor = registry.send(actor, event).actor
        template[fee] = actor.to_bytes()
    records = [template["PAY_FEE" if i % 2 == 0 else "WAIVE_FEE"] for i in range(count)]
    registry.deploy("loan-v2", statekeep.Machine(LOAN_V2), parent="loan-v1", path=["SUBMIT_INFO", "PAY_FEE"])
    started = time.perf_counter()
    changed, moved, decisions = registry.catch_up_many(records)
    elapsed = time.perf_counter() - started
    assert len(changed) == len(decisions) == count and len(moved) == count // 2
    print(
        json.dumps(
            {
                "actors": count,
                "history_length": 8,
                "seconds": round(elapsed, 3),
                "actors_per_second": round(count / elapsed),
            }
        )
    )


if __name__ == "__main__":
    main()
