"""The keep: durable actors on an LMDB store, deployed and migrated by the routing law.

Data flows one way: the public calls here -> the core (``statekeep._core``: stepping and every
routing decision) and the store (``statekeep.store``: the LMDB layout, encoding and I/O;
``statekeep.crypto`` for sealing user data). The keep decides nothing itself.

Every write is one LMDB transaction, synced before the call returns. LMDB allows one writer at
a time across threads and processes, so the operations on one actor apply in some serial
order. A deployment commits only its version; an actor is caught up on first touch by the
core, commit by commit, and a background scan materialises the rest in bounded transactions.
"""

from __future__ import annotations

import hashlib
import heapq
import json
import os
import sys
import threading
import time
import uuid
from collections import Counter
from contextlib import contextmanager
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from pathlib import Path
from typing import Any

from statekeep import access, crypto
from statekeep import store as s
from statekeep._core import Actor as CoreActor
from statekeep._core import Machine, Registry
from statekeep.errors import Conflict, DefinitionError, Error, NeedsRescue, NotFound
from statekeep.results import Actor, ApiKey, Deployment, Preview, StepResult

#: Actors per scan transaction: bounded, so writers interleave with a scan.
SCAN_BATCH = 2_000
#: The write calls that :meth:`Keep.run_group` can apply together.
GROUPABLE = frozenset({"spawn", "spawn_many", "send", "send_many", "release"})

Event = str | Mapping[str, Any]


def open(path: str | os.PathLike[str], key: bytes | str | None = None) -> Keep:  # noqa: A001 - the public name
    """Open (or create) the store in directory ``path``."""
    return Keep(path, key=key)


class Keep:
    def __init__(self, path: str | os.PathLike[str], *, key: bytes | str | None = None, scan: bool = True) -> None:
        self.path = Path(path)
        self.path.mkdir(parents=True, exist_ok=True)
        self._store = s.Store(self.path)
        self._lock = threading.Lock()
        self._group = threading.local()
        self._registry = Registry()
        self._seq_of: dict[str, int] = {}
        self._sealer = self._open_keys(key)
        self._closing = threading.Event()
        self._wake = threading.Event()
        self._scanner: threading.Thread | None = None
        if scan:
            self._scanner = threading.Thread(target=self._scan_loop, name="statekeep-scan", daemon=True)
            self._scanner.start()

    # ----- lifecycle ------------------------------------------------------------------------

    def __enter__(self) -> Keep:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def close(self) -> None:
        self._closing.set()
        self._wake.set()
        if self._scanner is not None:
            self._scanner.join()
        self._store.close()

    def _open_keys(self, key: bytes | str | None) -> crypto.Sealer:
        with self._store.write() as txn:
            stored_id = txn.get("meta", b"store_id")
            new = stored_id is None
            store_id = uuid.uuid4().hex.encode() if stored_id is None else stored_id
            secret, written = crypto.resolve_key(key, store_id=store_id.decode(), data_dir=self.path, new_store=new)
            current = crypto.key_id(secret)
            keys = {current: secret}
            if new:
                sealer = crypto.Sealer(keys, current)
                txn.put("meta", b"format", s.FORMAT)
                txn.put("meta", b"store_id", store_id)
                txn.put("meta", b"key_ids", s.dumps([current]))
                txn.put("meta", b"key_check", crypto.key_check(sealer))
                txn.put("meta", b"commits", s.u32(0))
                if written is not None:
                    print(f"statekeep: a new encryption key for {self.path} was written to {written}; "
                          "keep it safe: the store cannot be read without it", file=sys.stderr)
                return sealer
            stored_format = txn.get("meta", b"format")
            if stored_format != s.FORMAT:
                raise Error(f"{self.path} holds a store of format {stored_format!r}; this statekeep reads format "
                            f"{s.FORMAT!r} only: open it with the statekeep that wrote it")
            sealer = crypto.Sealer(keys, current)
            crypto.verify_key_check(sealer, txn.get("meta", b"key_check") or b"")
            # During a rotation the older keys are kept wrapped under the new one, so that the
            # store opens, and the rotation resumes, with the new key alone.
            wrapped = s.loads(txn.get("meta", b"wrapped_keys") or b"{}")
            return sealer.with_wrapped({kid: bytes.fromhex(w) for kid, w in wrapped.items()})

    # ----- writing, alone or in a group commit ----------------------------------------------------

    @contextmanager
    def _writing(self) -> Iterator[s.Txn]:
        """The transaction a write call runs in: its own, synced when the call ends; or, inside
        :meth:`run_group` on this thread, a nested one that the group commits."""
        outer = getattr(self._group, "txn", None)
        if outer is None:
            with self._store.write() as txn:
                self._refresh(txn)
                yield txn
        else:
            with self._store.nested(outer) as txn:
                yield txn

    def run_group(self, calls: Sequence[tuple[str, Sequence[Any], Mapping[str, Any]]]) -> list[Any]:
        """Group commit: apply independent write calls (``(name, args, kwargs)`` for ``spawn``,
        ``spawn_many``, ``send``, ``send_many`` or ``release``) in one transaction, synced once.
        Each call is isolated in a nested transaction: one that fails leaves no trace and its
        exception takes its place in the results; the others apply, in order. A service uses
        this to acknowledge many concurrent requests with one sync."""
        for name, _, _ in calls:
            if name not in GROUPABLE:
                raise ValueError(f"{name!r} cannot run in a group; one of {', '.join(sorted(GROUPABLE))} can")
        results: list[Any] = []
        with self._store.write() as outer:
            self._refresh(outer)
            self._group.txn = outer
            try:
                for name, args, kwargs in calls:
                    try:
                        results.append(getattr(self, name)(*args, **kwargs))
                    except (Error, ValueError, TypeError) as e:
                        results.append(e)
            finally:
                self._group.txn = None
        return results

    # ----- the registry of versions -----------------------------------------------------------

    def _refresh(self, txn: s.Txn) -> None:
        """Load versions committed since we last looked (by us, another thread or process)."""
        commits = s.read_u32(_must(txn.get("meta", b"commits")))
        if commits == len(self._registry):
            return
        with self._lock:
            for seq in range(len(self._registry), commits):
                v = s.loads(_must(txn.get("versions", s.u32(seq))))
                self._commit_to_registry(self._registry, v)

    def _commit_to_registry(self, registry: Registry, v: dict[str, Any]) -> None:
        machine = Machine(v["definition"], guard_default=v["guard_default"])
        seq = registry.deploy(v["id"], machine, parent=v["parent"], path=v["path"], match=v["match"],
                              landing=v["landing"], state_map=v["state_map"])
        if registry is self._registry:
            self._seq_of[v["id"]] = seq

    def _version_seq(self, version_id: str) -> int:
        try:
            return self._seq_of[version_id]
        except KeyError:
            raise NotFound(f"no version '{version_id}' is deployed; see definitions()") from None

    # ----- deploy and preview ------------------------------------------------------------------

    def deploy(self, id: str, definition: Any, *, parent: str | None = None, history_path: Sequence[str] | None = None,
               match: str = "prefix", landing: str = "replay", state_map: Mapping[str, str] | None = None,
               guard_default: bool = True, expect: str | None = None) -> Deployment:
        """Commit a version. With a parent it is a deployment: every actor on the parent is
        decided by the routing law as of this commit, though the records are written by the
        background scan. Deploying the same body again under the same id is a no-op."""
        body = self._body(id, definition, parent, history_path, match, landing, state_map, guard_default)
        machine = Machine(body["definition"], guard_default=guard_default)
        with self._store.write() as txn:
            self._refresh(txn)
            existing = txn.get("version_ids", id.encode())
            if existing is not None:
                stored = s.loads(_must(txn.get("versions", existing)))
                if stored["digest"] != body["digest"]:
                    raise Conflict(f"a different definition is already deployed as '{id}'; deploy the change under a new id")
                return self._deployment(txn, id)
            if parent is not None and parent not in self._seq_of:
                raise NotFound(f"parent version '{parent}' is not deployed")
            if expect is not None:
                if parent is None:
                    raise ValueError("'expect' is a preview's digest, and a version without a parent has no preview: "
                                     "deploy it without 'expect'")
                shown = self._preview(txn, body, machine).digest
                if shown != expect:
                    raise Conflict(f"the outcome of deploying '{id}' is no longer the one previewed "
                                   f"(digest {shown}, expected {expect}); preview again")
            seq = len(self._registry)
            trial = self._registry.fork()
            self._commit_to_registry(trial, body)  # validates the rule before anything is written
            body["committed_at"] = time.time()
            txn.put("versions", s.u32(seq), s.dumps(body))
            txn.put("version_ids", id.encode(), s.u32(seq))
            txn.put("meta", b"commits", s.u32(seq + 1))
            if parent is not None:
                parent_seq = self._seq_of[parent]
                total = s.read_u64((txn.get("counts", s.u32(parent_seq)) or s.u64(0)))
                txn.put("scans", s.u32(seq), s.dumps({"total": total, "scanned": 0, "cursor": None, "done": total == 0}))
        # Into memory only once it is committed: an aborted deploy must leave no trace.
        self._wake.set()
        return self.deployment(id)

    def _body(self, id: str, definition: Any, parent: str | None, history_path: Sequence[str] | None, match: str,
              landing: str, state_map: Mapping[str, str] | None, guard_default: bool) -> dict[str, Any]:
        _check_name(id, "a version id")
        if isinstance(definition, (str, bytes)):
            try:
                definition = json.loads(definition)
            except ValueError as e:
                raise DefinitionError(f"$: the definition is not valid JSON: {e}", "$") from None
        if parent is None and (history_path or state_map):
            raise ValueError("a history path and a state map need a parent version")
        body = {"id": id, "definition": definition, "parent": parent, "path": list(history_path or []),
                "match": match, "landing": landing, "state_map": dict(state_map or {}), "guard_default": guard_default}
        body["digest"] = hashlib.sha256(s.dumps(body)).hexdigest()
        return body

    def preview(self, id: str, definition: Any, *, parent: str, history_path: Sequence[str] | None = None,
                match: str = "prefix", landing: str = "replay", state_map: Mapping[str, str] | None = None,
                guard_default: bool = True) -> Preview:
        """What deploying this version would do to every actor on ``parent``, decided by the
        same functions on a consistent snapshot. Nothing is written."""
        body = self._body(id, definition, parent, history_path, match, landing, state_map, guard_default)
        machine = Machine(body["definition"], guard_default=guard_default)
        with self._store.read() as txn:
            self._refresh(txn)
            if parent not in self._seq_of:
                raise NotFound(f"parent version '{parent}' is not deployed")
            if id in self._seq_of:
                raise Conflict(f"'{id}' is already deployed")
            return self._preview(txn, body, machine)

    def _preview(self, txn: s.Txn, body: dict[str, Any], machine: Machine) -> Preview:
        fork = self._registry.fork()
        fork.deploy(body["id"], machine, parent=body["parent"], path=body["path"], match=body["match"],
                    landing=body["landing"], state_map=body["state_map"])
        lists: dict[str, list[str]] = {"would_migrate": [], "would_stay": [], "would_strand": [], "pending": []}
        flows: Counter[tuple[str, str]] = Counter()
        reasons: dict[str, dict[str, Any]] = {}
        outcome = []
        for actor_id, actor in self._candidates(txn, body["parent"]):
            now, _ = self._registry.catch_up(actor)
            if now.version != body["parent"]:
                continue
            after, decisions = fork.catch_up(fork.load_actor(now.to_bytes()))
            mine = [d for d in decisions if d["deployment"] == body["id"]]
            kind = mine[0]["kind"] if mine else "pending"
            bucket = {"migrated": "would_migrate", "stayed": "would_stay", "stranded": "would_strand"}.get(kind, "pending")
            lists[bucket].append(actor_id)
            if kind == "migrated":
                flows[(json.dumps(now.value, sort_keys=True), json.dumps(mine[0]["landing"], sort_keys=True))] += 1
            if kind == "stranded":
                reasons[actor_id] = mine[0]["reason"]
            outcome.append([actor_id, kind, mine[0]["reason"] if mine else None, mine[0]["landing"] if mine else None])
        outcome.sort(key=lambda o: str(o[0]))
        digest = hashlib.sha256(s.dumps({"body": body["digest"], "outcome": outcome})).hexdigest()
        return Preview(
            would_migrate=sorted(lists["would_migrate"]), would_stay=sorted(lists["would_stay"]),
            would_strand=sorted(lists["would_strand"]), pending=sorted(lists["pending"]),
            counts={k: len(v) for k, v in lists.items()},
            flows=[{"from": json.loads(a), "to": json.loads(b), "count": n} for (a, b), n in sorted(flows.items())],
            reasons=reasons, digest=digest)

    def _candidates(self, txn: s.Txn, version: str, after: str | None = None) -> Iterator[tuple[str, CoreActor]]:
        """Every actor that may be on ``version`` once caught up, in id order (after ``after``):
        those materialised on it, and those on an ancestor that a deployment still being
        scanned may move down. (Only a deployment from a version moves actors off it, and its
        scan visits every actor there; so once those scans are done, an actor materialised on
        an ancestor is decided for all of them, and moves again only by a write.)"""
        scanning = {self._registry.version(self._registry.versions()[s.read_u32(key)])["parent"]
                    for key, raw in txn.items("scans") if not s.loads(raw)["done"]}
        seqs = [self._seq_of[version]]
        ancestor = self._registry.version(version)["parent"]
        while ancestor is not None:
            if ancestor in scanning:
                seqs.append(self._seq_of[ancestor])
            ancestor = self._registry.version(ancestor)["parent"]
        start = None if after is None else s.actor_key(after) + b"\x00"
        streams = [(key[4:] for key, _ in txn.items("by_version", s.u32(seq), None if start is None else s.u32(seq) + start))
                   for seq in seqs]
        for key in heapq.merge(*streams):
            yield key.decode(), self._registry.load_actor(_must(txn.get("actors", key)))

    # ----- actors -------------------------------------------------------------------------------

    def spawn(self, definition_id: str, context: Any = None, *, actor_id: str | None = None,
              idempotency_key: str | None = None) -> Actor:
        """Start a new actor on a version."""
        return self.spawn_many(definition_id, [context], actor_ids=[actor_id], idempotency_key=idempotency_key)[0]

    def spawn_many(self, definition_id: str, contexts: Iterable[Any], *, actor_ids: Sequence[str | None] | None = None,
                   idempotency_key: str | None = None) -> list[Actor]:
        """Start many actors on a version in one transaction."""
        contexts = list(contexts)
        ids = list(actor_ids) if actor_ids is not None else [None] * len(contexts)
        request = _request_digest(idempotency_key, {"op": "spawn", "version": definition_id, "contexts": contexts,
                                                    "ids": ids})
        with self._writing() as txn:
            replay = self._idempotent(txn, idempotency_key, request)
            if replay is not None:
                return [Actor(**a) for a in replay]
            seq = self._version_seq(definition_id)
            default_context = self._registry.version(definition_id)["machine"].context
            out = []
            for context, actor_id in zip(contexts, ids):
                actor_id = actor_id or uuid.uuid4().hex
                _check_name(actor_id, "an actor id")
                if txn.get("actors", s.actor_key(actor_id)) is not None:
                    raise Conflict(f"an actor '{actor_id}' already exists")
                spawned = self._registry.spawn(definition_id)
                ctx = default_context if context is None else context
                key = s.actor_key(actor_id)
                txn.put("contexts", key, self._seal("contexts", key, ctx))
                self._put_actor(txn, actor_id, spawned.actor, None, spawned.decisions)
                out.append(self._view(actor_id, spawned.actor, ctx))
            self._remember(txn, idempotency_key, request, [a.__dict__ for a in out])
        return out

    def send(self, actor_id: str, event: Event, *, guards: Mapping[str, bool] | None = None,
             idempotency_key: str | None = None, expected_seq: int | None = None) -> StepResult:
        """Send an event; returns once it is durable."""
        return self._send_all([(actor_id, event, guards, expected_seq)], idempotency_key)[0]

    def send_many(self, items: Iterable[tuple[str, Event]]) -> list[StepResult]:
        """Send many events in one synced transaction (all apply, or none on an error)."""
        return self._send_all([(actor_id, event, None, None) for actor_id, event in items], None)

    def _send_all(self, items: list[tuple[str, Event, Mapping[str, bool] | None, int | None]],
                  idempotency_key: str | None) -> list[StepResult]:
        request = _request_digest(idempotency_key, {"op": "send", "items": [[a, e, dict(g or {}), x]
                                                                           for a, e, g, x in items]})
        with self._writing() as txn:
            replay = self._idempotent(txn, idempotency_key, request)
            if replay is not None:
                return [StepResult(**r) for r in replay]
            results = []
            for actor_id, event, guards, expected_seq in items:
                event_type, payload = split_event(event)
                actor, decisions = self._touch(txn, actor_id)
                if expected_seq is not None and expected_seq != actor.history_length:
                    raise Conflict(f"actor '{actor_id}' is at seq {actor.history_length}, not {expected_seq}: "
                                   "it changed since you read it; read it again and retry")
                sent = self._registry.send(actor, event_type, dict(guards) if guards else None)
                decisions += sent.decisions
                if sent.refused is not None:
                    # Nothing is written: what catching up decided is derived again, identically,
                    # at the next touch; and a batch applies whole or not at all.
                    refused = sent.refused
                    raise NeedsRescue(f"actor '{actor_id}' needs rescue: deployment '{refused['deployment']}' "
                                      f"could not land it ({_describe(refused['reason'])}); deploy a rescue version "
                                      "or release it", refused["deployment"], refused["reason"])
                assert sent.step is not None
                if sent.step.handled:
                    key = s.child_key(actor_id, actor.history_length)
                    sealed = self._seal("events", key, payload) if payload else b""
                    txn.put("events", key, s.pack_event(s.EventRecord(event_type, time.time_ns(), sealed)))
                self._put_actor(txn, actor_id, sent.actor, actor.version, sent.decisions)
                results.append(StepResult(
                    actor_id=actor_id, value=sent.actor.value, status=sent.actor.status, version=sent.actor.version,
                    seq=sent.actor.history_length, actions=sent.step.actions, effects=sent.step.effects, handled=sent.step.handled,
                    decisions=decisions))
            self._remember(txn, idempotency_key, request, [r.__dict__ for r in results])
        return results

    def release(self, actor_id: str) -> dict[str, Any]:
        """Clear a stranded actor's mark; it continues on its version. Returns the record."""
        with self._writing() as txn:
            actor, _ = self._touch(txn, actor_id)
            if actor.needs_rescue is None:
                raise Conflict(f"actor '{actor_id}' is not stranded: there is nothing to release")
            released, decision = self._registry.release(actor)
            self._put_actor(txn, actor_id, released, actor.version, [decision])
        return decision

    def get(self, actor_id: str) -> Actor:
        """The actor as of now: every committed deployment is decided for it."""
        with self._store.read() as txn:
            self._refresh(txn)
            actor, _ = self._read(txn, actor_id)
            return self._view(actor_id, actor, self._context(txn, actor_id))

    def history(self, actor_id: str, after: int | None = None, limit: int | None = None) -> list[dict[str, Any]]:
        """The handled events, oldest first: index, type, payload, guard outcomes, time."""
        with self._store.read() as txn:
            self._refresh(txn)
            actor, _ = self._read(txn, actor_id)
            guards = actor.guards
            start = 0 if after is None else after + 1
            stop = actor.history_length if limit is None else min(actor.history_length, start + limit)
            out = []
            for index in range(start, stop):
                key = s.child_key(actor_id, index)
                event = s.unpack_event(_must(txn.get("events", key)))
                payload = self._open_sealed("events", key, event.sealed_payload) if event.sealed_payload else {}
                out.append({"index": index, "type": event.type, "payload": payload, "guards": guards[index],
                            "at": event.at_ns / 1e9})
            return out

    def decisions(self, actor_id: str | None = None, deployment: str | None = None) -> list[dict[str, Any]]:
        """Decision records, written or implied by a commit the scan has not reached yet."""
        with self._store.read() as txn:
            self._refresh(txn)
            if actor_id is not None:
                _, pending = self._read(txn, actor_id)
                records = self._stored_decisions(txn, actor_id) + pending
                return [r for r in records if deployment is None or r["deployment"] == deployment]
            if deployment is None:
                raise ValueError("give an actor_id, a deployment, or both")
            seq = self._version_seq(deployment)
            parent = self._registry.version(deployment)["parent"]
            found: dict[str, list[dict[str, Any]]] = {}
            for key, _ in txn.items("by_deployment", s.u32(seq)):
                actor = key[4:key.index(b"\x00", 4)].decode()
                stored = s.loads(_must(txn.get("decisions", key[4:])))
                found.setdefault(actor, []).append(dict(stored, actor=actor))
            if parent is not None:
                for candidate_id, candidate in self._candidates(txn, parent):
                    if candidate_id in found:
                        continue
                    _, implied = self._registry.catch_up(candidate)
                    mine = [dict(d, actor=candidate_id) for d in implied if d["deployment"] == deployment]
                    if mine:
                        found[candidate_id] = mine
            return [d for actor in sorted(found) for d in found[actor]]

    def actors(self, definition_id: str | None = None, state: Any = None, status: str | None = None,
               after: str | None = None, limit: int | None = None) -> list[Actor]:
        """Actors in id order (a page: ``after`` an id, at most ``limit``), optionally on one
        version, in one state value, or with one status, as of now."""
        with self._store.read() as txn:
            self._refresh(txn)
            if after is not None:
                _check_name(after, "'after' (an actor id)")
            out: list[Actor] = []
            if definition_id is not None:
                self._version_seq(definition_id)
                found: Iterable[tuple[str, CoreActor]] = self._candidates(txn, definition_id, after)
            else:
                start = s.actor_key(after) + b"\x00" if after is not None else None
                found = ((key.decode(), self._registry.load_actor(raw)) for key, raw in txn.items("actors", start=start))
            for actor_id, stored in found:
                actor, _ = self._registry.catch_up(stored)
                if definition_id is not None and actor.version != definition_id:
                    continue
                if state is not None and actor.value != state:
                    continue
                if status is not None and actor.status != status:
                    continue
                out.append(self._view(actor_id, actor, self._context(txn, actor_id)))
                if limit is not None and len(out) >= limit:
                    break
            return out

    def definitions(self) -> list[dict[str, Any]]:
        """Every committed version, in commit order."""
        with self._store.read() as txn:
            self._refresh(txn)
            out = []
            for _, raw in txn.items("versions"):
                v = s.loads(raw)
                out.append({k: v[k] for k in ("id", "parent", "path", "match", "landing", "state_map", "guard_default",
                                              "definition", "committed_at")})
            return out

    def deployment(self, id: str) -> Deployment:
        with self._store.read() as txn:
            self._refresh(txn)
            return self._deployment(txn, id)

    def _deployment(self, txn: s.Txn, id: str) -> Deployment:
        seq = self._version_seq(id)
        v = s.loads(_must(txn.get("versions", s.u32(seq))))
        scan = s.loads(txn.get("scans", s.u32(seq)) or b'{"total":0,"scanned":0,"done":true}')
        counts = {}
        for kind in ("migrated", "stayed", "stranded", "superseded", "released"):
            raw = txn.get("counts", s.kind_count_key(seq, kind))
            if raw is not None:
                counts[kind] = s.read_u64(raw)
        return Deployment(id=id, parent=v["parent"], path=v["path"], match=v["match"], landing=v["landing"],
                          state_map=v["state_map"], guard_default=v["guard_default"], seq=seq,
                          scanned=scan["scanned"], total=scan["total"], done=scan["done"], counts=counts)

    def stats(self) -> dict[str, Any]:
        """Actors materialised on each version, and each deployment's scan: what a metrics page
        shows. (An actor the scan has not reached counts on its old version.)"""
        with self._store.read() as txn:
            self._refresh(txn)
            versions = self._registry.versions()
            actors = {v: s.read_u64(txn.get("counts", s.u32(seq)) or s.u64(0)) for seq, v in enumerate(versions)}
            scans = {versions[s.read_u32(key)]: s.loads(raw) for key, raw in txn.items("scans")}
        return {"actors": actors,
                "scans": {v: {"scanned": st["scanned"], "total": st["total"], "done": st["done"]}
                          for v, st in scans.items()}}

    def rotate_key(self, new_key: bytes | str, *, batch: int = 1_000,
                   progress: Callable[[int, int], None] | None = None) -> None:
        """Re-encrypt every sealed value under ``new_key``, in bounded transactions while the
        store stays in use; afterwards the store opens with the new key only. If interrupted,
        open the store with the new key and call this again: it resumes. ``progress`` is
        called after each batch with the values visited and the total."""
        secret = crypto.parse_key(new_key)
        new_id = crypto.key_id(secret)
        with self._store.write() as txn:
            sealer = self._sealer.with_key(secret, make_current=True)
            if self._sealer.current != new_id:
                txn.put("meta", b"wrapped_keys", s.dumps({k: v.hex() for k, v in sealer.wrapped_keys().items()}))
                txn.put("meta", b"key_check", crypto.key_check(sealer))
                txn.put("meta", b"key_ids", s.dumps(sorted(sealer.key_ids - {new_id}) + [new_id]))
            self._sealer = sealer
        with self._store.read() as txn:
            total = txn.count("contexts") + txn.count("events")
        visited = 0
        for table in ("contexts", "events"):
            after: bytes | None = None
            while True:
                with self._store.write() as txn:
                    after, seen = self._reseal_batch(txn, table, after, batch, new_id)
                visited += seen
                if progress is not None:
                    progress(min(visited, total), total)
                if after is None:
                    break
        with self._store.write() as txn:
            txn.put("meta", b"wrapped_keys", s.dumps({}))
            txn.put("meta", b"key_ids", s.dumps([new_id]))

    def _reseal_batch(self, txn: s.Txn, table: str, after: bytes | None, batch: int,
                      new_id: str) -> tuple[bytes | None, int]:
        """Re-seal up to ``batch`` values of ``table`` not yet under ``new_id``; returns the last
        key visited (None at the end) and how many were visited."""
        last = None
        visited = 0
        for key, raw in txn.items(table, start=None if after is None else after + b"\x00"):
            if visited >= batch:
                return last, visited
            visited += 1
            last = key
            if table == "contexts":
                if crypto.Sealer.key_id_of(raw) != new_id:
                    context = self._sealer.open(raw, table="contexts", record=key)
                    txn.put("contexts", key, self._sealer.seal(context, table="contexts", record=key))
            else:
                event = s.unpack_event(raw)
                if event.sealed_payload and crypto.Sealer.key_id_of(event.sealed_payload) != new_id:
                    payload = self._sealer.open(event.sealed_payload, table="events", record=key)
                    fresh = self._sealer.seal(payload, table="events", record=key)
                    txn.put("events", key, s.pack_event(s.EventRecord(event.type, event.at_ns, fresh)))
        return None, visited

    # ----- API keys (for the service) ----------------------------------------------------------

    def create_api_key(self, scope: str, *, name: str | None = None) -> ApiKey:
        """A new API key; its text is in ``token`` and is not kept anywhere: hand it over now."""
        access.check_scope(scope)
        key_id, token, digest = access.new_key()
        created = time.time()
        with self._store.write() as txn:
            txn.put("api_keys", key_id.encode(), s.dumps({"scope": scope, "name": name, "created_at": created,
                                                           "digest": digest}))
        return ApiKey(id=key_id, scope=scope, name=name, created_at=created, token=token)

    def api_keys(self) -> list[ApiKey]:
        with self._store.read() as txn:
            return [_api_key(key.decode(), s.loads(raw)) for key, raw in txn.items("api_keys")]

    def revoke_api_key(self, key_id: str) -> None:
        _check_name(key_id, "an API key id")
        with self._store.write() as txn:
            if txn.get("api_keys", key_id.encode()) is None:
                raise NotFound(f"no API key '{key_id}'; see api_keys()")
            txn.delete("api_keys", key_id.encode())

    def authenticate(self, token: str) -> ApiKey | None:
        """The key that ``token`` is, or None when it is not a live key of this store."""
        parts = access.split(token)
        if parts is None:
            return None
        key_id, secret = parts
        with self._store.read() as txn:
            raw = txn.get("api_keys", key_id.encode())
        if raw is None:
            return None
        stored = s.loads(raw)
        return _api_key(key_id, stored) if access.matches(secret, stored["digest"]) else None

    def backup(self, dest: str | os.PathLike[str]) -> None:
        """A consistent copy of the store (a snapshot of one moment) while writes go on. It opens
        with the same key."""
        Path(dest).mkdir(parents=True, exist_ok=False)
        self._store.copy(Path(dest))

    # ----- the actor on disk --------------------------------------------------------------------

    def _load(self, txn: s.Txn, actor_id: str) -> CoreActor:
        _check_name(actor_id, "an actor id")
        raw = txn.get("actors", s.actor_key(actor_id))
        if raw is None:
            raise NotFound(f"no actor '{actor_id}'")
        return self._registry.load_actor(raw)

    def _read(self, txn: s.Txn, actor_id: str) -> tuple[CoreActor, list[dict[str, Any]]]:
        """The actor caught up in memory (nothing written): what a read must see."""
        actor, decisions = self._registry.catch_up(self._load(txn, actor_id))
        return actor, [dict(d, actor=actor_id) for d in decisions]

    def _touch(self, txn: s.Txn, actor_id: str) -> tuple[CoreActor, list[dict[str, Any]]]:
        """The actor caught up, with what that decided written in this transaction."""
        stored = self._load(txn, actor_id)
        actor, decisions = self._registry.catch_up(stored)
        if decisions or actor.watermark != stored.watermark:
            self._put_actor(txn, actor_id, actor, stored.version, decisions)
        return actor, [dict(d, actor=actor_id) for d in decisions]

    def _put_actor(self, txn: s.Txn, actor_id: str, actor: CoreActor, previous_version: str | None,
                   decisions: Sequence[Mapping[str, Any]] = ()) -> None:
        """Write the actor as the core left it, with the decision records it produced (the
        last ``len(decisions)`` the core counted)."""
        now = time.time()
        key = s.actor_key(actor_id)
        writes = s.Writes()
        first = actor.decided - len(decisions)
        for ordinal, d in enumerate(decisions, start=first):
            record = {k: v for k, v in d.items() if k != "actor"}
            record["at"] = now
            writes.decision(key, ordinal, self._seq_of[d["deployment"]], d["kind"], s.dumps(record))
        writes.put("actors", key, actor.to_bytes())
        version = self._seq_of[actor.version]
        previous = None if previous_version is None else self._seq_of[previous_version]
        if previous != version:
            writes.move(key, previous, version)
        writes.apply(txn)

    def _stored_decisions(self, txn: s.Txn, actor_id: str) -> list[dict[str, Any]]:
        return [dict(s.loads(value), actor=actor_id) for _, value in txn.items("decisions", s.child_prefix(actor_id))]

    def _view(self, actor_id: str, actor: CoreActor, context: Any) -> Actor:
        return Actor(id=actor_id, version=actor.version, value=actor.value, status=actor.status, context=context,
                     seq=actor.history_length, history_length=actor.history_length, fingerprint=actor.fingerprint,
                     needs_rescue=actor.needs_rescue)

    def _context(self, txn: s.Txn, actor_id: str) -> Any:
        key = s.actor_key(actor_id)
        return self._open_sealed("contexts", key, _must(txn.get("contexts", key)))

    # ----- idempotency --------------------------------------------------------------------------

    def _idempotent(self, txn: s.Txn, key: str | None, request: str) -> Any:
        if key is None:
            return None
        _check_name(key, "an idempotency key")
        raw = txn.get("idempotency", key.encode())
        if raw is None:
            return None
        stored = s.loads(raw)
        if stored["request"] != request:
            raise Conflict(f"idempotency key '{key}' was used for a different request; use a new key")
        return stored["result"]

    def _remember(self, txn: s.Txn, key: str | None, request: str, result: Any) -> None:
        if key is not None:
            txn.put("idempotency", key.encode(), s.dumps({"request": request, "result": result}))

    # ----- sealing ------------------------------------------------------------------------------

    def _seal(self, table: str, record: bytes, value: Any) -> bytes:
        return self._sealer.seal(s.dumps(value), table=table, record=record)

    def _open_sealed(self, table: str, record: bytes, sealed: bytes) -> Any:
        return s.loads(self._sealer.open(sealed, table=table, record=record))

    # ----- the background scan ------------------------------------------------------------------

    def _scan_loop(self) -> None:
        while not self._closing.is_set():
            try:
                busy = self.scan_step()
            except s.Store.Error:
                if self._closing.is_set():
                    return
                raise
            if not busy:
                self._wake.wait(timeout=0.5)
                self._wake.clear()

    def _catch_up_batch(self, txn: s.Txn, keys: list[bytes], parent: int) -> None:
        """Catch up the actors under ``keys``, all on version ``parent``, in one call to the core
        (the GIL released while it decides), and write what it decided."""
        changed, moved, decisions = self._registry.catch_up_many(txn.get_many("actors", keys), time.time())
        writes = s.Writes()
        writes.put_all("actors", [(keys[i], core) for i, core in changed])
        for i, ordinal, deployment, kind, record in decisions:
            writes.decision(keys[i], ordinal, deployment, kind, record)
        for i, version in moved:
            writes.move(keys[i], parent, version)
        writes.apply(txn)

    def scan_step(self, batch: int = SCAN_BATCH) -> bool:
        """Materialise one bounded batch of the oldest unfinished deployment scan; returns
        whether there was work. The background thread calls this; tests may too."""
        with self._store.write() as txn:
            self._refresh(txn)
            pending = None
            for key, raw in txn.items("scans"):
                state = s.loads(raw)
                if not state["done"]:
                    pending = (s.read_u32(key), state)
                    break
            if pending is None:
                return False
            seq, state = pending
            deployment_id = self._registry.versions()[seq]
            parent = self._seq_of[self._registry.version(deployment_id)["parent"]]
            prefix = s.u32(parent)
            start = prefix + (bytes.fromhex(state["cursor"]) + b"\x00" if state["cursor"] else b"")
            keys = [member[4:] for member in txn.keys("by_version", prefix, start, batch)]
            self._catch_up_batch(txn, keys, parent)
            state["scanned"] += len(keys)
            state["cursor"] = keys[-1].hex() if keys else state["cursor"]
            state["done"] = len(keys) < batch
            txn.put("scans", s.u32(seq), s.dumps(state))
            return True


def _request_digest(idempotency_key: str | None, request: Any) -> str:
    """What an idempotency key is bound to; only computed when there is a key (a batch of
    thousands is not serialised for nothing)."""
    return "" if idempotency_key is None else hashlib.sha256(s.dumps(request)).hexdigest()


def _api_key(key_id: str, stored: Mapping[str, Any]) -> ApiKey:
    return ApiKey(id=key_id, scope=stored["scope"], name=stored["name"], created_at=stored["created_at"])


def _must(value: bytes | None) -> bytes:
    if value is None:
        raise RuntimeError("the store is inconsistent: an index names a record that is missing")
    return value


def _check_name(name: str, what: str) -> None:
    """Ids and keys are LMDB keys (and prefixes of others): bounded, and free of the separator."""
    if not isinstance(name, str) or not name or "\x00" in name or len(name.encode()) > 256:
        raise ValueError(f"{what} is a non-empty string of at most 256 bytes without NUL characters")


def split_event(event: Event) -> tuple[str, dict[str, Any]]:
    """An event's type and payload fields; the one check of an event's form (the client's too)."""
    if isinstance(event, str):
        return event, {}
    if isinstance(event, Mapping) and isinstance(event.get("type"), str) and event["type"]:
        return event["type"], {k: v for k, v in event.items() if k != "type"}
    raise TypeError("an event is a type string or a dict with a non-empty string `type`")


def _describe(reason: Mapping[str, Any]) -> str:
    code = reason.get("code")
    if code == "non_compliant":
        return f"its event {reason['index']} ({reason['event']}) is not handled in state {json.dumps(reason['state'])}"
    if code == "invalid_landing":
        return str(reason.get("message"))
    return str(code)
