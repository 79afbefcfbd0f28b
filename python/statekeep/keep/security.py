"""Keys: the encryption key a store is opened with and its rotation, and the API keys a
service checks requests against."""

from __future__ import annotations

import sys
import time
import uuid
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

from statekeep import access, crypto
from statekeep.errors import NotFound
from statekeep.keep.base import KeepBase, check_name, context_record, event_record
from statekeep.results import ApiKey
from statekeep.store import EventRecord, Keyring, UnitOfWork


class Security(KeepBase):
    def _open_keys(self, key: bytes | str | None, data_dir: Path) -> crypto.Sealer:
        """The sealer of this store: a new store is created with the key (generated if none was
        given); an existing one checks that the key opens it."""
        with self._store.write() as txn:
            stored_id = txn.store_id()
            new = stored_id is None
            store_id = uuid.uuid4().hex if stored_id is None else stored_id
            secret, written = crypto.resolve_key(key, store_id=store_id, data_dir=data_dir, new_store=new)
            current = crypto.key_id(secret)
            sealer = crypto.Sealer({current: secret}, current)
            if new:
                txn.create(store_id, Keyring(key_ids=[current], key_check=crypto.key_check(sealer)))
                if written is not None:
                    print(
                        f"statekeep: a new encryption key for {data_dir} was written to {written}; "
                        "keep it safe: the store cannot be read without it",
                        file=sys.stderr,
                    )
                return sealer
            keyring = txn.keyring()
            crypto.verify_key_check(sealer, keyring.key_check)
            # During a rotation the older keys are kept wrapped under the new one, so that the
            # store opens, and the rotation resumes, with the new key alone.
            return sealer.with_wrapped(keyring.wrapped)

    def rotate_key(
        self, new_key: bytes | str, *, batch: int = 1_000, progress: Callable[[int, int], None] | None = None
    ) -> None:
        """Re-encrypt every sealed value under ``new_key``, in bounded transactions while the
        store stays in use; afterwards the store opens with the new key only. If interrupted,
        open the store with the new key and call this again: it resumes. ``progress`` is
        called after each batch with the values visited and the total."""
        secret = crypto.parse_key(new_key)
        new_id = crypto.key_id(secret)
        with self._store.write() as txn:
            sealer = self._sealer.with_key(secret, make_current=True)
            if self._sealer.current != new_id:
                txn.set_keyring(
                    Keyring(
                        key_ids=[*sorted(sealer.key_ids - {new_id}), new_id],
                        key_check=crypto.key_check(sealer),
                        wrapped=sealer.wrapped_keys(),
                    )
                )
            self._sealer = sealer
        with self._store.read() as reader:
            total = reader.sealed_count()
        visited = 0
        for reseal in (self._reseal_contexts, self._reseal_events):
            after: object = None
            while True:
                with self._store.write() as txn:
                    after, seen = reseal(txn, after, batch, new_id)
                visited += seen
                if progress is not None:
                    progress(min(visited, total), total)
                if after is None:
                    break
        with self._store.write() as txn:
            txn.set_keyring(Keyring(key_ids=[new_id], key_check=crypto.key_check(self._sealer)))

    def _reseal_contexts(self, txn: UnitOfWork, after: object, batch: int, new_id: str) -> tuple[object, int]:
        """Re-seal up to ``batch`` contexts not yet under ``new_id``; returns where to go on
        from (None at the end) and how many were visited."""
        found = txn.sealed_contexts(after if isinstance(after, str) else None, batch)
        for actor_id, sealed in found:
            if crypto.Sealer.key_id_of(sealed) != new_id:
                record = context_record(actor_id)
                txn.reseal_context(
                    actor_id,
                    self._sealer.seal(
                        self._sealer.open(sealed, table="contexts", record=record), table="contexts", record=record
                    ),
                )
        return (found[-1][0] if len(found) == batch else None), len(found)

    def _reseal_events(self, txn: UnitOfWork, after: object, batch: int, new_id: str) -> tuple[object, int]:
        """The same for event payloads."""
        found = txn.sealed_events(after if isinstance(after, tuple) else None, batch)
        for (actor_id, index), event in found:
            if event.sealed_payload and crypto.Sealer.key_id_of(event.sealed_payload) != new_id:
                record = event_record(actor_id, index)
                payload = self._sealer.open(event.sealed_payload, table="events", record=record)
                fresh = self._sealer.seal(payload, table="events", record=record)
                txn.reseal_event(actor_id, index, EventRecord(event.type, event.at_ns, fresh))
        return (found[-1][0] if len(found) == batch else None), len(found)

    # ----- API keys (for the service) ---------------------------------------------------------------

    def create_api_key(self, scope: str, *, name: str | None = None) -> ApiKey:
        """A new API key; its text is in ``token`` and is not kept anywhere: hand it over now."""
        access.check_scope(scope)
        key_id, token, digest = access.new_key()
        created = time.time()
        with self._store.write() as txn:
            txn.put_api_key(key_id, {"scope": scope, "name": name, "created_at": created, "digest": digest})
        return ApiKey(id=key_id, scope=scope, name=name, created_at=created, token=token)

    def api_keys(self) -> list[ApiKey]:
        with self._store.read() as txn:
            return [_api_key(key_id, stored) for key_id, stored in txn.api_keys()]

    def revoke_api_key(self, key_id: str) -> None:
        check_name(key_id, "an API key id")
        with self._store.write() as txn:
            if not txn.delete_api_key(key_id):
                raise NotFound(f"no API key '{key_id}'")

    def authenticate(self, token: str) -> ApiKey | None:
        """The key that ``token`` is, or None when it is not a live key of this store."""
        parts = access.split(token)
        if parts is None:
            return None
        key_id, secret = parts
        with self._store.read() as txn:
            stored = txn.api_key(key_id)
        if stored is None:
            return None
        return _api_key(key_id, stored) if access.matches(secret, stored["digest"]) else None


def _api_key(key_id: str, stored: Mapping[str, Any]) -> ApiKey:
    return ApiKey(id=key_id, scope=stored["scope"], name=stored["name"], created_at=stored["created_at"])
