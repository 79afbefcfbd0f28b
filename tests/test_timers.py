"""Durable timers: delayed transitions and scheduled events fire by themselves, exactly once, on
both back ends, through migrations, restarts and a clock stepped about."""

from __future__ import annotations

import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

import statekeep
from statekeep.errors import Conflict, DefinitionError, InvalidRequest, NotFound
from statekeep.testing import ManualClock

DAY = 86_400.0
START = 1_700_000_000.0

TRIAL: dict[str, Any] = {
    "id": "trial",
    "initial": "active",
    "states": {
        "active": {"after": {"2592000000": "expired", "reminder": {"actions": "remind"}}, "on": {"PAY": "paid"}},
        "expired": {"type": "final"},
        "paid": {"after": {"1000": "archived"}},
        "archived": {"type": "final"},
    },
}
DELAYS = {"reminder": 86_400_000}


@pytest.fixture
def clock() -> ManualClock:
    return ManualClock(start=START)


@pytest.fixture
def keep(store_location: str, key_dir: Path, clock: ManualClock) -> Iterator[statekeep.Keep]:
    with statekeep.open(store_location, clock=clock) as k:
        yield k


def after_id(delay: str, state: str, machine: str = "trial") -> str:
    return f"xstate.after.{delay}.{machine}.{state}"


def test_a_delayed_transition_fires_by_itself_once(keep: statekeep.Keep, clock: ManualClock) -> None:
    keep.deploy("trial-v1", TRIAL, delays=DELAYS)
    spawned = keep.spawn("trial-v1", actor_id="t")
    assert [(t["id"], t["due"]) for t in spawned.timers] == [
        (after_id("reminder", "active"), START + DAY),
        (after_id("2592000000", "active"), START + 30 * DAY),
    ]
    clock.advance(days=1)
    # The reminder is a targetless transition: the state is not left, the 30 days run on.
    actor = keep.get("t")
    assert (actor.value, actor.seq) == ("active", 1)
    assert [t["due"] for t in actor.timers] == [START + 30 * DAY]
    clock.advance(days=29, seconds=-1)
    assert keep.get("t").value == "active"
    clock.advance(seconds=1)
    actor = keep.get("t")
    assert (actor.value, actor.status, actor.timers) == ("expired", "done", [])
    history = keep.history("t")
    assert [(h["type"], h["at"]) for h in history] == [
        (after_id("reminder", "active"), START + DAY),
        (after_id("2592000000", "active"), START + 30 * DAY),
    ]
    clock.advance(days=365)
    assert keep.get("t").seq == 2


def test_leaving_a_state_cancels_its_timers_in_the_same_step(keep: statekeep.Keep, clock: ManualClock) -> None:
    keep.deploy("trial-v1", TRIAL, delays=DELAYS)
    keep.spawn("trial-v1", actor_id="t")
    clock.advance(hours=1)
    keep.send("t", "PAY")
    assert [(t["id"], t["due"]) for t in keep.get("t").timers] == [(after_id("1000", "paid"), START + 3600 + 1)]
    with keep._store.read() as txn:
        assert txn.timer_count() == 1
    clock.advance(days=60)
    assert [h["type"] for h in keep.history("t")] == ["PAY", after_id("1000", "paid")]
    assert keep.get("t").value == "archived"


def test_named_delays_are_checked_at_deploy(keep: statekeep.Keep) -> None:
    with pytest.raises(DefinitionError, match="reminder") as missing:
        keep.deploy("trial-v1", TRIAL)
    assert "states.active" in str(missing.value)
    with pytest.raises(InvalidRequest, match="'unused'"):
        keep.deploy("trial-v1", TRIAL, delays={**DELAYS, "unused": 5})
    for bad in (-1, float("nan"), float("inf"), "soon", True):
        with pytest.raises(InvalidRequest, match="reminder"):
            keep.deploy("trial-v1", TRIAL, delays={"reminder": bad})  # type: ignore[dict-item]
    with pytest.raises(InvalidRequest, match="timers"):
        keep.deploy("trial-v1", TRIAL, delays=DELAYS, timers="sometimes")
    assert keep.definitions() == []


def test_scheduled_events(keep: statekeep.Keep, clock: ManualClock) -> None:
    keep.deploy("trial-v1", TRIAL, delays=DELAYS)
    keep.spawn("trial-v1", actor_id="t")
    shown = keep.schedule("t", {"type": "PAY", "amount": 12}, delay=3600, id="pay-1")
    assert (shown["id"], shown["kind"], shown["due"]) == ("pay-1", "scheduled", START + 3600)
    assert [t["id"] for t in keep.scheduled("t")] == [
        "pay-1",
        after_id("reminder", "active"),
        after_id("2592000000", "active"),
    ]
    # Scheduling an id again replaces it; an idempotency key answers its first schedule.
    keep.schedule("t", "PAY", at=START + 7200, id="pay-1")
    first = keep.schedule("t", "PAY", delay=10, idempotency_key="k1")
    assert keep.schedule("t", "PAY", delay=10, idempotency_key="k1") == first
    with pytest.raises(Conflict, match="different request"):
        keep.schedule("t", "PAY", delay=99, idempotency_key="k1")
    keep.cancel_scheduled("t", first["id"])
    with pytest.raises(NotFound):
        keep.cancel_scheduled("t", first["id"])
    ping = keep.schedule("t", "PING", delay=1, idempotency_key="k2")
    clock.advance(seconds=3600)
    assert keep.get("t").value == "active"  # the first pay-1 was replaced
    # A retry after it fired answers as the first time and schedules nothing again.
    assert keep.schedule("t", "PING", delay=1, idempotency_key="k2") == ping
    assert [t["id"] for t in keep.scheduled("t")] == [
        "pay-1",
        after_id("reminder", "active"),
        after_id("2592000000", "active"),
    ]
    clock.advance(seconds=3600)
    assert keep.get("t").value == "paid"
    assert keep.history("t")[0]["type"] == "PAY"
    with pytest.raises(NotFound):
        keep.schedule("nobody", "PAY", delay=1)
    with pytest.raises(InvalidRequest):
        keep.schedule("t", "PAY", delay=1, at=START)
    with pytest.raises(InvalidRequest):
        keep.schedule("t", "PAY", delay=float("nan"))


def test_a_scheduled_event_keeps_its_payload_sealed_and_delivers_it(keep: statekeep.Keep, clock: ManualClock) -> None:
    machine = {
        "id": "m",
        "initial": "a",
        "states": {"a": {"on": {"SET": {"actions": "noted"}}}},
    }
    keep.deploy("m-v1", machine)
    keep.spawn("m-v1", actor_id="x")
    keep.schedule("x", {"type": "SET", "n": 7, "secret": "s3cr3t-value"}, delay=1)
    if keep.path is not None:
        raw = b"".join(p.read_bytes() for p in keep.path.iterdir() if p.is_file())
        assert b"s3cr3t-value" not in raw
    clock.advance(seconds=1)
    assert keep.history("x")[0]["payload"] == {"n": 7, "secret": "s3cr3t-value"}


def test_a_scheduled_event_to_a_finished_actor_is_recorded_not_delivered(
    keep: statekeep.Keep, clock: ManualClock
) -> None:
    keep.deploy("trial-v1", TRIAL, delays=DELAYS)
    keep.spawn("trial-v1", actor_id="t")
    keep.schedule("t", "PAY", delay=31 * DAY, id="late")
    clock.advance(days=32)
    actor = keep.get("t")
    assert actor.value == "expired"
    (late,) = actor.timers
    assert late["id"] == "late"
    assert late["undelivered"]["code"] == "not_active"
    assert late["undelivered"]["at"] == START + 31 * DAY
    assert [h["type"] for h in keep.history("t")][-1] == after_id("2592000000", "active")
    with keep._store.read() as txn:
        assert txn.next_due() is None  # kept to be seen, never due again
    keep.cancel_scheduled("t", "late")  # dismissed
    assert keep.get("t").timers == []


def test_a_terminated_actor_loses_its_delayed_transitions(keep: statekeep.Keep, clock: ManualClock) -> None:
    keep.deploy("trial-v1", TRIAL, delays=DELAYS)
    keep.spawn("trial-v1", actor_id="t")
    keep.schedule("t", "PAY", delay=60, id="pay")
    terminated = keep.terminate("t")
    assert [t["id"] for t in terminated.timers] == ["pay"]
    clock.advance(seconds=60)
    (pay,) = keep.get("t").timers
    assert pay["undelivered"]["code"] == "actor_terminated"
    assert keep.get("t").seq == 0


WAITING: dict[str, Any] = {
    "id": "w",
    "initial": "waiting",
    "states": {
        "waiting": {"after": {"1000": "late"}, "on": {"GO": "going"}},
        "going": {"after": {"5000": "late"}},
        "late": {},
    },
}


@pytest.mark.parametrize("policy", ["keep", "restart"])
def test_a_migration_keeps_or_restarts_timers_as_its_policy_says(
    keep: statekeep.Keep, clock: ManualClock, policy: str
) -> None:
    keep.deploy("w-v1", WAITING)
    keep.spawn("w-v1", actor_id="a")
    clock.set(START + 0.6)
    renamed = {**WAITING, "states": {**WAITING["states"], "going": {"after": {"7000": "late"}}}}
    keep.deploy("w-v2", renamed, parent="w-v1", timers=policy)
    due = START + 1 if policy == "keep" else START + 1.6  # restarted at the commit
    assert [t["due"] for t in keep.get("a").timers] == [due]  # seen before the scan wrote it
    assert [t["due"] for t in keep.scheduled("a")] == [due]
    clock.set(due - 0.001)
    assert keep.get("a").value == "waiting"
    clock.set(due)
    actor = keep.get("a")
    assert (actor.version, actor.value, actor.seq) == ("w-v2", "late", 1)


def test_a_migration_onto_a_state_without_the_delay_drops_its_timer(keep: statekeep.Keep, clock: ManualClock) -> None:
    keep.deploy("w-v1", WAITING)
    keep.spawn("w-v1", actor_id="a")
    keep.send("a", "GO")
    renamed = {**WAITING, "states": {**WAITING["states"], "going": {"after": {"7000": "late"}}}}
    keep.deploy("w-v2", renamed, parent="w-v1")
    # "going" has another delay now: its timer starts at the landing.
    assert [(t["id"], t["due"]) for t in keep.get("a").timers] == [(after_id("7000", "going", "w"), START + 7)]
    clock.advance(seconds=6)
    assert keep.get("a").value == "going"  # the old 5 s timer was replaced, not fired
    clock.advance(seconds=1)
    assert keep.get("a").value == "late"
    assert [h["type"] for h in keep.history("a")] == ["GO", after_id("7000", "going", "w")]


def test_a_clock_stepped_back_fires_nothing_early_and_loses_nothing(keep: statekeep.Keep, clock: ManualClock) -> None:
    keep.deploy("w-v1", WAITING)
    for n in range(5):
        keep.spawn("w-v1", actor_id=f"a{n}")
    clock.set(START - 3600)  # an hour back
    assert all(keep.get(f"a{n}").seq == 0 for n in range(5))
    clock.set(START + 0.999)
    assert all(keep.get(f"a{n}").seq == 0 for n in range(5))
    clock.set(START + 3600)  # an hour forward at once
    assert [keep.get(f"a{n}").value for n in range(5)] == ["late"] * 5
    assert all(keep.get(f"a{n}").seq == 1 for n in range(5))


def test_ten_year_delays(keep: statekeep.Keep, clock: ManualClock) -> None:
    ten_years_ms = 10 * 365 * 86_400_000
    machine = {"id": "long", "initial": "a", "states": {"a": {"after": {"decade": "b"}}, "b": {}}}
    keep.deploy("long-v1", machine, delays={"decade": ten_years_ms})
    keep.spawn("long-v1", actor_id="l")
    assert keep.get("l").timers[0]["due"] == START + ten_years_ms / 1000
    clock.advance(days=10 * 365 - 1)
    assert keep.get("l").value == "a"
    clock.advance(days=1)
    assert keep.get("l").value == "b"


def test_timers_survive_a_restart_and_fire_overdue_in_due_order(tmp_path: Path, key_dir: Path) -> None:
    """The real worker and the wall clock: timers set before a close fire after the reopen,
    the overdue ones oldest first."""
    machine = {"id": "r", "initial": "a", "states": {"a": {"after": {"ttl": "b"}}, "b": {}}}
    with statekeep.open(tmp_path / "data") as keep:
        keep.deploy("r-v1", machine, delays={"ttl": 150})
        for n in range(20):
            keep.spawn("r-v1", actor_id=f"r{n:02}")
        keep.close()
    time.sleep(0.3)
    with statekeep.open(tmp_path / "data") as keep:
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline and any(keep.get(f"r{n:02}").value != "b" for n in range(20)):
            time.sleep(0.02)
        fired = [keep.history(f"r{n:02}")[0]["at"] for n in range(20)]
        assert all(keep.get(f"r{n:02}").seq == 1 for n in range(20))
        assert fired == sorted(fired)  # in due order (the spawns' order)


def test_the_worker_fires_on_time_without_polling(tmp_path: Path, key_dir: Path) -> None:
    machine = {"id": "q", "initial": "a", "states": {"a": {"after": {"200": "b"}}, "b": {}}}
    with statekeep.open(tmp_path / "data") as keep:
        keep.deploy("q-v1", machine)
        spawned_at = time.time()
        keep.spawn("q-v1", actor_id="q")
        while keep.get("q").value != "b":
            assert time.time() - spawned_at < 5
            time.sleep(0.005)
        at = keep.history("q")[0]["at"]
        assert at >= spawned_at + 0.2 - 0.001  # never early
        assert at - (spawned_at + 0.2) < 0.9  # woken by the timer, not by a one-second look


def test_a_timer_set_wakes_the_worker_only_if_due_before_it_looks_again(
    keep: statekeep.Keep, clock: ManualClock
) -> None:
    keep.deploy("trial-v1", TRIAL, delays=DELAYS)  # (which wakes every worker)
    # The worker does not run on a clock a test moves: its wake-ups are counted instead.
    woken: list[float] = []
    keep._workers["timers"].wake = lambda: woken.append(clock.now())  # type: ignore[method-assign]
    seen_while_looking: list[float] = []
    next_due = keep.next_due

    def looking() -> int | None:
        seen_while_looking.append(keep._timer_look_at)
        return next_due()

    keep.next_due = looking  # type: ignore[method-assign]
    keep.spawn("trial-v1", actor_id="before-it-sleeps")
    assert len(woken) == 1, "until the worker has looked, any timer set wakes it"
    assert keep._until_next_due() == 1.0  # the worker about to sleep: nothing due within its look
    assert seen_while_looking == [float("inf")], "a timer committed while it looks wakes it"
    assert keep._timer_look_at == (START + 1.0) * 1000
    keep.spawn("trial-v1", actor_id="due-in-a-day")
    keep.schedule("due-in-a-day", "PAY", delay=1.0)  # due as it looks again: no need
    assert len(woken) == 1
    keep.schedule("due-in-a-day", "PAY", delay=0.5, id="sooner")  # due before: woken
    assert len(woken) == 2
    keep.send("due-in-a-day", "PAY")  # its step sets a timer due in a second: as it looks
    assert len(woken) == 2
    assert keep._until_next_due() == 0.5  # the next look: at the sooner one
    keep.send("before-it-sleeps", "PAY")  # one second from now, past the look
    assert len(woken) == 2
    clock.advance(seconds=1)
    assert [keep.get(a).value for a in ("before-it-sleeps", "due-in-a-day")] == ["archived", "archived"]
    assert keep.timer_stats()["pending"] == 0


def test_a_deploy_over_http_takes_delays_and_the_timer_policy(tmp_path: Path, key_dir: Path) -> None:
    from served import served

    with served(tmp_path / "data") as server, server.client() as client:
        with pytest.raises(DefinitionError, match="reminder"):
            client.deploy("trial-v1", TRIAL)
        client.deploy("trial-v1", TRIAL, delays=DELAYS, timers="restart")
        (version,) = client.definitions()
        assert (version["delays"], version["timers"]) == (DELAYS, "restart")
        spawned = client.spawn("trial-v1", actor_id="t")
        assert [t["id"] for t in spawned.timers] == [after_id("reminder", "active"), after_id("2592000000", "active")]
        assert [t["id"] for t in client.get("t").timers] == [t["id"] for t in spawned.timers]


def test_two_nodes_on_postgresql_fire_each_timer_once(postgres_url: str, key_dir: Path) -> None:
    pinged = {f"PING{n}": {"actions": "pinged"} for n in range(3)}
    machine = {"id": "n", "initial": "a", "states": {"a": {"on": pinged, "after": {"30": "b"}}, "b": {"on": pinged}}}
    with statekeep.open(postgres_url) as one, statekeep.open(postgres_url) as two:
        one.deploy("n-v1", machine)
        at = time.time() + 0.5
        for n in range(60):
            node = (one, two)[n % 2]
            node.spawn("n-v1", actor_id=f"n{n:02}")
            for p in range(3):
                node.schedule(f"n{n:02}", f"PING{p}", at=at)
        deadline = time.monotonic() + 30
        while (one.next_due() is not None) and time.monotonic() < deadline:
            time.sleep(0.05)
        for n in range(60):
            types = sorted(h["type"] for h in one.history(f"n{n:02}"))
            assert types == ["PING0", "PING1", "PING2", "xstate.after.30.n.a"], n


STRANDABLE: dict[str, Any] = {
    "id": "s",
    "initial": "a",
    "states": {"a": {"on": {"GO": "b"}}, "b": {"after": {"1000": "c"}}, "c": {}},
}


def test_a_stranded_actors_delayed_transition_waits_for_its_release(keep: statekeep.Keep, clock: ManualClock) -> None:
    keep.deploy("s-v1", STRANDABLE)
    keep.spawn("s-v1", actor_id="x")
    keep.send("x", "GO")
    # v2 no longer takes GO in "a": replaying the history cannot land, so the actor is stranded.
    keep.deploy("s-v2", {**STRANDABLE, "states": {**STRANDABLE["states"], "a": {}}}, parent="s-v1")
    assert keep.get("x").needs_rescue is not None
    clock.advance(seconds=2)
    (timer,) = keep.get("x").timers
    assert (timer["undelivered"]["code"], keep.get("x").value) == ("needs_rescue", "b")
    keep.release("x")
    assert [t["undelivered"] for t in keep.get("x").timers] == [None]  # set again, due now
    clock.advance(seconds=0)
    actor = keep.get("x")
    assert (actor.value, actor.version, actor.timers) == ("c", "s-v1", [])


def test_a_timer_that_fails_is_kept_with_why_and_the_others_fire(
    keep: statekeep.Keep, clock: ManualClock, monkeypatch: pytest.MonkeyPatch
) -> None:
    keep.deploy("w-v1", WAITING)
    for n in range(3):
        keep.spawn("w-v1", actor_id=f"a{n}")
    send_all = keep._send_all

    def failing(items: Any, key: Any, fired: Any) -> Any:
        if any(item[0] == "a1" for item in items):  # alone, or in a run with the others
            raise RuntimeError("a bug")
        return send_all(items, key, fired)

    monkeypatch.setattr(keep, "_send_all", failing)
    clock.advance(seconds=1)
    assert [keep.get(f"a{n}").value for n in range(3)] == ["late", "waiting", "late"]
    (timer,) = keep.get("a1").timers
    assert timer["undelivered"]["code"] == "failed"
    assert "RuntimeError: a bug" in timer["undelivered"]["message"]
    with keep._store.read() as txn:
        assert txn.next_due() is None


def test_timer_stats(keep: statekeep.Keep, clock: ManualClock) -> None:
    keep.deploy("w-v1", WAITING)
    for n in range(4):
        keep.spawn("w-v1", actor_id=f"a{n}")
    keep.send("a0", "GO")
    stats = keep.timer_stats()
    assert stats == {"pending": 4, "overdue": 0, "next_due": START + 1, "fired": 0, "lateness": None}
    clock.advance(seconds=1)
    stats = keep.timer_stats()
    assert (stats["pending"], stats["overdue"], stats["next_due"], stats["fired"]) == (1, 0, START + 5, 3)
    assert stats["lateness"] == {"p50": 0.0, "p99": 0.0, "max": 0.0}  # a ManualClock fires on the dot
    assert keep.stats()["timers"] == stats


def test_the_metrics_show_the_timers(tmp_path: Path, key_dir: Path) -> None:
    import httpx

    from served import served

    with served(tmp_path / "data") as server:
        server.keep.deploy("w-v1", WAITING)
        server.keep.spawn("w-v1", actor_id="a")
        server.keep.spawn("w-v1", actor_id="b")
        server.keep.send("b", "GO")
        deadline = time.monotonic() + 10
        while server.keep.get("a").value != "late":
            assert time.monotonic() < deadline
            time.sleep(0.02)
        headers = {"Authorization": f"Bearer {server.admin}"}
        text = httpx.get(f"{server.url}/v1/metrics", headers=headers).text
        assert "statekeep_timers_pending 1\n" in text
        assert "statekeep_timers_overdue 0\n" in text
        assert "statekeep_timers_fired_total 1\n" in text
        late = float(text.split('statekeep_timer_lateness_seconds{quantile="0.99"} ')[1].split()[0])
        assert 0 <= late < 1.0


def test_scheduled_events_over_http(tmp_path: Path, key_dir: Path) -> None:
    import httpx

    from served import served

    with served(tmp_path / "data") as server, server.client() as client:
        client.deploy("trial-v1", TRIAL, delays=DELAYS)
        client.spawn("trial-v1", actor_id="t")
        at = time.time() + 3600
        shown = client.schedule("t", {"type": "PAY", "amount": 3}, at=at, id="pay")
        assert (shown["id"], shown["kind"], shown["event"]) == ("pay", "scheduled", "PAY")
        assert abs(shown["due"] - at) < 0.001
        assert client.schedule("t", "PING", delay=60, idempotency_key="k") == client.schedule(
            "t", "PING", delay=60, idempotency_key="k"
        )
        listed = client.scheduled("t")
        assert listed == server.keep.scheduled("t")
        assert [t["kind"] for t in listed].count("scheduled") == 2
        client.cancel_scheduled("t", "pay")
        with pytest.raises(NotFound):
            client.cancel_scheduled("t", "pay")
        with pytest.raises(NotFound):
            client.schedule("nobody", "PING", delay=1)

        url, headers = f"{server.url}/v1/actors/t/schedule", {"Authorization": f"Bearer {server.admin}"}
        soon = httpx.post(url, headers=headers, json={"event": {"type": "PAY"}, "delayMs": 50, "id": "soon"})
        assert soon.status_code == 201
        assert soon.json()["due"].endswith("Z")
        for bad, code in [
            ({"event": {"type": "PAY"}}, "invalid_request"),
            ({"event": {"type": "PAY"}, "delayMs": 5, "at": "2030-01-01T00:00:00Z"}, "invalid_request"),
            ({"event": {"type": "PAY"}, "delayMs": -1}, "invalid_request"),
            ({"event": {"type": "PAY"}, "at": "tomorrow"}, "invalid_request"),
            ({"event": {"type": "PAY"}, "at": "2030-01-01T00:00:00"}, "invalid_request"),
            ({"event": {}, "delayMs": 5}, "invalid_request"),
            ({"event": "PAY", "delayMs": 5}, "invalid_request"),
            ({"event": {"type": "PAY"}, "delayMs": 5, "when": 1}, "unknown_field"),
        ]:
            answer = httpx.post(url, headers=headers, json=bad)
            assert (answer.status_code, answer.json()["code"]) == (422, code), bad
        page = httpx.get(url, headers=headers, params={"limit": 1}).json()
        assert len(page["items"]) == 1 and page["next"] is not None
        deadline = time.monotonic() + 10
        while server.keep.get("t").value != "paid":
            assert time.monotonic() < deadline
            time.sleep(0.02)
        assert httpx.delete(f"{url}/nothing", headers=headers).json()["code"] == "not_found"


def test_a_preview_shows_the_timers_each_actor_would_have(keep: statekeep.Keep, clock: ManualClock) -> None:
    keep.deploy("w-v1", WAITING)
    keep.spawn("w-v1", actor_id="a")
    keep.spawn("w-v1", actor_id="b")
    keep.send("b", "GO")
    clock.advance(seconds=0.5)
    renamed = {**WAITING, "states": {**WAITING["states"], "going": {"after": {"7000": "late"}}}}
    preview = keep.preview("w-v2", renamed, parent="w-v1", landing="state")
    assert {a: [(t["id"], t["due"]) for t in ts] for a, ts in preview.timers.items()} == {
        "a": [(after_id("1000", "waiting", "w"), START + 1)],  # the same transition: kept
        "b": [(after_id("7000", "going", "w"), START + 0.5 + 7)],  # another: started at the commit
    }
    restarted = keep.preview("w-v2", renamed, parent="w-v1", landing="state", timers="restart")
    assert restarted.timers["a"][0]["due"] == START + 0.5 + 1
    clock.advance(seconds=0.25)
    later = keep.preview("w-v2", renamed, parent="w-v1", landing="state")
    assert later.timers["b"][0]["due"] == START + 0.75 + 7
    assert later.digest == preview.digest  # what would be decided is the same; only "now" moved
    keep.deploy("w-v2", renamed, parent="w-v1", landing="state", expect=preview.digest)
    assert {a: keep.get(a).timers for a in "ab"} == later.timers


def test_a_spawn_moved_at_once_starts_the_landing_versions_timers(keep: statekeep.Keep) -> None:
    keep.deploy("w-v1", WAITING)
    slower = {**WAITING, "states": {**WAITING["states"], "waiting": {"after": {"3000": "late"}, "on": {"GO": "going"}}}}
    keep.deploy("w-v2", slower, parent="w-v1", landing="state")
    spawned = keep.spawn("w-v1", actor_id="a")
    assert spawned.version == "w-v2"
    assert [(t["id"], t["due"]) for t in spawned.timers] == [(after_id("3000", "waiting", "w"), START + 3)]
    assert keep.get("a").timers == spawned.timers


def test_delays_past_the_calendar_never_come_and_schedules_past_it_are_refused(
    keep: statekeep.Keep, clock: ManualClock
) -> None:
    machine = {"id": "far", "initial": "a", "states": {"a": {"after": {"1e300": "b", "eon": "b"}}, "b": {}}}
    keep.deploy("far-v1", machine, delays={"eon": 1e300})
    spawned = keep.spawn("far-v1", actor_id="f")
    assert {t["due"] for t in spawned.timers} == {253_402_300_799.999}  # 9999-12-31T23:59:59.999Z
    with pytest.raises(InvalidRequest, match="9999"):
        keep.schedule("f", "X", delay=1e200)
    with pytest.raises(InvalidRequest, match="9999"):
        keep.schedule("f", "X", at=1e15)
    clock.advance(days=365 * 100)
    assert keep.get("f").value == "a"


#: ``waiting`` keeps its 1 s transition and gains a 3 s one; ``going`` loses its 5 s one.
RETIMED: dict[str, Any] = {
    **WAITING,
    "states": {
        **WAITING["states"],
        "waiting": {"after": {"1000": "late", "3000": "late"}, "on": {"GO": "going"}},
        "going": {},
    },
}


def landed(decisions: list[Any], deployment: str = "w-v2") -> dict[str, list[tuple[str, float]]]:
    """What the one migration by ``deployment`` among ``decisions`` says it did to the timers."""
    (migrated,) = [d for d in decisions if d["kind"] == "migrated" and d["deployment"] == deployment]
    return {what: [(t["event"], t["due"]) for t in ts] for what, ts in migrated["timers"].items() if ts}


@pytest.mark.parametrize("policy", ["keep", "restart"])
def test_a_decision_record_says_what_the_migration_did_to_the_timers(
    store_location: str, key_dir: Path, clock: ManualClock, policy: str
) -> None:
    with statekeep.Keep(store_location, clock=clock, scan=False) as keep:
        keep.deploy("w-v1", WAITING)
        for actor_id in "abc":
            keep.spawn("w-v1", actor_id=actor_id)
        keep.send("b", "GO")
        clock.set(START + 0.6)
        keep.deploy("w-v2", RETIMED, parent="w-v1", landing="state", timers=policy)
        one, three, five = (
            after_id(d, s, "w") for d, s in (("1000", "waiting"), ("3000", "waiting"), ("5000", "going"))
        )
        waited = {"kept": [(one, START + 1)]} if policy == "keep" else {"restarted": [(one, START + 1.6)]}
        waited["started"] = [(three, START + 3.6)]
        went = {"cancelled": [(five, START + 5)]}  # "going" has no delayed transition any more
        # Implied (the scan has not written them), the same for the actor and for the deployment.
        assert (landed(keep.decisions("a")), landed(keep.decisions("b"))) == (waited, went)
        by_deployment = {d["actor"]: d for d in keep.decisions(deployment="w-v2")}
        assert [landed([by_deployment[a]]) for a in "abc"] == [waited, went, waited]
        # Written by a send's catch-up: in its result, its record and its outbox entry alike.
        sent = keep.send("c", "GO")
        assert landed(sent.decisions) == waited
        assert landed(keep.decisions("c")) == waited
        assert keep.decisions("c")[0]["at"] == START + 0.6
        (change,) = [c for c in keep.changes() if c.actor_id == "c" and c.kind == "event"]
        assert landed(change.decisions) == waited
        # Written by the scan: the same again, and the timers as the record says.
        while keep.scan_step():
            pass
        with keep._store.read() as txn:
            assert [landed(txn.decisions(a)) for a in "ab"] == [waited, went]
        assert [(t["id"], t["due"]) for t in keep.get("a").timers] == sorted(
            (*waited.get("kept", []), *waited.get("restarted", []), *waited["started"]), key=lambda t: t[1]
        )
        assert keep.get("b").timers == []
        (moved,) = [c for c in keep.changes() if c.actor_id == "b" and c.kind == "migrated"]
        assert landed(moved.decisions) == went


def test_a_migration_says_what_it_did_to_timers_only_where_there_are_delayed_transitions(
    keep: statekeep.Keep, clock: ManualClock
) -> None:
    plain = {"id": "p", "initial": "a", "states": {"a": {"on": {"GO": "b"}}, "b": {}}}
    keep.deploy("p-v1", plain)
    keep.spawn("p-v1", actor_id="p")
    keep.deploy("p-v2", plain, parent="p-v1")
    (decision,) = keep.decisions("p")
    assert decision["kind"] == "migrated" and "timers" not in decision
    # A version with them, for an actor in a state without: it says that nothing happened.
    keep.deploy("w-v1", WAITING)
    keep.spawn("w-v1", actor_id="w")
    clock.advance(seconds=1)  # to "late", which has no delayed transition
    keep.deploy("w-v2", RETIMED, parent="w-v1", landing="state")
    (decision,) = keep.decisions("w")
    assert (decision["landing"], decision["timers"]) == (
        "late",
        {"kept": [], "restarted": [], "started": [], "cancelled": []},
    )


def test_a_spawn_moved_at_once_records_the_timers_it_started(keep: statekeep.Keep) -> None:
    keep.deploy("w-v1", WAITING)
    keep.deploy("w-v2", RETIMED, parent="w-v1", landing="state")
    keep.spawn("w-v1", actor_id="a")
    one, three = after_id("1000", "waiting", "w"), after_id("3000", "waiting", "w")
    # The spawn's step set the 1 s timer on w-v1; the landing at once keeps it and starts 3 s.
    assert landed(keep.decisions("a")) == {"kept": [(one, START + 1)], "started": [(three, START + 3)]}


def test_a_decision_over_http_says_what_the_migration_did_to_the_timers(tmp_path: Path, key_dir: Path) -> None:
    import httpx

    from served import served

    with served(tmp_path / "data") as server, server.client() as client:
        client.deploy("w-v1", WAITING)
        client.spawn("w-v1", actor_id="a")
        client.deploy("w-v2", RETIMED, parent="w-v1", landing="state", timers="restart")
        headers = {"Authorization": f"Bearer {server.admin}"}
        body = httpx.get(f"{server.url}/v1/actors/a/decisions", headers=headers).json()
        (migrated,) = [d for d in body["items"] if d["kind"] == "migrated"]
        assert set(migrated["timers"]) == {"kept", "restarted", "started", "cancelled"}
        restarted = migrated["timers"]["restarted"]
        assert [t["event"] for t in restarted] == [after_id("1000", "waiting", "w")]
        assert restarted[0]["due"].endswith("Z")  # a time, as every time over HTTP
        # The client reads it back as the keep has it (the times were whole milliseconds).
        assert [d.get("timers") for d in client.decisions("a")] == [d.get("timers") for d in server.keep.decisions("a")]
