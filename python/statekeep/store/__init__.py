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
    LegacyKeyring,
    Reader,
    ScanState,
    Session,
    Store,
    UnitOfWork,
    WriteSet,
)

__all__ = [
    "DECISION_KINDS",
    "EventRecord",
    "Keyring",
    "LegacyKeyring",
    "Reader",
    "ScanState",
    "Session",
    "Store",
    "UnitOfWork",
    "WriteSet",
    "exists",
    "open_store",
    "read_store_id",
    "remove",
    "restore",
    "size",
]


def open_store(location: str | os.PathLike[str], *, max_size: int | None = None) -> Store:
    """The store at ``location``: a directory for the embedded LMDB store (made if missing),
    growing up to ``max_size`` bytes (None: as far as the disk allows)."""
    from statekeep.store.lmdb import LmdbStore

    return LmdbStore(Path(location), max_size=max_size)


def exists(location: str | os.PathLike[str]) -> bool:
    """Whether ``location`` holds a store already (nothing is created)."""
    from statekeep.store import lmdb

    return lmdb.exists(Path(location))


def read_store_id(location: str | os.PathLike[str]) -> str | None:
    """The id of the store at ``location``, without opening it for use; None if there is none."""
    from statekeep.store import lmdb

    return lmdb.read_store_id(Path(location))


def size(location: str | os.PathLike[str]) -> int:
    """The bytes the store at ``location`` occupies; 0 when there is none (yet)."""
    from statekeep.store import lmdb

    return lmdb.size(Path(location))


def restore(backup: str | os.PathLike[str], location: str | os.PathLike[str]) -> None:
    """Make ``location`` (new, or empty) a copy of the store in ``backup``, a store's backup."""
    from statekeep.store import lmdb

    lmdb.restore(Path(backup), Path(location))


def remove(location: str | os.PathLike[str]) -> None:
    """Delete the store at ``location``."""
    from statekeep.store import lmdb

    lmdb.remove(Path(location))
