"""The README's examples, run: its Python blocks on a temporary store, its shell blocks against a
real ``statekeep serve`` on loopback. A reader's first contact must work as written.

The README leaves some names to the reader: ``definition``, ``v1`` and ``v2`` are the loan
story's definitions (``statekeep.cli.story``), ``stored_actors`` the bytes of actors a store
holds, ``{...}`` a definition's JSON, ``$KEY`` and ``sk_...`` an admin API key, and the server
listens on port 8080 in the README and on a free port here.
"""

from __future__ import annotations

import ast
import json
import os
import re
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest

import statekeep
from statekeep.cli.story import LOAN_V1, LOAN_V2, PATH

README = Path(__file__).parent.parent / "README.md"
_BLOCK = re.compile(r"^```(\w+)\n(.*?)^```$", re.MULTILINE | re.DOTALL)

pytestmark = pytest.mark.usefixtures("key_dir")


def blocks(language: str) -> list[str]:
    return [body for lang, body in _BLOCK.findall(README.read_text(encoding="utf-8")) if lang == language]


def run_python(block: str, names: dict[str, Any]) -> tuple[dict[str, Any], list[Any]]:
    """Run a block as a reader would type it; returns its names and the value of each of its
    expression statements, in order (what a REPL would show)."""
    results: list[Any] = []

    class Record(ast.NodeTransformer):
        def visit_Expr(self, node: ast.Expr) -> ast.stmt:
            call = ast.Call(ast.Name("_record", ast.Load()), [node.value], [])
            return ast.copy_location(ast.Expr(call), node)

    tree = ast.fix_missing_locations(Record().visit(ast.parse(block)))
    namespace = {"_record": results.append, **names}
    exec(compile(tree, str(README), "exec"), namespace)
    return namespace, results


def commands(block: str) -> list[str]:
    """A shell block's commands, continuation lines joined, comments dropped."""
    joined = block.replace("\\\n", " ")
    return [line.split("  #")[0].strip() for line in joined.splitlines() if line.strip()]


def test_the_readme_has_the_examples_this_file_runs() -> None:
    assert len(blocks("python")) == 4
    install, served, command = blocks("sh")
    # The first command is checked on a fresh virtualenv, not here: it builds the package.
    assert commands(install)[0].startswith("pip install . && statekeep demo")
    assert all(c.startswith("curl ") for c in commands(served))
    assert all(c.startswith("statekeep ") for c in commands(command))


# ----- Python ---------------------------------------------------------------------------------


def test_the_machine() -> None:
    names, results = run_python(blocks("python")[0], {"definition": LOAN_V1})
    value, status, actions, effects, handled, output = results[0]
    assert (value, status, actions, effects, handled, output) == ("fee", "active", [], [], True, None)
    assert names["snapshot"] == names["step"].snapshot
    replayed, fingerprint = results[1:]
    assert (replayed.value, replayed.handled) == ("underwriting", [True, True])
    assert fingerprint == statekeep.fingerprint_chain(PATH)[-1]


def test_the_routing_law() -> None:
    # Two applications stored before loan-v2: one paid the fee (it migrates), one had it waived.
    store = statekeep.Registry()
    store.deploy("loan-v1", statekeep.Machine(LOAN_V1))
    paid, waived = store.spawn("loan-v1").actor, store.spawn("loan-v1").actor
    for event in PATH:
        paid = store.send(paid, event).actor
    for event in ("SUBMIT_INFO", "WAIVE_FEE"):
        waived = store.send(waived, event).actor
    names, results = run_python(
        blocks("python")[1],
        {"statekeep": statekeep, "v1": LOAN_V1, "v2": LOAN_V2, "stored_actors": [paid.to_bytes(), waived.to_bytes()]},
    )
    assert results[:2] == [0, 1], "the commit sequence numbers"
    sent = names["sent"]
    assert [d["kind"] for d in sent.decisions] == ["migrated"]
    assert (sent.actor.version, sent.actor.value) == ("loan-v2", "income_verification")
    changed, _, records = results[2]
    assert [index for index, _ in changed] == [0, 1], "both actors are written: each is caught up"
    assert [(index, kind) for index, _, _, kind, _ in records] == [(0, "migrated"), (1, "stayed")]


def test_the_durable_keep(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    names, results = run_python(blocks("python")[2], {"statekeep": statekeep, "v1": LOAN_V1, "v2": LOAN_V2})
    root, spawned, submitted, paid, deployed, (alice, history, decisions, progress) = results
    assert (root.id, spawned.id, submitted.value, paid.value) == ("loan-v1", "alice", "fee", "underwriting")
    assert names["preview"].would_migrate == ["alice"] and deployed.parent == "loan-v1"
    assert (alice.version, alice.value, alice.context) == ("loan-v2", "income_verification", {"applicant": "Alice"})
    assert [(h["type"], h["payload"]) for h in history] == [("SUBMIT_INFO", {}), ("PAY_FEE", {"amount": 50})]
    assert [(d["kind"], d["deployment"]) for d in decisions] == [("migrated", "loan-v2")]
    assert progress.id == "loan-v2" and progress.path == PATH
    assert (tmp_path / "data").is_dir()


def test_the_timers(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    _, results = run_python(blocks("python")[3], {"statekeep": statekeep})
    *_, (value, history), kinds = results
    assert value == "expired"
    assert [h["type"] for h in history] == ["xstate.after.trialLength.trial.active"]
    assert kinds == ["spawned", "timer"]


# ----- the shell, against a server ------------------------------------------------------------


@dataclass
class Server:
    cwd: Path
    port: int
    key: str

    def sh(self, command: str) -> str:
        """Run one of the README's commands in the server's directory, as its reader would."""
        command = command.replace("{...}", json.dumps(LOAN_V1)).replace(":8080", f":{self.port}")
        command = command.replace("sk_...", "$KEY")
        env = os.environ | {"KEY": self.key, "PATH": f"{Path(sys.executable).parent}{os.pathsep}{os.environ['PATH']}"}
        done = subprocess.run(
            ["bash", "-c", command], cwd=self.cwd, env=env, capture_output=True, text=True, timeout=60
        )
        assert done.returncode == 0, (command, done.stdout, done.stderr)
        return done.stdout


@pytest.fixture
def server(tmp_path: Path) -> Iterator[Server]:
    """``statekeep serve --data ./data`` in a directory of its own, with the admin key it prints."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    (tmp_path / "loan-v2.json").write_text(json.dumps(LOAN_V2))
    process = subprocess.Popen(
        [sys.executable, "-m", "statekeep", "serve", "--data", "./data", "--port", str(port)],
        cwd=tmp_path,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        assert process.stderr is not None
        lines: list[str] = []
        while not any("serving" in line for line in lines):
            line = process.stderr.readline()
            assert line, "the server stopped: " + "".join(lines)
            lines.append(line)
        token = re.search(r"sk_[\w-]+", "".join(lines))
        assert token is not None, lines
        deadline = time.monotonic() + 10
        while True:
            try:
                httpx.get(f"http://127.0.0.1:{port}/v1/health")
                break
            except httpx.ConnectError:
                assert time.monotonic() < deadline, "the server does not answer"
                time.sleep(0.05)
        yield Server(tmp_path, port, token.group(0))
    finally:
        process.terminate()
        process.wait(10)


def test_curl_against_the_server_and_then_the_command(server: Server) -> None:
    deployed, spawned, sent = (json.loads(server.sh(c)) for c in commands(blocks("sh")[1]))
    assert (deployed["id"], deployed["parentId"]) == ("loan-v1", None)
    assert (spawned["actorId"], spawned["stateValue"]) == ("alice", "review")
    assert (sent["actorId"], sent["stateValue"], sent["seq"]) == ("alice", "fee", 1)

    # The command, on the served store both directly (--data) and through the server (--url).
    dry_run, deploy, get, key = (server.sh(c) for c in commands(blocks("sh")[2]))
    assert re.search(r"pending\s+1\s+alice", dry_run) and "Nothing was written" in dry_run
    assert "loan-v2" in deploy and "done: scanned 1 of 1" in deploy
    alice = json.loads(get)
    assert (alice["actorId"], alice["version"], alice["stateValue"]) == ("alice", "loan-v1", "fee"), (
        "pending: a history shorter than the path"
    )
    assert re.search(r"^sk_\S+$", key, re.MULTILINE) and "write" in key
