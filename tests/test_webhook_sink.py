"""The benches' webhook receiver (benches/webhook_sink.py) verifies what the ``standardwebhooks``
package verifies: a cheaper receiver than the tests' must not make the benches' count of
verified deliveries mean less."""

from __future__ import annotations

import asyncio
import contextlib
import datetime
import importlib.util
import multiprocessing
import socket
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from types import ModuleType

import pytest
import standardwebhooks
from hypothesis import given, settings
from hypothesis import strategies as st

from statekeep import webhooks as wh


def _load_sink() -> ModuleType:
    path = Path(__file__).resolve().parent.parent / "benches" / "webhook_sink.py"
    spec = importlib.util.spec_from_file_location("webhook_sink", path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


sink = _load_sink()
NOW = 1_800_000_000


@settings(max_examples=300, deadline=None)
@given(
    body=st.text(max_size=200).map(str.encode),
    msg_id=st.text(alphabet="abcdefghijklmnopqrstuvwxyz0123456789_", min_size=1, max_size=30),
    age=st.integers(-400, 400),
    tamper=st.sampled_from(["none", "body", "id", "timestamp", "secret", "prepended", "unversioned"]),
)
def test_the_sink_verifies_what_standardwebhooks_verifies(body: bytes, msg_id: str, age: int, tamper: str) -> None:
    secret, other = wh.new_secret(), wh.new_secret()
    stamp = NOW - age
    signature = wh.signatures([other if tamper == "secret" else secret], msg_id, stamp, body)
    if tamper == "prepended":  # (another secret's signature first: one of them is enough)
        signature = wh.signatures([other], msg_id, stamp, body) + " " + signature
    if tamper == "unversioned":
        signature = signature.replace("v1,", "v2,")
    headers = {"webhook-id": msg_id, "webhook-timestamp": str(stamp), "webhook-signature": signature}
    if tamper == "body":
        body += b" "
    if tamper == "id":
        headers["webhook-id"] = msg_id + "x"
    if tamper == "timestamp":
        headers["webhook-timestamp"] = str(stamp + 1)
    checker = standardwebhooks.Webhook(secret)
    try:
        with pytest.MonkeyPatch.context() as patch:
            patch.setattr(standardwebhooks.webhooks, "datetime", _Frozen)
            checker.verify(body, headers, json_parse=False)
        expected = True
    except standardwebhooks.WebhookVerificationError:
        expected = False
    got = sink.verified(
        wh.secret_key(secret),
        headers["webhook-id"],
        headers["webhook-timestamp"],
        headers["webhook-signature"],
        body,
        NOW,
    )
    assert got == expected
    assert got == (tamper in ("none", "prepended") and abs(age) <= sink.TOLERANCE)


class _Frozen:
    """``datetime`` as standardwebhooks uses it, with its clock at :data:`NOW`."""

    @staticmethod
    def now(tz: datetime.tzinfo | None = None) -> datetime.datetime:
        return datetime.datetime.fromtimestamp(NOW, tz=tz)

    @staticmethod
    def fromtimestamp(stamp: float, tz: datetime.tzinfo | None = None) -> datetime.datetime:
        return datetime.datetime.fromtimestamp(stamp, tz=tz)


@pytest.fixture
def running_sink() -> Iterator[tuple[str, str, object, object]]:
    secret = wh.new_secret()
    good, bad = multiprocessing.Value("q", 0), multiprocessing.Value("q", 0)
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    loop = asyncio.new_event_loop()
    started = threading.Event()
    serving = loop.create_task(sink.serve(port, wh.secret_key(secret), good, bad, started))

    def run() -> None:
        with contextlib.suppress(asyncio.CancelledError):
            loop.run_until_complete(serving)

    thread = threading.Thread(target=run, daemon=True)
    thread.start()
    assert started.wait(10)
    try:
        yield f"http://127.0.0.1:{port}/hooks", secret, good, bad
    finally:
        loop.call_soon_threadsafe(serving.cancel)
        thread.join(5)
        loop.close()


def test_the_sink_counts_signed_deliveries_over_kept_connections(running_sink: tuple[str, str, object, object]) -> None:
    url, secret, good, bad = running_sink
    sender = wh.Sender(allow_private=True, timeout=5, concurrency=4)
    futures = []
    for n in range(40):
        body = b'{"n": %d}' % n
        stamp = int(time.time())
        key = secret if n % 10 else wh.new_secret()  # every tenth signed by a secret it does not know
        signature = wh.signatures([key], f"msg_{n}", stamp, body)
        headers = {"webhook-id": f"msg_{n}", "webhook-timestamp": str(stamp), "webhook-signature": signature}
        futures.append(sender.submit(url, headers, body))
    outcomes = [f.result() for f in futures]
    sender.close()
    assert all(o.status == 204 for o in outcomes)
    assert (good.value, bad.value) == (36, 4)  # type: ignore[attr-defined]
