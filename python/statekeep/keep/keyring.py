"""The store's keys: envelope encryption, following the keyring as other processes change it,
and rotation while any number of processes use the store.

Values are sealed under *data keys*; the store keeps each data key sealed under the operator's
key (never a key in the clear). Every transaction first reads the keyring's generation (one
read), so a process seals under the current data key of the transaction it writes in: no
process acknowledges a value sealed under a key that is about to go. A key is dropped only once
no value uses it and every live process (its session seen in the last :data:`LIVE` seconds) has
loaded what replaces it.
"""

from __future__ import annotations

import logging
import os
import socket
import sys
import time
import uuid
from collections.abc import Callable
from pathlib import Path

from statekeep import crypto
from statekeep.errors import Conflict, EncryptionError, Error
from statekeep.keep.base import KeepBase, change_record, context_record, event_record, timer_record
from statekeep.store import EventRecord, Keyring, LegacyKeyring, Reader, Session, UnitOfWork, WriteSet

log = logging.getLogger("statekeep.keys")

#: A session not seen for this long (seconds) is taken for a process that died.
LIVE = 10.0
#: How often a process says it is alive, and takes a changed keyring even when idle.
HEARTBEAT = 2.0
#: Sessions not seen for this long are removed.
FORGET = 3600.0


class Keys(KeepBase):
    _operator: bytes
    _data_keys: dict[str, bytes]
    _generation: int
    _session_id: str

    # ----- opening ------------------------------------------------------------------------------

    def _open_keys(self, key: bytes | str | None, data_dir: Path | None) -> None:
        """Create the store with the key (generated if none was given), or check that the key
        opens it (upgrading a store of format 2); load the data keys; start this session.
        ``data_dir`` is the store's directory (None for a store in a database)."""
        self._data_keys = {}
        self._session_id = uuid.uuid4().hex
        # Exclusive: two processes creating one store at once (on one database) take turns.
        with self._store.write(exclusive=True) as txn:
            stored_id = txn.store_id()
            new = stored_id is None
            store_id = uuid.uuid4().hex if stored_id is None else stored_id
            self._operator, written = crypto.resolve_key(key, store_id=store_id, data_dir=data_dir, new_store=new)
            operator_id = crypto.key_id(self._operator)
            if new:
                data_id, data_key = crypto.new_data_key()
                keyring = Keyring(
                    generation=1,
                    current=data_id,
                    data_keys={data_id: {operator_id: crypto.wrap_data_key(self._operator, data_id, data_key)}},
                    checks={operator_id: _check(self._operator)},
                )
                txn.create(store_id, keyring)
                if written is not None:
                    print(
                        f"statekeep: a new encryption key for {self._store.location} was written to {written}; "
                        "keep it safe: the store cannot be read without it",
                        file=sys.stderr,
                    )
            else:
                stored = txn.keyring()
                keyring = self._upgrade(txn, stored) if isinstance(stored, LegacyKeyring) else stored
                _verify(self._operator, keyring)
            self._load_keyring(keyring)
            txn.put_session(self._session_id, self._session(started=time.time()))

    def _upgrade(self, txn: UnitOfWork, legacy: LegacyKeyring) -> Keyring:
        """Format 2 sealed values under the operator's key itself: that key (and the older ones
        an interrupted rotation kept) become data keys, and a fresh data key seals from now on."""
        operator_id = crypto.key_id(self._operator)
        opened = crypto.Sealer({operator_id: self._operator}, operator_id)
        crypto.verify_key_check(opened, legacy.key_check)
        old_keys = opened.with_wrapped(legacy.wrapped)
        data_id, data_key = crypto.new_data_key()
        held = {kid: old_keys.key(kid) for kid in old_keys.key_ids} | {data_id: data_key}
        keyring = Keyring(
            generation=1,
            current=data_id,
            data_keys={kid: {operator_id: crypto.wrap_data_key(self._operator, kid, k)} for kid, k in held.items()},
            checks={operator_id: legacy.key_check},
        )
        sealer = crypto.Sealer(held, data_id)
        self._refresh(txn)

        def history_of(actor_id: str, raw: bytes) -> list[tuple[str, dict[str, bool] | None]]:
            actor = self._load_actor(actor_id, raw)  # format 2 kept the whole history in the record
            return [(kind, guards or None) for kind, guards in zip(actor.history, actor.guards, strict=True)]

        txn.upgrade(
            keyring, lambda key, answer: sealer.seal(answer, table="idempotency", record=key.encode()), history_of
        )
        log.warning("statekeep: upgraded the store of format 2 to envelope encryption")
        return keyring

    # ----- following the keyring -------------------------------------------------------------------

    def _follow_keys(self, txn: Reader) -> None:
        if txn.keyring_generation() != self._generation:
            stored = txn.keyring()
            assert isinstance(stored, Keyring), "a store is upgraded when it is opened"
            with self._lock:
                self._load_keyring(stored)

    def _load_keyring(self, keyring: Keyring) -> None:
        operator_id = crypto.key_id(self._operator)
        held = {}
        for data_id, wraps in keyring.data_keys.items():
            if data_id in self._data_keys:
                held[data_id] = self._data_keys[data_id]
            elif operator_id in wraps:
                held[data_id] = crypto.unwrap_data_key(self._operator, data_id, wraps[operator_id])
        if keyring.current not in held:
            # Fail closed: sealing under an older key would write what the store may drop.
            raise EncryptionError(
                "the store's data key was changed under an operator key this process was not given; "
                "restart it with the store's current key"
            )
        self._data_keys = held
        self._sealer = crypto.Sealer(held, keyring.current)
        self._generation = keyring.generation

    def _session(self, started: float) -> Session:
        return Session(
            pid=os.getpid(),
            host=socket.gethostname(),
            started_at=started,
            seen_at=time.time(),
            generation=self._generation,
        )

    def heartbeat(self) -> bool:
        """Say this process is alive and take a changed keyring (the sessions worker calls
        this every :data:`HEARTBEAT` seconds); forget sessions long dead; let the store do its
        housekeeping (LMDB clears the reader slots of processes that died)."""
        self._store.maintain()
        now = time.time()
        with self._store.write() as txn:
            self._follow_keys(txn)
            sessions = txn.sessions()
            mine = sessions.get(self._session_id)
            txn.put_session(self._session_id, self._session(started=now if mine is None else mine.started_at))
            for session_id, session in sessions.items():
                if now - session.seen_at > FORGET:
                    txn.delete_session(session_id)
        return False

    def _end_session(self) -> None:
        with self._store.write() as txn:
            txn.delete_session(self._session_id)

    # ----- rotation ---------------------------------------------------------------------------------

    def rotate_key(
        self,
        new_key: bytes | str | None = None,
        *,
        batch: int = 1_000,
        progress: Callable[[int, int], None] | None = None,
        wait: float = 60.0,
    ) -> None:
        """Move every sealed value to a new data key, and the store to ``new_key`` as its
        operator key (None: the operator key stays, only the data key changes), while any
        number of processes go on using the store:

        1. a new data key becomes current, sealed under the old and the new operator key, so
           every process can open it, and each takes it at its next transaction;
        2. every value is re-sealed under it, in transactions of ``batch`` values
           (``progress(done, total)`` after each);
        3. once every live process has loaded it (waiting up to ``wait`` seconds), the old data
           keys and the old operator key are dropped: the store opens with the new key only.

        Interrupted, call it again with the same new key (the store opens with either key
        meanwhile): it resumes."""
        new_operator = self._operator if new_key is None else crypto.parse_key(new_key)
        target = self._begin_rotation(new_operator, moves_operator=new_key is not None)
        self._reseal_all(target, batch, progress)
        self._await_sessions(wait)
        self._finish_rotation(target, new_operator)

    def _begin_rotation(self, new_operator: bytes, *, moves_operator: bool) -> str:
        new_id = crypto.key_id(new_operator)
        # Exclusive: every write still open has sealed under the old data key and commits first.
        with self._store.write(exclusive=True) as txn:
            self._follow_keys(txn)
            keyring = txn.keyring()
            assert isinstance(keyring, Keyring)
            wanted = new_id if moves_operator else None
            if keyring.rotating is not None:
                if keyring.rotating[1] != wanted:
                    raise Conflict(
                        "another key rotation is under way; finish it first by running it again with its new key",
                        code="rotation_in_progress",
                    )
                self._operator = new_operator
                return keyring.rotating[0]
            data_id, data_key = crypto.new_data_key()
            operators = {crypto.key_id(self._operator): self._operator, new_id: new_operator}
            data_keys = {d: dict(wraps) for d, wraps in keyring.data_keys.items()}
            for d, key in self._data_keys.items():
                data_keys[d][new_id] = crypto.wrap_data_key(new_operator, d, key)
            data_keys[data_id] = {op: crypto.wrap_data_key(k, data_id, data_key) for op, k in operators.items()}
            rotated = Keyring(
                generation=keyring.generation + 1,
                current=data_id,
                data_keys=data_keys,
                checks=keyring.checks | {new_id: _check(new_operator)},
                rotating=(data_id, wanted),
            )
            txn.set_keyring(rotated)
            self._operator = new_operator
            self._load_keyring(rotated)
            return data_id

    def _reseal_all(self, target: str, batch: int, progress: Callable[[int, int], None] | None) -> None:
        with self._store.read() as reader:
            total = reader.sealed_count()
        visited = 0
        for reseal in (
            self._reseal_contexts,
            self._reseal_events,
            self._reseal_answers,
            self._reseal_timers,
            self._reseal_changes,
        ):
            after: object = None
            while True:
                with self._store.write() as txn:
                    self._follow_keys(txn)
                    after, seen = reseal(txn, after, batch, target)
                visited += seen
                if progress is not None:
                    progress(min(visited, total), total)
                if after is None:
                    break
        # Webhook secrets: few, in one transaction.
        with self._store.write() as txn:
            self._follow_keys(txn)
            self._reseal_webhooks(txn, target)

    def _reseal_contexts(self, txn: UnitOfWork, after: object, batch: int, target: str) -> tuple[object, int]:
        """Re-seal up to ``batch`` contexts not yet under ``target``; returns where to go on
        from (None at the end) and how many were visited."""
        found = txn.sealed_contexts(after if isinstance(after, str) else None, batch)
        for actor_id, sealed in found:
            if crypto.Sealer.key_id_of(sealed) != target:
                txn.reseal_context(actor_id, self._reseal(sealed, "contexts", context_record(actor_id)))
        return (found[-1][0] if len(found) == batch else None), len(found)

    def _reseal_events(self, txn: UnitOfWork, after: object, batch: int, target: str) -> tuple[object, int]:
        found = txn.sealed_events(after if isinstance(after, tuple) else None, batch)
        for (actor_id, index), event in found:
            if event.sealed_payload and crypto.Sealer.key_id_of(event.sealed_payload) != target:
                fresh = self._reseal(event.sealed_payload, "events", event_record(actor_id, index))
                txn.reseal_event(actor_id, index, EventRecord(event.type, event.at_ns, fresh))
        return (found[-1][0] if len(found) == batch else None), len(found)

    def _reseal_answers(self, txn: UnitOfWork, after: object, batch: int, target: str) -> tuple[object, int]:
        found = txn.sealed_answers(after if isinstance(after, str) else None, batch)
        for key, request, sealed in found:
            if crypto.Sealer.key_id_of(sealed) != target:
                txn.reseal_answer(key, request, self._reseal(sealed, "idempotency", key.encode()))
        return (found[-1][0] if len(found) == batch else None), len(found)

    def _reseal_timers(self, txn: UnitOfWork, after: object, batch: int, target: str) -> tuple[object, int]:
        found = txn.sealed_timers(after if isinstance(after, tuple) else None, batch)
        writes = WriteSet()
        for (actor_id, timer_id), timer in found:
            if timer.sealed_payload and crypto.Sealer.key_id_of(timer.sealed_payload) != target:
                fresh = self._reseal(timer.sealed_payload, "timers", timer_record(actor_id, timer_id))
                writes.timer(actor_id, timer_id, timer._replace(sealed_payload=fresh))
        txn.apply(writes)
        return (found[-1][0] if len(found) == batch else None), len(found)

    def _reseal_changes(self, txn: UnitOfWork, after: object, batch: int, target: str) -> tuple[object, int]:
        found = txn.sealed_changes(after if isinstance(after, int) else None, batch)
        for seq, entry in found:
            if crypto.Sealer.key_id_of(entry.sealed) != target:
                txn.reseal_change(
                    seq, self._reseal(entry.sealed, "changes", change_record(entry.actor_id, entry.at_ns))
                )
        return (found[-1][0] if len(found) == batch else None), len(found)

    def _reseal(self, sealed: bytes, table: str, record: bytes) -> bytes:
        return self._sealer.seal(self._sealer.open(sealed, table=table, record=record), table=table, record=record)

    def _await_sessions(self, wait: float) -> None:
        """Wait until every other live process has loaded this generation of the keyring."""
        deadline = time.monotonic() + wait
        while True:
            with self._store.read() as reader:
                now = time.time()
                behind = [
                    s
                    for sid, s in reader.sessions().items()
                    if sid != self._session_id and now - s.seen_at < LIVE and s.generation < self._generation
                ]
            if not behind:
                return
            if time.monotonic() > deadline:
                pids = ", ".join(f"{s.pid} on {s.host}" for s in behind)
                raise Error(
                    f"every value is sealed under the new data key, but {len(behind)} live processes ({pids}) "
                    "have not loaded it yet; the old keys are kept until they have: run the rotation again to finish"
                )
            time.sleep(0.2)

    def _finish_rotation(self, target: str, new_operator: bytes) -> None:
        new_id = crypto.key_id(new_operator)
        with self._store.write(exclusive=True) as txn:
            self._follow_keys(txn)
            keyring = txn.keyring()
            assert isinstance(keyring, Keyring)
            finished = Keyring(
                generation=keyring.generation + 1,
                current=target,
                data_keys={target: {new_id: keyring.data_keys[target][new_id]}},
                checks={new_id: keyring.checks[new_id]},
            )
            txn.set_keyring(finished)
            self._load_keyring(finished)


def _check(operator_key: bytes) -> bytes:
    kid = crypto.key_id(operator_key)
    return crypto.key_check(crypto.Sealer({kid: operator_key}, kid))


def _verify(operator_key: bytes, keyring: Keyring) -> None:
    kid = crypto.key_id(operator_key)
    if kid not in keyring.checks:
        raise EncryptionError(
            f"the key does not open this store: its key has id {', '.join(sorted(keyring.checks))} but the key "
            f"supplied has id {kid}; supply the store's key"
        )
    crypto.verify_key_check(crypto.Sealer({kid: operator_key}, kid), keyring.checks[kid])
