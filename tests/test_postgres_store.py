"""The PostgreSQL store beyond the contract every back end meets (tests/test_store_contract.py):
the server the tests start, and what only a database shared by several processes shows."""

from __future__ import annotations

import json
import os
import pwd
import threading
from pathlib import Path
from typing import Any

import psycopg
import pytest
from click.testing import CliRunner

import statekeep
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


def test_the_schema_is_created_by_the_store_or_the_command_and_a_newer_one_is_refused(
    postgres_url: str, key_dir: Path
) -> None:
    created = CliRunner().invoke(cli, ["migrate-store", "--store", postgres_url])
    assert created.exit_code == 0, created.output
    assert created.output == f"created the schema of {postgres_url} at version {postgres.SCHEMA_VERSION}\n"
    again = CliRunner().invoke(cli, ["migrate-store", "--json"], env={"STATEKEEP_STORE": postgres_url})
    assert json.loads(again.output) == {"store": postgres_url, "from": 1, "to": 1}
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
        assert conn.execute("SELECT version FROM statekeep.schema_version").fetchall() == [(1,)]


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
