"""The exceptions statekeep raises. ``Error`` is the root of all of them."""

from __future__ import annotations

from typing import Any


class Error(Exception):
    """Anything statekeep refuses or cannot do.

    ``code`` names the condition in words that do not change (``actor_not_found``,
    ``seq_conflict``), for programs to act on: the HTTP API's problem documents carry it, and
    the client raises the same class with the same code. A raise may name a narrower condition
    than its class (``NotFound(..., code="actor_not_found")``); otherwise the class's own holds.
    """

    code = "error"

    def __init__(self, *args: object, code: str | None = None, **kwargs: Any) -> None:
        # (kwargs: an ImportError subclass takes name= and path=.)
        super().__init__(*args, **kwargs)
        if code is not None:
            self.code = code


class InvalidRequest(Error, ValueError):
    """An argument statekeep refuses: a malformed id, an unknown option, a value out of range,
    a document that is not JSON. The message says what is allowed."""

    code = "invalid_request"


class DefinitionError(Error, ValueError):
    """A machine definition that cannot be compiled.

    ``path`` is the JSON path of the offending node (``$.states.review.on.APPROVE``); the
    message says what is wrong there.
    """

    code = "definition_invalid"

    def __init__(self, message: str, path: str | None = None, *, code: str | None = None) -> None:
        super().__init__(message, code=code)
        self.path = path


class SnapshotError(Error, ValueError):
    """Snapshot bytes that are corrupt or belong to another definition."""

    code = "snapshot_invalid"


class StepError(Error, RuntimeError):
    """A step that cannot complete, such as eventless transitions that never settle."""

    code = "step_failed"


class NotFound(Error, LookupError):
    """A version, actor or record that does not exist."""

    code = "not_found"


class Conflict(Error):
    """A request that contradicts the current state: a stale expected sequence number, an
    idempotency key reused for a different request, releasing an actor that is not stranded."""

    code = "conflict"


class NeedsRescue(Conflict):
    """An actor stranded by a deployment refuses events until it is moved or released.

    ``reason`` says why it was stranded; ``deployment`` names the deployment that did it.
    """

    code = "needs_rescue"

    def __init__(
        self,
        message: str,
        deployment: str | None = None,
        reason: dict[str, object] | None = None,
        *,
        code: str | None = None,
    ) -> None:
        super().__init__(message, code=code)
        self.deployment = deployment
        self.reason = reason


class EncryptionError(Error):
    """A value that cannot be sealed or opened: no key, the wrong key, a key that is not 32
    bytes in an accepted form, or a stored value that was tampered with or moved to another
    record. The message says what to do."""

    code = "encryption_failed"


class Unauthorized(Error):
    """A request to a service without a valid API key."""

    code = "unauthorized"


class Forbidden(Error):
    """A request whose API key's scope is too small for it (scopes nest: admin > write > read)."""

    code = "forbidden"


class StoreError(Error):
    """The store failed, through no fault of the caller: a server answers it with a 5xx."""

    code = "store_failed"


class StoreConflict(StoreError):
    """A write that conflicted with a concurrent one (a deadlock between two transactions, a
    serialisation failure) and was undone whole: the same write may succeed if tried again. A
    group commit retries itself; a caller that sees it may retry too."""

    code = "store_conflict"


class StoreDamaged(StoreError):
    """A stored record is missing or cannot be read: the store is damaged. The message names
    the record; restore the store from a backup."""

    code = "store_damaged"


class StoreFull(StoreError):
    """The store cannot take another write: its disk is full, or it reached its size limit.
    Reads go on; the message says what to free or raise. A server answers 507."""

    code = "store_full"


class HistoryNeeded(Error):
    """The core needs more of some actors' histories than their records keep (a record keeps
    the first events only; the store has every one). ``actors`` are the positions of those
    actors in the call, ``upto`` how many events it needs: load them and call again. The keep
    does this itself; only direct users of ``Registry`` see it."""

    def __init__(self, message: str, actors: list[int] | None = None, upto: int = 0) -> None:
        super().__init__(message)
        self.actors = actors or [0]
        self.upto = upto
