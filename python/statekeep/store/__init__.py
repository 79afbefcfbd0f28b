"""Stores: one interface (``statekeep.store.base``), a back end per kind of storage.

Only this package knows bytes, files or queries; the keep speaks records.
"""

from __future__ import annotations

import os
from pathlib import Path

from statekeep.store.base import (
    DECISION_KINDS,
    EventRecord,
    Keyring,
    Reader,
    ScanState,
    Store,
    UnitOfWork,
    WriteSet,
)

__all__ = [
    "DECISION_KINDS",
    "EventRecord",
    "Keyring",
    "Reader",
    "ScanState",
    "Store",
    "UnitOfWork",
    "WriteSet",
    "exists",
    "open_store",
    "read_store_id",
]


def open_store(location: str | os.PathLike[str]) -> Store:
    """The store at ``location``: a directory for the embedded LMDB store (made if missing)."""
    from statekeep.store.lmdb import LmdbStore

    return LmdbStore(Path(location))


def exists(location: str | os.PathLike[str]) -> bool:
    """Whether ``location`` holds a store already (nothing is created)."""
    from statekeep.store import lmdb

    return lmdb.exists(Path(location))


def read_store_id(location: str | os.PathLike[str]) -> str | None:
    """The id of the store at ``location``, without opening it for use; None if there is none."""
    from statekeep.store import lmdb

    return lmdb.read_store_id(Path(location))
