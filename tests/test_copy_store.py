"""``statekeep copy-store``: a store moved from a directory to PostgreSQL and back, verified by
comparing every record and every actor."""

from __future__ import annotations

import json
import os
import time
from pathlib import Path
from typing import Any

import psycopg
import pytest
from click.testing import CliRunner

import statekeep
from statekeep.cli import cli
from statekeep.store import Delivery, Timer, WriteSet, copy, open_store

MACHINE: dict[str, Any] = {
    "id": "m",
    "initial": "idle",
    "states": {"idle": {"on": {"NOTE": {"actions": "note"}, "GO": "busy"}}, "busy": {"on": {"STOP": "idle"}}},
}
#: GO is not handled: replaying a history with GO in it strands the actor.
NO_GO: dict[str, Any] = {"id": "m", "initial": "idle", "states": {"idle": {"on": {"NOTE": {}}}, "busy": {}}}


def build(location: str, key: bytes) -> None:
    """A store with some of everything: versions, deployments scanned and one not, actors that
    migrated, stayed, were stranded and released, payloads and contexts, idempotency records,
    API keys, timers."""
    with statekeep.Keep(location, key=key, scan=False, allow_private_webhooks=True, webhooks=False) as keep:
        keep.deploy("m", MACHINE)
        ids = [f"a{n:03}" for n in range(150)]
        keep.spawn_many("m", [{"n": n} for n in range(150)], actor_ids=ids)
        for n, actor_id in enumerate(ids):
            keep.send(actor_id, {"type": "NOTE", "n": n}, idempotency_key=f"note-{n}")
            if n % 3 == 0:
                keep.send(actor_id, "GO", guards={"g": True})
        keep.deploy("m2", MACHINE, parent="m", history_path=["NOTE"], landing="state")
        while keep.scan_step(batch=40):
            pass
        keep.deploy("m3", NO_GO, parent="m2", history_path=["NOTE", "GO"])  # strands; not scanned
        keep.release("a000")
        keep.send("a001", "NOTE")
        keep.create_api_key("write", name="copied")
        writes = WriteSet()
        writes.timer("a002", "after:5s", Timer(due=1_900_000_000_000, occurrence="o1", kind="after", event="TICK"))
        with keep._store.write() as txn:
            txn.apply(writes)
        hook = keep.add_webhook("http://127.0.0.1:9/hooks", kinds=["event"])
        with keep._store.write() as txn:
            txn.put_delivery(hook.id, Delivery(7, "a005", "event", due=1_900_000_000_000))
            # (Dead a moment ago: older than the retention window, the outbox worker prunes it.)
            died = time.time()
            txn.put_delivery(hook.id, Delivery(3, "a006", "event", attempts=[{"at": died - 1}], dead=died))


def test_a_directory_copied_to_postgresql_and_back_is_the_same_store(
    tmp_path: Path, postgres_url: str, key_dir: Path
) -> None:
    key = os.urandom(32)
    source = str(tmp_path / "data")
    build(source, key)
    env = {"STATEKEEP_KEY": key.hex()}
    there = CliRunner().invoke(cli, ["copy-store", "--from", source, "--to", postgres_url, "--json"], env=env)
    assert there.exit_code == 0, there.output
    report = json.loads(there.output)
    assert report["copied"] | {"events": 0, "decisions": 0, "changes": 0} == {
        "versions": 3,
        "actors": 150,
        "decisions": 0,
        "events": 0,
        "contexts": 150,
        "timers": 1,
        "answers": 150,
        "api_keys": 1,
        "changes": 0,
        "webhooks": 1,
    }
    assert report["copied"]["events"] == 150 + 50 + 1 and report["copied"]["decisions"] > 150
    # Every outbox entry, with its number: 150 spawns, 201 sends, the moves and the release.
    with statekeep.Keep(source, key=key, scan=False) as keep:
        assert report["copied"]["changes"] == keep.last_change() > 150 + 201
    assert report["actorsCompared"] == 150

    with statekeep.Keep(source, key=key, scan=False) as a, statekeep.Keep(postgres_url, key=key, scan=False) as b:
        assert b.get("a003") == a.get("a003") and b.get("a003").needs_rescue is not None
        assert b.decisions("a000") == a.decisions("a000") and b.decisions("a000")[-1]["kind"] == "released"
        assert b.history("a010") == a.history("a010")
        assert b.webhooks() == a.webhooks() and b.webhooks()[0].pending == b.webhooks()[0].dead == 1
        assert b.deployment("m3").done is False and b.deployment("m3") == a.deployment("m3")
        again = b.send("a004", {"type": "NOTE", "n": 4}, idempotency_key="note-4")  # the kept answer, replayed
        assert again.seq == 1
        reader = b.authenticate(b.create_api_key("read").token or "")
        assert reader is not None and reader.scope == "read"

    back = tmp_path / "back"
    returned = CliRunner().invoke(cli, ["copy-store", "--from", postgres_url, "--to", str(back)], env=env)
    assert returned.exit_code == 0, returned.output
    assert "150 actors compared through the keep: the same" in returned.output
    with statekeep.Keep(back, key=key, scan=False) as c:
        assert c.get("a002").context == {"n": 2} and sorted(k.scope for k in c.api_keys()) == ["read", "write"]
        assert c.stats()["actors"]["m2"] > 0


def test_a_copy_goes_only_to_an_empty_place_and_the_comparison_finds_what_differs(
    tmp_path: Path, postgres_server: Any, key_dir: Path
) -> None:
    key = os.urandom(32)
    source = str(tmp_path / "data")
    build(source, key)
    target = postgres_server.database()
    a, b = open_store(source), open_store(target)
    try:
        copied = copy.copy(a, b, batch=16)  # many small transactions
        assert copied.actors == 150 and copy.compare(a, b, batch=7).differences == []
        with pytest.raises(statekeep.Error, match="holds a store already"):
            copy.copy(a, b)
    finally:
        a.close()
        b.close()
    with psycopg.connect(target, autocommit=True) as conn:
        conn.execute("UPDATE statekeep.contexts SET sealed = sealed || '\\x00'::bytea WHERE actor_id = 'a007'")
        conn.execute("UPDATE statekeep.events SET type = 'STOP' WHERE actor_id = 'a009' AND idx = 0")
        conn.execute("DELETE FROM statekeep.meta")
    a, b = open_store(source), open_store(target)
    try:
        with pytest.raises(statekeep.Error, match="holds data but no store"):
            copy.copy(a, b)
    finally:
        a.close()
        b.close()
    with psycopg.connect(target, autocommit=True) as conn:
        conn.execute("DROP SCHEMA statekeep CASCADE")
    refused = CliRunner().invoke(cli, ["copy-store", "--from", source, "--to", str(tmp_path)])
    assert refused.exit_code == 1 and "is not empty" in refused.output
    missing = CliRunner().invoke(cli, ["copy-store", "--from", str(tmp_path / "nothing"), "--to", target])
    assert missing.exit_code == 1 and "there is no store at" in missing.output

    # A copy whose records differ is caught.
    copied_again = postgres_server.database()
    a, b = open_store(source), open_store(copied_again)
    try:
        copy.copy(a, b)
        with psycopg.connect(copied_again, autocommit=True) as conn:
            conn.execute("UPDATE statekeep.contexts SET sealed = sealed || '\\x00'::bytea WHERE actor_id = 'a007'")
            conn.execute("UPDATE statekeep.events SET type = 'STOP' WHERE actor_id = 'a009' AND idx = 0")
        found = [d.what for d in copy.compare(a, b).differences]
        assert found == ["contexts 'a007'", "events ('a009', 0)"]
    finally:
        a.close()
        b.close()
