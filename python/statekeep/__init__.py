"""statekeep: a self-hosted statechart host.

Deploy XState-compatible JSON definitions, step them in Rust, and keep every actor durable,
encrypted and migratable by its history: ``keep = statekeep.open("./data")``.
"""

from typing import TYPE_CHECKING, Any

from statekeep._core import (
    Machine,
    Registry,
    Replay,
    Snapshot,
    Step,
    fingerprint,
    fingerprint_chain,
    fingerprint_extend,
)
from statekeep._core import __version__ as __version__
from statekeep.api import KeepAPI
from statekeep.errors import (
    Conflict,
    DefinitionError,
    EncryptionError,
    Error,
    Forbidden,
    HistoryNeeded,
    InvalidRequest,
    NeedsRescue,
    NotFound,
    SnapshotError,
    StepError,
    StoreConflict,
    StoreDamaged,
    StoreError,
    StoreFull,
    Unauthorized,
)
from statekeep.keep import Keep, open
from statekeep.results import Actor, ApiKey, Change, Deployment, Preview, StepResult

if TYPE_CHECKING:
    from statekeep.client import Client, connect


def __getattr__(name: str) -> Any:
    # The client brings in an HTTP library that the embedded keep does not need.
    if name in ("Client", "connect"):
        from statekeep import client

        return getattr(client, name)
    raise AttributeError(f"module 'statekeep' has no attribute {name!r}")


__all__ = [
    "Actor",
    "ApiKey",
    "Change",
    "Client",
    "Conflict",
    "DefinitionError",
    "Deployment",
    "EncryptionError",
    "Error",
    "Forbidden",
    "HistoryNeeded",
    "InvalidRequest",
    "Keep",
    "KeepAPI",
    "Machine",
    "NeedsRescue",
    "NotFound",
    "Preview",
    "Registry",
    "Replay",
    "Snapshot",
    "SnapshotError",
    "Step",
    "StepError",
    "StepResult",
    "StoreConflict",
    "StoreDamaged",
    "StoreError",
    "StoreFull",
    "Unauthorized",
    "connect",
    "fingerprint",
    "fingerprint_chain",
    "fingerprint_extend",
    "open",
]
