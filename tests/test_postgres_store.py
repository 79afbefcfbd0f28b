"""The PostgreSQL store beyond the contract every back end meets (tests/test_store_contract.py):
the server the tests start, and what only a database shared by several processes shows."""

from __future__ import annotations

import os
import pwd

import psycopg

from postgres import PostgresServer


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
