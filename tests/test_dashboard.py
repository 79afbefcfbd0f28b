"""The dashboard (``/dashboard``): its committed build is current against its sources, and the
loan story done in a real browser (Debian's chromium driven by Playwright) against a live
``statekeep serve``, with axe-core's checks on every page and a screenshot of each (into docs/dashboard with
STATEKEEP_SCREENSHOTS=1)."""

from __future__ import annotations

import hashlib
import json
import os
import re
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest

from statekeep.cli.story import LOAN_V1, LOAN_V2
from statekeep.service.dashboard import STATIC

ROOT = Path(__file__).parent.parent
SOURCES = ROOT / "dashboard"
SHOTS = ROOT / "docs" / "dashboard"
SCRATCH = Path(tempfile.gettempdir()) / "statekeep-dashboard-shots"
CHROMIUM = Path(os.environ.get("STATEKEEP_CHROMIUM", "/usr/bin/chromium"))
AXE = SOURCES / "node_modules" / "axe-core" / "axe.min.js"
#: A definition with every kind of state: compound, parallel, deep history, final; transitions
#: by id, relative, into a history state, delayed.
DOOR: dict[str, Any] = {
    "id": "door",
    "initial": "closed",
    "on": {"BREAK": ".gone"},
    "states": {
        "closed": {
            "initial": "locked",
            "states": {
                "locked": {"on": {"UNLOCK": "unlocked"}},
                "unlocked": {"on": {"LOCK": "locked", "OPEN": "#door.open"}},
                "hist": {"type": "history", "history": "deep"},
            },
        },
        "open": {
            "type": "parallel",
            "on": {"CLOSE": "closed.hist"},
            "states": {
                "light": {"initial": "off", "states": {"off": {"on": {"ON": "on"}}, "on": {"on": {"OFF": "off"}}}},
                "fan": {"initial": "slow", "states": {"slow": {"after": {"60000": "fast"}}, "fast": {}}},
            },
        },
        "gone": {"type": "final"},
    },
}


def sources_digest() -> str:
    """The digest of the build's inputs, as dashboard/scripts/build.mjs computes it."""
    files: list[Path] = []

    def walk(folder: Path) -> None:
        for p in sorted(folder.iterdir(), key=lambda p: p.name):
            if p.is_dir():
                walk(p)
            else:
                files.append(p)

    walk(SOURCES / "src")
    files += [SOURCES / "scripts" / "build.mjs", SOURCES / "package-lock.json", SOURCES / "tsconfig.json"]
    h = hashlib.sha256()
    for f in files:
        h.update(f.relative_to(SOURCES).as_posix().encode() + b"\0" + f.read_bytes() + b"\0")
    return h.hexdigest()


def test_the_committed_build_is_current_against_the_sources() -> None:
    # `npm run check` in dashboard/ (make test-dashboard) rebuilds and compares every byte; this
    # needs no Node: the digest of the sources the committed build was made from.
    built = (STATIC / "SOURCES.sha256").read_text().strip()
    assert built == sources_digest(), "the dashboard's build is stale: run `npm run build` in dashboard/ and commit"
    for name in ("index.html", "app.js", "style.css"):
        assert (STATIC / name).is_file()


def test_the_service_serves_the_dashboard_without_a_key(tmp_path: Path, key_dir: Path) -> None:
    from served import served

    with served(tmp_path / "data") as s:
        moved = httpx.get(f"{s.url}/dashboard", follow_redirects=False)
        assert moved.status_code in (307, 308) and moved.headers["location"].endswith("/dashboard/")
        page = httpx.get(f"{s.url}/dashboard/")
        assert page.status_code == 200 and '<div id="app">' in page.text
        assert "connect-src 'self'" in page.headers["content-security-policy"]
        assert httpx.get(f"{s.url}/dashboard/app.js").headers["content-type"].startswith("text/javascript")
        assert httpx.get(f"{s.url}/dashboard/nothing.js").json()["code"] == "route_not_found"
        # The data is not: the page's calls carry the user's key.
        assert httpx.get(f"{s.url}/v1/definitions").status_code == 401


# ----- in a browser ----------------------------------------------------------------------------


@dataclass
class Server:
    url: str
    admin: str

    def api(self, key: str | None = None) -> httpx.Client:
        return httpx.Client(base_url=self.url, headers={"Authorization": f"Bearer {key or self.admin}"}, timeout=30)


@contextmanager
def _serving(data: Path, *args: str, admin: str | None = None) -> Iterator[Server]:
    """``statekeep serve`` as a process, with the admin key it prints at its first start (or
    ``admin``, made before)."""
    from conftest import free_port

    port = free_port()
    process = subprocess.Popen(
        [sys.executable, "-m", "statekeep", "serve", "--data", str(data), "--port", str(port), *args],
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        assert process.stderr is not None
        lines: list[str] = []
        while not any("serving" in line for line in lines):
            line = process.stderr.readline()
            assert line, "the server stopped: " + "".join(lines)
            lines.append(line)
        token = re.search(r"sk_[\w-]+", "".join(lines))
        assert admin is not None or token is not None, lines
        url = f"http://127.0.0.1:{port}"
        deadline = time.monotonic() + 10
        while True:
            try:
                httpx.get(f"{url}/v1/health")
                break
            except httpx.ConnectError:
                assert time.monotonic() < deadline, "the server does not answer"
                time.sleep(0.05)
        yield Server(url, admin if admin is not None else token.group(0))  # type: ignore[union-attr]
    finally:
        process.terminate()
        process.wait(10)


@pytest.fixture
def server(tmp_path: Path, key_dir: Path) -> Iterator[Server]:
    with _serving(tmp_path / "data") as s:
        yield s


def _no_serious_violations(page: Any, where: str) -> None:
    """axe-core's checks on the page as it is: no serious or critical violation."""
    page.add_script_tag(path=str(AXE))
    found = page.evaluate("async () => (await axe.run(document, {resultTypes: ['violations']})).violations")
    bad = [
        f"{v['id']} ({v['impact']}): {v['help']} at {[n['target'] for n in v['nodes']][:3]}"
        for v in found
        if v["impact"] in ("serious", "critical")
    ]
    assert not bad, f"{where}: {bad}"


def _shot(page: Any, name: str) -> None:
    """A screenshot of the page: into docs/ with STATEKEEP_SCREENSHOTS=1 (they hold times, so
    every run would change them), else into a scratch directory (taken all the same)."""
    where = SHOTS if os.environ.get("STATEKEEP_SCREENSHOTS") == "1" else SCRATCH
    where.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(where / f"{name}.png"), full_page=False)
    assert (where / f"{name}.png").stat().st_size > 10_000, f"the screenshot of {name} is empty"


def _until(check: Any, what: str, seconds: float = 10) -> Any:
    deadline = time.monotonic() + seconds
    while True:
        found = check()
        if found:
            return found
        assert time.monotonic() < deadline, what
        time.sleep(0.05)


# Skipped only outside CI (where .ci/run installs both): a CI run without them fails.
@pytest.mark.skipif(
    not CHROMIUM.exists() and not os.environ.get("CI"), reason=f"no browser at {CHROMIUM} (apt-get install chromium)"
)
@pytest.mark.skipif(
    not AXE.exists() and not os.environ.get("CI"), reason="no axe-core: run `npm ci` in dashboard/ (make test does)"
)
def test_the_loan_story_in_the_dashboard(server: Server) -> None:
    from playwright.sync_api import expect, sync_playwright

    api = server.api()
    assert api.put("/v1/definitions", json={"id": "loan-v1", "definition": LOAN_V1}).status_code == 200
    story: dict[str, list[dict[str, Any]]] = {
        "alice": [{"type": "SUBMIT_INFO", "income": 42_000}, {"type": "PAY_FEE", "amount": 50}],
        "bob": [{"type": "SUBMIT_INFO", "income": 38_000}, {"type": "WAIVE_FEE"}],
        "carol": [],
        "dave": [{"type": "SUBMIT_INFO", "income": 51_000}],
    }
    for actor, events in story.items():
        assert api.post("/v1/actors", json={"definitionId": "loan-v1", "id": actor}).status_code == 201
        for event in events:
            assert api.post(f"/v1/actors/{actor}/events", json=event).status_code == 200
    read = api.post("/v1/keys", json={"scope": "read", "name": "dashboard"}).json()["token"]
    counts_route = api.get("/v1/definitions/loan-v1/counts").status_code == 200

    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=str(CHROMIUM), args=["--no-sandbox"])
        try:
            context = browser.new_context(
                viewport={"width": 1280, "height": 800}, color_scheme="light", bypass_csp=True
            )
            page = context.new_page()
            errors: list[str] = []
            page.on("pageerror", lambda e: errors.append(str(e)))
            # A 404 from the per-state counts route is expected of a server without it (no badges then).
            page.on("console", lambda m: errors.append(m.text) if m.type == "error" and "404" not in m.text else None)

            # Sign in with the admin key, once for the tab.
            page.goto(f"{server.url}/dashboard")
            page.get_by_label("API key").fill(server.admin)
            _no_serious_violations(page, "sign in")
            page.get_by_role("button", name="Use this key").click()

            # Versions: loan-v1, a root.
            expect(page.get_by_role("heading", name="loan-v1")).to_be_visible()
            expect(page.get_by_text("live", exact=True)).to_be_visible()
            _no_serious_violations(page, "versions")

            # Its statechart, each state a button listing its actors.
            page.get_by_role("link", name="loan-v1", exact=True).click()
            expect(page.get_by_role("heading", name="Version loan-v1")).to_be_visible()
            for state in ("review", "fee", "underwriting", "approved"):
                expect(page.locator(f'[data-state="loan.{state}"]')).to_be_visible()
            expect(page.locator("svg.chart text.edge-label", has_text="PAY_FEE")).to_be_visible()
            if counts_route:
                expect(page.locator('[data-state="loan.underwriting"]')).to_have_attribute(
                    "aria-label", re.compile("^underwriting 2 actors:")
                )
                api.post("/v1/actors", json={"definitionId": "loan-v1", "id": "erin"})
                expect(page.locator('[data-state="loan.review"]')).to_have_attribute(
                    "aria-label", re.compile("^review 2 actors:"), timeout=2000
                )
                expect(page.locator("svg.chart .badge text", has_text="2")).to_have_count(2)
            else:
                expect(page.get_by_text("no per-state counts route")).to_be_visible()
            _no_serious_violations(page, "statechart")
            _shot(page, "statechart")
            page.locator('[data-state="loan.underwriting"]').focus()
            page.keyboard.press("Enter")

            # The actors in underwriting: Alice and Bob.
            expect(page.get_by_role("heading", name="Actors")).to_be_visible()
            rows = page.locator("table tbody tr")
            expect(rows).to_have_count(2)
            expect(rows.first).to_contain_text("alice")
            expect(rows.last).to_contain_text("bob")
            _no_serious_violations(page, "actors")
            _shot(page, "actors")

            # Deploy loan-v2 under loan-v1 with the path SUBMIT_INFO, PAY_FEE, chosen from the parent's events.
            page.get_by_role("link", name="Deploy", exact=True).click()
            page.get_by_label("Version id").fill("loan-v2")
            page.get_by_label("Definition (XState v5 JSON)").fill(json.dumps(LOAN_V2, indent=2))
            page.get_by_label("Parent version").select_option("loan-v1")
            page.get_by_role("button", name="+ SUBMIT_INFO").click()
            page.get_by_role("button", name="+ PAY_FEE").click()
            expect(page.get_by_label("History path (events, comma-separated)")).to_have_value("SUBMIT_INFO, PAY_FEE")
            expect(page.get_by_role("button", name="Deploy (preview first)")).to_be_disabled()
            page.get_by_role("button", name="Preview", exact=True).click()
            flows = page.get_by_role("table", name=re.compile("Flows"))
            expect(flows.locator("tbody tr")).to_have_count(1)
            expect(flows.locator("tbody tr")).to_contain_text("underwriting")
            expect(flows.locator("tbody tr")).to_contain_text("income_verification")
            expect(page.get_by_role("region", name="Would migrate")).to_contain_text("alice")
            expect(page.get_by_role("region", name="Would stay")).to_contain_text("bob")
            expect(page.get_by_role("region", name="Pending")).to_contain_text("carol")
            _no_serious_violations(page, "deploy preview")
            page.get_by_role("heading", name="Deploy", exact=True).scroll_into_view_if_needed()
            _shot(page, "deploy-preview")
            page.get_by_role("button", name="Deploy what was previewed").click()
            expect(page.get_by_text("Deployed loan-v2")).to_be_visible()
            _until(lambda: api.get("/v1/deployments/loan-v2").json()["done"], "the scan of loan-v2 finishes")

            # Versions: loan-v2 under loan-v1 with its rule and its decisions.
            page.get_by_role("link", name="Versions", exact=True).click()
            card = page.get_by_role("article", name="loan-v2 under loan-v1")
            expect(card).to_contain_text("SUBMIT_INFO")
            expect(card).to_contain_text("1 migrated")
            expect(card).to_contain_text("1 stayed")
            _no_serious_violations(page, "versions, two")
            _shot(page, "versions")

            # Alice's timeline: why she moved. Bob's: why he stayed.
            page.goto(f"{server.url}/dashboard/#/actor/alice")
            expect(page.get_by_role("heading", name="Actor alice")).to_be_visible()
            timeline = page.locator("ol.timeline")
            expect(timeline).to_contain_text(
                "migrated from loan-v1 to loan-v2, landing in income_verification: "
                "its history starts with the path SUBMIT_INFO, PAY_FEE"
            )
            expect(timeline).to_contain_text('"amount":50')
            _no_serious_violations(page, "actor")
            _shot(page, "actor-alice")
            page.goto(f"{server.url}/dashboard/#/actor/bob")
            expect(page.locator("ol.timeline")).to_contain_text(
                "stayed on loan-v1 (deployment loan-v2): the history differs from the path at index 1: WAIVE_FEE, not PAY_FEE"
            )

            # A live update: Alice's income is verified while her page is open.
            page.goto(f"{server.url}/dashboard/#/actor/alice")
            expect(page.get_by_role("heading", name="Actor alice")).to_be_visible()
            assert api.post("/v1/actors/alice/events", json={"type": "VERIFIED"}).status_code == 200
            expect(page.locator("dd.state")).to_have_text("underwriting", timeout=3000)

            # Needs rescue: a deployment under loan-v1 that does not handle WAIVE_FEE strands Bob; release him.
            v3 = json.loads(json.dumps(LOAN_V1))
            del v3["states"]["fee"]["on"]["WAIVE_FEE"]
            api.put(
                "/v1/definitions",
                json={"id": "loan-v3", "definition": v3, "parentId": "loan-v1", "historyPath": ["SUBMIT_INFO"]},
            )
            _until(lambda: api.get("/v1/deployments/loan-v3").json()["done"], "the scan of loan-v3 finishes")
            # The actors list filtered by needs-rescue: Bob alone.
            page.get_by_role("link", name="Actors", exact=True).click()
            page.get_by_label("Needs rescue").select_option("true")
            page.get_by_role("button", name="Filter").click()
            expect(page).to_have_url(re.compile(r"needsRescue=true"))
            rows = page.locator("table tbody tr")
            expect(rows).to_have_count(1)
            expect(rows.first).to_contain_text("bob")
            expect(rows.first).to_contain_text("yes (loan-v3)")
            _no_serious_violations(page, "actors needing rescue")
            page.get_by_label("Needs rescue").select_option("false")
            page.get_by_role("button", name="Filter").click()
            expect(page.locator("table tbody tr")).to_have_count(len(story) + 1 - 1)  # erin in, bob out
            expect(page.locator("table tbody")).not_to_contain_text("bob")
            # Needs rescue: the reason in words, a rescue deployment's page with the parent preset.
            page.get_by_role("navigation", name="pages").get_by_role("link", name="Needs rescue").click()
            row = page.locator("tbody tr", has_text="bob")
            expect(row).to_contain_text("WAIVE_FEE")
            expect(page.locator("tbody tr")).to_have_count(1)
            _no_serious_violations(page, "needs rescue")
            _shot(page, "needs-rescue")
            row.get_by_role("link", name="rescue deployment under loan-v1").click()
            expect(page.get_by_role("heading", name="Deploy", exact=True)).to_be_visible()
            expect(page.get_by_label("Parent version")).to_have_value("loan-v1")
            expect(page.get_by_role("button", name="+ WAIVE_FEE")).to_be_visible()
            page.go_back()
            row = page.locator("tbody tr", has_text="bob")
            row.get_by_role("button", name="release bob").click()
            expect(page.get_by_role("status").filter(has_text="Released bob")).to_be_visible()
            expect(page.get_by_text("No actor needs rescue.")).to_be_visible()
            assert api.get("/v1/actors/bob").json()["needsRescue"] is None

            # Nested states drawn as they are, each with its count.
            assert api.put("/v1/definitions", json={"id": "door-v1", "definition": DOOR}).status_code == 200
            api.post("/v1/actors", json={"definitionId": "door-v1", "id": "door-1"})
            for door_event in ("UNLOCK", "OPEN"):
                api.post("/v1/actors/door-1/events", json={"type": door_event})
            page.goto(f"{server.url}/dashboard/#/version/door-v1")
            for state in ("door.closed.hist", "door.open.light.off", "door.open.fan.slow", "door.gone"):
                expect(page.locator(f'[data-state="{state}"]')).to_be_visible()
            if counts_route:
                expect(page.locator('[data-state="door.open.fan.slow"]')).to_have_attribute(
                    "aria-label", re.compile("^slow 1 actor:")
                )
            expect(page.locator("svg.chart text.edge-label", has_text="after 60000")).to_be_visible()
            _no_serious_violations(page, "nested statechart")
            _shot(page, "statechart-nested")
            # A state inside a parallel region lists its actors: door-1 is in light.off beside fan.slow.
            api.post("/v1/actors", json={"definitionId": "door-v1", "id": "door-2"})  # closed.locked
            page.locator('[data-state="door.open.light.off"]').click()
            expect(page).to_have_url(re.compile(r"inState=open\.light\.off"))
            rows = page.locator("table tbody tr")
            expect(rows).to_have_count(1)
            expect(rows.first).to_contain_text("door-1")
            expect(page.get_by_label("State", exact=True)).to_have_value("open.light.off")
            _no_serious_violations(page, "the actors in a parallel region's state")
            for state, actors in (("door.open.fan.fast", []), ("door.open", ["door-1"]), ("door.closed", ["door-2"])):
                page.go_back()
                page.locator(f'[data-state="{state}"]').focus()
                page.keyboard.press("Enter")
                expect(page.get_by_role("heading", name="Actors")).to_be_visible()
                if actors:
                    expect(page.locator("table tbody tr")).to_have_count(len(actors))
                    expect(page.locator("table tbody tr").first).to_contain_text(actors[0])
                else:
                    expect(page.get_by_text("No actor matches.")).to_be_visible()
            # Live, a state that empties loses its badge and the count in its name.
            page.goto(f"{server.url}/dashboard/#/version/door-v1")
            off = page.locator('[data-state="door.open.light.off"]')
            expect(off).to_have_attribute("aria-label", re.compile("^off 1 actor:"))
            assert api.post("/v1/actors/door-1/events", json={"type": "ON"}).status_code == 200
            expect(page.locator('[data-state="door.open.light.on"]')).to_have_attribute(
                "aria-label", re.compile("^on 1 actor:")
            )
            expect(off).to_have_attribute("aria-label", re.compile("^off: list the actors"))

            # Dark.
            page.emulate_media(color_scheme="dark")
            page.goto(f"{server.url}/dashboard/#/version/loan-v2")
            expect(page.locator('[data-state="loan.income_verification"]')).to_be_visible()
            _no_serious_violations(page, "statechart, dark")
            _shot(page, "statechart-dark")
            page.goto(f"{server.url}/dashboard/#/actors?needsRescue=false")
            expect(page.locator("table tbody tr").first).to_be_visible()
            _no_serious_violations(page, "actors, dark")
            page.goto(f"{server.url}/dashboard/#/rescue")
            expect(page.get_by_text("No actor needs rescue.")).to_be_visible()
            _no_serious_violations(page, "needs rescue, dark")
            assert not errors, errors
            context.close()

            # A read key sees everything and cannot deploy.
            context = browser.new_context(viewport={"width": 1280, "height": 800}, bypass_csp=True)
            page = context.new_page()
            page.goto(f"{server.url}/dashboard/")
            page.get_by_label("API key").fill(read)
            page.get_by_role("button", name="Use this key").click()
            expect(page.get_by_role("heading", name="loan-v2")).to_be_visible()
            page.get_by_role("link", name="Deploy", exact=True).click()
            page.get_by_label("Version id").fill("loan-v4")
            page.get_by_label("Definition (XState v5 JSON)").fill(json.dumps(LOAN_V2))
            page.get_by_label("Parent version").select_option("loan-v1")
            page.get_by_label("History path (events, comma-separated)").fill("SUBMIT_INFO")
            page.get_by_role("button", name="Preview", exact=True).click()
            expect(page.get_by_role("alert")).to_contain_text("403")
            assert api.get("/v1/definitions/loan-v4").status_code == 404
            context.close()
        finally:
            browser.close()


#: A machine that handles TICK where it is, reporting an action: a history as long as one likes.
COUNTER: dict[str, Any] = {"id": "counter", "initial": "on", "states": {"on": {"on": {"TICK": {"actions": "tick"}}}}}
LONG = 20_000


def _browser_page(p: Any, server: Server, key: str | None = None, dark: bool = False) -> tuple[Any, Any, list[str]]:
    """A signed-in page at 1280x800 and the errors it reports."""
    browser = p.chromium.launch(executable_path=str(CHROMIUM), args=["--no-sandbox"])
    context = browser.new_context(
        viewport={"width": 1280, "height": 800}, color_scheme="dark" if dark else "light", bypass_csp=True
    )
    page = context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda e: errors.append(str(e)))
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    page.goto(f"{server.url}/dashboard/")
    page.get_by_label("API key").fill(key or server.admin)
    page.get_by_role("button", name="Use this key").click()
    page.get_by_role("navigation", name="pages").wait_for()
    return browser, page, errors


@pytest.mark.skipif(not CHROMIUM.exists() and not os.environ.get("CI"), reason=f"no browser at {CHROMIUM}")
@pytest.mark.skipif(not AXE.exists() and not os.environ.get("CI"), reason="no axe-core: run `npm ci` in dashboard/")
def test_a_long_timeline_opens_at_its_latest_page_and_loads_older_ones_on_scroll(server: Server) -> None:
    from playwright.sync_api import expect, sync_playwright

    api = server.api()
    assert api.put("/v1/definitions", json={"id": "counter-v1", "definition": COUNTER}).status_code == 200
    assert api.post("/v1/actors", json={"definitionId": "counter-v1", "id": "long"}).status_code == 201
    for start in range(0, LONG, 1000):
        batch = [{"actorId": "long", "type": "TICK", "n": n} for n in range(start, start + 1000)]
        assert api.post("/v1/events", json={"events": batch}).status_code == 200
    assert api.get("/v1/actors/long").json()["historyLength"] == LONG

    with sync_playwright() as p:
        browser, page, errors = _browser_page(p, server)
        try:
            page.goto(f"{server.url}/dashboard/#/actor/long")
            entries = page.locator("ol.timeline > li.entry")
            # The latest page first: the last event on top, with its payload and the state after it.
            expect(entries).to_have_count(100)
            expect(entries.first).to_contain_text(f"#{LONG - 1} TICK")
            expect(entries.first).to_contain_text('"n":19999')
            expect(entries.first.locator(".state")).to_have_text("on")
            expect(entries.last).to_contain_text(f"#{LONG - 100} TICK")
            expect(page.locator("dd.events")).to_have_text(str(LONG))
            expect(page.get_by_role("status").filter(has_text="The latest 100 of 20000 events")).to_be_visible()
            _no_serious_violations(page, "a long timeline")
            _shot(page, "actor-long-timeline")
            page.emulate_media(color_scheme="dark")
            _no_serious_violations(page, "a long timeline, dark")
            page.emulate_media(color_scheme="light")
            # Scrolled to its end, the page before loads below, newest first still.
            page.get_by_role("button", name="Older events").scroll_into_view_if_needed()
            expect(entries).to_have_count(200)
            expect(entries.nth(100)).to_contain_text(f"#{LONG - 101} TICK")
            expect(entries.last).to_contain_text(f"#{LONG - 200} TICK")
            # And by keyboard (focused, the button comes into view, which may load a page too).
            page.get_by_role("button", name="Older events").focus()
            page.keyboard.press("Enter")
            shown = page.get_by_role("status").filter(has_text=re.compile(r"The latest [34]00 of"))
            expect(shown).to_be_visible()
            page.wait_for_function(
                "() => !document.querySelector('main p[role=status]').textContent.startsWith('Loading')"
            )
            indexes = [int(i) for i in entries.evaluate_all("(els) => els.map((e) => e.dataset.index)")]
            assert len(indexes) in (300, 400) and f"The latest {len(indexes)} of" in (shown.text_content() or "")
            assert indexes == list(range(LONG - 1, LONG - 1 - len(indexes), -1))
            # A new event goes on top, live.
            assert api.post("/v1/actors/long/events", json={"type": "TICK", "n": "live"}).status_code == 200
            expect(entries.first).to_contain_text(f"#{LONG} TICK")
            expect(page.locator("dd.events")).to_have_text(str(LONG + 1))
            assert not errors, errors
        finally:
            browser.close()


@pytest.mark.skipif(not CHROMIUM.exists() and not os.environ.get("CI"), reason=f"no browser at {CHROMIUM}")
@pytest.mark.skipif(not AXE.exists() and not os.environ.get("CI"), reason="no axe-core: run `npm ci` in dashboard/")
def test_webhooks_their_delivery_log_dead_letters_and_a_redelivery(tmp_path: Path, key_dir: Path) -> None:
    from playwright.sync_api import expect, sync_playwright

    import statekeep
    from statekeep.testing import ManualClock
    from webhook_receiver import receiving

    data = tmp_path / "data"
    with receiving() as healed, receiving() as failing:
        # A dead letter made with a clock the test moves: the receiver failed every attempt of the
        # schedule (10 over 3 days), then mends.
        healed.answer = lambda r: (500, {}, 0.0)
        clock = ManualClock(start=time.time() - 5 * 86_400)
        with statekeep.open(data, clock=clock, allow_private_webhooks=True, webhook_timeout=0.5) as keep:
            keep.deploy("counter-v1", COUNTER)
            mended = keep.add_webhook(healed.url, description="billing", kinds=["spawned"])
            keep.spawn("counter-v1", actor_id="c1")
            clock.advance(seconds=0)  # the first attempt
            clock.advance(days=4)  # past the whole schedule
            [dead] = keep.webhook_deliveries(mended.id, dead=True)
            admin = keep.create_api_key("admin").token
            read = keep.create_api_key("read").token
        assert admin is not None and read is not None
        healed.answer = lambda r: (200, {}, 0.0)
        # Another endpoint that fails now: its deliveries wait, with their attempts.
        failing.answer = lambda r: (503, {}, 0.0)
        with _serving(data, "--allow-private-webhooks", admin=admin) as server:
            api = server.api()
            flaky = api.post("/v1/webhooks", json={"url": failing.url, "description": "audit"}).json()
            api.post("/v1/actors", json={"definitionId": "counter-v1", "id": "c2"})
            _until(
                lambda: any(d["attempts"] for d in api.get(f"/v1/webhooks/{flaky['id']}/deliveries").json()["items"]),
                "the failing endpoint is tried",
            )
            with sync_playwright() as p:
                browser, page, errors = _browser_page(p, server)
                try:
                    page.get_by_role("navigation", name="pages").get_by_role("link", name="Webhooks").click()
                    endpoints = page.get_by_role("table", name="Webhook endpoints")
                    billing = endpoints.locator("tr", has_text="billing")
                    expect(billing).to_contain_text("kinds spawned")
                    expect(billing.locator("td").nth(5)).to_have_text("1")  # one dead letter
                    expect(endpoints.locator("tr", has_text="audit")).to_contain_text("every change")
                    _no_serious_violations(page, "webhooks")
                    _shot(page, "webhooks")

                    # The failing one: its delivery log, attempts and the next one's time.
                    endpoints.get_by_role("link", name=failing.url).click()
                    log = page.get_by_role("table", name="Delivery log: pending, with their attempts")
                    expect(log.locator("tbody tr").first).to_contain_text("HTTP 503")
                    expect(log.locator("tbody tr", has_text="c2")).to_contain_text("spawned")
                    expect(page.get_by_text("No dead letter.")).to_be_visible()
                    _no_serious_violations(page, "a webhook's delivery log")
                    page.get_by_role("button", name="Disable").click()
                    expect(page.locator("dd.webhook-state")).to_have_text("disabled: disabled by request")
                    assert api.get(f"/v1/webhooks/{flaky['id']}").json()["enabled"] is False

                    # The mended one: its dead letter, delivered again by keyboard.
                    page.go_back()
                    page.get_by_role("table", name="Webhook endpoints").get_by_role("link", name=healed.url).click()
                    letters = page.get_by_role("table", name="Dead letters")
                    row = letters.locator("tbody tr")
                    expect(row).to_have_count(1)
                    expect(row).to_contain_text("c1")
                    expect(row).to_contain_text("HTTP 500")
                    expect(row.locator("td").nth(3)).to_have_text("10")
                    _no_serious_violations(page, "dead letters")
                    _shot(page, "webhook-dead-letters")
                    page.emulate_media(color_scheme="dark")
                    _no_serious_violations(page, "dead letters, dark")
                    page.emulate_media(color_scheme="light")
                    page.get_by_role("button", name=f"redeliver change {dead.seq}").focus()
                    page.keyboard.press("Enter")
                    expect(page.get_by_role("status").filter(has_text="1 delivery queued again")).to_be_visible()
                    _until(
                        lambda: any(g.seq == dead.seq and g.status == 200 for g in list(healed.received)),
                        "the dead letter is delivered again",
                    )
                    expect(page.get_by_text("No dead letter.")).to_be_visible(timeout=10_000)
                    # Every change since a time, again: both spawns (its filter takes spawns only).
                    week_ago = time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(time.time() - 7 * 86_400))
                    page.get_by_label("Deliver every change since (UTC)").fill(week_ago)
                    page.get_by_role("button", name="Redeliver since").click()
                    expect(page.get_by_role("status").filter(has_text="2 deliveries queued again")).to_be_visible()
                    assert not errors, errors
                finally:
                    browser.close()

                # A read key is told the webhooks are an admin's, and offered no action; the API refuses it.
                browser, page, errors = _browser_page(p, server, read)
                try:
                    page.get_by_role("navigation", name="pages").get_by_role("link", name="Webhooks").click()
                    expect(page.get_by_text("Webhooks are an admin key's to see and change")).to_be_visible()
                    page.goto(f"{server.url}/dashboard/#/webhook/{mended.id}")
                    expect(page.get_by_text("Webhooks are an admin key's to see and change")).to_be_visible()
                    expect(page.get_by_role("button", name=re.compile("Redeliver|Disable|Enable"))).to_have_count(0)
                    _no_serious_violations(page, "webhooks, a read key")
                    refused = server.api(read).post(f"/v1/webhooks/{mended.id}/redeliver", json={"seq": dead.seq})
                    assert (refused.status_code, refused.json()["code"]) == (403, "forbidden")
                finally:
                    browser.close()
