"""The wire of webhooks without a store (``statekeep.webhooks``): secrets and signatures as the
``standardwebhooks`` package from PyPI verifies them, the retry schedule and ``Retry-After``,
which addresses a delivery may reach, one POST to a receiver on loopback, and the sender's
HTTP/1.1 against answers framed every way a receiver may frame them."""

from __future__ import annotations

import gc
import os
import random
import socket
import threading
import time
from collections.abc import Iterator, Sequence
from contextlib import contextmanager

import pytest
import standardwebhooks
from hypothesis import given, settings
from hypothesis import strategies as st

from statekeep import webhooks as wh
from statekeep.errors import InvalidRequest
from webhook_receiver import Receiver, receiving


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    with receiving() as r:
        yield r


def test_a_secret_is_whsec_and_32_random_bytes() -> None:
    secrets = {wh.new_secret() for _ in range(50)}
    assert len(secrets) == 50 and all(s.startswith("whsec_") for s in secrets)
    assert all(len(wh.secret_key(s)) == 32 for s in secrets)


def test_each_secret_signs_and_standardwebhooks_verifies_with_either() -> None:
    old, new = wh.new_secret(), wh.new_secret()
    body = b'{"type":"actor.event","data":{"text":"\xc3\xa9 \xe2\x9c\x93"}}'
    stamp = int(time.time())
    header = wh.signatures([old, new], "msg_1", stamp, body)
    assert header.count("v1,") == 2 and len(header.split(" ")) == 2
    headers = {"webhook-id": "msg_1", "webhook-timestamp": str(stamp), "webhook-signature": header}
    for secret in (old, new):
        assert standardwebhooks.Webhook(secret).verify(body, headers)["type"] == "actor.event"
    with pytest.raises(standardwebhooks.WebhookVerificationError):
        standardwebhooks.Webhook(wh.new_secret()).verify(body, headers)
    # The id and the timestamp are signed too.
    for changed in ({"webhook-id": "msg_2"}, {"webhook-timestamp": str(stamp - 1)}):
        with pytest.raises(standardwebhooks.WebhookVerificationError):
            standardwebhooks.Webhook(old).verify(body, headers | changed)


def test_the_schedule_has_jitter_but_never_hurries_and_ends() -> None:
    rng = random.Random(1)
    assert wh.SCHEDULE == (0, 5, 300, 1800, 7200, 18000, 36000, 50400, 72000, 86400)
    for attempts in range(1, 10):
        delays = [wh.retry_delay(attempts, rng=rng) for _ in range(200)]
        assert all(d is not None and wh.SCHEDULE[attempts] <= d <= wh.SCHEDULE[attempts] * 1.1 for d in delays)
        assert len(set(delays)) > 100, "jittered"
    assert wh.retry_delay(10) is None, "ten attempts, then a dead letter"
    assert wh.retry_delay(1, retry_after=600) == 600
    assert 5 <= (wh.retry_delay(1, retry_after=1) or 0) <= 5.5
    assert wh.retry_delay(2, retry_after=10**9) == wh.RETRY_AFTER_MAX


def test_retry_after_in_seconds_or_as_a_date() -> None:
    now = 1_700_000_000.0
    assert wh.parse_retry_after("120", now) == 120
    assert wh.parse_retry_after("Tue, 14 Nov 2023 22:15:20 GMT", now) == pytest.approx(120)
    assert wh.parse_retry_after("Tue, 14 Nov 2023 22:00:00 GMT", now) == 0
    assert wh.parse_retry_after("soon", now) is None and wh.parse_retry_after(None, now) is None


def test_every_address_a_host_resolves_to_must_be_public() -> None:
    for private in ("127.0.0.1", "10.0.0.1", "172.16.5.4", "192.168.1.1", "169.254.169.254", "100.64.0.1"):
        assert wh.refused_address(private), private
    for private in ("::1", "fe80::1%eth0", "fc00::1", "::ffff:10.0.0.1", "::", "0.0.0.0", "224.0.0.1", "ff02::1"):
        assert wh.refused_address(private), private
    assert not wh.refused_address("93.184.216.34") and not wh.refused_address("2606:4700::1111")


@pytest.mark.parametrize(
    ("url", "code"),
    [
        ("ftp://example.com/", "webhook_url_invalid"),
        ("http:///path", "webhook_url_invalid"),
        ("https://user:pw@example.com/", "webhook_url_invalid"),
        ("http://example.com:99999/", "webhook_url_invalid"),
        ("http://127.0.0.1/", "webhook_url_forbidden"),
        ("http://localhost:8080/hooks", "webhook_url_forbidden"),
        ("http://[::1]/", "webhook_url_forbidden"),
        ("http://no-such-host.invalid/", "webhook_url_forbidden"),
    ],
)
def test_urls_refused_with_their_code(url: str, code: str) -> None:
    with pytest.raises(InvalidRequest) as refused:
        wh.check_url(url, allow_private=False)
    assert refused.value.code == code


def test_one_post_reports_what_happened(receiver: Receiver) -> None:
    sender = wh.Sender(allow_private=True, timeout=0.5)
    ok = sender.post(receiver.url + "?a=1", {"webhook-id": "msg_1"}, b"{}")
    assert ok.ok and ok.status == 200 and ok.error is None
    got = receiver.received[0]
    assert got.headers["webhook-id"] == "msg_1" and got.headers["content-type"] == "application/json"
    receiver.answer = lambda r: (429, {"Retry-After": "30"}, 0.0)
    limited = sender.post(receiver.url, {}, b"{}")
    assert (limited.ok, limited.status, limited.retry_after) == (False, 429, 30)
    receiver.answer = lambda r: (302, {"Location": "http://127.0.0.1:9/"}, 0.0)
    assert sender.post(receiver.url, {}, b"{}").status == 302, "a redirect is not followed: a failure"
    receiver.answer = lambda r: (200, {}, 1.0)
    slow = sender.post(receiver.url, {}, b"{}")
    assert slow.status is None and slow.error == "no answer within 0.5 s"
    receiver.answer = lambda r: (204, {}, 0.0)
    assert sender.post(receiver.url, {}, b"{}").ok, "the connection after a timeout is a new one"
    refused = wh.Sender(allow_private=False).post(receiver.url, {}, b"{}")
    assert refused.status is None and "not public" in (refused.error or "")


def test_a_closed_sender_keeps_no_thread_and_no_file_open(receiver: Receiver) -> None:
    """Its sending thread, the thread's selector and wake-up sockets and the kept connections
    end with it (a process that opens and closes keeps would run out of descriptors); it
    sends again after, on a thread of its own."""
    gc.collect()  # (what earlier tests left to be collected is closed now, not during this one)
    opened = set(os.listdir("/proc/self/fd"))
    sender = wh.Sender(allow_private=True, timeout=2)
    futures = [sender.submit(receiver.url, {"webhook-id": f"msg_{n}"}, b"{}") for n in range(8)]
    assert all(f.result().ok for f in futures)
    thread = sender._thread
    assert thread is not None and thread.is_alive()
    sender.close()
    thread.join(10)
    assert not thread.is_alive()
    # (The receiver closes its ends of the connections when it reads that they ended.)
    deadline = time.monotonic() + 10
    while not set(os.listdir("/proc/self/fd")) <= opened and time.monotonic() < deadline:
        time.sleep(0.02)
    assert set(os.listdir("/proc/self/fd")) <= opened
    assert sender.post(receiver.url, {}, b"{}").ok
    sender.close()


def test_a_failure_of_the_sender_itself_fails_the_requests_under_way(
    receiver: Receiver, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A bug in the sending thread is a failed attempt for each request it had (tried again on
    the schedule), not a delivery waited for forever; the next request starts it again."""

    def broken(buffer: bytes) -> None:
        raise RuntimeError("a bug")

    sender = wh.Sender(allow_private=True, timeout=2)
    monkeypatch.setattr(wh, "_parse_answer", broken)
    futures = [sender.submit(receiver.url, {}, b"{}") for _ in range(3)]
    outcomes = [f.result(timeout=10) for f in futures]
    assert all(o.status is None and o.error == "RuntimeError: a bug" for o in outcomes)
    monkeypatch.undo()
    assert sender.post(receiver.url, {}, b"{}").ok
    sender.close()


# ----- the sender's HTTP/1.1 ---------------------------------------------------------------------


class Scripted:
    """A receiver on loopback that answers each request with the next of ``answers`` (raw
    bytes, and whether it closes the connection after it), recording for each request the
    number of the connection it came on and the request's bytes."""

    def __init__(self, answers: Sequence[tuple[bytes, bool]]) -> None:
        self.answers = list(answers)
        self.requests: list[tuple[int, bytes]] = []
        self.listener = socket.create_server(("127.0.0.1", 0))
        self.url = f"http://127.0.0.1:{self.listener.getsockname()[1]}/hooks"
        threading.Thread(target=self._serve, daemon=True).start()

    def _serve(self) -> None:
        connections = 0
        while self.answers:
            try:
                conn, _ = self.listener.accept()
            except OSError:
                return
            connections += 1
            with conn:
                buffer = b""
                while self.answers:
                    while b"\r\n\r\n" not in buffer:
                        chunk = conn.recv(65536)
                        if not chunk:
                            break
                        buffer += chunk
                    if b"\r\n\r\n" not in buffer:
                        break  # the sender closed it
                    head, _, buffer = buffer.partition(b"\r\n\r\n")
                    length = int(head.lower().split(b"content-length: ")[1].split(b"\r\n")[0])
                    while len(buffer) < length:
                        buffer += conn.recv(65536)
                    self.requests.append((connections, head + b"\r\n\r\n" + buffer[:length]))
                    buffer = buffer[length:]
                    answer, close = self.answers.pop(0)
                    conn.sendall(answer)
                    if close:
                        break

    def close(self) -> None:
        self.listener.close()


@contextmanager
def scripted(*answers: tuple[bytes, bool]) -> Iterator[Scripted]:
    receiver = Scripted(answers)
    try:
        yield receiver
    finally:
        receiver.close()


KEEP, CLOSE = False, True
NO_CONTENT = (b"HTTP/1.1 204 No Content\r\n\r\n", KEEP)


@pytest.mark.parametrize(
    ("answer", "status", "same_connection"),
    [
        (b"HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\nhello", 200, True),
        (b"HTTP/1.1 201 Created\r\nTransfer-Encoding: chunked\r\n\r\n5;x=1\r\nhello\r\n0\r\nT: t\r\n\r\n", 201, True),
        (b"HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 202 Accepted\r\ncontent-length: 0\r\n\r\n", 202, True),
        (b"HTTP/1.1 200 OK\r\nConnection: close\r\nContent-Length: 0\r\n\r\n", 200, False),
        (b"HTTP/1.0 200 OK\r\nContent-Length: 0\r\n\r\n", 200, False),
        (b"HTTP/1.0 200 OK\r\nConnection: keep-alive\r\nContent-Length: 0\r\n\r\n", 200, True),
        (b"HTTP/1.1 500 Internal Server Error\r\nContent-Length: %d\r\n\r\n" % (wh.RESPONSE_READ + 1), 500, False),
    ],
)
def test_each_framing_of_an_answer_is_read_and_the_connection_kept_when_it_can_be(
    answer: bytes, status: int, same_connection: bool
) -> None:
    body = answer + b"x" * (wh.RESPONSE_READ + 1) if status == 500 else answer
    with scripted((body, not same_connection), NO_CONTENT) as receiver:
        sender = wh.Sender(allow_private=True, timeout=2)
        first = sender.post(receiver.url, {"webhook-id": "msg_1"}, b'{"a":1}')
        assert (first.status, first.ok) == (status, 200 <= status < 300)
        assert sender.post(receiver.url, {"webhook-id": "msg_2"}, b"{}").status == 204
    (one, request), (two, _) = receiver.requests
    assert (one == two) == same_connection
    head, _, sent = request.partition(b"\r\n\r\n")
    assert head.startswith(b"POST /hooks HTTP/1.1\r\n") and sent == b'{"a":1}'
    assert b"\r\nwebhook-id: msg_1" in head and b"\r\nContent-Type: application/json" in head


def test_an_answer_ended_by_closing_the_connection_and_a_kept_connection_closed_meanwhile() -> None:
    with scripted((b"HTTP/1.1 200 OK\r\n\r\nuntil the end", CLOSE), NO_CONTENT) as receiver:
        sender = wh.Sender(allow_private=True, timeout=2)
        assert sender.post(receiver.url, {}, b"{}").status == 200
        assert sender.post(receiver.url, {}, b"{}").status == 204
    # The receiver closed a kept connection without saying so: the next request goes again,
    # once, on a new one.
    with scripted((b"HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n", CLOSE), NO_CONTENT) as receiver:
        sender = wh.Sender(allow_private=True, timeout=2)
        assert sender.post(receiver.url, {}, b"{}").ok
        time.sleep(0.05)
        assert sender.post(receiver.url, {}, b"{}").status == 204
    assert [n for n, _ in receiver.requests] == [1, 2]


@pytest.mark.parametrize(
    ("answer", "error"),
    [
        (b"garbage\r\n\r\n", "BadStatusLine"),
        (b"HTTP/1.1 200 OK\r\nContent-Length: ten\r\n\r\n", "HTTPException"),
        (b"HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\nshort", "IncompleteRead"),
        (b"", "RemoteDisconnected"),
    ],
)
def test_an_answer_that_is_not_http_is_a_failed_attempt(answer: bytes, error: str) -> None:
    with scripted((answer, CLOSE)) as receiver:
        outcome = wh.Sender(allow_private=True, timeout=2).post(receiver.url, {}, b"{}")
    assert outcome.status is None and outcome.error is not None and outcome.error.startswith(error)


@settings(max_examples=40, deadline=None)
@given(
    answers=st.lists(
        st.tuples(
            st.integers(200, 599),
            st.binary(max_size=300),
            st.sampled_from(["length", "chunked"]),
            st.integers(1, 64),
        ),
        min_size=1,
        max_size=4,
    )
)
def test_answers_kept_alive_are_read_one_after_another(answers: list[tuple[int, bytes, str, int]]) -> None:
    """Whatever the statuses, bodies and framings, each answer on one kept connection is read
    whole (so the next one is read from where it begins) and reported with its status."""
    raw = []
    for status, body, framing, chunk in answers:
        if status in (204, 304):
            raw.append(b"HTTP/1.1 %d X\r\n\r\n" % status)  # (those two end with their headers)
        elif framing == "length":
            raw.append(b"HTTP/1.1 %d X\r\nContent-Length: %d\r\n\r\n%s" % (status, len(body), body))
        else:
            chunks = b"".join(
                b"%x\r\n%s\r\n" % (len(body[i : i + chunk]), body[i : i + chunk]) for i in range(0, len(body), chunk)
            )
            raw.append(b"HTTP/1.1 %d X\r\nTransfer-Encoding: chunked\r\n\r\n%s0\r\n\r\n" % (status, chunks))
    with scripted(*[(r, KEEP) for r in raw]) as receiver:
        sender = wh.Sender(allow_private=True, timeout=2)
        statuses = [sender.post(receiver.url, {}, b"{}").status for _ in answers]
    assert statuses == [status for status, _, _, _ in answers]
    assert {n for n, _ in receiver.requests} == {1}
