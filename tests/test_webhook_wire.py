"""The wire of webhooks without a store (``statekeep.webhooks``): secrets and signatures as the
``standardwebhooks`` package from PyPI verifies them, the retry schedule and ``Retry-After``,
which addresses a delivery may reach, and one POST to a receiver on loopback."""

from __future__ import annotations

import random
import time
from collections.abc import Iterator

import pytest
import standardwebhooks

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
