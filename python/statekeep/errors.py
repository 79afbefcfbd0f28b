"""The exceptions statekeep raises. ``Error`` is the root of all of them."""

from __future__ import annotations


class Error(Exception):
    """Anything statekeep refuses or cannot do."""


class DefinitionError(Error, ValueError):
    """A machine definition that cannot be compiled.

    ``path`` is the JSON path of the offending node (``$.states.review.on.APPROVE``); the
    message says what is wrong there.
    """

    def __init__(self, message: str, path: str | None = None) -> None:
        super().__init__(message)
        self.path = path


class SnapshotError(Error, ValueError):
    """Snapshot bytes that are corrupt or belong to another definition."""


class StepError(Error, RuntimeError):
    """A step that cannot complete, such as eventless transitions that never settle."""
