"""Webhooks: every change an endpoint asks for reaches a real receiver on loopback, signed so
that the ``standardwebhooks`` package from PyPI (not our code) verifies it; the retry schedule,
Retry-After, 410, the dead letter and the disabling after 5 days with a clock the test moves;
per-actor order under failures; a restart that resumes; the refusal of private addresses; the
secret's rotation with its overlap; filters and redelivery."""

from __future__ import annotations

import os
import time
from collections.abc import Iterator
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pytest
import standardwebhooks
from hypothesis import given
from hypothesis import strategies as st

import statekeep
from statekeep import webhooks as wh
from statekeep.errors import InvalidRequest, NotFound
from statekeep.keep import webhooks as wh_keep
from statekeep.results import Change
from statekeep.store import ChangeRecord
from statekeep.store.lmdb import LmdbReader
from statekeep.store.postgres import PgReader
from statekeep.testing import ManualClock
from webhook_receiver import Received, Receiver, receiving

START = 1_700_000_000.0
HOUR = 3600.0
DAY = 86_400.0

COUNTER: dict[str, Any] = {
    "id": "counter",
    "initial": "idle",
    "states": {
        "idle": {"on": {"GO": {"target": "busy", "actions": "notify"}, "NOTE": {"actions": "note"}}},
        "busy": {"on": {"STOP": "idle", "NOTE": {"actions": "note"}}},
    },
}


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    with receiving() as r:
        yield r


@pytest.fixture
def clock() -> ManualClock:
    return ManualClock(start=START)


@pytest.fixture
def keep(store_location: str, key_dir: Path, clock: ManualClock) -> Iterator[statekeep.Keep]:
    with statekeep.open(store_location, clock=clock, allow_private_webhooks=True, webhook_timeout=0.5) as k:
        k.deploy("counter-v1", COUNTER)
        yield k


def verify(secret: str, got: Received) -> Any:
    """The delivery checked with the standardwebhooks package (the receiver's side)."""
    return standardwebhooks.Webhook(secret).verify(got.body, got.headers)


def attempts_at(keep: statekeep.Keep, webhook_id: str, seq: int, *, dead: bool = False) -> list[float]:
    found = [d for d in keep.webhook_deliveries(webhook_id, dead=dead) if d.seq == seq]
    assert found, f"no {'dead' if dead else 'pending'} delivery of change {seq}"
    return [a["at"] for a in found[0].attempts]


# ----- delivered and verified ---------------------------------------------------------------------


def test_every_change_is_delivered_signed_and_verified_by_standardwebhooks(
    store_location: str, key_dir: Path, receiver: Receiver
) -> None:
    """With the real clock and the keep's worker: the receiver verifies every delivery."""
    with statekeep.open(store_location, allow_private_webhooks=True) as keep:
        keep.deploy("counter-v1", COUNTER)
        hook = keep.add_webhook(receiver.url, description="tests")
        assert hook.secret is not None and hook.secret.startswith("whsec_")
        assert len(wh.secret_key(hook.secret)) == 32
        assert keep.webhook(hook.id).secret is None  # given once
        keep.spawn("counter-v1", actor_id="a")
        keep.send("a", "GO")
        keep.send("a", {"type": "NOTE", "text": "hi"})
        got = receiver.wait_for(3)
        bodies = [verify(hook.secret, g) for g in got]
        assert [b["type"] for b in bodies] == ["actor.spawned", "actor.event", "actor.event"]
        assert [b["data"]["actorId"] for b in bodies] == ["a", "a", "a"]
        seqs = [b["data"]["seq"] for b in bodies]
        assert seqs == sorted(seqs) and len(set(seqs)) == 3
        assert bodies[2]["data"]["event"] == {"type": "NOTE", "text": "hi"}
        assert all(g.headers["webhook-id"].startswith("msg_") for g in got)
        assert len({g.headers["webhook-id"] for g in got}) == 3
        # Tampered with, the delivery does not verify.
        with pytest.raises(standardwebhooks.WebhookVerificationError):
            standardwebhooks.Webhook(hook.secret).verify(got[0].body + b" ", got[0].headers)
        deadline = time.monotonic() + 5
        while keep.webhook(hook.id).pending and time.monotonic() < deadline:
            time.sleep(0.01)
        assert keep.webhook(hook.id).pending == 0
        stats = keep.webhook_stats()
        assert stats["counts"]["delivered"][hook.id] == 3
        assert stats["lag"] is not None and stats["lag"]["max"] < 5


# ----- the schedule -------------------------------------------------------------------------------


def test_a_failing_receiver_is_tried_on_the_schedule_then_dead_lettered(
    keep: statekeep.Keep, clock: ManualClock, receiver: Receiver
) -> None:
    receiver.answer = lambda r: (500, {}, 0.0)
    hook = keep.add_webhook(receiver.url)
    keep.spawn("counter-v1", actor_id="a")
    clock.advance(seconds=0)
    assert len(receiver.received) == 1
    clock.advance(days=4)  # past the whole schedule (75.6 hours)
    assert len(receiver.received) == len(wh.SCHEDULE) == 10
    [dead] = keep.webhook_deliveries(hook.id, dead=True)
    assert dead.status == "dead" and len(dead.attempts) == 10 and dead.next_attempt is None
    assert all(a["status"] == 500 and a["error"].startswith("HTTP 500") for a in dead.attempts)
    times = [a["at"] for a in dead.attempts]
    assert times[0] == START
    for n in range(1, 10):
        gap = times[n] - times[n - 1]
        assert wh.SCHEDULE[n] <= gap <= wh.SCHEDULE[n] * (1 + wh.JITTER) + 0.002, (n, gap)
    # All ten carried the same webhook-id; the endpoint is still enabled (failing 3 days).
    assert len({r.headers["webhook-id"] for r in receiver.received}) == 1
    shown = keep.webhook(hook.id)
    assert (shown.enabled, shown.pending, shown.dead, shown.failing_since) == (True, 0, 1, START)


def test_dead_letters_are_pruned_a_retention_window_after_they_died(
    keep: statekeep.Keep, clock: ManualClock, receiver: Receiver
) -> None:
    # The "ok" actors' changes succeed, so that the endpoint is not failing for 5 days.
    receiver.answer = lambda r: (200 if r.actor.startswith("ok") else 500, {}, 0.0)
    hook = keep.add_webhook(receiver.url)
    for actor in ("a", "b", "c"):
        keep.spawn("counter-v1", actor_id=actor)
        clock.advance(days=4)  # dead after the schedule's 75.6 hours
        keep.spawn("counter-v1", actor_id=f"ok-{actor}")
        clock.advance(seconds=1)
    died = {d.actor_id: d.dead_at for d in keep.webhook_deliveries(hook.id, dead=True)}
    assert sorted(died) == ["a", "b", "c"]
    # The window (7 days) is past for a's and b's, not for c's.
    assert died["b"] is not None and died["c"] is not None
    clock.set(died["b"] + keep.change_retention + 1)
    assert died["c"] > clock.now() - keep.change_retention
    turns = 1
    while keep.prune_dead_letters(batch=1):  # one dead letter looked at per turn
        turns += 1
    assert turns >= 3
    assert [d.actor_id for d in keep.webhook_deliveries(hook.id, dead=True)] == ["c"]
    assert keep.webhook(hook.id).dead == 1
    assert not keep.prune_dead_letters()
    assert keep.webhook(hook.id).dead == 1


def test_an_endpoint_failing_for_five_days_is_disabled(
    keep: statekeep.Keep, clock: ManualClock, receiver: Receiver
) -> None:
    receiver.answer = lambda r: (503, {}, 0.0)
    hook = keep.add_webhook(receiver.url)
    keep.spawn("counter-v1", actor_id="a")
    clock.advance(days=3)
    keep.spawn("counter-v1", actor_id="b")  # failing since day 0: b's attempts go on
    clock.advance(days=1, hours=23)
    assert keep.webhook(hook.id).enabled
    clock.advance(days=1)
    shown = keep.webhook(hook.id)
    assert not shown.enabled and "failed for 5 days" in (shown.disabled_reason or "")
    tried = len(receiver.received)
    clock.advance(days=3)
    assert len(receiver.received) == tried  # nothing more is sent to it
    [pending] = keep.webhook_deliveries(hook.id)
    assert pending.actor_id == "b" and pending.next_attempt is None


def test_410_disables_the_endpoint_until_it_is_enabled_again(
    keep: statekeep.Keep, clock: ManualClock, receiver: Receiver
) -> None:
    receiver.answer = lambda r: (410, {}, 0.0)
    hook = keep.add_webhook(receiver.url)
    keep.spawn("counter-v1", actor_id="a")
    keep.send("a", "GO")
    clock.advance(hours=1)
    assert len(receiver.received) == 1
    shown = keep.webhook(hook.id)
    assert not shown.enabled and shown.disabled_reason == "the endpoint answered 410 Gone"
    assert shown.pending == 2
    receiver.answer = lambda r: (200, {}, 0.0)
    keep.update_webhook(hook.id, enabled=True)
    clock.advance(seconds=1)
    assert [r.json["type"] for r in receiver.received[1:]] == ["actor.spawned", "actor.event"]
    assert keep.webhook(hook.id).pending == 0


def test_retry_after_is_honoured(keep: statekeep.Keep, clock: ManualClock, receiver: Receiver) -> None:
    answers = iter([(429, {"Retry-After": "600"}, 0.0), (503, {"Retry-After": "1"}, 0.0)])
    receiver.answer = lambda r: next(answers, (200, {}, 0.0))
    hook = keep.add_webhook(receiver.url)
    keep.spawn("counter-v1", actor_id="a")
    clock.advance(seconds=0)
    [d] = keep.webhook_deliveries(hook.id)
    assert d.attempts[0]["status"] == 429 and d.next_attempt is not None
    assert START + 600 <= d.next_attempt <= START + 601  # not 5 s: the receiver asked for 10 minutes
    clock.advance(seconds=599)
    assert len(receiver.received) == 1
    clock.advance(seconds=2)
    assert len(receiver.received) == 2
    # A Retry-After shorter than the schedule's delay (5 minutes) does not hurry it.
    [d] = keep.webhook_deliveries(hook.id)
    assert d.next_attempt is not None and d.next_attempt - d.attempts[1]["at"] >= 300
    clock.advance(minutes=6)
    assert len(receiver.received) == 3 and keep.webhook(hook.id).pending == 0


def test_a_receiver_that_does_not_answer_in_time_fails_the_attempt(
    keep: statekeep.Keep, clock: ManualClock, receiver: Receiver
) -> None:
    slow: Iterator[tuple[int, dict[str, str], float]] = iter([(200, {}, 1.5)])
    receiver.answer = lambda r: next(slow, (200, {}, 0.0))
    hook = keep.add_webhook(receiver.url)
    keep.spawn("counter-v1", actor_id="a")
    clock.advance(seconds=0)
    [d] = keep.webhook_deliveries(hook.id)
    assert d.attempts[0]["status"] is None and "no answer within 0.5 s" in d.attempts[0]["error"]
    clock.advance(seconds=6)
    assert keep.webhook(hook.id).pending == 0 and len(receiver.received) == 2


def test_a_receiver_that_is_down_is_retried(keep: statekeep.Keep, clock: ManualClock) -> None:
    with receiving() as gone:
        url = gone.url
    hook = keep.add_webhook(url)
    keep.spawn("counter-v1", actor_id="a")
    clock.advance(seconds=10)
    [d] = keep.webhook_deliveries(hook.id)
    assert [a["status"] for a in d.attempts] == [None, None]
    assert "ConnectionRefused" in d.attempts[0]["error"]


# ----- order, restarts ----------------------------------------------------------------------------


def test_an_actors_later_change_waits_for_its_earlier_one_while_other_actors_go_on(
    keep: statekeep.Keep, clock: ManualClock, receiver: Receiver
) -> None:
    failed: set[int] = set()

    def answer(r: Received) -> tuple[int, dict[str, str], float]:
        # Each change of actor a fails twice; b's go through.
        if r.actor == "a" and [x.seq for x in receiver.received].count(r.seq) <= 2:
            failed.add(r.seq)
            return (500, {}, 0.0)
        return (200, {}, 0.0)

    receiver.answer = answer
    hook = keep.add_webhook(receiver.url)
    start = keep.last_change()
    keep.spawn("counter-v1", actor_id="a")
    keep.spawn("counter-v1", actor_id="b")
    for _ in range(3):
        keep.send("a", "NOTE")
        keep.send("b", "NOTE")
    clock.advance(seconds=0)
    # b's four changes went through; a's first failed and its later ones were not tried.
    assert [r.actor for r in receiver.received].count("b") == 4
    assert {r.seq for r in receiver.received if r.actor == "a"} == {start + 1}
    clock.advance(hours=1)
    delivered = [r for r in receiver.received if r.actor == "a"]
    # a's changes in order, each tried until it succeeded before the next was tried at all.
    order = [r.seq for r in delivered]
    assert order == sorted(order) and len(set(order)) == 4 and failed == set(order)
    assert keep.webhook(hook.id).pending == 0


def test_a_restart_resumes_what_was_pending_and_what_was_claimed(
    store_location: str, key_dir: Path, clock: ManualClock, receiver: Receiver
) -> None:
    receiver.answer = lambda r: (500, {}, 0.0)
    with statekeep.open(store_location, clock=clock, allow_private_webhooks=True) as keep:
        keep.deploy("counter-v1", COUNTER)
        hook = keep.add_webhook(receiver.url)
        keep.spawn("counter-v1", actor_id="a")
        keep.spawn("counter-v1", actor_id="b")
        clock.advance(seconds=0)  # both failed once
        # b's retry is claimed by a process that then dies before it says how it went.
        clock._now = START + 6  # (moved without delivering what falls due)
        keep._dispatch()
        claimed = keep._claim(1)
        assert len(claimed) == 1
        first = keep.last_change() - 1
    receiver.answer = lambda r: (200, {}, 0.0)
    clock2 = ManualClock(start=START + 7)
    with statekeep.open(store_location, clock=clock2, allow_private_webhooks=True) as keep:
        clock2.advance(seconds=0)
        assert keep.webhook(hook.id).pending == 1  # the claimed one waits for its lease
        clock2.advance(minutes=2)
        assert keep.webhook(hook.id).pending == 0
    ok = [r.seq for r in receiver.received[2:]]
    assert sorted(ok) == [first, first + 1]


# ----- where deliveries may go ---------------------------------------------------------------------


@pytest.mark.parametrize(
    "url",
    [
        "http://127.0.0.1:9/hook",
        "http://localhost/hook",
        "http://10.1.2.3/hook",
        "http://192.168.0.1/",
        "http://169.254.169.254/latest/meta-data",
        "http://[::1]/hook",
        "http://[::ffff:127.0.0.1]/hook",
        "http://0.0.0.0/",
        "http://100.64.0.1/",
    ],
)
def test_a_url_that_resolves_to_a_private_address_is_refused(store_location: str, key_dir: Path, url: str) -> None:
    with statekeep.open(store_location) as keep:
        with pytest.raises(InvalidRequest, match="not public") as refused:
            keep.add_webhook(url)
        assert refused.value.code == "webhook_url_forbidden"
        assert keep.webhooks() == []


@pytest.mark.parametrize("url", ["ftp://example.com/", "http:///nohost", "https://u:p@example.com/", "not a url"])
def test_a_url_that_is_not_an_http_url_is_refused(store_location: str, key_dir: Path, url: str) -> None:
    with statekeep.open(store_location) as keep, pytest.raises(InvalidRequest):
        keep.add_webhook(url)


def test_the_address_is_checked_again_at_delivery(
    store_location: str, key_dir: Path, clock: ManualClock, receiver: Receiver
) -> None:
    """An endpoint made where private addresses were allowed is not reached from a keep that
    does not allow them: the check is made for each connection, not only at creation."""
    with statekeep.open(store_location, clock=clock, allow_private_webhooks=True) as keep:
        keep.deploy("counter-v1", COUNTER)
        hook = keep.add_webhook(receiver.url)
    with statekeep.open(store_location, clock=clock) as keep:
        keep.spawn("counter-v1", actor_id="a")
        clock.advance(seconds=0)
        [d] = keep.webhook_deliveries(hook.id)
        assert d.attempts[0]["status"] is None and "not public" in d.attempts[0]["error"]
    assert receiver.received == []


# ----- secrets ------------------------------------------------------------------------------------


def test_a_rotated_secret_signs_beside_the_old_one_during_the_overlap_then_alone(
    keep: statekeep.Keep, clock: ManualClock, receiver: Receiver
) -> None:
    hook = keep.add_webhook(receiver.url)
    old = hook.secret
    assert old is not None
    rotated = keep.rotate_webhook_secret(hook.id, overlap=HOUR)
    new = rotated.secret
    assert new is not None and new != old and rotated.previous_secret_expires_at == START + HOUR
    keep.spawn("counter-v1", actor_id="a")
    clock.advance(seconds=1)
    during = receiver.received[-1]
    assert len(during.headers["webhook-signature"].split(" ")) == 2
    assert verify(old, during)["data"]["actorId"] == "a"
    assert verify(new, during)["data"]["actorId"] == "a"
    clock.advance(hours=1)
    keep.send("a", "GO")
    clock.advance(seconds=1)
    after = receiver.received[-1]
    assert len(after.headers["webhook-signature"].split(" ")) == 1
    assert verify(new, after)["type"] == "actor.event"
    with pytest.raises(standardwebhooks.WebhookVerificationError):
        verify(old, after)
    assert keep.webhook(hook.id).previous_secret_expires_at is None


def test_secrets_are_sealed_at_rest(store_location: str, key_dir: Path) -> None:
    with statekeep.open(store_location, allow_private_webhooks=True) as keep:
        hook = keep.add_webhook("http://127.0.0.1:9/")
        assert hook.secret is not None
        with keep._store.read() as txn:
            record = txn.webhook(hook.id)
        assert record is not None
        assert hook.secret not in repr(record) and wh.secret_key(hook.secret).hex() not in repr(record)


def test_secrets_are_resealed_by_a_key_rotation_and_still_sign(
    store_location: str, key_dir: Path, clock: ManualClock, receiver: Receiver
) -> None:
    old_key, new_key = os.urandom(32), os.urandom(32)
    with statekeep.open(store_location, key=old_key, clock=clock, allow_private_webhooks=True) as keep:
        keep.deploy("counter-v1", COUNTER)
        hook = keep.add_webhook(receiver.url)
        keep.rotate_key(new_key, wait=0.1)
    assert hook.secret is not None
    with statekeep.open(store_location, key=new_key, clock=clock, allow_private_webhooks=True) as keep:
        keep.spawn("counter-v1", actor_id="a")
        clock.advance(seconds=1)
    assert verify(hook.secret, receiver.wait_for(1)[0])["type"] == "actor.spawned"


# ----- filters, redelivery, management ------------------------------------------------------------


def test_filters_by_kind_definition_and_action(keep: statekeep.Keep, clock: ManualClock, receiver: Receiver) -> None:
    keep.deploy("other-v1", COUNTER)
    by_kind = keep.add_webhook(receiver.url + "?f=kind", kinds=["spawned"])
    by_version = keep.add_webhook(receiver.url + "?f=version", definitions=["other-v1"])
    by_action = keep.add_webhook(receiver.url + "?f=action", actions=["notify"])
    keep.spawn("counter-v1", actor_id="a")
    keep.spawn("other-v1", actor_id="b")
    keep.send("a", "GO")  # reports notify
    keep.send("a", "NOTE")  # reports note
    keep.send("b", "NOTE")
    clock.advance(seconds=1)
    assert {(r.json["type"], r.actor) for r in receiver.received if r.headers and True} >= set()
    # Which endpoint got what: the receiver cannot tell them apart by URL path here, so ask the
    # store: every endpoint delivered everything it took.
    assert all(keep.webhook(h.id).pending == 0 for h in (by_kind, by_version, by_action))
    got = [(r.json["type"], r.actor, r.json["data"]["seq"]) for r in receiver.received]
    kinds = sorted(x for x in got if x[0] == "actor.spawned")
    assert [x[1] for x in kinds] == ["a", "b", "b"]  # spawns (kind filter) + b's spawn (version filter)
    assert sorted(x[1] for x in got if x[0] == "actor.event") == ["a", "b"]  # GO (action) + b's NOTE (version)
    with pytest.raises(InvalidRequest, match="not a kind of change"):
        keep.add_webhook(receiver.url, kinds=["sent"])
    changed = keep.update_webhook(by_kind.id, kinds=[], actions=["note"])
    assert (changed.kinds, changed.actions) == ([], ["note"])


def test_dead_letters_and_changes_since_a_time_are_delivered_again(
    keep: statekeep.Keep, clock: ManualClock, receiver: Receiver
) -> None:
    receiver.answer = lambda r: (500, {}, 0.0)
    hook = keep.add_webhook(receiver.url)
    keep.spawn("counter-v1", actor_id="a")
    clock.advance(days=4)
    [dead] = keep.webhook_deliveries(hook.id, dead=True)
    receiver.answer = lambda r: (200, {}, 0.0)
    assert keep.redeliver(hook.id, seq=dead.seq) == 1
    assert keep.webhook_deliveries(hook.id, dead=True) == []
    clock.advance(seconds=1)
    assert receiver.received[-1].seq == dead.seq and keep.webhook(hook.id).pending == 0
    # Everything since a time: the spawn (day 0) is before it, the two sends after.
    keep.send("a", "GO")
    keep.send("a", "STOP")
    clock.advance(seconds=1)
    count = len(receiver.received)
    assert keep.redeliver(hook.id, since=START + DAY) == 2
    clock.advance(seconds=1)
    assert [r.json["type"] for r in receiver.received[count:]] == ["actor.event", "actor.event"]
    assert receiver.received[count].headers["webhook-id"] == receiver.received[count - 2].headers["webhook-id"]
    with pytest.raises(NotFound) as missing:
        keep.redeliver(hook.id, seq=999)
    assert missing.value.code == "change_not_found"
    with pytest.raises(InvalidRequest):
        keep.redeliver(hook.id)


def test_a_redelivery_since_a_time_opens_only_the_changes_from_that_time(
    keep: statekeep.Keep, clock: ManualClock, receiver: Receiver, monkeypatch: pytest.MonkeyPatch
) -> None:
    hook = keep.add_webhook(receiver.url)
    keep.spawn_many("counter-v1", [None] * 40, actor_ids=[f"a{n}" for n in range(40)])
    clock.advance(seconds=10)
    since = clock.now()
    keep.send_many([("a1", "GO"), ("a2", "GO"), ("a1", "STOP")])
    clock.advance(seconds=1)
    assert len(receiver.received) == 43
    opened: list[int] = []
    real = keep._opened

    def counted(seq: int, entry: ChangeRecord) -> Change:
        opened.append(seq)
        return real(seq, entry)

    monkeypatch.setattr(keep, "_opened", counted)
    assert keep.redeliver(hook.id, since=since) == 3
    assert opened == [41, 42, 43], "the 40 spawns before the time were read, not opened"
    clock.advance(seconds=1)
    again = [r.seq for r in receiver.received[43:]]
    assert sorted(again) == [41, 42, 43] and again.index(41) < again.index(43)  # (a1's in order)


def test_a_redelivery_since_a_time_searches_the_outbox_instead_of_walking_it(
    keep: statekeep.Keep, clock: ManualClock, receiver: Receiver, monkeypatch: pytest.MonkeyPatch
) -> None:
    """3,000 changes a day old, then three new ones: a redelivery since an hour ago reads a few
    entries to find where to start (a binary search), not the 3,000 before it; changes within
    the clock skew allowed before the time are read and passed over."""
    hook = keep.add_webhook(receiver.url, enabled=False)
    for n in range(3):
        keep.spawn_many("counter-v1", [None] * 1_000, actor_ids=[f"a{n}-{i}" for i in range(1_000)])
    clock.advance(days=1)
    keep.send("a0-1", "GO")  # within the skew allowed before the time: read, not delivered
    clock.advance(seconds=wh_keep.TIME_SKEW / 2)
    since = clock.now()
    keep.send_many([("a0-1", "STOP"), ("a0-2", "GO")])
    keep.update_webhook(hook.id, enabled=True)
    for _ in range(100):  # (the delivery worker takes them a batch at a time)
        shown = keep.webhook(hook.id)
        if shown.pending == 0 and shown.cursor == keep.last_change():
            break
        clock.advance(seconds=1)
    assert len(receiver.received) == 3_003
    read: list[int] = []
    for reader in (LmdbReader, PgReader):
        real = reader.changes

        def counted(txn: Any, after: int, limit: int, real: Any = real) -> Any:
            found = real(txn, after, limit)
            read.extend(n for n, _ in found)
            return found

        monkeypatch.setattr(reader, "changes", counted)
    assert keep.redeliver(hook.id, since=since) == 2
    assert len(read) < 40, f"{len(read)} entries read to find 2 changes"
    clock.advance(seconds=1)
    assert sorted(r.seq for r in receiver.received[3_003:]) == [3_002, 3_003]


class _Outbox:
    """An outbox's entries (number -> time) read as a store's reader reads them."""

    def __init__(self, times: dict[int, int]) -> None:
        self.times = times

    def changes(self, after: int, limit: int) -> list[tuple[int, Any]]:
        numbers = sorted(n for n in self.times if n > after)[:limit]
        return [(n, SimpleNamespace(at_ns=self.times[n])) for n in numbers]


@given(
    st.lists(st.tuples(st.booleans(), st.integers(min_value=0, max_value=5)), max_size=60),
    st.integers(min_value=0, max_value=200),
    st.integers(min_value=0, max_value=70),
)
def test_the_search_for_where_a_redelivery_starts_finds_the_last_older_change(
    steps: list[tuple[bool, int]], at: int, cursor: int
) -> None:
    """Times rising with the numbers, some numbers pruned: every change up to the answer is
    older than ``at``, and the next one up to the cursor is not."""
    times, now = {}, 0
    for n, (kept, step) in enumerate(steps, start=1):
        now += step
        if kept:
            times[n] = now
    low = wh_keep._older_than(_Outbox(times), at, cursor)  # type: ignore[arg-type]
    assert 0 <= low <= cursor
    assert all(t < at for n, t in times.items() if n <= low)
    following = [n for n in sorted(times) if low < n <= cursor]
    assert not following or times[following[0]] >= at


def test_endpoints_are_listed_changed_and_removed(keep: statekeep.Keep) -> None:
    a = keep.add_webhook("http://127.0.0.1:9/a", description="first")
    b = keep.add_webhook("http://127.0.0.1:9/b", enabled=False)
    assert [h.id for h in keep.webhooks()] == sorted([a.id, b.id])
    assert all(h.secret is None for h in keep.webhooks())
    changed = keep.update_webhook(a.id, url="http://127.0.0.1:9/c", description="", enabled=False)
    assert (changed.url, changed.description, changed.enabled) == ("http://127.0.0.1:9/c", None, False)
    assert changed.disabled_reason == "disabled by request"
    keep.remove_webhook(a.id)
    with pytest.raises(NotFound) as gone:
        keep.webhook(a.id)
    assert gone.value.code == "webhook_not_found"
    with pytest.raises(NotFound):
        keep.remove_webhook(a.id)


def test_the_outbox_keeps_what_an_enabled_endpoint_still_needs(
    keep: statekeep.Keep, clock: ManualClock, receiver: Receiver
) -> None:
    assert keep._retention_floor() is None
    receiver.answer = lambda r: (500, {}, 0.0)
    hook = keep.add_webhook(receiver.url)
    start = keep.last_change()
    keep.spawn("counter-v1", actor_id="a")
    keep.spawn("counter-v1", actor_id="b")
    assert keep._retention_floor() == start  # nothing looked at yet
    clock.advance(seconds=0)
    assert keep._retention_floor() == start  # both pending
    receiver.answer = lambda r: (200, {}, 0.0)
    clock.advance(seconds=6)
    assert keep._retention_floor() == start + 2
    keep.update_webhook(hook.id, enabled=False)
    assert keep._retention_floor() is None


def test_an_endpoint_with_a_full_backlog_waits_without_holding_up_the_others(
    keep: statekeep.Keep, clock: ManualClock, receiver: Receiver, monkeypatch: pytest.MonkeyPatch
) -> None:
    from statekeep.keep import webhooks as keep_webhooks

    monkeypatch.setattr(keep_webhooks, "MAX_PENDING", 3)
    receiver.answer = lambda r: (500, {}, 0.0) if "down" in r.headers.get("x-path", "") else (200, {}, 0.0)
    with receiving() as down:
        down.answer = lambda r: (500, {}, 0.0)
        stuck = keep.add_webhook(down.url)
        fine = keep.add_webhook(receiver.url)
        start = keep.last_change()
        for n in range(10):
            keep.spawn("counter-v1", actor_id=f"a{n}")
        clock.advance(seconds=1)
        assert len(receiver.received) == 10 and keep.webhook(fine.id).pending == 0
        shown = keep.webhook(stuck.id)
        assert shown.pending == 3 and shown.cursor == start + 3
        assert keep._retention_floor() == start  # the changes it has yet to take are kept
        down.answer = lambda r: (200, {}, 0.0)
        clock.advance(seconds=10)
        assert keep.webhook(stuck.id).pending == 0 and keep.webhook(stuck.id).cursor == start + 10
        assert sorted(r.seq for r in down.received if r.status == 200) == list(range(start + 1, start + 11))
