"""Versions: deploy (a deployment when there is a parent), preview, and what is deployed."""

from __future__ import annotations

import hashlib
import json
from collections import Counter
from collections.abc import Mapping, Sequence
from typing import Any

from statekeep import jsonio
from statekeep._core import Machine
from statekeep.clock import LATEST_MS, millis
from statekeep.errors import Conflict, DefinitionError, InvalidRequest, NotFound
from statekeep.keep.base import KeepBase, check_id, durations
from statekeep.keep.reads import candidates
from statekeep.keep.timers import ActorTimers
from statekeep.results import Deployment, Preview, Version
from statekeep.store import Reader, ScanState

_BUCKETS = {"migrated": "would_migrate", "stayed": "would_stay", "stranded": "would_strand"}


class Versions(KeepBase):
    def deploy(
        self,
        id: str,
        definition: Any,
        *,
        parent: str | None = None,
        history_path: Sequence[str] | None = None,
        match: str = "prefix",
        landing: str = "replay",
        state_map: Mapping[str, str] | None = None,
        guard_default: bool = True,
        expect: str | None = None,
        delays: Mapping[str, float] | None = None,
        timers: str = "keep",
    ) -> Deployment:
        """Commit a version. With a parent it is a deployment: every actor on the parent is
        decided by the routing law as of this commit, though the records are written by the
        background scan. Deploying the same body again under the same id is a no-op.

        ``delays`` gives the named delays of ``after`` in milliseconds (``{"reviewWindow":
        604800000}``); ``timers`` is what a migration does to an actor's timers: ``"keep"`` a
        delayed transition's due time where the landing state has it too, or ``"restart"``."""
        body, machine, text = _body(
            id, definition, parent, history_path, match, landing, state_map, guard_default, delays, timers
        )
        # Exclusive: no other write runs while it is decided, so its preview (``expect``) and
        # its scan's total still hold when it commits.
        with self._store.write(exclusive=True) as txn:
            self._refresh(txn)
            existing = txn.version_seq(id)
            if existing is not None:
                stored = txn.version(existing)
                if stored["digest"] != _digest(body, stored.get("digest_form", 1), text):
                    raise Conflict(
                        f"a different definition is already deployed as '{id}'; deploy the change under a new id",
                        code="version_exists",
                    )
                return self._deployment(txn, id)
            if parent is not None and parent not in self._seq_of:
                raise NotFound(f"parent version '{parent}' is not deployed", code="version_not_found")
            if expect is not None:
                if parent is None:
                    raise InvalidRequest(
                        "'expect' is a preview's digest, and a version without a parent has no preview: "
                        "deploy it without 'expect'"
                    )
                shown = self._preview(txn, body, machine).digest
                if shown != expect:
                    raise Conflict(
                        f"the outcome of deploying '{id}' is no longer the one previewed "
                        f"(digest {shown}, expected {expect}); preview again",
                        code="preview_outdated",
                    )
            seq = len(self._registry)
            self._commit_to_registry(
                self._registry.fork(), body, machine
            )  # validates the rule before anything is written
            body["committed_at"] = self._clock.now()
            scan = None
            if parent is not None:
                total = txn.actor_count(self._seq_of[parent])
                scan = ScanState(total=total, done=total == 0)
            txn.add_version(seq, body, scan, definition=text)
        # Into memory only once it is committed: an aborted deploy must leave no trace.
        self._deployed_machines[id] = machine
        self._wake_workers()
        return self.deployment(id)

    def preview(
        self,
        id: str,
        definition: Any,
        *,
        parent: str,
        history_path: Sequence[str] | None = None,
        match: str = "prefix",
        landing: str = "replay",
        state_map: Mapping[str, str] | None = None,
        guard_default: bool = True,
        delays: Mapping[str, float] | None = None,
        timers: str = "keep",
    ) -> Preview:
        """What deploying this version would do to every actor on ``parent``, decided by the
        same functions on a consistent snapshot. Nothing is written."""
        body, machine, _ = _body(
            id, definition, parent, history_path, match, landing, state_map, guard_default, delays, timers
        )
        with self._reading() as txn:
            if parent not in self._seq_of:
                raise NotFound(f"parent version '{parent}' is not deployed", code="version_not_found")
            if id in self._seq_of:
                raise Conflict(f"'{id}' is already deployed", code="version_exists")
            return self._preview(txn, body, machine)

    def _preview(self, txn: Reader, body: dict[str, Any], machine: Machine) -> Preview:
        fork = self._registry.fork()
        fork.deploy(
            body["id"],
            machine,
            parent=body["parent"],
            path=body["path"],
            match=body["match"],
            landing=body["landing"],
            state_map=body["state_map"],
        )
        lists: dict[str, list[str]] = {"would_migrate": [], "would_stay": [], "would_strand": [], "pending": []}
        flows: Counter[tuple[str, str]] = Counter()
        reasons: dict[str, dict[str, Any]] = {}
        outcome = []
        timed = self._timed(body["parent"]) or machine.has_timers
        timers: dict[str, list[dict[str, Any]]] = {}
        for actor_id, actor in candidates(self, txn, body["parent"]):
            now, caught = self._deciding(txn, [actor_id], [actor], lambda a: self._registry.catch_up(a[0]))
            if now.version != body["parent"]:
                continue
            _, decisions = self._deciding(txn, [actor_id], [now], lambda a: fork.catch_up(a[0]))
            mine = [d for d in decisions if d["deployment"] == body["id"]]
            kind = mine[0]["kind"] if mine else "pending"
            lists[_BUCKETS.get(kind, "pending")].append(actor_id)
            if kind == "migrated":
                flows[(json.dumps(now.value, sort_keys=True), json.dumps(mine[0]["landing"], sort_keys=True))] += 1
                if timed:
                    timers[actor_id] = self._timers_landing(
                        txn, actor_id, actor.version, caught, body, machine, mine[0]
                    )
            if kind == "stranded":
                reasons[actor_id] = mine[0]["reason"]
            outcome.append([actor_id, kind, mine[0]["reason"] if mine else None, mine[0]["landing"] if mine else None])
        outcome.sort(key=lambda o: str(o[0]))
        digest = hashlib.sha256(jsonio.canonical({"body": body["digest"], "outcome": outcome})).hexdigest()
        return Preview(
            would_migrate=sorted(lists["would_migrate"]),
            would_stay=sorted(lists["would_stay"]),
            would_strand=sorted(lists["would_strand"]),
            pending=sorted(lists["pending"]),
            counts={k: len(v) for k, v in lists.items()},
            flows=[{"from": json.loads(a), "to": json.loads(b), "count": n} for (a, b), n in sorted(flows.items())],
            reasons=reasons,
            digest=digest,
            timers=timers,
        )

    def _timers_landing(
        self,
        txn: Reader,
        actor_id: str,
        stored_version: str,
        caught: list[dict[str, Any]],
        body: dict[str, Any],
        machine: Machine,
        migrated: dict[str, Any],
    ) -> list[dict[str, Any]]:
        """The timers a migrating actor would have if the previewed version were committed now."""
        timers = ActorTimers(self, txn, actor_id, new=False)
        self._landings(timers, stored_version, caught, None)
        running = durations(machine.resolve_value(migrated["landing"]).timers, body["delays"])
        timers.landed(running, body["timers"], millis(self._clock))
        return timers.listed()

    def definitions(self) -> list[Version]:
        """Every committed version, in commit order."""
        with self._reading() as txn:
            return [
                Version(
                    id=v["id"],
                    parent=v["parent"],
                    path=v["path"],
                    match=v["match"],
                    landing=v["landing"],
                    state_map=v["state_map"],
                    guard_default=v["guard_default"],
                    definition=v["definition"],
                    committed_at=v["committed_at"],
                    delays=v.get("delays", {}),
                    timers=v.get("timers", "keep"),
                )
                for v in txn.versions()
            ]

    def deployment(self, id: str) -> Deployment:
        with self._reading() as txn:
            return self._deployment(txn, id)

    def _deployment(self, txn: Reader, id: str) -> Deployment:
        seq = self._version_seq(id)
        v = next(txn.versions(seq, definitions=False))
        scan = txn.scan(seq) or ScanState(total=0, done=True)
        return Deployment(
            id=id,
            parent=v["parent"],
            path=v["path"],
            match=v["match"],
            landing=v["landing"],
            state_map=v["state_map"],
            guard_default=v["guard_default"],
            seq=seq,
            scanned=scan.scanned,
            total=scan.total,
            done=scan.done,
            counts=txn.decision_counts(seq),
            last_error=None if scan.done or "scan" not in self._workers else self._workers["scan"].last_error,
        )

    def stats(self) -> dict[str, Any]:
        """Actors materialised on each version, each deployment's scan, the timers and the
        outbox: what a metrics page shows. (An actor the scan has not reached counts on its old
        version.)"""
        with self._reading() as txn:
            versions = self._registry.versions()
            actors = {v: txn.actor_count(seq) for seq, v in enumerate(versions)}
            scans = {versions[seq]: st for seq, st in txn.scans().items()}
            changes = {"last": txn.last_change(), "oldest": txn.first_change()}
        return {
            "actors": actors,
            "scans": {v: {"scanned": st.scanned, "total": st.total, "done": st.done} for v, st in scans.items()},
            "timers": self.timer_stats(),
            "changes": changes,
            "webhooks": self.webhook_stats(),
        }


def _body(
    id: str,
    definition: Any,
    parent: str | None,
    history_path: Sequence[str] | None,
    match: str,
    landing: str,
    state_map: Mapping[str, str] | None,
    guard_default: bool,
    delays: Mapping[str, float] | None,
    timers: str,
) -> tuple[dict[str, Any], Machine, str]:
    """The version's record, its machine, and its definition as JSON text in the core's one
    form (compact, key order kept): compiled and serialised once, with the GIL released, for
    the digest, the registry and the store. The record holds no definition: only a version
    committed before needs it, to compare digests of the old form."""
    check_id(id, "a version id")
    if parent is None and (history_path or state_map):
        raise InvalidRequest("a history path and a state map need a parent version")
    if timers not in ("keep", "restart"):
        raise InvalidRequest(f'timers is "keep" or "restart", not {timers!r}')
    machine, text = Machine.compile_with_text(definition, guard_default=guard_default)
    durations = _durations(machine, delays)
    body: dict[str, Any] = {
        "id": id,
        "parent": parent,
        "path": list(history_path or []),
        "match": match,
        "landing": landing,
        "state_map": dict(state_map or {}),
        "guard_default": guard_default,
        "delays": durations,
        "timers": timers,
    }
    body["digest"] = _digest(body, DIGEST_FORM, text)
    body["digest_form"] = DIGEST_FORM
    return body, machine, text


#: How a version's digest is taken: form 2 covers the definition's text in the core's form (its
#: key order, its document order, is part of what it means); form 1, of versions committed
#: before, covered the definition with its keys sorted away.
DIGEST_FORM = 2


def _digest(body: Mapping[str, Any], form: int, definition_text: str) -> str:
    fields: dict[str, Any] = {
        k: body[k] for k in ("id", "parent", "path", "match", "landing", "state_map", "guard_default")
    }
    if form >= 2:
        fields["definition"] = hashlib.sha256(definition_text.encode()).hexdigest()
        fields["delays"], fields["timers"] = body.get("delays", {}), body.get("timers", "keep")
    else:
        fields["definition"] = json.loads(definition_text)
    return hashlib.sha256(jsonio.canonical(fields)).hexdigest()


def _durations(machine: Machine, delays: Mapping[str, float] | None) -> dict[str, int]:
    """The named delays in whole milliseconds: each one the definition names, given, finite and
    not negative; none it does not name."""
    given = dict(delays or {})
    for name, ms in given.items():
        if (
            isinstance(ms, bool)
            or not isinstance(ms, int | float)
            or ms != ms
            or ms in (float("inf"), -float("inf"))
            or ms < 0
        ):
            raise InvalidRequest(
                f"delay '{name}' is a duration in milliseconds, a finite number at least 0, not {ms!r}"
            )
    named = machine.named_delays
    for name, path in named:
        if name not in given:
            raise DefinitionError(
                f"{path}: names the delay '{name}', which is not given: deploy with delays={{'{name}': <milliseconds>}}",
                path,
            )
    unused = sorted(set(given) - {name for name, _ in named})
    if unused:
        raise InvalidRequest(
            f"delays names {', '.join(repr(n) for n in unused)}, which no 'after' of the definition uses"
        )
    return {name: min(int(ms), LATEST_MS) for name, ms in given.items()}  # (longer never comes)
