"""The `statekeep` command, end to end on real stores: through click's runner, and as a process."""

from __future__ import annotations

import base64
import copy
import json
import os
import re
import select
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import click
import pytest
from click.testing import CliRunner, Result

import statekeep
import statekeep.service
from conftest import free_port
from statekeep import crypto
from statekeep.cli import cli
from statekeep.cli.options import parse_size
from statekeep.cli.story import LOAN_V1, LOAN_V2
from statekeep.errors import StoreError, StoreFull

PATH = "SUBMIT_INFO,PAY_FEE"
HEX16 = re.compile(r"[0-9a-f]{16}")


@pytest.fixture(autouse=True)
def clean_env(key_dir: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Generated keys go to the test's own directory; no target comes from the environment."""
    for name in ("STATEKEEP_DATA", "STATEKEEP_URL", "STATEKEEP_API_KEY"):
        monkeypatch.delenv(name, raising=False)


@pytest.fixture
def defs(tmp_path: Path) -> Path:
    """loan-v1.json and loan-v2.json in a directory of their own."""
    out = tmp_path / "defs"
    out.mkdir()
    (out / "loan-v1.json").write_text(json.dumps(LOAN_V1))
    (out / "loan-v2.json").write_text(json.dumps(LOAN_V2))
    return out


def run(*args: str | Path, code: int = 0, input: str | None = None, env: dict[str, str] | None = None) -> Result:
    """Invoke the command and check its exit code; a failure never shows a traceback."""
    result = CliRunner().invoke(cli, [str(a) for a in args], input=input, env=env)
    assert result.exit_code == code, (result.exit_code, result.output, result.exception)
    if code != 0:
        assert isinstance(result.exception, SystemExit), result.exception
        assert "Traceback" not in result.output
    return result


def as_json(result: Result) -> Any:
    return json.loads(result.stdout)


@pytest.fixture
def data(tmp_path: Path, defs: Path) -> Path:
    """A store with loan-v1 and three applicants: Alice paid the fee, Bob had it waived, Carol
    has only submitted her details."""
    store = tmp_path / "data"
    run("deploy", "--data", store, defs / "loan-v1.json")
    for name, events in [
        ("alice", ["SUBMIT_INFO", "PAY_FEE"]),
        ("bob", ["SUBMIT_INFO", "WAIVE_FEE"]),
        ("carol", ["SUBMIT_INFO"]),
    ]:
        run("--data", store, "spawn", "loan-v1", "--id", name, "--context", json.dumps({"applicant": name}))
        for event in events:
            run("send", "--data", store, name, event, "--payload", json.dumps({"by": name}))
    return store


def deploy_v2(data: Path, defs: Path, *extra: str) -> Result:
    return run("deploy", "--data", data, defs / "loan-v2.json", "--parent", "loan-v1", "--path", PATH, *extra)


# ----- help ------------------------------------------------------------------------------------

COMMANDS = [
    "serve",
    "deploy",
    "preview",
    "validate",
    "spawn",
    "send",
    "get",
    "history",
    "decisions",
    "actors",
    "definitions",
    "deployment",
    "release",
    "timers",
    "schedule",
    "unschedule",
    "changes",
    "keys",
    "keys create",
    "keys list",
    "keys revoke",
    "webhooks",
    "webhooks add",
    "webhooks list",
    "webhooks get",
    "webhooks update",
    "webhooks remove",
    "webhooks rotate-secret",
    "webhooks deliveries",
    "webhooks redeliver",
    "backup",
    "restore",
    "rotate-key",
    "migrate-store",
    "copy-store",
    "demo",
]


def all_commands(group: click.Group, prefix: str = "") -> list[str]:
    out = []
    for name, command in group.commands.items():
        out.append(prefix + name)
        if isinstance(command, click.Group):
            out += all_commands(command, prefix + name + " ")
    return out


def find_command(path: str) -> click.Command:
    found: click.Command = cli
    for name in path.split():
        assert isinstance(found, click.Group)
        found = found.commands[name]
    return found


def test_every_command_of_the_issue_is_there() -> None:
    assert sorted(all_commands(cli)) == sorted(COMMANDS)


@pytest.mark.parametrize("command", [""] + COMMANDS)
def test_help_for_every_command(command: str) -> None:
    result = run(*command.split(), "--help")
    assert result.stdout.startswith(f"Usage: statekeep {command}".rstrip())
    if command == "":
        assert "Examples:" in result.stdout and "statekeep --data ./data get alice" in result.stdout
    # The command and every option of it say what they are for.
    found = cli if command == "" else find_command(command)
    assert found.help
    options = [p for p in found.params if isinstance(p, click.Option)]
    assert options or command in ("validate", "keys", "webhooks")
    for option in options:
        assert option.help, option.name
        assert option.opts[0] in result.stdout


def test_the_store_options_go_before_or_after_the_command_and_come_from_the_environment(data: Path) -> None:
    before = as_json(run("--data", data, "--json", "get", "alice"))
    after = as_json(run("get", "alice", "--data", data, "--json"))
    from_env = as_json(run("get", "alice", "--json", env={"STATEKEEP_DATA": str(data)}))
    assert before == after == from_env
    assert before["actorId"] == "alice"


def test_no_store_is_a_usage_error_and_a_missing_store_is_not_created(tmp_path: Path) -> None:
    result = run("get", "alice", code=2)
    assert "--data" in result.stderr and "--url" in result.stderr
    result = run("get", "--data", tmp_path / "nowhere", "alice", code=1)
    assert result.stderr.startswith("error: no store at")
    assert not (tmp_path / "nowhere").exists()
    result = run("get", "--data", tmp_path, "--url", "http://localhost:1", "alice", code=2)
    assert "not both" in result.stderr


def test_a_directory_that_is_not_a_store_is_refused_as_a_store_error(tmp_path: Path) -> None:
    (tmp_path / "data").mkdir()
    (tmp_path / "data" / "data.mdb").write_text("not a store")
    with pytest.raises(StoreError, match="cannot open the store"):
        statekeep.open(tmp_path / "data")
    result = run("get", "--data", tmp_path / "data", "alice", code=1)
    assert result.stderr.startswith("error: cannot open the store: ") and "LMDB" in result.stderr


# ----- deploy, preview, validate ---------------------------------------------------------------


def test_deploy_from_a_file_creates_the_store_and_names_the_version_after_it(tmp_path: Path, defs: Path) -> None:
    store = tmp_path / "fresh"
    result = run("deploy", "--data", store, defs / "loan-v1.json")
    assert "loan-v1" in result.stdout and "root version" in result.stdout
    [version] = as_json(run("definitions", "--data", store, "--json"))
    assert (version["id"], version["parentId"], version["definition"]) == ("loan-v1", None, LOAN_V1)
    assert "loan-v1" in run("definitions", "--data", store).stdout


def test_deploy_from_stdin_needs_an_id(data: Path) -> None:
    result = run("deploy", "--data", data, "-", code=2, input=json.dumps(LOAN_V2))
    assert "--id" in result.stderr
    deployed = as_json(
        run(
            "deploy",
            "--data",
            data,
            "-",
            "--id",
            "loan-v2",
            "--parent",
            "loan-v1",
            "--path",
            PATH,
            "--json",
            input=json.dumps(LOAN_V2),
        )
    )
    assert (deployed["id"], deployed["parentId"], deployed["historyPath"]) == ("loan-v2", "loan-v1", PATH.split(","))
    assert deployed["done"] is True and deployed["counts"] == {"migrated": 1, "stayed": 1}


def test_deploy_with_a_parent_waits_for_the_materialisation_with_a_progress_bar(data: Path, defs: Path) -> None:
    result = deploy_v2(data, defs)
    assert "materialising loan-v2" in result.stderr
    assert "done: scanned 3 of 3" in result.stdout and "migrated 1, stayed 1" in result.stdout
    progress = as_json(run("deployment", "--data", data, "loan-v2", "--json"))
    assert (progress["scanned"], progress["total"], progress["done"]) == (3, 3, True)


def test_deploy_no_wait_then_deployment_wait(data: Path, defs: Path) -> None:
    deployed = as_json(deploy_v2(data, defs, "--no-wait", "--json"))
    assert (deployed["done"], deployed["scanned"], deployed["total"]) == (False, 0, 3)
    # Reads see the decision before any record is written.
    assert as_json(run("get", "--data", data, "alice", "--json"))["version"] == "loan-v2"
    assert "in progress" in run("deployment", "--data", data, "loan-v2").stdout
    done = as_json(run("deployment", "--data", data, "loan-v2", "--wait", "--json"))
    assert done["done"] is True and done["counts"] == {"migrated": 1, "stayed": 1}


def test_deploy_dry_run_shows_the_preview_and_writes_nothing(data: Path, defs: Path) -> None:
    before = as_json(run("definitions", "--data", data, "--json"))
    result = deploy_v2(data, defs, "--dry-run")
    assert "would migrate" in result.stdout and "Nothing was written" in result.stdout
    assert as_json(run("definitions", "--data", data, "--json")) == before
    assert as_json(run("get", "--data", data, "alice", "--json"))["version"] == "loan-v1"
    shown = as_json(deploy_v2(data, defs, "--dry-run", "--json"))
    assert shown["migration"]["wouldMigrate"] == ["alice"]
    root = run("deploy", "--data", data, defs / "loan-v2.json", "--id", "other", "--dry-run")
    assert "root version" in root.stdout
    assert as_json(run("definitions", "--data", data, "--json")) == before


def test_preview_counts_flows_and_a_digest_that_deploy_checks(data: Path, defs: Path) -> None:
    args = ("preview", "--data", data, defs / "loan-v2.json", "--parent", "loan-v1", "--path", PATH)
    text = run(*args).stdout
    assert re.search(r"would migrate\s+1\s+alice", text) and re.search(r"would stay\s+1\s+bob", text)
    assert re.search(r"pending\s+1\s+carol", text)
    assert re.search(r"underwriting\s+income_verification\s+1", text)
    shown = as_json(run(*args, "--json"))
    assert shown["migration"]["counts"] == {"wouldMigrate": 1, "wouldStay": 1, "wouldStrand": 0, "pending": 1}
    assert shown["migration"]["flows"] == [{"from": "underwriting", "to": "income_verification", "count": 1}]
    assert shown["digest"] in text


def test_deploy_expect_refuses_a_stale_preview_and_accepts_the_current_one(data: Path, defs: Path) -> None:
    shown = as_json(
        run("preview", "--data", data, defs / "loan-v2.json", "--parent", "loan-v1", "--path", PATH, "--json")
    )
    result = run(
        "deploy",
        "--data",
        data,
        defs / "loan-v2.json",
        "--parent",
        "loan-v1",
        "--path",
        PATH,
        "--expect",
        "0" * 64,
        code=1,
    )
    assert "no longer the one previewed" in result.stderr
    deployed = as_json(deploy_v2(data, defs, "--expect", shown["digest"], "--json"))
    assert deployed["counts"] == {"migrated": 1, "stayed": 1}


def test_preview_needs_a_parent(data: Path, defs: Path) -> None:
    assert "--parent" in run("preview", "--data", data, defs / "loan-v2.json", code=2).stderr


def test_validate(tmp_path: Path, defs: Path) -> None:
    assert run("validate", defs / "loan-v2.json").stdout.startswith("OK: ")
    bad = tmp_path / "bad.json"
    bad.write_text(json.dumps({"initial": "a", "states": {"a": {"on": {"E": "nowhere"}}}}))
    result = run("validate", bad, code=1)
    assert result.stderr.startswith(f"error: {bad}: $.states.a.on.E: ")
    assert "nowhere" in result.stderr
    result = run("validate", "-", code=1, input="{")
    assert "error: -: $: the definition is not valid JSON" in result.stderr


# ----- actors ------------------------------------------------------------------------------------


def test_spawn_send_get_in_text_and_json(data: Path) -> None:
    spawned = as_json(run("spawn", "--data", data, "loan-v1", "--id", "dave", "--context", '{"amount": 7}', "--json"))
    assert (spawned["actorId"], spawned["stateValue"], spawned["seq"], spawned["context"]) == (
        "dave",
        "review",
        0,
        {"amount": 7},
    )
    assert HEX16.fullmatch(spawned["fingerprint"])
    text = run("send", "--data", data, "dave", "SUBMIT_INFO").stdout
    assert re.search(r"state\s+fee", text) and re.search(r"handled\s+yes", text)
    step = as_json(
        run(
            "send",
            "--data",
            data,
            "dave",
            "PAY_FEE",
            "--payload",
            '{"amount": 50}',
            "--guard",
            "ok=true",
            "--expected-seq",
            "1",
            "--json",
        )
    )
    assert (step["actorId"], step["stateValue"], step["seq"], step["handled"]) == ("dave", "underwriting", 2, True)
    got = as_json(run("get", "--data", data, "dave", "--json"))
    assert (got["actorId"], got["stateValue"], got["version"], got["historyLength"]) == (
        "dave",
        "underwriting",
        "loan-v1",
        2,
    )
    assert HEX16.fullmatch(got["fingerprint"]) and got["fingerprint"] != spawned["fingerprint"]
    text = run("get", "--data", data, "dave").stdout
    assert re.search(r"state\s+underwriting", text) and got["fingerprint"] in text


def test_an_event_the_state_does_not_handle_is_reported_not_recorded(data: Path) -> None:
    step = as_json(run("send", "--data", data, "carol", "APPROVE", "--json"))
    assert (step["handled"], step["seq"], step["stateValue"]) == (False, 1, "fee")
    assert "handled  no" in run("send", "--data", data, "carol", "APPROVE").stdout


def test_history_in_text_and_json(data: Path) -> None:
    events = as_json(run("history", "--data", data, "alice", "--json"))
    assert [(e["index"], e["type"], e["payload"]) for e in events] == [
        (0, "SUBMIT_INFO", {"by": "alice"}),
        (1, "PAY_FEE", {"by": "alice"}),
    ]
    page = as_json(run("history", "--data", data, "alice", "--after", "0", "--limit", "5", "--json"))
    assert [e["index"] for e in page] == [1]
    lines = run("history", "--data", data, "alice").stdout.splitlines()
    assert lines[0].split()[:2] == ["#", "event"] and lines[2].split()[:2] == ["1", "PAY_FEE"]


def test_decisions_in_text_and_json(data: Path, defs: Path) -> None:
    deploy_v2(data, defs)
    [alice] = as_json(run("decisions", "--data", data, "--actor", "alice", "--json"))
    assert (alice["actorId"], alice["kind"], alice["deployment"], alice["landing"]) == (
        "alice",
        "migrated",
        "loan-v2",
        "income_verification",
    )
    assert HEX16.fullmatch(alice["actorFingerprint"]) and alice["actorFingerprint"] == alice["pathFingerprint"]
    records = as_json(run("decisions", "--data", data, "--deployment", "loan-v2", "--json"))
    assert [(r["actorId"], r["kind"]) for r in records] == [("alice", "migrated"), ("bob", "stayed")]
    assert records[1]["reason"] == {"code": "differs", "index": 1}
    text = run("decisions", "--data", data, "--deployment", "loan-v2").stdout
    assert re.search(r"bob\s+loan-v2\s+stayed\s+-\s+differs \(index=1\)", text)
    assert "--actor" in run("decisions", "--data", data, code=2).stderr


def test_actors_in_text_and_json_with_filters_and_pages(data: Path, defs: Path) -> None:
    deploy_v2(data, defs)
    listed = as_json(run("actors", "--data", data, "--json"))
    assert [(a["actorId"], a["version"], a["stateValue"]) for a in listed] == [
        ("alice", "loan-v2", "income_verification"),
        ("bob", "loan-v1", "underwriting"),
        ("carol", "loan-v1", "fee"),
    ]
    assert all(HEX16.fullmatch(a["fingerprint"]) for a in listed)
    assert [a["actorId"] for a in as_json(run("actors", "--data", data, "--state", "fee", "--json"))] == ["carol"]
    assert [a["actorId"] for a in as_json(run("actors", "--data", data, "--in-state", "fee", "--json"))] == ["carol"]
    assert [a["actorId"] for a in as_json(run("actors", "--data", data, "--state", '"underwriting"', "--json"))] == [
        "bob"
    ]
    assert [a["actorId"] for a in as_json(run("actors", "--data", data, "--definition", "loan-v2", "--json"))] == [
        "alice"
    ]
    page = run("actors", "--data", data, "--limit", "1")
    assert [line.split()[0] for line in page.stdout.splitlines()] == ["actor", "alice"]
    assert "--after alice" in page.stderr
    assert [
        a["actorId"] for a in as_json(run("actors", "--data", data, "--after", "alice", "--limit", "1", "--json"))
    ] == ["bob"]


def test_a_send_to_a_missing_actor_exits_1_with_a_message(data: Path) -> None:
    result = run("send", "--data", data, "nobody", "SUBMIT_INFO", code=1)
    assert result.stderr == "error: no actor 'nobody'\n" and result.stdout == ""


def test_an_expected_seq_conflict_exits_1_and_sends_nothing(data: Path) -> None:
    result = run("send", "--data", data, "carol", "PAY_FEE", "--expected-seq", "0", code=1)
    assert "error: actor 'carol' is at seq 1, not 0" in result.stderr
    assert as_json(run("get", "--data", data, "carol", "--json"))["seq"] == 1


@pytest.mark.parametrize(
    "option", [["--payload", "{"], ["--payload", "[1]"], ["--guard", "ok=maybe"], ["--guard", "ok"]]
)
def test_bad_option_values_are_usage_errors(data: Path, option: list[str]) -> None:
    result = run("send", "--data", data, "carol", "PAY_FEE", *option, code=2)
    assert "Invalid value" in result.stderr


def test_idempotency_key_returns_the_first_answer(data: Path) -> None:
    first = as_json(run("send", "--data", data, "carol", "PAY_FEE", "--idempotency-key", "k1", "--json"))
    again = as_json(run("send", "--data", data, "carol", "PAY_FEE", "--idempotency-key", "k1", "--json"))
    assert first == again and first["seq"] == 2
    assert as_json(run("get", "--data", data, "carol", "--json"))["seq"] == 2


def test_a_stranded_actor_refuses_events_until_released(data: Path, defs: Path, tmp_path: Path) -> None:
    no_waiver = copy.deepcopy(LOAN_V1)
    del no_waiver["states"]["fee"]["on"]["WAIVE_FEE"]
    (tmp_path / "strict.json").write_text(json.dumps(no_waiver))
    run("deploy", "--data", data, tmp_path / "strict.json", "--parent", "loan-v1", "--path", "SUBMIT_INFO")
    result = run("send", "--data", data, "bob", "APPROVE", code=1)
    assert "needs rescue" in result.stderr
    stranded = as_json(run("actors", "--data", data, "--needs-rescue", "--json"))
    assert [a["actorId"] for a in stranded] == ["bob"]
    others = as_json(run("actors", "--data", data, "--not-needs-rescue", "--json"))
    assert "bob" not in [a["actorId"] for a in others] and others
    released = run("release", "--data", data, "bob")
    assert released.stdout.startswith("released bob")
    assert as_json(run("send", "--data", data, "bob", "APPROVE", "--json"))["stateValue"] == "approved"
    assert "not stranded" in run("release", "--data", data, "bob", code=1).stderr


# ----- keys, backup, restore, rotate-key ---------------------------------------------------------


def test_api_keys_create_list_revoke(data: Path) -> None:
    created = run("keys", "create", "--data", data, "--scope", "write", "--name", "ci")
    tokens = re.findall(r"^sk_\S+$", created.stdout, re.MULTILINE)
    assert len(tokens) == 1 and "only showing" in created.stderr
    key_id = tokens[0].split("_")[1]
    listed = as_json(run("--data", data, "keys", "list", "--json"))
    assert listed == [{"id": key_id, "scope": "write", "name": "ci", "createdAt": listed[0]["createdAt"]}]
    assert tokens[0] not in run("keys", "list", "--data", data).stdout
    made = as_json(run("keys", "create", "--data", data, "--scope", "read", "--json"))
    assert made["token"].startswith(f"sk_{made['id']}_") and made["scope"] == "read"
    run("keys", "revoke", "--data", data, key_id)
    assert [k["id"] for k in as_json(run("keys", "list", "--data", data, "--json"))] == [made["id"]]
    assert "no API key" in run("keys", "revoke", "--data", data, key_id, code=1).stderr
    assert "Invalid value" in run("keys", "create", "--data", data, "--scope", "root", code=2).stderr


def test_backup_then_restore_then_get_from_the_restored_store(data: Path, tmp_path: Path) -> None:
    dest = tmp_path / "backup"
    result = run("backup", "--data", data, dest)
    assert "backing up" in result.stderr and (dest / "data.mdb").is_file()
    assert "already exists" in run("backup", "--data", data, dest, code=1).stderr
    restored = tmp_path / "restored"
    assert "restored" in run("restore", dest, "--data", restored).stdout
    original = as_json(run("get", "--data", data, "alice", "--json"))
    assert as_json(run("get", "--data", restored, "alice", "--json")) == original
    assert "not empty" in run("restore", dest, "--data", restored, code=1).stderr
    assert "not a statekeep backup" in run("restore", tmp_path / "defs", "--data", tmp_path / "r2", code=1).stderr


def test_a_restore_that_does_not_open_with_the_key_leaves_nothing(data: Path, tmp_path: Path) -> None:
    run("backup", "--data", data, tmp_path / "backup")
    wrong = base64.b64encode(os.urandom(32)).decode()
    result = run("restore", tmp_path / "backup", "--data", tmp_path / "restored", "--key", wrong, code=1)
    assert "does not open" in result.stderr
    assert not (tmp_path / "restored").exists()


def test_rotate_key_then_the_old_key_fails_and_the_new_key_opens(tmp_path: Path, defs: Path) -> None:
    old, new = os.urandom(32).hex(), base64.b64encode(os.urandom(32)).decode()
    store = tmp_path / "data"
    run("deploy", "--data", store, "--key", old, defs / "loan-v1.json")
    run("spawn", "--data", store, "--key", old, "loan-v1", "--id", "alice", "--context", '{"secret": 1}')
    run("send", "--data", store, "--key", old, "alice", "SUBMIT_INFO", "--payload", '{"income": 5}')
    new_file = tmp_path / "new.key"
    new_file.write_text(new)
    result = run("rotate-key", "--data", store, "--key", old, "--new-key-file", new_file)
    assert "re-encrypting" in result.stderr and "opens with the new key only" in result.stdout
    assert f"--key-file {new_file}" in result.stdout
    refused = run("get", "--data", store, "--key", old, "alice", code=1)
    assert "does not open this store" in refused.stderr and "--key-file" in refused.stderr
    opened = as_json(run("get", "--data", store, "--key-file", new_file, "alice", "--json"))
    assert opened["context"] == {"secret": 1}
    history = as_json(run("history", "alice", "--json", env={"STATEKEEP_DATA": str(store), "STATEKEEP_KEY": new}))
    assert history[0]["payload"] == {"income": 5}
    assert (
        "not both"
        in run("rotate-key", "--data", store, "--key", new, "--new-key", old, "--new-key-file", new_file, code=2).stderr
    )


def test_rotate_key_says_when_the_default_key_file_holds_the_old_key(data: Path, tmp_path: Path, key_dir: Path) -> None:
    result = run("rotate-key", "--data", data, "--new-key", os.urandom(32).hex(), "--json")
    shown = as_json(result)
    assert HEX16.fullmatch(shown["keyId"]) and shown["values"] > 0
    assert Path(shown["defaultKeyFile"]).parent == key_dir


def rotate_help() -> str:
    return " ".join(run("rotate-key", "--help").stdout.split())


def test_rotate_key_help_explains_envelope_encryption_and_what_it_rotates() -> None:
    shown = rotate_help()
    assert "(envelope encryption)" in shown and "the operator key" in shown
    assert "Without it (or --new-key-file) only the data key is rotated" in shown
    assert "--wait SECONDS" in shown and "run it again to finish" in shown


def stored_keyring(data: Path) -> statekeep.store.Keyring:
    with statekeep.open(data) as keep, keep._store.read() as txn:
        ring = txn.keyring()
    assert isinstance(ring, statekeep.store.Keyring)
    return ring


def test_rotate_key_without_a_new_key_rotates_the_data_key_only(data: Path) -> None:
    before = stored_keyring(data)
    result = run("rotate-key", "--data", data)
    assert "under a new data key" in result.stdout
    assert "opens with the same key as before (the default key file" in result.stdout
    after = stored_keyring(data)
    assert after.current != before.current and list(after.data_keys) == [after.current], "the old data key is gone"
    assert list(after.checks) == list(before.checks), "the operator key is the same"
    assert as_json(run("get", "--data", data, "alice", "--json"))["context"] == {"applicant": "alice"}
    shown = as_json(run("rotate-key", "--data", data, "--json"))
    assert (shown["operatorKeyChanged"], shown["keyId"], shown["defaultKeyFile"]) == (
        False,
        next(iter(after.checks)),
        None,
    )
    assert shown["values"] > 0


def live_session(data: Path, generation: int, pid: int = 4242) -> None:
    """Record a live process that has loaded the keyring's ``generation`` (a server elsewhere)."""
    with statekeep.open(data) as keep, keep._store.write() as txn:
        now = time.time()
        txn.put_session(
            "other",
            statekeep.store.Session(pid=pid, host="elsewhere", started_at=now, seen_at=now + 60, generation=generation),
        )


def test_rotate_key_waits_for_live_processes_and_on_timeout_exits_1_saying_to_run_it_again(data: Path) -> None:
    live_session(data, generation=stored_keyring(data).generation)
    started = time.monotonic()
    result = run("rotate-key", "--data", data, "--wait", "0.5", code=1)
    assert time.monotonic() - started < 30
    message = " ".join(result.stderr.split())
    assert "1 live processes (4242 on elsewhere) have not loaded it yet" in message
    assert "run the rotation again to finish" in message
    ring = stored_keyring(data)
    assert ring.rotating is not None and len(ring.data_keys) == 2, "the old data key is kept"
    # The other process loads the new keyring: run it again, and it finishes.
    live_session(data, generation=ring.generation)
    run("rotate-key", "--data", data, "--wait", "5")
    assert len(stored_keyring(data).data_keys) == 1
    assert "Invalid value" in run("rotate-key", "--data", data, "--wait", "-1", code=2).stderr


def test_rotate_key_works_on_a_local_store_only(tmp_path: Path) -> None:
    result = run("rotate-key", "--url", "http://127.0.0.1:9", code=1)
    assert "local store only" in result.stderr


# ----- keys: one parser for every source; a new store says which key made it ------------------------

#: 32 bytes that are no text (0xff is never UTF-8): a raw key.
RAW_KEY = b"\xff" + bytes(range(31))
KEY_FILE_FORMS = {
    "raw": RAW_KEY,
    "hex": RAW_KEY.hex().encode() + b"\n",
    "base64": base64.b64encode(RAW_KEY) + b"\n",
    "urlsafe base64 unpadded, CRLF": base64.urlsafe_b64encode(RAW_KEY).rstrip(b"=") + b"\r\n",
}


@pytest.mark.parametrize("form", KEY_FILE_FORMS)
def test_a_key_file_is_read_alike_from_the_option_and_the_variable(
    tmp_path: Path, defs: Path, key_dir: Path, form: str
) -> None:
    path = tmp_path / "store.key"
    path.write_bytes(KEY_FILE_FORMS[form])
    created = f"held no store: created a new one, encrypted under key id {crypto.key_id(RAW_KEY)}"
    by_option, by_variable = tmp_path / "by-option", tmp_path / "by-variable"
    made = run("deploy", "--data", by_option, "--key-file", path, defs / "loan-v1.json")
    assert f"{created} (from --key-file {path})" in " ".join(made.stderr.split())
    made = run("deploy", "--data", by_variable, defs / "loan-v1.json", env={"STATEKEEP_KEY_FILE": str(path)})
    assert f"{created} (from STATEKEEP_KEY_FILE {path})" in " ".join(made.stderr.split())
    for store in (by_option, by_variable):
        # Each opens with the file from either source, and with the key itself.
        run("definitions", "--data", store, "--key-file", path)
        assert "held no store" not in run("definitions", "--data", store, env={"STATEKEEP_KEY_FILE": str(path)}).stderr
        with statekeep.open(store, key=RAW_KEY) as keep:
            assert [v["id"] for v in keep.definitions()] == ["loan-v1"]
    assert not key_dir.exists() or not any(key_dir.iterdir()), "no key was generated"


def test_a_key_file_cut_short_is_refused_from_the_option_and_the_variable_with_one_message(
    tmp_path: Path, defs: Path, key_dir: Path
) -> None:
    path = tmp_path / "cut.key"
    path.write_bytes(base64.b64encode(os.urandom(32))[:32])  # 32 characters of a 44-character key
    by_option = run("deploy", "--data", tmp_path / "a", "--key-file", path, defs / "loan-v1.json", code=1).stderr
    env = {"STATEKEEP_KEY_FILE": str(path)}
    by_variable = run("deploy", "--data", tmp_path / "b", defs / "loan-v1.json", env=env, code=1).stderr
    assert by_option.startswith(f"error: --key-file {path}: a key must be 32 bytes")
    assert by_variable.startswith(f"error: STATEKEEP_KEY_FILE {path}: a key must be 32 bytes")
    assert by_option.split(f"{path}: ", 1)[1] == by_variable.split(f"{path}: ", 1)[1], "one parser, one message"
    assert "ambiguous" in by_option and "does not guess" in by_option
    assert not (tmp_path / "a").exists() and not (tmp_path / "b").exists(), "no store was made with it"
    assert not key_dir.exists() or not any(key_dir.iterdir()), "and no key generated instead"
    # Nor is an existing store opened with it, nor served.
    run("deploy", "--data", tmp_path / "c", defs / "loan-v1.json")
    assert "ambiguous" in run("get", "--data", tmp_path / "c", "alice", env=env, code=1).stderr
    assert "ambiguous" in run("serve", "--data", tmp_path / "d", env=env, code=1).stderr
    assert not (tmp_path / "d").exists()


def test_a_store_made_with_a_key_from_a_variable_says_which_key_and_opening_it_later_says_nothing(
    tmp_path: Path, defs: Path
) -> None:
    key = os.urandom(32)
    env = {"STATEKEEP_KEY": base64.b64encode(key).decode()}
    made = run("deploy", "--data", tmp_path / "data", defs / "loan-v1.json", env=env)
    assert f"encrypted under key id {crypto.key_id(key)} (from STATEKEEP_KEY)" in " ".join(made.stderr.split())
    again = run("spawn", "--data", tmp_path / "data", "loan-v1", "--id", "alice", env=env)
    assert "held no store" not in again.stderr
    # A generated key is announced where it was written (by the keep), not as supplied.
    generated = run("deploy", "--data", tmp_path / "other", defs / "loan-v1.json")
    assert "was written to" in generated.stderr and "held no store" not in generated.stderr


def test_a_key_that_is_no_key_is_refused_naming_the_option_that_gave_it(tmp_path: Path, defs: Path) -> None:
    for args in (["demo", "--actors", "50"], ["deploy", "--data", tmp_path / "d", defs / "loan-v1.json"]):
        refused = run(*args, "--key", "not a key", code=1).stderr
        assert refused.startswith("error: --key: a key must be 32 bytes") and "not a key" not in refused
    assert not (tmp_path / "d").exists()


def test_a_raw_key_file_opens_a_store_made_with_its_hex_and_restores_with_it(data: Path, tmp_path: Path) -> None:
    store, path = tmp_path / "raw", tmp_path / "raw.key"
    path.write_bytes(RAW_KEY)
    run("deploy", "--data", store, "--key", RAW_KEY.hex(), tmp_path / "defs" / "loan-v1.json")
    run("backup", "--data", store, "--key-file", path, tmp_path / "copy")
    assert "restored" in run("restore", tmp_path / "copy", "--data", tmp_path / "back", "--key-file", path).stdout


# ----- serve: how large the store may grow ---------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "size"),
    [
        ("1048576", 1 << 20),
        ("512M", 512 << 20),
        ("10G", 10 << 30),
        ("10g", 10 << 30),
        ("2GiB", 2 << 30),
        ("64KB", 64 << 10),
        ("1T", 1 << 40),
    ],
)
def test_sizes_are_bytes_or_have_a_binary_suffix(text: str, size: int) -> None:
    assert parse_size(text) == size


def test_serve_passes_max_size_from_the_option_or_the_environment(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    seen: list[int | None] = []

    def serve(**kwargs: Any) -> None:
        seen.append(kwargs["max_size"])

    monkeypatch.setattr(statekeep.service, "serve", serve)
    data = tmp_path / "data"
    run("serve", "--data", data, "--max-size", "512M")
    run("serve", "--data", data, env={"STATEKEEP_MAX_SIZE": "10G"})
    run("serve", "--data", data, "--max-size", "1G", env={"STATEKEEP_MAX_SIZE": "10G"})
    run("serve", "--data", data)
    assert seen == [512 << 20, 10 << 30, 1 << 30, None]
    for bad, says in [
        ("lots", "not a size"),
        ("1.5G", "not a size"),
        ("-5M", "not a size"),
        ("10X", "not a size"),
        ("0", "more than 0"),
    ]:
        refused = run("serve", "--data", data, "--max-size", bad, code=2).stderr
        assert "Invalid value for '--max-size'" in refused and says in refused
        assert says in run("serve", "--data", data, env={"STATEKEEP_MAX_SIZE": bad}, code=2).stderr


def test_statekeep_serve_with_max_size_answers_507_past_it_and_goes_on_reading(tmp_path: Path) -> None:
    import httpx

    port = free_port()
    key_file = tmp_path / "store.key"
    key_file.write_text(base64.b64encode(os.urandom(32)).decode() + "\n")
    env = os.environ | {"STATEKEEP_MAX_SIZE": "2M", "STATEKEEP_KEY_FILE": str(key_file)}
    command = [sys.executable, "-m", "statekeep", "serve", "--data", str(tmp_path / "data"), "--port", str(port)]
    server = subprocess.Popen(command, env=env, stderr=subprocess.PIPE, text=True)
    try:
        banner = serve_banner(server)
        assert f"(from STATEKEEP_KEY_FILE {key_file})" in " ".join(banner.split())
        token = re.search(r"sk_[\w-]+", banner)
        assert token is not None
        url = f"http://127.0.0.1:{port}"
        deadline = time.monotonic() + 20
        while True:
            try:
                httpx.get(f"{url}/v1/health")
                break
            except httpx.ConnectError:
                assert time.monotonic() < deadline
                time.sleep(0.05)
        with statekeep.connect(url, api_key=token.group(0)) as client:
            client.deploy("loan-v1", LOAN_V1)
            client.spawn("loan-v1", {"n": 0}, actor_id="a0")
            with pytest.raises(StoreFull, match="size limit of 2097152 bytes"):
                for n in range(1, 200):
                    client.spawn("loan-v1", {"blob": os.urandom(50_000).hex()}, actor_id=f"a{n}")
            assert client.get("a0").context == {"n": 0}, "reads go on"
    finally:
        server.terminate()
        server.wait(20)


# ----- the demo --------------------------------------------------------------------------------


def test_the_demo_in_json_alice_migrated_and_bob_stayed() -> None:
    report = as_json(run("demo", "--actors", "500", "--json"))
    assert report["actors"] == 500 and sum(report["mix"].values()) == 500
    alice, bob = report["alice"], report["bob"]
    assert (alice["actor"]["version"], alice["actor"]["stateValue"]) == ("loan-v2", "income_verification")
    assert [d["kind"] for d in alice["decisions"]] == ["migrated"]
    assert (bob["actor"]["version"], bob["actor"]["stateValue"]) == ("loan-v1", "underwriting")
    assert [(d["kind"], d["reason"]) for d in bob["decisions"]] == [("stayed", {"code": "differs", "index": 1})]
    counts = report["preview"]["counts"]
    assert report["deployment"]["done"] is True
    assert report["deployment"]["counts"] == {"migrated": counts["wouldMigrate"], "stayed": counts["wouldStay"]}
    assert counts["wouldMigrate"] == report["mix"]["paid"]
    assert set(report["timings"]) >= {"build", "preview", "deploy_v2", "materialise", "total"}


def test_the_demo_in_text_keeps_its_store_with_data(tmp_path: Path, key_dir: Path) -> None:
    store = tmp_path / "demo"
    result = run("demo", "--actors", "300", "--data", store)
    assert re.search(r"Alice \(SUBMIT_INFO, PAY_FEE\) is on loan-v2, in income_verification", result.stdout)
    assert re.search(r"Bob \(SUBMIT_INFO, WAIVE_FEE\) is on loan-v1, in underwriting", result.stdout)
    assert "differs from the path at index 1 (WAIVE_FEE, not PAY_FEE)" in result.stdout
    assert "materialising loan-v2" in result.stderr
    assert as_json(run("get", "--data", store, "alice", "--json"))["version"] == "loan-v2"
    assert "not empty" in run("demo", "--actors", "300", "--data", store, code=1).stderr


def test_the_demo_on_a_temporary_store_leaves_no_key_behind(key_dir: Path) -> None:
    run("demo", "--actors", "50")
    assert not key_dir.exists() or not any(key_dir.iterdir())
    assert os.environ["STATEKEEP_KEY_DIR"] == str(key_dir)


# ----- as a process ----------------------------------------------------------------------------


def process(
    *args: str | Path, input: str | None = None, env: dict[str, str] | None = None
) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "statekeep", *map(str, args)],
        input=input,
        capture_output=True,
        text=True,
        env={**os.environ, **(env or {})},
        timeout=120,
    )


def test_process_deploy_from_stdin_spawn_send_and_get_json(tmp_path: Path) -> None:
    env = {"STATEKEEP_DATA": str(tmp_path / "data")}
    deployed = process("deploy", "-", "--id", "loan-v1", input=json.dumps(LOAN_V1), env=env)
    assert deployed.returncode == 0, deployed.stderr
    assert process("spawn", "loan-v1", "--id", "alice", env=env).returncode == 0
    sent = process("send", "alice", "SUBMIT_INFO", "--json", env=env)
    assert sent.returncode == 0 and json.loads(sent.stdout)["stateValue"] == "fee"
    got = process("--json", "get", "alice", env=env)
    assert got.returncode == 0 and json.loads(got.stdout)["actorId"] == "alice"


def test_process_failures_exit_1_or_2_without_a_traceback(tmp_path: Path, defs: Path) -> None:
    env = {"STATEKEEP_DATA": str(tmp_path / "data")}
    assert process("deploy", defs / "loan-v1.json", env=env).returncode == 0
    missing = process("send", "nobody", "SUBMIT_INFO", env=env)
    assert (missing.returncode, missing.stdout, missing.stderr) == (1, "", "error: no actor 'nobody'\n")
    usage = process("send", "nobody", env=env)
    assert usage.returncode == 2 and "Missing argument 'EVENT_TYPE'" in usage.stderr
    for result in (missing, usage):
        assert "Traceback" not in result.stderr


def test_process_demo_and_help() -> None:
    result = process("demo", "--actors", "200")
    assert result.returncode == 0, result.stderr
    assert "Alice (SUBMIT_INFO, PAY_FEE) is on loan-v2, in income_verification" in result.stdout
    assert process("--help").stdout.startswith("Usage: statekeep ")


# ----- the same commands against a server (--url) --------------------------------------------


def test_the_commands_work_against_a_server_as_on_a_store(tmp_path: Path, defs: Path) -> None:
    from served import served

    with served(tmp_path / "served") as server:
        remote = ["--url", server.url, "--api-key", server.admin]
        run(*remote, "deploy", defs / "loan-v1.json")
        run(*remote, "spawn", "loan-v1", "--id", "alice", "--context", '{"applicant": "alice"}')
        for event in ("SUBMIT_INFO", "PAY_FEE"):
            run(*remote, "send", "alice", event)
        shown = as_json(run(*remote, "--json", "preview", defs / "loan-v2.json", "--parent", "loan-v1", "--path", PATH))
        assert shown["migration"]["wouldMigrate"] == ["alice"]
        run(*remote, "deploy", defs / "loan-v2.json", "--parent", "loan-v1", "--path", PATH)
        alice = as_json(run(*remote, "--json", "get", "alice"))
        assert (alice["version"], alice["stateValue"]) == ("loan-v2", "income_verification")
        assert HEX16.fullmatch(alice["fingerprint"])
        [record] = as_json(run(*remote, "--json", "decisions", "--actor", "alice"))
        assert (record["kind"], record["actorId"]) == ("migrated", "alice")
        assert [a["actorId"] for a in as_json(run(*remote, "--json", "actors"))] == ["alice"]
        assert server.keep.get("alice").version == "loan-v2", "it went through the server's store"

        made = run(*remote, "keys", "create", "--scope", "read")
        token = re.search(r"sk_[\w-]+", made.stdout)
        assert token is not None
        reader = ["--url", server.url, "--api-key", token.group(0)]
        run(*reader, "get", "alice")
        refused = run(*reader, "send", "alice", "VERIFIED", code=1)
        assert "scope 'write'" in refused.output
        assert "API key" in run("--url", server.url, "get", "alice", code=1).output
        assert "local store only" in run(*remote, "backup", tmp_path / "copy", code=1).output


def test_deployment_shows_the_servers_scan_error_while_it_retries(tmp_path: Path, defs: Path) -> None:
    from served import served

    with served(tmp_path / "served") as server:
        remote = ["--url", server.url, "--api-key", server.admin]
        run(*remote, "deploy", defs / "loan-v1.json")
        run(*remote, "spawn", "loan-v1", "--id", "alice")
        scan = server.keep._workers["scan"]
        working = scan._step

        def failing() -> bool:
            raise StoreError("the disk is on fire")

        scan._step = failing
        run(*remote, "deploy", defs / "loan-v2.json", "--parent", "loan-v1", "--path", PATH, "--no-wait")
        deadline = time.monotonic() + 20
        while scan.failures == 0:
            assert time.monotonic() < deadline
            time.sleep(0.02)
        shown = run(*remote, "deployment", "loan-v2").stdout
        assert "last error" in shown and "StoreError: the disk is on fire (the scan retries" in shown
        assert (
            as_json(run(*remote, "--json", "deployment", "loan-v2"))["lastError"] == "StoreError: the disk is on fire"
        )
        scan._step = working
        done = as_json(run(*remote, "--json", "deployment", "loan-v2", "--wait"))
        assert done["done"] is True and done["lastError"] is None
        assert "last error" not in run(*remote, "deployment", "loan-v2").stdout


def test_statekeep_serve_prints_one_admin_key_at_the_first_start_and_serves(tmp_path: Path) -> None:
    import socket
    import time

    import httpx

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    env = os.environ | {"STATEKEEP_DATA": str(tmp_path / "data")}
    server = subprocess.Popen(
        [sys.executable, "-m", "statekeep", "serve", "--port", str(port)], env=env, stderr=subprocess.PIPE, text=True
    )
    try:
        assert server.stderr is not None
        lines: list[str] = []
        while not any("serving" in line for line in lines):
            line = server.stderr.readline()
            assert line, "the server stopped: " + "".join(lines)
            lines.append(line)
        token = re.search(r"sk_[\w-]+", "".join(lines))
        assert token is not None, lines
        deadline = time.monotonic() + 10
        while True:
            try:
                health = httpx.get(f"http://127.0.0.1:{port}/v1/health")
                break
            except httpx.ConnectError:
                assert time.monotonic() < deadline
                time.sleep(0.05)
        assert health.json() == {"status": "ok"}
        keys = httpx.get(f"http://127.0.0.1:{port}/v1/keys", headers={"Authorization": f"Bearer {token.group(0)}"})
        assert [k["scope"] for k in keys.json()["items"]] == ["admin"]
    finally:
        server.terminate()
        server.wait(10)
    # A second start finds the key and prints none.
    again = subprocess.Popen(
        [sys.executable, "-m", "statekeep", "serve", "--port", str(port)], env=env, stderr=subprocess.PIPE, text=True
    )
    try:
        assert again.stderr is not None
        line = again.stderr.readline()
        assert "serving" in line and "sk_" not in line
    finally:
        again.terminate()
        again.wait(10)


def serve_banner(server: subprocess.Popen[str]) -> str:
    """What a ``statekeep serve`` process prints up to the line that says it is serving."""
    assert server.stderr is not None
    lines: list[str] = []
    while not any("serving" in line for line in lines):
        line = server.stderr.readline()
        assert line, "the server stopped: " + "".join(lines)
        lines.append(line)
    return "".join(lines)


def test_statekeep_serve_in_two_processes_shares_one_store(tmp_path: Path) -> None:
    import socket
    import time

    from served import send_notes_from_threads

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    key = os.urandom(32).hex()
    server = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "statekeep",
            "serve",
            "--data",
            str(tmp_path / "data"),
            "--key",
            key,
            "--port",
            str(port),
            "--workers",
            "2",
        ],
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        assert server.stderr is not None
        banner = serve_banner(server)
        token = re.search(r"sk_[\w-]+", banner)
        assert token is not None and "in 2 processes" in banner, banner
        assert f"created a new one, encrypted under key id {crypto.key_id(bytes.fromhex(key))} (from --key)" in banner
        url = f"http://127.0.0.1:{port}"
        deadline = time.monotonic() + 20
        while True:
            try:
                client = statekeep.connect(url, api_key=token.group(0))
                client.deploy("notes", {"initial": "open", "states": {"open": {"on": {"NOTE": {"actions": "note"}}}}})
                break
            except statekeep.Error:
                assert time.monotonic() < deadline, "the workers did not start"
                time.sleep(0.1)
        client.spawn_many("notes", [None] * 4, actor_ids=["w0", "w1", "w2", "w3"])

        send_notes_from_threads(lambda: statekeep.connect(url, api_key=token.group(0)), [f"w{i}" for i in range(4)], 25)
        assert [client.get(f"w{i}").seq for i in range(4)] == [25] * 4
        assert [h["payload"]["n"] for h in client.history("w2")] == list(range(25))
    finally:
        server.terminate()
        server.wait(20)
    # The store opens with the key the workers were given, and holds what they acknowledged.
    with statekeep.open(tmp_path / "data", key=key) as keep:
        assert keep.get("w3").seq == 25


# ----- timers ------------------------------------------------------------------------------------

WAIT: dict[str, Any] = {
    "id": "w",
    "initial": "waiting",
    "states": {"waiting": {"after": {"review": "late"}}, "late": {}},
}


def test_timers_schedule_and_unschedule(tmp_path: Path) -> None:
    store = tmp_path / "data"
    (tmp_path / "w.json").write_text(json.dumps(WAIT))
    run("deploy", "--data", store, tmp_path / "w.json", "--delays", '{"review": 604800000}')
    run("--data", store, "spawn", "w", "--id", "alice")
    out = run("--data", store, "schedule", "alice", "REMIND", "--in", "1h30m", "--id", "remind").stdout
    assert out.startswith("scheduled REMIND for alice at ")
    shown = as_json(run("--data", store, "--json", "schedule", "alice", "CLOSE", "--at", "2030-01-02T03:04:05Z"))
    assert (shown["event"], shown["due"]) == ("CLOSE", "2030-01-02T03:04:05.000Z")
    listed = run("--data", store, "timers", "alice").stdout.splitlines()
    assert listed[0].split() == ["due", "kind", "id", "event", "undelivered"]
    assert [line.split()[2:4] for line in listed[1:]] == [
        ["scheduled", "remind"],
        ["after", "xstate.after.review.w.waiting"],
        ["scheduled", shown["id"]],
    ]
    figures = as_json(run("--data", store, "--json", "timers"))
    assert (figures["pending"], figures["overdue"], figures["fired"]) == (3, 0, 0)
    assert figures["nextDue"].endswith("Z")
    run("--data", store, "unschedule", "alice", "remind")
    assert "remind" not in run("--data", store, "timers", "alice").stdout
    assert "pending     2" in run("--data", store, "timers").stdout
    assert "no scheduled event 'remind'" in run("--data", store, "unschedule", "alice", "remind", code=1).output
    assert "--in DURATION or --at TIME" in run("--data", store, "schedule", "alice", "X", code=2).output
    assert "a duration such as" in run("--data", store, "schedule", "alice", "X", "--in", "soon", code=2).output
    # A new version that waits longer: the preview shows the timer each actor would get.
    (tmp_path / "w2.json").write_text(
        json.dumps({**WAIT, "states": {**WAIT["states"], "waiting": {"after": {"1000": "late"}}}})
    )
    shown = run(
        "--data", store, "preview", tmp_path / "w2.json", "--parent", "w", "--landing", "state", "--timers", "restart"
    ).stdout
    assert "Their timers, were it deployed now:" in shown
    assert re.search(r"alice\s+\d{4}-\d\d-\d\d \d\d:\d\d:\d\d\s+xstate.after.1000.w.waiting", shown), shown
    # Deployed: alice's decision record says the 7-day timer was cancelled and the 1 s one started.
    run("deploy", "--data", store, tmp_path / "w2.json", "--parent", "w", "--landing", "state", "--id", "w2")
    (record,) = as_json(run("--data", store, "--json", "decisions", "--actor", "alice"))
    assert [t["event"] for t in record["timers"]["cancelled"]] == ["xstate.after.review.w.waiting"]
    assert [t["event"] for t in record["timers"]["started"]] == ["xstate.after.1000.w.waiting"]
    text = run("--data", store, "decisions", "--actor", "alice").stdout
    assert re.search(r"started xstate.after.1000.w.waiting \(due \d{4}-\d\d-\d\d \d\d:\d\d:\d\d\)", text), text
    assert re.search(r"cancelled xstate.after.review.w.waiting \(was due \d{4}-", text), text


def test_changes_in_a_table_as_json_filtered_and_followed(tmp_path: Path) -> None:
    store = tmp_path / "data"
    machine = {"id": "w", "initial": "waiting", "states": {"waiting": {"on": {"DECIDE": "decided"}}, "decided": {}}}
    (tmp_path / "w.json").write_text(json.dumps(machine))
    run("deploy", "--data", store, tmp_path / "w.json")
    run("--data", store, "spawn", "w", "--id", "alice")
    run("--data", store, "spawn", "w", "--id", "bob")
    lines = run("--data", store, "changes").stdout.splitlines()
    assert lines[0].split() == ["seq", "at", "kind", "actor", "version", "event", "state"]
    assert [line.split()[0:1] + line.split()[3:6] for line in lines[1:3]] == [
        ["1", "spawned", "alice", "w"],
        ["2", "spawned", "bob", "w"],
    ]
    assert lines[-1] == "(next: --after 2)"
    page = as_json(run("--data", store, "--json", "changes", "--after", "1"))
    assert [(c["seq"], c["actorId"]) for c in page["items"]] == [(2, "bob")] and page["next"] == 2
    assert as_json(run("--data", store, "--json", "changes", "--actor", "alice"))["items"][0]["seq"] == 1
    assert "no changes after 2" in run("--data", store, "changes", "--after", "2").stdout
    assert "--limit" in run("--data", store, "changes", "--limit", "0", code=2).output
    # Followed: each change as one line of JSON as it commits.
    follower = subprocess.Popen(
        [sys.executable, "-m", "statekeep", "--data", str(store), "--json", "changes", "--follow", "--after", "1"],
        stdout=subprocess.PIPE,
        text=True,
        env=os.environ.copy(),
    )

    def next_line() -> Any:
        assert follower.stdout is not None
        ready, _, _ = select.select([follower.stdout], [], [], 30)
        assert ready, "the follower printed nothing"
        return json.loads(follower.stdout.readline())

    try:
        assert next_line()["seq"] == 2
        run("--data", store, "schedule", "bob", "REMIND", "--in", "1h")  # a timer set: not a change
        run("--data", store, "send", "bob", "DECIDE")
        told = next_line()
        assert (told["seq"], told["kind"], told["event"]) == (3, "event", {"type": "DECIDE"})
    finally:
        follower.kill()
        follower.wait()
