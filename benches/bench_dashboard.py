"""The dashboard's speed in a real browser (Debian's chromium driven by Playwright) against a
live ``statekeep serve``: how long a 300-state nested statechart takes to be drawn, and how long
after the commit that changed it a state's count is on screen.

    python benches/bench_dashboard.py [--actors N] [--rounds R] [--server-python PY]

The driver needs ``playwright`` (the test extra); the server runs under ``--server-python``
(default: this interpreter) with this ``PYTHONPATH``, so a release build can be served from a
virtualenv without Playwright:

    PYTHONPATH=/tmp/sk/x-bench /work/main/.venv/bin/python benches/bench_dashboard.py \\
        --server-python /tmp/benchvenv/bin/python

1. **Drawing.** Two definitions of 301 states: ``wide`` (30 compound states of 9 children, the
   counts bench's) and ``deep`` (6 compound states of 7 compound states of 6 children, three
   levels), each with a transition out of nearly every state. From another page of the
   dashboard, the time from setting the version's route to the chart in the page and painted
   (its definition, deployment and counts fetched, laid out by ELK, drawn as SVG, the next
   animation frame), timed in the page; the first draw of a page load apart (cold), then
   ``rounds`` more (median, max).
2. **A count on screen.** The wide version's chart open, with ``actors`` actors spread over it;
   each round one actor goes from ``gN.c0`` to ``gN.c1`` by a send the page itself makes
   (``fetch``), and a MutationObserver notes when ``gN.c1``'s count shows the new number. The
   time from the send's answer (the commit is durable) to the count on screen, and from the
   send's start; the path is the change stream (fetch streaming), the page's 150 ms debounce,
   ``GET /v1/definitions/{id}/counts``, the badge.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import httpx

from bench_counts import GROUPS, definition
from bench_http import free_port

CHROMIUM = os.environ.get("STATEKEEP_CHROMIUM", "/usr/bin/chromium")


def deep_definition(groups: int = 6, middles: int = 7, leaves: int = 6) -> dict[str, Any]:
    """Three levels of compound states: 6 + 42 + 252 states below the root's start (301 in all)."""
    top = {}
    for g in range(groups):
        middle = {}
        for m in range(middles):
            children = {f"l{c}": {"on": {"STEP": f"l{(c + 1) % leaves}"}} for c in range(leaves)}
            middle[f"m{m}"] = {"initial": "l0", "states": children, "on": {"HOP": f"m{(m + 1) % middles}"}}
        top[f"g{g}"] = {"initial": "m0", "states": middle, "on": {"JUMP": f"g{(g + 1) % groups}"}}
    return {"id": "deep", "initial": "start", "states": {"start": {"on": {"GO": "g0"}}, **top}}


def count_states(node: dict[str, Any]) -> int:
    return 1 + sum(count_states(child) for child in node.get("states", {}).values())


@contextmanager
def serving(data: Path, python: str) -> Iterator[tuple[str, str]]:
    """``statekeep serve`` on ``data``: its URL and the admin key it prints at its first start."""
    port = free_port()
    server = subprocess.Popen(
        [python, "-m", "statekeep", "serve", "--data", str(data), "--port", str(port)],
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        assert server.stderr is not None
        said = ""
        while "serving" not in said:
            line = server.stderr.readline()
            if not line:
                raise RuntimeError(f"the server stopped: {said}")
            said += line
        token = re.search(r"sk_[\w-]+", said)
        if token is None:
            raise RuntimeError(f"no admin key in: {said}")
        # Keep reading what it says, so that it never blocks on a full pipe.
        threading.Thread(target=server.stderr.read, daemon=True).start()
        url = f"http://127.0.0.1:{port}"
        deadline = time.monotonic() + 20
        while True:
            try:
                httpx.get(f"{url}/v1/health")
                break
            except httpx.ConnectError:
                if time.monotonic() > deadline:
                    raise
                time.sleep(0.05)
        yield url, token.group(0)
    finally:
        server.terminate()
        server.wait(10)


def populate(http: httpx.Client, actors: int) -> None:
    """``actors`` actors on ``wide``, actor i in g(i mod 30).c0."""
    for first in range(0, actors, 1000):
        ids = [f"a{i:07d}" for i in range(first, min(actors, first + 1000))]
        http.post("/v1/actors/batch", json={"definitionId": "wide", "contexts": [None] * len(ids), "actorIds": ids})
        events = [{"actorId": a, "type": f"TO{i % GROUPS}"} for i, a in enumerate(ids, first)]
        http.post("/v1/events", json={"events": events}).raise_for_status()


#: In the page: go to ``route`` and resolve with the ms until the chart is in the page and a frame
#: has been painted with it.
DRAW = """async (route) => {
  const t0 = performance.now();
  location.hash = route;
  await new Promise((resolve) => {
    const look = () => (document.querySelector("svg.chart") ? resolve() : requestAnimationFrame(look));
    look();
  });
  await new Promise((resolve) => requestAnimationFrame(() => setTimeout(resolve, 0)));
  return performance.now() - t0;
}"""

#: In the page: send ``event`` to ``actor`` and resolve with [ms to the answer, ms to ``state``'s
#: count reading ``count``], both from the send's start.
LIVE = """async ([key, actor, event, state, count]) => {
  const button = document.querySelector(`[data-state="${state}"]`);
  const shown = () => new RegExp(`^\\\\S+ ${count} actors?:`).test(button.getAttribute("aria-label") || "");
  const t0 = performance.now();
  const onScreen = new Promise((resolve) => {
    const seen = new MutationObserver(() => {
      if (shown()) { seen.disconnect(); resolve(performance.now()); }
    });
    seen.observe(button, { attributes: true, attributeFilter: ["aria-label"] });
  });
  const response = await fetch(`/v1/actors/${actor}/events`, {
    method: "POST",
    headers: { Authorization: `Bearer ${key}`, "Content-Type": "application/json" },
    body: JSON.stringify({ type: event }),
  });
  const answered = performance.now();
  if (!response.ok) throw new Error(`the send answered ${response.status}`);
  const at = await onScreen;
  return [answered - t0, at - t0];
}"""


def summary(values: list[float]) -> dict[str, float]:
    ordered = sorted(values)
    return {
        "median": round(statistics.median(ordered), 1),
        "p90": round(ordered[max(0, int(len(ordered) * 0.9) - 1)], 1),
        "max": round(ordered[-1], 1),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--actors", type=int, default=100_000)
    parser.add_argument("--rounds", type=int, default=20)
    parser.add_argument("--server-python", default=sys.executable)
    args = parser.parse_args()
    from playwright.sync_api import sync_playwright

    report: dict[str, Any] = {"actors": args.actors, "rounds": args.rounds}
    with tempfile.TemporaryDirectory() as tmp:
        os.environ.setdefault("STATEKEEP_KEY_DIR", str(Path(tmp) / "keys"))
        with serving(Path(tmp) / "data", args.server_python) as (url, admin):
            http = httpx.Client(base_url=url, headers={"Authorization": f"Bearer {admin}"}, timeout=120)
            charts = {"wide": {**definition(), "id": "wide"}, "deep": deep_definition()}
            for name, chart in charts.items():
                http.put("/v1/definitions", json={"id": name, "definition": chart}).raise_for_status()
                report[f"{name}_states"] = count_states(chart)
            started = time.perf_counter()
            populate(http, args.actors)
            report["populate_seconds"] = round(time.perf_counter() - started, 1)

            with sync_playwright() as p:
                browser = p.chromium.launch(executable_path=CHROMIUM, args=["--no-sandbox"])
                page = browser.new_context(viewport={"width": 1280, "height": 800}).new_page()
                page.goto(f"{url}/dashboard/")
                page.get_by_label("API key").fill(admin)
                page.get_by_role("button", name="Use this key").click()
                page.get_by_role("navigation", name="pages").wait_for()

                def draw(version: str) -> tuple[float, float | None]:
                    """The whole draw, and ELK's layout within it (the page's performance measure,
                    which a build from before it does not make)."""
                    page.evaluate("() => { location.hash = '/versions'; performance.clearMeasures(); }")
                    page.get_by_role("heading", name="Versions").wait_for()
                    total = float(page.evaluate(DRAW, f"/version/{version}"))
                    layout = page.evaluate(
                        "() => performance.getEntriesByName('statechart layout')[0]?.duration ?? null"
                    )
                    return total, layout

                for name in charts:
                    cold, cold_layout = draw(name)
                    drawn = page.locator("svg.chart [data-state]").count()
                    warm = [draw(name) for _ in range(args.rounds)]
                    layouts = [layout for _, layout in warm if layout is not None]
                    report[f"draw_{name}_ms"] = {
                        "cold": round(cold, 1),
                        **summary([t for t, _ in warm]),
                        "states_drawn": drawn,
                        "layout_cold": None if cold_layout is None else round(cold_layout, 1),
                        "layout_median": round(statistics.median(layouts), 1) if layouts else None,
                    }

                page.evaluate("() => { location.hash = '/version/wide'; }")
                page.locator('[data-state="wide.g0.c0"][aria-label*=" actor"]').wait_for()
                page.get_by_text("live", exact=True).wait_for()
                answered, on_screen = [], []
                for r in range(args.rounds):
                    group = r % GROUPS
                    actor = f"a{group + GROUPS * (r // GROUPS):07d}"
                    counts = http.get("/v1/definitions/wide/counts").json()["states"]
                    state = f"wide.g{group}.c1"
                    expected = counts.get(f"g{group}.c1", 0) + 1
                    answer, seen = page.evaluate(LIVE, [admin, actor, "NEXT", state, expected])
                    answered.append(answer)
                    on_screen.append(seen - answer)
                    time.sleep(0.3)  # the page's debounce settles before the next round
                report["count_on_screen_after_commit_ms"] = summary(on_screen)
                report["send_answered_ms"] = summary(answered)
                browser.close()
    report["load"] = os.getloadavg()
    print(json.dumps(report, indent=1))


if __name__ == "__main__":
    main()
