"""Webhooks over HTTP (``/v1/webhooks``), through the Python client and the command: the same
calls, results and errors as the embedded keep; admin keys only; every response as the OpenAPI
description says; and a receiver in Node that verifies deliveries with npm's standardwebhooks."""

from __future__ import annotations

import json
import shutil
import subprocess
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
import standardwebhooks
from click.testing import CliRunner

from served import Served, served
from statekeep import wire
from statekeep.cli import cli
from statekeep.errors import Forbidden, InvalidRequest, NotFound
from test_http_contract import described
from webhook_receiver import Receiver, receiving

pytestmark = pytest.mark.usefixtures("key_dir")

COUNTER: dict[str, Any] = {"id": "counter", "initial": "idle", "states": {"idle": {"on": {"GO": "busy"}}, "busy": {}}}
NODE_RECEIVER = Path(__file__).parent / "webhook-receiver-node"


@pytest.fixture
def server(store_location: str) -> Iterator[Served]:
    with served(store_location, allow_private_webhooks=True) as s:
        yield s


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    with receiving() as r:
        yield r


def test_endpoints_over_http_as_embedded(server: Served, receiver: Receiver) -> None:
    with server.client() as client:
        client.deploy("counter-v1", COUNTER)
        hook = client.add_webhook(receiver.url, kinds=["event"], description="over http")
        assert hook.secret is not None and hook.kinds == ["event"] and hook.enabled
        assert wire.to_json(client.webhook(hook.id)) == wire.to_json(server.keep.webhook(hook.id))
        others = [client.add_webhook(receiver.url + f"?n={n}", enabled=False) for n in range(3)]
        listed = client.webhooks()  # followed through pages of one
        assert [h.id for h in listed] == sorted(h.id for h in [hook, *others])
        client.spawn("counter-v1", actor_id="a")
        client.send("a", "GO")
        got = receiver.wait_for(1)
        body = standardwebhooks.Webhook(hook.secret).verify(got[0].body, got[0].headers)
        assert body["type"] == "actor.event" and body["data"]["actorId"] == "a"
        changed = client.update_webhook(hook.id, kinds=[], description="")
        assert (changed.kinds, changed.description) == ([], None)
        rotated = client.rotate_webhook_secret(hook.id, overlap=60)
        assert rotated.secret not in (None, hook.secret) and rotated.previous_secret_expires_at is not None
        assert client.webhook_deliveries(hook.id) == [] and client.webhook_deliveries(hook.id, dead=True) == []
        assert client.redeliver(hook.id, seq=body["data"]["seq"]) == 1
        receiver.wait_for(2)
        with pytest.raises(NotFound) as missing:
            client.redeliver(hook.id, seq=10_000)
        assert missing.value.code == "change_not_found"
        client.remove_webhook(others[0].id)
        with pytest.raises(NotFound) as gone:
            client.webhook(others[0].id)
        assert gone.value.code == "webhook_not_found"


def test_a_private_url_is_refused_with_its_code_unless_the_server_allows_it(store_location: str) -> None:
    with served(store_location) as strict, strict.client() as client:
        with pytest.raises(InvalidRequest) as refused:
            client.add_webhook("http://127.0.0.1:9/hook")
        assert refused.value.code == "webhook_url_forbidden"
        with pytest.raises(InvalidRequest) as invalid:
            client.add_webhook("ftp://example.com/")
        assert invalid.value.code == "webhook_url_invalid"
        assert client.webhooks() == []


def test_only_admin_keys_manage_webhooks(server: Served) -> None:
    writer = server.keep.create_api_key("write").token
    with server.client(writer) as client:
        with pytest.raises(Forbidden):
            client.webhooks()
        with pytest.raises(Forbidden):
            client.add_webhook("http://127.0.0.1:9/")


def test_every_webhook_response_is_as_described(server: Served) -> None:
    with httpx.Client(
        base_url=server.url,
        headers={"Authorization": f"Bearer {server.admin}"},
        event_hooks={"response": [lambda r: r.read() and None, described]},
    ) as http:
        made = http.post("/v1/webhooks", json={"url": "http://127.0.0.1:9/x", "actions": ["notify"]})
        assert made.status_code == 201 and made.json()["secret"].startswith("whsec_")
        webhook_id = made.json()["id"]
        assert "secret" not in http.get(f"/v1/webhooks/{webhook_id}").json()
        assert http.get("/v1/webhooks", params={"limit": 1}).json()["next"] is None
        assert http.patch(f"/v1/webhooks/{webhook_id}", json={"enabled": False}).json()["enabled"] is False
        assert http.post(f"/v1/webhooks/{webhook_id}/rotate-secret").status_code == 200
        page = http.get(f"/v1/webhooks/{webhook_id}/deliveries", params={"status": "dead", "after": 0})
        assert page.json() == {"items": [], "next": None}
        assert http.post(f"/v1/webhooks/{webhook_id}/redeliver", json={"seq": 5}).status_code == 404
        both = http.post(f"/v1/webhooks/{webhook_id}/redeliver", json={})
        assert both.status_code == 422
        assert http.post("/v1/webhooks", json={"url": "http://127.0.0.1:9/", "kinds": ["sent"]}).status_code == 422
        assert http.get("/v1/webhooks/wh_nope").json()["code"] == "webhook_not_found"
        assert http.delete(f"/v1/webhooks/{webhook_id}").status_code == 204


def test_the_command_manages_webhooks(server: Served, receiver: Receiver) -> None:
    runner = CliRunner()

    def run(*args: str) -> Any:
        result = runner.invoke(cli, ["--url", server.url, "--api-key", server.admin, "--json", *args])
        assert result.exit_code == 0, result.output
        return json.loads(result.stdout)

    made = run("webhooks", "add", receiver.url, "--kind", "spawned", "--kind", "event", "--description", "cli")
    assert made["secret"].startswith("whsec_") and made["kinds"] == ["event", "spawned"]
    assert [h["id"] for h in run("webhooks", "list")] == [made["id"]]
    assert run("webhooks", "get", made["id"])["description"] == "cli"
    assert run("webhooks", "update", made["id"], "--disable")["enabled"] is False
    assert run("webhooks", "update", made["id"], "--enable", "--all-changes")["kinds"] == []
    assert run("webhooks", "rotate-secret", made["id"], "--overlap", "0")["previousSecretExpiresAt"] is None
    assert run("webhooks", "deliveries", made["id"], "--dead") == []
    assert run("webhooks", "redeliver", made["id"], "--since", "2020-01-01T00:00:00Z") == {"queued": 0}
    text = runner.invoke(cli, ["--url", server.url, "--api-key", server.admin, "webhooks", "list"])
    assert text.exit_code == 0 and made["id"] in text.output and "all changes" in text.output
    assert run("webhooks", "remove", made["id"]) == {"id": made["id"], "removed": True}
    missing = runner.invoke(cli, ["--url", server.url, "--api-key", server.admin, "webhooks", "get", made["id"]])
    assert missing.exit_code == 1 and "no webhook" in missing.output


def test_a_node_receiver_verifies_every_delivery_with_npm_standardwebhooks(server: Served, tmp_path: Path) -> None:
    """tools' own receiver in Node (tests/webhook-receiver-node, its package-lock.json pinned):
    it verifies each delivery with npm's standardwebhooks and prints what it verified."""
    node, npm = shutil.which("node"), shutil.which("npm")
    assert node and npm, "node and npm are needed (CI has them)"
    if not (NODE_RECEIVER / "node_modules" / "standardwebhooks").exists():
        subprocess.run([npm, "ci", "--no-audit", "--no-fund"], cwd=NODE_RECEIVER, check=True, timeout=300)
    with server.client() as client:
        client.deploy("counter-v1", COUNTER)
        hook = client.add_webhook("http://127.0.0.1:9/placeholder")
    process = subprocess.Popen(
        [node, "receiver.mjs"],
        cwd=NODE_RECEIVER,
        env={"PATH": "/usr/bin:/bin", "WEBHOOK_SECRET": hook.secret or ""},
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        assert process.stdout is not None
        port = json.loads(process.stdout.readline())["port"]
        lines: list[dict[str, Any]] = []
        done = threading.Event()

        def read() -> None:
            assert process.stdout is not None
            for line in process.stdout:
                lines.append(json.loads(line))
                if len(lines) >= 4:
                    done.set()

        threading.Thread(target=read, daemon=True).start()
        with server.client() as client:
            client.update_webhook(hook.id, url=f"http://127.0.0.1:{port}/hooks")
            client.spawn("counter-v1", actor_id="n")
            client.send("n", "GO")
            deadline = time.monotonic() + 20
            while len(lines) < 2 and time.monotonic() < deadline:
                time.sleep(0.01)
            # Its secret rotated: during the overlap both signatures go, and the old one verifies.
            client.rotate_webhook_secret(hook.id, overlap=3600)
            client.spawn("counter-v1", actor_id="m")
            client.send("m", {"type": "GO", "note": "é ✓"})
        assert done.wait(20), lines
        assert all(line["verified"] for line in lines), lines
        # In order per actor (n's and m's may interleave); m's came during the overlap.
        for actor, signatures in (("n", 1), ("m", 2)):
            mine = [line for line in lines if line["actor"] == actor]
            assert [line["type"] for line in mine] == ["actor.spawned", "actor.event"], lines
            assert [line["signatures"] for line in mine] == [signatures] * 2, lines
    finally:
        process.terminate()
        process.wait(10)
