"""The benches' webhook receiver: a loopback endpoint that checks every delivery's Standard
Webhooks signature and answers 204, keeping the connection, at as little CPU as it can.

On this machine the receiver shares two cores with the server, its delivery process, wrk and
a stream follower, where a real deployment's receiver runs elsewhere: so it is an asyncio
protocol reading the request head and body itself (uvicorn and an ASGI app cost about three
times as much per delivery), and it verifies each signature as the ``standardwebhooks`` package
does (tests/test_webhook_sink.py compares them): the HMAC-SHA256 of ``id.timestamp.body``,
one of the space-separated ``v1,`` signatures, a timestamp within five minutes.
"""

from __future__ import annotations

import asyncio
import base64
import hashlib
import hmac
import threading
import time
from typing import Any

#: How far a delivery's timestamp may be from the receiver's clock (seconds), as in
#: ``standardwebhooks``.
TOLERANCE = 300
#: The most a request's head may take before the connection is dropped.
HEAD_MAX = 64 << 10
ANSWER = b"HTTP/1.1 204 No Content\r\n\r\n"


def verified(key: bytes, msg_id: str, timestamp: str, signature: str, body: bytes, now: float) -> bool:
    """Whether one of ``signature``'s ``v1,`` signatures is ``key``'s of the delivery, and its
    timestamp is within :data:`TOLERANCE` of ``now``."""
    if not msg_id:
        return False
    try:
        stamp = int(timestamp)
    except ValueError:
        return False
    if abs(now - stamp) > TOLERANCE:
        return False
    signed = f"{msg_id}.{timestamp}.".encode() + body
    expected = base64.b64encode(hmac.new(key, signed, hashlib.sha256).digest())
    for given in signature.split(" "):
        version, _, value = given.partition(",")
        if version == "v1" and hmac.compare_digest(value.encode(), expected):
            return True
    return False


class _Receiving(asyncio.Protocol):
    def __init__(self, key: bytes, good: Any, bad: Any) -> None:
        self.key = key
        self.good = good
        self.bad = bad
        self.buffer = b""
        self.transport: asyncio.Transport | None = None

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        assert isinstance(transport, asyncio.Transport)
        self.transport = transport

    def data_received(self, data: bytes) -> None:
        assert self.transport is not None
        buffer = self.buffer + data
        good = bad = answered = 0
        now = time.time()
        while (end := buffer.find(b"\r\n\r\n")) >= 0:
            fields = {}
            for line in buffer[:end].split(b"\r\n")[1:]:
                name, _, value = line.partition(b":")
                fields[name.strip().lower()] = value.strip()
            length = int(fields.get(b"content-length", b"0"))
            if len(buffer) < end + 4 + length:
                break
            body = buffer[end + 4 : end + 4 + length]
            buffer = buffer[end + 4 + length :]
            ok = verified(
                self.key,
                fields.get(b"webhook-id", b"").decode("latin-1"),
                fields.get(b"webhook-timestamp", b"").decode("latin-1"),
                fields.get(b"webhook-signature", b"").decode("latin-1"),
                body,
                now,
            )
            good += ok
            bad += not ok
            answered += 1
        self.buffer = buffer
        if len(buffer) > HEAD_MAX and buffer.find(b"\r\n\r\n") < 0:
            self.transport.close()
        for counter, n in ((self.good, good), (self.bad, bad)):  # (counted before they are answered)
            if n:
                with counter.get_lock():
                    counter.value += n
        if answered:
            self.transport.write(ANSWER * answered)


async def serve(port: int, key: bytes, good: Any, bad: Any, started: threading.Event | None = None) -> None:
    """Receive on ``127.0.0.1:port`` until cancelled, counting deliveries whose signature
    verified in ``good`` and the others in ``bad`` (``multiprocessing.Value``-like: a
    ``value`` and a ``get_lock()``)."""
    loop = asyncio.get_running_loop()
    server = await loop.create_server(lambda: _Receiving(key, good, bad), "127.0.0.1", port)
    if started is not None:
        started.set()
    async with server:
        await server.serve_forever()


def receive(port: int, key: bytes, good: Any, bad: Any) -> None:
    """The receiver's process."""
    asyncio.run(serve(port, key, good, bad))
