"""The store as a whole: back it up, restore a backup, rotate its encryption key, create or
upgrade a PostgreSQL store's schema, copy it to another back end."""

from __future__ import annotations

import threading
from pathlib import Path

import click

from statekeep import crypto
from statekeep import store as stores
from statekeep.cli.render import Progress, emit_json
from statekeep.cli.target import (
    ENV_STORE,
    JSON_HELP,
    KEY_FILE_HELP,
    KEY_HELP,
    POLL_LOCAL,
    Target,
    open_keep,
    target_options,
)
from statekeep.errors import EncryptionError, Error
from statekeep.keep import Keep, remove_store, restore_store, store_id_of, store_size


@click.command()
@click.argument("dest", type=click.Path(file_okay=False, path_type=Path))
@target_options
def backup(target: Target, dest: Path) -> None:
    """Copy the store, consistently, to a new directory DEST while it stays in use.

    The copy opens with the same key. Local stores only: run it on the server's host.

    \b
    Example:
      statekeep backup --data ./data ./backups/2024-06-01
    """
    if target.remote():
        raise Error("backup works on a local store only: run `statekeep backup --data DIR DEST` on the server's host")
    if dest.exists():
        raise Error(f"{dest} already exists: a backup goes to a new directory")
    data = target.local_data("backup")
    with open_keep(target) as keep:
        total = store_size(data)
        failed: list[BaseException] = []

        def run() -> None:
            try:
                keep.backup(dest)
            except BaseException as e:  # noqa: BLE001 - handed to the main thread, which raises it
                failed.append(e)

        copier = threading.Thread(target=run, name="statekeep-backup")
        copier.start()
        with Progress(f"backing up to {dest}", hidden=target.as_json) as bar:
            while copier.is_alive():
                bar.update(store_size(dest), total)
                copier.join(POLL_LOCAL)
            if not failed:
                bar.update(total, total)
    if failed:
        raise failed[0]
    written = store_size(dest)
    if target.as_json:
        emit_json({"backup": str(dest), "bytes": written})
    else:
        click.echo(
            f"backed up {data} to {dest} ({written:,} bytes, compacted); it opens with the same key. "
            f"Restore it with: statekeep restore {dest} --data NEW_DIR"
        )


@click.command()
@click.argument("backup_dir", metavar="BACKUP", type=click.Path(exists=True, file_okay=False, path_type=Path))
@click.option(
    "--data",
    type=click.Path(file_okay=False, path_type=Path),
    required=True,
    help="A new (or empty) directory for the restored store.",
)
@click.option("--key", help=KEY_HELP)
@click.option("--key-file", type=click.Path(dir_okay=False, path_type=Path), help=KEY_FILE_HELP)
@click.option("--json", "as_json", is_flag=True, help=JSON_HELP)
@click.pass_context
def restore(
    ctx: click.Context, backup_dir: Path, data: Path, key: str | None, key_file: Path | None, as_json: bool
) -> None:
    """Restore a backup into a new data directory, and check that it opens with the key.

    Local only. If it does not open, nothing is left at --data.

    \b
    Example:
      statekeep restore ./backups/2024-06-01 --data ./data-restored --key-file ./store.key
    """
    base = ctx.find_object(Target) or Target()
    target = base.merged(data, None, None, key, key_file, as_json)
    secret = target.secret()
    created = not data.exists()
    restore_store(backup_dir, data)
    try:
        with Keep(data, key=secret, scan=False) as keep:
            versions = keep.definitions()
    except BaseException as e:
        remove_store(data)
        if created:
            data.rmdir()
        if isinstance(e, Error):
            raise Error(f"the restored store does not open, so nothing was left at {data}: {e}") from None
        raise
    if target.as_json:
        emit_json({"restored": str(data), "from": str(backup_dir), "versions": len(versions)})
    else:
        click.echo(f"restored {backup_dir} into {data}: {len(versions)} versions; it opens with the key")


@click.command("rotate-key")
@click.option(
    "--new-key",
    metavar="KEY",
    help="A new operator key (32 bytes as base64 or hex). Without it (or --new-key-file) only the data key "
    "is rotated, and the store goes on opening with the key it has.",
)
@click.option(
    "--new-key-file",
    type=click.Path(dir_okay=False, path_type=Path),
    help="A file holding the new operator key (base64 or hex text, or 32 raw bytes; safer than --new-key: not in `ps`).",
)
@click.option(
    "--batch", type=click.IntRange(min=1), default=1_000, show_default=True, help="Values re-encrypted per transaction."
)
@click.option(
    "--wait",
    type=click.FloatRange(min=0),
    default=60.0,
    show_default=True,
    metavar="SECONDS",
    help="How long to wait for the other live processes using the store to load the new data key before the "
    "old keys are dropped. If they have not by then, it exits 1 with every value already re-encrypted and the "
    "old keys kept: run it again to finish.",
)
@target_options
def rotate_key(target: Target, new_key: str | None, new_key_file: Path | None, batch: int, wait: float) -> None:
    """Rotate the store's encryption keys while it stays in use.

    Every value is encrypted under a data key, and the store keeps its data keys only encrypted
    under your key, the operator key (envelope encryption). Rotating makes a new data key,
    re-encrypts every context, payload and kept answer under it and drops the old one; with
    --new-key or --new-key-file the operator key is replaced too, and then the store opens with
    the new key only.

    Servers and commands using the store go on working: each loads the new data key within
    seconds. If interrupted, run it again (with the same new key, as --new-key or --new-key-file):
    it resumes. Make a new operator key with e.g. `openssl rand -base64 32 > new.key`.

    \b
    Examples:
      statekeep rotate-key --data ./data                       # the data key only
      statekeep rotate-key --data ./data --key-file old.key --new-key-file new.key
    """
    if target.remote():
        raise Error(
            "rotate-key works on a local store only: run `statekeep rotate-key --data DIR` on the server's host"
        )
    data = target.local_data("rotate-key")
    if new_key is not None and new_key_file is not None:
        raise click.UsageError("give the new key with --new-key or --new-key-file, not both")
    new: bytes | None = None
    if new_key_file is not None:
        new = crypto.read_key_file(new_key_file, "--new-key-file")
    elif new_key is not None:
        new = crypto.parse_key(new_key, "--new-key")
    source, default_file, current = _key_source(target, data)
    state = {"total": 0}

    with open_keep(target) as keep, Progress("re-encrypting", hidden=target.as_json) as bar:

        def progress(done: int, total: int) -> None:
            state["total"] = total
            bar.update(done, total)

        # Handed on as hex text: the keep's parser reads it back unambiguously.
        keep.rotate_key(None if new is None else new.hex(), batch=batch, progress=progress, wait=wait)
    key_id = crypto.key_id(new) if new is not None else current
    if target.as_json:
        emit_json(
            {
                "keyId": key_id,
                "operatorKeyChanged": new is not None,
                "values": state["total"],
                "defaultKeyFile": None if default_file is None or new is None else str(default_file),
            }
        )
        return
    if new is None:
        click.echo(
            f"re-encrypted {state['total']:,} values under a new data key; the old data keys are gone. "
            f"{data} opens with the same key as before ({source})."
        )
        return
    how = (
        f"--key-file {new_key_file}, STATEKEEP_KEY_FILE={new_key_file}"
        if new_key_file is not None
        else "--key-file FILE, STATEKEEP_KEY_FILE=FILE"
    )
    click.echo(
        f"re-encrypted {state['total']:,} values under a new data key, kept under key {key_id}. {data} now opens "
        f"with the new key only (it opened with {source})."
    )
    click.echo(f"Supply the new key from now on: {how}, or STATEKEEP_KEY.")
    if default_file is not None:
        click.echo(
            f"The default key file {default_file} still holds the old key: replace its contents with the new "
            "key to open the store without options. Keep the old key while you need backups made before now."
        )


@click.command("migrate-store")
@click.option(
    "--store",
    "store_url",
    metavar="URL",
    envvar=ENV_STORE,
    required=True,
    help=f"The PostgreSQL store (postgresql://USER@HOST:PORT/DB) [env: {ENV_STORE}].",
)
@click.option("--json", "as_json", is_flag=True, help=JSON_HELP)
def migrate_store(store_url: str, as_json: bool) -> None:
    """Create or upgrade a PostgreSQL store's schema to this statekeep's version.

    Opening the store does this too; run it on its own to upgrade the schema before starting
    the new version's servers, as a user allowed to create tables. No key is needed: it
    touches no data. A schema newer than this statekeep's is refused, and left as it is.

    \b
    Example:
      statekeep migrate-store --store postgresql://statekeep@db.internal/statekeep
    """
    if not stores.is_url(store_url):
        raise click.BadParameter(f"{stores.shown(store_url)!r} is not a postgresql:// URL", param_hint="--store")
    from statekeep.store import postgres  # needs the postgres extra

    before, after = postgres.migrate(store_url)
    where = stores.shown(store_url)
    if as_json:
        emit_json({"store": where, "from": before, "to": after})
    elif before is None:
        click.echo(f"created the schema of {where} at version {after}")
    elif before == after:
        click.echo(f"the schema of {where} is at version {after} already: nothing to do")
    else:
        click.echo(f"upgraded the schema of {where} from version {before} to {after}")


#: Actors per page when a copy's actors are compared through the keep.
COMPARE_PAGE = 1_000


@click.command("copy-store")
@click.option(
    "--from",
    "source",
    metavar="DIR|URL",
    required=True,
    help="The store to copy: a data directory, or a postgresql:// URL. It is read from one snapshot; "
    "writes made meanwhile are not copied, so stop its writers first.",
)
@click.option(
    "--to",
    "dest",
    metavar="DIR|URL",
    required=True,
    help="Where to copy it: a new (or empty) directory, or a PostgreSQL database that holds no store.",
)
@click.option("--key", help=KEY_HELP)
@click.option("--key-file", type=click.Path(dir_okay=False, path_type=Path), help=KEY_FILE_HELP)
@click.option("--json", "as_json", is_flag=True, help=JSON_HELP)
@click.pass_context
def copy_store(
    ctx: click.Context, source: str, dest: str, key: str | None, key_file: Path | None, as_json: bool
) -> None:
    """Copy a store to another place, from a directory to PostgreSQL or back, and verify it.

    Every record is copied as it is, sealed values too, with the keyring that opens them: the
    copy opens with the same key. Then the two stores are compared record by record and, when
    the key is at hand (--key, --key-file, the variables, or the default key file), actor by
    actor through the keep as well: each one's state, context, history and decisions, each
    version and deployment. A copy that fails midway leaves no store at the destination: drop
    what it left there and copy again.

    \b
    Examples:
      statekeep copy-store --from ./data --to postgresql://statekeep@db.internal/statekeep
      statekeep copy-store --from postgresql://statekeep@db.internal/statekeep --to ./data-copy
    """
    from statekeep.store import copy

    base = ctx.find_object(Target) or Target()
    secret = base.merged(None, None, None, key, key_file, as_json).secret()
    as_json = as_json or base.as_json
    if not stores.exists(source):
        raise Error(f"there is no store at {stores.shown(source)} to copy")
    dest_existed = not stores.is_url(dest) and Path(dest).exists()
    if not stores.is_url(dest) and dest_existed and any(Path(dest).iterdir()):
        raise Error(f"{dest} is not empty: copy into a new (or empty) directory")
    from_store = stores.open_store(source)
    try:
        to_store = stores.open_store(dest)
        try:
            with Progress("copying", hidden=as_json) as bar:
                copied = copy.copy(from_store, to_store, progress=bar.update)
            compared = copy.compare(from_store, to_store)
        finally:
            to_store.close()
    finally:
        from_store.close()
    if compared.differences:
        shown = "; ".join(f"{d.what}: {d.source!r} became {d.dest!r}"[:300] for d in compared.differences[:5])
        raise Error(f"the copy at {stores.shown(dest)} differs from {stores.shown(source)}: {shown}")
    actors = _compare_actors(source, dest, secret)
    where, into = stores.shown(source), stores.shown(dest)
    if as_json:
        emit_json(
            {"from": where, "to": into, "copied": copied.__dict__, "recordsCompared": compared.records}
            | {"actorsCompared": actors}
        )
        return
    click.echo(
        f"copied {where} to {into}: {copied.versions} versions, {copied.actors:,} actors, {copied.events:,} events, "
        f"{copied.decisions:,} decisions, {copied.timers:,} timers, {copied.answers:,} idempotency records, "
        f"{copied.changes:,} outbox entries, "
        f"{copied.api_keys} API keys; {compared.records:,} records compared, all the same"
    )
    if actors is None:
        click.echo("no key at hand: the values were compared sealed (byte for byte), not opened")
    else:
        click.echo(f"{actors:,} actors compared through the keep: the same; the copy opens with the same key")


def _compare_actors(source: str, dest: str, key: str | None) -> int | None:
    """Each actor of both stores through the keep (its state, context, history, decisions), and
    each version and deployment: how many actors were compared; None without a key."""
    try:
        first = Keep(source, key=key, scan=False)
    except EncryptionError:
        return None
    with first, Keep(dest, key=key, scan=False) as second:

        def same(what: str, a: object, b: object) -> None:
            if a != b:
                raise Error(f"the copy at {stores.shown(dest)} differs from {stores.shown(source)}: {what}")

        versions = first.definitions()
        same("the versions", versions, second.definitions())
        for version in versions:
            if version["parent"] is not None:
                name = version["id"]
                same(f"deployment {name!r}", first.deployment(name), second.deployment(name))
        count = 0
        after: str | None = None
        while True:
            page = first.actors(after=after, limit=COMPARE_PAGE)
            same(f"the actors after {after!r}", page, second.actors(after=after, limit=COMPARE_PAGE))
            for actor in page:
                same(f"actor {actor.id!r}'s history", first.history(actor.id), second.history(actor.id))
                same(f"actor {actor.id!r}'s decisions", first.decisions(actor.id), second.decisions(actor.id))
            count += len(page)
            if len(page) < COMPARE_PAGE:
                return count
            after = page[-1].id


def _key_source(target: Target, data: Path) -> tuple[str, Path | None, str | None]:
    """Where the current key comes from, as the keep resolves it: a description, the default
    key file when it is that, and the key's id when it can be read."""
    supplied = target.supplied_key()
    if supplied is not None:
        return supplied[1], None, crypto.key_id(supplied[0])
    store_id = store_id_of(data)
    if store_id is None:
        return "the default key file", None, None
    path = crypto.default_key_path(store_id)
    current = crypto.key_id(crypto.read_key_file(path, "the default key file")) if path.exists() else None
    return f"the default key file {path}", path, current
