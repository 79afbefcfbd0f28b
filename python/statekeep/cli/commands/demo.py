"""The demo: the loan story (``statekeep.cli.story``) played at scale on an embedded store,
told as it goes."""

from __future__ import annotations

import contextlib
import json
import os
import tempfile
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import click

from statekeep import crypto
from statekeep.cli import story
from statekeep.cli.render import Progress, reason, text
from statekeep.cli.target import Target
from statekeep.errors import Error
from statekeep.keep import Keep


@click.command()
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
        # Read by the one parser here, so that a refusal names --key.
        secret: bytes | str | None = None if key is None else crypto.parse_key(key, "--key").hex()
        if data is None:
            tmp = Path(stack.enter_context(tempfile.TemporaryDirectory(prefix="statekeep-demo-")))
            data = tmp / "data"
            # Nothing is left behind: an ephemeral key, and any key file would go to the temporary directory.
            stack.enter_context(_env("STATEKEEP_KEY_DIR", str(tmp / "keys")))
            secret = os.urandom(32).hex() if secret is None else secret
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


def _rate(n: int, seconds: float) -> str:
    return f"{n / seconds:,.0f}/s" if seconds > 0 else "-"


def _play(keep: Keep, actors: int, kept: Path | None, as_json: bool) -> None:
    started = time.perf_counter()
    loans = story.Story(keep, actors)
    say: Callable[[str], None] = (lambda line: None) if as_json else click.echo
    where = f"in {kept}" if kept is not None else "on a temporary store (--data DIR to keep it)"
    say(f"The loan story with {actors:,} applications, {where}.\n")

    loans.deploy_v1()
    say("1. deploy loan-v1: review -SUBMIT_INFO-> fee -PAY_FEE or WAIVE_FEE-> underwriting -APPROVE-> approved")

    with Progress("   spawning and stepping", hidden=as_json) as bar:
        mix = loans.build(bar.update)
    seconds = loans.timings["build"]
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

    preview = loans.preview()
    say(
        f"\n3. preview loan-v2 under loan-v1, path {','.join(story.PATH)} "
        f"(PAY_FEE now goes to income_verification, then underwriting on VERIFIED): {loans.timings['preview']:.2f}s"
    )
    for name, n in preview.counts.items():
        say(f"   {n:>10,}  {name.replace('_', ' ')}")
    for flow in preview.flows:
        say(f"   flow: {text(flow['from'])} -> {text(flow['to'])}: {flow['count']:,}")
    say(f"   digest {preview.digest[:16]}...")

    loans.deploy_v2()
    alice_now = loans.alice_at_deploy
    assert alice_now is not None
    say(
        f"\n4. deploy loan-v2 --expect {preview.digest[:16]}... (the outcome previewed, checked again): "
        f"{loans.timings['deploy_v2'] * 1e3:.0f} ms"
    )
    say(
        f"   read at once, before anything is materialised: alice is on {alice_now.version}, "
        f"in {text(alice_now.value)} ({loans.timings['first_read'] * 1e3:.1f} ms)"
    )

    with Progress("   materialising loan-v2", hidden=as_json) as bar:
        done = loans.materialise(bar.update)
    seconds = loans.timings["materialise"]
    counts = ", ".join(f"{kind} {n:,}" for kind, n in sorted(done.counts.items()))
    say(f"5. the scan wrote every decision record: {counts}; {seconds:.2f}s, {_rate(done.total, seconds)}")

    report = loans.report()
    if as_json:
        report["timings"]["total"] = round(time.perf_counter() - started, 4)
        report["data"] = None if kept is None else str(kept)
        click.echo(json.dumps(report, indent=2, ensure_ascii=False))
        return
    say("")
    for step, name in enumerate(story.NAMED, start=6):
        a = report[name]["actor"]
        events = story.KINDS[story.NAMED[name]]
        say(f"{step}. {name.title()} ({', '.join(events)}) is on {a['version']}, in {text(a['stateValue'])}:")
        for d in report[name]["decisions"]:
            r = d["reason"] or {}
            if d["kind"] == "migrated":
                why = f"the history matches the path; replayed on {d['deployment']}, landed in {text(d['landing'])}"
            elif r.get("code") == "differs":
                i = r.get("index")
                why = (
                    f"the history differs from the path at index {i} ({events[i]}, not {story.PATH[i]})"
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
