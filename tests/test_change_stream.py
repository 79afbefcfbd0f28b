"""The outbox over HTTP: ``GET /v1/changes`` to poll, ``GET /v1/changes/stream`` (server-sent
events) to follow, resumable with ``Last-Event-ID``: a client cut off at any point and
reconnected has every change once, in order."""

from __future__ import annotations

import json
import random
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from served import Served, served
from statekeep.errors import InvalidRequest
from test_http_contract import described

MACHINE: dict[str, Any] = {
    "id": "m",
    "initial": "idle",
    "states": {"idle": {"on": {"NOTE": {"actions": "note"}, "GO": "busy"}}, "busy": {"on": {"STOP": "idle"}}},
}


@pytest.fixture
def server(store_location: str) -> Iterator[Served]:
    with served(store_location) as s:
        yield s


def test_changes_in_pages_with_filters_and_the_last_number(server: Served) -> None:
    keep = server.keep
    keep.deploy("m1", MACHINE)
    keep.deploy("m2", MACHINE)
    keep.spawn_many("m1", [None] * 3, actor_ids=["a", "b", "c"])
    keep.spawn("m2", actor_id="z")
    keep.send_many([("a", {"type": "NOTE", "n": 1}), ("z", "GO")])
    headers = {"Authorization": f"Bearer {server.admin}"}
    # Every answer as the description says (statuses, bodies, problem codes).
    hooks = {"response": [lambda r: r.read() and None, described]}
    with httpx.Client(base_url=server.url, headers=headers, event_hooks=hooks) as http:
        page = http.get("/v1/changes", params={"limit": 2}).json()
        assert [c["seq"] for c in page["items"]] == [1, 2] and (page["next"], page["last"]) == (2, 6)
        first = page["items"][0]
        assert first["kind"] == "spawned" and first["actorId"] == "a" and first["version"] == "m1"
        assert first["at"].endswith("Z") and first["actorSeq"] == 0
        rest = http.get("/v1/changes", params={"after": page["next"]}).json()
        assert [c["seq"] for c in rest["items"]] == [3, 4, 5, 6] and rest["next"] == 6
        note = rest["items"][2]
        assert (note["kind"], note["event"], note["actions"]) == ("event", {"type": "NOTE", "n": 1}, [{"type": "note"}])
        only_z = http.get("/v1/changes", params={"definition": "m2"}).json()
        assert [(c["actorId"], c["kind"]) for c in only_z["items"]] == [("z", "spawned"), ("z", "event")]
        assert only_z["next"] == 6  # looked at everything
        # Newest first, from the last or from below a number, each page's next going further back.
        latest = http.get("/v1/changes", params={"order": "desc", "limit": 4}).json()
        assert [c["seq"] for c in latest["items"]] == [6, 5, 4, 3] and (latest["next"], latest["last"]) == (3, 6)
        older = http.get("/v1/changes", params={"order": "desc", "before": latest["next"]}).json()
        assert [c["seq"] for c in older["items"]] == [2, 1] and older["next"] == 0
        of_a = http.get("/v1/changes", params={"order": "desc", "actor": "a", "limit": 1}).json()
        assert [(c["kind"], c["actorSeq"]) for c in of_a["items"]] == [("event", 1)] and of_a["next"] == 5
        assert http.get("/v1/changes", params={"order": "desc", "before": 0}).json()["items"] == []
        for params, code in (
            ({"order": "desc", "after": "2"}, "invalid_request"),
            ({"before": "2"}, "invalid_request"),
            ({"order": "newest"}, "invalid_request"),
            ({"order": "desc", "before": "-1"}, "invalid_request"),
            ({"after": "-1"}, "invalid_request"),
            ({"limit": "0"}, "invalid_request"),
            ({"limit": "1001"}, "invalid_request"),
            ({"cursor": "x"}, "unknown_parameter"),
        ):
            answer = http.get("/v1/changes", params=params)
            assert answer.status_code in (400, 422) and answer.json()["code"] == code, params
        assert httpx.get(f"{server.url}/v1/changes").status_code == 401
    with server.client() as client:
        assert [c.seq for c in client.changes(after=4)] == [5, 6]
        assert client.last_change() == 6
        assert client.changes(actor="z")[1].event == {"type": "GO"}
        assert client.change_page_before(None, 2) == (client.changes(after=4)[::-1], 5)
        assert client.change_page_before(5, actor="z") == (client.changes(actor="z")[:1], 0)
        with pytest.raises(InvalidRequest):
            client.changes(limit=0)


def test_the_client_follows_the_stream_as_changes_commit(server: Served) -> None:
    keep = server.keep
    keep.deploy("m1", MACHINE)
    keep.spawn("m1", actor_id="a")
    got: list[int] = []
    finished = threading.Event()

    def follow() -> None:
        with server.client() as client:
            for change in client.follow(after=0, actor="a", timeout=10):
                got.append(change.seq)
                if len(got) == 31:
                    finished.set()
                    return

    follower = threading.Thread(target=follow)
    follower.start()
    with server.client() as writer:
        for n in range(30):
            writer.send("a", {"type": "NOTE", "n": n})
    assert finished.wait(15)
    follower.join()
    assert got == list(range(1, 32))
    with server.client() as client:
        assert list(client.follow(after=31, timeout=0.3)) == []


def test_a_stream_starts_after_last_event_id_or_now_and_refuses_a_bad_one(server: Served) -> None:
    keep = server.keep
    keep.deploy("m1", MACHINE)
    keep.spawn_many("m1", [None] * 3, actor_ids=["a", "b", "c"])
    headers = {"Authorization": f"Bearer {server.admin}"}
    with httpx.Client(base_url=server.url, headers=headers, timeout=5) as http:
        with http.stream("GET", "/v1/changes/stream", headers={"Last-Event-ID": "1"}) as response:
            assert response.headers["content-type"].startswith("text/event-stream")
            lines = response.iter_lines()  # (closing it closes the response)
            events = read_events(lines, 2)
            metrics = http.get("/v1/metrics").text
            assert "statekeep_change_streams 1\n" in metrics
            assert "statekeep_changes_last 3\n" in metrics and "statekeep_changes_oldest 1\n" in metrics
        assert [e["id"] for e in events] == ["2", "3"]
        assert json.loads(events[0]["data"])["actorId"] == "b"
        # Without a position: from now on.
        with http.stream("GET", "/v1/changes/stream") as response:
            keep.send("a", "GO")
            (event,) = read_events(response.iter_lines(), 1)
        assert event["id"] == "4"
        deadline = time.monotonic() + 10
        while "statekeep_change_streams 0\n" not in http.get("/v1/metrics").text:  # both closed
            assert time.monotonic() < deadline, "a closed stream is still counted"
            time.sleep(0.05)
        bad = http.get("/v1/changes/stream", headers={"Last-Event-ID": "x"})
        assert bad.status_code in (400, 422) and bad.json()["code"] == "invalid_request"
        assert http.get("/v1/changes/stream", params={"nope": "1"}).json()["code"] == "unknown_parameter"
    assert httpx.get(f"{server.url}/v1/changes/stream").status_code == 401


def read_events(lines: Iterator[str], count: int) -> list[dict[str, str]]:
    events: list[dict[str, str]] = []
    event: dict[str, str] = {}
    for line in lines:
        if line.startswith(":"):
            continue
        if line:
            name, _, value = line.partition(": ")
            event[name] = value
        elif event:
            events.append(event)
            event = {}
            if len(events) == count:
                return events
    raise AssertionError(f"the stream ended after {events}")


def test_a_stream_cut_off_anywhere_and_resumed_misses_nothing_and_repeats_nothing(tmp_path: Path) -> None:
    """1,000 connections, each cut after a random number of bytes while changes flow; each
    resumes with the id of the last whole event it received."""
    rng = random.Random(7)
    with served(tmp_path / "data") as server:
        keep = server.keep
        keep.deploy("m1", MACHINE)
        keep.spawn_many("m1", [None] * 4, actor_ids=["a", "b", "c", "d"])
        stop = threading.Event()

        def write() -> None:
            n = 0
            while not stop.is_set():
                keep.send_many([(actor, {"type": "NOTE", "n": n}) for actor in "abcd"[: 1 + n % 4]])
                n += 1

        writer = threading.Thread(target=write)
        writer.start()
        received: list[int] = []
        headers = {"Authorization": f"Bearer {server.admin}"}
        try:
            with httpx.Client(base_url=server.url, headers=headers, timeout=5) as http:
                for _ in range(1_000):
                    last = received[-1] if received else 0
                    budget = rng.randint(1, 3_000)
                    raw = b""
                    with http.stream("GET", "/v1/changes/stream", headers={"Last-Event-ID": str(last)}) as response:
                        for chunk in response.iter_raw():
                            raw += chunk
                            if len(raw) >= budget:
                                break
                    raw = raw[:budget]  # cut mid-event, mid-line, anywhere
                    for block in raw.split(b"\n\n")[:-1]:  # whole events only
                        fields = dict(line.split(b": ", 1) for line in block.split(b"\n") if not line.startswith(b":"))
                        if b"id" in fields:
                            received.append(int(fields[b"id"]))
                            assert json.loads(fields[b"data"])["seq"] == received[-1]
        finally:
            stop.set()
            writer.join()
        assert len(received) > 1_000
        assert received == list(range(1, len(received) + 1))
