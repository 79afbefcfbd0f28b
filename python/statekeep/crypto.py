"""Encryption at rest: every actor context, event payload and kept answer is sealed with
AES-256-GCM under a *data key*; the data keys are kept in the store, each sealed under the
operator's key (envelope encryption: :func:`wrap_data_key`). The operator's key never seals a
value and is never stored.

Sealed format (37 bytes of overhead)::

    version (1 byte, = 1) | key id (8 bytes) | nonce (12 bytes, random) | ciphertext || tag (16 bytes)

The key id is ``key_id(key)`` (16 hex characters) stored as its 8 raw bytes, so a store can hold
several data keys and a value says which one opens it; values sealed under an old data key
still open while a rotation re-seals them under the current one. (In stores of format 2 the
operator's key sealed values itself; such a key becomes a data key when the store is upgraded.)

Associated data binds each value to where it is stored::

    for field in (b"statekeep/1", table name as UTF-8, record key):
        4-byte big-endian length of field || field

so a value copied to another record or another table (LMDB database) fails to open, and the
length prefixes keep ``("ab", b"c")`` and ``("a", b"bc")`` apart.

Keys are 32 bytes, given as base64 (standard or urlsafe, padded or not) or hex text, or as 32 raw
bytes that do not read as text; :func:`parse_key` is the one parser of them all, and
:func:`resolve_key` says where they come from. Random 96-bit nonces are safe for about 2**32 seals
under one key; rotate well before that.
"""

from __future__ import annotations

import base64
import binascii
import functools
import hashlib
import os
import re
import struct
from collections.abc import Mapping
from pathlib import Path

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from statekeep.errors import EncryptionError

_U32 = struct.Struct(">I")

__all__ = [
    "KEY_BYTES",
    "Sealer",
    "default_key_path",
    "key_check",
    "key_id",
    "new_data_key",
    "parse_key",
    "read_key_file",
    "resolve_key",
    "supplied_key",
    "unwrap_data_key",
    "verify_key_check",
    "wrap_data_key",
]

KEY_BYTES = 32
VERSION = 1
_KEY_ID_BYTES = 8
_NONCE_BYTES = 12
_TAG_BYTES = 16
_HEADER_BYTES = 1 + _KEY_ID_BYTES + _NONCE_BYTES
_AAD_DOMAIN = b"statekeep/1"
_KEY_CHECK_PLAINTEXT = b"statekeep key check v1"
_HEX_KEY = re.compile(r"[0-9A-Fa-f]{64}")
_B64_KEY = re.compile(r"[A-Za-z0-9+/_-]{43}=?")
_URLSAFE = str.maketrans("-_", "+/")
_STORE_ID = re.compile(r"[A-Za-z0-9_-][A-Za-z0-9._-]*")
_HOW_TO_SUPPLY = (
    "pass key= when opening the store, set STATEKEEP_KEY to the key, or set STATEKEEP_KEY_FILE to a file holding it"
)


def parse_key(value: bytes | str, source: str | None = None) -> bytes:
    """The one parser of keys, wherever they come from (``key=``, ``--key``, ``--key-file``,
    STATEKEEP_KEY, STATEKEEP_KEY_FILE, the default key file): text of 64 hex characters or
    43-44 base64 characters (standard or urlsafe, padded or not; surrounding whitespace such
    as a trailing newline is ignored), or bytes holding such text or exactly 32 raw bytes.

    32 bytes that read as text (a base64 key cut short, a passphrase) are refused: as text they
    are no key, and taking them as raw bytes would be a guess that makes a store under a key
    nobody meant. ``source`` (an option, a variable, a file) starts the message of a refusal."""
    try:
        return _parse(value)
    except EncryptionError as e:
        if source is None:
            raise
        raise EncryptionError(f"{source}: {e}") from None


def _parse(value: bytes | str) -> bytes:
    if isinstance(value, bytes):
        text = _as_text(value)
        if text is None:
            if len(value) == KEY_BYTES:
                return value
            raise EncryptionError(
                f"a key must be {KEY_BYTES} raw bytes or base64/hex text; got {len(value)} bytes that are neither"
            )
        if len(value) == KEY_BYTES:
            raise EncryptionError(_AMBIGUOUS)
    elif isinstance(value, str):
        text = value
    else:
        raise EncryptionError(f"a key must be bytes or str, not {type(value).__name__}")
    text = text.strip()
    # Never echo the text: it may be a mistyped real key.
    if _HEX_KEY.fullmatch(text):
        return bytes.fromhex(text)
    if _B64_KEY.fullmatch(text):
        try:
            key = base64.b64decode(text.rstrip("=").translate(_URLSAFE) + "=", validate=True)
        except binascii.Error:
            key = b""
        if len(key) == KEY_BYTES:
            return key
    raise EncryptionError(
        f"a key must be {KEY_BYTES} bytes: raw, 64 hex characters, or 43-44 base64 characters; "
        f"got {len(text)} characters of text that are not one of these"
    )


_AMBIGUOUS = (
    f"a key must be {KEY_BYTES} bytes: raw, 64 hex characters, or 43-44 base64 characters; got {KEY_BYTES} "
    "bytes that read as text, which is ambiguous: too short for a key as text (a key cut short?), and raw key "
    "bytes do not read as text. statekeep does not guess: supply the whole key as hex or base64 text"
)


def _as_text(value: bytes) -> str | None:
    """``value`` as text if it reads as text (UTF-8 of printable characters and whitespace),
    else None. Random key bytes almost never do: all 32 printable ASCII has odds of 1 in 10^13."""
    try:
        text = value.decode("utf-8")
    except UnicodeDecodeError:
        return None
    return text if all(c.isprintable() or c in " \t\r\n" for c in text) else None


def key_id(key: bytes) -> str:
    """A short stable id for ``key`` that does not reveal it."""
    _check_key(key)
    return hashlib.sha256(b"statekeep key id\x00" + key).hexdigest()[: 2 * _KEY_ID_BYTES]


def default_key_path(store_id: str) -> Path:
    """Where a generated key for ``store_id`` is kept: $STATEKEEP_KEY_DIR, else the XDG config dir."""
    if not _STORE_ID.fullmatch(store_id):
        raise ValueError(f"store id {store_id!r} is not a safe file name (letters, digits, '.', '_', '-')")
    name = f"{store_id}.key"
    if key_dir := os.environ.get("STATEKEEP_KEY_DIR"):
        return Path(key_dir).expanduser() / name
    config = os.environ.get("XDG_CONFIG_HOME", "")
    # The XDG spec says a relative XDG_CONFIG_HOME is invalid and must be ignored.
    base = Path(config) if os.path.isabs(config) else Path.home() / ".config"
    return base / "statekeep" / "keys" / name


def resolve_key(
    explicit: bytes | str | None, *, store_id: str, data_dir: Path | None, new_store: bool
) -> tuple[bytes, Path | None]:
    """The store's key: ``key=``, then STATEKEEP_KEY, then STATEKEEP_KEY_FILE, then the default
    key file. A new store with none of these gets a generated key, written to the default key
    file (never inside ``data_dir``, the store's directory; None for a store in a database); its
    path is returned so the caller can say where it is."""
    supplied = supplied_key(explicit)
    if supplied is not None:
        return supplied[0], None
    path = default_key_path(store_id)
    if path.exists():
        return read_key_file(path, "the default key file"), None
    if not new_store:
        raise EncryptionError(
            f"store {store_id!r} is encrypted and no key was supplied. Supply its key (base64 or hex "
            f"text) one of three ways: {_HOW_TO_SUPPLY}. The default key file {path} does not exist."
        )
    if data_dir is not None and path.resolve().is_relative_to(Path(data_dir).resolve()):
        raise EncryptionError(
            f"refusing to keep the generated key at {path}, inside the data directory {data_dir}: "
            "a key stored beside the data protects nothing. Set STATEKEEP_KEY_DIR to a directory "
            f"outside it, or supply a key: {_HOW_TO_SUPPLY}."
        )
    key = os.urandom(KEY_BYTES)
    if _write_new_key_file(path, key):
        return key, path
    return read_key_file(path, "the default key file"), None  # another process won the race


def supplied_key(explicit: bytes | str | None, source: str = "key=") -> tuple[bytes, str] | None:
    """The key supplied for a store, and where it came from: ``explicit`` (named ``source``),
    else STATEKEEP_KEY, else the file STATEKEEP_KEY_FILE names; None when none is (then the
    store's default key file holds it, or a new store generates one)."""
    if explicit is not None:
        return parse_key(explicit, source), source
    if (env := os.environ.get("STATEKEEP_KEY")) is not None:
        return parse_key(env, "STATEKEEP_KEY"), "STATEKEEP_KEY"
    if (file := os.environ.get("STATEKEEP_KEY_FILE")) is not None:
        path = Path(file).expanduser()
        return read_key_file(path, "STATEKEEP_KEY_FILE"), f"STATEKEEP_KEY_FILE {path}"
    return None


def read_key_file(path: Path, source: str) -> bytes:
    """The key in the file at ``path`` (read by :func:`parse_key`: text with a trailing newline,
    or 32 raw bytes that are not text); ``source`` names how the file was given."""
    try:
        data = path.read_bytes()
    except OSError as e:
        raise EncryptionError(f"{source}: cannot read the key file {path}: {e.strerror or e}") from None
    return parse_key(data, f"{source} {path}")


def _write_new_key_file(path: Path, key: bytes) -> bool:
    """Write ``key`` as base64 to a new 0600 file at ``path``; False if ``path`` already exists."""
    path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
    # Write a temporary file, then hard-link it into place: the key file appears whole or not
    # at all, and an existing key is never overwritten.
    tmp = path.with_name(f".{path.name}.{os.getpid()}.{os.urandom(4).hex()}.tmp")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    try:
        try:
            os.fchmod(fd, 0o600)  # whatever the umask
            os.write(fd, base64.b64encode(key) + b"\n")
            os.fsync(fd)
        finally:
            os.close(fd)
        try:
            os.link(tmp, path)
        except FileExistsError:
            return False
    finally:
        tmp.unlink(missing_ok=True)
    dir_fd = os.open(path.parent, os.O_RDONLY)
    try:
        os.fsync(dir_fd)
    finally:
        os.close(dir_fd)
    return True


def _check_key(key: bytes) -> None:
    if not isinstance(key, bytes) or len(key) != KEY_BYTES:
        raise EncryptionError(f"a key must be {KEY_BYTES} raw bytes here; use parse_key for text")


def _associated_data(table: str, record: bytes) -> bytes:
    """The domain, the table and the record, each after its length (a u32)."""
    return _aad_prefix(table) + _U32.pack(len(record)) + bytes(record)


@functools.cache
def _aad_prefix(table: str) -> bytes:
    return b"".join(_U32.pack(len(f)) + f for f in (_AAD_DOMAIN, table.encode("utf-8")))


def _describe(table: str, record: bytes) -> str:
    shown = record if len(record) <= 64 else record[:64] + b"..."
    return f"table {table!r} record {shown!r}"


class Sealer:
    """Seals and opens values with AES-256-GCM under a set of keys held by key id."""

    def __init__(self, keys: Mapping[str, bytes], current: str) -> None:
        for kid, key in keys.items():
            if key_id(key) != kid:
                raise EncryptionError(f"key filed under id {kid!r} has id {key_id(key)!r}")
        if current not in keys:
            raise EncryptionError(f"the current key id {current!r} is not among the keys held")
        self._keys = dict(keys)
        self._ciphers = {kid: AESGCM(key) for kid, key in keys.items()}
        self._current = current
        self._current_header = bytes([VERSION]) + bytes.fromhex(current)
        self._current_cipher = self._ciphers[current]

    def __repr__(self) -> str:
        return f"Sealer(key_ids={sorted(self._keys)}, current={self._current!r})"

    @property
    def current(self) -> str:
        """The id of the key that seals new values."""
        return self._current

    @property
    def key_ids(self) -> frozenset[str]:
        return frozenset(self._keys)

    def key(self, kid: str) -> bytes:
        """The key held under ``kid``."""
        return self._keys[kid]

    def seal(self, plaintext: bytes, *, table: str, record: bytes) -> bytes:
        nonce = os.urandom(_NONCE_BYTES)
        sealed = self._current_cipher.encrypt(nonce, plaintext, _associated_data(table, record))
        return self._current_header + nonce + sealed

    def open(self, sealed: bytes, *, table: str, record: bytes) -> bytes:
        kid = self.key_id_of(sealed)
        cipher = self._ciphers.get(kid)
        if cipher is None:
            raise EncryptionError(
                f"{_describe(table, record)} was sealed under key id {kid}, which this store was not "
                f"given (it holds {', '.join(sorted(self._keys))}); supply that key as well"
            )
        nonce = sealed[1 + _KEY_ID_BYTES : _HEADER_BYTES]
        try:
            return cipher.decrypt(nonce, sealed[_HEADER_BYTES:], _associated_data(table, record))
        except InvalidTag:
            raise EncryptionError(
                f"authentication failed for {_describe(table, record)}: the stored value was altered "
                "or moved here from another record; restore it from a backup"
            ) from None

    @staticmethod
    def key_id_of(sealed: bytes) -> str:
        """The id of the key that sealed ``sealed``."""
        if len(sealed) < _HEADER_BYTES + _TAG_BYTES:
            raise EncryptionError(f"a sealed value is at least {_HEADER_BYTES + _TAG_BYTES} bytes; got {len(sealed)}")
        if sealed[0] != VERSION:
            raise EncryptionError(f"unknown sealed format version {sealed[0]} (this statekeep reads version {VERSION})")
        return sealed[1 : 1 + _KEY_ID_BYTES].hex()

    def wrapped_keys(self) -> dict[str, bytes]:
        """Every key but the current one, sealed under the current one (the record is its key
        id). A store keeps these while a rotation is under way, so it opens with the new key
        alone and the rotation can resume."""
        return {
            kid: self.seal(key, table="meta", record=kid.encode())
            for kid, key in self._keys.items()
            if kid != self._current
        }

    def with_wrapped(self, wrapped: Mapping[str, bytes]) -> Sealer:
        """A new Sealer that also holds the keys of ``wrapped_keys()``."""
        keys = dict(self._keys)
        for kid, sealed in wrapped.items():
            keys[kid] = self.open(sealed, table="meta", record=kid.encode())
        return Sealer(keys, self._current)

    def with_key(self, key: bytes, *, make_current: bool) -> Sealer:
        """A new Sealer that also holds ``key``, sealing with it if ``make_current``."""
        kid = key_id(key)
        return Sealer({**self._keys, kid: key}, kid if make_current else self._current)


def key_check(sealer: Sealer) -> bytes:
    """A known value sealed under the current key, stored so that opening the store with the
    wrong key fails at once rather than at the first actor read."""
    return sealer.seal(_KEY_CHECK_PLAINTEXT, table="meta", record=b"key-check")


def verify_key_check(sealer: Sealer, sealed: bytes) -> None:
    try:
        kid = Sealer.key_id_of(sealed)
        if kid not in sealer.key_ids:
            raise EncryptionError(
                f"the store's key has id {kid} but the key supplied has id {sealer.current}; "
                f"supply the store's key: {_HOW_TO_SUPPLY}"
            )
        if sealer.open(sealed, table="meta", record=b"key-check") != _KEY_CHECK_PLAINTEXT:
            raise EncryptionError("the key-check record holds an unexpected value")
    except EncryptionError as e:
        raise EncryptionError(f"the key does not open this store: {e}") from None


def new_data_key() -> tuple[str, bytes]:
    """A fresh random data key and its id."""
    key = os.urandom(KEY_BYTES)
    return key_id(key), key


def wrap_data_key(operator_key: bytes, data_key_id: str, data_key: bytes) -> bytes:
    """``data_key`` sealed under ``operator_key``, bound to its id."""
    kid = key_id(operator_key)
    return Sealer({kid: operator_key}, kid).seal(data_key, table="keyring", record=data_key_id.encode())


def unwrap_data_key(operator_key: bytes, data_key_id: str, wrapped: bytes) -> bytes:
    kid = key_id(operator_key)
    key = Sealer({kid: operator_key}, kid).open(wrapped, table="keyring", record=data_key_id.encode())
    if key_id(key) != data_key_id:
        raise EncryptionError(f"the data key filed under id {data_key_id} has another id: the keyring is damaged")
    return key
