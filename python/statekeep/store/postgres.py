"""The PostgreSQL back end: a store that any number of processes on any number of machines open
at once (``statekeep.open("postgresql://user@host/db")``). No decisions are made here.

Layout (schema version 1). Every table is in the schema ``statekeep`` of the database the URL
names; ids are ``text COLLATE "C"`` so that they sort by their UTF-8 bytes, as in the LMDB store;
what the keep seals (contexts, payloads, answers) is ``bytea`` and opaque here; records the store
serialises are ``json`` (not ``jsonb``: ``json`` keeps the text, so a version's definition keeps
its key order, which is part of what it means, and every record reads back as it was written).

``schema_version``   one row per migration applied (version, when).
``meta``             one row: store id, ``commits`` (versions committed), ``keyring_generation``,
                     ``keyring`` (json: generation, current data key, each data key sealed under
                     each operator key (hex), each operator key's check value (hex), the rotation
                     under way). Every write transaction locks this table (below).
``versions``         ``seq`` (commit order) -> version ``id`` (unique), its record (json: parent,
                     path, match, landing, state map, guard default, digest, commit time) and
                     its definition (text, as deployed: a process that opens the store hands it
                     to the core without reading it).
``actors``           actor ``id`` -> ``version`` (the seq it is materialised on; indexed with the
                     id, so a deployment's scan reads only the actors on its parent) and ``data``
                     (the core's bytes). ``data`` is NULL only inside a transaction that holds an
                     id it is about to spawn (below); no such row is ever committed.
``contexts``         actor id -> the sealed context.
``events``           (actor id, index) -> type, time (ns), sealed payload, guard outcomes (json).
``decisions``        (actor id, ordinal) -> deployment seq, kind, record (json); indexed by
                     (deployment, actor id, ordinal) for a deployment's records.
``actor_counts``     (version seq, shard) -> actors materialised on it;
``decision_counts``  (deployment seq, kind, shard) -> records of that kind. A count is the sum
                     over 16 shards: each transaction adds its deltas to one shard, chosen at
                     random, at its commit, so concurrent spawns do not queue on one row.
``scans``            deployment seq -> total, scanned, cursor (the last actor id), done.
``idempotency``      key -> the request's digest and the first answer, sealed.
``api_keys``         key id -> json: scope, name, creation time, SHA-256 of the secret.
``sessions``         session id -> pid, host, start, last seen, keyring generation loaded.
``timers``           (actor id, timer id) -> due (ms), occurrence, kind, event, sealed payload,
                     why it was not delivered; indexed by due time (schema version 2).
``state_counts``     (version seq, state path, shard) -> actors of the version in that state (its
                     nodes: ``a``, ``a.b``...), sharded as ``actor_counts``; ``meta.state_counts``
                     once they are kept (schema version 4; a store from before is counted once).
``changes``          number -> actor id, version seq, kind, time (ns), sealed body: the outbox;
                     ``change_head`` holds the last number given (schema version 3). A
                     transaction numbers its entries at its commit, in the round trip of its
                     COMMIT: ``UPDATE change_head`` locks the row until the commit is visible,
                     so numbers follow commit order with no gap (a rolled back transaction
                     gives its numbers back), and the row is held for one round trip, after
                     every other lock the transaction takes (no deadlock through it).
``webhooks``         endpoint id -> json: URL, filters, sealed secrets, cursor, state.
``webhook_deliveries`` (endpoint id, change seq) -> actor id, kind, due (ms; NULL while it waits
                     for the actor's earlier change, and for a dead letter), when it was
                     dead-lettered, the attempts (json); indexed by (endpoint, actor, seq) for
                     the pending ones and by due time for the due ones.

Transactions. A write is one transaction at READ COMMITTED, committed with
``synchronous_commit`` on (durable, and on the synchronous standby where one is configured);
:meth:`PostgresStore.nested` is a SAVEPOINT. A read is a REPEATABLE READ READ ONLY transaction:
one snapshot, never waiting for a writer.

Round trips. What a unit of work applies waits in memory until it sends its next statement, or
commits, and goes then, merged, in the same round trip: one statement per table for the whole
of it. A savepoint's SAVEPOINT is sent only once it sends something itself, so a nested call
that only reads actors already locked and applies writes, and then fails, is undone without a
statement. A group commit of sends (``Keep.run_group``) is so three round trips whatever its
size: its begin, the read that locks its actors (:meth:`PgUnitOfWork.prefetch`), and its writes
with its commit. Arrays go in binary (``%b``): in text, psycopg escapes every element of a bytea
or JSON array with a regular expression, which cost the scan more than its statements did.

Serial order across processes, without a single writer:

- *Per actor*, by row locks: a write transaction reads an actor with ``SELECT ... FOR UPDATE``, so
  two transactions that touch one actor (two sends from two nodes, a send and the scan) run one
  after the other, and the second reads what the first committed. (The alternative, a
  conditional ``UPDATE ... WHERE seq = $read`` retried on zero rows, would have to re-run the
  keep's whole call, which the store cannot do from inside it; a lock makes the second wait
  instead of fail, and costs no more round trips: the read that locks is the read the keep
  makes anyway.) An id that does not exist yet is held by inserting a row without data, which
  makes a concurrent spawn of the same id wait and then see the actor; the row is deleted at
  commit if nothing was written to it.
- *Versions and keys against everything else*, by a table lock on ``meta``: every write
  transaction begins with ``LOCK TABLE meta IN ROW EXCLUSIVE MODE`` (the lock any writer takes;
  writers never wait for each other on it) and reads the commit count and keyring generation in
  the same round trip; a deploy, a key rotation step and the store's creation run in an
  *exclusive* transaction (``write(exclusive=True)``) that takes ``SHARE ROW EXCLUSIVE`` instead.
  So a version or a keyring change commits only when no write that read the older one is still
  open, and every write that begins later sees it: no actor is ever written by a process whose
  registry lacks a version the actor has seen, a deploy's preview (``expect``) and scan total
  hold at its commit, and no value is sealed under a data key a rotation has moved past. Readers
  are never blocked (a plain SELECT takes ACCESS SHARE). PostgreSQL's lock queue is fair: a
  waiting deploy holds back writers that come after it, so a stream of writes cannot starve it,
  which a row lock (``FOR SHARE`` on the meta row, where writers keep joining the lock) can.
  CockroachDB has no ``LOCK TABLE``; a port there would take that row lock instead.
- Nothing else locks: no advisory locks, no SERIALIZABLE retries. Deadlocks are possible only
  between transactions that lock several actors in different orders (a group commit on two
  nodes); PostgreSQL breaks them by aborting one, which fails as a :class:`StoreError`.
"""

from __future__ import annotations

import json
import logging
import os
import random
import select
import threading
import time
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any, cast

import orjson

from statekeep.errors import Error, StoreConflict, StoreDamaged, StoreError, StoreFull
from statekeep.extras import missing
from statekeep.store import shown as redact
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

try:
    import psycopg
    import psycopg.types.json
    from psycopg import errors as pgerrors
    from psycopg.pq import TransactionStatus
except ModuleNotFoundError as e:
    raise missing("a PostgreSQL store", "postgres", e) from None

log = logging.getLogger("statekeep.store")

SCHEMA = "statekeep"
#: Connections per store (per process): the keep's request threads, the scan and the heartbeat.
POOL_SIZE = 8
#: How long a transaction waits for a free connection of the pool (seconds).
POOL_WAIT = 30.0
#: Rows per page when a read walks a table.
PAGE = 1_000
#: Shards of each count (see ``actor_counts``).
SHARDS = 16

#: The migrations, in order: applying the first ``n`` gives schema version ``n``.
MIGRATIONS: tuple[str, ...] = (
    """
    CREATE TABLE statekeep.meta (
        one boolean PRIMARY KEY DEFAULT true CHECK (one),
        store_id text NOT NULL,
        commits integer NOT NULL,
        keyring_generation bigint NOT NULL,
        keyring json NOT NULL
    );
    CREATE TABLE statekeep.versions (
        seq integer PRIMARY KEY,
        id text COLLATE "C" NOT NULL UNIQUE,
        record json NOT NULL,
        definition text NOT NULL
    );
    CREATE TABLE statekeep.actors (
        id text COLLATE "C" PRIMARY KEY,
        version integer,
        data bytea
    );
    CREATE INDEX actors_by_version ON statekeep.actors (version, id) WHERE version IS NOT NULL;
    CREATE TABLE statekeep.contexts (
        actor_id text COLLATE "C" PRIMARY KEY,
        sealed bytea NOT NULL
    );
    CREATE TABLE statekeep.events (
        actor_id text COLLATE "C" NOT NULL,
        idx integer NOT NULL,
        type text NOT NULL,
        at_ns bigint NOT NULL,
        payload bytea NOT NULL,
        guards json,
        PRIMARY KEY (actor_id, idx)
    );
    CREATE TABLE statekeep.decisions (
        actor_id text COLLATE "C" NOT NULL,
        ordinal integer NOT NULL,
        deployment integer NOT NULL,
        kind text NOT NULL,
        record json NOT NULL,
        PRIMARY KEY (actor_id, ordinal)
    );
    CREATE INDEX decisions_by_deployment ON statekeep.decisions (deployment, actor_id, ordinal);
    CREATE TABLE statekeep.actor_counts (
        version integer NOT NULL,
        shard smallint NOT NULL,
        n bigint NOT NULL,
        PRIMARY KEY (version, shard)
    );
    CREATE TABLE statekeep.decision_counts (
        deployment integer NOT NULL,
        kind text NOT NULL,
        shard smallint NOT NULL,
        n bigint NOT NULL,
        PRIMARY KEY (deployment, kind, shard)
    );
    CREATE TABLE statekeep.scans (
        deployment integer PRIMARY KEY,
        total bigint NOT NULL,
        scanned bigint NOT NULL,
        cursor text COLLATE "C",
        done boolean NOT NULL
    );
    CREATE TABLE statekeep.idempotency (
        key text COLLATE "C" PRIMARY KEY,
        request text,
        answer bytea
    );
    CREATE TABLE statekeep.api_keys (
        id text COLLATE "C" PRIMARY KEY,
        record json NOT NULL
    );
    CREATE TABLE statekeep.sessions (
        id text COLLATE "C" PRIMARY KEY,
        pid integer NOT NULL,
        host text NOT NULL,
        started_at double precision NOT NULL,
        seen_at double precision NOT NULL,
        generation bigint NOT NULL
    );
    """,
    """
    CREATE TABLE statekeep.timers (
        actor_id text COLLATE "C" NOT NULL,
        timer_id text COLLATE "C" NOT NULL,
        due bigint NOT NULL,
        occurrence text NOT NULL,
        kind text NOT NULL,
        event text NOT NULL,
        payload bytea NOT NULL,
        undelivered json,
        PRIMARY KEY (actor_id, timer_id)
    );
    CREATE INDEX timers_by_due ON statekeep.timers (due, actor_id, timer_id) WHERE undelivered IS NULL;
    """,
    """
    CREATE TABLE statekeep.changes (
        seq bigint PRIMARY KEY,
        actor_id text COLLATE "C" NOT NULL,
        version integer NOT NULL,
        kind text NOT NULL,
        at_ns bigint NOT NULL,
        sealed bytea NOT NULL
    );
    CREATE TABLE statekeep.change_head (
        one boolean PRIMARY KEY DEFAULT true CHECK (one),
        last bigint NOT NULL
    );
    INSERT INTO statekeep.change_head (last) VALUES (0);
    """,
    """
    CREATE TABLE statekeep.state_counts (
        version integer NOT NULL,
        state text COLLATE "C" NOT NULL,
        shard smallint NOT NULL,
        n bigint NOT NULL,
        PRIMARY KEY (version, state, shard)
    );
    ALTER TABLE statekeep.meta ADD COLUMN state_counts boolean NOT NULL DEFAULT false;
    """,
    """
    CREATE TABLE statekeep.webhooks (
        id text COLLATE "C" PRIMARY KEY,
        record json NOT NULL
    );
    CREATE TABLE statekeep.webhook_deliveries (
        webhook_id text COLLATE "C" NOT NULL,
        seq bigint NOT NULL,
        actor_id text COLLATE "C" NOT NULL,
        kind text NOT NULL,
        due bigint,
        dead double precision,
        attempts json NOT NULL,
        PRIMARY KEY (webhook_id, seq)
    );
    CREATE INDEX webhook_deliveries_by_actor ON statekeep.webhook_deliveries (webhook_id, actor_id, seq)
        WHERE dead IS NULL;
    CREATE INDEX webhook_deliveries_by_due ON statekeep.webhook_deliveries (due) WHERE due IS NOT NULL;
    """,
)
#: The schema version this statekeep writes.
SCHEMA_VERSION = len(MIGRATIONS)

_HEAD = "SELECT store_id, commits, keyring_generation FROM statekeep.meta"
_TIMER_COLUMNS = "due, occurrence, kind, event, payload, undelivered"


_DELIVERY_COLUMNS = "seq, actor_id, kind, due, attempts, dead"


def _json_value(value: Any) -> Any:
    """A ``json`` column as Python: psycopg parses it, unless it came as text."""
    return json.loads(value) if isinstance(value, (str, bytes)) else value


def _delivery(row: Sequence[Any]) -> Delivery:
    seq, actor_id, kind, due, attempts, dead = row
    return Delivery(
        seq=int(seq),
        actor_id=actor_id,
        kind=kind,
        due=None if due is None else int(due),
        attempts=_json_value(attempts),
        dead=None if dead is None else float(dead),
    )


def _timer(row: Sequence[Any]) -> Timer:
    due, occurrence, kind, event, payload, undelivered = row
    undelivered = (
        None if undelivered is None else (undelivered if isinstance(undelivered, dict) else json.loads(undelivered))
    )
    return Timer(
        due=int(due),
        occurrence=occurrence,
        kind=kind,
        event=event,
        sealed_payload=bytes(payload),
        undelivered=undelivered,
    )


_BEGIN_READ = f"BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY; {_HEAD}"
_BEGIN_WRITE = f"BEGIN ISOLATION LEVEL READ COMMITTED; LOCK TABLE statekeep.meta IN ROW EXCLUSIVE MODE; {_HEAD}"
_BEGIN_EXCLUSIVE = (
    f"BEGIN ISOLATION LEVEL READ COMMITTED; LOCK TABLE statekeep.meta IN SHARE ROW EXCLUSIVE MODE; {_HEAD}"
)
_EXCLUSIVE = "LOCK TABLE statekeep.meta IN SHARE ROW EXCLUSIVE MODE"

Row = tuple[Any, ...]
Head = tuple[str, int, int] | None


# ----- errors ------------------------------------------------------------------------------------


def _failure(e: BaseException, doing: str) -> StoreError:
    """The store error for a failure of PostgreSQL or of the connection to it: the caller's fault
    is never one of them."""
    if isinstance(e, pgerrors.DiskFull | pgerrors.ProgramLimitExceeded):
        return StoreFull(f"the database cannot take the write ({e}): nothing was written; free space on it, then retry")
    if isinstance(e, pgerrors.DataCorrupted | pgerrors.IndexCorrupted):
        return StoreDamaged(f"the database reports damage while {doing}: {e}; restore it from a backup")
    if isinstance(e, pgerrors.DeadlockDetected | pgerrors.SerializationFailure):
        return StoreConflict(
            f"the transaction conflicted with a concurrent one while {doing} ({e.__class__.__name__}): nothing "
            "was written; retry"
        )
    return StoreError(f"the database failed while {doing}: {str(e).strip() or e.__class__.__name__}")


# ----- migrations --------------------------------------------------------------------------------


def schema_version(conn: psycopg.Connection[Row]) -> int | None:
    """The schema version of the database (None before the first migration)."""
    if conn.execute("SELECT to_regclass('statekeep.schema_version')").fetchone() == (None,):
        return None
    row = conn.execute("SELECT max(version) FROM statekeep.schema_version").fetchone()
    return None if row is None or row[0] is None else int(row[0])


def _check_version(found: int | None, url: str) -> None:
    if found is not None and found > SCHEMA_VERSION:
        raise Error(
            f"the store at {redact(url)} has schema version {found}, newer than this statekeep's "
            f"({SCHEMA_VERSION}): run the statekeep that upgraded it, or a newer one"
        )


def migrate(url: str) -> tuple[int | None, int]:
    """Create or upgrade the store's schema in the database at ``url``; returns the schema
    version before (None: there was none) and after. Concurrent callers are safe: one applies
    the migrations, the others find them done. A schema newer than this statekeep's is refused."""
    try:
        with _connect(url) as conn:
            found = schema_version(conn)
            _check_version(found, url)
            if found == SCHEMA_VERSION:
                return found, found
            for attempt in range(3):
                try:
                    with conn.transaction():
                        conn.execute("CREATE SCHEMA IF NOT EXISTS statekeep")
                        conn.execute(
                            "CREATE TABLE IF NOT EXISTS statekeep.schema_version ("
                            "version integer PRIMARY KEY, applied_at timestamptz NOT NULL DEFAULT now())"
                        )
                    break
                except (pgerrors.UniqueViolation, pgerrors.DuplicateObject, pgerrors.DuplicateSchema):
                    if attempt == 2:  # another process was creating them at the same moment
                        raise
            with conn.transaction():
                conn.execute("LOCK TABLE statekeep.schema_version IN ACCESS EXCLUSIVE MODE")
                found = schema_version(conn)
                _check_version(found, url)
                for version in range((found or 0) + 1, SCHEMA_VERSION + 1):
                    conn.execute(MIGRATIONS[version - 1])
                    conn.execute("INSERT INTO statekeep.schema_version (version) VALUES (%s)", (version,))
            return found, SCHEMA_VERSION
    except psycopg.Error as e:
        raise _failure(e, f"creating or upgrading the schema at {redact(url)}") from e


def _connect(url: str) -> psycopg.Connection[Row]:
    try:
        conn = psycopg.connect(url, autocommit=True, connect_timeout=10)
    except psycopg.Error as e:
        raise StoreError(f"cannot connect to the store at {redact(url)}: {str(e).strip()}") from e
    _configure(conn)
    return conn


def _configure(conn: psycopg.Connection[Row]) -> None:
    """Every connection commits durably (the server's default may be looser), reads json as
    text (the store parses it) and talks UTF-8."""
    if conn.execute("SHOW synchronous_commit").fetchone() == ("off",):
        conn.execute("SET synchronous_commit = on")
    conn.execute("SET client_encoding = 'UTF8'")
    psycopg.types.json.set_json_loads(_json_text, conn)


def _json_text(data: str | bytes) -> Any:
    return data if isinstance(data, str) else data.decode()


def _read_meta(url: str) -> tuple[bool, str | None]:
    """Whether the database has the schema, and the store id in it (None: no store)."""
    try:
        with _connect(url) as conn:
            if conn.execute("SELECT to_regclass('statekeep.meta')").fetchone() == (None,):
                return False, None
            row = conn.execute("SELECT store_id FROM statekeep.meta").fetchone()
            return True, None if row is None else str(row[0])
    except psycopg.Error as e:
        raise _failure(e, f"reading the store at {redact(url)}") from e


def exists(url: str) -> bool:
    """Whether the database at ``url`` holds a store (nothing is created)."""
    return _read_meta(url)[1] is not None


def read_store_id(url: str) -> str | None:
    """The id of the store in the database at ``url``; None when there is none."""
    return _read_meta(url)[1]


def size(url: str) -> int:
    """The bytes the store's tables and indexes occupy; 0 when there are none."""
    try:
        with _connect(url) as conn:
            row = conn.execute(
                "SELECT coalesce(sum(pg_total_relation_size(c.oid)), 0) FROM pg_class c "
                "JOIN pg_namespace n ON n.oid = c.relnamespace WHERE n.nspname = %s AND c.relkind = 'r'",
                (SCHEMA,),
            ).fetchone()
            return 0 if row is None else int(row[0])
    except psycopg.Error as e:
        raise _failure(e, f"reading the store at {redact(url)}") from e


_BACKUP = (
    "a PostgreSQL store is backed up and restored with PostgreSQL's own tools: pg_dump --schema=statekeep "
    "(a consistent snapshot) and pg_restore, or pg_basebackup and WAL archiving for point-in-time recovery "
    "(docs/operations.md)"
)


def restore(backup: Path, url: str) -> None:
    raise StoreError(f"cannot restore {backup} into {redact(url)}: {_BACKUP}")


def remove(url: str) -> None:
    raise StoreError(
        f"statekeep does not drop the store at {redact(url)}: drop it with PostgreSQL's tools "
        "(DROP SCHEMA statekeep CASCADE)"
    )


# ----- reading -----------------------------------------------------------------------------------


def _loads(text: str) -> Any:
    return orjson.loads(text)


def _keyring_json(keyring: Keyring) -> str:
    return json.dumps(
        {
            "generation": keyring.generation,
            "current": keyring.current,
            "data_keys": {dk: {ok: w.hex() for ok, w in wraps.items()} for dk, wraps in keyring.data_keys.items()},
            "checks": {ok: c.hex() for ok, c in keyring.checks.items()},
            "rotating": keyring.rotating,
        }
    )


def _version(record: str, definition: str | None) -> dict[str, Any]:
    version = cast(dict[str, Any], _loads(record))
    if definition is not None:
        # Definitions can nest deeper than orjson reads; the standard library has no such limit.
        version["definition"] = json.loads(definition)
    return version


def _event(row: Row) -> EventRecord:
    return EventRecord(row[0], int(row[1]), bytes(row[2]), None if row[3] is None else _loads(row[3]))


def _scan(row: Row) -> ScanState:
    return ScanState(total=int(row[0]), scanned=int(row[1]), cursor=row[2], done=bool(row[3]))


def _merged(writes: list[WriteSet]) -> WriteSet:
    """Write sets applied one after the other, as one (a later write of a record wins)."""
    if len(writes) == 1:
        return writes[0]
    merged = WriteSet()
    for w in writes:
        merged.actors += w.actors
        merged.moves += w.moves
        merged.decisions += w.decisions
        merged.contexts += w.contexts
        merged.events += w.events
        merged.timers += w.timers
        merged.changes += w.changes
    return merged


class PgReader:
    """One transaction on one connection, read as the store interface says. In a unit of work
    (``locking``) the reads of what the transaction may then write lock it."""

    def __init__(
        self, conn: psycopg.Connection[Row], head: Head, locking: bool, cursor: psycopg.Cursor[Row] | None = None
    ) -> None:
        self._conn = conn
        self._raw = conn.cursor(binary=True) if cursor is None else cursor
        self._head = head
        self._locking = locking
        #: Count deltas not yet written (see ``actor_counts``): key -> delta.
        self._actor_deltas: dict[int, int] = {}
        self._decision_deltas: dict[tuple[int, str], int] = {}
        self._state_deltas: dict[tuple[int, str], int] = {}

    # ----- queries ------------------------------------------------------------------------------

    @property
    def _cur(self) -> psycopg.Cursor[Row]:
        """The cursor every statement goes through."""
        return self._raw

    def _all(self, query: str, params: Sequence[Any] = ()) -> list[Row]:
        return self._cur.execute(query, params).fetchall()

    def _one(self, query: str, params: Sequence[Any] = ()) -> Row | None:
        return self._cur.execute(query, params).fetchone()

    def _must(self, what: str, query: str, params: Sequence[Any]) -> Row:
        row = self._one(query, params)
        if row is None:
            raise StoreDamaged(f"the store is damaged: an index names the record {what}, which is missing")
        return row

    def _lock(self) -> str:
        return " FOR UPDATE" if self._locking else ""

    # ----- the store itself ---------------------------------------------------------------------

    def store_id(self) -> str | None:
        return None if self._head is None else self._head[0]

    def keyring(self) -> Keyring | LegacyKeyring:
        d = _loads(self._must("meta/keyring", "SELECT keyring FROM statekeep.meta", ())[0])
        return Keyring(
            generation=d["generation"],
            current=d["current"],
            data_keys={dk: {ok: bytes.fromhex(w) for ok, w in wraps.items()} for dk, wraps in d["data_keys"].items()},
            checks={ok: bytes.fromhex(c) for ok, c in d["checks"].items()},
            rotating=None if d["rotating"] is None else (d["rotating"][0], d["rotating"][1]),
        )

    def keyring_generation(self) -> int:
        return 0 if self._head is None else self._head[2]

    def sessions(self) -> dict[str, Session]:
        rows = self._all("SELECT id, pid, host, started_at, seen_at, generation FROM statekeep.sessions ORDER BY id")
        return {r[0]: Session(pid=r[1], host=r[2], started_at=r[3], seen_at=r[4], generation=r[5]) for r in rows}

    # ----- versions -----------------------------------------------------------------------------

    def commits(self) -> int:
        if self._head is None:
            raise StoreDamaged("the store is damaged: its meta record is missing")
        return self._head[1]

    def version(self, seq: int) -> dict[str, Any]:
        row = self._must(f"versions/{seq}", "SELECT record, definition FROM statekeep.versions WHERE seq = %s", (seq,))
        return _version(row[0], row[1])

    def definition(self, seq: int) -> str:
        return str(self._must(f"versions/{seq}", "SELECT definition FROM statekeep.versions WHERE seq = %s", (seq,))[0])

    def version_seq(self, version_id: str) -> int | None:
        row = self._one("SELECT seq FROM statekeep.versions WHERE id = %s", (version_id,))
        return None if row is None else int(row[0])

    def versions(self, start: int = 0, *, definitions: bool = True) -> Iterator[dict[str, Any]]:
        column = "definition" if definitions else "NULL"
        query = f"SELECT record, {column} FROM statekeep.versions WHERE seq >= %s ORDER BY seq"
        for row in self._all(query, (start,)):
            yield _version(row[0], row[1])

    def scan(self, deployment: int) -> ScanState | None:
        row = self._one(
            "SELECT total, scanned, cursor, done FROM statekeep.scans WHERE deployment = %s" + self._lock(),
            (deployment,),
        )
        return None if row is None else _scan(row)

    def scans(self) -> dict[int, ScanState]:
        query = "SELECT deployment, total, scanned, cursor, done FROM statekeep.scans"
        if not self._locking:
            rows = self._all(query + " ORDER BY deployment")
        else:
            # In a unit of work (the scan's) the unfinished scans are locked, so two processes'
            # scans take turns; finished ones never change and are read without a lock (after,
            # so that one finished while this waited is among them), and an idle scan writes
            # nothing.
            rows = self._all(query + " WHERE NOT done ORDER BY deployment FOR UPDATE")
            rows += self._all(query + " WHERE done")
        return {int(r[0]): _scan(r[1:]) for r in sorted(rows, key=lambda r: int(r[0]))}

    def decision_counts(self, deployment: int) -> dict[str, int]:
        rows = self._all(
            "SELECT kind, sum(n) FROM statekeep.decision_counts WHERE deployment = %s GROUP BY kind", (deployment,)
        )
        found = {r[0]: int(r[1]) for r in rows}
        for (d, kind), delta in self._decision_deltas.items():
            if d == deployment:
                found[kind] = found.get(kind, 0) + delta
        return {kind: found[kind] for kind in DECISION_KINDS if found.get(kind)}

    # ----- actors -------------------------------------------------------------------------------

    def actor(self, actor_id: str) -> bytes | None:
        row = self._one("SELECT data FROM statekeep.actors WHERE id = %s" + self._lock(), (actor_id,))
        return None if row is None or row[0] is None else bytes(row[0])

    def actors(self, actor_ids: Sequence[str]) -> list[bytes]:
        # Locked in id order, so that two transactions locking the same actors cannot deadlock.
        rows = self._all(
            "SELECT id, data FROM statekeep.actors WHERE id = ANY(%b::text[]) ORDER BY id" + self._lock(),
            (list(actor_ids),),
        )
        found = {r[0]: bytes(r[1]) for r in rows if r[1] is not None}
        if len(found) != len(set(actor_ids)):
            missing_ = len(set(actor_ids)) - len(found)
            raise StoreDamaged(f"the store is damaged: {missing_} of {len(actor_ids)} indexed actors are missing")
        return [found[a] for a in actor_ids]

    def _pages(self, query: str, params: Sequence[Any], after: Any, key: Callable[[Row], Any]) -> Iterator[Row]:
        """Every row of ``query`` (which takes ``params``, then the key to start after, and
        orders by it) a page at a time."""
        while True:
            rows = self._all(query, (*params, after, PAGE))
            yield from rows
            if len(rows) < PAGE:
                return
            after = key(rows[-1])

    def all_actors(self, after: str | None = None) -> Iterator[tuple[str, bytes]]:
        query = "SELECT id, data FROM statekeep.actors WHERE id > %s AND data IS NOT NULL ORDER BY id LIMIT %s"
        for row in self._pages(query, (), "" if after is None else after, lambda r: r[0]):
            yield row[0], bytes(row[1])

    def actors_on(self, version: int, after: str | None = None, limit: int | None = None) -> Iterator[str]:
        start = "" if after is None else after
        if limit is not None:
            rows = self._all(
                "SELECT id FROM statekeep.actors WHERE version = %s AND id > %s ORDER BY id LIMIT %s",
                (version, start, limit),
            )
            yield from (r[0] for r in rows)
            return
        query = "SELECT id FROM statekeep.actors WHERE version = %s AND id > %s ORDER BY id LIMIT %s"
        for row in self._pages(query, (version,), start, lambda r: r[0]):
            yield row[0]

    def actors_page(
        self, version: int, after: str | None, limit: int, *, locking: bool = True
    ) -> list[tuple[str, bytes]]:
        # One statement: the ids by the version's index and the rows they name, locked in id
        # order in a unit of work. (A row a concurrent write moved off the version is re-checked
        # when its lock comes free, and passed over.)
        rows = self._all(
            "SELECT id, data FROM statekeep.actors WHERE version = %s AND id > %s ORDER BY id LIMIT %s"
            + (self._lock() if locking else ""),
            (version, "" if after is None else after, limit),
        )
        return [(r[0], bytes(r[1])) for r in rows]

    def actor_count(self, version: int) -> int:
        row = self._one("SELECT coalesce(sum(n), 0) FROM statekeep.actor_counts WHERE version = %s", (version,))
        return (0 if row is None else int(row[0])) + self._actor_deltas.get(version, 0)

    def state_counts(self, version: int) -> dict[str, int] | None:
        kept = self._one("SELECT state_counts FROM statekeep.meta")
        if kept is None or not kept[0]:
            return None
        rows = self._all(
            "SELECT state, sum(n) FROM statekeep.state_counts WHERE version = %s GROUP BY state", (version,)
        )
        found = {r[0]: int(r[1]) for r in rows}
        for (v, state), delta in self._state_deltas.items():
            if v == version:
                found[state] = found.get(state, 0) + delta
        return {state: n for state, n in sorted(found.items()) if n}

    def context(self, actor_id: str) -> bytes:
        row = self._must(
            f"contexts/{actor_id!r}", "SELECT sealed FROM statekeep.contexts WHERE actor_id = %s", (actor_id,)
        )
        return bytes(row[0])

    def event(self, actor_id: str, index: int) -> EventRecord:
        row = self._must(
            f"events/{actor_id!r}/{index}",
            "SELECT type, at_ns, payload, guards FROM statekeep.events WHERE actor_id = %s AND idx = %s",
            (actor_id, index),
        )
        return _event(row)

    def history(self, actor_id: str, upto: int) -> list[tuple[str, dict[str, bool] | None]]:
        rows = self._all(
            "SELECT type, guards FROM statekeep.events WHERE actor_id = %s AND idx < %s ORDER BY idx",
            (actor_id, upto),
        )
        if len(rows) < upto:
            raise StoreDamaged(f"the store is damaged: actor '{actor_id}' has {len(rows)} of its {upto} events")
        return [(r[0], None if r[1] is None else _loads(r[1])) for r in rows]

    def timers(self, actor_id: str) -> dict[str, Timer]:
        rows = self._all(f"SELECT timer_id, {_TIMER_COLUMNS} FROM statekeep.timers WHERE actor_id = %s", (actor_id,))
        return {r[0]: _timer(r[1:]) for r in rows}

    def timers_of(self, keys: Sequence[tuple[str, str]]) -> list[Timer | None]:
        if not keys:
            return []
        rows = self._all(
            f"SELECT k.n, {_TIMER_COLUMNS} FROM unnest(%s::text[], %s::text[]) WITH ORDINALITY AS k(a, t, n) "
            "JOIN statekeep.timers ON actor_id = k.a AND timer_id = k.t",
            ([a for a, _ in keys], [t for _, t in keys]),
        )
        found: list[Timer | None] = [None] * len(keys)
        for row in rows:
            found[int(row[0]) - 1] = _timer(row[1:])
        return found

    def due_timers(self, until: int, limit: int) -> list[tuple[str, str, Timer]]:
        rows = self._all(
            f"SELECT actor_id, timer_id, {_TIMER_COLUMNS} FROM statekeep.timers WHERE undelivered IS NULL AND due <= %s "
            "ORDER BY due, actor_id, timer_id LIMIT %s",
            (until, limit),
        )
        return [(r[0], r[1], _timer(r[2:])) for r in rows]

    def next_due(self) -> int | None:
        row = self._one("SELECT min(due) FROM statekeep.timers WHERE undelivered IS NULL")
        return None if row is None or row[0] is None else int(row[0])

    def timer_count(self, due_by: int | None = None) -> int:
        if due_by is None:
            row = self._one("SELECT count(*) FROM statekeep.timers WHERE undelivered IS NULL")
        else:
            row = self._one("SELECT count(*) FROM statekeep.timers WHERE undelivered IS NULL AND due <= %s", (due_by,))
        return 0 if row is None else int(row[0])

    def decisions(self, actor_id: str) -> list[dict[str, Any]]:
        rows = self._all("SELECT record FROM statekeep.decisions WHERE actor_id = %s ORDER BY ordinal", (actor_id,))
        return [_loads(r[0]) for r in rows]

    def deployment_decisions(self, deployment: int) -> Iterator[tuple[str, dict[str, Any]]]:
        query = (
            "SELECT actor_id, ordinal, record FROM statekeep.decisions WHERE deployment = %s "
            "AND (actor_id, ordinal) > (%s, %s) ORDER BY actor_id, ordinal LIMIT %s"
        )
        after: tuple[str, int] = ("", -1)
        while True:
            rows = self._all(query, (deployment, *after, PAGE))
            for row in rows:
                yield row[0], _loads(row[2])
            if len(rows) < PAGE:
                return
            after = (rows[-1][0], int(rows[-1][1]))

    # ----- beside actors ------------------------------------------------------------------------

    def idempotent(self, key: str) -> tuple[str, bytes] | None:
        row = self._one(
            "SELECT request, answer FROM statekeep.idempotency WHERE key = %s AND answer IS NOT NULL", (key,)
        )
        return None if row is None else (row[0], bytes(row[1]))

    def api_key(self, key_id: str) -> dict[str, Any] | None:
        row = self._one("SELECT record FROM statekeep.api_keys WHERE id = %s", (key_id,))
        return None if row is None else cast(dict[str, Any], _loads(row[0]))

    def api_keys(self) -> list[tuple[str, dict[str, Any]]]:
        return [(r[0], _loads(r[1])) for r in self._all("SELECT id, record FROM statekeep.api_keys ORDER BY id")]

    def changes(self, after: int, limit: int) -> list[tuple[int, ChangeRecord]]:
        return self._changes_after(after, limit, "")

    def _changes_after(self, after: int, limit: int, lock: str) -> list[tuple[int, ChangeRecord]]:
        rows = self._all(
            "SELECT seq, actor_id, version, kind, at_ns, sealed FROM statekeep.changes WHERE seq > %s "
            "ORDER BY seq LIMIT %s" + lock,
            (after, limit),
        )
        return [(int(r[0]), ChangeRecord(r[1], int(r[2]), r[3], int(r[4]), bytes(r[5]))) for r in rows]

    def last_change(self) -> int:
        row = self._one("SELECT last FROM statekeep.change_head")
        return 0 if row is None else int(row[0])

    def first_change(self) -> int | None:
        row = self._one("SELECT min(seq) FROM statekeep.changes")
        return None if row is None or row[0] is None else int(row[0])

    def sealed_timers(self, after: tuple[str, str] | None, limit: int) -> list[tuple[tuple[str, str], Timer]]:
        rows = self._all(
            f"SELECT actor_id, timer_id, {_TIMER_COLUMNS} FROM statekeep.timers WHERE (actor_id, timer_id) > (%s, %s) "
            "ORDER BY actor_id, timer_id LIMIT %s" + self._lock(),
            (*(after or ("", "")), limit),
        )
        return [((r[0], r[1]), _timer(r[2:])) for r in rows]

    def sealed_changes(self, after: int | None, limit: int) -> list[tuple[int, ChangeRecord]]:
        return self._changes_after(after or 0, limit, self._lock())

    def sealed_count(self) -> int:
        row = self._one(
            "SELECT (SELECT count(*) FROM statekeep.contexts) + (SELECT count(*) FROM statekeep.events) "
            "+ (SELECT count(*) FROM statekeep.idempotency WHERE answer IS NOT NULL) "
            "+ (SELECT count(*) FROM statekeep.changes)"
        )
        return 0 if row is None else int(row[0])

    def sealed_answers(self, after: str | None, limit: int) -> list[tuple[str, str, bytes]]:
        rows = self._all(
            "SELECT key, request, answer FROM statekeep.idempotency WHERE key > %s AND answer IS NOT NULL "
            "ORDER BY key LIMIT %s" + self._lock(),
            ("" if after is None else after, limit),
        )
        return [(r[0], r[1], bytes(r[2])) for r in rows]

    def sealed_contexts(self, after: str | None, limit: int) -> list[tuple[str, bytes]]:
        rows = self._all(
            "SELECT actor_id, sealed FROM statekeep.contexts WHERE actor_id > %s ORDER BY actor_id LIMIT %s"
            + self._lock(),
            ("" if after is None else after, limit),
        )
        return [(r[0], bytes(r[1])) for r in rows]

    def sealed_events(self, after: tuple[str, int] | None, limit: int) -> list[tuple[tuple[str, int], EventRecord]]:
        start = ("", -1) if after is None else after
        rows = self._all(
            "SELECT actor_id, idx, type, at_ns, payload, guards FROM statekeep.events "
            "WHERE (actor_id, idx) > (%s, %s) ORDER BY actor_id, idx LIMIT %s" + self._lock(),
            (*start, limit),
        )
        return [((r[0], int(r[1])), _event(r[2:])) for r in rows]

    # ----- webhooks ----------------------------------------------------------------------------

    def webhook(self, webhook_id: str) -> dict[str, Any] | None:
        row = self._one("SELECT record FROM statekeep.webhooks WHERE id = %s" + self._lock(), (webhook_id,))
        return None if row is None else cast(dict[str, Any], _json_value(row[0]))

    def webhooks(self) -> list[tuple[str, dict[str, Any]]]:
        return [(r[0], _json_value(r[1])) for r in self._all("SELECT id, record FROM statekeep.webhooks ORDER BY id")]

    def deliveries(self, webhook_id: str, after: int, limit: int, *, dead: bool) -> list[Delivery]:
        rows = self._all(
            f"SELECT {_DELIVERY_COLUMNS} FROM statekeep.webhook_deliveries WHERE webhook_id = %s AND seq > %s "
            f"AND (dead IS NOT NULL) = %s ORDER BY seq LIMIT %s",
            (webhook_id, after, dead, limit),
        )
        return [_delivery(r) for r in rows]

    def delivery(self, webhook_id: str, seq: int) -> Delivery | None:
        row = self._one(
            f"SELECT {_DELIVERY_COLUMNS} FROM statekeep.webhook_deliveries WHERE webhook_id = %s AND seq = %s"
            + self._lock(),
            (webhook_id, seq),
        )
        return None if row is None else _delivery(row)

    def actor_deliveries(self, webhook_id: str, actor_id: str, limit: int) -> list[Delivery]:
        rows = self._all(
            f"SELECT {_DELIVERY_COLUMNS} FROM statekeep.webhook_deliveries WHERE webhook_id = %s AND actor_id = %s "
            "AND dead IS NULL ORDER BY seq LIMIT %s" + self._lock(),
            (webhook_id, actor_id, limit),
        )
        return [_delivery(r) for r in rows]

    def pending_heads(self, webhook_id: str, actor_ids: Sequence[str]) -> dict[str, Delivery]:
        if not actor_ids:
            return {}
        rows = self._all(
            f"SELECT DISTINCT ON (actor_id) {_DELIVERY_COLUMNS} FROM statekeep.webhook_deliveries "
            "WHERE webhook_id = %s AND actor_id = ANY(%b::text[]) AND dead IS NULL ORDER BY actor_id, seq",
            (webhook_id, list(actor_ids)),
        )
        return {d.actor_id: d for d in map(_delivery, rows)}

    def deliveries_at(self, webhook_id: str, seqs: Sequence[int]) -> list[Delivery]:
        if not seqs:
            return []
        rows = self._all(
            f"SELECT {_DELIVERY_COLUMNS} FROM statekeep.webhook_deliveries WHERE webhook_id = %s "
            "AND seq = ANY(%b::bigint[]) ORDER BY seq" + self._lock(),
            (webhook_id, sorted(set(seqs))),
        )
        return [_delivery(r) for r in rows]

    def due_deliveries(self, until: int, limit: int) -> list[tuple[str, Delivery]]:
        rows = self._all(
            f"SELECT webhook_id, {_DELIVERY_COLUMNS} FROM statekeep.webhook_deliveries "
            "WHERE due IS NOT NULL AND due <= %s ORDER BY due LIMIT %s"
            + (" FOR UPDATE SKIP LOCKED" if self._locking else ""),
            (until, limit),
        )
        return [(r[0], _delivery(r[1:])) for r in rows]

    def next_delivery_due(self) -> int | None:
        row = self._one("SELECT min(due) FROM statekeep.webhook_deliveries WHERE due IS NOT NULL")
        return None if row is None or row[0] is None else int(row[0])

    def delivery_counts(self, webhook_id: str) -> tuple[int, int]:
        row = self._one(
            "SELECT count(*) FILTER (WHERE dead IS NULL), count(*) FILTER (WHERE dead IS NOT NULL) "
            "FROM statekeep.webhook_deliveries WHERE webhook_id = %s",
            (webhook_id,),
        )
        return (0, 0) if row is None else (int(row[0]), int(row[1]))


class PgUnitOfWork(PgReader):
    """A write transaction of the PostgreSQL store (or a savepoint in one)."""

    def __init__(
        self, conn: psycopg.Connection[Row], head: Head, exclusive: bool, parent: PgUnitOfWork | None = None
    ) -> None:
        super().__init__(conn, head, locking=True, cursor=None if parent is None else parent._raw)
        self._exclusive = exclusive
        #: Ids this transaction holds with a row without data (a spawn's), and idempotency keys
        #: it holds without an answer: deleted at commit if nothing filled them.
        self._held_actors: set[str] = set()
        self._held_keys: set[str] = set()
        #: Actors read and locked by :meth:`prefetch` and not written since: their reads are
        #: answered from here.
        self._prefetched: dict[str, bytes] = {}
        #: Write sets applied and not sent yet (see :meth:`_flush`), and statements to send
        #: before them (the releases of savepoints that ended, a scan's record), with their
        #: parameters.
        self._buffer: list[WriteSet] = []
        self._pending: list[tuple[str, Sequence[Any]]] = []
        self._flushing = False
        #: Outbox entries of the write sets sent, numbered and written at the commit.
        self._changes: list[ChangeRecord] = []
        #: A savepoint starts from its transaction's state, which takes the savepoint's back
        #: when it is released (:meth:`_adopt`) and keeps its own when it is rolled back (its
        #: writes are undone, and so are the locks it took). Its SAVEPOINT is sent only when
        #: it first sends something itself.
        self.depth = 0
        self._parent = parent
        self._savepoint: str | None = None
        if parent is not None:
            self.depth = parent.depth + 1
            self._savepoint = f"statekeep_{self.depth}"
            self._actor_deltas = dict(parent._actor_deltas)
            self._decision_deltas = dict(parent._decision_deltas)
            self._state_deltas = dict(parent._state_deltas)
            self._held_actors = set(parent._held_actors)
            self._held_keys = set(parent._held_keys)
            self._prefetched = dict(parent._prefetched)
        self._savepoint_sent = parent is None

    # ----- what waits to be sent ----------------------------------------------------------------

    @property
    def _cur(self) -> psycopg.Cursor[Row]:
        """The cursor, once everything this transaction applied before has been sent: a
        statement always sees the transaction's own writes."""
        if not self._flushing:
            self._flush()
        return self._raw

    def _flush(self, then: Callable[[psycopg.Cursor[Row]], None] | None = None) -> None:
        """Send what waits, in one round trip: the enclosing transaction's first, then this
        savepoint's SAVEPOINT, the statements kept back (the releases of the savepoints that
        ended in it, a scan's record), and the write
        sets applied since, merged (one statement per table, however many calls applied them);
        then ``then``'s statements. A group commit so sends its calls' writes with its commit,
        and a call that fails before it sent anything is undone without a statement."""
        if self._parent is not None:
            self._parent._flush()
        if self._savepoint_sent and not self._pending and not self._buffer and then is None:
            return
        for writes in self._buffer:
            self._changes += writes.changes
        self._flushing = True
        try:
            check: Callable[[], None] | None = None
            with self._conn.pipeline():
                if not self._savepoint_sent:
                    self._raw.execute(f"SAVEPOINT {self._savepoint}")
                    self._savepoint_sent = True  # first in the pipeline: made, whatever fails after it
                for statement, params in self._pending:
                    self._raw.execute(statement, params)
                if self._buffer:
                    check = self._write(_merged(self._buffer))
                if then is not None:
                    then(self._raw)
            self._pending = []
            self._buffer = []
            if check is not None:
                check()
        finally:
            self._flushing = False

    def prefetch(self, actor_ids: Sequence[str]) -> None:
        """Lock and read these actors in one statement, in id order (so that two transactions
        that lock some of the same actors this way cannot deadlock), for the reads to come; and
        hold the ids of those not there (spawns to come) in one more."""
        wanted = sorted({a for a in actor_ids if a not in self._prefetched and a not in self._held_actors})
        if not wanted:
            return
        rows = self._all(
            "SELECT id, data FROM statekeep.actors WHERE id = ANY(%b::text[]) ORDER BY id FOR UPDATE", (wanted,)
        )
        self._prefetched.update((r[0], bytes(r[1])) for r in rows if r[1] is not None)
        missing = [a for a in wanted if a not in self._prefetched]
        if missing:
            # (One held by another transaction, or made meanwhile, is left to its read.)
            held = self._all(
                "INSERT INTO statekeep.actors (id) SELECT unnest(%b::text[]) ORDER BY 1 "
                "ON CONFLICT (id) DO NOTHING RETURNING id",
                (missing,),
            )
            self._held_actors.update(r[0] for r in held)

    def actors_page(
        self, version: int, after: str | None, limit: int, *, locking: bool = True
    ) -> list[tuple[str, bytes]]:
        page = super().actors_page(version, after, limit, locking=locking)
        if locking:
            self._prefetched.update(page)  # locked: later reads of them are answered from here
        return page

    # ----- holding what does not exist yet ------------------------------------------------------

    def actor(self, actor_id: str) -> bytes | None:
        prefetched = self._prefetched.get(actor_id)
        if prefetched is not None:
            return prefetched
        if actor_id in self._held_actors:
            return None  # held without data by this transaction: not there
        found = super().actor(actor_id)
        if found is not None or actor_id in self._held_actors:
            return found
        # None yet: hold the id, so that a concurrent spawn of it waits for this transaction and
        # then finds the actor (or the id free again). One that committed meanwhile is read.
        inserted = self._one(
            "INSERT INTO statekeep.actors (id) VALUES (%s) ON CONFLICT (id) DO NOTHING RETURNING id", (actor_id,)
        )
        if inserted is not None:
            self._held_actors.add(actor_id)
            return None
        return super().actor(actor_id)

    def idempotent(self, key: str) -> tuple[str, bytes] | None:
        # Held like an actor id: a concurrent request with the same key waits, then replays.
        row = self._one(
            "INSERT INTO statekeep.idempotency AS i (key) VALUES (%s) "
            "ON CONFLICT (key) DO UPDATE SET key = EXCLUDED.key RETURNING i.request, i.answer",
            (key,),
        )
        if row is None or row[1] is None:
            self._held_keys.add(key)
            return None
        return row[0], bytes(row[1])

    # ----- the store itself ---------------------------------------------------------------------

    def _make_exclusive(self) -> None:
        """What changes the versions or the keys waits for every other open write (see the
        module's docstring); a transaction that did not begin exclusive takes the lock now."""
        if not self._exclusive:
            self._cur.execute(_EXCLUSIVE)
            self._exclusive = True

    def create(self, store_id: str, keyring: Keyring) -> None:
        self._make_exclusive()
        self._cur.execute(
            "INSERT INTO statekeep.meta (store_id, commits, keyring_generation, keyring, state_counts) "
            "VALUES (%s, 0, %s, %s::json, true)",
            (store_id, keyring.generation, _keyring_json(keyring)),
        )
        self._head = (store_id, 0, keyring.generation)

    def set_keyring(self, keyring: Keyring) -> None:
        self._make_exclusive()
        self._cur.execute(
            "UPDATE statekeep.meta SET keyring = %s::json, keyring_generation = %s",
            (_keyring_json(keyring), keyring.generation),
        )
        self._cur.execute(f"NOTIFY {CHANNEL}")
        if self._head is not None:
            self._head = (self._head[0], self._head[1], keyring.generation)

    def upgrade(
        self,
        keyring: Keyring,
        seal_answer: Callable[[str, bytes], bytes],
        history_of: Callable[[str, bytes], list[tuple[str, dict[str, bool] | None]]],
    ) -> None:
        raise StoreError("a PostgreSQL store has no older format to upgrade from")

    def put_session(self, session_id: str, session: Session) -> None:
        self._cur.execute(
            "INSERT INTO statekeep.sessions (id, pid, host, started_at, seen_at, generation) "
            "VALUES (%s, %s, %s, %s, %s, %s) ON CONFLICT (id) DO UPDATE SET pid = EXCLUDED.pid, "
            "host = EXCLUDED.host, started_at = EXCLUDED.started_at, seen_at = EXCLUDED.seen_at, "
            "generation = EXCLUDED.generation",
            (session_id, session.pid, session.host, session.started_at, session.seen_at, session.generation),
        )

    def delete_session(self, session_id: str) -> None:
        self._cur.execute("DELETE FROM statekeep.sessions WHERE id = %s", (session_id,))

    # ----- versions -----------------------------------------------------------------------------

    def add_version(
        self, seq: int, record: dict[str, Any], scan: ScanState | None, *, definition: str | None = None
    ) -> None:
        self._make_exclusive()
        # The definition's key order is kept (text): its document order is what its states are
        # entered and regions stepped in. Definitions can nest deeper than orjson writes.
        if definition is None:
            definition = json.dumps(record["definition"], separators=(",", ":"))
        fields = json.dumps({k: v for k, v in record.items() if k != "definition"})
        updated = self._one(
            "UPDATE statekeep.meta SET commits = %s WHERE commits = %s RETURNING commits", (seq + 1, seq)
        )
        if updated is None:
            raise StoreError(f"version {seq} is not the next one to commit: another process committed it first")
        self._cur.execute(
            "INSERT INTO statekeep.versions (seq, id, record, definition) VALUES (%s, %s, %s::json, %s)",
            (seq, record["id"], fields, definition),
        )
        self._cur.execute(f"NOTIFY {CHANNEL}")  # delivered when it commits
        if self._head is not None:
            self._head = (self._head[0], seq + 1, self._head[2])
        if scan is not None:
            self.put_scan(seq, scan)

    def put_scan(self, deployment: int, state: ScanState) -> None:
        # Sent with what follows (a scan batch's: its writes and commit, in one round trip).
        self._pending.append(
            (
                "INSERT INTO statekeep.scans (deployment, total, scanned, cursor, done) VALUES (%s, %s, %s, %s, %s) "
                "ON CONFLICT (deployment) DO UPDATE SET total = EXCLUDED.total, scanned = EXCLUDED.scanned, "
                "cursor = EXCLUDED.cursor, done = EXCLUDED.done",
                (deployment, state.total, state.scanned, state.cursor, state.done),
            )
        )

    def claim_scan(self, deployment: int, expected: ScanState) -> bool:
        # NOWAIT: another process's scan batch holding the row (from its start) must not wait
        # for this one's actors while this one waits for the row.
        try:
            row = self._one(
                "SELECT total, scanned, cursor, done FROM statekeep.scans WHERE deployment = %s FOR UPDATE NOWAIT",
                (deployment,),
            )
        except pgerrors.LockNotAvailable:
            return False
        return row is not None and _scan(row) == expected

    # ----- actors -------------------------------------------------------------------------------

    def apply(self, writes: WriteSet) -> None:
        # Kept until the next statement or the commit (see _flush): the counts and what the
        # transaction reads of its own actors follow at once.
        for _, _, record in writes.events:
            if "\x00" in record.type:
                raise StoreError("a PostgreSQL store cannot hold an event type with a NUL character in it")
        for actor_id, data in writes.actors:
            self._prefetched[actor_id] = data  # locked: every actor written was read first
        self._held_actors.difference_update(a for a, _ in writes.actors)
        for _, old, new in writes.moves:
            if old is not None:
                self._actor_deltas[old] = self._actor_deltas.get(old, 0) - 1
            self._actor_deltas[new] = self._actor_deltas.get(new, 0) + 1
        for _, _, deployment, kind, _ in writes.decisions:
            self._decision_deltas[(deployment, kind)] = self._decision_deltas.get((deployment, kind), 0) + 1
        for key, delta in writes.state_counts.items():
            self._state_deltas[key] = self._state_deltas.get(key, 0) + delta
        self._buffer.append(writes)

    def _write(self, writes: WriteSet) -> Callable[[], None] | None:
        """Send ``writes`` inside the open pipeline: one statement per table, whatever the
        number of rows (a scan writes thousands). Returns the check to make once it synced."""
        actors = dict(writes.actors)
        moved = {actor_id: new for actor_id, _, new in writes.moves}
        contexts = dict(writes.contexts)
        events = {(a, i): r for a, i, r in writes.events}
        decisions = {(a, o): (d, k, r) for a, o, d, k, r in writes.decisions}
        cur = self._raw
        moves = self._conn.cursor(binary=True)  # its own: a pipeline's cursor keeps the last result
        if actors:
            ids = list(actors)
            cur.execute(
                "INSERT INTO statekeep.actors AS a (id, version, data) "
                "SELECT * FROM unnest(%b::text[], %b::integer[], %b::bytea[]) "
                "ON CONFLICT (id) DO UPDATE SET data = EXCLUDED.data, version = coalesce(EXCLUDED.version, a.version)",
                (ids, [moved.pop(a, None) for a in ids], [actors[a] for a in ids]),
            )
        if moved:  # moves of actors not written here
            moves.execute(
                "UPDATE statekeep.actors AS a SET version = m.version "
                "FROM unnest(%b::text[], %b::integer[]) AS m(id, version) WHERE a.id = m.id",
                (list(moved), list(moved.values())),
            )
        if contexts:
            cur.execute(
                "INSERT INTO statekeep.contexts (actor_id, sealed) SELECT * FROM unnest(%b::text[], %b::bytea[]) "
                "ON CONFLICT (actor_id) DO UPDATE SET sealed = EXCLUDED.sealed",
                (list(contexts), list(contexts.values())),
            )
        if events:
            cur.execute(
                "INSERT INTO statekeep.events (actor_id, idx, type, at_ns, payload, guards) "
                "SELECT a, i, t, n, p, g::json FROM unnest(%b::text[], %b::integer[], %b::text[], %b::bigint[], "
                "%b::bytea[], %b::text[]) AS e(a, i, t, n, p, g) "
                "ON CONFLICT (actor_id, idx) DO UPDATE SET type = EXCLUDED.type, at_ns = EXCLUDED.at_ns, "
                "payload = EXCLUDED.payload, guards = EXCLUDED.guards",
                (
                    [a for a, _ in events],
                    [i for _, i in events],
                    [r.type for r in events.values()],
                    [r.at_ns for r in events.values()],
                    [r.sealed_payload for r in events.values()],
                    [None if r.guards is None else json.dumps(r.guards) for r in events.values()],
                ),
            )
        if decisions:
            cur.execute(
                "INSERT INTO statekeep.decisions (actor_id, ordinal, deployment, kind, record) "
                "SELECT a, o, d, k, r::json FROM unnest(%b::text[], %b::integer[], %b::integer[], %b::text[], "
                "%b::text[]) AS x(a, o, d, k, r) "
                "ON CONFLICT (actor_id, ordinal) DO UPDATE SET deployment = EXCLUDED.deployment, "
                "kind = EXCLUDED.kind, record = EXCLUDED.record",
                (
                    [a for a, _ in decisions],
                    [o for _, o in decisions],
                    [d for d, _, _ in decisions.values()],
                    [k for _, k, _ in decisions.values()],
                    [r.decode() for _, _, r in decisions.values()],
                ),
            )
        self._set_timers(writes.timers)
        if not moved:
            return None

        def check() -> None:
            if moves.rowcount != len(moved):
                raise StoreDamaged(
                    f"the store is damaged: a move names actors that are not in it ({sorted(moved)[:5]})"
                )

        return check

    def _set_timers(self, timers: list[tuple[str, str, Timer | None]]) -> None:
        # The last write of each timer wins (one set and removed in one write set ends
        # removed): then one statement removes and one sets, whatever their number.
        final: dict[tuple[str, str], Timer | None] = {}
        for actor_id, timer_id, timer in timers:
            final[(actor_id, timer_id)] = timer
        removed = [key for key, timer in final.items() if timer is None]
        kept = [(key, timer) for key, timer in final.items() if timer is not None]
        if removed:
            self._cur.execute(
                "DELETE FROM statekeep.timers USING unnest(%s::text[], %s::text[]) AS k(a, t) "
                "WHERE actor_id = k.a AND timer_id = k.t",
                ([a for a, _ in removed], [t for _, t in removed]),
            )
        if kept:
            self._cur.execute(
                "INSERT INTO statekeep.timers (actor_id, timer_id, due, occurrence, kind, event, payload, undelivered) "
                "SELECT a, t, d, o, k, e, p, u::json FROM unnest(%s::text[], %s::text[], %s::bigint[], %s::text[], "
                "%s::text[], %s::text[], %s::bytea[], %s::text[]) AS x(a, t, d, o, k, e, p, u) "
                "ON CONFLICT (actor_id, timer_id) DO UPDATE SET due = EXCLUDED.due, occurrence = EXCLUDED.occurrence, "
                "kind = EXCLUDED.kind, event = EXCLUDED.event, payload = EXCLUDED.payload, "
                "undelivered = EXCLUDED.undelivered",
                (
                    [a for (a, _), _ in kept],
                    [t for (_, t), _ in kept],
                    [timer.due for _, timer in kept],
                    [timer.occurrence for _, timer in kept],
                    [timer.kind for _, timer in kept],
                    [timer.event for _, timer in kept],
                    [timer.sealed_payload for _, timer in kept],
                    [None if timer.undelivered is None else json.dumps(timer.undelivered) for _, timer in kept],
                ),
            )

    def remember(self, key: str, request: str, sealed_answer: bytes) -> None:
        if len(request) != 64:
            raise ValueError("an idempotency record keeps a SHA-256 digest in hex")
        self._cur.execute(
            "INSERT INTO statekeep.idempotency (key, request, answer) VALUES (%s, %s, %s) "
            "ON CONFLICT (key) DO UPDATE SET request = EXCLUDED.request, answer = EXCLUDED.answer",
            (key, request, sealed_answer),
        )
        self._held_keys.discard(key)

    def put_api_key(self, key_id: str, record: dict[str, Any]) -> None:
        self._cur.execute(
            "INSERT INTO statekeep.api_keys (id, record) VALUES (%s, %s::json) "
            "ON CONFLICT (id) DO UPDATE SET record = EXCLUDED.record",
            (key_id, json.dumps(record)),
        )

    def delete_api_key(self, key_id: str) -> bool:
        return self._one("DELETE FROM statekeep.api_keys WHERE id = %s RETURNING id", (key_id,)) is not None

    def reseal_context(self, actor_id: str, sealed: bytes) -> None:
        self._cur.execute("UPDATE statekeep.contexts SET sealed = %s WHERE actor_id = %s", (sealed, actor_id))

    def reseal_event(self, actor_id: str, index: int, record: EventRecord) -> None:
        self._cur.execute(
            "UPDATE statekeep.events SET type = %s, at_ns = %s, payload = %s WHERE actor_id = %s AND idx = %s",
            (record.type, record.at_ns, record.sealed_payload, actor_id, index),
        )

    def reseal_answer(self, key: str, request: str, sealed_answer: bytes) -> None:
        self.remember(key, request, sealed_answer)

    def reseal_change(self, seq: int, sealed: bytes) -> None:
        self._cur.execute("UPDATE statekeep.changes SET sealed = %s WHERE seq = %s", (sealed, seq))

    def prune_changes(self, before_ns: int, upto: int, limit: int) -> int:
        # The oldest entries, by number (the primary key), up to the first that must stay.
        rows = self._all(
            "SELECT seq, at_ns FROM statekeep.changes WHERE seq <= %s ORDER BY seq LIMIT %s", (upto, limit)
        )
        doomed = 0
        for _, at_ns in rows:
            if at_ns >= before_ns:
                break
            doomed += 1
        if doomed:
            self._cur.execute("DELETE FROM statekeep.changes WHERE seq <= %s", (rows[doomed - 1][0],))
        return doomed

    def set_state_counts(self, counts: dict[tuple[int, str], int] | None) -> None:
        self._cur.execute("DELETE FROM statekeep.state_counts")
        self._state_deltas = {}
        if counts is None:
            self._cur.execute("UPDATE statekeep.meta SET state_counts = false")
            return
        kept = sorted((k, n) for k, n in counts.items() if n)
        if kept:
            self._cur.execute(
                "INSERT INTO statekeep.state_counts (version, state, shard, n) "
                "SELECT v, s, 0, n FROM unnest(%b::integer[], %b::text[], %b::bigint[]) AS t(v, s, n)",
                ([v for (v, _), _ in kept], [st for (_, st), _ in kept], [n for _, n in kept]),
            )
        self._cur.execute("UPDATE statekeep.meta SET state_counts = true")

    def import_changes(self, changes: Sequence[tuple[int, ChangeRecord]], last: int) -> None:
        if changes:
            self._cur.execute(
                "INSERT INTO statekeep.changes (seq, actor_id, version, kind, at_ns, sealed) "
                "SELECT * FROM unnest(%b::bigint[], %b::text[], %b::integer[], %b::text[], %b::bigint[], %b::bytea[])",
                (
                    [n for n, _ in changes],
                    [c.actor_id for _, c in changes],
                    [c.version for _, c in changes],
                    [c.kind for _, c in changes],
                    [c.at_ns for _, c in changes],
                    [c.sealed for _, c in changes],
                ),
            )
        self._cur.execute("UPDATE statekeep.change_head SET last = greatest(last, %s)", (last,))

    # ----- webhooks -----------------------------------------------------------------------------

    def put_webhook(self, webhook_id: str, record: dict[str, Any]) -> None:
        self._cur.execute(
            "INSERT INTO statekeep.webhooks (id, record) VALUES (%s, %s::json) "
            "ON CONFLICT (id) DO UPDATE SET record = EXCLUDED.record",
            (webhook_id, json.dumps(record)),
        )

    def delete_webhook(self, webhook_id: str) -> bool:
        self._cur.execute("DELETE FROM statekeep.webhook_deliveries WHERE webhook_id = %s", (webhook_id,))
        return self._one("DELETE FROM statekeep.webhooks WHERE id = %s RETURNING id", (webhook_id,)) is not None

    def put_delivery(self, webhook_id: str, delivery: Delivery) -> None:
        self._cur.execute(
            "INSERT INTO statekeep.webhook_deliveries (webhook_id, seq, actor_id, kind, due, dead, attempts) "
            "VALUES (%s, %s, %s, %s, %s, %s, %s::json) ON CONFLICT (webhook_id, seq) DO UPDATE SET "
            "actor_id = EXCLUDED.actor_id, kind = EXCLUDED.kind, due = EXCLUDED.due, dead = EXCLUDED.dead, "
            "attempts = EXCLUDED.attempts",
            (
                webhook_id,
                delivery.seq,
                delivery.actor_id,
                delivery.kind,
                delivery.due,
                delivery.dead,
                json.dumps(delivery.attempts),
            ),
        )

    def put_deliveries(self, webhook_id: str, deliveries: Sequence[Delivery]) -> None:
        latest = {d.seq: d for d in deliveries}  # (one row may be given twice: the last wins)
        if not latest:
            return
        rows = [latest[seq] for seq in sorted(latest)]
        self._cur.execute(
            "INSERT INTO statekeep.webhook_deliveries (webhook_id, seq, actor_id, kind, due, dead, attempts) "
            "SELECT %s, s, a, k, d, x, t::json FROM unnest(%b::bigint[], %b::text[], %b::text[], %b::bigint[], "
            "%b::float8[], %b::text[]) AS r(s, a, k, d, x, t) ON CONFLICT (webhook_id, seq) DO UPDATE SET "
            "actor_id = EXCLUDED.actor_id, kind = EXCLUDED.kind, due = EXCLUDED.due, dead = EXCLUDED.dead, "
            "attempts = EXCLUDED.attempts",
            (
                webhook_id,
                [d.seq for d in rows],
                [d.actor_id for d in rows],
                [d.kind for d in rows],
                [d.due for d in rows],
                [d.dead for d in rows],
                [json.dumps(d.attempts) for d in rows],
            ),
        )

    def delete_deliveries(self, webhook_id: str, seqs: Sequence[int]) -> None:
        if seqs:
            self._cur.execute(
                "DELETE FROM statekeep.webhook_deliveries WHERE webhook_id = %s AND seq = ANY(%b::bigint[])",
                (webhook_id, sorted(set(seqs))),
            )

    def delete_delivery(self, webhook_id: str, seq: int) -> None:
        self._cur.execute(
            "DELETE FROM statekeep.webhook_deliveries WHERE webhook_id = %s AND seq = %s", (webhook_id, seq)
        )

    # ----- the end of a transaction -------------------------------------------------------------

    def _adopt(self, inner: PgUnitOfWork) -> None:
        """What a savepoint that was released leaves to its transaction."""
        self._actor_deltas = inner._actor_deltas
        self._decision_deltas = inner._decision_deltas
        self._state_deltas = inner._state_deltas
        self._held_actors = inner._held_actors
        self._held_keys = inner._held_keys
        self._prefetched = inner._prefetched
        self._head = inner._head
        self._exclusive = inner._exclusive
        # What the savepoint sent stays, released; what it did not send is sent with ours.
        self._pending += inner._pending
        if inner._savepoint_sent:
            self._pending.append((f"RELEASE SAVEPOINT {inner._savepoint}", ()))
        self._buffer += inner._buffer
        self._changes += inner._changes

    def _commit(self) -> None:
        """Write the counts (last, in key order, so that count rows are never held while an
        actor is waited for), let go of what was held and not written, commit: one round trip."""
        shard = random.randrange(SHARDS)
        actor_deltas = sorted((v, d) for v, d in self._actor_deltas.items() if d)
        decision_deltas = sorted((k, d) for k, d in self._decision_deltas.items() if d)
        state_deltas = sorted((k, d) for k, d in self._state_deltas.items() if d)

        def finish(cur: psycopg.Cursor[Row]) -> None:
            if self._held_actors:
                cur.execute(
                    "DELETE FROM statekeep.actors WHERE id = ANY(%b::text[]) AND data IS NULL",
                    (sorted(self._held_actors),),
                )
            if self._held_keys:
                cur.execute(
                    "DELETE FROM statekeep.idempotency WHERE key = ANY(%b::text[]) AND answer IS NULL",
                    (sorted(self._held_keys),),
                )
            if actor_deltas:
                cur.execute(
                    "INSERT INTO statekeep.actor_counts AS c (version, shard, n) "
                    "SELECT v, %s, d FROM unnest(%b::integer[], %b::bigint[]) AS t(v, d) ORDER BY v "
                    "ON CONFLICT (version, shard) DO UPDATE SET n = c.n + EXCLUDED.n",
                    (shard, [v for v, _ in actor_deltas], [d for _, d in actor_deltas]),
                )
            if decision_deltas:
                cur.execute(
                    "INSERT INTO statekeep.decision_counts AS c (deployment, kind, shard, n) "
                    "SELECT v, k, %s, d FROM unnest(%b::integer[], %b::text[], %b::bigint[]) AS t(v, k, d) "
                    "ORDER BY v, k ON CONFLICT (deployment, kind, shard) DO UPDATE SET n = c.n + EXCLUDED.n",
                    (
                        shard,
                        [v for (v, _), _ in decision_deltas],
                        [k for (_, k), _ in decision_deltas],
                        [d for _, d in decision_deltas],
                    ),
                )
            if state_deltas:
                cur.execute(
                    "INSERT INTO statekeep.state_counts AS c (version, state, shard, n) "
                    "SELECT v, s, %s, d FROM unnest(%b::integer[], %b::text[], %b::bigint[]) AS t(v, s, d) "
                    "ORDER BY v, s ON CONFLICT (version, state, shard) DO UPDATE SET n = c.n + EXCLUDED.n",
                    (
                        shard,
                        [v for (v, _), _ in state_deltas],
                        [st for (_, st), _ in state_deltas],
                        [d for _, d in state_deltas],
                    ),
                )
            changes = self._changes  # with those of the write sets sent in this round trip
            if changes:
                # Last: the head row is held from here to the commit, after every other lock.
                cur.execute(
                    "WITH head AS (UPDATE statekeep.change_head SET last = last + %s RETURNING last) "
                    "INSERT INTO statekeep.changes (seq, actor_id, version, kind, at_ns, sealed) "
                    "SELECT head.last - %s + c.n, c.a, c.v, c.k, c.t, c.s FROM head, unnest(%b::text[], "
                    "%b::integer[], %b::text[], %b::bigint[], %b::bytea[]) WITH ORDINALITY AS c(a, v, k, t, s, n)",
                    (
                        len(changes),
                        len(changes),
                        [c.actor_id for c in changes],
                        [c.version for c in changes],
                        [c.kind for c in changes],
                        [c.at_ns for c in changes],
                        [c.sealed for c in changes],
                    ),
                )
            cur.execute("COMMIT")

        self._flush(finish)


#: The channel on which a transaction that commits a version or changes the keyring NOTIFYs.
CHANNEL = "statekeep"
#: The longest wait between a listener's attempts to connect again.
LISTEN_RETRY = 1.0


class _Listener:
    """A thread that LISTENs on :data:`CHANNEL` on a connection of its own and calls
    ``changed()`` for every notification, and once each time it (re)connects (what it may have
    missed meanwhile). A lost connection is made again, after 0.05 s and then at most every
    :data:`LISTEN_RETRY` seconds. Nothing relies on it: it only makes a process look sooner."""

    def __init__(self, url: str, changed: Callable[[], None]) -> None:
        self._url = url
        self._changed = changed
        self._closing = threading.Event()
        self._wake_r, self._wake_w = os.pipe()
        self._thread = threading.Thread(target=self._run, name="statekeep-listen", daemon=True)
        self._thread.start()

    def _run(self) -> None:
        delay = 0.05
        while not self._closing.is_set():
            try:
                with psycopg.connect(self._url, autocommit=True, connect_timeout=10) as conn:
                    conn.execute(f"LISTEN {CHANNEL}")
                    delay = 0.05
                    self._changed()
                    self._listen(conn)
            except psycopg.Error as e:
                log.debug("statekeep: listening for commits failed (%s); again in %.2f s", e, delay)
            except Exception:
                log.exception("statekeep: a listener's callback failed")
            self._closing.wait(delay)
            delay = min(delay * 4, LISTEN_RETRY)

    def _listen(self, conn: psycopg.Connection[Row]) -> None:
        pgconn = conn.pgconn
        while not self._closing.is_set():
            ready, _, _ = select.select([pgconn.socket, self._wake_r], [], [], 5.0)
            if pgconn.socket in ready:
                pgconn.consume_input()  # raises when the connection broke
                got = False
                while pgconn.notifies() is not None:
                    got = True
                if got:
                    self._changed()
            elif not ready:
                conn.execute("SELECT 1")  # a connection that broke silently fails here

    def close(self) -> None:
        if self._closing.is_set():
            return
        self._closing.set()
        os.write(self._wake_w, b"x")
        self._thread.join()
        os.close(self._wake_r)
        os.close(self._wake_w)


class _Pool:
    """Up to ``size`` connections, made when a transaction wants one and none is idle, in that
    thread: so after a failover the next transaction connects at once, libpq trying each host of
    the URL (with ``target_session_attrs=read-write``, the one that takes writes). A connection
    that broke is dropped, and every idle one with it: whatever broke it (a server restarted,
    failed over, or terminated this process's backends) broke them too."""

    def __init__(self, url: str, size: int, wait: float) -> None:
        self._url = url
        self._size = size
        self._wait = wait
        self._idle: list[psycopg.Connection[Row]] = []
        self._open = 0  # connections made and not dropped: idle or in use
        self._changed = threading.Condition()
        self._closed = False

    def get(self, doing: str) -> psycopg.Connection[Row]:
        deadline = time.monotonic() + self._wait
        with self._changed:
            while True:
                if self._closed:
                    raise StoreError(f"the store was closed while {doing}")
                if self._idle:
                    return self._idle.pop()
                if self._open < self._size:
                    self._open += 1
                    break
                if not self._changed.wait(deadline - time.monotonic()):
                    raise StoreError(
                        f"no connection to the database came free within {self._wait:g} s while {doing}; retry"
                    )
        try:
            conn = psycopg.connect(self._url, autocommit=True, connect_timeout=10)
            _configure(conn)
            return conn
        except BaseException as e:
            with self._changed:
                self._open -= 1
                self._changed.notify()
            if isinstance(e, psycopg.Error):
                raise StoreError(f"cannot connect to the store at {redact(self._url)}: {str(e).strip()}") from e
            raise

    def put(self, conn: psycopg.Connection[Row]) -> None:
        """Back from a transaction, idle (or closed: then it is dropped)."""
        broken: list[psycopg.Connection[Row]] = []
        with self._changed:
            if conn.closed or self._closed:
                broken, self._idle = self._idle, []
                broken.append(conn)
                self._open -= len(broken)
            else:
                self._idle.append(conn)
            self._changed.notify_all()
        for dropped in broken:
            dropped.close()

    def close(self) -> None:
        with self._changed:
            self._closed = True
            idle, self._idle = self._idle, []
            self._open -= len(idle)
            self._changed.notify_all()
        for conn in idle:
            conn.close()


class PostgresStore:
    """A store in a PostgreSQL database, shared by any number of processes.

    The schema is created or upgraded when the store is opened (:func:`migrate`); connections
    come from a small pool, so one store serves the keep's threads."""

    concurrent_writes = True

    def __init__(self, url: str) -> None:
        self.location = redact(url)
        self._url = url
        self._listener: _Listener | None = None
        migrate(url)
        self._pool = _Pool(url, POOL_SIZE, POOL_WAIT)

    @contextmanager
    def _transaction(self, begin: str, doing: str) -> Iterator[tuple[psycopg.Connection[Row], Head]]:
        """A connection from the pool in a transaction begun by ``begin`` (which ends with the
        query of the meta row): its head. The connection goes back to the pool idle, or is
        dropped when it broke. A connection that broke while idle in the pool (a restarted
        server, a terminated backend) fails at the first statement, before anything was done:
        then another one is tried."""
        for attempt in range(POOL_SIZE + 1):
            conn = self._pool.get(doing)
            try:
                cur = conn.execute(begin)
                while cur.nextset():
                    pass
                row = cur.fetchone()
            except psycopg.OperationalError as e:
                self._pool.put(conn)  # closed: dropped, and the idle ones with it
                if conn.closed and attempt < POOL_SIZE:
                    continue
                raise _failure(e, doing) from e
            except BaseException:
                self._release(conn)
                raise
            head: Head = None if row is None else (str(row[0]), int(row[1]), int(row[2]))
            try:
                yield conn, head
            finally:
                self._release(conn)
            return

    def _release(self, conn: psycopg.Connection[Row]) -> None:
        """Back to the pool, out of any transaction (an open one is rolled back)."""
        try:
            if not conn.closed and conn.info.transaction_status != TransactionStatus.IDLE:
                conn.execute("ROLLBACK")
        except psycopg.Error:
            conn.close()
        finally:
            self._pool.put(conn)

    @contextmanager
    def read(self) -> Iterator[PgReader]:
        try:
            with self._transaction(_BEGIN_READ, "reading") as (conn, head):
                yield PgReader(conn, head, locking=False)
        except psycopg.Error as e:
            raise _failure(e, "reading") from e

    @contextmanager
    def write(self, *, exclusive: bool = False) -> Iterator[PgUnitOfWork]:
        """A write transaction; ``exclusive`` (a deploy, a change of the keys, the store's
        creation) waits for every open write and holds new ones back until it ends."""
        try:
            with self._transaction(_BEGIN_EXCLUSIVE if exclusive else _BEGIN_WRITE, "writing") as (conn, head):
                txn = PgUnitOfWork(conn, head, exclusive)
                yield txn
                try:
                    txn._commit()
                except psycopg.OperationalError as e:
                    raise StoreError(
                        f"the connection to the database broke while committing ({str(e).strip()}): the write may "
                        "or may not have committed; read to find out, or retry with the same idempotency key"
                    ) from e
        except psycopg.Error as e:
            raise _failure(e, "writing") from e

    @contextmanager
    def nested(self, parent: UnitOfWork) -> Iterator[PgUnitOfWork]:
        assert isinstance(parent, PgUnitOfWork), "a nested transaction belongs to a transaction of the same store"
        conn = parent._conn
        inner = PgUnitOfWork(conn, parent._head, parent._exclusive, parent)
        try:
            try:
                yield inner
            except BaseException:
                # Only what it sent needs undoing; what it applied and did not send is dropped.
                if inner._savepoint_sent and conn.info.transaction_status != TransactionStatus.UNKNOWN:
                    conn.execute(f"ROLLBACK TO SAVEPOINT {inner._savepoint}; RELEASE SAVEPOINT {inner._savepoint}")
                raise
            parent._adopt(inner)
        except psycopg.Error as e:
            raise _failure(e, "writing") from e

    def backup(self, dest: Path) -> None:
        raise StoreError(f"statekeep does not back up the store at {self.location} to {dest}: {_BACKUP}")

    def maintain(self) -> None:
        """Nothing to do: PostgreSQL cleans up after processes that died by itself."""

    def follow(self, changed: Callable[[], None]) -> None:
        """Call ``changed()`` soon after any process commits a version or changes the keys: a
        connection of its own LISTENs for the NOTIFY those transactions send (see
        :class:`_Listener`)."""
        if self._listener is None:
            self._listener = _Listener(self._url, changed)

    def close(self) -> None:
        if self._listener is not None:
            self._listener.close()
        self._pool.close()
