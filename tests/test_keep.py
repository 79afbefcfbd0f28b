"""The durable keep: statekeep.open and what it promises."""

from __future__ import annotations

import copy
import json
import os
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path
from typing import Any

import lmdb
import psycopg
import pytest

import statekeep
from statekeep.store import is_url

LOAN_V1: dict[str, Any] = {
    "id": "loan",
    "initial": "review",
    "context": {"limit": 1000},
    "states": {
        "review": {"on": {"SUBMIT_INFO": "fee", "NOTE": {"actions": "note"}}},
        "fee": {"on": {"PAY_FEE": "underwriting", "WAIVE_FEE": "underwriting"}},
        "underwriting": {"on": {"APPROVE": "approved", "NOTE": {"actions": "note"}}},
        "approved": {"type": "final"},
    },
}
LOAN_V2 = copy.deepcopy(LOAN_V1)
LOAN_V2["states"]["fee"]["on"]["PAY_FEE"] = "income_verification"
LOAN_V2["states"]["income_verification"] = {"on": {"VERIFIED": "underwriting"}}
PATH = ["SUBMIT_INFO", "PAY_FEE"]

# Generated keys go to a directory of the test's own, never to the user's config.
pytestmark = pytest.mark.usefixtures("key_dir")


def settle(keep: statekeep.Keep) -> None:
    while keep.scan_step():
        pass


def test_the_loan_story_end_to_end(store_location: str) -> None:
    with statekeep.Keep(store_location, scan=False) as keep:
        keep.deploy("loan-v1", LOAN_V1)
        for name, events in [
            ("alice", ["SUBMIT_INFO", "PAY_FEE"]),
            ("bob", ["SUBMIT_INFO", "WAIVE_FEE"]),
            ("carol", ["SUBMIT_INFO"]),
        ]:
            actor = keep.spawn("loan-v1", {"name": name}, actor_id=name)
            assert (actor.value, actor.context, actor.seq) == ("review", {"name": name}, 0)
            for event in events:
                keep.send(name, {"type": event, "by": name})

        preview = keep.preview("loan-v2", LOAN_V2, parent="loan-v1", history_path=PATH)
        assert (preview.would_migrate, preview.would_stay, preview.pending) == (["alice"], ["bob"], ["carol"])
        assert preview.counts == {"would_migrate": 1, "would_stay": 1, "would_strand": 0, "pending": 1}
        assert preview.flows == [{"from": "underwriting", "to": "income_verification", "count": 1}]

        deployed = keep.deploy("loan-v2", LOAN_V2, parent="loan-v1", history_path=PATH, expect=preview.digest)
        assert (deployed.total, deployed.scanned, deployed.done) == (3, 0, False)
        # Nothing is materialised yet, and every read already sees the decisions.
        assert keep.get("alice").version == "loan-v2" and keep.get("alice").value == "income_verification"
        assert keep.get("bob").version == "loan-v1"
        assert [d["kind"] for d in keep.decisions("alice")] == ["migrated"]
        assert {d["kind"] for d in keep.decisions(deployment="loan-v2")} == {"migrated", "stayed"}
        assert [a.id for a in keep.actors(definition_id="loan-v2")] == ["alice"]

        # Carol is decided by the event that makes her history as long as the path.
        result = keep.send("carol", "PAY_FEE")
        assert (result.version, result.value) == ("loan-v2", "income_verification")
        assert [d["kind"] for d in result.decisions] == ["migrated"]

        settle(keep)
        progress = keep.deployment("loan-v2")
        # Carol left the parent by her own event before the scan came: it visited two.
        assert (progress.scanned, progress.done) == (2, True)
        assert progress.counts == {"migrated": 2, "stayed": 1}
        assert [d["kind"] for d in keep.decisions("alice")] == ["migrated"], "written once, read the same"
        history = keep.history("alice")
        assert [(h["type"], h["payload"]) for h in history] == [
            ("SUBMIT_INFO", {"by": "alice"}),
            ("PAY_FEE", {"by": "alice"}),
        ]

    with statekeep.open(store_location) as keep:
        alice = keep.get("alice")
        assert (alice.version, alice.value, alice.seq, alice.fingerprint) == (
            "loan-v2",
            "income_verification",
            2,
            statekeep.fingerprint(PATH),
        )
        assert [d["id"] for d in keep.definitions()] == ["loan-v1", "loan-v2"]


def test_deploy_is_idempotent_and_refuses_a_changed_body_or_preview(store_location: str) -> None:
    with statekeep.Keep(store_location, scan=False) as keep:
        first = keep.deploy("loan-v1", LOAN_V1)
        assert keep.deploy("loan-v1", json.dumps(LOAN_V1)) == first
        with pytest.raises(statekeep.Conflict, match="different definition"):
            keep.deploy("loan-v1", LOAN_V2)
        with pytest.raises(statekeep.NotFound):
            keep.deploy("loan-v3", LOAN_V2, parent="nowhere")
        with pytest.raises(statekeep.DefinitionError):
            keep.deploy("broken", {"initial": "x", "states": {}})
        preview = keep.preview("loan-v2", LOAN_V2, parent="loan-v1", history_path=PATH)
        keep.spawn("loan-v1", actor_id="late")
        keep.send("late", "SUBMIT_INFO")
        keep.send("late", "PAY_FEE")
        with pytest.raises(statekeep.Conflict, match="preview again"):
            keep.deploy("loan-v2", LOAN_V2, parent="loan-v1", history_path=PATH, expect=preview.digest)
        assert [d["id"] for d in keep.definitions()] == ["loan-v1"]


def test_a_scan_goes_on_past_a_short_page(store_location: str, monkeypatch: pytest.MonkeyPatch) -> None:
    """A page of a scan's batch may come back short when writes moved actors off the parent
    meanwhile (PostgreSQL passes over a row that no longer matches once its lock is free): the
    scan ends only when no actor is left after its cursor, never because a page was short."""
    from statekeep.store.lmdb import LmdbUnitOfWork
    from statekeep.store.postgres import PgUnitOfWork

    with statekeep.Keep(store_location, scan=False) as keep:
        keep.deploy("loan-v1", LOAN_V1)
        ids = [f"a{n}" for n in range(7)]
        keep.spawn_many("loan-v1", [None] * len(ids), actor_ids=ids)
        keep.send_many([(a, e) for a in ids for e in PATH])
        keep.deploy("loan-v2", LOAN_V2, parent="loan-v1", history_path=PATH)
        for unit in (LmdbUnitOfWork, PgUnitOfWork):
            read = unit.actors_page

            def short(txn: Any, version: int, after: str | None, limit: int, read: Any = read, **how: Any) -> Any:
                page = read(txn, version, after, limit, **how)
                return page[:-1] if len(page) == limit else page  # as if its last one were passed over

            monkeypatch.setattr(unit, "actors_page", short)
        steps = 0
        while keep.scan_step(batch=3):
            steps += 1
        progress = keep.deployment("loan-v2")
        assert (progress.done, progress.counts, keep.stats()["actors"]) == (
            True,
            {"migrated": 7},
            {"loan-v1": 0, "loan-v2": 7},
        )
        assert steps == 4, "pages of 2, 2, 2 (each short of 3) and the last 1"


def test_expected_seq_and_idempotency_keys(store_location: str) -> None:
    with statekeep.Keep(store_location, scan=False) as keep:
        keep.deploy("loan-v1", LOAN_V1)
        keep.spawn("loan-v1", actor_id="a")
        first = keep.send("a", "SUBMIT_INFO", expected_seq=0, idempotency_key="k1")
        assert first.seq == 1
        assert keep.send("a", "SUBMIT_INFO", expected_seq=0, idempotency_key="k1") == first
        with pytest.raises(statekeep.Conflict, match="different request"):
            keep.send("a", "PAY_FEE", idempotency_key="k1")
        with pytest.raises(statekeep.Conflict, match="seq 1, not 0"):
            keep.send("a", "PAY_FEE", expected_seq=0)
        assert keep.get("a").seq == 1
        spawned = keep.spawn("loan-v1", {"x": 1}, idempotency_key="s1")
        assert keep.spawn("loan-v1", {"x": 1}, idempotency_key="s1") == spawned
        assert len(keep.actors()) == 2


def test_a_stranded_actor_refuses_events_until_released(store_location: str) -> None:
    with statekeep.Keep(store_location, scan=False) as keep:
        keep.deploy("loan-v1", LOAN_V1)
        keep.spawn("loan-v1", actor_id="dave")
        keep.send("dave", "SUBMIT_INFO")
        keep.send("dave", "WAIVE_FEE")
        no_waiver = copy.deepcopy(LOAN_V1)
        del no_waiver["states"]["fee"]["on"]["WAIVE_FEE"]
        keep.deploy("loan-v2b", no_waiver, parent="loan-v1", history_path=["SUBMIT_INFO"])
        with pytest.raises(statekeep.NeedsRescue) as refused:
            keep.send("dave", "APPROVE")
        assert refused.value.deployment == "loan-v2b"
        assert refused.value.reason == {"code": "non_compliant", "index": 1, "event": "WAIVE_FEE", "state": "fee"}
        assert "WAIVE_FEE" in str(refused.value) and isinstance(refused.value, statekeep.Conflict)
        assert keep.get("dave").needs_rescue is not None
        record = keep.release("dave")
        assert (record["kind"], record["deployment"]) == ("released", "loan-v2b")
        assert keep.send("dave", "APPROVE").value == "approved"
        with pytest.raises(statekeep.Conflict, match="not stranded"):
            keep.release("dave")
        assert [d["kind"] for d in keep.decisions("dave")] == ["stranded", "released"]


def test_a_terminated_actor_refuses_events_and_keeps_its_history_and_decisions(store_location: str) -> None:
    with statekeep.Keep(store_location, scan=False) as keep:
        keep.deploy("loan-v1", LOAN_V1)
        keep.spawn_many("loan-v1", [{"n": 1}, None], actor_ids=["erin", "frank"])
        for event in PATH:
            keep.send("erin", {"type": event, "by": "erin"})
        history = keep.history("erin")
        ended = keep.terminate("erin")
        assert (ended.id, ended.status, ended.value, ended.seq, ended.context) == (
            "erin",
            "terminated",
            "underwriting",
            2,
            {"n": 1},
        )
        assert keep.terminate("erin") == ended, "terminating again changes nothing"
        for sending in (
            lambda: keep.send("erin", "APPROVE"),
            lambda: keep.send_many([("frank", "SUBMIT_INFO"), ("erin", "NOTE")]),
        ):
            with pytest.raises(statekeep.Conflict, match="'erin' was terminated") as refused:
                sending()
            assert refused.value.code == "actor_terminated"
        assert keep.get("frank").seq == 0, "a batch with a terminated actor applies nothing"
        assert keep.get("erin") == ended and keep.history("erin") == history
        assert [a.id for a in keep.actors(status="terminated")] == ["erin"]
        # Deployments still decide it by its history; it stays terminated where it lands.
        keep.deploy("loan-v2", LOAN_V2, parent="loan-v1", history_path=PATH)
        settle(keep)
        moved = keep.get("erin")
        assert (moved.version, moved.value, moved.status) == ("loan-v2", "income_verification", "terminated")
        assert [d["kind"] for d in keep.decisions("erin")] == ["migrated"]
        with pytest.raises(statekeep.Conflict, match="terminated"):
            keep.send("erin", "APPROVE")
        with pytest.raises(statekeep.NotFound) as missing:
            keep.terminate("ghost")
        assert missing.value.code == "actor_not_found"


def data_files(location: str | Path) -> bytes:
    """Every byte the store holds: its directory's files, or every table of a database's store
    copied out in PostgreSQL's binary form (text and bytea as they are, not hex)."""
    if not is_url(location):
        return b"".join(p.read_bytes() for p in Path(location).rglob("*") if p.is_file())
    out = b""
    with psycopg.connect(str(location)) as conn:
        tables = conn.execute("SELECT tablename FROM pg_tables WHERE schemaname = 'statekeep'").fetchall()
        assert len(tables) > 10
        for (table,) in tables:
            with conn.cursor().copy(f"COPY statekeep.{table} TO STDOUT (FORMAT binary)") as copy:
                out += b"".join(bytes(block) for block in copy)
    return out


def copy_records(location: str, source: str, dest: str) -> None:
    """Copy an actor's record and sealed context to another actor id, as a tamperer could."""
    if not is_url(location):
        env = lmdb.open(location, max_dbs=16)
        for table in (b"actors", b"contexts"):
            with env.begin(write=True, db=env.open_db(table)) as txn:
                raw = txn.get(source.encode())
                assert raw is not None
                txn.put(dest.encode(), raw)
        env.close()
        return
    with psycopg.connect(location) as conn:
        conn.execute(
            "INSERT INTO statekeep.actors (id, version, data) SELECT %s, version, data FROM statekeep.actors "
            "WHERE id = %s",
            (dest, source),
        )
        conn.execute(
            "INSERT INTO statekeep.contexts (actor_id, sealed) SELECT %s, sealed FROM statekeep.contexts "
            "WHERE actor_id = %s",
            (dest, source),
        )


def test_context_and_payloads_are_sealed_at_rest(store_location: str, tmp_path: Path, key_dir: Path) -> None:
    marker = "MARKER-7f3a9c-do-not-leak"
    with statekeep.open(store_location) as keep:
        keep.deploy("loan-v1", LOAN_V1)
        keep.spawn("loan-v1", {"secret": marker}, actor_id="x")
        keep.send("x", {"type": "SUBMIT_INFO", "note": marker})
        assert keep.get("x").context == {"secret": marker}
        assert keep.history("x")[0]["payload"] == {"note": marker}
    assert marker.encode() not in data_files(store_location)
    assert b"SUBMIT_INFO" in data_files(store_location), "the search itself can find what is there"
    [key_file] = list(key_dir.iterdir())
    assert not key_file.resolve().is_relative_to(Path(store_location).resolve())

    # Without its key the store refuses to open; with another key too.
    key_file.rename(tmp_path / "moved.key")
    with pytest.raises(statekeep.EncryptionError):
        statekeep.open(store_location)
    with pytest.raises(statekeep.EncryptionError):
        statekeep.open(store_location, key=os.urandom(32))
    key = (tmp_path / "moved.key").read_text().strip()
    with statekeep.open(store_location, key=key) as keep:
        assert keep.get("x").context == {"secret": marker}

    # A sealed value moved to another record does not open.
    copy_records(store_location, "x", "y")
    with statekeep.open(store_location, key=key) as keep, pytest.raises(statekeep.EncryptionError):
        keep.get("y")


WRITER = """
import sys, statekeep
keep = statekeep.Keep(sys.argv[1], scan=False)
n = 0
while True:
    for actor in ("a", "b"):
        keep.send(actor, {"type": "NOTE", "n": n})
        print(actor, n, flush=True)
        n += 1
"""


def test_a_killed_writer_loses_no_acknowledged_event_and_tears_no_actor(store_location: str) -> None:
    with statekeep.open(store_location) as keep:
        keep.deploy("loan-v1", LOAN_V1)
        keep.spawn("loan-v1", actor_id="a")
        keep.spawn("loan-v1", actor_id="b")
    writer = subprocess.Popen(
        [sys.executable, "-c", WRITER, store_location], stdout=subprocess.PIPE, env=os.environ.copy(), text=True
    )
    assert writer.stdout is not None
    acknowledged: dict[str, list[int]] = {"a": [], "b": []}
    deadline = time.monotonic() + 60
    while sum(map(len, acknowledged.values())) < 300 and time.monotonic() < deadline:
        name, n = writer.stdout.readline().split()
        acknowledged[name].append(int(n))
    writer.send_signal(signal.SIGKILL)
    writer.wait()
    assert sum(map(len, acknowledged.values())) >= 300
    with statekeep.open(store_location) as keep:
        for actor_id, numbers in acknowledged.items():
            actor = keep.get(actor_id)
            history = keep.history(actor_id)
            stored = [h["payload"]["n"] for h in history]
            assert stored[: len(numbers)] == numbers, "every acknowledged event is there, in order"
            assert len(stored) - len(numbers) <= 1, "at most the one in flight beyond the last acknowledgement"
            assert actor.seq == actor.history_length == len(history)
            assert actor.fingerprint == statekeep.fingerprint([h["type"] for h in history])


SENDER = """
import sys, statekeep
keep = statekeep.Keep(sys.argv[1], scan=False)
for i in range(int(sys.argv[3])):
    keep.send("shared", {"type": "NOTE", "from": sys.argv[2], "i": i})
keep.close()
"""


def test_concurrent_sends_from_threads_and_processes_all_apply(store_location: str) -> None:
    with statekeep.open(store_location) as keep:
        keep.deploy("loan-v1", LOAN_V1)
        keep.spawn("loan-v1", actor_id="shared")
        processes = [
            subprocess.Popen([sys.executable, "-c", SENDER, store_location, f"p{p}", "40"], env=os.environ.copy())
            for p in range(2)
        ]

        def send(name: str) -> None:
            for i in range(40):
                keep.send("shared", {"type": "NOTE", "from": name, "i": i})

        threads = [threading.Thread(target=send, args=(f"t{t}",)) for t in range(4)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        for p in processes:
            assert p.wait(timeout=120) == 0
        actor = keep.get("shared")
        history = keep.history("shared")
        assert actor.seq == len(history) == 6 * 40
        sent = sorted((h["payload"]["from"], h["payload"]["i"]) for h in history)
        assert sent == sorted((name, i) for name in ["t0", "t1", "t2", "t3", "p0", "p1"] for i in range(40))
        for name in ["t0", "p1"]:
            own = [h["payload"]["i"] for h in history if h["payload"]["from"] == name]
            assert own == list(range(40)), "each sender's events apply in its order"


def test_a_deploy_from_another_process_is_seen_at_once(store_location: str) -> None:
    with statekeep.Keep(store_location, scan=False) as keep:
        keep.deploy("loan-v1", LOAN_V1)
        keep.spawn("loan-v1", actor_id="a")
        keep.send("a", "SUBMIT_INFO")
        keep.send("a", "PAY_FEE")
        script = (
            f"import statekeep, json, sys; k = statekeep.Keep(sys.argv[1], scan=False); "
            f"k.deploy('loan-v2', json.loads(sys.argv[2]), parent='loan-v1', history_path={PATH!r}); k.close()"
        )
        subprocess.run(
            [sys.executable, "-c", script, store_location, json.dumps(LOAN_V2)],
            check=True,
            env=os.environ.copy(),
        )
        assert keep.get("a").version == "loan-v2"


def test_a_backup_taken_while_writing_opens_as_a_consistent_store(tmp_path: Path) -> None:
    with statekeep.open(tmp_path / "data") as keep:
        keep.deploy("loan-v1", LOAN_V1)
        ids = [a.id for a in keep.spawn_many("loan-v1", [{"i": i} for i in range(20)])]
        stop = threading.Event()

        def write() -> None:
            n = 0
            while not stop.is_set():
                keep.send(ids[n % len(ids)], {"type": "NOTE", "n": n})
                n += 1

        writer = threading.Thread(target=write)
        writer.start()
        time.sleep(0.2)
        keep.backup(tmp_path / "copy")
        stop.set()
        writer.join()
        total = sum(keep.get(i).seq for i in ids)
    with statekeep.open(tmp_path / "copy") as copy_keep:
        actors = copy_keep.actors()
        assert sorted(a.id for a in actors) == sorted(ids)
        for actor in actors:
            history = copy_keep.history(actor.id)
            assert actor.seq == len(history) == actor.history_length
            assert actor.fingerprint == statekeep.fingerprint([h["type"] for h in history])
        assert sum(a.seq for a in actors) <= total


def test_rotate_key_re_encrypts_while_writes_go_on_and_resumes_after_an_interruption(
    store_location: str, key_dir: Path
) -> None:
    marker = "ROTATE-MARKER-51c2"
    with statekeep.open(store_location) as keep:
        keep.deploy("loan-v1", LOAN_V1)
        ids = [a.id for a in keep.spawn_many("loan-v1", [{"m": marker, "i": i} for i in range(30)])]
        for i, actor_id in enumerate(ids):
            keep.send(actor_id, {"type": "NOTE", "m": marker, "i": i})
        old_key = next(key_dir.iterdir()).read_text().strip()
        new_key = os.urandom(32)
        stop = threading.Event()

        def write() -> None:
            n = 0
            while not stop.is_set():
                keep.send(ids[n % len(ids)], {"type": "NOTE", "during": n})
                n += 1

        writer = threading.Thread(target=write)
        writer.start()
        reports: list[tuple[int, int]] = []
        keep.rotate_key(new_key, batch=7, progress=lambda done, total: reports.append((done, total)))
        stop.set()
        writer.join()
        assert len(reports) > 2 and reports == sorted(reports)
        assert reports[-1][0] == reports[-1][1] >= 60, "every context and payload visited, then reported done"
        assert keep.get(ids[3]).context == {"m": marker, "i": 3}
    assert marker.encode() not in data_files(store_location)
    with pytest.raises(statekeep.EncryptionError):
        statekeep.open(store_location, key=old_key)
    with statekeep.open(store_location, key=new_key) as keep:
        assert [keep.get(i).context["i"] for i in ids] == list(range(30))
        assert all(h["payload"] for i in ids for h in keep.history(i) if h["type"] == "NOTE")

        # Interrupted: only the first batch re-sealed under a third key; the store opens with
        # the third key alone, and the rotation resumes.
        third = os.urandom(32)
        original = keep._reseal_contexts
        calls = {"n": 0}

        def interrupted(*args: Any) -> Any:
            calls["n"] += 1
            if calls["n"] > 1:
                raise KeyboardInterrupt
            return original(*args)

        keep._reseal_contexts = interrupted  # type: ignore[method-assign, assignment]
        with pytest.raises(KeyboardInterrupt):
            keep.rotate_key(third, batch=5)
    with statekeep.open(store_location, key=third) as keep:
        assert keep.get(ids[20]).context == {"m": marker, "i": 20}
        keep.rotate_key(third)
    with statekeep.open(store_location, key=third) as keep:
        assert keep.history(ids[5])[0]["payload"] == {"m": marker, "i": 5}


def test_a_store_of_another_format_is_refused_with_what_to_do(tmp_path: Path) -> None:
    with statekeep.open(tmp_path / "data"):
        pass
    env = lmdb.open(str(tmp_path / "data"), max_dbs=16)
    with env.begin(write=True, db=env.open_db(b"meta")) as txn:
        txn.put(b"format", b"1")
    env.close()
    with pytest.raises(statekeep.Error, match="format b'1'.*open it with the statekeep that wrote it"):
        statekeep.open(tmp_path / "data")


def test_expect_on_a_version_without_a_parent_is_refused_with_why(store_location: str) -> None:
    with statekeep.Keep(store_location, scan=False) as keep:
        with pytest.raises(ValueError, match="without a parent has no preview"):
            keep.deploy("loan-v1", LOAN_V1, expect="0" * 64)
        assert keep.definitions() == [], "nothing was committed"


def test_a_version_keeps_its_document_order_through_the_store(store_location: str) -> None:
    """XState enters regions and states in document order (the order of the keys): a version
    read back from the store must keep it, or the keep steps another machine than XState's."""
    regions: dict[str, Any] = {"zeta": {"entry": "in:zeta"}, "alpha": {"entry": "in:alpha"}}
    zeta_first = {"id": "m", "type": "parallel", "states": regions}
    expected = [a["type"] for a in statekeep.Machine(zeta_first).initial().actions]
    assert expected == ["in:zeta", "in:alpha"]
    with statekeep.Keep(store_location, scan=False) as keep:
        keep.deploy("v1", zeta_first)
        keep.spawn("v1", {}, actor_id="a")
        assert [a["type"] for a in keep._registry.version("v1")["machine"].initial().actions] == expected
        # The same states in another order is another definition, not a redeploy of this one.
        alpha_first = {**zeta_first, "states": dict(reversed(list(regions.items())))}
        with pytest.raises(statekeep.Conflict, match="a different definition"):
            keep.deploy("v1", alpha_first)
        keep.deploy("v1", json.loads(json.dumps(zeta_first)))  # the same body again: a no-op
    with statekeep.Keep(store_location, scan=False) as keep:
        assert list(keep.definitions()[0]["definition"]["states"]) == ["zeta", "alpha"]
        assert [a["type"] for a in keep._registry.version("v1")["machine"].initial().actions] == expected


def test_a_history_read_newest_first_is_the_oldest_first_one_reversed(tmp_path: Path) -> None:
    from hypothesis import given, settings
    from hypothesis import strategies as st

    with statekeep.open(tmp_path / "data") as keep:
        keep.deploy("v1", LOAN_V1)
        keep.spawn("v1", actor_id="n")
        keep.send_many([("n", {"type": "NOTE", "i": i}) for i in range(23)])
        everything = keep.history("n")

        @settings(max_examples=200, deadline=None)
        @given(
            before=st.none() | st.integers(min_value=-2, max_value=30),
            limit=st.none() | st.integers(min_value=0, max_value=30),
        )
        def newest_first(before: int | None, limit: int | None) -> None:
            page = keep.history("n", before=before, limit=limit, newest_first=True)
            below = everything if before is None else everything[: max(0, before)]
            assert page == below[::-1][:limit]
            # Walking back page by page from there meets every event below once, newest first.
            if page and limit:
                walked, cursor = list(page), page[-1]["index"]
                while more := keep.history("n", before=cursor, limit=limit, newest_first=True):
                    walked += more
                    cursor = more[-1]["index"]
                assert walked == below[::-1]

        newest_first()
