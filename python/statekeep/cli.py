"""The ``statekeep`` command: deploy, preview, step and inspect actors on a local store or a
server, manage API keys, back up and restore, rotate the encryption key, and play the demo.

Every command talks to something with the ``Keep`` interface: ``statekeep.Keep`` on a local
directory (``--data``), or the HTTP client ``statekeep.connect`` (``--url``). Output is plain
text by default and the JSON wire form (``statekeep.wire``) with ``--json``. User errors print
``error: <message>`` on stderr and exit 1; usage errors exit 2.
"""

from __future__ import annotations

import contextlib
import functools
import io
import json
import os
import shutil
import sys
import tempfile
import threading
import time
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass, replace
from pathlib import Path
from typing import TYPE_CHECKING, Any, TextIO, TypeVar, cast

import click

from statekeep import wire
from statekeep.errors import DefinitionError, EncryptionError, Error
from statekeep.keep import Keep
from statekeep.keep import store_id_of as read_store_id
from statekeep.results import Actor, ApiKey, Deployment, Preview, StepResult

if TYPE_CHECKING:
    from click._termui_impl import ProgressBar

F = TypeVar("F", bound=Callable[..., Any])

ENV_DATA = "STATEKEEP_DATA"
ENV_URL = "STATEKEEP_URL"
ENV_API_KEY = "STATEKEEP_API_KEY"
#: How often a waiting command asks for a deployment's progress, locally and over HTTP.
POLL_LOCAL = 0.05
POLL_REMOTE = 0.5


# ----- where the commands act: the target ------------------------------------------------------


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

    def secret(self) -> str | None:
        """The encryption key given on the command line (else the keep reads STATEKEEP_KEY,
        STATEKEEP_KEY_FILE or the store's default key file)."""
        if self.key is not None and self.key_file is not None:
            raise click.UsageError("give --key or --key-file, not both")
        if self.key_file is not None:
            return _read_text(self.key_file, "--key-file")
        return self.key


def _read_text(path: Path, what: str) -> str:
    try:
        return path.read_text(encoding="utf-8")
    except OSError as e:
        raise Error(f"{what}: cannot read {path}: {e.strerror or e}") from None


_DATA_HELP = f"A local store's data directory [env: {ENV_DATA}]."
_URL_HELP = f"A statekeep server's URL, instead of --data [env: {ENV_URL}]."
_API_KEY_HELP = f"The API key (sk_...) for --url [env: {ENV_API_KEY}]."
_KEY_HELP = (
    "The local store's encryption key (base64 or hex); else STATEKEEP_KEY, STATEKEEP_KEY_FILE or the default key file."
)
_KEY_FILE_HELP = "A file holding the local store's encryption key (safer than --key: not in `ps`)."
_JSON_HELP = "Print the JSON wire form (camelCase names, 16-hex fingerprints) instead of text."
_STORE_OPTIONS = ("data", "url", "api_key", "key", "key_file", "as_json")


def store_options(f: F) -> F:
    """The target options, on a command: the same as on the group, so they can go before or
    after the command's name. Those given here win over the group's."""

    @functools.wraps(f)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        ctx = click.get_current_context()
        base = ctx.find_object(Target) or Target()
        target = base.merged(*(kwargs.pop(name) for name in _STORE_OPTIONS))
        return f(target, *args, **kwargs)

    options = [
        click.option("--data", type=click.Path(file_okay=False, path_type=Path), help=_DATA_HELP),
        click.option("--url", help=_URL_HELP),
        click.option("--api-key", help=_API_KEY_HELP),
        click.option("--key", help=_KEY_HELP),
        click.option("--key-file", type=click.Path(dir_okay=False, path_type=Path), help=_KEY_FILE_HELP),
        click.option("--json", "as_json", is_flag=True, help=_JSON_HELP),
    ]
    for option in reversed(options):
        wrapper = option(wrapper)
    return cast(F, wrapper)


def _connect(target: Target) -> Keep:
    """The HTTP client: the same methods, arguments, results and exceptions as ``Keep``."""
    from statekeep import connect  # loaded only for --url (it brings httpx)

    return cast(Keep, connect(target.url, api_key=target.api_key))


def _require_store(data: Path) -> None:
    if not (data / "data.mdb").is_file():
        raise Error(
            f"no store at {data}: deploy a definition to create one (statekeep deploy --data {data} "
            "DEFINITION.json), or check --data / " + ENV_DATA
        )


@contextlib.contextmanager
def open_keep(target: Target, *, create: bool = False, scan: bool = False) -> Iterator[Keep]:
    """The keep the command acts on: a client for --url, else the local store (which must
    exist unless ``create``; ``scan`` runs the background scan while it is open)."""
    if target.remote():
        client = _connect(target)
        try:
            yield client
        finally:
            close = getattr(client, "close", None)
            if callable(close):
                close()
        return
    assert target.data is not None
    if not create:
        _require_store(target.data)
    keep = Keep(target.data, key=target.secret(), scan=scan)
    try:
        yield keep
    finally:
        keep.close()


# ----- errors -------------------------------------------------------------------------------------


def _user_errors() -> tuple[type[BaseException], ...]:
    errors: tuple[type[BaseException], ...] = (Error, ValueError, TypeError, OSError, json.JSONDecodeError)
    if (lmdb := sys.modules.get("lmdb")) is not None:
        errors += (lmdb.Error,)
    if (httpx := sys.modules.get("httpx")) is not None:  # the client's transport, once loaded
        errors += (httpx.HTTPError,)
    return errors


def _message(e: BaseException) -> str:
    if isinstance(e, OSError) and e.strerror:
        return f"{e.strerror}: {e.filename}" if e.filename else e.strerror
    return str(e) or type(e).__name__


class _Group(click.Group):
    """Turns the errors a user can cause into ``error: <message>`` and exit 1, without a
    traceback; anything else is a bug and keeps its traceback."""

    def invoke(self, ctx: click.Context) -> Any:
        try:
            return super().invoke(ctx)
        except _user_errors() as e:
            click.echo(f"error: {_message(e)}", err=True)
            if isinstance(e, EncryptionError):
                click.echo("(on the command line: --key-file FILE or --key KEY, or the variables above)", err=True)
            ctx.exit(1)


# ----- output --------------------------------------------------------------------------------------


def emit_json(result: Any) -> None:
    click.echo(json.dumps(wire.to_json(result), indent=2, ensure_ascii=False))


def text(value: Any) -> str:
    """A state value, context or payload on one line: strings bare, the rest as JSON."""
    if value is None:
        return "-"
    if isinstance(value, str):
        return value
    return json.dumps(value, ensure_ascii=False)


def when(seconds: float | None) -> str:
    if seconds is None:
        return "-"
    return time.strftime("%Y-%m-%d %H:%M:%S", time.localtime(seconds))


def table(headers: Sequence[str], rows: Sequence[Sequence[str]], right: Sequence[int] = ()) -> None:
    """Plain aligned columns, two spaces apart; columns in ``right`` are right-aligned."""
    widths = [max([len(h)] + [len(r[i]) for r in rows]) for i, h in enumerate(headers)]

    def line(cells: Sequence[str]) -> str:
        return "  ".join(
            c.rjust(w) if i in right else c.ljust(w) for i, (c, w) in enumerate(zip(cells, widths, strict=True))
        ).rstrip()

    click.echo(line(headers))
    for row in rows:
        click.echo(line(row))


def fields(pairs: Sequence[tuple[str, str]]) -> None:
    width = max(len(name) for name, _ in pairs)
    for name, value in pairs:
        click.echo(f"{name.ljust(width)}  {value}")


def reason(r: Mapping[str, Any] | None) -> str:
    """A decision's reason: its code, then its details."""
    if not r:
        return "-"
    rest = ", ".join(f"{k}={text(v)}" for k, v in r.items() if k != "code")
    return f"{r.get('code')} ({rest})" if rest else str(r.get("code"))


def decision_line(d: Mapping[str, Any]) -> str:
    kind = d.get("kind")
    where = f"{d.get('deployment')}"
    if kind == "migrated":
        return f"{kind} by {where}: from {d.get('from')}, landed in {text(d.get('landing'))}"
    return f"{kind} by {where}: {reason(d.get('reason'))}"


class Progress:
    """A click progress bar on stderr, made when the total is first known. Hidden (but still
    driven) under --json; click shows only its label when stderr is not a terminal."""

    def __init__(self, label: str, *, hidden: bool = False) -> None:
        self.label = label
        self.hidden = hidden
        self._bar: ProgressBar[int] | None = None

    def __enter__(self) -> Progress:
        return self

    def __exit__(self, *exc: object) -> None:
        if self._bar is not None:
            self._bar.__exit__(None, None, None)
            self._bar = None

    def update(self, done: int, total: int) -> None:
        if self._bar is None:
            file: TextIO = io.StringIO() if self.hidden else sys.stderr
            self._bar = click.progressbar(length=max(total, 1), label=self.label, file=file, show_pos=True)
            self._bar.__enter__()
        self._bar.length = max(total, 1)
        step = min(done, self._bar.length) - self._bar.pos
        if step > 0:
            self._bar.update(step)


def wait_for(keep: Keep, deployment_id: str, *, hidden: bool, poll: float) -> Deployment:
    """Poll a deployment's progress until its materialisation is done, with a progress bar."""
    progress = keep.deployment(deployment_id)
    with Progress(f"materialising {deployment_id}", hidden=hidden) as bar:
        while not progress.done:
            bar.update(progress.scanned, progress.total)
            time.sleep(poll)
            progress = keep.deployment(deployment_id)
        bar.update(progress.total, progress.total)
    return progress


def _poll(target: Target) -> float:
    return POLL_REMOTE if target.remote() else POLL_LOCAL


# ----- option parsing -----------------------------------------------------------------------------


def _json_option(ctx: click.Context, param: click.Parameter, value: str | None) -> Any:
    if value is None:
        return None
    try:
        return json.loads(value)
    except json.JSONDecodeError as e:
        raise click.BadParameter(f"not valid JSON: {e}") from None


def _payload_option(ctx: click.Context, param: click.Parameter, value: str | None) -> dict[str, Any]:
    payload = _json_option(ctx, param, value)
    if payload is None:
        return {}
    if not isinstance(payload, dict):
        raise click.BadParameter("the payload is a JSON object, such as '{\"amount\": 50}'")
    if "type" in payload:
        raise click.BadParameter("the event type is the EVENT_TYPE argument, not a payload field")
    return payload


def _pairs(value: Sequence[str], what: str) -> list[tuple[str, str]]:
    out = []
    for item in value:
        name, sep, rest = item.partition("=")
        if not sep or not name:
            raise click.BadParameter(f"{item!r} is not {what}")
        out.append((name, rest))
    return out


def _guards_option(ctx: click.Context, param: click.Parameter, value: Sequence[str]) -> dict[str, bool] | None:
    guards = {}
    for name, outcome in _pairs(value, "NAME=true or NAME=false"):
        if outcome.lower() not in ("true", "false"):
            raise click.BadParameter(f"guard {name!r}: the outcome is true or false, not {outcome!r}")
        guards[name] = outcome.lower() == "true"
    return guards or None


def _state_map_option(ctx: click.Context, param: click.Parameter, value: Sequence[str]) -> dict[str, str] | None:
    return dict(_pairs(value, "OLD=NEW")) or None


def _path_option(ctx: click.Context, param: click.Parameter, value: str | None) -> list[str] | None:
    if value is None:
        return None
    return [event.strip() for event in value.split(",") if event.strip()]


def _state_value(ctx: click.Context, param: click.Parameter, value: str | None) -> Any:
    """A state value as JSON ('{"a": "b"}', '"fee"'), or a bare string (fee)."""
    if value is None:
        return None
    try:
        return json.loads(value)
    except json.JSONDecodeError:
        return value


def _definition_text(source: str) -> str:
    if source == "-":
        return sys.stdin.read()
    return _read_text(Path(source), "the definition")


def _version_id(version_id: str | None, source: str) -> str:
    if version_id is not None:
        return version_id
    if source == "-":
        raise click.UsageError("--id VERSION_ID is needed when the definition comes from stdin")
    return Path(source).stem


def deployment_options(f: F) -> F:
    """The options that say what a new version is: shared by deploy and preview."""
    options = [
        click.argument("definition", metavar="DEFINITION_FILE", type=click.Path(dir_okay=False, allow_dash=True)),
        click.option(
            "--id",
            "version_id",
            metavar="VERSION_ID",
            help="The new version's id (default: the file's name without .json).",
        ),
        click.option(
            "--parent",
            metavar="VERSION_ID",
            help="Deploy under this version: its actors are routed by the history path.",
        ),
        click.option(
            "--path",
            "history_path",
            metavar="EVENT,EVENT",
            callback=_path_option,
            help="The history path, comma-separated event types (e.g. SUBMIT_INFO,PAY_FEE); "
            "empty or absent: every actor of the parent.",
        ),
        click.option(
            "--match",
            type=click.Choice(["prefix", "exact"]),
            default="prefix",
            show_default=True,
            help="prefix: histories that start with the path; exact: histories equal to it.",
        ),
        click.option(
            "--landing",
            type=click.Choice(["replay", "state"]),
            default="replay",
            show_default=True,
            help="How a migrating actor lands: replaying its history, or by its state (renamed by --state-map).",
        ),
        click.option(
            "--state-map",
            multiple=True,
            metavar="OLD=NEW",
            callback=_state_map_option,
            help="Rename a state for --landing state (repeatable).",
        ),
        click.option(
            "--no-guard-default",
            "guard_default",
            flag_value=False,
            default=True,
            help="Guards whose outcome is not given are false (default: true).",
        ),
    ]
    for option in reversed(options):
        f = option(f)
    return f


# ----- the group -------------------------------------------------------------------------------------


@click.group(
    "statekeep", cls=_Group, context_settings={"help_option_names": ["-h", "--help"], "max_content_width": 100}
)
@click.option("--data", type=click.Path(file_okay=False, path_type=Path), envvar=ENV_DATA, help=_DATA_HELP)
@click.option("--url", envvar=ENV_URL, help=_URL_HELP)
@click.option("--api-key", envvar=ENV_API_KEY, help=_API_KEY_HELP)
@click.option("--key", help=_KEY_HELP)
@click.option("--key-file", type=click.Path(dir_okay=False, path_type=Path), help=_KEY_FILE_HELP)
@click.option("--json", "as_json", is_flag=True, help=_JSON_HELP)
@click.version_option(package_name="statekeep", prog_name="statekeep")
@click.pass_context
def cli(
    ctx: click.Context,
    data: Path | None,
    url: str | None,
    api_key: str | None,
    key: str | None,
    key_file: Path | None,
    as_json: bool,
) -> None:
    """statekeep: durable statechart actors, moved to new versions of their workflow by their
    history.

    Commands act on a local store (--data DIR, or STATEKEEP_DATA) or on a server (--url URL, or
    STATEKEEP_URL, with --api-key or STATEKEEP_API_KEY). These options, --key, --key-file and
    --json go before the command's name or after it:

    \b
      statekeep --data ./data get alice
      statekeep get --data ./data alice                # the same

    \b
    Examples:
      statekeep demo                                   # the loan story, 50,000 actors
      statekeep deploy --data ./data loan-v1.json      # a first version (creates the store)
      statekeep spawn --data ./data loan-v1 --id alice --context '{"applicant": "Alice"}'
      statekeep send --data ./data alice PAY_FEE --payload '{"amount": 50}'
      export STATEKEEP_DATA=./data
      statekeep preview loan-v2.json --parent loan-v1 --path SUBMIT_INFO,PAY_FEE
      statekeep deploy loan-v2.json --parent loan-v1 --path SUBMIT_INFO,PAY_FEE --expect DIGEST
      statekeep get alice --json
    """
    source = ctx.get_parameter_source
    ctx.obj = Target(
        data=data,
        data_from_env=source("data") == click.core.ParameterSource.ENVIRONMENT,
        url=url,
        url_from_env=source("url") == click.core.ParameterSource.ENVIRONMENT,
        api_key=api_key,
        key=key,
        key_file=key_file,
        as_json=as_json,
    )


def main() -> None:
    """The console script ``statekeep`` (and ``python -m statekeep``)."""
    cli(prog_name="statekeep")


# ----- serve --------------------------------------------------------------------------------------


@cli.command()
@click.option("--host", default="127.0.0.1", show_default=True, help="The address to listen on.")
@click.option("--port", default=8080, show_default=True, type=int, help="The port to listen on.")
@click.option(
    "--workers",
    default=1,
    show_default=True,
    type=click.IntRange(1, 64),
    help="Server processes sharing the store (one per core is the most that helps).",
)
@store_options
def serve(target: Target, host: str, port: int, workers: int) -> None:
    """Run the HTTP service on a local store.

    \b
    Example:
      statekeep serve --data ./data --port 8080 --workers 2
    """
    data = target.local_data("serve")
    from statekeep.service import serve as run  # the service's dependencies load only here

    run(data=data, host=host, port=port, key=target.secret(), workers=workers)


# ----- definitions: validate, preview, deploy -----------------------------------------------------


@cli.command()
@click.argument("definition", metavar="DEFINITION_FILE", type=click.Path(dir_okay=False, allow_dash=True))
def validate(definition: str) -> None:
    """Compile a definition file (or - for stdin) without deploying it.

    Prints OK, or the error with the JSON path of the offending node, and exits 1.

    \b
    Example:
      statekeep validate loan-v2.json
    """
    import statekeep

    try:
        machine = statekeep.Machine(_definition_text(definition))
    except DefinitionError as e:
        raise DefinitionError(f"{definition}: {e}", e.path) from None
    guards = ", ".join(machine.guards) or "none"
    click.echo(f"OK: {definition}: machine '{machine.id}', {machine.size} state nodes, guards: {guards}")


def print_preview(version_id: str, parent: str, preview: Preview, *, sample: int = 5) -> None:
    click.echo(f"Preview of deploying {version_id} under {parent}:")
    rows = []
    for name, ids in (
        ("would migrate", preview.would_migrate),
        ("would stay", preview.would_stay),
        ("would strand", preview.would_strand),
        ("pending", preview.pending),
    ):
        shown = ", ".join(ids[:sample]) + (f", ... (+{len(ids) - sample:,})" if len(ids) > sample else "")
        rows.append([name, f"{len(ids):,}", shown])
    table(["outcome", "actors", "for example"], rows, right=[1])
    if preview.flows:
        click.echo("\nWhere the migrating actors go:")
        table(
            ["from", "to", "actors"],
            [[text(f["from"]), text(f["to"]), f"{f['count']:,}"] for f in preview.flows],
            right=[2],
        )
    if preview.reasons:
        click.echo("\nWhy they would be stranded:")
        table(["actor", "reason"], [[actor, reason(r)] for actor, r in sorted(preview.reasons.items())])
    if preview.pending:
        click.echo("\n(pending: histories still shorter than the path; decided when they reach its length)")
    click.echo(f"\ndigest {preview.digest}")
    click.echo(f"(deploy exactly this outcome with: --expect {preview.digest})")


@cli.command()
@deployment_options
@store_options
def preview(
    target: Target,
    definition: str,
    version_id: str | None,
    parent: str | None,
    history_path: list[str] | None,
    match: str,
    landing: str,
    state_map: dict[str, str] | None,
    guard_default: bool,
) -> None:
    """What deploying a version under --parent would do to the parent's actors; writes nothing.

    Deploy exactly the outcome shown with `statekeep deploy ... --expect DIGEST`.

    \b
    Example:
      statekeep preview --data ./data loan-v2.json --parent loan-v1 --path SUBMIT_INFO,PAY_FEE
    """
    if parent is None:
        raise click.UsageError("preview needs --parent: what would move is the parent's actors")
    vid = _version_id(version_id, definition)
    body = _definition_text(definition)
    with open_keep(target) as keep:
        shown = keep.preview(
            vid,
            body,
            parent=parent,
            history_path=history_path,
            match=match,
            landing=landing,
            state_map=state_map,
            guard_default=guard_default,
        )
    if target.as_json:
        emit_json(shown)
    else:
        print_preview(vid, parent, shown)


def print_deployment(d: Deployment) -> None:
    rows = [("version", d.id), ("commit", str(d.seq))]
    if d.parent is None:
        rows.append(("parent", "- (a root version: new actors spawn on it)"))
    else:
        rows += [
            ("parent", d.parent),
            ("path", ",".join(d.path) or "(empty: every actor)"),
            ("match", d.match),
            ("landing", d.landing),
        ]
        if d.state_map:
            rows.append(("state map", ", ".join(f"{a}={b}" for a, b in d.state_map.items())))
        if not d.guard_default:
            rows.append(("guard default", "false"))
        state = "done" if d.done else "in progress"
        rows.append(("materialised", f"{state}: scanned {d.scanned:,} of {d.total:,} actors on {d.parent}"))
        counts = ", ".join(f"{kind} {n:,}" for kind, n in sorted(d.counts.items())) or "none yet"
        rows.append(("decisions", counts))
    fields(rows)


@cli.command()
@deployment_options
@click.option("--expect", metavar="DIGEST", help="Deploy only if the outcome is still the one a preview showed.")
@click.option("--dry-run", is_flag=True, help="Show the preview (or validate a root version) and write nothing.")
@click.option("--no-wait", is_flag=True, help="Return at once instead of waiting for the materialisation.")
@store_options
def deploy(
    target: Target,
    definition: str,
    version_id: str | None,
    parent: str | None,
    history_path: list[str] | None,
    match: str,
    landing: str,
    state_map: dict[str, str] | None,
    guard_default: bool,
    expect: str | None,
    dry_run: bool,
    no_wait: bool,
) -> None:
    """Deploy a definition (a JSON file, or - for stdin) as a new version.

    Without --parent it is a root version (the first deploy creates a local store). With
    --parent, the parent's actors whose history matches --path move to it: every read sees that
    at once, and the records are written by a background scan, which this command waits for
    with a progress bar unless --no-wait.

    \b
    Examples:
      statekeep deploy --data ./data loan-v1.json
      statekeep deploy --data ./data loan-v2.json --parent loan-v1 --path SUBMIT_INFO,PAY_FEE --expect DIGEST
      cat loan-v2.json | statekeep deploy --data ./data - --id loan-v2 --parent loan-v1 --dry-run
    """
    vid = _version_id(version_id, definition)
    body = _definition_text(definition)
    if dry_run:
        if parent is None:
            import statekeep

            machine = statekeep.Machine(body, guard_default=guard_default)
            if target.as_json:
                emit_json({"id": vid, "parent": None, "valid": True})
            else:
                click.echo(
                    f"would deploy {vid} as a root version (machine '{machine.id}', {machine.size} state nodes); "
                    "no actor would move. Nothing was written."
                )
            return
        with open_keep(target) as keep:
            shown = keep.preview(
                vid,
                body,
                parent=parent,
                history_path=history_path,
                match=match,
                landing=landing,
                state_map=state_map,
                guard_default=guard_default,
            )
        if target.as_json:
            emit_json(shown)
        else:
            print_preview(vid, parent, shown)
            click.echo("Nothing was written (--dry-run).")
        return
    with open_keep(target, create=parent is None, scan=parent is not None and not no_wait) as keep:
        deployed = keep.deploy(
            vid,
            body,
            parent=parent,
            history_path=history_path,
            match=match,
            landing=landing,
            state_map=state_map,
            guard_default=guard_default,
            expect=expect,
        )
        if deployed.parent is not None and not deployed.done and not no_wait:
            deployed = wait_for(keep, vid, hidden=target.as_json, poll=_poll(target))
    if target.as_json:
        emit_json(deployed)
        return
    print_deployment(deployed)
    if not deployed.done:
        click.echo(
            "Every read and send already sees its decisions; the records are written while the store is "
            "open with its scan (statekeep serve, or statekeep deployment ID --wait)."
        )


@cli.command()
@store_options
def definitions(target: Target) -> None:
    """Every deployed version, in commit order.

    \b
    Example:
      statekeep definitions --data ./data
    """
    with open_keep(target) as keep:
        found = keep.definitions()
    if target.as_json:
        emit_json(found)
        return
    table(
        ["version", "parent", "path", "match", "landing", "committed"],
        [
            [
                v["id"],
                v["parent"] or "-",
                ",".join(v["path"]) or "-",
                v["match"] if v["parent"] else "-",
                v["landing"] if v["parent"] else "-",
                when(v.get("committed_at")),
            ]
            for v in found
        ],
    )


@cli.command()
@click.argument("deployment_id", metavar="ID")
@click.option("--wait", is_flag=True, help="Wait (with a progress bar) until the materialisation is done.")
@store_options
def deployment(target: Target, deployment_id: str, wait: bool) -> None:
    """A deployment's progress: actors scanned of the total, and decisions by kind.

    \b
    Example:
      statekeep deployment --data ./data loan-v2 --wait
    """
    with open_keep(target, scan=wait) as keep:
        shown = keep.deployment(deployment_id)
        if wait and not shown.done:
            shown = wait_for(keep, deployment_id, hidden=target.as_json, poll=_poll(target))
    if target.as_json:
        emit_json(shown)
    else:
        print_deployment(shown)


# ----- actors ------------------------------------------------------------------------------------


def print_actor(a: Actor) -> None:
    rows = [
        ("actor", a.id),
        ("version", a.version),
        ("state", text(a.value)),
        ("status", a.status),
        ("seq", str(a.seq)),
        ("fingerprint", wire.fingerprint_text(a.fingerprint)),
        ("context", text(a.context)),
    ]
    if a.needs_rescue is not None:
        rows.append(("needs rescue", text(a.needs_rescue)))
    fields(rows)


@cli.command()
@click.argument("definition_id", metavar="DEFINITION_ID")
@click.option(
    "--context", metavar="JSON", callback=_json_option, help="The actor's context (JSON); default: the definition's."
)
@click.option("--id", "actor_id", metavar="ACTOR_ID", help="The new actor's id (default: a random one).")
@click.option("--idempotency-key", metavar="KEY", help="Retrying with the same key returns the first answer.")
@store_options
def spawn(target: Target, definition_id: str, context: Any, actor_id: str | None, idempotency_key: str | None) -> None:
    """Start a new actor on a deployed version.

    \b
    Example:
      statekeep spawn --data ./data loan-v1 --id alice --context '{"applicant": "Alice"}'
    """
    with open_keep(target) as keep:
        actor = keep.spawn(definition_id, context, actor_id=actor_id, idempotency_key=idempotency_key)
    if target.as_json:
        emit_json(actor)
    else:
        print_actor(actor)


def print_step(r: StepResult) -> None:
    rows = [
        ("actor", r.actor_id),
        ("version", r.version),
        ("state", text(r.value)),
        ("status", r.status),
        ("seq", str(r.seq)),
        ("handled", "yes" if r.handled else "no: the state has no transition for it; nothing recorded"),
    ]
    if r.actions:
        rows.append(("actions", ", ".join(text(a.get("type")) for a in r.actions)))
    if r.effects:
        rows.append(("effects", ", ".join(f"{e.get('type')} {text(e.get('event', e.get('id')))}" for e in r.effects)))
    rows += [("decision", decision_line(d)) for d in r.decisions]
    fields(rows)


@cli.command()
@click.argument("actor_id", metavar="ACTOR_ID")
@click.argument("event_type", metavar="EVENT_TYPE")
@click.option("--payload", metavar="JSON", callback=_payload_option, help="The event's other fields, a JSON object.")
@click.option(
    "--guard",
    "guards",
    multiple=True,
    metavar="NAME=true|false",
    callback=_guards_option,
    help="A guard's outcome (repeatable); the engine evaluates no guards itself.",
)
@click.option(
    "--expected-seq",
    type=int,
    metavar="N",
    help="Send only if the actor is at this seq (compare-and-set); else exit 1.",
)
@click.option("--idempotency-key", metavar="KEY", help="Retrying with the same key returns the first answer.")
@store_options
def send(
    target: Target,
    actor_id: str,
    event_type: str,
    payload: dict[str, Any],
    guards: dict[str, bool] | None,
    expected_seq: int | None,
    idempotency_key: str | None,
) -> None:
    """Send an event to an actor; prints its new state, actions, effects and decisions.

    \b
    Example:
      statekeep send --data ./data alice PAY_FEE --payload '{"amount": 50}' --expected-seq 1
    """
    with open_keep(target) as keep:
        result = keep.send(
            actor_id,
            {"type": event_type, **payload},
            guards=guards,
            expected_seq=expected_seq,
            idempotency_key=idempotency_key,
        )
    if target.as_json:
        emit_json(result)
    else:
        print_step(result)


@cli.command()
@click.argument("actor_id", metavar="ACTOR_ID")
@store_options
def get(target: Target, actor_id: str) -> None:
    """An actor as of now (every deployment decided for it).

    \b
    Example:
      statekeep get --data ./data alice
    """
    with open_keep(target) as keep:
        actor = keep.get(actor_id)
    if target.as_json:
        emit_json(actor)
    else:
        print_actor(actor)


@cli.command()
@click.argument("actor_id", metavar="ACTOR_ID")
@click.option("--after", type=int, metavar="N", help="Only the events after index N.")
@click.option("--limit", type=int, metavar="N", help="At most N events.")
@store_options
def history(target: Target, actor_id: str, after: int | None, limit: int | None) -> None:
    """An actor's handled events, oldest first: index, type, time, payload, guard outcomes.

    \b
    Example:
      statekeep history --data ./data alice --after 0 --limit 10
    """
    with open_keep(target) as keep:
        events = keep.history(actor_id, after=after, limit=limit)
    if target.as_json:
        emit_json(events)
        return
    table(
        ["#", "event", "at", "payload", "guards"],
        [
            [
                str(e["index"]),
                e["type"],
                when(e.get("at")),
                text(e.get("payload") or None),
                ", ".join(f"{k}={str(v).lower()}" for k, v in (e.get("guards") or {}).items()) or "-",
            ]
            for e in events
        ],
        right=[0],
    )


@cli.command()
@click.option("--actor", "actor_id", metavar="ID", help="The decisions about this actor.")
@click.option("--deployment", metavar="ID", help="The decisions of this deployment (written or implied).")
@store_options
def decisions(target: Target, actor_id: str | None, deployment: str | None) -> None:
    """Decision records: why actors migrated, stayed or were stranded. Give --actor, --deployment, or both.

    \b
    Examples:
      statekeep decisions --data ./data --actor alice
      statekeep decisions --data ./data --deployment loan-v2 --json
    """
    if actor_id is None and deployment is None:
        raise click.UsageError("give --actor ID, --deployment ID, or both")
    with open_keep(target) as keep:
        found = keep.decisions(actor_id, deployment)
    if target.as_json:
        emit_json(found)
        return
    table(
        ["actor", "deployment", "kind", "landing", "reason", "at"],
        [
            [d["actor"], d["deployment"], d["kind"], text(d.get("landing")), reason(d.get("reason")), when(d.get("at"))]
            for d in found
        ],
    )


@cli.command()
@click.option("--definition", "definition_id", metavar="ID", help="Only the actors on this version.")
@click.option(
    "--state",
    metavar="VALUE",
    callback=_state_value,
    help='Only the actors in this state value: a name (fee) or JSON (\'{"a": "b"}\').',
)
@click.option("--status", metavar="STATUS", help="Only the actors with this status (active, done, ...).")
@click.option("--after", metavar="ID", help="Start after this actor id (the next page).")
@click.option("--limit", type=int, default=100, show_default=True, metavar="N", help="At most N actors; 0 for all.")
@store_options
def actors(
    target: Target, definition_id: str | None, state: Any, status: str | None, after: str | None, limit: int
) -> None:
    """Actors in id order, as of now, optionally filtered; a page at a time.

    \b
    Examples:
      statekeep actors --data ./data --definition loan-v2 --state income_verification
      statekeep actors --data ./data --after app-0000100 --limit 100
    """
    with open_keep(target) as keep:
        found = keep.actors(definition_id, state=state, status=status, after=after, limit=limit or None)
    if target.as_json:
        emit_json(found)
        return
    table(
        ["actor", "version", "state", "status", "seq"],
        [
            [a.id, a.version, text(a.value), a.status + (" (needs rescue)" if a.needs_rescue else ""), str(a.seq)]
            for a in found
        ],
        right=[4],
    )
    if limit and len(found) == limit:
        click.echo(f"(the first {limit}; the next page: --after {found[-1].id})", err=True)


@cli.command()
@click.argument("actor_id", metavar="ACTOR_ID")
@store_options
def release(target: Target, actor_id: str) -> None:
    """Clear a stranded actor's mark: it continues on its version.

    \b
    Example:
      statekeep release --data ./data carol
    """
    with open_keep(target) as keep:
        record = keep.release(actor_id)
    if target.as_json:
        emit_json(record)
    else:
        click.echo(
            f"released {actor_id} (stranded by {record.get('deployment')}); "
            f"it continues on {record.get('to') or record.get('from') or 'its version'}"
        )


# ----- API keys ------------------------------------------------------------------------------------


@cli.group(cls=_Group)
def keys() -> None:
    """API keys for the HTTP service: create, list, revoke. Scopes nest: admin > write > read.

    \b
    Examples:
      statekeep keys create --data ./data --scope write --name billing
      statekeep keys list --data ./data
      statekeep keys revoke --data ./data 3d6e0393c837
    """


def print_keys(found: Sequence[ApiKey]) -> None:
    table(["id", "scope", "name", "created"], [[k.id, k.scope, k.name or "-", when(k.created_at)] for k in found])


@keys.command("create")
@click.option("--scope", type=click.Choice(["read", "write", "admin"]), required=True, help="What the key may do.")
@click.option("--name", help="A name to remember the key by.")
@store_options
def keys_create(target: Target, scope: str, name: str | None) -> None:
    """Create an API key; its text (sk_...) is printed once and is not stored: keep it now."""
    with open_keep(target) as keep:
        created = keep.create_api_key(scope, name=name)
    if target.as_json:
        emit_json(created)
        return
    print_keys([created])
    click.echo(f"\n{created.token}")
    click.echo("This is the key's only showing: statekeep keeps only a digest of it.", err=True)


@keys.command("list")
@store_options
def keys_list(target: Target) -> None:
    """The live API keys (never their text)."""
    with open_keep(target) as keep:
        found = keep.api_keys()
    if target.as_json:
        emit_json(found)
    else:
        print_keys(found)


@keys.command("revoke")
@click.argument("key_id", metavar="ID")
@store_options
def keys_revoke(target: Target, key_id: str) -> None:
    """Revoke an API key by its id: requests with it are refused from now on."""
    with open_keep(target) as keep:
        keep.revoke_api_key(key_id)
    if target.as_json:
        emit_json({"id": key_id, "revoked": True})
    else:
        click.echo(f"revoked {key_id}")


# ----- backup, restore, rotate-key -----------------------------------------------------------------


def _size(path: Path) -> int:
    try:
        return path.stat().st_size
    except OSError:
        return 0


@cli.command()
@click.argument("dest", type=click.Path(file_okay=False, path_type=Path))
@store_options
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
    with open_keep(target) as keep:
        source = keep.path / "data.mdb"
        total = _size(source)
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
                bar.update(_size(dest / "data.mdb"), total)
                copier.join(POLL_LOCAL)
            if not failed:
                bar.update(total, total)
    if failed:
        raise failed[0]
    written = _size(dest / "data.mdb")
    if target.as_json:
        emit_json({"backup": str(dest), "bytes": written})
    else:
        click.echo(
            f"backed up {target.data} to {dest} ({written:,} bytes, compacted); it opens with the same key. "
            f"Restore it with: statekeep restore {dest} --data NEW_DIR"
        )


@cli.command()
@click.argument("backup_dir", metavar="BACKUP", type=click.Path(exists=True, file_okay=False, path_type=Path))
@click.option(
    "--data",
    type=click.Path(file_okay=False, path_type=Path),
    required=True,
    help="A new (or empty) directory for the restored store.",
)
@click.option("--key", help=_KEY_HELP)
@click.option("--key-file", type=click.Path(dir_okay=False, path_type=Path), help=_KEY_FILE_HELP)
@click.option("--json", "as_json", is_flag=True, help=_JSON_HELP)
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
    source = backup_dir / "data.mdb"
    if not source.is_file() or read_store_id(backup_dir) is None:
        raise Error(f"{backup_dir} is not a statekeep backup (no store in its data.mdb)")
    created = not data.exists()
    if not created and any(data.iterdir()):
        raise Error(f"{data} is not empty: restore into a new or empty directory")
    secret = target.secret()
    data.mkdir(parents=True, exist_ok=True)
    try:
        shutil.copyfile(source, data / "data.mdb")
        with Keep(data, key=secret, scan=False) as keep:
            versions = keep.definitions()
    except BaseException as e:
        for name in ("data.mdb", "lock.mdb"):
            (data / name).unlink(missing_ok=True)
        if created:
            data.rmdir()
        if isinstance(e, Error):
            raise Error(f"the restored store does not open, so nothing was left at {data}: {e}") from None
        raise
    if target.as_json:
        emit_json({"restored": str(data), "from": str(backup_dir), "versions": len(versions)})
    else:
        click.echo(f"restored {backup_dir} into {data}: {len(versions)} versions; it opens with the key")


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
    store_id = read_store_id(data)
    if store_id is None:
        return "the default key file", None
    from statekeep.crypto import default_key_path

    path = default_key_path(store_id)
    return f"the default key file {path}", path


@cli.command("rotate-key")
@click.option("--new-key", metavar="KEY", help="The new key (32 bytes as base64 or hex).")
@click.option(
    "--new-key-file",
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
    help="A file holding the new key (safer than --new-key: not in `ps`).",
)
@click.option("--batch", type=int, default=1_000, show_default=True, help="Values re-encrypted per transaction.")
@store_options
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
    from statekeep import crypto

    secret = new_key if new_key is not None else _read_text(cast(Path, new_key_file), "--new-key-file")
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


# ----- demo ----------------------------------------------------------------------------------------


def _rate(n: int, seconds: float) -> str:
    return f"{n / seconds:,.0f}/s" if seconds > 0 else "-"


@cli.command()
@click.option(
    "--data",
    type=click.Path(file_okay=False, path_type=Path),
    help="Play it in this new (or empty) directory and keep the store (default: a temporary one).",
)
@click.option(
    "--actors", type=click.IntRange(min=2), default=50_000, show_default=True, help="How many loan applications."
)
@click.option(
    "--key", help="The store's encryption key (default: with --data, the usual sources; else a throwaway key)."
)
@click.option("--json", "as_json", is_flag=True, help="Print the story's results as JSON.")
@click.pass_context
def demo(ctx: click.Context, data: Path | None, actors: int, key: str | None, as_json: bool) -> None:
    """The loan story at scale, on a fresh embedded store.

    Deploys loan-v1, spawns and steps the applications (Alice pays the fee, Bob waives it),
    previews loan-v2 (income verification for those who paid), deploys it with the preview's
    digest, waits for the materialisation, and shows where Alice and Bob ended up and why.

    \b
    Examples:
      statekeep demo
      statekeep demo --actors 1000000 --data ./demo-data
    """
    as_json = as_json or (ctx.find_object(Target) or Target()).as_json
    kept = data
    if data is not None and data.exists() and any(data.iterdir()):
        raise Error(f"{data} is not empty: the demo plays on a new store")
    with contextlib.ExitStack() as stack:
        secret: bytes | str | None = key
        if data is None:
            tmp = Path(stack.enter_context(tempfile.TemporaryDirectory(prefix="statekeep-demo-")))
            data = tmp / "data"
            # Nothing is left behind: an ephemeral key, and any key file would go to the temporary directory.
            stack.enter_context(_env("STATEKEEP_KEY_DIR", str(tmp / "keys")))
            secret = os.urandom(32) if key is None else key
        keep = stack.enter_context(Keep(data, key=secret, scan=False))
        _play(keep, actors, kept, as_json)


@contextlib.contextmanager
def _env(name: str, value: str) -> Iterator[None]:
    old = os.environ.get(name)
    os.environ[name] = value
    try:
        yield
    finally:
        if old is None:
            os.environ.pop(name, None)
        else:
            os.environ[name] = old


def _play(keep: Keep, actors: int, kept: Path | None, as_json: bool) -> None:
    from statekeep import demo as story_module

    started = time.perf_counter()
    story = story_module.Story(keep, actors)
    say: Callable[[str], None] = (lambda line: None) if as_json else click.echo
    where = f"in {kept}" if kept is not None else "on a temporary store (--data DIR to keep it)"
    say(f"The loan story with {actors:,} applications, {where}.\n")

    story.deploy_v1()
    say("1. deploy loan-v1: review -SUBMIT_INFO-> fee -PAY_FEE or WAIVE_FEE-> underwriting -APPROVE-> approved")

    with Progress("   spawning and stepping", hidden=as_json) as bar:
        mix = story.build(bar.update)
    seconds = story.timings["build"]
    say(
        f"2. {actors:,} applications spawned and stepped in batches (spawn_many, send_many): "
        f"{seconds:.1f}s, {_rate(actors, seconds)}"
    )
    labels = {
        "paid": "paid the fee (SUBMIT_INFO, PAY_FEE), in underwriting; Alice is one",
        "waived": "had the fee waived (SUBMIT_INFO, WAIVE_FEE), in underwriting; Bob is one",
        "waived_approved": "had the fee waived and were approved",
        "in_fee": "submitted their details, in fee",
        "in_review": "still in review",
    }
    for kind, n in mix.items():
        say(f"   {n:>10,}  {labels[kind]}")

    preview = story.preview()
    say(
        f"\n3. preview loan-v2 under loan-v1, path {','.join(story_module.PATH)} "
        f"(PAY_FEE now goes to income_verification, then underwriting on VERIFIED): {story.timings['preview']:.2f}s"
    )
    for name, n in preview.counts.items():
        say(f"   {n:>10,}  {name.replace('_', ' ')}")
    for flow in preview.flows:
        say(f"   flow: {text(flow['from'])} -> {text(flow['to'])}: {flow['count']:,}")
    say(f"   digest {preview.digest[:16]}...")

    story.deploy_v2()
    alice_now = story.alice_at_deploy
    assert alice_now is not None
    say(
        f"\n4. deploy loan-v2 --expect {preview.digest[:16]}... (the outcome previewed, checked again): "
        f"{story.timings['deploy_v2'] * 1e3:.0f} ms"
    )
    say(
        f"   read at once, before anything is materialised: alice is on {alice_now.version}, "
        f"in {text(alice_now.value)} ({story.timings['first_read'] * 1e3:.1f} ms)"
    )

    with Progress("   materialising loan-v2", hidden=as_json) as bar:
        done = story.materialise(bar.update)
    seconds = story.timings["materialise"]
    counts = ", ".join(f"{kind} {n:,}" for kind, n in sorted(done.counts.items()))
    say(f"5. the scan wrote every decision record: {counts}; {seconds:.2f}s, {_rate(done.total, seconds)}")

    report = story.report()
    if as_json:
        report["timings"]["total"] = round(time.perf_counter() - started, 4)
        report["data"] = None if kept is None else str(kept)
        click.echo(json.dumps(report, indent=2, ensure_ascii=False))
        return
    say("")
    for step, name in enumerate(story_module.NAMED, start=6):
        a = report[name]["actor"]
        events = story_module.KINDS[story_module.NAMED[name]]
        say(f"{step}. {name.title()} ({', '.join(events)}) is on {a['version']}, in {text(a['stateValue'])}:")
        for d in report[name]["decisions"]:
            r = d["reason"] or {}
            if d["kind"] == "migrated":
                why = f"the history matches the path; replayed on {d['deployment']}, landed in {text(d['landing'])}"
            elif r.get("code") == "differs":
                i = r.get("index")
                why = (
                    f"the history differs from the path at index {i} ({events[i]}, not {story_module.PATH[i]})"
                    if isinstance(i, int) and i < len(events)
                    else reason(r)
                )
            else:
                why = reason(r)
            say(f"   {d['kind']} by {d['deployment']}: {why}")
    total = time.perf_counter() - started
    say(f"\ntotal {total:.1f}s")
    if kept is not None:
        say(f"Explore it: statekeep --data {kept} get alice; statekeep --data {kept} decisions --actor bob")
