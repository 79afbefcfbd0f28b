"""A real PostgreSQL server for the tests: ``initdb`` and ``pg_ctl`` from the machine's
PostgreSQL (Debian's ``postgresql`` package; ``.ci/run`` installs it), a cluster in a temporary
directory listening on a free loopback port, run as the ``postgres`` user when the tests run as
root (PostgreSQL refuses to run as root). Each test gets a database of its own, made from a
template in a tenth of a second. Nothing here is a stand-in: a test that needs PostgreSQL fails,
saying why, when it cannot start one."""

from __future__ import annotations

import contextlib
import glob
import itertools
import os
import pwd
import shutil
import signal
import subprocess
import tempfile
import time
from pathlib import Path

import psycopg

from conftest import free_port

#: The user the server runs as when the tests run as root.
SERVER_USER = "postgres"


def bindir() -> Path:
    """Where ``initdb`` and ``pg_ctl`` are: ``pg_config --bindir``, else the newest
    ``/usr/lib/postgresql/<version>/bin`` (Debian keeps them there, off the PATH)."""
    found: list[Path] = []
    if shutil.which("pg_config"):
        out = subprocess.run(["pg_config", "--bindir"], capture_output=True, text=True, check=False)
        if out.returncode == 0:
            found.append(Path(out.stdout.strip()))
    versions = sorted(glob.glob("/usr/lib/postgresql/*/bin"), key=lambda p: int(Path(p).parent.name), reverse=True)
    found += [Path(p) for p in versions]
    for candidate in found:
        if (candidate / "initdb").exists() and (candidate / "pg_ctl").exists():
            return candidate
    raise RuntimeError(
        "the PostgreSQL tests need PostgreSQL's server programs (initdb, pg_ctl), found neither through "
        "pg_config --bindir nor in /usr/lib/postgresql/*/bin: install them (Debian: apt-get install postgresql)"
    )


def _alive(pid: int) -> bool:
    """Whether process ``pid`` runs (a zombie, dead and not yet reaped, does not)."""
    try:
        return Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0] != "Z"
    except OSError:
        return False


class PostgresServer:
    """One PostgreSQL cluster for a test session; :meth:`database` makes a fresh database."""

    def __init__(self) -> None:
        self.bin = bindir()
        self._as_root = os.geteuid() == 0
        # As root, in /tmp: the server's user must reach the directory, and TMPDIR may be
        # root's own.
        where = "/tmp" if self._as_root and os.path.isdir("/tmp") else None
        self.root = Path(tempfile.mkdtemp(prefix="statekeep-pg-", dir=where))
        self.data = self.root / "data"
        self.log = self.root / "server.log"
        self.port = 0
        self._names = itertools.count()
        if self._as_root:
            try:
                user = pwd.getpwnam(SERVER_USER)
            except KeyError:
                raise RuntimeError(
                    f"the tests run as root and PostgreSQL refuses to: they run it as the user {SERVER_USER!r}, "
                    "which does not exist (Debian's postgresql package makes it)"
                ) from None
            os.chown(self.root, user.pw_uid, user.pw_gid)

    def _run(self, *args: str, timeout: float = 120) -> None:
        command = [str(self.bin / args[0]), *args[1:]]
        if self._as_root:
            command = ["runuser", "-u", SERVER_USER, "--", *command]
        done = subprocess.run(command, capture_output=True, text=True, timeout=timeout, check=False)
        if done.returncode != 0:
            log = self.log.read_text(errors="replace")[-4000:] if self.log.exists() else ""
            raise RuntimeError(
                f"{' '.join(command)} failed ({done.returncode}):\n{done.stdout}{done.stderr}\nserver log:\n{log}"
            )

    def start(self, settings: dict[str, str] | None = None) -> None:
        """A new cluster, started with ``settings`` (server settings) beside the tests' own."""
        # No fsync while initdb writes the template databases: they are thrown away with the run.
        self._run("initdb", "-D", str(self.data), "-U", "postgres", "--auth=trust", "-E", "UTF8", "--no-sync")
        self._start(settings or {})

    def _start(self, settings: dict[str, str]) -> None:
        last: RuntimeError | None = None
        extra = "".join(f" -c {name}={value}" for name, value in settings.items())
        for _ in range(3):  # a free port can be taken between finding it and listening on it
            self.port = free_port()
            options = (
                f"-p {self.port} -k {self.root} -c listen_addresses=127.0.0.1 -c max_connections=300 "
                f"-c shared_buffers=64MB{extra}"
            )
            try:
                self._run("pg_ctl", "-D", str(self.data), "-l", str(self.log), "-w", "-t", "60", "-o", options, "start")
                return
            except RuntimeError as e:
                last = e
        assert last is not None
        raise last

    def standby(self) -> PostgresServer:
        """A streaming standby of this server (``pg_basebackup -R``: it follows this one, and
        takes over when promoted), started on a port of its own."""
        standby = PostgresServer()
        self._run(
            "pg_basebackup",
            "-D",
            str(standby.data),
            "-h",
            "127.0.0.1",
            "-p",
            str(self.port),
            "-U",
            "postgres",
            "-R",
            "-X",
            "stream",
            "--checkpoint=fast",
            "--no-sync",
        )
        standby._start({"cluster_name": "standby"})
        return standby

    def kill(self) -> None:
        """SIGKILL the server and every process of it at once, as a machine that dies."""
        postmaster = int((self.data / "postmaster.pid").read_text().split()[0])
        family = [postmaster]
        for stat in glob.glob("/proc/[0-9]*/stat"):
            try:
                fields = Path(stat).read_text().rsplit(")", 1)[1].split()
            except OSError:
                continue
            if int(fields[1]) == postmaster:
                family.append(int(Path(stat).parent.name))
        for pid in family:
            with contextlib.suppress(ProcessLookupError):
                os.kill(pid, signal.SIGKILL)
        deadline = time.monotonic() + 10
        while any(_alive(pid) for pid in family):
            assert time.monotonic() < deadline, "the server's processes did not die"
            time.sleep(0.01)
        (self.data / "postmaster.pid").unlink()

    def promote(self) -> None:
        """Make a standby the primary (``pg_ctl promote``, waiting until it takes writes)."""
        self._run("pg_ctl", "-D", str(self.data), "-w", "-t", "60", "promote")

    def url(self, database: str) -> str:
        return f"postgresql://postgres@127.0.0.1:{self.port}/{database}"

    def admin(self) -> psycopg.Connection[tuple[object, ...]]:
        return psycopg.connect(self.url("postgres"), autocommit=True)

    def database(self) -> str:
        """The URL of a new, empty database."""
        name = f"statekeep_test_{next(self._names)}"
        with self.admin() as conn:
            conn.execute(f"CREATE DATABASE {name} TEMPLATE template0")
        return self.url(name)

    def stop(self) -> None:
        try:
            if (self.data / "postmaster.pid").exists():
                self._run("pg_ctl", "-D", str(self.data), "-m", "immediate", "-w", "stop")
        finally:
            shutil.rmtree(self.root, ignore_errors=True)
