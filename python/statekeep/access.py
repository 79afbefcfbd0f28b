"""API keys: their text form, how they are checked, and what each scope allows.

A key reads ``sk_<id>_<secret>``. The store keeps only the id, the scope and a SHA-256 digest
of the secret, so a copy of the store does not give access; the digest is compared in
constant time. Scopes nest: admin > write > read.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets

from statekeep.errors import InvalidRequest

SCOPES = ("read", "write", "admin")
PREFIX = "sk_"


def allows(scope: str, needed: str) -> bool:
    """Whether a key of ``scope`` may do what needs ``needed``."""
    return SCOPES.index(scope) >= SCOPES.index(needed)


def check_scope(scope: str) -> str:
    if scope not in SCOPES:
        raise InvalidRequest(f"a scope is one of {', '.join(SCOPES)}, not {scope!r}")
    return scope


def new_key() -> tuple[str, str, str]:
    """A fresh key: its id, its full text (shown once), and the digest to store."""
    key_id = secrets.token_hex(6)
    secret = secrets.token_urlsafe(32)
    return key_id, f"{PREFIX}{key_id}_{secret}", digest(secret)


def digest(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


def split(token: str) -> tuple[str, str] | None:
    """The id and secret of a key's text, or None if it is not shaped like a key."""
    if not token.startswith(PREFIX):
        return None
    key_id, sep, secret = token[len(PREFIX) :].partition("_")
    if not sep or len(key_id) != 12 or not secret:
        return None
    return key_id, secret


def matches(secret: str, stored_digest: str) -> bool:
    return hmac.compare_digest(digest(secret), stored_digest)
