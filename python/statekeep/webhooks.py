"""Webhooks as the Standard Webhooks specification has them (standardwebhooks.com), without the
store: secrets, signatures, the retry schedule, which addresses a delivery may reach, and one
HTTP POST. What to deliver, when and to whom is ``statekeep.keep.webhooks``.

- A secret is ``whsec_`` and the base64 of 32 random bytes, made here, never chosen by a user.
- A delivery's headers are ``webhook-id`` (the same for every attempt of one change to one
  endpoint: the receiver's dedupe key), ``webhook-timestamp`` (the attempt's time, in seconds,
  from the wall clock: receivers check it against theirs) and ``webhook-signature``:
  ``v1,<base64 of HMAC-SHA256 of "id.timestamp.body">``, once per live secret, space-separated
  (during a rotation's overlap both the old and the new secret sign).
- An address that is not globally routable (loopback, private, link-local, shared, reserved,
  multicast, unspecified; IPv4-mapped IPv6 judged by its IPv4) is refused unless the keep was
  opened to allow it; a host is resolved again for each new connection, and the connection goes
  to the address that was checked (so DNS that changes between the check and the connect cannot
  point a delivery elsewhere).
- Delivery is HTTP/1.1 written here on a socket (no dependency for the embedded keep, and a
  fraction of ``http.client``'s time): no redirect is followed (a 3xx is a failure, as the
  specification advises), connections are kept alive per endpoint for at most
  :data:`CONNECTION_AGE` seconds.
"""

from __future__ import annotations

import base64
import collections
import concurrent.futures
import contextlib
import dataclasses
import email.utils
import errno
import functools
import hashlib
import hmac
import http.client
import ipaddress
import logging
import os
import random
import selectors
import socket
import ssl
import threading
import time
from collections.abc import Sequence
from dataclasses import dataclass
from urllib.parse import quote, urlsplit

from statekeep.errors import InvalidRequest

SECRET_PREFIX = "whsec_"
SECRET_BYTES = 32
#: The delay before each attempt, after the previous one failed (the first is at once): the
#: specification's example schedule. After the last, the delivery is a dead letter.
SCHEDULE = (0.0, 5.0, 300.0, 1800.0, 7200.0, 18000.0, 36000.0, 50400.0, 72000.0, 86400.0)
#: Each delay is lengthened by up to this fraction, at random (so retries do not come in waves).
JITTER = 0.1
#: The longest ``Retry-After`` taken (seconds): a day.
RETRY_AFTER_MAX = 86400.0
#: How long a delivery may take (seconds): a 2xx within it is a success.
TIMEOUT = 15.0
#: How long a connection is kept for more deliveries to the same endpoint (seconds); the host is
#: resolved and checked again for the next one.
CONNECTION_AGE = 60.0
#: The most of a response's body read (it is not used; one longer closes the connection).
RESPONSE_READ = 64 << 10
URL_MAX = 2048
USER_AGENT = "statekeep-webhooks/1"
#: URLs a sender keeps parsed.
TARGETS_KEPT = 1024
#: Threads resolving host names for new connections.
RESOLVERS = 4
#: How long the sending thread waits for more requests before it ends (seconds; the next
#: request starts it again, and kept connections wait without it).
SENDER_LINGER = 1.0


class AddressRefused(Exception):
    """A URL whose host is (or resolves to) an address deliveries may not reach."""


def new_secret() -> str:
    return SECRET_PREFIX + base64.b64encode(os.urandom(SECRET_BYTES)).decode()


@functools.lru_cache(maxsize=256)  # (each delivery is signed with its endpoint's few secrets)
def secret_key(secret: str) -> bytes:
    return base64.b64decode(secret.removeprefix(SECRET_PREFIX))


def signatures(secrets: Sequence[str], msg_id: str, timestamp: int, body: bytes) -> str:
    """The ``webhook-signature`` header: one ``v1,`` signature per secret, space-separated."""
    signed = f"{msg_id}.{timestamp}.".encode() + body
    return " ".join(
        "v1," + base64.b64encode(hmac.new(secret_key(s), signed, hashlib.sha256).digest()).decode() for s in secrets
    )


def retry_delay(attempts: int, retry_after: float | None = None, rng: random.Random | None = None) -> float | None:
    """How long after the ``attempts``-th failed attempt to try again (seconds); None when the
    schedule is used up (a dead letter). The schedule's delay lengthened by up to
    :data:`JITTER`, and never sooner than the receiver's ``Retry-After``."""
    if attempts >= len(SCHEDULE):
        return None
    delay = SCHEDULE[attempts] * (1 + (rng or random).uniform(0, JITTER))
    if retry_after is not None:
        delay = max(delay, min(retry_after, RETRY_AFTER_MAX))
    return delay


def parse_retry_after(value: str | None, now: float) -> float | None:
    """``Retry-After`` in seconds from now: a number of seconds, or an HTTP date."""
    if value is None:
        return None
    value = value.strip()
    if value.isdigit():
        return float(value)
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError, IndexError):
        return None
    if when.tzinfo is None:
        return None
    return max(0.0, when.timestamp() - now)


# ----- where a delivery may go -------------------------------------------------------------------


@dataclass(frozen=True)
class Target:
    scheme: str
    host: str
    port: int
    #: The path with its query, as sent in the request line.
    path: str


def parse_url(url: str) -> Target:
    """A webhook URL: http or https, a host, no credentials; :class:`InvalidRequest` says why not."""
    if not isinstance(url, str) or not url or len(url) > URL_MAX:
        raise InvalidRequest(
            f"a webhook URL is an http:// or https:// URL of at most {URL_MAX} characters", code="webhook_url_invalid"
        )
    try:
        parts = urlsplit(url)
        port = parts.port
    except ValueError as e:
        raise InvalidRequest(f"{url!r} is not a valid URL: {e}", code="webhook_url_invalid") from None
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise InvalidRequest(f"{url!r} is not an http:// or https:// URL with a host", code="webhook_url_invalid")
    if parts.username is not None or parts.password is not None:
        raise InvalidRequest(
            "a webhook URL cannot carry credentials (user:password@): the signature proves who sends",
            code="webhook_url_invalid",
        )
    if any(c.isspace() or ord(c) < 0x20 for c in url):
        raise InvalidRequest("a webhook URL cannot contain spaces or control characters", code="webhook_url_invalid")
    path = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
    return Target(parts.scheme, parts.hostname, port or (443 if parts.scheme == "https" else 80), path)


def refused_address(address: str) -> bool:
    """Whether deliveries may not reach ``address`` (an IP address) unless allowed."""
    ip = ipaddress.ip_address(address.split("%", 1)[0])
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped is not None:
        ip = ip.ipv4_mapped
    return not ip.is_global or ip.is_multicast or ip.is_unspecified or ip.is_reserved


def resolve(target: Target, allow_private: bool) -> str:
    """The address to connect to for ``target``: every address its host resolves to must be
    one deliveries may reach (unless ``allow_private``); the first is used."""
    try:
        found = socket.getaddrinfo(target.host, target.port, type=socket.SOCK_STREAM)
    except (OSError, UnicodeError) as e:
        raise AddressRefused(f"the host {target.host!r} does not resolve: {e}") from None
    addresses = [str(info[4][0]) for info in found]
    if not addresses:
        raise AddressRefused(f"the host {target.host!r} resolves to no address")
    if not allow_private:
        for address in addresses:
            if refused_address(address):
                raise AddressRefused(
                    f"the host {target.host!r} resolves to {address}, an address that is not public (loopback, "
                    "private, link-local or reserved): webhooks may not reach it unless the server allows private "
                    "addresses (--allow-private-webhooks)"
                )
    return addresses[0]


def check_url(url: str, allow_private: bool) -> Target:
    """A URL an endpoint may have: well formed, and its host resolving to addresses deliveries
    may reach (:class:`InvalidRequest` with code ``webhook_url_invalid`` or
    ``webhook_url_forbidden``)."""
    target = parse_url(url)
    try:
        resolve(target, allow_private)
    except AddressRefused as e:
        raise InvalidRequest(str(e), code="webhook_url_forbidden") from None
    return target


# ----- one POST ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Outcome:
    """What one attempt came to: the status (None when there was no response), why it failed
    (None on a 2xx), the ``Retry-After`` it asked for (seconds), how long it took (ms)."""

    status: int | None
    error: str | None
    retry_after: float | None
    ms: int

    @property
    def ok(self) -> bool:
        return self.status is not None and 200 <= self.status < 300


def _parse_answer(buffer: bytes) -> tuple[int, str, dict[str, str], bool] | None:
    """The answer at the start of ``buffer``, once it is whole: its status, reason, headers
    (names in lower case), and whether the connection is to be closed after it (its body is
    dropped; one longer than :data:`RESPONSE_READ`, or ended by closing, is not waited for).
    None while more is to come; the http.client exceptions for what is not HTTP."""
    at = 0
    while True:
        end = buffer.find(b"\r\n\r\n", at)
        if end < 0:
            if len(buffer) - at > RESPONSE_READ:
                raise http.client.HTTPException("the answer's headers are too long")
            return None
        lines = buffer[at:end].decode("latin-1").split("\r\n")
        parts = lines[0].split(" ", 2)
        if len(parts) < 2 or not parts[0].startswith("HTTP/") or not (parts[1].isdigit() and len(parts[1]) == 3):
            raise http.client.BadStatusLine(lines[0])
        at = end + 4
        status = int(parts[1])
        if not 100 <= status < 200:
            break  # (an interim answer, 100 Continue or 103 Early Hints, comes before the answer)
    fields: dict[str, str] = {}
    for line in lines[1:]:
        name, _, value = line.partition(":")
        fields[name.strip().lower()] = value.strip()
    reason = parts[2].strip() if len(parts) > 2 else ""
    connection = fields.get("connection", "").lower()
    close = "close" in connection or (parts[0] == "HTTP/1.0" and "keep-alive" not in connection)
    if status in (204, 304):
        return status, reason, fields, close
    if "chunked" in fields.get("transfer-encoding", "").lower():
        read = 0
        while True:
            line_end = buffer.find(b"\r\n", at)
            if line_end < 0:
                if len(buffer) - at > RESPONSE_READ:
                    raise http.client.HTTPException("a line of the answer is too long")
                return None
            size_text = buffer[at:line_end].split(b";", 1)[0].strip()
            try:
                size = int(size_text, 16)
            except ValueError:
                raise http.client.HTTPException(f"a chunk's size is {size_text!r}") from None
            at = line_end + 2
            if size == 0:
                while True:  # (the trailers, up to an empty line)
                    line_end = buffer.find(b"\r\n", at)
                    if line_end < 0:
                        return None
                    if line_end == at:
                        return status, reason, fields, close
                    at = line_end + 2
            read += size
            if read > RESPONSE_READ:
                return status, reason, fields, True  # (longer than it is worth reading)
            if len(buffer) < at + size + 2:
                return None
            at += size + 2
    if "content-length" in fields:
        try:
            length = int(fields["content-length"])
        except ValueError:
            raise http.client.HTTPException(f"the answer's Content-Length is {fields['content-length']!r}") from None
        if length > RESPONSE_READ:
            return status, reason, fields, True
        return (status, reason, fields, close) if len(buffer) >= at + length else None
    return status, reason, fields, True  # (its body ends when the connection does: not read)


def _ended_early(buffer: bytes) -> http.client.HTTPException:
    """What an answer the receiver closed the connection in the middle of is."""
    if not buffer:
        return http.client.RemoteDisconnected("Remote end closed connection without response")
    return http.client.IncompleteRead(buffer)


#: The characters a path keeps as they are (the rest, the non-ASCII ones, are percent-encoded:
#: spaces and control characters were refused with the URL).
_URL_PUNCTUATION = "!#$%&'()*+,-./:;=?@[]_~"
_tls: list[ssl.SSLContext] = []


def _tls_context() -> ssl.SSLContext:
    if not _tls:
        _tls.append(ssl.create_default_context())
    return _tls[0]


def _host_header(target: Target) -> str:
    host = f"[{target.host}]" if ":" in target.host else target.host
    try:
        host.encode("ascii")
    except UnicodeEncodeError:
        host = host.encode("idna").decode("ascii")
    default = 443 if target.scheme == "https" else 80
    return host if target.port == default else f"{host}:{target.port}"


def _is_address(host: str) -> bool:
    try:
        ipaddress.ip_address(host.split("%", 1)[0])
    except ValueError:
        return False
    return True


_Key = tuple[str, str, int]


class _Request:
    """One POST: what it sends, and the future its outcome is set on."""

    def __init__(self, target: Target, payload: bytes, future: concurrent.futures.Future[Outcome]) -> None:
        self.target = target
        self.payload = payload
        self.future = future
        self.started = 0.0
        self.deadline = 0.0
        #: Whether it went again once on a new connection (a kept one had been closed).
        self.again = False


class _Connection:
    """One non-blocking HTTP/1.1 connection to an endpoint, made to the address that was
    checked for it (so DNS that changes cannot point it elsewhere); TLS when the URL is
    https. It carries one request at a time and is kept for the next one."""

    def __init__(self, target: Target, address: str) -> None:
        self.key: _Key = (target.scheme, target.host, target.port)
        self.made = time.monotonic()
        #: Whether a request was answered over it (a kept connection the receiver may close).
        self.used = False
        self.request: _Request | None = None
        self.out = memoryview(b"")
        self.answer = b""
        family = socket.AF_INET6 if ":" in address else socket.AF_INET
        self.sock: socket.socket | ssl.SSLSocket = socket.socket(family, socket.SOCK_STREAM)
        self.sock.setblocking(False)
        self.sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        self.tls = target.scheme == "https"
        self.hostname = target.host
        self.stage = "connect"  # then "handshake" (TLS), "send", "receive"
        #: What the sending thread's selector watches it for (0: not registered). A kept
        #: connection stays watched for reading: the receiver closing it is seen at once.
        self.events = 0
        code = self.sock.connect_ex((address, target.port))
        if code not in (0, errno.EINPROGRESS, errno.EWOULDBLOCK):
            self.sock.close()
            raise OSError(code, os.strerror(code))


class Sender:
    """POSTs deliveries from one thread with non-blocking sockets (a thread per request cost
    the process's interpreter lock more than the requests did), at most ``concurrency`` at
    once, keeping connections per endpoint for the next ones (at most
    :data:`CONNECTION_AGE` seconds each). :meth:`submit` returns a future outcome; a host name
    is resolved on a small pool of threads, so a slow resolver holds up only its endpoint."""

    def __init__(self, *, allow_private: bool = False, timeout: float = TIMEOUT, concurrency: int = 32) -> None:
        self.allow_private = allow_private
        self.timeout = timeout
        self.concurrency = concurrency
        self._lock = threading.Lock()
        self._submitted: collections.deque[_Request] = collections.deque()
        self._resolved: collections.deque[tuple[_Request, str | BaseException]] = collections.deque()
        self._thread: threading.Thread | None = None
        self._woken = False
        self._resolver: concurrent.futures.ThreadPoolExecutor | None = None
        #: URLs parsed, for the next deliveries to them.
        self._targets: dict[str, Target] = {}
        # Owned by the sending thread; the selector and the pair of sockets that wakes it live as
        # long as it does:
        self._selector: selectors.BaseSelector
        self._wake_read: socket.socket
        self._wake_write: socket.socket
        self._idle: dict[_Key, list[_Connection]] = {}
        self._busy: set[_Connection] = set()
        self._waiting: collections.deque[_Request] = collections.deque()
        #: Requests under way: on a connection, or waiting for their host to resolve.
        self._active = 0
        self._closed = False

    def submit(self, url: str, headers: dict[str, str], body: bytes) -> concurrent.futures.Future[Outcome]:
        future: concurrent.futures.Future[Outcome] = concurrent.futures.Future()
        target = self._targets.get(url)
        if target is None:
            try:
                target = parse_url(url)
            except InvalidRequest as e:
                future.set_result(Outcome(None, str(e), None, 0))
                return future
            if len(self._targets) >= TARGETS_KEPT:
                self._targets.clear()
            self._targets[url] = target
        head = (
            f"POST {quote(target.path, safe=_URL_PUNCTUATION)} HTTP/1.1\r\nHost: {_host_header(target)}\r\n"
            f"Content-Type: application/json\r\nUser-Agent: {USER_AGENT}\r\nContent-Length: {len(body)}\r\n"
        )
        head += "".join(f"{name}: {value}\r\n" for name, value in headers.items())
        request = _Request(target, (head + "\r\n").encode("latin-1") + body, future)
        with self._lock:
            self._submitted.append(request)
            if self._thread is None:
                self._closed = False
                self._selector = selectors.DefaultSelector()
                self._wake_read, self._wake_write = socket.socketpair()
                self._wake_read.setblocking(False)
                self._wake_write.setblocking(False)
                self._selector.register(self._wake_read, selectors.EVENT_READ)
                self._thread = threading.Thread(target=self._run, name="statekeep-webhook-sender", daemon=True)
                self._thread.start()
            elif not self._woken:
                self._woken = True
                self._wake_write.send(b"\0")
        return future

    def post(self, url: str, headers: dict[str, str], body: bytes) -> Outcome:
        """One POST, waited for."""
        return self.submit(url, headers, body).result()

    def close(self) -> None:
        """Close the kept connections, once the requests under way are done (not waited for)."""
        with self._lock:
            self._closed = True
            if self._resolver is not None:
                self._resolver.shutdown(wait=False)
                self._resolver = None
            if self._thread is None:
                self._drop_idle()
            elif not self._woken:
                self._woken = True
                self._wake_write.send(b"\0")

    def _drop_idle(self) -> None:
        for kept in self._idle.values():
            for conn in kept:
                self._forget(conn)
        self._idle.clear()

    # ----- the sending thread ---------------------------------------------------------------------

    def _run(self) -> None:
        try:
            self._serve()
        except BaseException as e:  # a bug here: every request under way fails, none waits for good
            logging.getLogger("statekeep.webhooks").exception("statekeep: the webhook sender failed")
            with self._lock:
                requests = [c.request for c in self._busy if c.request is not None]
                requests += [*self._waiting, *self._submitted, *(r for r, _ in self._resolved)]
                for conn in self._busy:
                    self._forget(conn)
                self._busy.clear()
                self._waiting.clear()
                self._submitted.clear()
                self._resolved.clear()
                self._active = 0
                self._closed = True
                self._end()
            for request in requests:
                if not request.future.done():
                    request.future.set_result(Outcome(None, f"{type(e).__name__}: {e}", None, 0))

    def _serve(self) -> None:
        idle_since: float | None = None
        while True:
            with self._lock:
                self._woken = False
                self._waiting.extend(self._submitted)
                self._submitted.clear()
                resolved = list(self._resolved)
                self._resolved.clear()
                if not (self._waiting or self._active or resolved):
                    now = time.monotonic()
                    idle_since = idle_since or now
                    if self._closed or now - idle_since > SENDER_LINGER:
                        self._end()
                        return
                else:
                    idle_since = None
            for request, address in resolved:
                self._connect(request, address)
            while self._waiting and self._active < self.concurrency:
                self._start(self._waiting.popleft())
            deadline = min((c.request.deadline for c in self._busy if c.request is not None), default=None)
            wait = SENDER_LINGER if deadline is None else max(0.0, deadline - time.monotonic())
            for key, _ in self._selector.select(wait):
                if key.fileobj is self._wake_read:
                    with contextlib.suppress(BlockingIOError):
                        self._wake_read.recv(4096)
                    continue
                conn: _Connection = key.data
                if conn in self._busy:
                    self._advance(conn)
                else:  # (kept, and the receiver closed it, or said something unasked)
                    self._idle[conn.key].remove(conn)
                    self._forget(conn)
            now = time.monotonic()
            for conn in [c for c in self._busy if c.request is not None and c.request.deadline <= now]:
                self._fail(conn, TimeoutError())

    def _end(self) -> None:
        """The thread's last act (with the lock held): kept connections stay open, unwatched
        (one the receiver closed meanwhile is found out when it is used), unless closing."""
        if self._closed:
            self._drop_idle()
        for kept in self._idle.values():
            for conn in kept:
                if conn.events:
                    self._selector.unregister(conn.sock)
                    conn.events = 0
        self._selector.close()
        self._wake_read.close()
        self._wake_write.close()
        self._thread = None

    def _start(self, request: _Request) -> None:
        self._active += 1
        request.started = time.monotonic()
        request.deadline = request.started + self.timeout
        key = (request.target.scheme, request.target.host, request.target.port)
        kept = self._idle.get(key)
        while kept:
            conn = kept.pop()
            if time.monotonic() - conn.made < CONNECTION_AGE:
                self._assign(conn, request)
                return
            self._forget(conn)
        if _is_address(request.target.host):
            self._connect(request, self._resolve(request.target))
            return
        if self._resolver is None:
            self._resolver = concurrent.futures.ThreadPoolExecutor(RESOLVERS, thread_name_prefix="statekeep-resolve")
        self._resolver.submit(self._resolve_for, request)

    def _resolve(self, target: Target) -> str | BaseException:
        try:
            return resolve(target, self.allow_private)
        except AddressRefused as e:
            return e

    def _resolve_for(self, request: _Request) -> None:
        found = self._resolve(request.target)
        with self._lock:
            self._resolved.append((request, found))
            if not self._woken:
                self._woken = True
                self._wake_write.send(b"\0")

    def _connect(self, request: _Request, address: str | BaseException) -> None:
        if isinstance(address, BaseException):
            self._finish(request, error=address)
            return
        try:
            conn = _Connection(request.target, address)
        except OSError as e:
            self._finish(request, error=e)
            return
        conn.request = request
        conn.out = memoryview(request.payload)
        self._busy.add(conn)
        self._watch(conn, selectors.EVENT_WRITE)

    def _assign(self, conn: _Connection, request: _Request) -> None:
        conn.request = request
        conn.out = memoryview(request.payload)
        conn.answer = b""
        conn.stage = "send"
        self._busy.add(conn)
        self._advance(conn)

    def _watch(self, conn: _Connection, events: int) -> None:
        if conn.events == events:
            return
        if conn.events:
            self._selector.modify(conn.sock, events, conn)
        else:
            self._selector.register(conn.sock, events, conn)
        conn.events = events

    def _forget(self, conn: _Connection) -> None:
        if conn.events:
            self._selector.unregister(conn.sock)
            conn.events = 0
        conn.sock.close()

    def _advance(self, conn: _Connection) -> None:
        """Take the connection's request as far as it goes without waiting."""
        try:
            if conn.stage == "connect":
                code = conn.sock.getsockopt(socket.SOL_SOCKET, socket.SO_ERROR)
                if code:
                    raise OSError(code, os.strerror(code))
                if conn.tls:
                    self._selector.unregister(conn.sock)
                    conn.events = 0
                    conn.sock = _tls_context().wrap_socket(
                        conn.sock, server_hostname=conn.hostname, do_handshake_on_connect=False
                    )
                    self._watch(conn, selectors.EVENT_WRITE)
                    conn.stage = "handshake"
                else:
                    conn.stage = "send"
            if conn.stage == "handshake":
                conn.sock.do_handshake()  # type: ignore[union-attr]
                conn.stage = "send"
            if conn.stage == "send":
                while conn.out:
                    sent = conn.sock.send(conn.out)
                    conn.out = conn.out[sent:]
                conn.stage = "receive"
                self._watch(conn, selectors.EVENT_READ)
            if conn.stage == "receive":
                self._receive(conn)
        except ssl.SSLWantReadError:
            self._watch(conn, selectors.EVENT_READ)
        except (ssl.SSLWantWriteError, BlockingIOError):
            self._watch(conn, selectors.EVENT_WRITE)
        except (OSError, http.client.HTTPException) as e:
            self._fail(conn, e)

    def _receive(self, conn: _Connection) -> None:
        while True:
            try:
                chunk = conn.sock.recv(65536)
            except (ssl.SSLWantReadError, BlockingIOError):
                break
            if not chunk:
                raise _ended_early(conn.answer)
            conn.answer += chunk
            if not (conn.tls and conn.sock.pending()):  # type: ignore[union-attr]
                break
        answer = _parse_answer(conn.answer)
        if answer is None:
            return
        status, reason, fields, close = answer
        request = conn.request
        assert request is not None
        conn.request = None
        conn.used = True
        self._busy.discard(conn)
        if close or self._closed:
            self._forget(conn)
        else:
            self._idle.setdefault(conn.key, []).append(conn)
        ok = 200 <= status < 300
        retry_after = None if ok else parse_retry_after(fields.get("retry-after"), time.time())
        self._finish(request, Outcome(status, None if ok else f"HTTP {status} {reason}".strip(), retry_after, 0))

    def _fail(self, conn: _Connection, error: BaseException) -> None:
        request = conn.request
        assert request is not None
        self._busy.discard(conn)
        self._forget(conn)
        closed_meanwhile = isinstance(error, (http.client.RemoteDisconnected, BrokenPipeError, ConnectionResetError))
        if closed_meanwhile and conn.used and not conn.answer and not request.again:
            # A kept connection the receiver closed meanwhile: once more on a new one.
            request.again = True
            self._active -= 1
            self._start(request)
            return
        self._finish(request, error=error)

    def _finish(self, request: _Request, outcome: Outcome | None = None, *, error: BaseException | None = None) -> None:
        self._active -= 1
        ms = round((time.monotonic() - request.started) * 1000)
        if outcome is None:
            if isinstance(error, TimeoutError):
                why = f"no answer within {self.timeout:g} s"
            elif isinstance(error, AddressRefused):
                why = str(error)
            else:
                why = f"{type(error).__name__}: {error}" if str(error) else type(error).__name__
            outcome = Outcome(None, why, None, ms)
        else:
            outcome = dataclasses.replace(outcome, ms=ms)
        request.future.set_result(outcome)
