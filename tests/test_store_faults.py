"""What the store does when things go wrong: a damaged record, a full map, a full disk during a
scan, a process killed with a reader slot open, a backup killed half way."""

from __future__ import annotations

import logging
import os
import shutil
import signal
import subprocess
import sys
import textwrap
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import httpx
import pytest

import statekeep
from statekeep.store import lmdb as lmdb_store
from test_keep import LOAN_V1, LOAN_V2, PATH

pytestmark = pytest.mark.usefixtures("key_dir")


def wait_for(condition: object, timeout: float = 20.0) -> None:
    deadline = time.monotonic() + timeout
    while not condition():  # type: ignore[operator]
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.05)


# ----- a damaged record is the server's fault, a bad argument the client's -----------------------


def test_a_damaged_actor_record_is_a_500_that_says_so_and_a_bad_argument_a_422(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    from served import served

    with served(tmp_path / "data") as server:
        server.keep.deploy("loan-v1", LOAN_V1)
        server.keep.spawn("loan-v1", {}, actor_id="broken")
        with server.keep._store.write() as txn:
            assert isinstance(txn, lmdb_store.LmdbUnitOfWork)
            txn._put("actors", b"broken", b"SKA2 not an actor record")
        headers = {"Authorization": f"Bearer {server.admin}"}
        with caplog.at_level(logging.ERROR, logger="statekeep.service"):
            got = httpx.get(f"{server.url}/v1/actors/broken", headers=headers)
        assert got.status_code == 500
        assert "the store is damaged" in got.json()["detail"] and "'broken'" in got.json()["detail"]
        assert any("broken" in r.getMessage() for r in caplog.records), "the log names the record"
        bad = httpx.post(f"{server.url}/v1/actors", headers=headers, json={"definitionId": "loan-v1", "actorId": ""})
        assert bad.status_code == 422


# ----- the map: it grows by itself, and a size limit is a clear error ----------------------------


def test_the_map_grows_as_the_store_does(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(lmdb_store, "INITIAL_MAP_SIZE", 1 << 20)
    with statekeep.open(tmp_path / "data") as keep:
        keep.deploy("loan-v1", LOAN_V1)
        for batch in range(8):
            keep.spawn_many("loan-v1", [{"pad": "x" * 2000}] * 200, actor_ids=[f"a{batch}-{i}" for i in range(200)])
        assert isinstance(keep._store, lmdb_store.LmdbStore) and keep._store._env.info()["map_size"] > 1 << 20
        assert len(keep.actors()) == 1600


def test_a_store_at_its_size_limit_refuses_writes_and_goes_on_reading(tmp_path: Path) -> None:
    limit = 4 << 20
    with statekeep.open(tmp_path / "data", max_size=limit) as keep:
        keep.deploy("loan-v1", LOAN_V1)
        keep.spawn("loan-v1", {"n": 0}, actor_id="first")
        with pytest.raises(statekeep.errors.StoreFull, match="reached its size limit of 4194304 bytes"):
            for batch in range(100):
                keep.spawn_many("loan-v1", [{"pad": "x" * 4000}] * 100, actor_ids=[f"b{batch}-{i}" for i in range(100)])
        assert keep.get("first").context == {"n": 0}
        kept = len(keep.actors())
    with statekeep.open(tmp_path / "data", max_size=64 << 20) as keep:
        keep.spawn("loan-v1", {"n": 1}, actor_id="after")
        assert len(keep.actors()) == kept + 1


def test_a_full_map_is_a_507_over_http(tmp_path: Path) -> None:
    from served import served

    with served(tmp_path / "data") as server:
        server.keep.deploy("loan-v1", LOAN_V1)
        store = server.keep._store
        assert isinstance(store, lmdb_store.LmdbStore)
        store._max_size = store._env.info()["map_size"]
        headers = {"Authorization": f"Bearer {server.admin}"}
        statuses = set()
        for _ in range(200):
            body = {"definitionId": "loan-v1", "contexts": [{"pad": "y" * 4000}] * 200}
            got = httpx.post(f"{server.url}/v1/actors/batch", headers=headers, json=body, timeout=30)
            statuses.add(got.status_code)
            if got.status_code != 201:
                assert got.status_code == 507 and "size limit" in got.json()["detail"]
                break
        assert statuses == {201, 507}
        assert httpx.get(f"{server.url}/v1/actors?limit=1", headers=headers).status_code == 200


# ----- a full disk during a scan: the worker waits it out and resumes ----------------------------


@contextmanager
def small_disk(path: Path, size: str) -> Iterator[Path]:
    """A tmpfs of ``size`` mounted at ``path`` (the tests run as root, as CI does)."""
    path.mkdir(parents=True)
    subprocess.run(["mount", "-t", "tmpfs", "-o", f"size={size}", "tmpfs", str(path)], check=True)
    try:
        yield path
    finally:
        subprocess.run(["umount", "-l", str(path)], check=True)


def test_a_scan_that_fills_the_disk_retries_reports_and_resumes_when_space_is_freed(tmp_path: Path) -> None:
    with small_disk(tmp_path / "disk", "12m") as disk, statekeep.Keep(disk / "data", scan=False) as keep:
        keep.deploy("loan-v1", LOAN_V1)
        for batch in range(4):
            ids = [f"a{batch}-{i:04d}" for i in range(1000)]
            keep.spawn_many("loan-v1", [{"i": i} for i in ids], actor_ids=ids)
            keep.send_many([(i, e) for i in ids for e in PATH])
        filler = disk / "filler"
        free = shutil.disk_usage(disk).free
        filler.write_bytes(b"\0" * (free - (64 << 10)))
        keep._workers["scan"].backoff = (0.05, 0.2)
        keep.deploy("loan-v2", LOAN_V2, parent="loan-v1", history_path=PATH)
        keep._workers["scan"].start()
        wait_for(lambda: keep._workers["scan"].failures >= 2)
        shown = keep.deployment("loan-v2")
        assert not shown.done and shown.last_error is not None and "disk is full" in shown.last_error
        assert keep.get("a0-0001").version == "loan-v2", "reads go on, decided"
        filler.unlink()
        wait_for(lambda: keep.deployment("loan-v2").done)
        done = keep.deployment("loan-v2")
        assert done.last_error is None and done.counts["migrated"] == 4000
        assert keep._workers["scan"].last_error is None


# ----- a process killed with a reader slot open does not stop page reuse -------------------------

HOLD_A_READER = textwrap.dedent(
    """
    import sys, time
    import statekeep
    keep = statekeep.Keep(sys.argv[1], key=bytes(range(32)), scan=False)
    # Quiet, so it dies holding only its reader slot (a process killed inside a write
    # transaction makes LMDB check the reader slots itself, when the next writer takes the lock).
    keep._workers["sessions"].close()
    with keep._store.read() as txn:
        txn.commits()
        print("reading", flush=True)
        time.sleep(600)
    """
)


def grow_by_writes(keep: statekeep.Keep, rounds: int) -> int:
    """How much the data file grows over ``rounds`` transactions that each rewrite the same
    records (no new data: with every freed page reused, nothing)."""
    assert keep.path is not None
    size = lmdb_store.size(keep.path)
    for n in range(rounds):
        with keep._store.write() as txn:
            for i in range(20):
                txn.put_api_key(f"probe-{i}", {"n": n, "pad": "p" * 600})
    return lmdb_store.size(keep.path) - size


def test_reader_slots_of_killed_processes_are_cleared_so_the_file_stays_small(tmp_path: Path) -> None:
    data = tmp_path / "data"
    with statekeep.Keep(data, key=bytes(range(32)), scan=False) as keep:
        keep.deploy("loan-v1", LOAN_V1)
        keep.spawn_many("loan-v1", [{"i": i} for i in range(20)], actor_ids=[f"a{i}" for i in range(20)])
        grow_by_writes(keep, 50)
        child = subprocess.Popen([sys.executable, "-c", HOLD_A_READER, str(data)], stdout=subprocess.PIPE, text=True)
        assert child.stdout is not None and child.stdout.readline().strip() == "reading"
        child.send_signal(signal.SIGKILL)
        child.wait()
        keep._store.maintain()  # what the heartbeat does every two seconds
        after_kill = grow_by_writes(keep, 400)
    # With the dead reader's slot left, every page freed after its snapshot stays pinned and
    # the file grows with each write (the test below shows it).
    assert after_kill <= 64 << 10, after_kill


def test_without_the_reader_check_a_dead_reader_pins_pages(tmp_path: Path) -> None:
    """The measure above can fail: a dead reader not cleared makes the file grow."""
    data = tmp_path / "data"
    with statekeep.Keep(data, key=bytes(range(32)), scan=False) as keep:
        keep._workers["sessions"].close()  # no heartbeat, so no housekeeping
        keep.deploy("loan-v1", LOAN_V1)
        keep.spawn_many("loan-v1", [{"i": i} for i in range(20)], actor_ids=[f"a{i}" for i in range(20)])
        grow_by_writes(keep, 50)
        child = subprocess.Popen([sys.executable, "-c", HOLD_A_READER, str(data)], stdout=subprocess.PIPE, text=True)
        assert child.stdout is not None and child.stdout.readline().strip() == "reading"
        child.send_signal(signal.SIGKILL)
        child.wait()
        pinned = grow_by_writes(keep, 400)
    assert pinned > 1 << 20, pinned


# ----- a backup killed half way is never mistaken for one -----------------------------------------

BACKUP = textwrap.dedent(
    """
    import sys
    import statekeep
    with statekeep.Keep(sys.argv[1], key=bytes(range(32)), scan=False) as keep:
        print("backing up", flush=True)
        keep.backup(sys.argv[2])
    """
)


def test_a_killed_backup_never_appears_under_its_name(tmp_path: Path) -> None:
    data, dest = tmp_path / "data", tmp_path / "backup"
    with statekeep.Keep(data, key=bytes(range(32)), scan=False) as keep:
        keep.deploy("loan-v1", LOAN_V1)
        for batch in range(40):
            ids = [f"a{batch}-{i}" for i in range(500)]
            keep.spawn_many("loan-v1", [{"pad": os.urandom(1500).hex()}] * 500, actor_ids=ids)
    child = subprocess.Popen([sys.executable, "-c", BACKUP, str(data), str(dest)], stdout=subprocess.PIPE, text=True)
    assert child.stdout is not None and child.stdout.readline().strip() == "backing up"
    wait_for(lambda: lmdb_store.size(dest) > 0, timeout=30)
    child.send_signal(signal.SIGKILL)
    child.wait()
    assert not dest.exists(), "the backup never appeared under its name"
    (partial,) = tmp_path.glob(".backup.partial-*")
    assert not (partial / "manifest.json").exists()


def test_a_copy_cut_off_is_refused_by_open_and_restore_instead_of_crashing(tmp_path: Path) -> None:
    with statekeep.Keep(tmp_path / "data", key=bytes(range(32)), scan=False) as keep:
        keep.deploy("loan-v1", LOAN_V1)
        keep.spawn_many("loan-v1", [{"pad": "z" * 3000}] * 300, actor_ids=[f"a{i}" for i in range(300)])
        keep.backup(tmp_path / "whole")
    cut = tmp_path / "cut"
    cut.mkdir()
    whole = (tmp_path / "whole" / "data.mdb").read_bytes()
    (cut / "data.mdb").write_bytes(whole[: len(whole) // 2])
    with pytest.raises(statekeep.errors.StoreDamaged, match="incomplete store"):
        statekeep.open(cut, key=bytes(range(32)))
    with pytest.raises(statekeep.errors.StoreDamaged, match="incomplete store"):
        statekeep.keep.restore_store(cut, tmp_path / "restored")
    assert not (tmp_path / "restored").exists()
    statekeep.keep.restore_store(tmp_path / "whole", tmp_path / "restored")
    with statekeep.open(tmp_path / "restored", key=bytes(range(32))) as keep:
        assert len(keep.actors()) == 300


def test_a_backup_that_does_not_match_its_manifest_is_refused(tmp_path: Path) -> None:
    with statekeep.Keep(tmp_path / "data", scan=False) as keep:
        keep.deploy("loan-v1", LOAN_V1)
        keep.backup(tmp_path / "backup")
    manifest = (tmp_path / "backup" / "manifest.json").read_text()
    assert '"sha256"' in manifest and '"store_id"' in manifest
    with (tmp_path / "backup" / "data.mdb").open("r+b") as f:
        f.seek(5000)
        f.write(b"\xff")
    with pytest.raises(statekeep.errors.StoreDamaged, match="does not match its manifest"):
        statekeep.keep.restore_store(tmp_path / "backup", tmp_path / "restored")


def test_a_store_that_could_not_be_created_leaves_nothing_behind(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("STATEKEEP_KEY_DIR")
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "data" / "config"))  # the key would land in the data dir
    with pytest.raises(statekeep.EncryptionError, match="inside the data directory"):
        statekeep.open(tmp_path / "data")
    assert not statekeep.keep.store_exists(tmp_path / "data")
