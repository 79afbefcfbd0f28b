"""Encryption at rest: sealing, key parsing and key resolution (statekeep.crypto)."""

from __future__ import annotations

import base64
import hashlib
import os
import stat
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from statekeep import EncryptionError, Error
from statekeep.crypto import (
    KEY_BYTES,
    Sealer,
    default_key_path,
    key_check,
    key_id,
    parse_key,
    read_key_file,
    resolve_key,
    supplied_key,
    verify_key_check,
)

KEY = bytes(range(32))
OTHER = bytes(range(100, 132))
ENV = ("STATEKEEP_KEY", "STATEKEEP_KEY_FILE", "STATEKEEP_KEY_DIR", "XDG_CONFIG_HOME")


def sealer(key: bytes = KEY) -> Sealer:
    return Sealer({key_id(key): key}, key_id(key))


@pytest.fixture(autouse=True)
def clean_env(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in ENV:
        monkeypatch.delenv(name, raising=False)


# Sealing


@given(st.binary(), st.text(), st.binary(max_size=511))
def test_round_trip(plaintext: bytes, table: str, record: bytes) -> None:
    s = sealer()
    sealed = s.seal(plaintext, table=table, record=record)
    assert len(sealed) == len(plaintext) + 37
    assert s.open(sealed, table=table, record=record) == plaintext


def test_a_value_moved_to_another_record_or_table_fails() -> None:
    s = sealer()
    sealed = s.seal(b"context", table="actors", record=b"loan-1")
    assert s.open(sealed, table="actors", record=b"loan-1") == b"context"
    for table, record in [("actors", b"loan-2"), ("events", b"loan-1"), ("actors", b""), ("", b"loan-1")]:
        with pytest.raises(EncryptionError, match="authentication failed for table"):
            s.open(sealed, table=table, record=record)


def test_associated_data_is_length_prefixed() -> None:
    s = sealer()
    sealed = s.seal(b"x", table="ab", record=b"c")
    with pytest.raises(EncryptionError):
        s.open(sealed, table="a", record=b"bc")
    with pytest.raises(EncryptionError):
        s.open(sealed, table="abc", record=b"")


def test_a_value_from_another_store_key_fails() -> None:
    sealed = sealer(OTHER).seal(b"x", table="t", record=b"r")
    with pytest.raises(EncryptionError, match=key_id(OTHER)):
        sealer().open(sealed, table="t", record=b"r")


@given(st.binary(max_size=64), st.data())
def test_flipping_any_bit_fails(plaintext: bytes, data: st.DataObject) -> None:
    s = sealer()
    sealed = bytearray(s.seal(plaintext, table="actors", record=b"a"))
    bit = data.draw(st.integers(0, len(sealed) * 8 - 1), label="bit")
    sealed[bit // 8] ^= 1 << (bit % 8)
    with pytest.raises(EncryptionError):
        s.open(bytes(sealed), table="actors", record=b"a")


def test_truncated_and_unknown_version_fail_clearly() -> None:
    s = sealer()
    sealed = s.seal(b"", table="t", record=b"r")
    with pytest.raises(EncryptionError, match="at least 37 bytes"):
        s.open(sealed[:-1], table="t", record=b"r")
    with pytest.raises(EncryptionError, match="version 2"):
        s.open(b"\x02" + sealed[1:], table="t", record=b"r")


def test_unknown_key_id_names_the_id() -> None:
    sealed = sealer(OTHER).seal(b"x", table="t", record=b"r")
    assert Sealer.key_id_of(sealed) == key_id(OTHER)
    with pytest.raises(EncryptionError) as e:
        sealer().open(sealed, table="t", record=b"r")
    assert key_id(OTHER) in str(e.value)
    assert "supply that key" in str(e.value)
    assert isinstance(e.value, Error)


def test_two_seals_of_the_same_plaintext_differ() -> None:
    s = sealer()
    a, b = (s.seal(b"same", table="t", record=b"r") for _ in range(2))
    assert a != b
    assert a[9:21] != b[9:21]  # the nonces


def test_key_ids_are_stable_short_and_distinct() -> None:
    assert key_id(KEY) == key_id(bytes(KEY))
    assert len(key_id(KEY)) == 16 and int(key_id(KEY), 16) >= 0
    assert key_id(KEY) != key_id(OTHER)
    # Pinned: ids are stored in every sealed value, so the derivation must never change.
    assert key_id(bytes(32)) == "d7735acb89ef8e93"
    assert key_id(KEY) == hashlib.sha256(b"statekeep key id\x00" + KEY).hexdigest()[:16] == "a8db259952dcb90e"
    with pytest.raises(EncryptionError):
        key_id(b"short")


def test_sealed_format_header() -> None:
    sealed = sealer().seal(b"abc", table="t", record=b"r")
    assert sealed[0] == 1
    assert sealed[1:9] == bytes.fromhex(key_id(KEY))
    assert len(sealed) == 1 + 8 + 12 + 3 + 16


def test_with_key_rotates_and_keeps_old_values_openable() -> None:
    old = sealer()
    old_value = old.seal(b"old", table="t", record=b"r")
    new = old.with_key(OTHER, make_current=True)
    assert new.current == key_id(OTHER) and old.current == key_id(KEY)
    assert new.key_ids == {key_id(KEY), key_id(OTHER)}
    assert new.open(old_value, table="t", record=b"r") == b"old"
    new_value = new.seal(b"new", table="t", record=b"r")
    assert Sealer.key_id_of(new_value) == key_id(OTHER)
    with pytest.raises(EncryptionError, match=key_id(OTHER)):
        old.open(new_value, table="t", record=b"r")
    held = old.with_key(OTHER, make_current=False)
    assert held.current == key_id(KEY)
    assert held.open(new_value, table="t", record=b"r") == b"new"


def test_sealer_rejects_misfiled_keys_and_a_missing_current() -> None:
    with pytest.raises(EncryptionError, match="filed under"):
        Sealer({key_id(OTHER): KEY}, key_id(OTHER))
    with pytest.raises(EncryptionError, match="current key id"):
        Sealer({key_id(KEY): KEY}, key_id(OTHER))
    assert KEY.hex() not in repr(sealer())


def test_key_check() -> None:
    s = sealer()
    check = key_check(s)
    verify_key_check(s, check)
    verify_key_check(s.with_key(OTHER, make_current=True), check)
    with pytest.raises(EncryptionError, match="the key does not open this store: .*" + key_id(KEY)):
        verify_key_check(sealer(OTHER), check)
    tampered = check[:-1] + bytes([check[-1] ^ 1])
    with pytest.raises(EncryptionError, match="the key does not open this store: authentication failed"):
        verify_key_check(s, tampered)
    other_plaintext = s.seal(b"not the check", table="meta", record=b"key-check")
    with pytest.raises(EncryptionError, match="the key does not open this store"):
        verify_key_check(s, other_plaintext)


# Key parsing


def reads_as_text(value: bytes) -> bool:
    try:
        return all(c.isprintable() or c in " \t\r\n" for c in value.decode("utf-8"))
    except UnicodeDecodeError:
        return False


# Raw keys that read as text are refused as ambiguous (below); a random key almost never does.
@given(
    st.binary(min_size=32, max_size=32).filter(lambda b: not reads_as_text(b)),
    st.sampled_from([" ", "\n", "\t", " \r\n", ""]),
)
def test_parse_key_accepts_every_form(key: bytes, ws: str) -> None:
    forms: list[bytes | str] = [
        key,
        base64.b64encode(key).decode(),
        base64.b64encode(key).decode().rstrip("="),
        base64.urlsafe_b64encode(key).decode(),
        base64.urlsafe_b64encode(key).decode().rstrip("="),
        key.hex(),
        key.hex().upper(),
    ]
    for form in forms:
        assert parse_key(form) == key
        if isinstance(form, str):
            assert parse_key(ws + form + ws) == key
            assert parse_key((ws + form + ws).encode()) == key


@pytest.mark.parametrize(
    "value",
    [
        b"",
        b"\x00" * 31,
        b"\x00" * 33,
        "",
        "   ",
        "00" * 31,
        "00" * 33,
        "zz" * 32,
        base64.b64encode(b"\x00" * 31).decode(),
        base64.b64encode(b"\x00" * 33).decode(),
        base64.b64encode(b"\x00" * 32).decode() + "==",
        "!" * 43,
        "not a key at all",
        "\u00e9" * 43,
        b"\xff" * 44,
    ],
)
def test_parse_key_rejects_wrong_lengths_and_garbage(value: bytes | str) -> None:
    with pytest.raises(EncryptionError, match="a key must be 32"):
        parse_key(value)


AMBIGUOUS = "got 32 bytes that read as text, which is ambiguous"


@pytest.mark.parametrize(
    "value",
    [
        base64.b64encode(os.urandom(32))[:32],  # a base64 key cut short
        os.urandom(16).hex().encode(),  # half a hex key
        b"correct horse battery staple!!!!",  # a passphrase
        b"a" * 31 + b"\n",  # text with its newline
        "clé secrète, 32 bytes long!!!!".encode(),  # UTF-8 text
    ],
)
def test_32_bytes_that_read_as_text_are_refused_as_ambiguous_never_taken_as_raw(value: bytes) -> None:
    assert len(value) == 32
    with pytest.raises(EncryptionError, match=AMBIGUOUS) as e:
        parse_key(value)
    assert "does not guess" in str(e.value) and "hex or base64 text" in str(e.value)


def test_32_raw_bytes_that_are_not_text_are_a_key() -> None:
    for raw in [KEY, b"\xff" * 32, b"\x00" * 32, bytes(range(224, 256)), b"\xff" + b"a" * 31]:
        assert parse_key(raw) == raw


def test_a_refusal_names_its_source() -> None:
    with pytest.raises(EncryptionError, match="^--key-file ./k: a key must be 32 bytes") as e:
        parse_key(base64.b64encode(KEY)[:32], "--key-file ./k")
    assert AMBIGUOUS in str(e.value)


def test_parse_key_does_not_echo_the_value() -> None:
    secret = "c2VjcmV0LXNlY3JldC1zZWNyZXQtc2VjcmV0LXNlY3JldA"  # 47 chars: too long
    with pytest.raises(EncryptionError) as e:
        parse_key(secret)
    assert secret not in str(e.value)


# Key resolution


def write_key(path: Path, key: bytes) -> Path:
    path.write_text(base64.b64encode(key).decode() + "\n")
    return path


def test_default_key_path(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    assert default_key_path("s1") == tmp_path / "home" / ".config" / "statekeep" / "keys" / "s1.key"
    monkeypatch.setenv("XDG_CONFIG_HOME", "relative/is/ignored")
    assert default_key_path("s1") == tmp_path / "home" / ".config" / "statekeep" / "keys" / "s1.key"
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "xdg"))
    assert default_key_path("s1") == tmp_path / "xdg" / "statekeep" / "keys" / "s1.key"
    monkeypatch.setenv("STATEKEEP_KEY_DIR", str(tmp_path / "keys"))
    assert default_key_path("s1") == tmp_path / "keys" / "s1.key"
    for bad in ["", "..", ".hidden", "a/b", "a\\b", "a b"]:
        with pytest.raises(ValueError):
            default_key_path(bad)


def test_resolve_key_precedence(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    keys = [os.urandom(32) for _ in range(4)]
    explicit, env, file, default = keys
    monkeypatch.setenv("STATEKEEP_KEY_DIR", str(tmp_path / "keys"))
    (tmp_path / "keys").mkdir()
    write_key(default_key_path("s"), default)
    monkeypatch.setenv("STATEKEEP_KEY_FILE", str(write_key(tmp_path / "file.key", file)))
    monkeypatch.setenv("STATEKEEP_KEY", env.hex())
    data = tmp_path / "data"

    def resolve(key: bytes | str | None = None) -> bytes:
        got, written = resolve_key(key, store_id="s", data_dir=data, new_store=False)
        assert written is None
        return got

    assert resolve(base64.urlsafe_b64encode(explicit).decode()) == explicit
    assert resolve(explicit) == explicit
    assert resolve() == env
    monkeypatch.delenv("STATEKEEP_KEY")
    assert resolve() == file
    monkeypatch.delenv("STATEKEEP_KEY_FILE")
    assert resolve() == default


def test_resolve_key_names_the_source_of_a_bad_key(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    data = tmp_path / "data"
    with pytest.raises(EncryptionError, match="^key=: a key must be 32"):
        resolve_key("nope", store_id="s", data_dir=data, new_store=True)
    monkeypatch.setenv("STATEKEEP_KEY", "")  # set but empty: an error, not "no key"
    with pytest.raises(EncryptionError, match="^STATEKEEP_KEY: a key must be 32"):
        resolve_key(None, store_id="s", data_dir=data, new_store=True)
    monkeypatch.delenv("STATEKEEP_KEY")
    monkeypatch.setenv("STATEKEEP_KEY_FILE", str(tmp_path / "missing.key"))
    with pytest.raises(EncryptionError, match="cannot read the key file .*missing.key"):
        resolve_key(None, store_id="s", data_dir=data, new_store=True)


def test_key_file_holds_raw_bytes_or_text(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    key = b"\xff" + os.urandom(31)  # never text: 0xff is no UTF-8
    path = tmp_path / "k"
    monkeypatch.setenv("STATEKEEP_KEY_FILE", str(path))
    for content in [key, b"  " + key.hex().encode() + b"\r\n", base64.b64encode(key) + b"\n"]:
        path.write_bytes(content)
        assert resolve_key(None, store_id="s", data_dir=tmp_path / "d", new_store=False) == (key, None)
        assert read_key_file(path, "--key-file") == key


def test_a_key_file_cut_short_is_refused_from_the_variable_even_for_a_new_store(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    path = tmp_path / "k"
    path.write_bytes(base64.b64encode(os.urandom(32))[:32])
    monkeypatch.setenv("STATEKEEP_KEY_FILE", str(path))
    with pytest.raises(EncryptionError, match=f"^STATEKEEP_KEY_FILE {path}: .*{AMBIGUOUS}"):
        resolve_key(None, store_id="s", data_dir=tmp_path / "d", new_store=True)
    with pytest.raises(EncryptionError, match=f"^--key-file {path}: .*{AMBIGUOUS}"):
        read_key_file(path, "--key-file")


def test_supplied_key_says_where_the_key_came_from(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    assert supplied_key(None) is None
    assert supplied_key(KEY.hex(), "--key") == (KEY, "--key")
    monkeypatch.setenv("STATEKEEP_KEY_FILE", str(write_key(tmp_path / "k", OTHER)))
    assert supplied_key(None) == (OTHER, f"STATEKEEP_KEY_FILE {tmp_path / 'k'}")
    monkeypatch.setenv("STATEKEEP_KEY", base64.b64encode(KEY).decode())
    assert supplied_key(None) == (KEY, "STATEKEEP_KEY")


def test_a_new_store_generates_a_key_outside_the_data_dir(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "config"))
    data = tmp_path / "data"
    key, written = resolve_key(None, store_id="orders", data_dir=data, new_store=True)
    assert written == tmp_path / "config" / "statekeep" / "keys" / "orders.key"
    assert len(key) == KEY_BYTES
    assert parse_key(written.read_text()) == key and written.read_text().endswith("\n")
    assert stat.S_IMODE(written.stat().st_mode) == 0o600
    assert stat.S_IMODE(written.parent.stat().st_mode) & 0o077 == 0
    assert os.listdir(written.parent) == ["orders.key"]  # no temporary file left behind
    assert not data.exists()
    # Opened again (or created again after its data was removed) it finds the same key.
    assert resolve_key(None, store_id="orders", data_dir=data, new_store=False) == (key, None)
    assert resolve_key(None, store_id="orders", data_dir=data, new_store=True) == (key, None)
    # A supplied key is never written anywhere.
    other, none = resolve_key(OTHER, store_id="other", data_dir=data, new_store=True)
    assert (other, none) == (OTHER, None)
    assert not default_key_path("other").exists()


def test_generation_survives_a_strict_umask(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("STATEKEEP_KEY_DIR", str(tmp_path / "keys"))
    old = os.umask(0o277)
    try:
        _, written = resolve_key(None, store_id="s", data_dir=tmp_path / "data", new_store=True)
    finally:
        os.umask(old)
    assert written is not None and stat.S_IMODE(written.stat().st_mode) == 0o600


def test_generation_refuses_a_key_path_inside_the_data_dir(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    data = tmp_path / "data"
    monkeypatch.setenv("STATEKEEP_KEY_DIR", str(data / "keys"))
    with pytest.raises(EncryptionError, match="inside the data directory"):
        resolve_key(None, store_id="s", data_dir=data, new_store=True)
    assert not (data / "keys").exists()
    # Also through a symlink to the data dir.
    data.mkdir()
    (tmp_path / "alias").symlink_to(data)
    monkeypatch.setenv("STATEKEEP_KEY_DIR", str(tmp_path / "alias"))
    with pytest.raises(EncryptionError, match="inside the data directory"):
        resolve_key(None, store_id="s", data_dir=data, new_store=True)


def test_an_existing_store_without_a_key_says_how_to_supply_it(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("STATEKEEP_KEY_DIR", str(tmp_path / "keys"))
    with pytest.raises(EncryptionError) as e:
        resolve_key(None, store_id="orders", data_dir=tmp_path / "data", new_store=False)
    message = str(e.value)
    for needed in ["encrypted", "key=", "STATEKEEP_KEY ", "STATEKEEP_KEY_FILE", str(tmp_path / "keys" / "orders.key")]:
        assert needed in message
    assert not (tmp_path / "keys").exists()


def test_generation_racing_another_process_uses_its_key(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("STATEKEEP_KEY_DIR", str(tmp_path / "keys"))
    real_link = os.link

    def link_after_a_rival(src: str | Path, dst: str | Path) -> None:
        write_key(Path(dst), OTHER)  # another process creates the key file first
        real_link(src, dst)

    monkeypatch.setattr(os, "link", link_after_a_rival)
    assert resolve_key(None, store_id="s", data_dir=tmp_path / "data", new_store=True) == (OTHER, None)
    assert os.listdir(tmp_path / "keys") == ["s.key"]
