"""The store as a whole: back it up, restore a backup, rotate its encryption key."""

from __future__ import annotations

import os
import threading
from pathlib import Path
from typing import cast

import click

from statekeep import crypto
from statekeep.cli.render import Progress, emit_json
from statekeep.cli.target import (
    JSON_HELP,
    KEY_FILE_HELP,
    KEY_HELP,
    POLL_LOCAL,
    Target,
    open_keep,
    read_text,
    target_options,
)
from statekeep.errors import Error
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
@click.option("--new-key", metavar="KEY", help="The new key (32 bytes as base64 or hex).")
@click.option(
    "--new-key-file",
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
    help="A file holding the new key (safer than --new-key: not in `ps`).",
)
@click.option("--batch", type=int, default=1_000, show_default=True, help="Values re-encrypted per transaction.")
@target_options
def rotate_key(target: Target, new_key: str | None, new_key_file: Path | None, batch: int) -> None:
    """Re-encrypt every context and payload under a new key, while the store stays in use.

    Afterwards the store opens with the new key only; if interrupted, run it again with the
    new key as --key: it resumes. Make a new key with e.g. `openssl rand -base64 32 > new.key`.

    \b
    Example:
      statekeep rotate-key --data ./data --key-file old.key --new-key-file new.key
    """
    if (new_key is None) == (new_key_file is None):
        raise click.UsageError("give the new key with --new-key or --new-key-file (one of them)")
    secret = new_key if new_key is not None else read_text(cast(Path, new_key_file), "--new-key-file")
    new_id = crypto.key_id(crypto.parse_key(secret))
    remote = target.remote()
    source, default_file = ("the server's key", None) if remote else _key_source(target, cast(Path, target.data))
    state = {"total": 0}

    with open_keep(target) as keep, Progress("re-encrypting", hidden=target.as_json) as bar:

        def progress(done: int, total: int) -> None:
            state["total"] = total
            bar.update(done, total)

        keep.rotate_key(secret, batch=batch, progress=progress)
    if target.as_json:
        emit_json(
            {
                "keyId": new_id,
                "values": state["total"],
                "defaultKeyFile": None if default_file is None else str(default_file),
            }
        )
        return
    where = "the server" if remote else str(target.data)
    how = (
        f"--key-file {new_key_file}, STATEKEEP_KEY_FILE={new_key_file}"
        if new_key_file is not None
        else "--key-file FILE, STATEKEEP_KEY_FILE=FILE"
    )
    click.echo(
        f"re-encrypted {state['total']:,} values under key {new_id}. {where} now opens with the new key only "
        f"(it opened with {source})."
    )
    click.echo(f"Supply the new key from now on: {how}, or STATEKEEP_KEY.")
    if default_file is not None:
        click.echo(
            f"The default key file {default_file} still holds the old key: replace its contents with the new "
            "key to open the store without options. Keep the old key while you need backups made before now."
        )


def _key_source(target: Target, data: Path) -> tuple[str, Path | None]:
    """Where the current key comes from, as the keep resolves it: a description, and the
    default key file when it is that."""
    if target.key is not None:
        return "--key", None
    if target.key_file is not None:
        return f"--key-file {target.key_file}", None
    if os.environ.get("STATEKEEP_KEY") is not None:
        return "STATEKEEP_KEY", None
    if (file := os.environ.get("STATEKEEP_KEY_FILE")) is not None:
        return f"STATEKEEP_KEY_FILE ({file})", None
    store_id = store_id_of(data)
    if store_id is None:
        return "the default key file", None
    path = crypto.default_key_path(store_id)
    return f"the default key file {path}", path
