"""The LMDB back end: the layout of a store, and the encoding of its records. No decisions are
made here.

One LMDB environment per store directory, opened with ``sync=True`` so that a commit returns
only once it is on disk. Named databases (keys are bytes; ``u32``/``u64`` are big-endian so
that keys sort numerically):

``meta``
    ``format`` (b"4"), ``store_id`` (a UUID), ``commits`` (``u32``: versions), ``keyring``
    (JSON: generation, current data key, each data key sealed under each operator key (hex),
    each operator key's check value (hex), the rotation under way), ``keyring_generation``
    (``u64``, read by every transaction). Format 2 had ``key_ids``, ``key_check`` and
    ``wrapped_keys`` instead, values sealed under the operator's key itself; it is upgraded
    when the keep opens it. Format 3 packed the timer records as JSON; they are rewritten when
    the store is opened.
``versions``       ``u32`` commit seq -> JSON: id, definition, parent, path, match, landing,
                   state map, guard default, body digest, commit time.
``version_ids``    version id -> ``u32`` seq.
``definitions``    ``u32`` commit seq -> the version's definition as JSON text, its key order as
                   deployed (format 2 kept it inside the version record, its keys sorted).
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
``idempotency``    key -> the request's digest (64 hex characters), then the first answer
                   sealed (format 2: JSON of both, the answer in the clear).
``sessions``       session id -> JSON: pid, host, start, last seen, keyring generation loaded.
``timers``         actor id, 0, timer id -> a byte of flags (not due: undelivered; the event is
                   the timer id), the ``u64`` due, ``u16`` lengths of the occurrence and the kind,
                   then those, the event (a ``u32`` length first; left out when it is the timer
                   id), why it was not delivered (a ``u32`` length and JSON), then the sealed
                   payload: an actor's timers.
``timers_due``     ``u64`` due (ms), actor id, 0, timer id -> b"": the timers by due time (an
                   undelivered scheduled event is not in it).
``api_keys``       key id -> JSON: scope, name, creation time, SHA-256 of the secret.
``state_counts``   ``u32`` version seq, state path -> ``u64`` actors of the version in that state
                   (its nodes, ``a``, ``a.b``...); ``meta`` ``state_counts`` (b"1") once they are
                   kept (a store from before them is counted once when opened).
``changes``        ``u64`` number -> the outbox entry: ``u32`` version seq, ``u64`` time (ns),
                   a byte n and the n bytes of its kind, a ``u16`` length and the actor id,
                   then the sealed body. ``meta`` ``changes_last`` (``u64``) is the last number
                   given (kept apart: pruning every entry must not restart the numbering).
``webhooks``       endpoint id -> JSON: URL, filters, sealed secrets, cursor, state.
``webhook_deliveries``  endpoint id, 0, ``u64`` change seq -> JSON: actor, kind, due, attempts,
                   when it was dead-lettered (a pending delivery, or a dead letter).
``webhook_by_actor``    endpoint id, 0, actor id, 0, ``u64`` seq -> b"": each actor's pending
                   deliveries in order (the first is the only one due).
``webhook_due``    ``u64`` due (ms), endpoint id, 0, ``u64`` seq -> b"": the due deliveries.

Which deployments an event makes due is not an index here: the registry in the core holds
each version's deployments by path length, in memory.
"""

from __future__ import annotations

import hashlib
import itertools
import json
import logging
import os
import shutil
import struct
import threading
import uuid
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import replace
from pathlib import Path
from typing import Any, cast

import lmdb
import orjson

from statekeep.errors import Error, StoreDamaged, StoreError, StoreFull
from statekeep.store.base import (
    DECISION_KINDS,
    ChangeRecord,
    Delivery,
    EventRecord,
    Keyring,
    LegacyKeyring,
    ScanState,
    Session,
    Timer,
    UnitOfWork,
    WriteSet,
)

log = logging.getLogger("statekeep.store")

#: The map a new store starts with; it doubles as the store grows.
INITIAL_MAP_SIZE = 64 << 20
#: What LMDB's errors say when the disk is full, and the free space below which it must be.
_DISK_FULL = ("No space left", "Disk quota", "File too large")
_LOW_DISK = 1 << 20
DATABASES = (
    "sessions",
    "meta",
    "versions",
    "version_ids",
    "definitions",
    "timers",
    "timers_due",
    "actors",
    "contexts",
    "events",
    "decisions",
    "by_deployment",
    "by_version",
    "counts",
    "scans",
    "idempotency",
    "api_keys",
    "changes",
    "state_counts",
    "webhooks",
    "webhook_deliveries",
    "webhook_by_actor",
    "webhook_due",
)
FORMAT = b"4"
#: The older formats this statekeep opens (and upgrades).
READABLE_FORMATS = (b"2", b"3", FORMAT)
#: The file LMDB keeps the data in: its presence is what makes a directory a store.
DATA_FILE = "data.mdb"
#: What a backup holds beside its data: the store id, format, size and SHA-256 of the data.
MANIFEST = "manifest.json"
#: The file of LMDB's reader table, made beside it by the first open.
LOCK_FILE = "lock.mdb"

_U32 = struct.Struct(">I")
_U64 = struct.Struct(">Q")
_EVENT_HEADER = struct.Struct(">IQI")  # type length, time ns, sealed payload length
# Events of format 3 start with this byte (those of format 2 with the type's length, whose
# first byte is 0), and end with the guard outcomes as JSON.
_EVENT_V3 = 0xE3
_SEP = b"\x00"
_CHANGE_HEADER = struct.Struct(">IQB")  # version seq, time ns, kind length
#: Timer records rewritten per page when a store of format 3 is upgraded.
_UPGRADE_PAGE = 10_000


def _u32(n: int) -> bytes:
    return _U32.pack(n)


def _read_u32(b: bytes) -> int:
    return int(_U32.unpack(b)[0])


def _u64(n: int) -> bytes:
    return _U64.pack(n)


def _read_u64(b: bytes) -> int:
    return int(_U64.unpack(b)[0])


def _key(actor_id: str) -> bytes:
    return actor_id.encode("utf-8")


def _child(actor_id: str, n: int) -> bytes:
    """An actor's n-th event or decision: the id, a zero byte (never in an id), then ``u32``."""
    return _key(actor_id) + _SEP + _U32.pack(n)


def _kind_count_key(deployment: int, kind: str) -> bytes:
    return _U32.pack(deployment) + kind.encode("ascii")


def _dumps(value: Any) -> bytes:
    return orjson.dumps(value)


def _pack_event(record: EventRecord) -> bytes:
    kind = record.type.encode("utf-8")
    header = _EVENT_HEADER.pack(len(kind), record.at_ns, len(record.sealed_payload))
    guards = b"" if record.guards is None else _dumps(record.guards)
    return bytes([_EVENT_V3]) + header + kind + record.sealed_payload + guards


def _unpack_event(data: bytes) -> EventRecord:
    v3 = data[0] == _EVENT_V3
    at = int(v3)
    type_len, at_ns, payload_len = _EVENT_HEADER.unpack_from(data, at)
    at += _EVENT_HEADER.size
    kind = bytes(data[at : at + type_len]).decode("utf-8")
    at += type_len
    payload = bytes(data[at : at + payload_len])
    at += payload_len
    guards = orjson.loads(data[at:]) if v3 and len(data) > at else None
    return EventRecord(kind, at_ns, payload, guards)


# A timer record (format 4): a byte of flags, the due time, then the occurrence, the kind, the
# event (left out when it is the timer's id, as a delayed transition's is), why it was not
# delivered (JSON, only for an undelivered one), and the sealed payload: every send that enters
# or leaves a state with a delayed transition writes one, so it is packed without JSON. The due
# time is at a fixed place: the record gives its ``timers_due`` key without being decoded.
_TIMER_HEAD = struct.Struct(">BQHH")  # flags, due (ms), occurrence length, kind length
_TIMER_UNDELIVERED = 1  # not due: not in timers_due; a u32 length and JSON of why follow
_TIMER_EVENT_IS_ID = 2  # else a u32 length and the event follow
_DUE = slice(1, 9)


def _pack_timer(timer_id: str, timer: Timer) -> bytes:
    occurrence, kind = timer.occurrence.encode(), timer.kind.encode()
    flags, rest = 0, b""
    if timer.event == timer_id:
        flags = _TIMER_EVENT_IS_ID
    else:
        event = timer.event.encode()
        rest = _U32.pack(len(event)) + event
    if timer.undelivered is not None:
        flags |= _TIMER_UNDELIVERED
        why = _dumps(timer.undelivered)
        rest += _U32.pack(len(why)) + why
    head = _TIMER_HEAD.pack(flags, timer.due, len(occurrence), len(kind))
    return head + occurrence + kind + rest + timer.sealed_payload


def _unpack_timer(timer_id: str, raw: bytes) -> Timer:
    flags, due, occurrence_length, kind_length = _TIMER_HEAD.unpack_from(raw)
    at = _TIMER_HEAD.size
    occurrence = raw[at : at + occurrence_length].decode()
    at += occurrence_length
    kind = raw[at : at + kind_length].decode()
    at += kind_length
    event = timer_id
    if not flags & _TIMER_EVENT_IS_ID:
        (length,) = _U32.unpack_from(raw, at)
        event = raw[at + 4 : at + 4 + length].decode()
        at += 4 + length
    undelivered = None
    if flags & _TIMER_UNDELIVERED:
        (length,) = _U32.unpack_from(raw, at)
        undelivered = orjson.loads(raw[at + 4 : at + 4 + length])
        at += 4 + length
    return Timer(due, occurrence, kind, event, bytes(raw[at:]), undelivered)


def _unpack_timer_v3(raw: bytes) -> Timer:
    """A timer record of format 3: a byte n and n bytes of its index key's prefix, a ``u32``
    length and JSON (due, occurrence, kind, event, undelivered), then the sealed payload."""
    start = 1 + raw[0]
    size = _U32.unpack_from(raw, start)[0]
    head = orjson.loads(raw[start + 4 : start + 4 + size])
    return Timer(sealed_payload=bytes(raw[start + 4 + size :]), **head)


def _pack_change(record: ChangeRecord) -> bytes:
    kind, actor = record.kind.encode(), record.actor_id.encode()
    return (
        _CHANGE_HEADER.pack(record.version, record.at_ns, len(kind))
        + kind
        + struct.pack(">H", len(actor))
        + actor
        + record.sealed
    )


def _unpack_change(raw: bytes) -> ChangeRecord:
    version, at_ns, kind_length = _CHANGE_HEADER.unpack_from(raw)
    at = _CHANGE_HEADER.size
    kind = raw[at : at + kind_length].decode()
    at += kind_length
    (actor_length,) = struct.unpack_from(">H", raw, at)
    at += 2
    actor_id = raw[at : at + actor_length].decode()
    return ChangeRecord(actor_id, version, kind, at_ns, raw[at + actor_length :])


def _delivery_key(webhook_id: str, seq: int) -> bytes:
    return webhook_id.encode() + _SEP + _u64(seq)


def _pack_delivery(d: Delivery) -> bytes:
    return _dumps({"actor": d.actor_id, "kind": d.kind, "due": d.due, "attempts": d.attempts, "dead": d.dead})


def _unpack_delivery(key: bytes, raw: bytes) -> Delivery:
    r = orjson.loads(raw)
    return Delivery(_read_u64(key[-8:]), r["actor"], r["kind"], r["due"], r["attempts"], r["dead"])


def _scan_state(raw: bytes) -> ScanState:
    # The cursor is kept as the hex of the last actor key visited (the layout of format 2).
    d = orjson.loads(raw)
    cursor = None if d["cursor"] is None else bytes.fromhex(d["cursor"]).decode("utf-8")
    return ScanState(total=d["total"], scanned=d["scanned"], cursor=cursor, done=d["done"])


def _scan_bytes(state: ScanState) -> bytes:
    cursor = None if state.cursor is None else _key(state.cursor).hex()
    return _dumps({"total": state.total, "scanned": state.scanned, "cursor": cursor, "done": state.done})


class LmdbReader:
    """One LMDB transaction over the named databases, read as the store interface says."""

    def __init__(self, txn: lmdb.Transaction, dbs: dict[str, Any]) -> None:
        self._txn = txn
        self._dbs = dbs

    # ----- bytes ----------------------------------------------------------------------------

    def _get(self, db: str, key: bytes) -> bytes | None:
        value = self._txn.get(key, db=self._dbs[db])
        return None if value is None else bytes(value)

    def _must(self, db: str, key: bytes) -> bytes:
        value = self._get(db, key)
        if value is None:
            raise StoreDamaged(f"the store is damaged: an index names the record {db}/{key!r}, which is missing")
        return value

    def _items(self, db: str, prefix: bytes = b"", start: bytes | None = None) -> Iterator[tuple[bytes, bytes]]:
        """The records whose key starts with ``prefix``, in key order, from ``start`` on."""
        cursor = self._txn.cursor(db=self._dbs[db])
        if not cursor.set_range(start if start is not None else prefix):
            return
        for key, value in cursor:
            if not bytes(key).startswith(prefix):
                return
            yield bytes(key), bytes(value)

    def _keys(self, db: str, prefix: bytes, start: bytes | None) -> Iterator[bytes]:
        cursor = self._txn.cursor(db=self._dbs[db])
        if not cursor.set_range(start if start is not None else prefix):
            return
        for key in cast(Iterator[bytes], cursor.iternext(keys=True, values=False)):
            if not key.startswith(prefix):
                return
            yield key

    def _count(self, key: bytes) -> int:
        raw = self._get("counts", key)
        return 0 if raw is None else _read_u64(raw)

    # ----- the store itself ----------------------------------------------------------------

    def store_id(self) -> str | None:
        raw = self._get("meta", b"store_id")
        return None if raw is None else raw.decode()

    def keyring(self) -> Keyring | LegacyKeyring:
        raw = self._get("meta", b"keyring")
        if raw is None:
            wrapped = orjson.loads(self._get("meta", b"wrapped_keys") or b"{}")
            return LegacyKeyring(
                key_ids=orjson.loads(self._must("meta", b"key_ids")),
                key_check=self._must("meta", b"key_check"),
                wrapped={kid: bytes.fromhex(w) for kid, w in wrapped.items()},
            )
        d = orjson.loads(raw)
        return Keyring(
            generation=d["generation"],
            current=d["current"],
            data_keys={dk: {ok: bytes.fromhex(w) for ok, w in wraps.items()} for dk, wraps in d["data_keys"].items()},
            checks={ok: bytes.fromhex(c) for ok, c in d["checks"].items()},
            rotating=None if d["rotating"] is None else (d["rotating"][0], d["rotating"][1]),
        )

    def keyring_generation(self) -> int:
        raw = self._get("meta", b"keyring_generation")
        return 0 if raw is None else _read_u64(raw)

    def sessions(self) -> dict[str, Session]:
        return {key.decode(): Session(**orjson.loads(raw)) for key, raw in self._items("sessions")}

    # ----- versions ---------------------------------------------------------------------------

    def commits(self) -> int:
        return _read_u32(self._must("meta", b"commits"))

    def version(self, seq: int) -> dict[str, Any]:
        record = cast(dict[str, Any], orjson.loads(self._must("versions", _u32(seq))))
        if "definition" not in record:
            record["definition"] = json.loads(self.definition(seq))
        return record

    def definition(self, seq: int) -> str:
        raw = self._get("definitions", _u32(seq))
        if raw is None:  # written inline in the version record before format 3
            return json.dumps(self.version(seq)["definition"], separators=(",", ":"))
        return raw.decode()

    def version_seq(self, version_id: str) -> int | None:
        raw = self._get("version_ids", version_id.encode())
        return None if raw is None else _read_u32(raw)

    def versions(self, start: int = 0, *, definitions: bool = True) -> Iterator[dict[str, Any]]:
        for key, raw in self._items("versions", start=_u32(start)):
            record = cast(dict[str, Any], orjson.loads(raw))
            if definitions and "definition" not in record:
                record["definition"] = json.loads(self.definition(_read_u32(key)))
            yield record

    def scan(self, deployment: int) -> ScanState | None:
        raw = self._get("scans", _u32(deployment))
        return None if raw is None else _scan_state(raw)

    def scans(self) -> dict[int, ScanState]:
        return {_read_u32(key): _scan_state(raw) for key, raw in self._items("scans")}

    def decision_counts(self, deployment: int) -> dict[str, int]:
        counts = {}
        for kind in DECISION_KINDS:
            raw = self._get("counts", _kind_count_key(deployment, kind))
            if raw is not None:
                counts[kind] = _read_u64(raw)
        return counts

    # ----- actors -----------------------------------------------------------------------------

    def actor(self, actor_id: str) -> bytes | None:
        return self._get("actors", _key(actor_id))

    def actors(self, actor_ids: Sequence[str]) -> list[bytes]:
        keys = [_key(a) for a in actor_ids]
        found = self._txn.cursor(db=self._dbs["actors"]).getmulti(keys)
        if len(found) != len(keys):
            raise StoreDamaged(
                f"the store is damaged: {len(keys) - len(found)} of {len(keys)} indexed actors are missing"
            )
        return cast(list[bytes], [value for _, value in found])

    def all_actors(self, after: str | None = None) -> Iterator[tuple[str, bytes]]:
        start = None if after is None else _key(after) + _SEP
        for key, raw in self._items("actors", start=start):
            yield key.decode(), raw

    def actors_on(self, version: int, after: str | None = None, limit: int | None = None) -> Iterator[str]:
        prefix = _u32(version)
        start = None if after is None else prefix + _key(after) + _SEP
        for n, key in enumerate(self._keys("by_version", prefix, start)):
            if limit is not None and n >= limit:
                return
            yield key[4:].decode()

    def actors_page(
        self, version: int, after: str | None, limit: int, *, locking: bool = True
    ) -> list[tuple[str, bytes]]:
        ids = list(self.actors_on(version, after, limit))
        return list(zip(ids, self.actors(ids), strict=True))

    def actor_count(self, version: int) -> int:
        return self._count(_u32(version))

    def state_counts(self, version: int) -> dict[str, int] | None:
        if self._get("meta", b"state_counts") is None:
            return None
        prefix = _u32(version)
        return {key[4:].decode(): n for key, raw in self._items("state_counts", prefix) if (n := _read_u64(raw))}

    def context(self, actor_id: str) -> bytes:
        return self._must("contexts", _key(actor_id))

    def event(self, actor_id: str, index: int) -> EventRecord:
        return _unpack_event(self._must("events", _child(actor_id, index)))

    def history(self, actor_id: str, upto: int) -> list[tuple[str, dict[str, bool] | None]]:
        out: list[tuple[str, dict[str, bool] | None]] = []
        for _, raw in self._items("events", _key(actor_id) + _SEP):
            if len(out) >= upto:
                break
            event = _unpack_event(raw)
            out.append((event.type, event.guards))
        if len(out) < upto:
            raise StoreDamaged(f"the store is damaged: actor '{actor_id}' has {len(out)} of its {upto} events")
        return out

    def timers(self, actor_id: str) -> dict[str, Timer]:
        prefix = _key(actor_id) + _SEP
        timers = {}
        for key, raw in self._items("timers", prefix):
            timer_id = key[len(prefix) :].decode()
            timers[timer_id] = _unpack_timer(timer_id, raw)
        return timers

    def timers_of(self, keys: Sequence[tuple[str, str]]) -> list[Timer | None]:
        raws = [self._get("timers", _key(actor_id) + _SEP + timer_id.encode()) for actor_id, timer_id in keys]
        return [
            None if raw is None else _unpack_timer(timer_id, raw) for (_, timer_id), raw in zip(keys, raws, strict=True)
        ]

    def due_timers(self, until: int, limit: int) -> list[tuple[str, str, Timer]]:
        out: list[tuple[str, str, Timer]] = []
        for key in self._keys("timers_due", b"", None):
            if len(out) >= limit or _read_u64(key[:8]) > until:
                break
            child = key[8:]
            cut = child.index(_SEP)
            timer_id = child[cut + 1 :].decode()
            out.append((child[:cut].decode(), timer_id, _unpack_timer(timer_id, self._must("timers", child))))
        return out

    def next_due(self) -> int | None:
        first = next(self._keys("timers_due", b"", None), None)
        return None if first is None else _read_u64(first[:8])

    def timer_count(self, due_by: int | None = None) -> int:
        if due_by is None:
            return int(self._txn.stat(self._dbs["timers_due"])["entries"])
        count = 0
        for key in self._keys("timers_due", b"", None):
            if _read_u64(key[:8]) > due_by:
                break
            count += 1
        return count

    def decisions(self, actor_id: str) -> list[dict[str, Any]]:
        return [orjson.loads(raw) for _, raw in self._items("decisions", _key(actor_id) + _SEP)]

    def deployment_decisions(self, deployment: int) -> Iterator[tuple[str, dict[str, Any]]]:
        for key in self._keys("by_deployment", _u32(deployment), None):
            child = key[4:]
            yield child[: child.index(_SEP)].decode(), orjson.loads(self._must("decisions", child))

    # ----- beside actors -------------------------------------------------------------------------

    def idempotent(self, key: str) -> tuple[str, bytes] | None:
        raw = self._get("idempotency", key.encode())
        return None if raw is None else (raw[:64].decode(), raw[64:])

    def api_key(self, key_id: str) -> dict[str, Any] | None:
        raw = self._get("api_keys", key_id.encode())
        return None if raw is None else cast(dict[str, Any], orjson.loads(raw))

    def api_keys(self) -> list[tuple[str, dict[str, Any]]]:
        return [(key.decode(), orjson.loads(raw)) for key, raw in self._items("api_keys")]

    def changes(self, after: int, limit: int) -> list[tuple[int, ChangeRecord]]:
        out: list[tuple[int, ChangeRecord]] = []
        for key, raw in self._items("changes", start=_u64(after + 1)):
            if len(out) >= limit:
                break
            out.append((_read_u64(key), _unpack_change(raw)))
        return out

    def last_change(self) -> int:
        raw = self._get("meta", b"changes_last")
        return 0 if raw is None else _read_u64(raw)

    def first_change(self) -> int | None:
        cursor = self._txn.cursor(db=self._dbs["changes"])
        return _read_u64(bytes(cursor.key())) if cursor.first() else None

    def sealed_timers(self, after: tuple[str, str] | None, limit: int) -> list[tuple[tuple[str, str], Timer]]:
        start = None if after is None else _key(after[0]) + _SEP + after[1].encode() + _SEP
        out: list[tuple[tuple[str, str], Timer]] = []
        for key, raw in self._items("timers", start=start):
            if len(out) >= limit:
                break
            actor, _, timer_key = key.partition(_SEP)
            timer_id = timer_key.decode()
            out.append(((actor.decode(), timer_id), _unpack_timer(timer_id, raw)))
        return out

    def sealed_changes(self, after: int | None, limit: int) -> list[tuple[int, ChangeRecord]]:
        return self.changes(after or 0, limit)

    def sealed_count(self) -> int:
        databases = ("contexts", "events", "idempotency", "changes")
        return sum(int(self._txn.stat(self._dbs[db])["entries"]) for db in databases)

    def sealed_answers(self, after: str | None, limit: int) -> list[tuple[str, str, bytes]]:
        start = None if after is None else after.encode() + _SEP
        out: list[tuple[str, str, bytes]] = []
        for key, raw in self._items("idempotency", start=start):
            if len(out) >= limit:
                break
            out.append((key.decode(), raw[:64].decode(), raw[64:]))
        return out

    def sealed_contexts(self, after: str | None, limit: int) -> list[tuple[str, bytes]]:
        start = None if after is None else _key(after) + _SEP
        out: list[tuple[str, bytes]] = []
        for key, raw in self._items("contexts", start=start):
            if len(out) >= limit:
                break
            out.append((key.decode(), raw))
        return out

    def sealed_events(self, after: tuple[str, int] | None, limit: int) -> list[tuple[tuple[str, int], EventRecord]]:
        start = None if after is None else _child(*after) + _SEP
        out: list[tuple[tuple[str, int], EventRecord]] = []
        for key, raw in self._items("events", start=start):
            if len(out) >= limit:
                break
            out.append(((key[:-5].decode(), _read_u32(key[-4:])), _unpack_event(raw)))
        return out

    # ----- webhooks ----------------------------------------------------------------------------

    def webhook(self, webhook_id: str) -> dict[str, Any] | None:
        raw = self._get("webhooks", webhook_id.encode())
        return None if raw is None else cast(dict[str, Any], orjson.loads(raw))

    def webhooks(self) -> list[tuple[str, dict[str, Any]]]:
        return [(key.decode(), orjson.loads(raw)) for key, raw in self._items("webhooks")]

    def deliveries(self, webhook_id: str, after: int, limit: int, *, dead: bool) -> list[Delivery]:
        prefix = webhook_id.encode() + _SEP
        out: list[Delivery] = []
        for key, raw in self._items("webhook_deliveries", prefix, prefix + _u64(after + 1)):
            if len(out) >= limit:
                break
            d = _unpack_delivery(key, raw)
            if (d.dead is not None) == dead:
                out.append(d)
        return out

    def delivery(self, webhook_id: str, seq: int) -> Delivery | None:
        key = _delivery_key(webhook_id, seq)
        raw = self._get("webhook_deliveries", key)
        return None if raw is None else _unpack_delivery(key, raw)

    def actor_deliveries(self, webhook_id: str, actor_id: str, limit: int) -> list[Delivery]:
        out: list[Delivery] = []
        for key in self._keys("webhook_by_actor", webhook_id.encode() + _SEP + _key(actor_id) + _SEP, None):
            if len(out) >= limit:
                break
            found = self.delivery(webhook_id, _read_u64(key[-8:]))
            if found is None:
                raise StoreDamaged(f"the store is damaged: a delivery of webhook '{webhook_id}' is missing")
            out.append(found)
        return out

    def pending_heads(self, webhook_id: str, actor_ids: Sequence[str]) -> dict[str, Delivery]:
        out: dict[str, Delivery] = {}
        for actor_id in actor_ids:
            first = self.actor_deliveries(webhook_id, actor_id, 1)
            if first:
                out[actor_id] = first[0]
        return out

    def deliveries_at(self, webhook_id: str, seqs: Sequence[int]) -> list[Delivery]:
        return [d for seq in sorted(set(seqs)) if (d := self.delivery(webhook_id, seq)) is not None]

    def due_deliveries(self, until: int, limit: int) -> list[tuple[str, Delivery]]:
        out: list[tuple[str, Delivery]] = []
        for key in self._keys("webhook_due", b"", None):
            if len(out) >= limit or _read_u64(key[:8]) > until:
                break
            webhook_id = key[8:-9].decode()
            found = self.delivery(webhook_id, _read_u64(key[-8:]))
            if found is None:
                raise StoreDamaged(f"the store is damaged: a due delivery of webhook '{webhook_id}' is missing")
            out.append((webhook_id, found))
        return out

    def next_delivery_due(self) -> int | None:
        first = next(self._keys("webhook_due", b"", None), None)
        return None if first is None else _read_u64(first[:8])

    def delivery_counts(self, webhook_id: str) -> tuple[int, int]:
        pending = dead = 0
        for _, raw in self._items("webhook_deliveries", webhook_id.encode() + _SEP):
            if b'"dead":null' in raw:
                pending += 1
            else:
                dead += 1
        return pending, dead


class LmdbUnitOfWork(LmdbReader):
    """A write transaction of the LMDB store."""

    def __init__(self, txn: lmdb.Transaction, dbs: dict[str, Any]) -> None:
        super().__init__(txn, dbs)
        #: What this transaction knows is stored of the deliveries it read or wrote (their
        #: indexed fields: actor, due, dead), None for none: so rewriting or deleting one
        #: touches only the indexes that change, without reading it again.
        self._stored: dict[tuple[str, int], tuple[str, int | None, bool] | None] = {}

    def _put(self, db: str, key: bytes, value: bytes) -> None:
        self._txn.put(key, value, db=self._dbs[db])

    def create(self, store_id: str, keyring: Keyring) -> None:
        self._put("meta", b"format", FORMAT)
        self._put("meta", b"state_counts", b"1")
        self._put("meta", b"store_id", store_id.encode())
        self._put("meta", b"commits", _u32(0))
        self.set_keyring(keyring)

    def set_keyring(self, keyring: Keyring) -> None:
        record = {
            "generation": keyring.generation,
            "current": keyring.current,
            "data_keys": {dk: {ok: w.hex() for ok, w in wraps.items()} for dk, wraps in keyring.data_keys.items()},
            "checks": {ok: c.hex() for ok, c in keyring.checks.items()},
            "rotating": keyring.rotating,
        }
        self._put("meta", b"keyring", _dumps(record))
        self._put("meta", b"keyring_generation", _u64(keyring.generation))

    def upgrade(
        self,
        keyring: Keyring,
        seal_answer: Callable[[str, bytes], bytes],
        history_of: Callable[[str, bytes], list[tuple[str, dict[str, bool] | None]]],
    ) -> None:
        for key, raw in list(self._items("actors")):
            actor_id = key.decode()
            for index, (kind, guards) in enumerate(history_of(actor_id, raw)):
                event = self.event(actor_id, index)
                if event.type != kind:
                    raise StoreDamaged(
                        f"the store is damaged: event {index} of actor '{actor_id}' is not its history's"
                    )
                self._put("events", _child(actor_id, index), _pack_event(replace(event, guards=guards)))
        answers = [(key, orjson.loads(raw)) for key, raw in self._items("idempotency")]
        for key, record in answers:
            self.remember(key.decode(), record["request"], seal_answer(key.decode(), _dumps(record["result"])))
        for legacy in (b"key_ids", b"key_check", b"wrapped_keys"):
            self._txn.delete(legacy, db=self._dbs["meta"])
        self.set_keyring(keyring)
        self._put("meta", b"format", FORMAT)

    def _upgrade_timers(self) -> int | None:
        """Rewrite the timer records of a store of format 3 (JSON) in the current format and
        make it a store of format 4, a page of records at a time; their keys and index entries
        stay as they were. Returns how many, or None when another process did it first."""
        if self._get("meta", b"format") != b"3":
            return None
        count, start = 0, b""
        while page := list(itertools.islice(self._items("timers", start=start), _UPGRADE_PAGE)):
            for key, raw in page:
                timer_id = key[key.index(_SEP) + 1 :].decode()
                self._put("timers", key, _pack_timer(timer_id, _unpack_timer_v3(raw)))
            count += len(page)
            start = page[-1][0] + _SEP  # (the key right after the last one)
        self._put("meta", b"format", FORMAT)
        return count

    def put_session(self, session_id: str, session: Session) -> None:
        self._put("sessions", session_id.encode(), _dumps(session.__dict__))

    def delete_session(self, session_id: str) -> None:
        self._txn.delete(session_id.encode(), db=self._dbs["sessions"])

    def add_version(
        self, seq: int, record: dict[str, Any], scan: ScanState | None, *, definition: str | None = None
    ) -> None:
        # The definition is kept apart, as text: a process opening the store hands it to the
        # core as it is, without reading it. Its key order is kept: a definition's document
        # order is what its states are entered and regions stepped in (versions written before
        # format 3 had their keys sorted). Definitions can nest deeper than orjson writes; the
        # standard library has no limit.
        fields = {k: v for k, v in record.items() if k != "definition"}
        text = json.dumps(record["definition"], separators=(",", ":")) if definition is None else definition
        self._put("definitions", _u32(seq), text.encode())
        self._put("versions", _u32(seq), _dumps(fields))
        self._put("version_ids", record["id"].encode(), _u32(seq))
        self._put("meta", b"commits", _u32(seq + 1))
        if scan is not None:
            self.put_scan(seq, scan)

    def put_scan(self, deployment: int, state: ScanState) -> None:
        self._put("scans", _u32(deployment), _scan_bytes(state))

    def claim_scan(self, deployment: int, expected: ScanState) -> bool:
        return self.scan(deployment) == expected  # (the one writer holds everything)

    def apply(self, writes: WriteSet) -> None:
        # A scan applies thousands of actors at once: the loops below are its Python cost, so
        # they pack each number once and put with one putmulti per database.
        counts: dict[bytes, int] = {}
        packed: dict[int, bytes] = {}

        def u32(n: int) -> bytes:
            b = packed.get(n)
            if b is None:
                b = packed[n] = _U32.pack(n)
            return b

        if writes.moves:
            delete, by_version = self._txn.delete, self._dbs["by_version"]
            index: list[tuple[bytes, bytes]] = []
            for actor_id, old, new in writes.moves:
                key = actor_id.encode()
                if old is not None:
                    prefix = u32(old)
                    delete(prefix + key, db=by_version)
                    counts[prefix] = counts.get(prefix, 0) - 1
                prefix = u32(new)
                index.append((prefix + key, b""))
                counts[prefix] = counts.get(prefix, 0) + 1
            self._put_many("by_version", index)
        if writes.decisions:
            records: list[tuple[bytes, bytes]] = []
            by_deployment: list[tuple[bytes, bytes]] = []
            for actor_id, ordinal, deployment, kind, record in writes.decisions:
                child = actor_id.encode() + _SEP + u32(ordinal)
                records.append((child, record))
                by_deployment.append((u32(deployment) + child, b""))
                count_key = u32(deployment) + kind.encode()
                counts[count_key] = counts.get(count_key, 0) + 1
            self._put_many("decisions", records)
            self._put_many("by_deployment", by_deployment)
        if writes.timers:
            self._set_timers(writes.timers)
        self._put_many("actors", [(a.encode(), data) for a, data in writes.actors])
        self._put_many("contexts", [(a.encode(), sealed) for a, sealed in writes.contexts])
        self._put_many("events", [(_child(a, index), _pack_event(record)) for a, index, record in writes.events])
        for key, delta in counts.items():
            if delta:
                self._put("counts", key, _u64(self._count(key) + delta))
        for (version, state), delta in writes.state_counts.items():
            if delta:
                key = u32(version) + state.encode()
                raw = self._get("state_counts", key)
                self._put("state_counts", key, _u64((0 if raw is None else _read_u64(raw)) + delta))
        if writes.changes:
            # One writer at a time: numbered in commit order, without a gap (an aborted
            # transaction takes its numbers with it).
            first = self.last_change() + 1
            self._put_many("changes", [(_u64(n), _pack_change(c)) for n, c in enumerate(writes.changes, first)])
            self._put("meta", b"changes_last", _u64(first + len(writes.changes) - 1))

    def _set_timers(self, timers: Sequence[tuple[str, str, Timer | None]]) -> None:
        # Every send that enters or leaves a state with a delayed transition comes here: each
        # record is taken out (pop) or written (replace) with the one lookup that returns the
        # record it replaces, whose due time names the index entry to remove.
        # (Through a cursor on each database: half the cost of the transaction's own calls,
        # which open one each time.)
        records = cast("lmdb.Cursor[bytes]", self._txn.cursor(db=self._dbs["timers"]))
        index = self._txn.cursor(db=self._dbs["timers_due"])
        for actor_id, timer_id, timer in timers:
            child = actor_id.encode() + _SEP + timer_id.encode()
            if timer is None:
                old = records.pop(child)
                new_due = None
            else:
                packed = _pack_timer(timer_id, timer)
                old = records.replace(child, packed)
                new_due = None if timer.undelivered is not None else packed[_DUE]
            old_due = None if old is None or old[0] & _TIMER_UNDELIVERED else old[_DUE]
            if old_due != new_due:
                if old_due is not None and index.set_key(old_due + child):
                    index.delete()
                if new_due is not None:
                    index.put(new_due + child, b"")

    def _put_many(self, db: str, items: list[tuple[bytes, bytes]]) -> None:
        if items:
            self._txn.cursor(db=self._dbs[db]).putmulti(items)

    def prefetch(self, actor_ids: Sequence[str]) -> None:
        """Nothing to do: one writer at a time, and a read is a lookup in memory."""

    def remember(self, key: str, request: str, sealed_answer: bytes) -> None:
        if len(request) != 64:
            raise ValueError("an idempotency record keeps a SHA-256 digest in hex")
        self._put("idempotency", key.encode(), request.encode() + sealed_answer)

    def put_api_key(self, key_id: str, record: dict[str, Any]) -> None:
        self._put("api_keys", key_id.encode(), _dumps(record))

    def delete_api_key(self, key_id: str) -> bool:
        return bool(self._txn.delete(key_id.encode(), db=self._dbs["api_keys"]))

    def reseal_context(self, actor_id: str, sealed: bytes) -> None:
        self._put("contexts", _key(actor_id), sealed)

    def reseal_event(self, actor_id: str, index: int, record: EventRecord) -> None:
        self._put("events", _child(actor_id, index), _pack_event(record))

    def reseal_answer(self, key: str, request: str, sealed_answer: bytes) -> None:
        self.remember(key, request, sealed_answer)

    def reseal_change(self, seq: int, sealed: bytes) -> None:
        raw = self._get("changes", _u64(seq))
        if raw is not None:
            self._put("changes", _u64(seq), _pack_change(replace(_unpack_change(raw), sealed=sealed)))

    def prune_changes(self, before_ns: int, upto: int, limit: int) -> int:
        doomed: list[bytes] = []
        for key, raw in self._items("changes"):
            if len(doomed) >= limit or _read_u64(key) > upto or _unpack_change(raw).at_ns >= before_ns:
                break
            doomed.append(key)
        for key in doomed:
            self._txn.delete(key, db=self._dbs["changes"])
        return len(doomed)

    def set_state_counts(self, counts: dict[tuple[int, str], int] | None) -> None:
        self._txn.drop(self._dbs["state_counts"], delete=False)
        if counts is None:
            self._txn.delete(b"state_counts", db=self._dbs["meta"])
            return
        self._put_many("state_counts", sorted((_u32(v) + s.encode(), _u64(n)) for (v, s), n in counts.items() if n))
        self._put("meta", b"state_counts", b"1")

    def import_changes(self, changes: Sequence[tuple[int, ChangeRecord]], last: int) -> None:
        self._put_many("changes", [(_u64(n), _pack_change(c)) for n, c in changes])
        self._put("meta", b"changes_last", _u64(max(last, self.last_change())))

    # ----- webhooks ----------------------------------------------------------------------------

    def put_webhook(self, webhook_id: str, record: dict[str, Any]) -> None:
        self._put("webhooks", webhook_id.encode(), _dumps(record))

    def delete_webhook(self, webhook_id: str) -> bool:
        if not self._txn.delete(webhook_id.encode(), db=self._dbs["webhooks"]):
            return False
        prefix = webhook_id.encode() + _SEP
        for key, raw in list(self._items("webhook_deliveries", prefix)):
            d = _unpack_delivery(key, raw)
            self._unindex_delivery(webhook_id, d.seq, (d.actor_id, d.due, d.dead is not None))
            self._txn.delete(key, db=self._dbs["webhook_deliveries"])
            self._stored[(webhook_id, d.seq)] = None
        return True

    def _unindex_delivery(self, webhook_id: str, seq: int, stored: tuple[str, int | None, bool]) -> None:
        actor_id, due, dead = stored
        endpoint = webhook_id.encode() + _SEP
        if not dead:
            self._txn.delete(endpoint + _key(actor_id) + _SEP + _u64(seq), db=self._dbs["webhook_by_actor"])
        if due is not None:
            self._txn.delete(_u64(due) + endpoint + _u64(seq), db=self._dbs["webhook_due"])

    def delivery(self, webhook_id: str, seq: int) -> Delivery | None:
        found = super().delivery(webhook_id, seq)
        self._stored[(webhook_id, seq)] = None if found is None else (found.actor_id, found.due, found.dead is not None)
        return found

    def _stored_delivery(self, webhook_id: str, seq: int) -> tuple[str, int | None, bool] | None:
        key = (webhook_id, seq)
        if key not in self._stored:
            self.delivery(webhook_id, seq)
        return self._stored[key]

    def put_delivery(self, webhook_id: str, delivery: Delivery) -> None:
        old = self._stored_delivery(webhook_id, delivery.seq)
        _, old_due, old_dead = ("", None, True) if old is None else old
        seq = _u64(delivery.seq)
        endpoint = webhook_id.encode() + _SEP
        dead = delivery.dead is not None
        self._put("webhook_deliveries", endpoint + seq, _pack_delivery(delivery))
        if old_dead != dead:  # (an actor's pending deliveries are indexed, its dead letters not)
            by_actor = endpoint + _key(delivery.actor_id) + _SEP + seq
            if dead:
                self._txn.delete(by_actor, db=self._dbs["webhook_by_actor"])
            else:
                self._put("webhook_by_actor", by_actor, b"")
        if old_due != delivery.due:
            if old_due is not None:
                self._txn.delete(_u64(old_due) + endpoint + seq, db=self._dbs["webhook_due"])
            if delivery.due is not None:
                self._put("webhook_due", _u64(delivery.due) + endpoint + seq, b"")
        self._stored[(webhook_id, delivery.seq)] = (delivery.actor_id, delivery.due, dead)

    def put_deliveries(self, webhook_id: str, deliveries: Sequence[Delivery]) -> None:
        for delivery in deliveries:
            self.put_delivery(webhook_id, delivery)

    def delete_deliveries(self, webhook_id: str, seqs: Sequence[int]) -> None:
        for seq in seqs:
            self.delete_delivery(webhook_id, seq)

    def delete_delivery(self, webhook_id: str, seq: int) -> None:
        old = self._stored_delivery(webhook_id, seq)
        if old is not None:
            self._unindex_delivery(webhook_id, seq, old)
            self._txn.delete(_delivery_key(webhook_id, seq), db=self._dbs["webhook_deliveries"])
            self._stored[(webhook_id, seq)] = None


class _Gate:
    """The transactions this process has open. LMDB resizes its map only while a process has
    none, so a resize waits for them to end and holds new ones back meanwhile."""

    def __init__(self) -> None:
        self._cond = threading.Condition()
        self._active = 0
        self._resizing = False

    @contextmanager
    def open(self) -> Iterator[None]:
        with self._cond:
            while self._resizing:
                self._cond.wait()
            self._active += 1
        try:
            yield
        finally:
            with self._cond:
                self._active -= 1
                self._cond.notify_all()

    @contextmanager
    def alone(self) -> Iterator[None]:
        with self._cond:
            while self._resizing:
                self._cond.wait()
            self._resizing = True
        try:
            # Inside the try: whatever ends the wait (an exception raised in this thread), new
            # transactions are not held back for good.
            with self._cond:
                while self._active:
                    self._cond.wait()
            yield
        finally:
            with self._cond:
                self._resizing = False
                self._cond.notify_all()


class LmdbStore:
    """A store directory: one LMDB environment, synced on every commit.

    The map (the address space LMDB reserves for the file) starts small and doubles whenever
    the data fills three quarters of it, up to ``max_size`` if one is set; a store is never a
    terabyte of address space that ``ulimit -v`` refuses. A full disk or the size limit is a
    :class:`StoreFull` while reads go on. Reader slots left by processes that died are cleared
    at open and by :meth:`maintain`, or the pages they pin would never be reused."""

    concurrent_writes = False

    def __init__(self, path: Path, *, max_size: int | None = None) -> None:
        path.mkdir(parents=True, exist_ok=True)
        _check_whole(path)
        self.location = str(path)
        self._path = path
        self._max_size = max_size
        self._gate = _Gate()
        existing = _file_size(path / DATA_FILE)
        map_size = max(INITIAL_MAP_SIZE, 1 << (2 * existing).bit_length())
        if max_size is not None:
            map_size = max(min(map_size, max_size), existing)
        try:
            self._env = lmdb.open(
                str(path),
                map_size=map_size,
                max_dbs=len(DATABASES),
                sync=True,
                metasync=True,
                max_readers=512,
                readahead=False,
            )
        except lmdb.Error as e:
            raise StoreError(f"cannot open the store: {e}") from e
        try:
            self._env.reader_check()
            self._dbs = {name: self._env.open_db(name.encode()) for name in DATABASES}
            with self._env.begin() as txn:
                stored = txn.get(b"format", db=self._dbs["meta"])
        except BaseException:
            self._env.close()
            raise
        if stored is not None and bytes(stored) not in READABLE_FORMATS:
            self._env.close()
            raise Error(
                f"{path} holds a store of format {bytes(stored)!r}; this statekeep reads formats "
                f"{', '.join(repr(f) for f in READABLE_FORMATS)} only: open it with the statekeep that wrote it"
            )
        if stored is not None and bytes(stored) == b"3":
            try:
                with self.write() as txn:
                    upgraded = txn._upgrade_timers()
            except BaseException:
                self._env.close()
                raise
            if upgraded is not None:
                log.warning("statekeep: upgraded the store's %d timer records to format 4", upgraded)

    # LMDB's failures (a full disk, a permission, a lock) leave as StoreError: the caller's
    # fault is never one of them.

    def _failure(self, e: lmdb.Error, doing: str) -> StoreError:
        if isinstance(e, lmdb.MapFullError):
            self._grow()
            limit = f" of {self._max_size} bytes" if self._max_size is not None else ""
            return StoreFull(
                f"the store reached its size limit{limit}: nothing was written; "
                + ("raise the limit (max_size, or --max-size)" if self._max_size is not None else "retry the request")
            )
        text = str(e)
        if any(s in text for s in _DISK_FULL) or shutil.disk_usage(self._path).free < _LOW_DISK:
            return StoreFull(f"the store's disk is full ({text}): nothing was written; free space on it, then retry")
        return StoreError(f"the store failed while {doing}: {text}")

    @contextmanager
    def _begin(self, write: bool) -> Iterator[lmdb.Transaction]:
        while True:
            with self._gate.open():
                try:
                    txn = self._env.begin(write=write)
                except lmdb.MapResizedError:
                    txn = None
                if txn is not None:
                    with txn:
                        yield txn
                    return
            # Another process grew the map: adopt its size, with no transaction open here.
            with self._gate.alone():
                self._env.set_mapsize(0)

    @contextmanager
    def read(self) -> Iterator[LmdbReader]:
        try:
            with self._begin(write=False) as txn:
                yield LmdbReader(txn, self._dbs)
        except lmdb.Error as e:
            raise self._failure(e, "reading") from e

    @contextmanager
    def write(self, *, exclusive: bool = False) -> Iterator[LmdbUnitOfWork]:
        # LMDB has one writer at a time: every write transaction is exclusive.
        self._make_room()
        try:
            with self._begin(write=True) as txn:
                yield LmdbUnitOfWork(txn, self._dbs)
        except lmdb.Error as e:
            raise self._failure(e, "writing") from e

    @contextmanager
    def nested(self, parent: UnitOfWork) -> Iterator[LmdbUnitOfWork]:
        assert isinstance(parent, LmdbUnitOfWork), "a nested transaction belongs to a transaction of the same store"
        try:
            with self._env.begin(write=True, parent=parent._txn) as txn:
                child = LmdbUnitOfWork(txn, self._dbs)
                child._stored = dict(parent._stored)
                yield child
            parent._stored = child._stored  # (what it wrote is the parent's now; undone, nothing)
        except lmdb.Error as e:
            raise self._failure(e, "writing") from e

    def _make_room(self) -> None:
        """Double the map before a write when the data fills three quarters of it."""
        info = self._env.info()
        if (info["last_pgno"] + 1) * self._env.stat()["psize"] > info["map_size"] * 3 // 4:
            self._grow()

    def _grow(self) -> None:
        current = self._env.info()["map_size"]
        wanted = current * 2 if self._max_size is None else min(current * 2, self._max_size)
        if wanted > current:
            with self._gate.alone():
                if self._env.info()["map_size"] < wanted:
                    self._env.set_mapsize(wanted)

    def maintain(self) -> None:
        """Clear the reader slots of processes that died (a process that holds the store open
        calls this now and then)."""
        self._env.reader_check()

    def follow(self, changed: Callable[[], None]) -> None:
        """Nothing tells of another process's commits here: the keep looks every second."""

    def backup(self, dest: Path) -> None:
        """A consistent, compacted copy of the environment as of one moment, written under a
        temporary name and renamed into place with a manifest (its size and checksum) once it
        is whole: an interrupted backup is never mistaken for one."""
        if dest.exists():
            raise StoreError(f"{dest} exists already: back up to a new directory")
        partial = dest.with_name(f".{dest.name}.partial-{uuid.uuid4().hex[:8]}")
        partial.mkdir(parents=True)
        try:
            try:
                self._env.copy(str(partial), compact=True)
            except lmdb.Error as e:
                raise self._failure(e, f"backing up to {dest}") from e
            with self.read() as txn:
                store_id = txn.store_id()
            _fsync(partial / DATA_FILE)
            manifest = {"store_id": store_id, "format": FORMAT.decode(), **_digest(partial / DATA_FILE)}
            (partial / MANIFEST).write_bytes(orjson.dumps(manifest, option=orjson.OPT_INDENT_2))
            _fsync(partial / MANIFEST)
            partial.rename(dest)
            _fsync(dest.parent)
        except BaseException:
            shutil.rmtree(partial, ignore_errors=True)
            raise

    def close(self) -> None:
        self._env.close()


# LMDB's meta pages (pages 0 and 1; the one with the higher transaction id is current): the
# page size is kept in the free database's ``md_pad``, then the last page used and the txn id.
_META = struct.Struct("<I I Q Q I")  # magic, version, address, map size, free db's md_pad (page size)
_META_TAIL = struct.Struct("<Q Q")  # last page, transaction id
_PAGE_HEADER = 16
_MAGIC = 0xBEEFC0DE


def _check_whole(path: Path) -> None:
    """Refuse a data file shorter than the pages its header counts: a copy or backup that was
    cut off. (LMDB maps the file and reads it at open; a missing page is SIGBUS, not an error.)"""
    data = path / DATA_FILE
    try:
        with data.open("rb") as f:
            head = f.read(_PAGE_HEADER + 136)
            if len(head) < _PAGE_HEADER + 136 or _META.unpack_from(head, _PAGE_HEADER)[0] != _MAGIC:
                return  # not an LMDB file at all: LMDB refuses it by itself, without crashing
            psize = _META.unpack_from(head, _PAGE_HEADER)[4]
            f.seek(psize)
            second = f.read(_PAGE_HEADER + 136)
            metas = [
                _META_TAIL.unpack_from(page, _PAGE_HEADER + 120) for page in (head, second) if len(page) == len(head)
            ]
            last_page, _ = max(metas, key=lambda m: m[1])
            needed, found = max(2, last_page + 1) * psize, data.stat().st_size
    except FileNotFoundError:
        return
    if found < needed:
        raise StoreDamaged(
            f"{path} holds an incomplete store: {DATA_FILE} has {found} bytes of the {needed} its header "
            "counts (a copy or backup that was interrupted); restore a complete backup"
        )


def _file_size(path: Path) -> int:
    try:
        return path.stat().st_size
    except FileNotFoundError:
        return 0


def _digest(data: Path) -> dict[str, Any]:
    sha = hashlib.sha256()
    with data.open("rb") as f:
        while chunk := f.read(1 << 20):
            sha.update(chunk)
    return {"size": data.stat().st_size, "sha256": sha.hexdigest()}


def _fsync(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def exists(path: Path) -> bool:
    """Whether ``path`` holds a store (without creating one)."""
    return (path / DATA_FILE).exists()


def size(path: Path) -> int:
    """The bytes the store in ``path`` holds on disk; 0 when there is none (yet). A backup
    being written to ``path`` (under a temporary name until it is whole) counts too."""
    candidates = [path / DATA_FILE, *path.parent.glob(f".{path.name}.partial-*/{DATA_FILE}")]
    for data in candidates:
        try:
            return data.stat().st_size
        except OSError:
            continue
    return 0


def restore(backup: Path, dest: Path) -> None:
    """Make ``dest`` (new, or an empty directory) a copy of the store that ``backup`` holds,
    after checking the backup against its manifest (a backup without one, from an older
    statekeep, must at least be whole)."""
    _check_whole(backup)
    if read_store_id(backup) is None:
        raise StoreError(f"{backup} is not a statekeep backup (no store in its {DATA_FILE})")
    manifest_file = backup / MANIFEST
    if manifest_file.exists():
        manifest = orjson.loads(manifest_file.read_bytes())
        found = _digest(backup / DATA_FILE)
        if (found["size"], found["sha256"]) != (manifest["size"], manifest["sha256"]):
            raise StoreDamaged(
                f"{backup} does not match its manifest ({found['size']} bytes, expected {manifest['size']}; "
                "checksum differs): the backup was altered or damaged; restore another one"
            )
    if dest.exists() and any(dest.iterdir()):
        raise StoreError(f"{dest} is not empty: restore into a new or empty directory")
    made = not dest.exists()
    dest.mkdir(parents=True, exist_ok=True)
    try:
        shutil.copyfile(backup / DATA_FILE, dest / DATA_FILE)
        LmdbStore(dest).close()  # refuses a copy that is not whole
    except BaseException:
        remove(dest)
        if made:
            dest.rmdir()
        raise


def remove(path: Path) -> None:
    """Delete the store in ``path``: its files, not the directory."""
    for name in (DATA_FILE, LOCK_FILE, MANIFEST):
        (path / name).unlink(missing_ok=True)


def read_store_id(path: Path) -> str | None:
    """The id of the store in ``path``, read without opening it as a keep (which would make a
    new store of any directory); None when ``path`` holds no statekeep store."""
    _check_whole(path)
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
