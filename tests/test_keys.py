"""Encryption keys: envelope encryption, the upgrade of a format-2 store, and rotation while
other processes use the store (none acknowledges a value the rotation then leaves unreadable)."""

from __future__ import annotations

import base64
import json
import os
import shutil
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pytest

import statekeep
from conftest import free_port
from statekeep import crypto
from statekeep.keep import keyring
from test_keep import LOAN_V1, LOAN_V2, PATH, data_files

pytestmark = pytest.mark.usefixtures("key_dir")

FIXTURE = Path(__file__).parent / "fixtures" / "store-format-2"
FIXTURE_KEY = bytes(range(32))


def stored_keyring(keep: statekeep.Keep) -> statekeep.store.Keyring:
    with keep._store.read() as txn:
        found = txn.keyring()
    assert isinstance(found, statekeep.store.Keyring)
    return found


def test_values_are_sealed_under_a_data_key_that_the_operator_key_only_wraps(tmp_path: Path) -> None:
    operator = os.urandom(32)
    with statekeep.open(tmp_path / "data", key=operator) as keep:
        keep.deploy("loan-v1", LOAN_V1)
        keep.spawn("loan-v1", {"n": 1}, actor_id="a")
        ring = stored_keyring(keep)
        with keep._store.read() as txn:
            sealed = txn.context("a")
    assert crypto.Sealer.key_id_of(sealed) == ring.current != crypto.key_id(operator)
    assert list(ring.checks) == [crypto.key_id(operator)]
    assert operator not in data_files(tmp_path / "data")


def test_an_answer_kept_for_an_idempotency_key_is_sealed(tmp_path: Path) -> None:
    marker = "ANSWER-MARKER-51c0"
    with statekeep.open(tmp_path / "data") as keep:
        keep.deploy("loan-v1", LOAN_V1)
        first = keep.spawn("loan-v1", {"m": marker}, actor_id="a", idempotency_key="spawn-a")
        assert keep.spawn("loan-v1", {"m": marker}, actor_id="a", idempotency_key="spawn-a") == first
    assert marker.encode() not in data_files(tmp_path / "data")


def test_a_store_of_format_2_opens_and_is_upgraded(tmp_path: Path) -> None:
    data = tmp_path / "data"
    shutil.copytree(FIXTURE, data)
    with statekeep.open(data, key=FIXTURE_KEY) as keep:
        alice = keep.get("alice")
        assert (alice.version, alice.context["marker"]) == ("loan-v2", "fixture-secret")
        assert keep.history("alice")[0]["payload"] == {"note": "fixture-payload"}
        assert keep.get("bob").version == "loan-v1"
        ring = stored_keyring(keep)
        # New values are sealed under a fresh data key; the old ones still open (the operator
        # key of format 2 became a data key, sealed under itself).
        keep.send("bob", {"type": "APPROVE", "note": "after-upgrade"})
        assert keep.history("bob")[-1]["payload"] == {"note": "after-upgrade"}
        assert crypto.key_id(FIXTURE_KEY) in ring.data_keys and ring.current != crypto.key_id(FIXTURE_KEY)
        keep.rotate_key(os.urandom(32), wait=5)
        with keep._store.read() as txn:
            assert {crypto.Sealer.key_id_of(txn.context(a)) for a in ("alice", "bob")} == {stored_keyring(keep).current}
    with pytest.raises(statekeep.EncryptionError, match="does not open this store"):
        statekeep.open(data, key=FIXTURE_KEY)


def test_rotation_waits_for_every_live_process_before_it_drops_a_key(tmp_path: Path) -> None:
    old, new = os.urandom(32), os.urandom(32)
    with statekeep.open(tmp_path / "data", key=old) as keep:
        keep.deploy("loan-v1", LOAN_V1)
        keep.spawn("loan-v1", {"n": 1}, actor_id="a")
        # Another process that has not loaded the new keyring (its session is fresh but its
        # generation old): the rotation re-seals everything, then keeps the old keys.
        with keep._store.write() as txn:
            txn.put_session(
                "other",
                statekeep.store.Session(
                    pid=1, host="elsewhere", started_at=time.time(), seen_at=time.time() + 60, generation=1
                ),
            )
        with pytest.raises(statekeep.Error, match="1 live processes .* have not loaded it yet"):
            keep.rotate_key(new, wait=0.5)
        ring = stored_keyring(keep)
        assert ring.rotating is not None and set(ring.checks) == {crypto.key_id(old), crypto.key_id(new)}
        # The process took the new keyring: run it again, and it finishes.
        with keep._store.write() as txn:
            txn.put_session(
                "other",
                statekeep.store.Session(
                    pid=1, host="elsewhere", started_at=time.time(), seen_at=time.time(), generation=ring.generation
                ),
            )
        keep.rotate_key(new, wait=0.5)
        ring = stored_keyring(keep)
        assert (
            ring.rotating is None
            and list(ring.checks) == [crypto.key_id(new)]
            and list(ring.data_keys) == [ring.current]
        )
        assert keep.get("a").context == {"n": 1}


OTHER_PROCESS = textwrap.dedent(
    """
    import base64, json, sys, time
    from pathlib import Path
    import statekeep
    data, key, go, behave = Path(sys.argv[1]), base64.b64decode(sys.argv[2]), Path(sys.argv[3]), sys.argv[4]
    with statekeep.open(data, key=key) as keep:
        if behave == "silent":  # a process that stops following the keyring
            keep._workers["sessions"].close()
            with keep._store.write() as txn:
                txn.delete_session(keep._session_id)
        print("ready", flush=True)
        while not go.exists():
            time.sleep(0.05)
        try:
            context = keep.get("x").context
            keep.spawn("loan-v1", {"by": "other"}, actor_id="y")
            print(json.dumps({"read": context}))
        except statekeep.Error as e:
            print(json.dumps({"error": type(e).__name__, "message": str(e)}))
    """
)


def other_process(data: Path, key: bytes, go: Path, behave: str) -> subprocess.Popen[str]:
    """Another process with the store open under ``key``: it reads actor x and spawns y once
    ``go`` exists, and prints what happened."""
    child = subprocess.Popen(
        [sys.executable, "-c", OTHER_PROCESS, str(data), base64.b64encode(key).decode(), str(go), behave],
        stdout=subprocess.PIPE,
        text=True,
    )
    assert child.stdout is not None and child.stdout.readline().strip() == "ready"
    return child


def test_a_process_opened_with_the_old_key_follows_the_rotation(tmp_path: Path) -> None:
    old, new = os.urandom(32), os.urandom(32)
    data, go = tmp_path / "data", tmp_path / "go"
    with statekeep.open(data, key=old) as keep:
        keep.deploy("loan-v1", LOAN_V1)
        keep.spawn("loan-v1", {"by": "us"}, actor_id="x")
        other = other_process(data, old, go, "follows")
        # The rotation waits until the other process has loaded the new data key (while the
        # old key still wrapped it); then the old key goes.
        keep.rotate_key(new, wait=20)
        go.touch()
        out, _ = other.communicate(timeout=30)
        assert json.loads(out) == {"read": {"by": "us"}}
        assert keep.get("y").context == {"by": "other"}
    with statekeep.open(data, key=new) as keep:
        assert [keep.get(i).context["by"] for i in ("x", "y")] == ["us", "other"]


def test_a_process_that_cannot_open_the_current_data_key_fails_closed(tmp_path: Path) -> None:
    old, new = os.urandom(32), os.urandom(32)
    data, go = tmp_path / "data", tmp_path / "go"
    with statekeep.open(data, key=old) as keep:
        keep.deploy("loan-v1", LOAN_V1)
        keep.spawn("loan-v1", {"by": "us"}, actor_id="x")
        other = other_process(data, old, go, "silent")
        keep.rotate_key(new, wait=5)
        go.touch()
        out, _ = other.communicate(timeout=30)
        assert json.loads(out) == {
            "error": "EncryptionError",
            "message": "the store's data key was changed under an operator key this process was not given; "
            "restart it with the store's current key",
        }
        assert [a.id for a in keep.actors()] == ["x"], "it wrote nothing"


ROTATION_LOAD = textwrap.dedent(
    """
    import json, sys, threading, time
    import httpx
    url, token, prefix, seconds = sys.argv[1], sys.argv[2], sys.argv[3], float(sys.argv[4])
    acknowledged, failed = [], []
    client = httpx.Client(base_url=url, headers={"Authorization": f"Bearer {token}"}, timeout=30)
    deadline = time.monotonic() + seconds
    n = 0
    while time.monotonic() < deadline:
        actor = f"{prefix}{n % 20}"
        r = client.post(f"/v1/actors/{actor}/events", json={"type": "NOTE", "n": n, "secret": f"payload-{n}"})
        if r.status_code == 200:
            acknowledged.append([actor, n])
        else:
            failed.append([r.status_code, r.text])
        n += 1
    print(json.dumps({"acknowledged": acknowledged, "failed": failed}))
    """
)


def serve(data: Path, port: int, key_file: Path) -> subprocess.Popen[bytes]:
    env = {**os.environ, "STATEKEEP_KEY_FILE": str(key_file)}
    return subprocess.Popen(
        [sys.executable, "-m", "statekeep", "serve", "--data", str(data), "--port", str(port)],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )


def wait_healthy(port: int) -> None:
    import httpx

    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        try:
            if httpx.get(f"http://127.0.0.1:{port}/v1/health", timeout=1).status_code == 200:
                return
        except httpx.HTTPError:
            time.sleep(0.1)
    raise AssertionError(f"the server on port {port} did not start")


def test_two_servers_and_a_rotation_from_the_command_lose_nothing(tmp_path: Path) -> None:
    data = tmp_path / "data"
    old_file, new_file = tmp_path / "old.key", tmp_path / "new.key"
    old_file.write_text(base64.b64encode(os.urandom(32)).decode())
    new_file.write_text(base64.b64encode(os.urandom(32)).decode())
    with statekeep.open(data, key=old_file.read_text()) as keep:
        keep.deploy("loan-v1", LOAN_V1)
        keep.deploy("loan-v2", LOAN_V2, parent="loan-v1", history_path=PATH)
        ids = [f"{p}{i}" for p in ("a", "b") for i in range(20)]
        keep.spawn_many("loan-v1", [{"i": i} for i in ids], actor_ids=ids)
        token = keep.create_api_key("write").token
    assert token is not None
    ports = [free_port(), free_port()]
    servers = [serve(data, port, old_file) for port in ports]
    try:
        for port in ports:
            wait_healthy(port)
        loads = [
            subprocess.Popen(
                [sys.executable, "-c", ROTATION_LOAD, f"http://127.0.0.1:{port}", token, prefix, "6"],
                stdout=subprocess.PIPE,
            )
            for port, prefix in zip(ports, ("a", "b"), strict=True)
        ]
        time.sleep(1)
        rotation = subprocess.run(
            [sys.executable, "-m", "statekeep", "rotate-key", "--data", str(data), "--new-key-file", str(new_file)],
            env={**os.environ, "STATEKEEP_KEY_FILE": str(old_file)},
            capture_output=True,
            timeout=120,
        )
        assert rotation.returncode == 0, rotation.stderr.decode()
        results = [json.loads(load.communicate()[0]) for load in loads]
        acknowledged = [tuple(pair) for r in results for pair in r["acknowledged"]]
        assert len(acknowledged) > 100
        assert [f for r in results for f in r["failed"]] == [], "no request failed during the rotation"
    finally:
        for server in servers:
            server.terminate()
            server.wait(timeout=30)
    with statekeep.open(data, key=new_file.read_text()) as keep:
        unreadable = 0
        seen: set[tuple[str, int]] = set()
        for actor in ids:
            try:
                for entry in keep.history(actor):
                    seen.add((actor, entry["payload"]["n"]))
                keep.get(actor)
            except statekeep.EncryptionError:
                unreadable += 1
        assert unreadable == 0
        assert set(acknowledged) <= seen, "every acknowledged send is in the store and readable"
        ring = stored_keyring(keep)
        assert list(ring.checks) == [crypto.key_id(crypto.parse_key(new_file.read_text()))]
    with pytest.raises(statekeep.EncryptionError):
        statekeep.open(data, key=old_file.read_text())


def test_sessions_of_processes_long_gone_are_forgotten(tmp_path: Path) -> None:
    with statekeep.open(tmp_path / "data") as keep:
        with keep._store.write() as txn:
            txn.put_session(
                "gone",
                statekeep.store.Session(
                    pid=1, host="h", started_at=0, seen_at=time.time() - keyring.FORGET - 1, generation=1
                ),
            )
        keep.heartbeat()
        with keep._store.read() as txn:
            assert set(txn.sessions()) == {keep._session_id}
