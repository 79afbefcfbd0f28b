"""The PostgreSQL store beyond the contract every back end meets (tests/test_store_contract.py):
the server the tests start, and what only a database shared by several processes shows."""

from __future__ import annotations

import json
import os
import pwd
import re
import subprocess
import sys
import threading
import time
from pathlib import Path
from typing import Any, cast

import psycopg
import pytest
from click.testing import CliRunner

import statekeep
from conftest import free_port
from postgres import PostgresServer
from statekeep.cli import cli
from statekeep.keep import store_exists, store_id_of
from statekeep.store import postgres

MACHINE: dict[str, Any] = {
    "id": "m",
    "initial": "idle",
    "states": {"idle": {"on": {"NOTE": {"actions": "note"}, "GO": "busy"}}, "busy": {"on": {"STOP": "idle"}}},
}


def test_the_test_server_is_a_real_postgresql_with_durable_commits(postgres_server: PostgresServer) -> None:
    with postgres_server.admin() as conn:
        settings = conn.execute(
            "SELECT current_setting('server_version_num'), current_setting('fsync'), "
            "current_setting('synchronous_commit')"
        ).fetchone()
        assert settings is not None
        version, fsync, synchronous = (str(s) for s in settings)
        owner = conn.execute("SELECT pg_catalog.pg_get_userbyid(datdba) FROM pg_database WHERE datname = 'postgres'")
        assert owner.fetchone() == ("postgres",)
    assert int(version) >= 130000 and (fsync, synchronous) == ("on", "on")
    pid = int((postgres_server.data / "postmaster.pid").read_text().split()[0])
    assert pwd.getpwuid(os.stat(f"/proc/{pid}").st_uid).pw_name != "root"
    first, second = postgres_server.database(), postgres_server.database()
    assert first != second
    with psycopg.connect(first) as conn:
        assert conn.execute("SELECT current_database()").fetchone() == (first.rsplit("/", 1)[1],)


# ----- the schema -----------------------------------------------------------------------------------


def test_a_schema_of_an_older_version_is_upgraded_in_place(postgres_url: str, key_dir: Path) -> None:
    import psycopg

    with psycopg.connect(postgres_url, autocommit=True) as conn:
        conn.execute("CREATE SCHEMA statekeep")
        conn.execute(
            "CREATE TABLE statekeep.schema_version (version integer PRIMARY KEY, applied_at timestamptz NOT NULL DEFAULT now())"
        )
        conn.execute(postgres.MIGRATIONS[0])
        conn.execute("INSERT INTO statekeep.schema_version (version) VALUES (1)")
    upgraded = CliRunner().invoke(cli, ["migrate-store", "--json", "--store", postgres_url])
    assert upgraded.exit_code == 0, upgraded.output
    assert json.loads(upgraded.output) == {"store": postgres_url, "from": 1, "to": postgres.SCHEMA_VERSION}
    with psycopg.connect(postgres_url) as conn:
        assert conn.execute("SELECT to_regclass('statekeep.timers')").fetchone() != (None,), "version 2 added timers"


def test_the_schema_is_created_by_the_store_or_the_command_and_a_newer_one_is_refused(
    postgres_url: str, key_dir: Path
) -> None:
    created = CliRunner().invoke(cli, ["migrate-store", "--store", postgres_url])
    assert created.exit_code == 0, created.output
    assert created.output == f"created the schema of {postgres_url} at version {postgres.SCHEMA_VERSION}\n"
    again = CliRunner().invoke(cli, ["migrate-store", "--json"], env={"STATEKEEP_STORE": postgres_url})
    version = postgres.SCHEMA_VERSION
    assert json.loads(again.output) == {"store": postgres_url, "from": version, "to": version}
    assert not store_exists(postgres_url), "a schema is not a store"
    with statekeep.open(postgres_url) as keep:
        keep.deploy("m", MACHINE)
    assert store_exists(postgres_url)

    with psycopg.connect(postgres_url, autocommit=True) as conn:
        conn.execute("INSERT INTO statekeep.schema_version (version) VALUES (%s)", (postgres.SCHEMA_VERSION + 1,))
    newer = f"has schema version {postgres.SCHEMA_VERSION + 1}, newer than this statekeep's"
    with pytest.raises(statekeep.Error, match=newer):
        statekeep.open(postgres_url)
    refused = CliRunner().invoke(cli, ["migrate-store", "--store", postgres_url])
    assert refused.exit_code == 1 and newer in refused.output


def test_processes_creating_the_schema_and_the_store_at_once_make_one(postgres_url: str, key_dir: Path) -> None:
    key = os.urandom(32)
    ids: list[str | None] = []
    failures: list[BaseException] = []

    def open_one() -> None:
        try:
            with statekeep.open(postgres_url, key=key) as keep:
                ids.append(store_id_of(postgres_url))
                keep.definitions()
        except BaseException as e:
            failures.append(e)

    threads = [threading.Thread(target=open_one) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert failures == [] and len(ids) == 4 and len(set(ids)) == 1
    with psycopg.connect(postgres_url) as conn:
        versions = conn.execute("SELECT version FROM statekeep.schema_version ORDER BY version").fetchall()
        assert versions == [(v,) for v in range(1, postgres.SCHEMA_VERSION + 1)], "each migration applied once"


def test_a_url_is_a_store_without_a_data_directory(postgres_url: str, key_dir: Path) -> None:
    """The generated key goes to the key directory, named by the store id; max_size belongs to
    the embedded store; backup and restore are PostgreSQL's."""
    with pytest.raises(statekeep.InvalidRequest, match="max_size"):
        statekeep.open(postgres_url, max_size=1 << 30)
    with statekeep.open(postgres_url) as keep:
        assert keep.path is None
        with pytest.raises(statekeep.StoreError, match="pg_dump"):
            keep.backup(key_dir / "backup")
    store_id = store_id_of(postgres_url)
    assert store_id is not None and (key_dir / f"{store_id}.key").exists()
    with statekeep.open(postgres_url) as keep:  # with the generated key, from the default key file
        assert keep.definitions() == []
    with pytest.raises(statekeep.EncryptionError):
        statekeep.open(postgres_url, key=os.urandom(32))


# ----- several processes on one database ------------------------------------------------------------

MACHINE_2: dict[str, Any] = {**MACHINE, "states": {**MACHINE["states"], "busy": {"on": {"STOP": "idle", "NOTE": {}}}}}


def test_two_nodes_sending_to_one_actor_apply_every_send_once_in_one_order(postgres_url: str, key_dir: Path) -> None:
    """Two keeps on one database (two nodes: each its own store and connections), two senders
    each, to one actor, and a deploy from the second node in the middle: every acknowledged send
    is in the history once, in the order of the sequence numbers it was acknowledged with; a
    send acknowledged before another began comes first; every send that began after the deploy
    returned, on either node, sees it."""
    key = os.urandom(32)
    nodes = [statekeep.Keep(postgres_url, key=key, scan=False) for _ in range(2)]
    try:
        nodes[0].deploy("m", MACHINE)
        nodes[0].spawn("m", actor_id="hot")
        sends: list[tuple[str, int, float, float, int, str]] = []  # sender, i, began, acked, seq, version
        deployed_at: list[float] = []
        lock = threading.Lock()

        def sender(node: statekeep.Keep, name: str) -> None:
            for i in range(40):
                began = time.monotonic()
                result = node.send("hot", {"type": "NOTE", "from": name, "i": i})
                with lock:
                    sends.append((name, i, began, time.monotonic(), result.seq, result.version))
                if name == "b0" and i == 15:
                    node.deploy("m2", MACHINE_2, parent="m", history_path=["NOTE"], landing="state")
                    deployed_at.append(time.monotonic())

        threads = [
            threading.Thread(target=sender, args=(node, f"{'ab'[n]}{t}"))
            for n, node in enumerate(nodes)
            for t in range(2)
        ]
        for t in threads:
            t.start()
        for t in threads:
            t.join()

        history = nodes[1].history("hot")
        assert len(history) == len(sends) == 160 and nodes[0].get("hot").seq == 160
        by_seq = {seq: (name, i) for name, i, _, _, seq, _ in sends}
        assert sorted(by_seq) == list(range(1, 161)), "every acknowledgement has a sequence number of its own"
        assert [(h["payload"]["from"], h["payload"]["i"]) for h in history] == [by_seq[n] for n in range(1, 161)]
        for _, _, _, acked, seq, _ in sends:
            assert all(seq < later_seq for _, _, began, _, later_seq, _ in sends if began > acked)
        assert all(version == "m2" for _, _, began, _, _, version in sends if began > deployed_at[0])
        assert nodes[0].get("hot").version == "m2"
        assert [d["kind"] for d in nodes[0].decisions("hot")] == ["migrated"]
    finally:
        for node in nodes:
            node.close()


def deadlocks(url: str) -> int:
    """How many deadlocks the server broke in the database at ``url``."""
    with psycopg.connect(url) as conn:
        row = conn.execute("SELECT deadlocks FROM pg_stat_database WHERE datname = current_database()").fetchone()
        assert row is not None
        return int(row[0])


def test_group_commits_on_two_nodes_lock_their_actors_in_one_order(postgres_url: str, key_dir: Path) -> None:
    """Two nodes' group commits send to the same actors, one group in ascending order and the
    other descending: the groups lock their actors in id order, so none deadlocks, and every
    send applies once."""
    key = os.urandom(32)
    nodes = [statekeep.Keep(postgres_url, key=key, scan=False) for _ in range(2)]
    try:
        ids = [f"a{n:02}" for n in range(24)]
        nodes[0].deploy("m", MACHINE)
        nodes[0].spawn_many("m", [None] * len(ids), actor_ids=ids)
        before = deadlocks(postgres_url)
        failures: list[object] = []

        def run(node: statekeep.Keep, order: list[str]) -> None:
            for _ in range(15):
                calls: list[tuple[str, tuple[Any, ...], dict[str, Any]]] = [
                    ("send", (a, "NOTE"), {}) for a in order[:12]
                ]
                calls.append(("send_many", ([(a, "NOTE") for a in order[12:]],), {}))
                failures.extend(r for r in node.run_group(calls) if isinstance(r, BaseException))

        threads = [
            threading.Thread(target=run, args=(nodes[0], ids)),
            threading.Thread(target=run, args=(nodes[1], ids[::-1])),
        ]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        assert failures == []
        assert deadlocks(postgres_url) == before
        assert [nodes[1].get(a).seq for a in ids] == [30] * len(ids)
    finally:
        for node in nodes:
            node.close()


def test_a_group_that_deadlocks_is_undone_and_tried_again(postgres_url: str, key_dir: Path) -> None:
    """A conflict no order prevents (another transaction holds an id the group spawns, then
    waits for one the group holds): PostgreSQL aborts the group, which is tried again whole and
    applies once; its callers never see the deadlock."""
    with statekeep.Keep(postgres_url, key=os.urandom(32), scan=False) as keep:
        keep.deploy("m", MACHINE)
        before = deadlocks(postgres_url)
        results: list[Any] = []
        with psycopg.connect(postgres_url) as other:
            other.execute("SET deadlock_timeout = '10s'")  # so that the group's check finds the deadlock first
            other.execute("INSERT INTO statekeep.actors (id) VALUES ('y')")
            group = threading.Thread(
                target=lambda: results.extend(
                    keep.run_group([("spawn", ("m",), {"actor_id": "x"}), ("spawn", ("m",), {"actor_id": "y"})])
                )
            )
            group.start()
            deadline = time.monotonic() + 10
            waiting = (
                "SELECT count(*) FROM pg_stat_activity WHERE wait_event_type = 'Lock' AND datname = current_database()"
            )
            while other.execute(waiting).fetchone() != (1,):  # until the group holds x and waits for y
                assert time.monotonic() < deadline
                time.sleep(0.01)
            other.execute("INSERT INTO statekeep.actors (id) VALUES ('x') ON CONFLICT (id) DO NOTHING")
            other.rollback()
        group.join(20)
        assert [type(r).__name__ for r in results] == ["Actor", "Actor"]
        assert deadlocks(postgres_url) == before + 1
        assert sorted(a.id for a in keep.actors()) == ["x", "y"]


def test_two_nodes_scanning_one_deployment_take_turns_and_decide_each_actor_once(
    postgres_url: str, key_dir: Path
) -> None:
    key = os.urandom(32)
    nodes = [statekeep.Keep(postgres_url, key=key, scan=False) for _ in range(2)]
    try:
        nodes[0].deploy("m", MACHINE)
        ids = [f"a{n:03}" for n in range(300)]
        nodes[0].spawn_many("m", [None] * len(ids), actor_ids=ids)
        for actor_id in ids[::3]:
            nodes[1].send(actor_id, "NOTE")
        nodes[1].deploy("m2", MACHINE_2, parent="m", history_path=["NOTE"], landing="state")
        steps = [0, 0]

        def scan(n: int) -> None:
            while nodes[n].scan_step(batch=25):
                steps[n] += 1

        threads = [threading.Thread(target=scan, args=(n,)) for n in range(2)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        progress = nodes[0].deployment("m2")
        assert (progress.done, progress.scanned, progress.total) == (True, 300, 300)
        # (An actor that never had a NOTE is not due yet: its history is shorter than the path.)
        assert progress.counts == {"migrated": 100}
        assert sum(steps) == 300 // 25 + 1, "each batch scanned once, whichever node took it, then the end"
        records = nodes[1].decisions(deployment="m2")
        assert sorted(r["actor"] for r in records) == ids[::3]
        assert nodes[1].stats()["actors"] == {"m": 200, "m2": 100}
    finally:
        for node in nodes:
            node.close()


def seen_after(node: statekeep.Keep, versions: int) -> float:
    """Seconds until ``node`` has taken ``versions`` versions by itself (it is not asked)."""
    started = time.monotonic()
    while len(node._registry) < versions:
        assert time.monotonic() - started < 10
        time.sleep(0.001)
    return time.monotonic() - started


def test_another_node_takes_a_deploy_when_told_and_within_a_second_when_not(
    postgres_server: PostgresServer, postgres_url: str, key_dir: Path
) -> None:
    """A deploy NOTIFYs; the other node's listener wakes it, it takes the version and its scan
    materialises the deployment without any request. Without the notification (its listener
    gone, or its connection killed) it looks every second anyway."""
    key = os.urandom(32)
    with (
        statekeep.Keep(postgres_url, key=key, scan=False) as deployer,
        statekeep.Keep(postgres_url, key=key) as other,
    ):
        deployer.deploy("m", MACHINE)
        assert seen_after(other, 1) < 0.5
        deployer.spawn_many("m", [None] * 50, actor_ids=[f"a{n}" for n in range(50)])
        deployer.send_many([(f"a{n}", "NOTE") for n in range(50)])
        deployer.deploy("m2", MACHINE_2, parent="m", history_path=["NOTE"], landing="state")
        assert seen_after(other, 2) < 0.5
        deadline = time.monotonic() + 5
        while not deployer.deployment("m2").done:  # the other node's scan did it: the deployer has none
            assert time.monotonic() < deadline
            time.sleep(0.01)
        assert deployer.deployment("m2").counts == {"migrated": 50}

        # Its listener's connection killed: it listens again on a new one.
        database = postgres_url.rsplit("/", 1)[1]
        listeners = "FROM pg_stat_activity WHERE datname = %s AND query LIKE 'LISTEN%%'"
        with postgres_server.admin() as conn:
            killed = conn.execute(f"SELECT array_agg(pid), count(pg_terminate_backend(pid)) {listeners}", (database,))
            row = killed.fetchone()
        assert row is not None and row[1] == 2
        pids = cast(list[int], row[0])
        deadline = time.monotonic() + 5
        while True:
            with postgres_server.admin() as conn:
                listening = conn.execute(f"SELECT array_agg(pid) {listeners}", (database,)).fetchone()
                if listening is not None and len(set(cast(list[int], listening[0] or [])) - set(pids)) == 2:
                    break
            assert time.monotonic() < deadline
            time.sleep(0.02)
        deployer.deploy("m3", MACHINE, parent="m2")
        assert seen_after(other, 3) < 0.5

        # No listener at all: within the second it waits between looks.
        listener = other._store._listener  # type: ignore[attr-defined]
        listener.close()
        deployer.deploy("m4", MACHINE, parent="m3")
        assert 0.0 < seen_after(other, 4) < 1.5


def test_a_connection_the_server_dropped_is_replaced(postgres_server: PostgresServer, postgres_url: str) -> None:
    with statekeep.open(postgres_url, key=os.urandom(32)) as keep:
        keep.deploy("m", MACHINE)
        keep.spawn("m", actor_id="a")
        with postgres_server.admin() as conn:
            ended = conn.execute(
                "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity WHERE datname = %s",
                (postgres_url.rsplit("/", 1)[1],),
            ).fetchone()
        assert ended is not None and int(str(ended[0])) >= 1
        assert keep.send("a", "GO").value == "busy"
        assert keep.get("a").seq == 1


def test_a_store_backed_up_with_pg_dump_restores_with_pg_restore_and_opens_with_its_key(
    postgres_server: PostgresServer, postgres_url: str, tmp_path: Path
) -> None:
    """The backup docs/operations.md describes, while a writer goes on."""
    key = os.urandom(32)
    with statekeep.open(postgres_url, key=key) as keep:
        keep.deploy("m", MACHINE)
        keep.spawn_many("m", [{"n": n} for n in range(20)], actor_ids=[f"a{n}" for n in range(20)])
        stop = threading.Event()

        def write() -> None:
            n = 0
            while not stop.is_set():
                keep.send(f"a{n % 20}", {"type": "NOTE", "n": n})
                n += 1

        writer = threading.Thread(target=write)
        writer.start()
        time.sleep(0.2)
        dump = tmp_path / "statekeep.dump"
        subprocess.run(
            [
                str(postgres_server.bin / "pg_dump"),
                "--format=custom",
                "--schema=statekeep",
                f"--file={dump}",
                postgres_url,
            ],
            check=True,
        )
        stop.set()
        writer.join()
    copy = postgres_server.database()
    subprocess.run([str(postgres_server.bin / "pg_restore"), f"--dbname={copy}", str(dump)], check=True)
    with statekeep.open(copy, key=key) as restored:
        actors = restored.actors()
        assert sorted(a.id for a in actors) == sorted(f"a{n}" for n in range(20))
        for actor in actors:
            history = restored.history(actor.id)
            assert actor.seq == len(history) == actor.history_length
            assert [h["payload"]["n"] % 20 for h in history] == [int(actor.id[1:])] * len(history)
        assert restored.get("a3").context == {"n": 3}


# ----- statekeep serve --store ------------------------------------------------------------------------


def test_serve_takes_a_store_url_or_a_directory_not_both(postgres_url: str, tmp_path: Path) -> None:
    def serve(*args: str, env: dict[str, str] | None = None) -> str:
        result = CliRunner().invoke(cli, ["serve", *args], env=env)
        assert result.exit_code == 2, result.output
        return result.output

    assert "give --data or --store, not both" in serve("--data", str(tmp_path), "--store", postgres_url)
    assert "is not a postgresql:// URL" in serve("--store", str(tmp_path))
    assert "a PostgreSQL store's size is its database's" in serve("--store", postgres_url, "--max-size", "1G")
    both = {"STATEKEEP_DATA": str(tmp_path), "STATEKEEP_STORE": postgres_url}
    assert "STATEKEEP_DATA and STATEKEEP_STORE are both set" in serve(env=both)
    hidden = serve("--store", postgres_url.replace("postgres@", "postgres:secret@"), "--max-size", "1G")
    assert "secret" not in hidden
    in_query = f"{postgres_url}?sslmode=prefer&password=secret&connect_timeout=5"
    migrated = CliRunner().invoke(cli, ["migrate-store", "--json", "--store", in_query])
    assert migrated.exit_code == 0, migrated.output
    assert json.loads(migrated.output)["store"] == f"{postgres_url}?sslmode=prefer&password=***&connect_timeout=5"


def started(command: list[str], env: dict[str, str]) -> tuple[subprocess.Popen[str], str]:
    """A ``statekeep serve`` process, once it says it is serving; and what it said."""
    server = subprocess.Popen(command, env=env, stderr=subprocess.PIPE, text=True)
    assert server.stderr is not None
    lines: list[str] = []
    while not any("serving" in line for line in lines):
        line = server.stderr.readline()
        assert line, "the server stopped: " + "".join(lines)
        lines.append(line)
    return server, "".join(lines)


def test_two_servers_on_one_database_serve_every_actor(postgres_url: str, key_dir: Path) -> None:
    """``statekeep serve --store URL`` twice: a deploy through one is seen through the other at
    once, and sends to one actor through both apply once each."""
    env = os.environ | {"STATEKEEP_KEY": os.urandom(32).hex(), "STATEKEEP_STORE": postgres_url}
    ports = [free_port(), free_port()]
    servers: list[subprocess.Popen[str]] = []
    tokens: list[str] = []
    try:
        for port in ports:
            server, banner = started([sys.executable, "-m", "statekeep", "serve", "--port", str(port)], env)
            servers.append(server)
            assert f"serving {postgres_url} on http://127.0.0.1:{port}" in banner
            tokens += re.findall(r"sk_[\w-]+", banner)
        assert len(tokens) == 1, "the first server made an admin key; the second found it"
        clients = [statekeep.connect(f"http://127.0.0.1:{port}", api_key=tokens[0]) for port in ports]
        for client in clients:  # wait until each answers
            deadline = time.monotonic() + 20
            while True:
                try:
                    client.definitions()
                    break
                except statekeep.Error:
                    assert time.monotonic() < deadline
                    time.sleep(0.05)
        clients[0].deploy("m", MACHINE)
        clients[1].spawn("m", actor_id="shared")

        def send(client: statekeep.Client, name: str) -> None:
            for i in range(25):
                client.send("shared", {"type": "NOTE", "from": name, "i": i})

        threads = [threading.Thread(target=send, args=(c, f"n{n}")) for n, c in enumerate(clients)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        clients[1].deploy("m2", MACHINE_2, parent="m", history_path=["NOTE"], landing="state")
        assert clients[0].get("shared").version == "m2"
        history = clients[0].history("shared")
        assert sorted((h["payload"]["from"], h["payload"]["i"]) for h in history) == sorted(
            (f"n{n}", i) for n in range(2) for i in range(25)
        )
        for client in clients:
            client.close()
    finally:
        for server in servers:
            server.terminate()
            server.wait(20)
