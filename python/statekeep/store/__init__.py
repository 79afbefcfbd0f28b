"""Stores: one interface (``statekeep.store.base``), a back end per kind of storage.

Only this package knows bytes, files or queries; the keep speaks records. A location is a
directory for the embedded LMDB store (``statekeep.store.lmdb``), or a ``postgresql://`` (or
``postgres://``) URL for a store in a PostgreSQL database (``statekeep.store.postgres``, with
the ``postgres`` extra).
"""

from __future__ import annotations

import os
import re
from pathlib import Path

from statekeep.errors import InvalidRequest
from statekeep.store.base import (
    DECISION_KINDS,
    ChangeRecord,
    Delivery,
    EventRecord,
    Keyring,
    LegacyKeyring,
    Reader,
    ScanState,
    Session,
    Store,
    Timer,
    UnitOfWork,
    WriteSet,
    every_delivery,
)

__all__ = [
    "DECISION_KINDS",
    "ChangeRecord",
    "Delivery",
    "EventRecord",
    "Keyring",
    "LegacyKeyring",
    "Reader",
    "ScanState",
    "Session",
    "Store",
    "Timer",
    "UnitOfWork",
    "WriteSet",
    "every_delivery",
    "exists",
    "is_url",
    "open_store",
    "read_store_id",
    "remove",
    "restore",
    "shown",
    "size",
]

#: The URL schemes of a store in PostgreSQL.
URL_SCHEMES = ("postgresql://", "postgres://")


def is_url(location: str | os.PathLike[str]) -> bool:
    """Whether ``location`` is a database URL rather than a directory."""
    return isinstance(location, str) and location.startswith(URL_SCHEMES)


def shown(location: str | os.PathLike[str]) -> str:
    """``location`` as messages and logs show it: a URL without its password."""
    if is_url(location):
        shown = re.sub(r"^(postgres(?:ql)?://[^:/@]*):[^@/]*@", r"\1:***@", str(location))
        return re.sub(r"([?&]password=)[^&]*", r"\1***", shown)
    return str(location)


def open_store(location: str | os.PathLike[str], *, max_size: int | None = None) -> Store:
    """The store at ``location``: a directory for the embedded LMDB store (made if missing),
    growing up to ``max_size`` bytes (None: as far as the disk allows); or a PostgreSQL URL,
    whose schema is created or upgraded here (its size is the database's business)."""
    if is_url(location):
        if max_size is not None:
            raise InvalidRequest("max_size limits the embedded store; a PostgreSQL store is limited by its database")
        from statekeep.store.postgres import PostgresStore

        return PostgresStore(str(location))
    from statekeep.store.lmdb import LmdbStore

    return LmdbStore(Path(location), max_size=max_size)


def exists(location: str | os.PathLike[str]) -> bool:
    """Whether ``location`` holds a store already (nothing is created)."""
    if is_url(location):
        from statekeep.store import postgres

        return postgres.exists(str(location))
    from statekeep.store import lmdb

    return lmdb.exists(Path(location))


def read_store_id(location: str | os.PathLike[str]) -> str | None:
    """The id of the store at ``location``, without opening it for use; None if there is none."""
    if is_url(location):
        from statekeep.store import postgres

        return postgres.read_store_id(str(location))
    from statekeep.store import lmdb

    return lmdb.read_store_id(Path(location))


def size(location: str | os.PathLike[str]) -> int:
    """The bytes the store at ``location`` occupies; 0 when there is none (yet)."""
    if is_url(location):
        from statekeep.store import postgres

        return postgres.size(str(location))
    from statekeep.store import lmdb

    return lmdb.size(Path(location))


def restore(backup: str | os.PathLike[str], location: str | os.PathLike[str]) -> None:
    """Make ``location`` (new, or empty) a copy of the store in ``backup``, a store's backup.
    (A PostgreSQL store is restored with PostgreSQL's tools.)"""
    if is_url(location):
        from statekeep.store import postgres

        postgres.restore(Path(backup), str(location))
        return
    from statekeep.store import lmdb

    lmdb.restore(Path(backup), Path(location))


def remove(location: str | os.PathLike[str]) -> None:
    """Delete the store at ``location``. (A PostgreSQL store is dropped with PostgreSQL's
    tools.)"""
    if is_url(location):
        from statekeep.store import postgres

        postgres.remove(str(location))
        return
    from statekeep.store import lmdb

    lmdb.remove(Path(location))
