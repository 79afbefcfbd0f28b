"""A webhook receiver on loopback for the tests: a real HTTP server in a thread that keeps every
request it gets (headers, body, when) and answers as the test tells it (a status, headers, a
delay), per request; over TLS when given a server context."""

from __future__ import annotations

import http.server
import ssl
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

import orjson


@dataclass
class Received:
    headers: dict[str, str]
    body: bytes
    at: float
    #: What the receiver answered.
    status: int = 0

    @property
    def json(self) -> Any:
        return orjson.loads(self.body)

    @property
    def seq(self) -> int:
        return int(self.json["data"]["seq"])

    @property
    def actor(self) -> str:
        return str(self.json["data"]["actorId"])


#: What to answer a request: (status, headers, seconds to wait first).
Answer = tuple[int, dict[str, str], float]


@dataclass
class Receiver:
    url: str
    received: list[Received] = field(default_factory=list)
    #: Decides each answer (200 by default).
    answer: Callable[[Received], Answer] = lambda r: (200, {}, 0.0)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def wait_for(self, count: int, timeout: float = 10.0) -> list[Received]:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            with self.lock:
                if len(self.received) >= count:
                    return list(self.received)
            time.sleep(0.01)
        raise AssertionError(f"the receiver got {len(self.received)} requests, not {count}")


@contextmanager
def receiving(tls: ssl.SSLContext | None = None) -> Iterator[Receiver]:
    receiver = Receiver("")

    class Handler(http.server.BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def do_POST(self) -> None:
            length = int(self.headers.get("Content-Length", "0"))
            body = self.rfile.read(length)
            if len(body) < length:
                # The sender died (or cut the connection) before its body was whole: no delivery
                # reached us, as no real receiver would take one.
                self.close_connection = True
                return
            got = Received({k.lower(): v for k, v in self.headers.items()}, body, time.time())
            with receiver.lock:
                receiver.received.append(got)
            status, headers, delay = receiver.answer(got)
            got.status = status
            if delay:
                time.sleep(delay)
            try:
                self.send_response(status)
                for k, v in headers.items():
                    self.send_header(k, v)
                self.send_header("Content-Length", "2")
                self.end_headers()
                self.wfile.write(b"ok")
            except OSError:
                pass  # the sender gave up waiting

        def log_message(self, *args: Any) -> None:
            pass

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    server.daemon_threads = True
    if tls is not None:
        # Handshakes happen as connections are accepted; one that fails (a client that does not
        # trust the certificate) is an OSError the server drops, as it drops any failed accept.
        server.socket = tls.wrap_socket(server.socket, server_side=True)
    scheme = "http" if tls is None else "https"
    receiver.url = f"{scheme}://127.0.0.1:{server.server_address[1]}/hooks"
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield receiver
    finally:
        server.shutdown()
        server.server_close()
