"""API keys: the keys a service checks requests against (their text form and scopes are in
``statekeep.access``)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from statekeep import access
from statekeep.errors import NotFound
from statekeep.keep.base import KeepBase, check_name
from statekeep.results import ApiKey


class ApiKeys(KeepBase):
    def create_api_key(self, scope: str, *, name: str | None = None) -> ApiKey:
        """A new API key; its text is in ``token`` and is not kept anywhere: hand it over now."""
        access.check_scope(scope)
        key_id, token, digest = access.new_key()
        created = self._clock.now()
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
                raise NotFound(f"no API key '{key_id}'", code="api_key_not_found")

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
