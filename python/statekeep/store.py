"""The LMDB layout of a store, and the encoding of its records. No decisions are made here.

One LMDB environment per store directory, opened with ``sync=True`` so that a commit returns
only once it is on disk. Named databases (keys are bytes; ``u32``/``u64`` are big-endian so
that keys sort numerically):

``meta``
    ``format`` (b"2"), ``store_id`` (a UUID), ``key_ids`` (JSON: the key ids, current last),
    ``key_check`` (a sealed known value that proves the key), ``commits`` (``u32``: versions).
``versions``       ``u32`` commit seq -> JSON: id, definition, parent, path, match, landing,
                   state map, guard default, body digest, commit time.
``version_ids``    version id -> ``u32`` seq.
``actors``         actor id -> the core's actor bytes: version, handled event types with their
                   guard outcomes, the fingerprint chain, the snapshot, the rescue mark, the
                   commit watermark and the count of decision records. A scan reads and writes
                   only these.
``contexts``       actor id -> the sealed context.
``events``         actor id, 0, ``u32`` index -> event record: type, sealed payload, time.
``decisions``      actor id, 0, ``u32`` ordinal (counted by the core) -> JSON decision record.
``by_deployment``  ``u32`` deployment seq, actor id, 0, ``u32`` ordinal -> b"": a deployment's
                   records.
``by_version``     ``u32`` version seq, actor id -> b"": the actors materialised on a version,
                   so a deployment's scan touches only the actors on its parent.
``counts``         ``u32`` version seq -> ``u64`` actors on it;
                   ``u32`` deployment seq, kind -> ``u64`` decisions of that kind.
``scans``          ``u32`` deployment seq -> JSON: total, scanned, cursor, done.
``idempotency``    key -> JSON: request digest and the first result.
``api_keys``       key id -> JSON: scope, name, creation time, SHA-256 of the secret.

Which deployments an event makes due is not an index here: the registry in the core holds
each version's deployments by path length, in memory.
"""

from __future__ import annotations

import json
import struct
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any, cast

import lmdb

MAP_SIZE = 1 << 40
DATABASES = ("meta", "versions", "version_ids", "actors", "contexts", "events", "decisions", "by_deployment",
             "by_version", "counts", "scans", "idempotency", "api_keys")
FORMAT = b"2"

_U32 = struct.Struct(">I")
_U64 = struct.Struct(">Q")
_EVENT_HEADER = struct.Struct(">IQI")   # type length, time ns, sealed payload length


def u32(n: int) -> bytes:
    return _U32.pack(n)


def read_u32(b: bytes) -> int:
    return int(_U32.unpack(b)[0])


def u64(n: int) -> bytes:
    return _U64.pack(n)


def read_u64(b: bytes) -> int:
    return int(_U64.unpack(b)[0])


def actor_key(actor_id: str) -> bytes:
    return actor_id.encode("utf-8")


def child_key(actor_id: str, n: int) -> bytes:
    """An actor's n-th event or decision: the id, a zero byte (never in an id), then ``u32``."""
    return actor_key(actor_id) + b"\x00" + u32(n)


def child_prefix(actor_id: str) -> bytes:
    return actor_key(actor_id) + b"\x00"


def kind_count_key(deployment: int, kind: str) -> bytes:
    return u32(deployment) + kind.encode("ascii")


def dumps(value: Any) -> bytes:
    return json.dumps(value, separators=(",", ":"), sort_keys=True).encode("utf-8")


def loads(data: bytes) -> Any:
    return json.loads(data)


@dataclass(frozen=True)
class EventRecord:
    type: str
    at_ns: int
    sealed_payload: bytes


def pack_event(record: EventRecord) -> bytes:
    kind = record.type.encode("utf-8")
    return _EVENT_HEADER.pack(len(kind), record.at_ns, len(record.sealed_payload)) + kind + record.sealed_payload


def unpack_event(data: bytes) -> EventRecord:
    type_len, at_ns, payload_len = _EVENT_HEADER.unpack_from(data)
    at = _EVENT_HEADER.size
    kind = bytes(data[at:at + type_len]).decode("utf-8")
    payload = bytes(data[at + type_len:at + type_len + payload_len])
    return EventRecord(kind, at_ns, payload)


class Txn:
    """One LMDB transaction over the named databases, with bytes in and bytes out."""

    def __init__(self, txn: lmdb.Transaction, dbs: dict[str, Any]) -> None:
        self._txn = txn
        self._dbs = dbs

    def get(self, db: str, key: bytes) -> bytes | None:
        value = self._txn.get(key, db=self._dbs[db])
        return None if value is None else bytes(value)

    def put(self, db: str, key: bytes, value: bytes) -> None:
        self._txn.put(key, value, db=self._dbs[db])

    def delete(self, db: str, key: bytes) -> None:
        self._txn.delete(key, db=self._dbs[db])

    def count(self, db: str) -> int:
        """How many records ``db`` holds."""
        return int(self._txn.stat(self._dbs[db])["entries"])

    def get_many(self, db: str, keys: list[bytes]) -> list[bytes]:
        """The values of ``keys``, in order, in one call into LMDB; every key must be there."""
        found = self._txn.cursor(db=self._dbs[db]).getmulti(keys)
        if len(found) != len(keys):
            raise KeyError(f"{len(keys) - len(found)} of {len(keys)} keys are missing from '{db}'")
        return cast(list[bytes], [value for _, value in found])

    def put_many(self, db: str, items: list[tuple[bytes, bytes]]) -> None:
        """Many puts in one call into LMDB (the per-put cost of Python is what a scan pays)."""
        if items:
            self._txn.cursor(db=self._dbs[db]).putmulti(items)

    def items(self, db: str, prefix: bytes = b"", start: bytes | None = None) -> Iterator[tuple[bytes, bytes]]:
        """The records whose key starts with ``prefix``, in key order, from ``start`` on."""
        cursor = self._txn.cursor(db=self._dbs[db])
        if not cursor.set_range(start if start is not None else prefix):
            return
        for key, value in cursor:
            if not bytes(key).startswith(prefix):
                return
            yield bytes(key), bytes(value)

    def keys(self, db: str, prefix: bytes, start: bytes | None, limit: int) -> list[bytes]:
        """Up to ``limit`` keys that start with ``prefix``, in order, from ``start`` on."""
        cursor = self._txn.cursor(db=self._dbs[db])
        out: list[bytes] = []
        if not cursor.set_range(start if start is not None else prefix):
            return out
        for key in cast(Iterator[bytes], cursor.iternext(keys=True, values=False)):
            if len(out) >= limit or not key.startswith(prefix):
                break
            out.append(key)
        return out


class Writes:
    """Puts, deletes and counter changes gathered for one transaction, applied together: a
    scan writes thousands of actors, and one ``putmulti`` per database is what keeps that fast."""

    def __init__(self) -> None:
        self.puts: dict[str, list[tuple[bytes, bytes]]] = {}
        self.deletes: list[tuple[str, bytes]] = []
        self.counts: dict[bytes, int] = {}

    def put(self, db: str, key: bytes, value: bytes) -> None:
        self.puts.setdefault(db, []).append((key, value))

    def put_all(self, db: str, items: Iterable[tuple[bytes, bytes]]) -> None:
        self.puts.setdefault(db, []).extend(items)

    def count(self, key: bytes, delta: int) -> None:
        self.counts[key] = self.counts.get(key, 0) + delta

    def decision(self, actor: bytes, ordinal: int, deployment: int, kind: str, record: bytes) -> None:
        """An actor's decision record (its ``ordinal``-th), indexed by deployment and counted."""
        child = actor + b"\x00" + _U32.pack(ordinal)
        self.put("decisions", child, record)
        self.put("by_deployment", _U32.pack(deployment) + child, b"")
        self.count(kind_count_key(deployment, kind), 1)

    def move(self, actor: bytes, old: int | None, new: int) -> None:
        """The actor is now on version ``new`` (``old`` is None for a new actor)."""
        if old is not None:
            self.deletes.append(("by_version", _U32.pack(old) + actor))
            self.count(_U32.pack(old), -1)
        self.put("by_version", _U32.pack(new) + actor, b"")
        self.count(_U32.pack(new), 1)

    def apply(self, txn: Txn) -> None:
        for db, key in self.deletes:
            txn.delete(db, key)
        for db, items in self.puts.items():
            txn.put_many(db, items)
        for key, delta in self.counts.items():
            if delta:
                txn.put("counts", key, u64(read_u64(txn.get("counts", key) or u64(0)) + delta))


class Store:
    """A store directory: one LMDB environment, synced on every commit."""

    Error = lmdb.Error

    def __init__(self, path: Path) -> None:
        self._env = lmdb.open(str(path), map_size=MAP_SIZE, max_dbs=len(DATABASES), sync=True, metasync=True,
                              max_readers=512, readahead=False)
        self._dbs = {name: self._env.open_db(name.encode()) for name in DATABASES}

    @contextmanager
    def read(self) -> Iterator[Txn]:
        with self._env.begin() as txn:
            yield Txn(txn, self._dbs)

    @contextmanager
    def write(self) -> Iterator[Txn]:
        """A write transaction: committed (and synced) when the block ends, aborted on an error."""
        with self._env.begin(write=True) as txn:
            yield Txn(txn, self._dbs)

    @contextmanager
    def nested(self, parent: Txn) -> Iterator[Txn]:
        """A transaction inside ``parent``: on an error only its own writes are undone; they
        become durable when ``parent`` commits."""
        with self._env.begin(write=True, parent=parent._txn) as txn:
            yield Txn(txn, self._dbs)

    def copy(self, dest: Path) -> None:
        """A consistent, compacted copy of the environment as of one moment."""
        self._env.copy(str(dest), compact=True)

    def close(self) -> None:
        self._env.close()


def read_store_id(path: Path) -> str | None:
    """The id of the store in ``path``, read without opening it as a keep (which would make a
    new store of any directory); None when ``path`` holds no statekeep store."""
    try:
        env = lmdb.open(str(path), readonly=True, max_dbs=len(DATABASES), lock=False)
    except lmdb.Error:
        return None
    try:
        try:
            meta = env.open_db(b"meta", create=False)
        except lmdb.Error:
            return None
        with env.begin(db=meta) as txn:
            raw = txn.get(b"store_id")
        return None if raw is None else bytes(raw).decode()
    finally:
        env.close()
