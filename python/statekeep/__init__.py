"""statekeep: a self-hosted statechart host.

Deploy XState-compatible JSON definitions, step them in Rust, and (in the layers built on this
core) keep every actor durable, encrypted and migratable by its history.
"""

from statekeep._core import (
    Actor,
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
from statekeep.errors import Conflict, DefinitionError, Error, NeedsRescue, NotFound, SnapshotError, StepError

__all__ = [
    "Actor",
    "Conflict",
    "DefinitionError",
    "Error",
    "Machine",
    "NeedsRescue",
    "NotFound",
    "Registry",
    "Replay",
    "Snapshot",
    "SnapshotError",
    "Step",
    "StepError",
    "fingerprint",
    "fingerprint_chain",
    "fingerprint_extend",
]
