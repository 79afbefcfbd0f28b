"""Who may call what: the API key a request carries (``Authorization: Bearer sk_...`` or
``X-API-Key``), checked against the store, and whether its scope allows the route."""

from __future__ import annotations

import time
from collections.abc import Callable

from starlette.requests import Request

from statekeep import access
from statekeep.errors import Forbidden, Unauthorized
from statekeep.results import ApiKey


class KeyCache:
    """API keys checked against the store at most once a second per key: a key revoked here
    is refused at once, one revoked by another process within a second."""

    TTL = 1.0

    def __init__(self, authenticate: Callable[[str], ApiKey | None]) -> None:
        self._authenticate = authenticate
        self._seen: dict[str, tuple[float, ApiKey | None]] = {}

    def lookup(self, token: str) -> ApiKey | None:
        now = time.monotonic()
        hit = self._seen.get(token)
        if hit is not None and now - hit[0] < self.TTL:
            return hit[1]
        key = self._authenticate(token)
        if len(self._seen) > 10_000:
            self._seen.clear()  # bounded: random wrong tokens must not grow it
        self._seen[token] = (now, key)
        return key

    def clear(self) -> None:
        self._seen.clear()


def authorise(keys: KeyCache, request: Request, needed: str) -> None:
    """Refuse the request unless it carries a live key whose scope includes ``needed``."""
    header = request.headers.get("authorization", "").strip()
    if header:
        scheme, _, token = header.partition(" ")
        if scheme.lower() != "bearer" or not token.strip():
            # A key sent in another form is not "no key": say what was wrong with it.
            raise Unauthorized(
                f"the Authorization header must be 'Bearer sk_...', not {_shown(scheme)}: "
                "send the API key after 'Bearer ' (or in 'X-API-Key')"
            )
        token = token.strip()
    else:
        token = request.headers.get("x-api-key", "").strip()
        if not token:
            raise Unauthorized("an API key is needed: send 'Authorization: Bearer sk_...' (or 'X-API-Key: sk_...')")
    key = keys.lookup(token)
    if key is None:
        raise Unauthorized("the API key is not valid (wrong, or revoked); create one with 'statekeep keys create'")
    if not access.allows(key.scope, needed):
        raise Forbidden(f"this needs a key with scope '{needed}'; this key's scope is '{key.scope}'")


def _shown(scheme: str) -> str:
    """What the header began with, without echoing a secret: a scheme word, or that it had none."""
    if scheme.isalpha() and len(scheme) <= 20:
        return f"'{scheme} ...'"
    return "a bare value (a key without 'Bearer ' before it?)"
