from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest

if TYPE_CHECKING:
    from postgres import PostgresServer

CONFORMANCE = Path(__file__).parent / "conformance"
REGRESSIONS = Path(__file__).parent / "regressions"


def load_cases(name: str, folder: Path = CONFORMANCE) -> list[dict[str, Any]]:
    with open(folder / name, encoding="utf-8") as f:
        return [json.loads(line) for line in f if line.strip()]


@pytest.fixture
def key_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Generated keys go to a directory of the test's own, never to the user's config."""
    keys = tmp_path / "keys"
    monkeypatch.setenv("STATEKEEP_KEY_DIR", str(keys))
    monkeypatch.delenv("STATEKEEP_KEY", raising=False)
    monkeypatch.delenv("STATEKEEP_KEY_FILE", raising=False)
    return keys


def free_port() -> int:
    """A loopback port nothing listens on now (for a server a test starts as a process)."""
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture(scope="session")
def postgres_server() -> Iterator[PostgresServer]:
    """A PostgreSQL server for the whole run, started on first use (tests/postgres.py)."""
    from postgres import PostgresServer

    server = PostgresServer()
    try:
        server.start()
        yield server
    finally:
        server.stop()


@pytest.fixture
def postgres_url(postgres_server: PostgresServer) -> str:
    """The URL of a new database of the test's own on the session's PostgreSQL server."""
    return postgres_server.database()


@pytest.fixture(params=["lmdb", "postgres"])
def store_location(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """A new store's location, once on each back end: a directory (LMDB), or a database of the
    test's own on the session's PostgreSQL server."""
    if request.param == "postgres":
        return str(request.getfixturevalue("postgres_url"))
    return str(tmp_path / "data")


@pytest.fixture(autouse=True)
def webhooks_reach_loopback_only(monkeypatch: pytest.MonkeyPatch) -> None:
    """No test delivers a webhook beyond this machine: whatever a test (or schemathesis) makes an
    endpoint of, a delivery connects to a loopback address or not at all."""
    import ipaddress

    from statekeep import webhooks

    resolve = webhooks.resolve

    def loopback_only(target: webhooks.Target, allow_private: bool) -> str:
        address = resolve(target, allow_private)
        if not ipaddress.ip_address(address.split("%", 1)[0]).is_loopback:
            raise webhooks.AddressRefused(f"the tests reach loopback addresses only, not {address}")
        return address

    monkeypatch.setattr(webhooks, "resolve", loopback_only)
