"""The loan story at scale, on an embedded store: what ``statekeep demo`` plays.

``loan-v1`` is a loan workflow (review -SUBMIT_INFO-> fee; fee -PAY_FEE or WAIVE_FEE->
underwriting; underwriting -APPROVE-> approved). Thousands of applications are spawned and
stepped in batches; two of them are named: Alice (SUBMIT_INFO, PAY_FEE) and Bob (SUBMIT_INFO,
WAIVE_FEE). ``loan-v2`` verifies the income of those who paid the fee (PAY_FEE now goes to
``income_verification``, which goes on to underwriting on VERIFIED) and is deployed under
``loan-v1`` with the history path SUBMIT_INFO, PAY_FEE: previewed first, then deployed with the
preview's digest, then materialised. Alice migrates (her history is the path) and lands in
``income_verification``; Bob stays (his history differs from the path at index 1).

:class:`Story` runs each phase as a method and times it, so the CLI can print as it goes and
tests can play it with a few hundred actors.
"""

from __future__ import annotations

import copy
import time
from collections import Counter
from collections.abc import Callable
from typing import Any

from statekeep import wire
from statekeep.keep import Event, Keep
from statekeep.results import Actor, Decision, Deployment, Preview

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
#: loan-v2 verifies the income of the applicants who paid the fee.
LOAN_V2: dict[str, Any] = copy.deepcopy(LOAN_V1)
LOAN_V2["states"]["fee"]["on"]["PAY_FEE"] = "income_verification"
LOAN_V2["states"]["income_verification"] = {"on": {"VERIFIED": "underwriting"}}
#: The history path of the deployment: the actors that submitted their details, then paid.
PATH = ["SUBMIT_INFO", "PAY_FEE"]

#: The kinds of application, by what they have done so far: (label, events).
KINDS: dict[str, list[str]] = {
    "paid": ["SUBMIT_INFO", "PAY_FEE"],
    "waived": ["SUBMIT_INFO", "WAIVE_FEE"],
    "waived_approved": ["SUBMIT_INFO", "WAIVE_FEE", "APPROVE"],
    "in_fee": ["SUBMIT_INFO"],
    "in_review": [],
}
#: How the applications are spread over the kinds, out of every 20.
_MIX = ["paid"] * 9 + ["waived"] * 6 + ["waived_approved"] * 2 + ["in_fee"] * 2 + ["in_review"]
#: The two named applicants, the first two of the batch.
NAMED = {"alice": "paid", "bob": "waived"}
BATCH = 10_000

Progress = Callable[[int, int], None]


def application(i: int) -> tuple[str, str]:
    """The id and kind of the ``i``-th application."""
    named = list(NAMED.items())
    if i < len(named):
        return named[i]
    return f"app-{i:07d}", _MIX[i % len(_MIX)]


def _event(actor_id: str, event_type: str, i: int) -> tuple[str, Event]:
    if event_type == "PAY_FEE":
        return actor_id, {"type": "PAY_FEE", "amount": 50}
    if event_type == "SUBMIT_INFO":
        return actor_id, {"type": "SUBMIT_INFO", "income": 30_000 + (i * 7_919) % 90_000}
    return actor_id, event_type


def _elapsed(started: float) -> float:
    return time.perf_counter() - started


class Story:
    """The loan story, one phase per method, each timed in ``timings`` (seconds)."""

    def __init__(self, keep: Keep, actors: int) -> None:
        if actors < len(NAMED):
            raise ValueError(f"the demo needs at least {len(NAMED)} actors (Alice and Bob)")
        self.keep = keep
        self.actors = actors
        self.timings: dict[str, float] = {}
        self.mix: dict[str, int] = {}
        self.preview_result: Preview | None = None
        self.deployment: Deployment | None = None
        #: Alice as read right after the deploy, before the scan wrote anything.
        self.alice_at_deploy: Actor | None = None

    def deploy_v1(self) -> Deployment:
        started = time.perf_counter()
        deployed = self.keep.deploy("loan-v1", LOAN_V1)
        self.timings["deploy_v1"] = _elapsed(started)
        return deployed

    def build(self, progress: Progress | None = None, batch: int = BATCH) -> dict[str, int]:
        """Spawn the applications and send them their events, ``batch`` actors at a time (one
        synced transaction for the spawns and one for the sends of each batch)."""
        started = time.perf_counter()
        mix: Counter[str] = Counter()
        for first in range(0, self.actors, batch):
            apps = [application(i) for i in range(first, min(first + batch, self.actors))]
            ids = [actor_id for actor_id, _ in apps]
            self.keep.spawn_many(
                "loan-v1",
                [{"applicant": actor_id, "amount": 5_000 + (first + k) % 45 * 1_000} for k, actor_id in enumerate(ids)],
                actor_ids=ids,
            )
            events = [
                _event(actor_id, event_type, first + k)
                for k, (actor_id, kind) in enumerate(apps)
                for event_type in KINDS[kind]
            ]
            if events:
                self.keep.send_many(events)
            mix.update(kind for _, kind in apps)
            if progress is not None:
                progress(first + len(apps), self.actors)
        self.timings["build"] = _elapsed(started)
        self.mix = {kind: mix[kind] for kind in KINDS}
        return self.mix

    def preview(self) -> Preview:
        started = time.perf_counter()
        self.preview_result = self.keep.preview("loan-v2", LOAN_V2, parent="loan-v1", history_path=PATH)
        self.timings["preview"] = _elapsed(started)
        return self.preview_result

    def deploy_v2(self) -> Deployment:
        """Deploy exactly what was previewed (its digest), then read Alice at once."""
        if self.preview_result is None:
            raise RuntimeError("preview before deploying")
        started = time.perf_counter()
        self.deployment = self.keep.deploy(
            "loan-v2", LOAN_V2, parent="loan-v1", history_path=PATH, expect=self.preview_result.digest
        )
        self.timings["deploy_v2"] = _elapsed(started)
        started = time.perf_counter()
        self.alice_at_deploy = self.keep.get("alice")
        self.timings["first_read"] = _elapsed(started)
        return self.deployment

    def materialise(self, progress: Progress | None = None) -> Deployment:
        """Run the scan that writes every decision record, to the end, in bounded transactions
        (the keep is opened with ``scan=False``: the story drives it, batch by batch)."""
        started = time.perf_counter()
        progress_now = self.keep.deployment("loan-v2")
        while self.keep.scan_step():
            progress_now = self.keep.deployment("loan-v2")
            if progress is not None:
                progress(progress_now.scanned, progress_now.total)
        self.deployment = self.keep.deployment("loan-v2")
        if progress is not None:
            progress(self.deployment.total, self.deployment.total)
        self.timings["materialise"] = _elapsed(started)
        return self.deployment

    def named(self, actor_id: str) -> tuple[Actor, list[Decision]]:
        """A named applicant as of now and its decision records."""
        return self.keep.get(actor_id), self.keep.decisions(actor_id)

    def report(self) -> dict[str, Any]:
        """The whole story in JSON form (the keep's wire names)."""
        preview = self.preview_result
        shown = None if preview is None else wire.to_json(preview)
        out: dict[str, Any] = {
            "actors": self.actors,
            "mix": self.mix,
            "timings": {name: round(seconds, 4) for name, seconds in self.timings.items()},
            "preview": None
            if shown is None
            else {
                "counts": shown["migration"]["counts"],
                "flows": shown["migration"]["flows"],
                "digest": shown["digest"],
            },
            "deployment": None if self.deployment is None else wire.to_json(self.deployment),
        }
        for name in NAMED:
            actor, decisions = self.named(name)
            out[name] = {"actor": wire.to_json(actor), "decisions": wire.to_json(decisions)}
        return out
