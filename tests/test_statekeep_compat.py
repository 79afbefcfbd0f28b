"""StateKeep's API, as its SDK (``@statekeep/sdk``, ``StateKeepClient``) and its HTTP guide call
it: the request shapes below are written from StateKeep's published documentation (its API
reference, developer guide and SDK README), not from its code. What is served the same, what
differs and why: ``docs/statekeep-compatibility.md``. Every response is also checked against
our own description (``test_http_contract.described``)."""

from __future__ import annotations

import copy
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from served import served
from test_http_contract import described, problem

pytestmark = pytest.mark.usefixtures("key_dir")

# The order machine of StateKeep's quickstart.
ORDER_V1: dict[str, Any] = {
    "id": "order",
    "initial": "pending",
    "states": {
        "pending": {"on": {"PAY": "paid", "CANCEL": "cancelled"}},
        "paid": {"on": {"SHIP": "shipped"}},
        "shipped": {"on": {"DELIVER": "delivered"}},
        "delivered": {"type": "final"},
        "cancelled": {"type": "final"},
    },
}
ORDER_V2 = copy.deepcopy(ORDER_V1)
ORDER_V2["states"]["paid"] = {"on": {"REVIEW": "review", "SHIP": "shipped"}}
ORDER_V2["states"]["review"] = {"on": {"APPROVE": "shipped"}}


@pytest.fixture
def sdk(tmp_path: Path) -> Iterator[httpx.Client]:
    """What ``createClient({ baseUrl, apiKey })`` sends: the key in ``x-api-key``."""
    with (
        served(tmp_path / "data") as server,
        httpx.Client(
            base_url=server.url,
            headers={"x-api-key": server.admin},
            event_hooks={"response": [lambda r: r.read() and None, described]},
        ) as client,
    ):
        yield client


def ok(response: httpx.Response, status: int = 200) -> Any:
    assert response.status_code == status, (response.request.method, response.request.url, response.text)
    return response.json()


def test_the_sdk_quickstart_and_guide_run_unchanged(sdk: httpx.Client) -> None:
    # await sk.deploy('order-v1', {...})
    ok(sdk.put("/v1/definitions", json={"id": "order-v1", "definition": ORDER_V1}))
    # Re-deploying the same id and definition is a no-op (CI/CD re-runs).
    ok(sdk.put("/v1/definitions", json={"id": "order-v1", "definition": ORDER_V1}))

    # const actor = await sk.spawn('order-v1', { orderId: 'ord-001', userId: 42 })
    actor = ok(sdk.post("/v1/actors", json={"definitionId": "order-v1", "initialContext": {"orderId": "ord-001"}}), 201)
    # console.log(actor.actorId, actor.stateValue)
    assert actor["actorId"] == actor["id"] and actor["stateValue"] == "pending"
    assert (actor["context"], actor["done"], actor["definitionId"]) == ({"orderId": "ord-001"}, False, "order-v1")
    actor_id = actor["actorId"]

    # const state = await sk.send(actor.actorId, 'PAY', { method: 'card', amount: 99.99 })
    state = ok(sdk.post(f"/v1/actors/{actor_id}/event", json={"type": "PAY", "payload": {"method": "card"}}))
    assert (state["actorId"], state["stateValue"], state["done"], state["definitionId"]) == (
        actor_id,
        "paid",
        False,
        "order-v1",
    )

    # await sk.send(actorId, 'SHIP', {}, 'payment-txn-001'), and again with the same key
    first = ok(
        sdk.post(f"/v1/actors/{actor_id}/event", json={"type": "SHIP", "payload": {}, "idempotencyKey": "txn-1"})
    )
    again = ok(
        sdk.post(f"/v1/actors/{actor_id}/event", json={"type": "SHIP", "payload": {}, "idempotencyKey": "txn-1"})
    )
    assert first == again and first["stateValue"] == "shipped"

    # const current = await sk.getState(actor.actorId)
    current = ok(sdk.get(f"/v1/actors/{actor_id}"))
    assert (current["stateValue"], current["status"], current["done"], current["context"]) == (
        "shipped",
        "active",
        False,
        {"orderId": "ord-001"},
    )
    ok(sdk.post(f"/v1/actors/{actor_id}/event", json={"type": "DELIVER"}))
    assert ok(sdk.get(f"/v1/actors/{actor_id}"))["done"] is True

    # spawnActor({ definitionId, initialContext, id }) (StateKeepClient)
    named = ok(
        sdk.post("/v1/actors", json={"definitionId": "order-v1", "initialContext": {"n": 2}, "id": "ord-002"}), 201
    )
    assert (named["id"], named["actorId"], named["context"]) == ("ord-002", "ord-002", {"n": 2})

    # const { events, hasMore, nextCursor } = await sk.getEvents(actorId, { limit: 50 })
    page = ok(sdk.get(f"/v1/actors/{actor_id}/events", params={"limit": 2}))
    assert [e["type"] for e in page["events"]] == ["PAY", "SHIP"] and page["hasMore"] is True
    # if (hasMore) await sk.getEvents(actorId, { limit: 50, after: nextCursor })
    rest = ok(sdk.get(f"/v1/actors/{actor_id}/events", params={"limit": 50, "after": page["nextCursor"]}))
    assert [e["type"] for e in rest["events"]] == ["DELIVER"] and rest["hasMore"] is False
    assert page["events"][0]["payload"] == {"payload": {"method": "card"}}, "kept as sent, not merged into context"

    # const result = await sk.validate(myDefinition)
    assert ok(sdk.post("/v1/definitions/validate", json={"definition": ORDER_V1}))["valid"] is True
    invalid = ok(sdk.post("/v1/definitions/validate", json={"definition": {"initial": "nowhere", "states": {}}}))
    assert invalid["valid"] is False

    # const preview = await sk.preview('order-v2', newDef, { parentId: 'order-v1' })
    spawned = ok(sdk.post("/v1/actors", json={"definitionId": "order-v1", "id": "ord-003"}), 201)
    ok(sdk.post(f"/v1/actors/{spawned['id']}/event", json={"type": "PAY"}))
    preview = ok(
        sdk.post("/v1/definitions/preview", json={"id": "order-v2", "definition": ORDER_V2, "parentId": "order-v1"})
    )
    # console.log(preview.migration.wouldMigrate.length)
    assert len(preview["migration"]["wouldMigrate"]) == 3

    # await sk.deploy('order-v2', newDef, { parentId: 'order-v1', historyPath: ['PAY'] })
    deployed = ok(
        sdk.put(
            "/v1/definitions",
            json={"id": "order-v2", "definition": ORDER_V2, "parentId": "order-v1", "historyPath": ["PAY"]},
        )
    )
    assert deployed["parentId"] == "order-v1"
    assert ok(sdk.get("/v1/actors/ord-003"))["definitionId"] == "order-v2"
    assert ok(sdk.get("/v1/definitions/order-v2"))["parentId"] == "order-v1"

    # await sk.terminate(actor.actorId)
    ended = ok(sdk.delete("/v1/actors/ord-003"))
    assert (ended["actorId"], ended["stateValue"], ended["status"]) == ("ord-003", "paid", "terminated")
    # StateKeep: a terminated actor answers events with 409; its SDK shows err.status, err.code, err.message.
    refused = problem(sdk.post("/v1/actors/ord-003/event", json={"type": "REVIEW"}), 409, "actor_terminated")
    assert refused["message"] == refused["detail"] != ""


def test_bulk_spawn_reports_what_was_created_and_what_failed(sdk: httpx.Client) -> None:
    ok(sdk.put("/v1/definitions", json={"id": "order-v1", "definition": ORDER_V1}))
    body = {
        "actors": [
            {"definitionId": "order-v1", "initialContext": {"orderId": "ord-001"}},
            {"definitionId": "order-v9", "initialContext": {"orderId": "ord-002"}},
            {"definitionId": "order-v1", "id": "ord-003"},
            {"definitionId": "order-v1", "id": "ord-003"},
        ]
    }
    result = ok(sdk.post("/v1/actors/bulk", json=body), 207)
    assert result["total"] == 4
    assert [(a["definitionId"], a["context"]) for a in result["created"]] == [
        ("order-v1", {"orderId": "ord-001"}),
        ("order-v1", None),
    ]
    failed = {f["index"]: f for f in result["failed"]}
    assert sorted(failed) == [1, 3]
    assert (failed[1]["code"], failed[1]["definitionId"]) == ("version_not_found", "order-v9")
    assert failed[3]["code"] == "actor_exists" and failed[3]["message"] == failed[3]["error"]
    too_many = {"actors": [{"definitionId": "order-v1"}] * 501}
    problem(sdk.post("/v1/actors/bulk", json=too_many), 422, "invalid_request")


def test_a_stranded_actor_is_released_with_patch_status_active(sdk: httpx.Client) -> None:
    ok(sdk.put("/v1/definitions", json={"id": "order-v1", "definition": ORDER_V1}))
    ok(sdk.post("/v1/actors", json={"definitionId": "order-v1", "id": "ord-001"}), 201)
    ok(sdk.post("/v1/actors/ord-001/event", json={"type": "PAY"}))
    no_pay = copy.deepcopy(ORDER_V1)
    no_pay["states"]["pending"]["on"] = {"CANCEL": "cancelled"}
    ok(sdk.put("/v1/definitions", json={"id": "order-v2", "definition": no_pay, "parentId": "order-v1"}))
    # Stranded actors return 409 on all events (StateKeep's ACTOR_NEEDS_RESCUE, our needs_rescue).
    problem(sdk.post("/v1/actors/ord-001/event", json={"type": "SHIP"}), 409, "needs_rescue")
    # sk.rescueActor(actorId): PATCH /v1/actors/:id { status: 'active' }
    released = ok(sdk.patch("/v1/actors/ord-001", json={"status": "active"}))
    assert (released["id"], released["status"], released["needsRescue"]) == ("ord-001", "active", None)
    assert ok(sdk.post("/v1/actors/ord-001/event", json={"type": "SHIP"}))["stateValue"] == "shipped"
    problem(sdk.patch("/v1/actors/ord-001", json={"status": "active"}), 409, "not_stranded")
    problem(sdk.patch("/v1/actors/ord-001", json={"status": "terminated"}), 422, "invalid_request")


def test_what_statekeep_has_and_we_do_not_is_refused_by_name_never_ignored(sdk: httpx.Client) -> None:
    ok(sdk.put("/v1/definitions", json={"id": "order-v1", "definition": ORDER_V1}))
    # Its confirmation flow, context transforms and refinement levels: not ours (the preview's
    # digest, `expect`, is the confirmation; contexts are not transformed).
    for extra in ({"confirmToken": "a3f1"}, {"contextTransform": {"a.b": "c"}}, {"refinement": 1}):
        body = {"id": "order-v2", "definition": ORDER_V2, "parentId": "order-v1"} | extra
        doc = problem(sdk.put("/v1/definitions", json=body), 422, "unknown_field")
        assert doc["field"] == next(iter(extra))
    # Spawning by machine family (the root's id meaning "the latest version"): the id must name a version.
    ok(sdk.put("/v1/definitions", json={"id": "order-v2", "definition": ORDER_V2, "parentId": "order-v1"}))
    problem(sdk.post("/v1/actors", json={"definitionId": "order"}), 404, "version_not_found")
    # Its needs_rescue and archived statuses are not statuses here (needsRescue is a field).
    doc = problem(sdk.get("/v1/actors", params={"status": "needs_rescue"}), 422, "invalid_request")
    assert "active, done, error, terminated" in doc["detail"]
    # Both names for one thing: which one was meant is not guessed.
    both = {"definitionId": "order-v1", "context": {"a": 1}, "initialContext": {"b": 2}}
    problem(sdk.post("/v1/actors", json=both), 422, "invalid_request")
