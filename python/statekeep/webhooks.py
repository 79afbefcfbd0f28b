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
  specification advises), connections are kept alive per thread and endpoint for at most
  :data:`CONNECTION_AGE` seconds.
"""

from __future__ import annotations

import base64
import email.utils
import hashlib
import hmac
import http.client
import ipaddress
import os
import random
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


class AddressRefused(Exception):
    """A URL whose host is (or resolves to) an address deliveries may not reach."""


def new_secret() -> str:
    return SECRET_PREFIX + base64.b64encode(os.urandom(SECRET_BYTES)).decode()


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


class _Connection:
    """One HTTP/1.1 connection to an endpoint, made to the address that was checked for it
    (so DNS that changes cannot point it elsewhere). A request is written in one call and its
    answer read in as few as it takes: a delivery is a small POST with a small answer, and
    ``http.client``'s general machinery (a header parser made for e-mail, a buffered file over
    the socket) cost more of the sender's time than the rest of a delivery."""

    def __init__(self, target: Target, address: str, timeout: float) -> None:
        sock = socket.create_connection((address, target.port), timeout)
        try:
            sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
            if target.scheme == "https":
                sock = _tls_context().wrap_socket(sock, server_hostname=target.host)
        except BaseException:
            sock.close()
            raise
        self.sock: socket.socket | None = sock
        self.made = time.monotonic()
        #: Whether a request went over it (a kept connection the receiver may have closed since).
        self.used = False
        self._buffer = b""
        host = f"[{target.host}]" if ":" in target.host else target.host
        try:
            host.encode("ascii")
        except UnicodeEncodeError:
            host = host.encode("idna").decode("ascii")
        default = 443 if target.scheme == "https" else 80
        self._host = host if target.port == default else f"{host}:{target.port}"

    def close(self) -> None:
        if self.sock is not None:
            self.sock.close()
            self.sock = None

    def post(self, path: str, headers: dict[str, str], body: bytes) -> tuple[int, str, dict[str, str], bool]:
        """POST ``body``; the answer's status, reason and headers (names in lower case), and
        whether the connection is to be closed after it (its body is read and dropped)."""
        assert self.sock is not None
        self.used = True
        head = (
            f"POST {quote(path, safe=_URL_PUNCTUATION)} HTTP/1.1\r\nHost: {self._host}\r\n"
            f"Content-Type: application/json\r\nUser-Agent: {USER_AGENT}\r\nContent-Length: {len(body)}\r\n"
        )
        head += "".join(f"{name}: {value}\r\n" for name, value in headers.items())
        self.sock.sendall((head + "\r\n").encode("latin-1") + body)
        while True:
            version, status, reason, fields = self._read_head()
            if not 100 <= status < 200:
                break  # (an interim answer, 100 Continue or 103 Early Hints, comes before the answer)
        connection = fields.get("connection", "").lower()
        close = "close" in connection or (version == "HTTP/1.0" and "keep-alive" not in connection)
        if status in (204, 304):
            pass
        elif "chunked" in fields.get("transfer-encoding", "").lower():
            close |= not self._skip_chunks()
        elif "content-length" in fields:
            try:
                length = int(fields["content-length"])
            except ValueError:
                raise http.client.HTTPException(
                    f"the answer's Content-Length is {fields['content-length']!r}"
                ) from None
            if length > RESPONSE_READ:
                close = True
            else:
                self._read_exactly(length)
        else:
            close = True  # (its body ends when the connection does: not read)
        return status, reason, fields, close

    def _read_head(self) -> tuple[str, int, str, dict[str, str]]:
        buffer = self._buffer
        while True:
            end = buffer.find(b"\r\n\r\n")
            if end >= 0:
                break
            if len(buffer) > RESPONSE_READ:
                raise http.client.HTTPException("the answer's headers are too long")
            chunk = self._recv()
            if not chunk:
                if not buffer:
                    raise http.client.RemoteDisconnected("Remote end closed connection without response")
                raise http.client.IncompleteRead(buffer)
            buffer += chunk
        self._buffer = buffer[end + 4 :]
        lines = buffer[:end].decode("latin-1").split("\r\n")
        parts = lines[0].split(" ", 2)
        if len(parts) < 2 or not parts[0].startswith("HTTP/") or not (parts[1].isdigit() and len(parts[1]) == 3):
            raise http.client.BadStatusLine(lines[0])
        fields: dict[str, str] = {}
        for line in lines[1:]:
            name, _, value = line.partition(":")
            fields[name.strip().lower()] = value.strip()
        return parts[0], int(parts[1]), parts[2].strip() if len(parts) > 2 else "", fields

    def _recv(self) -> bytes:
        assert self.sock is not None
        return self.sock.recv(65536)

    def _read_exactly(self, count: int) -> bytes:
        while len(self._buffer) < count:
            chunk = self._recv()
            if not chunk:
                raise http.client.IncompleteRead(self._buffer, count - len(self._buffer))
            self._buffer += chunk
        out, self._buffer = self._buffer[:count], self._buffer[count:]
        return out

    def _read_line(self) -> bytes:
        while (end := self._buffer.find(b"\r\n")) < 0:
            if len(self._buffer) > RESPONSE_READ:
                raise http.client.HTTPException("a line of the answer is too long")
            chunk = self._recv()
            if not chunk:
                raise http.client.IncompleteRead(self._buffer)
            self._buffer += chunk
        line, self._buffer = self._buffer[:end], self._buffer[end + 2 :]
        return line

    def _skip_chunks(self) -> bool:
        """Read a chunked body (and its trailers); False when it is longer than it is worth
        reading (the connection is closed instead)."""
        read = 0
        while True:
            size_text = self._read_line().split(b";", 1)[0].strip()
            try:
                size = int(size_text, 16)
            except ValueError:
                raise http.client.HTTPException(f"a chunk's size is {size_text!r}") from None
            if size == 0:
                while self._read_line():
                    pass
                return True
            read += size
            if read > RESPONSE_READ:
                return False
            self._read_exactly(size + 2)


#: The characters a path keeps as they are (the rest, the non-ASCII ones, are percent-encoded:
#: spaces and control characters were refused with the URL).
_URL_PUNCTUATION = "!#$%&'()*+,-./:;=?@[]_~"
_tls: list[ssl.SSLContext] = []


def _tls_context() -> ssl.SSLContext:
    if not _tls:
        _tls.append(ssl.create_default_context())
    return _tls[0]


class Sender:
    """POSTs deliveries, keeping a connection per thread and endpoint."""

    def __init__(self, *, allow_private: bool = False, timeout: float = TIMEOUT) -> None:
        self.allow_private = allow_private
        self.timeout = timeout
        self._local = threading.local()

    def _pool(self) -> dict[tuple[str, str, int], _Connection]:
        pool: dict[tuple[str, str, int], _Connection] = self._local.__dict__.setdefault("pool", {})
        return pool

    def _connection(self, target: Target) -> _Connection:
        pool = self._pool()
        key = (target.scheme, target.host, target.port)
        kept = pool.get(key)
        if kept is not None:
            if time.monotonic() - kept.made < CONNECTION_AGE:
                return kept
            kept.close()
            del pool[key]
        address = resolve(target, self.allow_private)
        conn = pool[key] = _Connection(target, address, self.timeout)
        return conn

    def _drop(self, target: Target) -> None:
        kept = self._pool().pop((target.scheme, target.host, target.port), None)
        if kept is not None:
            kept.close()

    def post(self, url: str, headers: dict[str, str], body: bytes) -> Outcome:
        started = time.monotonic()

        def took() -> int:
            return round((time.monotonic() - started) * 1000)

        try:
            target = parse_url(url)
        except InvalidRequest as e:
            return Outcome(None, str(e), None, took())
        try:
            conn = self._connection(target)
            kept = conn.used
            try:
                status, reason, fields, close = conn.post(target.path, headers, body)
            except (http.client.RemoteDisconnected, BrokenPipeError, ConnectionResetError):
                if not kept:
                    raise
                # A kept connection the receiver closed meanwhile: once more on a new one.
                self._drop(target)
                conn = self._connection(target)
                status, reason, fields, close = conn.post(target.path, headers, body)
        except AddressRefused as e:
            self._drop(target)
            return Outcome(None, str(e), None, took())
        except TimeoutError:
            self._drop(target)
            return Outcome(None, f"no answer within {self.timeout:g} s", None, took())
        except (OSError, http.client.HTTPException) as e:
            self._drop(target)
            return Outcome(None, f"{type(e).__name__}: {e}" if str(e) else type(e).__name__, None, took())
        if close:
            self._drop(target)
        ok = 200 <= status < 300
        retry_after = None if ok else parse_retry_after(fields.get("retry-after"), time.time())
        return Outcome(status, None if ok else f"HTTP {status} {reason}".strip(), retry_after, took())

    def close(self) -> None:
        pool = self._pool()
        for conn in pool.values():
            conn.close()
        pool.clear()
