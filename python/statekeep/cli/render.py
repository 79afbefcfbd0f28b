"""What the commands print: plain aligned text by default, the JSON wire form
(``statekeep.wire``) with ``--json``; progress bars on stderr."""

from __future__ import annotations

import io
import json
import sys
import time
from collections.abc import Callable, Mapping, Sequence
from typing import TYPE_CHECKING, Any, TextIO, TypeVar

import click

from statekeep import wire
from statekeep.results import Actor, ApiKey, Decision, Deployment, HistoryEntry, Preview, StepResult, Version

if TYPE_CHECKING:
    from click._termui_impl import ProgressBar

T = TypeVar("T")


def show(result: T, as_json: bool, as_text: Callable[[T], None]) -> None:
    """A command's result: its JSON wire form with --json, else as text."""
    if as_json:
        emit_json(result)
    else:
        as_text(result)


def emit_json(result: Any) -> None:
    click.echo(json.dumps(wire.to_json(result), indent=2, ensure_ascii=False))


# ----- values -----------------------------------------------------------------------------------


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
        timers = landed_timers(d.get("timers"))
        landed = f"{kind} by {where}: from {d.get('from')}, landed in {text(d.get('landing'))}"
        return f"{landed}; timers {timers}" if timers != "-" else landed
    return f"{kind} by {where}: {reason(d.get('reason'))}"


def landed_timers(outcome: Mapping[str, Sequence[Mapping[str, Any]]] | None) -> str:
    """What a migration did to an actor's delayed transitions: ``kept EVENT (due TIME)``, ..."""
    if not outcome:
        return "-"
    parts = [
        f"{what} {t['event']} ({'was ' if what == 'cancelled' else ''}due {when(t['due'])})"
        for what in ("kept", "restarted", "started", "cancelled")
        for t in outcome.get(what, ())
    ]
    return ", ".join(parts) or "-"


# ----- layouts ------------------------------------------------------------------------------------


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


# ----- versions -----------------------------------------------------------------------------------


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
    if preview.timers:
        click.echo("\nTheir timers, were it deployed now:")
        rows = [
            [actor, when(t["due"]), t["event"]]
            for actor, timers in sorted(preview.timers.items())[:sample]
            for t in timers
            if t["kind"] == "after"
        ]
        table(["actor", "due", "event"], rows)
        if len(preview.timers) > sample:
            click.echo(f"... (+{len(preview.timers) - sample:,} actors)")
    if preview.pending:
        click.echo("\n(pending: histories still shorter than the path; decided when they reach its length)")
    click.echo(f"\ndigest {preview.digest}")
    click.echo(f"(deploy exactly this outcome with: --expect {preview.digest})")


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
        if d.last_error is not None:
            rows.append(("last error", f"{d.last_error} (the scan retries; see docs/operations.md)"))
    fields(rows)


def print_versions(found: Sequence[Version]) -> None:
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


# ----- actors -------------------------------------------------------------------------------------


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


def print_actors(found: Sequence[Actor]) -> None:
    table(
        ["actor", "version", "state", "status", "seq"],
        [
            [a.id, a.version, text(a.value), a.status + (" (needs rescue)" if a.needs_rescue else ""), str(a.seq)]
            for a in found
        ],
        right=[4],
    )


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


def print_history(events: Sequence[HistoryEntry]) -> None:
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


def print_decisions(found: Sequence[Decision]) -> None:
    table(
        ["actor", "deployment", "kind", "landing", "reason", "timers", "at"],
        [
            [
                d["actor"],
                d["deployment"],
                d["kind"],
                text(d.get("landing")),
                reason(d.get("reason")),
                landed_timers(d.get("timers")),
                when(d.get("at")),
            ]
            for d in found
        ],
    )


# ----- keys ---------------------------------------------------------------------------------------


def print_keys(found: Sequence[ApiKey]) -> None:
    table(["id", "scope", "name", "created"], [[k.id, k.scope, k.name or "-", when(k.created_at)] for k in found])
