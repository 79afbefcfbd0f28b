"""Where a command acts: a local store (``--data``, opened as a ``Keep`` with ``--key`` or
``--key-file``) or a server (``--url`` with ``--api-key``, through the HTTP client). Either way
the command gets the keep's interface, :class:`statekeep.api.KeepAPI`."""

from __future__ import annotations

import contextlib
import functools
from collections.abc import Callable, Iterator
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any, TypeVar, cast

import click

from statekeep import crypto
from statekeep import store as stores
from statekeep.api import KeepAPI
from statekeep.errors import Error
from statekeep.keep import Keep, store_exists, store_id_of

F = TypeVar("F", bound=Callable[..., Any])

ENV_DATA = "STATEKEEP_DATA"
ENV_STORE = "STATEKEEP_STORE"
ENV_URL = "STATEKEEP_URL"
ENV_API_KEY = "STATEKEEP_API_KEY"
#: How often a waiting command asks for progress, locally and over HTTP.
POLL_LOCAL = 0.05
POLL_REMOTE = 0.5


@dataclass(frozen=True)
class Target:
    """The store a command acts on and how it prints, from the group's options and the
    command's own (a command's own win; a command line wins over the environment)."""

    data: Path | None = None
    data_from_env: bool = False
    url: str | None = None
    url_from_env: bool = False
    api_key: str | None = None
    key: str | None = None
    key_file: Path | None = None
    as_json: bool = False

    def merged(
        self,
        data: Path | None,
        url: str | None,
        api_key: str | None,
        key: str | None,
        key_file: Path | None,
        as_json: bool,
    ) -> Target:
        out = self
        if data is not None:
            out = replace(out, data=data, data_from_env=False)
        if url is not None:
            out = replace(out, url=url, url_from_env=False)
        return replace(
            out,
            api_key=api_key if api_key is not None else out.api_key,
            key=key if key is not None else out.key,
            key_file=key_file if key_file is not None else out.key_file,
            as_json=out.as_json or as_json,
        )

    def remote(self) -> bool:
        """Whether the command goes to a server (``--url``) rather than a local store."""
        if self.data is not None and self.url is not None:
            if self.data_from_env == self.url_from_env:
                raise click.UsageError(
                    "give --data or --url, not both"
                    if not self.data_from_env
                    else f"{ENV_DATA} and {ENV_URL} are both set: pass --data or --url to choose"
                )
            return self.data_from_env
        if self.data is None and self.url is None:
            raise click.UsageError(
                f"no store given: pass --data DIR (or set {ENV_DATA}) for a local store, "
                f"or --url URL (or set {ENV_URL}) for a server"
            )
        return self.url is not None

    def local_data(self, command: str) -> Path:
        """The data directory of a command that only works on a local store."""
        if self.data is None or (self.url is not None and self.remote()):
            raise click.UsageError(f"{command} works on a local store only: pass --data DIR (or set {ENV_DATA})")
        return self.data

    def store_location(self, command: str, store: str | None, store_from_env: bool) -> str | Path:
        """Where a command that works on a store it opens itself acts: ``--store URL`` (a
        PostgreSQL store) or ``--data DIR``; a command line wins over the environment."""
        if store is None:
            return self.local_data(command)
        if not stores.is_url(store):
            raise click.BadParameter(
                f"{stores.shown(store)!r} is not a postgresql:// URL (a store in a directory is --data DIR)",
                param_hint="--store",
            )
        if self.data is not None:
            if store_from_env != self.data_from_env:
                return self.data if store_from_env else store
            raise click.UsageError(
                "give --data or --store, not both"
                if not store_from_env
                else f"{ENV_DATA} and {ENV_STORE} are both set: pass --data or --store to choose"
            )
        return store

    def supplied_key(self) -> tuple[bytes, str] | None:
        """The encryption key supplied, and where from: ``--key-file`` or ``--key``, else
        STATEKEEP_KEY or STATEKEEP_KEY_FILE; None when none is (then the store's default key
        file holds it, or a new store generates one). Every source is read by the one parser,
        ``statekeep.crypto.parse_key``."""
        if self.key is not None and self.key_file is not None:
            raise click.UsageError("give --key or --key-file, not both")
        if self.key_file is not None:
            return crypto.read_key_file(self.key_file, "--key-file"), f"--key-file {self.key_file}"
        if self.key is not None:
            return crypto.parse_key(self.key, "--key"), "--key"
        return crypto.supplied_key(None)

    def secret(self) -> str | None:
        """The key given on the command line, parsed (so a refusal names the option) and handed
        on as hex text, which the keep reads back unambiguously; None leaves the variables and
        the default key file to the keep, which reads them with the same parser."""
        if self.key is None and self.key_file is None:
            return None
        supplied = self.supplied_key()
        assert supplied is not None
        return supplied[0].hex()

    def poll(self) -> float:
        """Seconds between two questions about progress."""
        return POLL_REMOTE if self.remote() else POLL_LOCAL


def read_text(path: Path, what: str) -> str:
    try:
        return path.read_text(encoding="utf-8")
    except OSError as e:
        raise Error(f"{what}: cannot read {path}: {e.strerror or e}") from None


DATA_HELP = f"A local store's data directory [env: {ENV_DATA}]."
URL_HELP = f"A statekeep server's URL, instead of --data [env: {ENV_URL}]."
API_KEY_HELP = f"The API key (sk_...) for --url [env: {ENV_API_KEY}]."
KEY_HELP = (
    "The local store's encryption key (base64 or hex); else STATEKEEP_KEY, STATEKEEP_KEY_FILE or the default key file."
)
KEY_FILE_HELP = (
    "A file holding the local store's encryption key as base64 or hex text, or as 32 raw bytes "
    "(safer than --key: not in `ps`)."
)
JSON_HELP = "Print the JSON wire form (camelCase names, 16-hex fingerprints) instead of text."
_TARGET_OPTIONS = ("data", "url", "api_key", "key", "key_file", "as_json")


def target_options(f: F) -> F:
    """The target options, on a command: the same as on the group, so they can go before or
    after the command's name. Those given here win over the group's. The command gets the
    merged :class:`Target` as its first argument."""

    @functools.wraps(f)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        ctx = click.get_current_context()
        base = ctx.find_object(Target) or Target()
        target = base.merged(*(kwargs.pop(name) for name in _TARGET_OPTIONS))
        return f(target, *args, **kwargs)

    options = [
        click.option("--data", type=click.Path(file_okay=False, path_type=Path), help=DATA_HELP),
        click.option("--url", help=URL_HELP),
        click.option("--api-key", help=API_KEY_HELP),
        click.option("--key", help=KEY_HELP),
        click.option("--key-file", type=click.Path(dir_okay=False, path_type=Path), help=KEY_FILE_HELP),
        click.option("--json", "as_json", is_flag=True, help=JSON_HELP),
    ]
    for option in reversed(options):
        wrapper = option(wrapper)
    return cast(F, wrapper)


def connect(target: Target) -> KeepAPI:
    """The HTTP client: the same methods, arguments, results and exceptions as ``Keep``."""
    from statekeep.client import connect  # only for --url: it needs the client's extra

    return connect(target.url, api_key=target.api_key)


@contextlib.contextmanager
def open_keep(target: Target, *, create: bool = False, scan: bool = False) -> Iterator[KeepAPI]:
    """The keep the command acts on: a client for --url, else the local store (which must
    exist unless ``create``; ``scan`` runs the background scan while it is open)."""
    keep: KeepAPI
    if target.remote():
        keep = connect(target)
    else:
        assert target.data is not None
        if not create:
            require_store(target.data)
        keep = open_local(target, target.data, scan=scan)
    with keep:
        yield keep


def open_local(target: Target, data: str | Path, *, scan: bool, max_size: int | None = None) -> Keep:
    """The store in ``data`` (a directory, or a PostgreSQL URL), created if it holds none: then
    stderr says so, and under which key, so that a store made in the wrong place is seen at
    once."""
    supplied = target.supplied_key()  # first: a key refused leaves no file behind
    new = store_id_of(data) is None
    # A command's process is short-lived: the server (or an application's keep) delivers webhooks.
    keep = Keep(data, key=target.secret(), scan=scan, max_size=max_size, webhooks=False)
    if new and supplied is not None:
        # (A generated key is announced by the keep, with the file it was written to.)
        key, source = supplied
        where = stores.shown(data)
        click.echo(
            f"statekeep: {where} held no store: created a new one, encrypted under key id {crypto.key_id(key)} "
            f"(from {source}). If you meant an existing store, it is not in {where}.",
            err=True,
        )
    return keep


def require_store(data: Path) -> None:
    if not store_exists(data):
        raise Error(
            f"no store at {data}: deploy a definition to create one (statekeep deploy --data {data} "
            "DEFINITION.json), or check --data / " + ENV_DATA
        )
