"""The HTTP contract, as a client in any language sees it: strict input (unknown fields and
parameters refused by name, NaN and infinities refused, ranges checked, a definition must be an
object), problem documents with stable codes, one paging scheme, RFC 3339 times, and the
OpenAPI description that says all of it. Every response these tests get is checked against the
description of its route (status and body)."""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Iterator
from datetime import datetime
from pathlib import Path
from typing import Any

import httpx
import jsonschema_rs
import pytest

import statekeep
from served import Served, served
from statekeep import client as client_module
from statekeep import problems
from statekeep.service.openapi import SPEC
from statekeep.service.requests import PAGE_DEFAULT, PAGE_MAX
from statekeep.wire import time_text
from test_keep import LOAN_V1, LOAN_V2, PATH

pytestmark = pytest.mark.usefixtures("key_dir")

_ROUTES = [
    (method.upper(), re.compile("^" + re.sub(r"\{[^}]+\}", "[^/]+", path) + "$"), path, op)
    for path, ops in SPEC["paths"].items()
    for method, op in ops.items()
]


def described(response: httpx.Response) -> None:
    """Fail unless the response is one its route's description has: a documented status, and
    a body that validates against that status's schema (a problem's code among those listed)."""
    request = response.request
    method, path = request.method, request.url.path
    routes = [(template, op) for m, rx, template, op in _ROUTES if rx.match(path)]
    if not routes:
        assert response.status_code == 404 and response.json()["code"] == "route_not_found", path
        return
    ops = [(template, op) for template, op in routes if SPEC["paths"][template].get(method.lower()) is op]
    if not ops:
        assert response.status_code == 405 and response.json()["code"] == "method_not_allowed", (method, path)
        return
    # The most specific template (fewest parameters) is the one served.
    template, op = min(ops, key=lambda t: t[0].count("{"))
    documented = op["responses"].get(str(response.status_code))
    assert documented is not None, f"{method} {template} answered {response.status_code}, not described"
    content = documented.get("content")
    if content is None:
        assert not response.content, f"{method} {template} {response.status_code} has a body"
        return
    media = response.headers["content-type"].split(";")[0]
    assert media in content, f"{method} {template} answered {media}"
    if media.endswith("json"):
        schema = {**content[media]["schema"], "components": SPEC["components"]}
        try:
            jsonschema_rs.Draft202012Validator(schema, validate_formats=True).validate(response.json())
        except jsonschema_rs.ValidationError as e:
            pytest.fail(f"{method} {template} {response.status_code}: {e}\n{response.text[:2000]}")


@pytest.fixture
def server(tmp_path: Path) -> Iterator[Served]:
    with served(tmp_path / "data") as s:
        yield s


@pytest.fixture
def http(server: Served) -> Iterator[httpx.Client]:
    """Raw HTTP with the admin key; every response is checked against the description."""
    with httpx.Client(
        base_url=server.url,
        headers={"Authorization": f"Bearer {server.admin}"},
        event_hooks={"response": [lambda r: r.read() and None, described]},
    ) as client:
        yield client


def problem(response: httpx.Response, status: int, code: str) -> dict[str, Any]:
    assert (response.status_code, response.headers["content-type"]) == (status, "application/problem+json"), (
        response.request.method,
        response.request.url,
        response.text,
    )
    doc: dict[str, Any] = response.json()
    assert (doc["status"], doc["code"]) == (status, code), doc
    assert doc["message"] == doc["detail"] and doc["detail"], doc
    return doc


# ----- strict input ------------------------------------------------------------------------------

#: A body each route takes, to which a stray field is added.
_BODIES: list[tuple[str, str, dict[str, Any]]] = [
    ("PUT", "/v1/definitions", {"id": "v9", "definition": LOAN_V1}),
    ("POST", "/v1/definitions/preview", {"id": "v9", "definition": LOAN_V1, "parentId": "v1"}),
    ("POST", "/v1/definitions/validate", {"definition": LOAN_V1}),
    ("POST", "/v1/actors", {"definitionId": "v1"}),
    ("POST", "/v1/actors/batch", {"definitionId": "v1", "contexts": [None]}),
    ("POST", "/v1/actors/bulk", {"actors": [{"definitionId": "v1"}]}),
    ("POST", "/v1/events", {"events": [{"actorId": "a", "type": "NOTE"}]}),
    ("PATCH", "/v1/actors/a", {"status": "active"}),
    ("DELETE", "/v1/actors/a", {}),
    ("POST", "/v1/actors/a/release", {}),
    ("POST", "/v1/keys", {"scope": "read"}),
    ("DELETE", "/v1/keys/nokey", {}),
    ("DELETE", "/v1/actors/a/schedule/nothing", {}),
    ("POST", "/v1/webhooks", {"url": "https://example.com/"}),
    ("PATCH", "/v1/webhooks/wh_none", {"enabled": True}),
    ("POST", "/v1/webhooks/wh_none/rotate-secret", {"overlapSeconds": 60}),
    ("POST", "/v1/webhooks/wh_none/redeliver", {"seq": 1}),
]


@pytest.mark.parametrize(("method", "path", "body"), _BODIES, ids=[f"{m} {p}" for m, p, _ in _BODIES])
def test_a_field_a_route_does_not_take_is_refused_naming_it_and_the_fields_it_takes(
    http: httpx.Client, method: str, path: str, body: dict[str, Any]
) -> None:
    http.put("/v1/definitions", json={"id": "v1", "definition": LOAN_V1})
    http.post("/v1/actors", json={"definitionId": "v1", "actorId": "a"})
    before = http.get("/v1/actors/a").json()
    doc = problem(http.request(method, path, json=body | {"colour": "red"}), 422, "unknown_field")
    assert doc["field"] == "colour" and "'colour'" in doc["detail"]
    assert set(doc["allowed"]) == set(body) | set(doc["allowed"]) and "colour" not in doc["allowed"]
    assert all(name in doc["detail"] for name in doc["allowed"])
    assert http.get("/v1/actors/a").json() == before, "nothing was done"
    assert [d["id"] for d in http.get("/v1/definitions").json()["items"]] == ["v1"]


def test_the_typos_of_issue_15_are_refused_not_ignored(http: httpx.Client) -> None:
    http.put("/v1/definitions", json={"id": "loan-v1", "definition": LOAN_V1})
    typo = problem(
        http.put("/v1/definitions", json={"id": "loan-v2", "definition": LOAN_V2, "parentID": "loan-v1"}),
        422,
        "unknown_field",
    )
    assert "did you mean 'parentId'?" in typo["detail"]
    assert http.get("/v1/definitions/loan-v2").status_code == 404, "not deployed as a root version"
    # So the corrected deploy is not refused as a taken id.
    fixed = http.put("/v1/definitions", json={"id": "loan-v2", "definition": LOAN_V2, "parentId": "loan-v1"})
    assert fixed.status_code == 200 and fixed.json()["parentId"] == "loan-v1"


def test_an_events_fields_beside_type_are_its_payload_and_the_control_fields_are_not(http: httpx.Client) -> None:
    http.put("/v1/definitions", json={"id": "v1", "definition": LOAN_V1})
    http.post("/v1/actors", json={"definitionId": "v1", "actorId": "a"})
    http.post("/v1/actors/a/events", json={"type": "NOTE", "text": "hi", "idempotencyKey": "k", "expectedSeq": 0})
    # StateKeep's {"type", "payload"} is an event with a field named payload, as XState has it.
    http.post("/v1/actors/a/event", json={"type": "NOTE", "payload": {"by": "bob"}})
    entries = http.get("/v1/actors/a/history").json()["items"]
    assert [e["payload"] for e in entries] == [{"text": "hi"}, {"payload": {"by": "bob"}}]
    doc = problem(http.post("/v1/events", json={"events": [{"actorId": "a"}]}), 422, "invalid_request")
    assert "events[0]" in doc["detail"]


@pytest.mark.parametrize(
    "literal", ["NaN", "Infinity", "-Infinity", "1e400", "-1e400"], ids=["nan", "inf", "-inf", "1e400", "-1e400"]
)
def test_nan_and_infinities_are_refused_on_input_and_nothing_is_kept(http: httpx.Client, literal: str) -> None:
    http.put("/v1/definitions", json={"id": "v1", "definition": LOAN_V1})
    http.post("/v1/actors", json={"definitionId": "v1", "actorId": "a"})
    for path, raw in [
        ("/v1/actors", '{"definitionId": "v1", "actorId": "n", "context": {"x": %s}}'),
        ("/v1/actors/a/events", '{"type": "NOTE", "amount": [1, %s]}'),
        ("/v1/actors/batch", '{"definitionId": "v1", "contexts": [%s], "actorIds": ["m"]}'),
    ]:
        problem(http.post(path, content=(raw % literal).encode()), 400, "invalid_json")
    assert [a["actorId"] for a in http.get("/v1/actors").json()["items"]] == ["a"]
    assert http.get("/v1/actors/a").json()["seq"] == 0


def test_a_value_json_cannot_carry_is_refused_by_either_transport(server: Served) -> None:
    server.keep.deploy("v1", LOAN_V1)
    for backend in (server.keep, server.client()):
        with pytest.raises(statekeep.InvalidRequest):
            backend.spawn("v1", {"x": float("nan")}, actor_id="n")
        with pytest.raises(statekeep.InvalidRequest):
            backend.spawn("v1", {"x": float("inf")}, actor_id="n")
    assert server.keep.actors() == []


def test_query_parameters_are_checked_against_their_documented_range(http: httpx.Client) -> None:
    http.put("/v1/definitions", json={"id": "v1", "definition": LOAN_V1})
    http.post("/v1/actors", json={"definitionId": "v1", "actorId": "a"})
    limits: list[dict[str, Any]] = [
        {"limit": 20000},
        {"limit": PAGE_MAX + 1},
        {"limit": 0},
        {"limit": -1},
        {"limit": "x"},
    ]
    for params in limits:
        doc = problem(http.get("/v1/actors", params=params), 422, "invalid_request")
        assert "'limit'" in doc["detail"]
    assert len(http.get("/v1/actors", params={"limit": PAGE_MAX}).json()["items"]) == 1
    bogus = problem(http.get("/v1/actors", params={"status": "bogus"}), 422, "invalid_request")
    assert all(s in bogus["detail"] for s in ("active", "done", "error", "terminated"))
    for path in ("", "a..b", "."):
        doc = problem(http.get("/v1/actors", params={"inState": path}), 422, "invalid_request")
        assert "state's path" in doc["detail"]
    assert [a["actorId"] for a in http.get("/v1/actors", params={"inState": "review"}).json()["items"]] == ["a"]
    for rescue in ("yes", "1", "True", ""):
        doc = problem(http.get("/v1/actors", params={"needsRescue": rescue}), 422, "invalid_request")
        assert "'needsRescue'" in doc["detail"] and "true, false" in doc["detail"]
    assert [a["actorId"] for a in http.get("/v1/actors", params={"needsRescue": "false"}).json()["items"]] == ["a"]
    assert http.get("/v1/actors", params={"needsRescue": "true"}).json() == {"items": [], "next": None}
    unknown = problem(http.get("/v1/actors", params={"limt": 5}), 422, "unknown_parameter")
    assert unknown["field"] == "limt" and "limit" in unknown["allowed"]
    problem(http.get("/v1/health", params={"verbose": 1}), 422, "unknown_parameter")
    problem(http.get("/v1/actors/a/history", params={"after": -1}), 422, "invalid_request")
    problem(http.get("/v1/actors", params=[("limit", "1"), ("limit", "2")]), 422, "invalid_request")
    problem(http.get("/v1/actors", params={"cursor": "not-a-cursor"}), 422, "cursor_invalid")
    # A cursor of one list is not a cursor of another.
    http.post("/v1/actors", json={"definitionId": "v1", "actorId": "b"})
    actors_next = http.get("/v1/actors", params={"limit": 1}).json()["next"]
    problem(http.get("/v1/actors/a/history", params={"cursor": actors_next}), 422, "cursor_invalid")
    both = problem(http.get("/v1/actors", params={"cursor": actors_next, "after": "a"}), 422, "invalid_request")
    assert "not both" in both["detail"]


def test_a_definition_given_as_a_json_string_is_refused(http: httpx.Client) -> None:
    text = json.dumps(LOAN_V1)
    for method, path, body in [
        ("PUT", "/v1/definitions", {"id": "v1", "definition": text}),
        ("POST", "/v1/definitions/validate", {"definition": text}),
        ("PUT", "/v1/definitions", {"id": "v1", "definition": [1, 2]}),
    ]:
        doc = problem(http.request(method, path, json=body), 422, "invalid_request")
        assert "'definition' must be a JSON object" in doc["detail"]
    assert http.get("/v1/definitions").json() == {"items": [], "next": None}


def test_the_python_client_sends_a_definitions_json_text_as_the_object_it_holds(server: Served) -> None:
    text = '{"initial": "b", "states": {"b": {}, "a": {}}}'
    with server.client() as client:
        client.deploy("v1", text)
        assert list(client.definitions()[0]["definition"]["states"]) == ["b", "a"], "its key order kept"
        with pytest.raises(statekeep.DefinitionError):
            client.deploy("v2", "{not json")


# ----- problems -----------------------------------------------------------------------------------

_PYTHON_NAMES = re.compile(r"\b\w+\(\)|\bNone\b|\bTrue\b|\bFalse\b|\bdict\b|\bkwargs?\b|\b[a-z]+_[a-z_]+\b")


def test_problems_carry_a_stable_code_and_a_message_free_of_python_names(http: httpx.Client, server: Served) -> None:
    http.put("/v1/definitions", json={"id": "v1", "definition": LOAN_V1})
    http.post("/v1/actors", json={"definitionId": "v1", "actorId": "a"})
    http.post("/v1/actors/a/events", json={"type": "SUBMIT_INFO", "idempotencyKey": "k1"})
    stranding = json.loads(json.dumps(LOAN_V1))
    stranding["states"]["review"]["on"] = {"START": "fee"}
    http.put(
        "/v1/definitions", json={"id": "v2", "definition": stranding, "parentId": "v1", "historyPath": ["SUBMIT_INFO"]}
    )
    seen = [
        problem(http.get("/v1/actors/ghost"), 404, "actor_not_found"),
        problem(http.post("/v1/actors", json={"definitionId": "nope"}), 404, "version_not_found"),
        problem(http.get("/v1/definitions/nope"), 404, "version_not_found"),
        problem(http.get("/v1/deployments/nope"), 404, "version_not_found"),
        problem(http.delete("/v1/keys/nope"), 404, "api_key_not_found"),
        problem(http.post("/v1/actors", json={"definitionId": "v1", "actorId": "a"}), 409, "actor_exists"),
        problem(http.put("/v1/definitions", json={"id": "v1", "definition": LOAN_V2}), 409, "version_exists"),
        problem(
            http.post("/v1/actors/a/events", json={"type": "NOTE", "idempotencyKey": "k1"}),
            409,
            "idempotency_key_reused",
        ),
        problem(http.post("/v1/actors/a/events", json={"type": "NOTE"}), 409, "needs_rescue"),
        problem(
            http.put("/v1/definitions", json={"id": "x", "definition": {"initial": "q", "states": {}}}),
            422,
            "definition_invalid",
        ),
        problem(http.post("/v1/actors", content=b"[]"), 400, "invalid_json"),
        problem(http.post("/v1/actors", content=b""), 400, "invalid_json"),
        problem(http.post("/v1/actors", json={}), 422, "invalid_request"),
        problem(http.get("/v1/nowhere"), 404, "route_not_found"),
    ]
    rescue = seen[8]
    assert rescue["deployment"] == "v2" and rescue["reason"]["code"] == "non_compliant"
    assert seen[9]["path"].startswith("$")
    http.post("/v1/actors", json={"definitionId": "v1", "actorId": "b"})
    seen.append(problem(http.post("/v1/actors/b/events", json={"type": "NOTE", "expectedSeq": 3}), 409, "seq_conflict"))
    seen.append(problem(http.post("/v1/actors/b/release"), 409, "not_stranded"))
    http.delete("/v1/actors/b")
    seen.append(problem(http.post("/v1/actors/b/events", json={"type": "NOTE"}), 409, "actor_terminated"))
    for doc in seen:
        assert not _PYTHON_NAMES.search(doc["detail"]), doc["detail"]
    assert {d["code"] for d in seen} <= set(problems.CODES)


def test_a_401_says_how_to_send_a_key_and_offers_bearer_and_a_405_says_what_is_allowed(server: Served) -> None:
    with httpx.Client(base_url=server.url, event_hooks={"response": [lambda r: r.read() and None, described]}) as raw:
        none = problem(raw.get("/v1/actors"), 401, "unauthorized")
        assert "an API key is needed" in none["detail"]
        for header in (server.admin, f"Token {server.admin}", "Bearer"):
            wrong_form = raw.get("/v1/actors", headers={"Authorization": header})
            doc = problem(wrong_form, 401, "unauthorized")
            assert "must be 'Bearer sk_...'" in doc["detail"] and server.admin not in doc["detail"]
            assert wrong_form.headers["www-authenticate"].startswith("Bearer")
        wrong_key = problem(raw.get("/v1/actors", headers={"Authorization": "Bearer sk_0_nope"}), 401, "unauthorized")
        assert "not valid" in wrong_key["detail"]
        put = raw.put("/v1/actors/a", headers={"Authorization": f"Bearer {server.admin}"})
        problem(put, 405, "method_not_allowed")
        assert set(put.headers["allow"].split(", ")) >= {"GET", "PATCH", "DELETE"}


def test_the_client_raises_the_keeps_class_with_the_codes_condition(server: Served) -> None:
    server.keep.deploy("v1", LOAN_V1)
    server.keep.spawn("v1", actor_id="a")
    server.keep.terminate("a")
    with server.client() as client:
        calls: list[tuple[Callable[[], Any], type[Exception], str]] = [
            (lambda: client.send("a", "NOTE"), statekeep.Conflict, "actor_terminated"),
            (lambda: client.terminate("ghost"), statekeep.NotFound, "actor_not_found"),
            (lambda: client.revoke_api_key("nope"), statekeep.NotFound, "api_key_not_found"),
            (lambda: client.deployment("nope"), statekeep.NotFound, "version_not_found"),
        ]
        for call, cls, code in calls:
            with pytest.raises(cls) as raised:
                call()
            assert getattr(raised.value, "code", None) == code
    for code, about in problems.CODES.items():
        doc = problems.document(code, "it happened")
        raised_for = problems.to_exception(doc["status"], doc)
        assert type(raised_for) is about.raises and str(raised_for) == "it happened"
        assert getattr(raised_for, "code", code) == code


def test_every_code_the_code_raises_is_documented() -> None:
    source = Path(statekeep.__file__).parent
    raised = {
        m for path in source.rglob("*.py") for m in re.findall(r'code="([a-z_]+)"', path.read_text(encoding="utf-8"))
    }
    defaults = {
        cls.code
        for cls in vars(statekeep.errors).values()
        if isinstance(cls, type) and issubclass(cls, statekeep.Error) and "code" in vars(cls)
    }
    # Some defaults never reach HTTP: a bare Error, a store failure other than those listed.
    unreachable = {"error", "store_failed", "history_needed"}
    assert raised | (defaults - unreachable) <= set(problems.CODES)
    assert set(SPEC["components"]["schemas"]["Problem"]["properties"]["code"]["enum"]) == set(problems.CODES)


# ----- paging ---------------------------------------------------------------------------------------


def walk(http: httpx.Client, path: str, limit: int, **params: Any) -> list[Any]:
    """Every item of a list, page by page: the next page is the cursor with the same filters
    (a start, ``after`` or ``before``, is in the cursor)."""
    items: list[Any] = []
    page = http.get(path, params={"limit": limit, **params}).json()
    filters = {k: v for k, v in params.items() if k not in ("after", "before")}
    while True:
        assert set(page) >= {"items", "next"} and len(page["items"]) <= limit
        items += page["items"]
        if page["next"] is None:
            return items
        page = http.get(path, params={"limit": limit, "cursor": page["next"], **filters}).json()


def test_every_list_route_pages_with_items_and_an_opaque_next(server: Served, http: httpx.Client) -> None:
    keep = server.keep
    keep.deploy("v1", LOAN_V1)
    ids = [f"a{i:02d}" for i in range(23)]
    keep.spawn_many("v1", [None] * 23, actor_ids=ids)
    for n, actor in enumerate(ids):
        # Nine take the path (they migrate to v2), the others another way (they stay).
        keep.send_many([(actor, e) for e in (PATH if n < 9 else ["SUBMIT_INFO", "WAIVE_FEE"])])
    for n in range(7):
        keep.send("a00", {"type": "NOTE", "n": n})
    keep.deploy("v2", LOAN_V2, parent="v1", history_path=PATH)
    keep.deploy("v3", LOAN_V2, parent="v1", history_path=["SUBMIT_INFO"])
    for _ in range(4):
        keep.create_api_key("read")
    for limit in (1, 2, 5, PAGE_MAX):
        assert [a["actorId"] for a in walk(http, "/v1/actors", limit)] == ids
        assert [e["index"] for e in walk(http, "/v1/actors/a00/history", limit)] == list(range(9))
        assert [d["id"] for d in walk(http, "/v1/definitions", limit)] == ["v1", "v2", "v3"]
        assert [k["id"] for k in walk(http, "/v1/keys", limit)] == sorted(k.id for k in keep.api_keys())
        by_deployment = walk(http, "/v1/deployments/v2/decisions", limit)
        assert [(d["actorId"], d["kind"]) for d in by_deployment] == [
            (d["actor"], d["kind"]) for d in keep.decisions(deployment="v2")
        ]
        assert len(by_deployment) == 23
        assert [d["deployment"] for d in walk(http, "/v1/actors/a01/decisions", limit)] == [
            d["deployment"] for d in keep.decisions("a01")
        ]
    first = http.get("/v1/actors").json()
    assert len(first["items"]) == min(PAGE_DEFAULT, 23) and first["next"] is None
    assert (
        len(http.get("/v1/actors", params={"limit": 4, "status": "active", "definitionId": "v2"}).json()["items"]) == 4
    )
    # Newest first: the latest page first, then further back; from before an index.
    for limit in (1, 2, 5, PAGE_MAX):
        assert [e["index"] for e in walk(http, "/v1/actors/a00/history", limit, order="desc")] == list(range(8, -1, -1))
        assert [e["index"] for e in walk(http, "/v1/actors/a00/history", limit, order="desc", before=4)] == [3, 2, 1, 0]
        assert [e["index"] for e in walk(http, "/v1/actors/a00/history", limit, order="asc")] == list(range(9))
    latest = http.get("/v1/actors/a00/history", params={"order": "desc", "limit": 2}).json()
    assert [e["type"] for e in latest["items"]] == ["NOTE", "NOTE"] and latest["items"][0]["payload"] == {"n": 6}
    oldest = http.get("/v1/actors/a00/history", params={"limit": 2}).json()
    # A cursor of one order is not a cursor of the other.
    problem(http.get("/v1/actors/a00/history", params={"cursor": latest["next"]}), 422, "cursor_invalid")
    problem(
        http.get("/v1/actors/a00/history", params={"cursor": oldest["next"], "order": "desc"}), 422, "cursor_invalid"
    )
    both = problem(
        http.get("/v1/actors/a00/history", params={"cursor": latest["next"], "order": "desc", "before": 3}),
        422,
        "invalid_request",
    )
    assert "not both" in both["detail"]
    wrongs: list[dict[str, Any]] = [{"order": "desc", "after": 1}, {"before": 3}, {"order": "asc", "before": 3}]
    for wrong in wrongs:
        doc = problem(http.get("/v1/actors/a00/history", params=wrong), 422, "invalid_request")
        assert "starts" in doc["detail"]
    for order in ("DESC", "newest", ""):
        doc = problem(http.get("/v1/actors/a00/history", params={"order": order}), 422, "invalid_request")
        assert "'order'" in doc["detail"]
    problem(http.get("/v1/actors/a00/history", params={"order": "desc", "before": -1}), 422, "invalid_request")
    problem(http.get("/v1/actors/ghost/history", params={"order": "desc"}), 404, "actor_not_found")
    # The history's own start, StateKeep's events route and its names.
    assert [e["index"] for e in walk(http, "/v1/actors/a00/history", 3, after=5)] == [6, 7, 8]
    events = http.get("/v1/actors/a00/events", params={"limit": 4}).json()
    assert events["events"] == events["items"] and [e["id"] for e in events["events"]] == [1, 2, 3, 4]
    assert (events["hasMore"], events["nextCursor"], events["actorId"]) == (True, 4, "a00")
    rest = http.get("/v1/actors/a00/events", params={"limit": 50, "after": events["nextCursor"]}).json()
    assert [e["id"] for e in rest["events"]] == [5, 6, 7, 8, 9] and rest["hasMore"] is False
    assert [e["id"] for e in http.get("/v1/actors/a00/events", params={"after": 0}).json()["events"]][:1] == [1]


def test_the_python_client_follows_the_pages_to_what_the_keep_returns(
    server: Served, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(client_module, "PAGE", 3)
    keep = server.keep
    keep.deploy("v1", LOAN_V1)
    keep.spawn_many("v1", [{"n": i} for i in range(10)], actor_ids=[f"a{i}" for i in range(10)])
    for i in range(8):
        keep.send("a0", {"type": "NOTE", "n": i})
    keep.send_many([(f"a{i}", e) for i in range(1, 5) for e in PATH])
    keep.deploy("v2", LOAN_V2, parent="v1", history_path=PATH)
    for _ in range(4):
        keep.create_api_key("write")
    with server.client() as client:
        assert client.actors() == keep.actors()
        assert client.actors(after="a2", limit=4) == keep.actors(after="a2", limit=4)
        assert client.actors(definition_id="v2") == keep.actors(definition_id="v2")
        for after, limit in [(None, None), (2, None), (None, 5), (1, 4), (None, 0), (20, None)]:
            assert _times_ms(client.history("a0", after, limit)) == _times_ms(keep.history("a0", after, limit))
        assert _times_ms(client.decisions("a1")) == _times_ms(keep.decisions("a1"))
        assert _times_ms(client.decisions(deployment="v2")) == _times_ms(keep.decisions(deployment="v2"))
        assert _times_ms(client.definitions()) == _times_ms(keep.definitions())
        assert [(k.id, k.scope) for k in client.api_keys()] == sorted((k.id, k.scope) for k in keep.api_keys())


def _times_ms(records: list[Any]) -> list[Any]:
    """Records with their times to the millisecond, as they cross the wire."""
    return [{k: (time_text(v) if k in ("at", "committed_at") else v) for k, v in r.items()} for r in records]


# ----- times -------------------------------------------------------------------------------------

_RFC3339_MS_UTC = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$")


def test_times_are_rfc3339_in_utc_with_milliseconds_and_the_client_gives_the_keeps_floats(
    server: Served, http: httpx.Client
) -> None:
    keep = server.keep
    keep.deploy("v1", LOAN_V1)
    keep.spawn("v1", actor_id="a")
    keep.send_many([("a", e) for e in PATH])
    keep.deploy("v2", LOAN_V2, parent="v1", history_path=PATH)
    keep.get("a")
    while keep.scan_step():
        pass
    texts = [
        http.get("/v1/definitions").json()["items"][0]["committedAt"],
        http.get("/v1/keys").json()["items"][0]["createdAt"],
        http.get("/v1/actors/a/history").json()["items"][0]["at"],
        http.get("/v1/actors/a/decisions").json()["items"][0]["at"],
        http.get("/v1/deployments/v2/decisions").json()["items"][0]["at"],
    ]
    floats = [
        keep.definitions()[0]["committed_at"],
        keep.api_keys()[0].created_at,
        keep.history("a")[0]["at"],
        keep.decisions("a")[0]["at"],
        keep.decisions(deployment="v2")[0]["at"],
    ]
    for text, seconds in zip(texts, floats, strict=True):
        assert _RFC3339_MS_UTC.match(text), text
        assert abs(datetime.fromisoformat(text).timestamp() - seconds) < 0.001
    with server.client() as client:
        got = [client.definitions()[0]["committed_at"], client.history("a")[0]["at"], client.api_keys()[0].created_at]
        assert all(isinstance(t, float) for t in got)
        assert [abs(a - b) < 0.001 for a, b in zip(got, [floats[0], floats[2], floats[1]], strict=True)] == [True] * 3
    # An actor's timers are due at a time too.
    waiting = {"initial": "idle", "states": {"idle": {"after": {"60000": "late"}}, "late": {}}}
    keep.deploy("w1", waiting)
    keep.spawn("w1", actor_id="w")
    [timer] = http.get("/v1/actors/w").json()["timers"]
    assert _RFC3339_MS_UTC.match(timer["due"]), timer
    assert abs(datetime.fromisoformat(timer["due"]).timestamp() - keep.get("w").timers[0]["due"]) < 0.001
    with server.client() as client:
        assert abs(client.get("w").timers[0]["due"] - keep.get("w").timers[0]["due"]) < 0.001


# ----- the description ---------------------------------------------------------------------------


def test_the_description_documents_every_body_its_required_fields_and_the_codes(server: Served) -> None:
    spec = httpx.get(f"{server.url}/openapi.json").json()
    schemas = spec["components"]["schemas"]
    # Bodies whose every field may be left out: a change of some fields, one of two choices.
    optional_only = {"WebhookUpdate", "RedeliverRequest"}
    for path, ops in spec["paths"].items():
        for method, op in ops.items():
            assert op["summary"] and op["responses"], (method, path)
            if "requestBody" in op:
                name = op["requestBody"]["content"]["application/json"]["schema"]["$ref"].rsplit("/", 1)[1]
                assert schemas[name].get("required") or name in optional_only, name
            for status, response in op["responses"].items():
                for media, content in response.get("content", {}).items():
                    if media == "application/problem+json":
                        assert int(status) >= 400 and content["schema"]["allOf"][1]["properties"]["code"]["enum"]
    request_bodies = {
        "DeployRequest",
        "PreviewRequest",
        "SpawnRequest",
        "BulkSpawnRequest",
        "KeyRequest",
    } | optional_only
    assert all(schemas[n]["additionalProperties"] is False for n in request_bodies), "closed: others are refused"
    assert schemas["EventRequest"]["additionalProperties"] is not False, "an event's payload fields are free"
    assert "payload" in schemas["EventRequest"]["description"]
    for name in ("Actor", "StepResult", "Decision", "HistoryEntry", "Definition", "Deployment", "ApiKey", "Preview"):
        assert schemas[name]["required"], name
    assert schemas["HistoryEntry"]["properties"]["at"]["format"] == "date-time"
    docs = httpx.get(f"{server.url}/docs").text
    assert all(code in docs for code in problems.CODES) and all(f"schema-{n}" in docs for n in schemas)
    assert "http://" not in docs.replace(server.url, "") and "https://" not in docs, "no CDN"


def test_a_release_answers_a_decision_that_names_its_actor(http: httpx.Client) -> None:
    # (The fixture checks the answer against the Decision schema, whose actorId is required.)
    v2 = json.loads(json.dumps(LOAN_V1))
    del v2["states"]["fee"]["on"]["WAIVE_FEE"]
    http.put("/v1/definitions", json={"id": "v1", "definition": LOAN_V1}).raise_for_status()
    http.post("/v1/actors", json={"definitionId": "v1", "actorId": "carol"}).raise_for_status()
    for event in ("SUBMIT_INFO", "WAIVE_FEE"):
        http.post("/v1/actors/carol/events", json={"type": event}).raise_for_status()
    http.put(
        "/v1/definitions", json={"id": "v2", "definition": v2, "parentId": "v1", "historyPath": ["SUBMIT_INFO"]}
    ).raise_for_status()
    released = http.post("/v1/actors/carol/release")
    assert released.status_code == 200
    assert (released.json()["kind"], released.json()["actorId"]) == ("released", "carol")
    # The same record as the actor's decisions read it afterwards: its actor and its time too.
    assert released.json() == http.get("/v1/actors/carol/decisions").json()["items"][-1]
