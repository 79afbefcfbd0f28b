"""The scan's overlapped batches on PostgreSQL (``Scanner.step``, the background worker's step):
each batch commits on a thread of its own while the next is read and decided, and that next one
writes the scan's record only after the commit went through and left the record as it began
from. Whatever fails in between (a commit, a connection the server drops, another node's scan
moving on), every actor of the deployment ends decided once: one record, one outbox entry, the
counts exact."""

from __future__ import annotations

import os
import threading
from pathlib import Path
from typing import Any

import psycopg
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import statekeep
from statekeep.errors import StoreError
from statekeep.store import postgres
from statekeep.workers import scan

MACHINE: dict[str, Any] = {"id": "m", "initial": "idle", "states": {"idle": {"on": {"GO": "busy"}}, "busy": {}}}
MACHINE_2: dict[str, Any] = {**MACHINE, "states": {**MACHINE["states"], "busy": {"on": {"STOP": "idle"}}}}
ACTORS = [f"a{n:03}" for n in range(240)]
MOVED = ACTORS[::2]  # those that went to busy: the new version's history path takes them
BATCH = 20


def store_with_a_deployment_to_scan(url: str, key: bytes) -> None:
    with statekeep.Keep(url, key=key, scan=False) as keep:
        keep.deploy("m", MACHINE)
        keep.spawn_many("m", [None] * len(ACTORS), actor_ids=ACTORS)
        keep.send_many([(a, "GO") for a in MOVED])
        keep.deploy("m2", MACHINE_2, parent="m", history_path=["GO"])


def scan_until_done(keep: statekeep.Keep, between: Any = None) -> int:
    """Worker steps (overlapped) until there is no work, the failures of steps retried as the
    worker retries them; ``between(step)`` after each step. Returns the failed steps."""
    failed = steps = 0
    while True:
        try:
            worked = keep._scanner.step(keep, BATCH)
        except StoreError:
            failed += 1
            assert failed < 50, "the scan never got through"
            continue
        steps += 1
        if not worked:
            keep._scanner.settle(keep)
            return failed
        if between is not None:
            between(steps)


def assert_every_actor_decided_once(url: str, key: bytes, *, sent: tuple[str, ...] = ()) -> None:
    """... the actors ``sent`` caught up by a send (its outbox entry is the send's), which the
    scan then passed over."""
    by_sends = len(sent)
    with statekeep.Keep(url, key=key, scan=False) as keep:
        progress = keep.deployment("m2")
        assert (progress.done, progress.scanned, progress.total) == (True, len(ACTORS) - by_sends, len(ACTORS))
        assert progress.counts == {"migrated": len(MOVED)}
        records = keep.decisions(deployment="m2")
        assert sorted(r["actor"] for r in records) == MOVED  # one each, none twice
        migrations = [c.actor_id for c in keep.changes(limit=1000) if c.kind == "migrated"]
        assert sorted(migrations) == [a for a in MOVED if a not in sent]  # one outbox entry each
        assert keep.stats()["actors"] == {"m": len(ACTORS) - len(MOVED), "m2": len(MOVED)}


def test_overlapped_batches_scan_everything_once(postgres_url: str, key_dir: Path) -> None:
    key = os.urandom(32)
    store_with_a_deployment_to_scan(postgres_url, key)
    with statekeep.Keep(postgres_url, key=key, scan=False) as keep:
        committers: set[str] = set()
        commit = postgres.PgUnitOfWork._commit

        def noting(txn: postgres.PgUnitOfWork) -> None:
            committers.add(threading.current_thread().name)
            commit(txn)

        with pytest.MonkeyPatch.context() as patch:
            patch.setattr(postgres.PgUnitOfWork, "_commit", noting)
            assert scan_until_done(keep) == 0
        # The batches before the last committed on the committer's thread, beside the next.
        assert any(name.startswith("statekeep-scan-commit") for name in committers)
    assert_every_actor_decided_once(postgres_url, key)


@settings(max_examples=8, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(failing=st.sets(st.integers(min_value=1, max_value=14), max_size=4))
def test_a_batch_whose_commit_fails_is_redone_and_the_one_after_it_undone(
    postgres_server: Any, key_dir: Path, failing: set[int]
) -> None:
    """The commits numbered in ``failing`` (counting the scan's commits on the committer's
    thread) fail: the batch read and decided beside each is undone too, and both are redone."""
    url = postgres_server.database()
    key = os.urandom(32)
    store_with_a_deployment_to_scan(url, key)
    commits = 0
    commit = postgres.PgUnitOfWork._commit

    def failing_some(txn: postgres.PgUnitOfWork) -> None:
        nonlocal commits
        if threading.current_thread().name.startswith("statekeep-scan-commit"):
            commits += 1
            if commits in failing:
                raise psycopg.OperationalError("the connection broke (a test's)")
        commit(txn)

    with statekeep.Keep(url, key=key, scan=False) as keep, pytest.MonkeyPatch.context() as patch:
        patch.setattr(postgres.PgUnitOfWork, "_commit", failing_some)
        failed = scan_until_done(keep)
    assert failed == len([n for n in failing if n <= commits])
    assert_every_actor_decided_once(url, key)


def test_connections_the_server_drops_between_batches_lose_nothing_and_apply_nothing_twice(
    postgres_url: str, key_dir: Path
) -> None:
    """Every third batch, while its commit waits on the committer's thread and the next batch
    is being decided, all of the node's connections are terminated: both batches die, and the
    scan goes on from what the store holds."""
    key = os.urandom(32)
    store_with_a_deployment_to_scan(postgres_url, key)
    handed_off = threading.Semaphore(0)
    commit = postgres.PgUnitOfWork._commit
    killed = 0

    def after_the_step(txn: postgres.PgUnitOfWork) -> None:
        if threading.current_thread().name.startswith("statekeep-scan-commit"):
            assert handed_off.acquire(timeout=30)  # (the step that handed it off has returned)
        commit(txn)

    def kill_every_third(step: int) -> None:
        nonlocal killed
        if step % 3 == 0:
            with psycopg.connect(postgres_url, autocommit=True) as admin:
                rows = admin.execute(
                    "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = current_database() "
                    "AND pid <> pg_backend_pid() AND backend_type = 'client backend'"
                ).fetchall()
            killed += len(rows)
        handed_off.release()

    with statekeep.Keep(postgres_url, key=key, scan=False) as keep, pytest.MonkeyPatch.context() as patch:
        patch.setattr(postgres.PgUnitOfWork, "_commit", after_the_step)
        failed = scan_until_done(keep, kill_every_third)
    assert killed and failed
    assert_every_actor_decided_once(postgres_url, key)


def test_two_nodes_overlapping_their_batches_decide_each_actor_once(postgres_url: str, key_dir: Path) -> None:
    """Two nodes' worker steps at once on one deployment: a batch that began from a record the
    other node moved on is undone (``claim_scan``), never written twice."""
    key = os.urandom(32)
    store_with_a_deployment_to_scan(postgres_url, key)
    nodes = [statekeep.Keep(postgres_url, key=key, scan=False) for _ in range(2)]
    try:
        threads = [threading.Thread(target=scan_until_done, args=(node,)) for node in nodes]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
    finally:
        for node in nodes:
            node.close()
    assert_every_actor_decided_once(postgres_url, key)


def test_an_actor_a_send_changes_between_the_batchs_read_and_its_lock_is_not_decided_twice(
    postgres_url: str, key_dir: Path
) -> None:
    """A batch reads its actors without a lock and locks them only to write them: a send that
    catches one of them up meanwhile (on another node) makes the batch undone and decided
    again with its actors locked as read; the actor keeps the send's one decision."""
    key = os.urandom(32)
    store_with_a_deployment_to_scan(postgres_url, key)
    checks: list[bool] = []
    decide, unchanged = scan._decide_batch, scan._unchanged_once_locked

    with (
        statekeep.Keep(postgres_url, key=key, scan=False) as keep,
        statekeep.Keep(postgres_url, key=key, scan=False) as other,
        pytest.MonkeyPatch.context() as patch,
    ):

        def sending_meanwhile(*args: Any, **kwargs: Any) -> Any:
            batch = decide(*args, **kwargs)
            if batch is not None and not kwargs["locking"] and not checks:
                other.send(batch.page[0][0], "STOP")  # (a thread of its own: committed now)
            return batch

        def noting(*args: Any) -> bool:
            checks.append(unchanged(*args))
            return checks[-1]

        patch.setattr(scan, "_decide_batch", sending_meanwhile)
        patch.setattr(scan, "_unchanged_once_locked", noting)
        assert scan_until_done(keep) == 0
        assert checks[0] is False and all(checks[1:])
        assert [r["kind"] for r in keep.decisions(actor_id=ACTORS[0])] == ["migrated"]
        assert (keep.get(ACTORS[0]).version, keep.get(ACTORS[0]).value) == ("m2", "idle")
    assert_every_actor_decided_once(postgres_url, key, sent=(ACTORS[0],))
