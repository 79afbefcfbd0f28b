"""The HTTP client: ``statekeep.connect(url, api_key=...)`` has the same methods, arguments,
results and exceptions as ``statekeep.open(...)``. One interface, two transports: where the
keep returns a whole list, the client follows the service's pages to the end; an error's
problem document becomes the exception (and ``code``) the keep raises."""

from __future__ import annotations

import json
import os
import time
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from typing import Any, cast
from urllib.parse import quote

from statekeep import jsonio, problems, wire
from statekeep.errors import DefinitionError, Error, InvalidRequest
from statekeep.extras import missing
from statekeep.keep import Event, split_event
from statekeep.keep.actors import BATCH_CONTROLS, SEND_CONTROLS, check_payload
from statekeep.results import (
    Actor,
    ApiKey,
    Change,
    Decision,
    Deployment,
    HistoryEntry,
    Preview,
    StepResult,
    Version,
    Webhook,
    WebhookDelivery,
)

try:
    import httpx
except ModuleNotFoundError as e:
    raise missing("statekeep.connect (the HTTP client)", "client", e) from None

#: Items per page asked of the service (its most).
PAGE = 1_000
#: How many times in a row the change stream is connected again before ``follow`` gives up.
FOLLOW_RETRIES = 8


def connect(url: str | None = None, api_key: str | None = None, *, timeout: float = 60.0) -> Client:
    """A client of the statekeep service at ``url`` (or ``STATEKEEP_URL``), with ``api_key``
    (or ``STATEKEEP_API_KEY``)."""
    url = url or os.environ.get("STATEKEEP_URL")
    if not url:
        raise InvalidRequest("give the service's URL (or set STATEKEEP_URL), such as http://127.0.0.1:8080")
    return Client(url, api_key if api_key is not None else os.environ.get("STATEKEEP_API_KEY"), timeout=timeout)


class Client:
    """A statekeep service, through the keep's interface (:class:`statekeep.api.KeepAPI`)."""

    def __init__(self, url: str, api_key: str | None, *, timeout: float = 60.0) -> None:
        headers = {"Authorization": f"Bearer {api_key}"} if api_key else {}
        self._http = httpx.Client(base_url=url.rstrip("/"), headers=headers, timeout=timeout)

    def __enter__(self) -> Client:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def close(self) -> None:
        self._http.close()

    def _call(self, method: str, path: str, body: Any = None, params: Mapping[str, Any] | None = None) -> Any:
        query = {k: v for k, v in (params or {}).items() if v is not None}
        # Checked as the keep checks what it is handed: a NaN or an infinity (which JSON cannot
        # carry) is InvalidRequest here as there, not sent.
        content = None if body is None else jsonio.document(body, "the request")
        headers = None if body is None else {"Content-Type": "application/json"}
        try:
            response = self._http.request(method, path, content=content, params=query, headers=headers)
        except httpx.HTTPError as e:
            raise Error(f"cannot reach the statekeep service at {self._http.base_url}: {e}") from None
        if response.status_code >= 400:
            try:
                doc = response.json()
            except ValueError:
                doc = {"detail": response.text or response.reason_phrase}
            raise problems.to_exception(response.status_code, doc)
        return None if response.status_code == 204 else response.json()

    # ----- versions -------------------------------------------------------------------------

    def deploy(
        self,
        id: str,
        definition: Any,
        *,
        parent: str | None = None,
        history_path: Sequence[str] | None = None,
        match: str = "prefix",
        landing: str = "replay",
        state_map: Mapping[str, str] | None = None,
        guard_default: bool = True,
        expect: str | None = None,
        delays: Mapping[str, float] | None = None,
        timers: str = "keep",
    ) -> Deployment:
        body = _deploy_body(
            id, definition, parent, history_path, match, landing, state_map, guard_default, delays, timers
        )
        body["expect"] = expect
        return wire.from_json(Deployment, self._call("PUT", "/v1/definitions", body))

    def preview(
        self,
        id: str,
        definition: Any,
        *,
        parent: str,
        history_path: Sequence[str] | None = None,
        match: str = "prefix",
        landing: str = "replay",
        state_map: Mapping[str, str] | None = None,
        guard_default: bool = True,
        delays: Mapping[str, float] | None = None,
        timers: str = "keep",
    ) -> Preview:
        body = _deploy_body(
            id, definition, parent, history_path, match, landing, state_map, guard_default, delays, timers
        )
        return wire.from_json(Preview, self._call("POST", "/v1/definitions/preview", body))

    def _pages(self, path: str, params: Mapping[str, Any] | None = None, limit: int | None = None) -> Iterator[Any]:
        """The items of a list route, page after page (``limit`` at most)."""
        params = dict(params or {})
        given = 0
        while limit is None or given < limit:
            params["limit"] = PAGE if limit is None else min(PAGE, limit - given)
            found = self._call("GET", path, params=params)
            yield from found["items"]
            given += len(found["items"])
            if found["next"] is None:
                return
            # Where the list goes on is in the cursor; a start given for the first page is in it.
            params = {k: v for k, v in params.items() if k not in ("after", "before")} | {"cursor": found["next"]}

    def definitions(self) -> list[Version]:
        return [cast(Version, wire.from_record(d)) for d in self._pages("/v1/definitions")]

    def deployment(self, id: str) -> Deployment:
        return wire.from_json(Deployment, self._call("GET", f"/v1/deployments/{_seg(id)}"))

    # ----- actors ---------------------------------------------------------------------------

    def spawn(
        self,
        definition_id: str,
        context: Any = None,
        *,
        actor_id: str | None = None,
        idempotency_key: str | None = None,
    ) -> Actor:
        body = {
            "definitionId": definition_id,
            "context": context,
            "actorId": actor_id,
            "idempotencyKey": idempotency_key,
        }
        return wire.from_json(Actor, self._call("POST", "/v1/actors", body))

    def spawn_many(
        self,
        definition_id: str,
        contexts: Iterable[Any],
        *,
        actor_ids: Sequence[str | None] | None = None,
        idempotency_key: str | None = None,
    ) -> list[Actor]:
        body = {
            "definitionId": definition_id,
            "contexts": list(contexts),
            "actorIds": None if actor_ids is None else list(actor_ids),
            "idempotencyKey": idempotency_key,
        }
        return [wire.from_json(Actor, a) for a in self._call("POST", "/v1/actors/batch", body)]

    def send(
        self,
        actor_id: str,
        event: Event,
        *,
        guards: Mapping[str, bool] | None = None,
        idempotency_key: str | None = None,
        expected_seq: int | None = None,
    ) -> StepResult:
        check_payload(event, SEND_CONTROLS, "a send")
        body = _event_body(event) | {
            "guards": None if guards is None else dict(guards),
            "idempotencyKey": idempotency_key,
            "expectedSeq": expected_seq,
        }
        return wire.from_json(StepResult, self._call("POST", f"/v1/actors/{_seg(actor_id)}/events", body))

    def send_many(self, items: Iterable[tuple[str, Event]]) -> list[StepResult]:
        items = list(items)
        for _, event in items:
            check_payload(event, BATCH_CONTROLS, "a batch's item")
        events = [{"actorId": actor_id} | _event_body(event) for actor_id, event in items]
        return [wire.from_json(StepResult, r) for r in self._call("POST", "/v1/events", {"events": events})]

    def release(self, actor_id: str) -> Decision:
        return cast(Decision, wire.actor_record(self._call("POST", f"/v1/actors/{_seg(actor_id)}/release")))

    def terminate(self, actor_id: str) -> Actor:
        return wire.from_json(Actor, self._call("DELETE", f"/v1/actors/{_seg(actor_id)}"))

    def schedule(
        self,
        actor_id: str,
        event: Event,
        *,
        at: float | None = None,
        delay: float | None = None,
        id: str | None = None,
        idempotency_key: str | None = None,
    ) -> dict[str, Any]:
        if (at is None) == (delay is None):
            raise InvalidRequest("give when to send it: at= (seconds since the epoch) or delay= (seconds), not both")
        body = {
            "event": _event_body(event),
            "at": None if at is None else wire.time_text(at),
            "delayMs": None if delay is None else delay * 1000,
            "id": id,
            "idempotencyKey": idempotency_key,
        }
        return wire.timer_from_json(self._call("POST", f"/v1/actors/{_seg(actor_id)}/schedule", body))

    def scheduled(self, actor_id: str) -> list[dict[str, Any]]:
        return [wire.timer_from_json(t) for t in self._pages(f"/v1/actors/{_seg(actor_id)}/schedule")]

    def cancel_scheduled(self, actor_id: str, id: str) -> None:
        self._call("DELETE", f"/v1/actors/{_seg(actor_id)}/schedule/{_seg(id)}")

    def timer_stats(self) -> dict[str, Any]:
        return wire.from_record(self._call("GET", "/v1/timers"))

    def state_counts(self, definition_id: str) -> dict[str, int]:
        found: dict[str, int] = self._call("GET", f"/v1/definitions/{_seg(definition_id)}/counts")["states"]
        return found

    # ----- the outbox -------------------------------------------------------------------------

    def changes(
        self,
        after: int | None = None,
        limit: int | None = None,
        *,
        actor: str | None = None,
        definition: str | None = None,
    ) -> list[Change]:
        return self.change_page(after, limit, actor=actor, definition=definition)[0]

    def change_page(
        self,
        after: int | None = None,
        limit: int | None = None,
        *,
        actor: str | None = None,
        definition: str | None = None,
    ) -> tuple[list[Change], int]:
        params = {"after": after, "limit": limit, "actor": actor, "definition": definition}
        found = self._call("GET", "/v1/changes", params=params)
        return [wire.from_json(Change, c) for c in found["items"]], int(found["next"])

    def change_page_before(
        self,
        before: int | None = None,
        limit: int | None = None,
        *,
        actor: str | None = None,
        definition: str | None = None,
    ) -> tuple[list[Change], int]:
        params = {"order": "desc", "before": before, "limit": limit, "actor": actor, "definition": definition}
        found = self._call("GET", "/v1/changes", params=params)
        return [wire.from_json(Change, c) for c in found["items"]], int(found["next"])

    def last_change(self) -> int:
        return int(self._call("GET", "/v1/changes", params={"limit": 1, "after": 0})["last"])

    def follow(
        self,
        after: int | None = None,
        *,
        actor: str | None = None,
        definition: str | None = None,
        timeout: float | None = None,
    ) -> Iterator[Change]:
        """The change stream (server-sent events), resumed after the last change received
        whenever the connection drops: nothing missed, nothing twice."""
        cursor = 0 if after is None else after
        params = {k: v for k, v in {"actor": actor, "definition": definition}.items() if v is not None}
        last_heard = time.monotonic()
        # The server comments every 15 s on an idle stream: a read waits a little longer.
        read = 20.0 if timeout is None else min(20.0, max(timeout, 0.01))
        failures = 0
        while True:
            headers = {"Accept": "text/event-stream", "Last-Event-ID": str(cursor)}
            try:
                with self._http.stream(
                    "GET",
                    "/v1/changes/stream",
                    params=params,
                    headers=headers,
                    timeout=httpx.Timeout(self._http.timeout.connect, read=read),
                ) as response:
                    if response.status_code >= 400:
                        response.read()
                        raise problems.to_exception(response.status_code, response.json())
                    for event in _server_sent_events(response.iter_lines()):
                        failures = 0
                        if "data" in event:
                            change = wire.from_json(Change, json.loads(event["data"]))
                            cursor = change.seq
                            last_heard = time.monotonic()
                            yield change
                        if timeout is not None and time.monotonic() - last_heard >= timeout:
                            return
            except httpx.ReadTimeout:
                pass  # idle: looked at again below
            except httpx.TransportError as e:
                failures += 1
                if failures > FOLLOW_RETRIES:
                    raise Error(f"the change stream of {self._http.base_url} keeps failing: {e}") from None
                time.sleep(min(0.05 * 2**failures, 2.0))
            if timeout is not None and time.monotonic() - last_heard >= timeout:
                return

    def get(self, actor_id: str) -> Actor:
        return wire.from_json(Actor, self._call("GET", f"/v1/actors/{_seg(actor_id)}"))

    def history(
        self,
        actor_id: str,
        after: int | None = None,
        limit: int | None = None,
        *,
        before: int | None = None,
        newest_first: bool = False,
    ) -> list[HistoryEntry]:
        if limit is not None and limit < 1:
            # The service's pages hold at least one item; the keep's answer to this is empty.
            self.get(actor_id)  # (an unknown actor is still NotFound)
            return []
        params = {"after": after, "before": before, "order": "desc" if newest_first else None}
        found = self._pages(f"/v1/actors/{_seg(actor_id)}/history", params, limit)
        return [cast(HistoryEntry, wire.from_record(e)) for e in found]

    def decisions(self, actor_id: str | None = None, deployment: str | None = None) -> list[Decision]:
        if actor_id is not None:
            found = self._pages(f"/v1/actors/{_seg(actor_id)}/decisions", {"deployment": deployment})
        elif deployment is not None:
            found = self._pages(f"/v1/deployments/{_seg(deployment)}/decisions")
        else:
            raise InvalidRequest("give an actor_id, a deployment, or both")
        return [cast(Decision, wire.actor_record(d)) for d in found]

    def actors(
        self,
        definition_id: str | None = None,
        state: Any = None,
        status: str | None = None,
        after: str | None = None,
        limit: int | None = None,
        *,
        needs_rescue: bool | None = None,
        in_state: str | None = None,
    ) -> list[Actor]:
        if limit is not None and limit < 1:
            return []
        state_text = None if state is None else state if isinstance(state, str) else json.dumps(state)
        rescue_text = None if needs_rescue is None else "true" if needs_rescue else "false"
        params = {
            "definitionId": definition_id,
            "state": state_text,
            "status": status,
            "needsRescue": rescue_text,
            "inState": in_state,
            "after": after,
        }
        return [wire.from_json(Actor, a) for a in self._pages("/v1/actors", params, limit)]

    # ----- operations that belong where the store is -----------------------------------------

    def backup(self, dest: str | os.PathLike[str]) -> None:
        raise Error("a backup is taken where the store is: run 'statekeep backup --data DIR DEST' on the server")

    def rotate_key(
        self,
        new_key: bytes | str | None = None,
        *,
        batch: int = 1_000,
        progress: Callable[[int, int], None] | None = None,
        wait: float = 60.0,
    ) -> None:
        raise Error("the encryption key is rotated where the store is: run 'statekeep rotate-key --data DIR' there")

    # ----- API keys -------------------------------------------------------------------------

    def create_api_key(self, scope: str, *, name: str | None = None) -> ApiKey:
        return wire.from_json(ApiKey, self._call("POST", "/v1/keys", {"scope": scope, "name": name}))

    def api_keys(self) -> list[ApiKey]:
        return [wire.from_json(ApiKey, k) for k in self._pages("/v1/keys")]

    def revoke_api_key(self, key_id: str) -> None:
        self._call("DELETE", f"/v1/keys/{_seg(key_id)}")

    # ----- webhooks -------------------------------------------------------------------------

    def add_webhook(
        self,
        url: str,
        *,
        description: str | None = None,
        definitions: Sequence[str] | None = None,
        kinds: Sequence[str] | None = None,
        actions: Sequence[str] | None = None,
        enabled: bool = True,
    ) -> Webhook:
        body = _webhook_body(url, description, definitions, kinds, actions, enabled)
        return wire.from_json(Webhook, self._call("POST", "/v1/webhooks", body))

    def webhooks(self) -> list[Webhook]:
        return [wire.from_json(Webhook, h) for h in self._pages("/v1/webhooks")]

    def webhook(self, webhook_id: str) -> Webhook:
        return wire.from_json(Webhook, self._call("GET", f"/v1/webhooks/{_seg(webhook_id)}"))

    def update_webhook(
        self,
        webhook_id: str,
        *,
        url: str | None = None,
        description: str | None = None,
        definitions: Sequence[str] | None = None,
        kinds: Sequence[str] | None = None,
        actions: Sequence[str] | None = None,
        enabled: bool | None = None,
    ) -> Webhook:
        body = _webhook_body(url, description, definitions, kinds, actions, enabled)
        return wire.from_json(Webhook, self._call("PATCH", f"/v1/webhooks/{_seg(webhook_id)}", body))

    def remove_webhook(self, webhook_id: str) -> None:
        self._call("DELETE", f"/v1/webhooks/{_seg(webhook_id)}")

    def rotate_webhook_secret(self, webhook_id: str, *, overlap: float = 86400.0) -> Webhook:
        found = self._call("POST", f"/v1/webhooks/{_seg(webhook_id)}/rotate-secret", {"overlapSeconds": overlap})
        return wire.from_json(Webhook, found)

    def webhook_deliveries(
        self, webhook_id: str, *, dead: bool = False, after: int | None = None, limit: int | None = None
    ) -> list[WebhookDelivery]:
        if limit is not None and limit < 1:
            return []
        params: dict[str, Any] = {"status": "dead" if dead else "pending", "after": after}
        found = self._pages(f"/v1/webhooks/{_seg(webhook_id)}/deliveries", params, limit)
        return [wire.from_json(WebhookDelivery, d) for d in found]

    def redeliver(self, webhook_id: str, *, seq: int | None = None, since: float | None = None) -> int:
        body = {"seq": seq, "since": None if since is None else wire.time_text(since)}
        return int(self._call("POST", f"/v1/webhooks/{_seg(webhook_id)}/redeliver", body)["queued"])


def _webhook_body(
    url: str | None,
    description: str | None,
    definitions: Sequence[str] | None,
    kinds: Sequence[str] | None,
    actions: Sequence[str] | None,
    enabled: bool | None,
) -> dict[str, Any]:
    return {
        "url": url,
        "description": description,
        "definitions": None if definitions is None else list(definitions),
        "kinds": None if kinds is None else list(kinds),
        "actions": None if actions is None else list(actions),
        "enabled": enabled,
    }


def _seg(text: str) -> str:
    return quote(text, safe="")


def _event_body(event: Event) -> dict[str, Any]:
    event_type, payload = split_event(event)
    return {"type": event_type} | payload


def _deploy_body(
    id: str,
    definition: Any,
    parent: str | None,
    history_path: Sequence[str] | None,
    match: str,
    landing: str,
    state_map: Mapping[str, str] | None,
    guard_default: bool,
    delays: Mapping[str, float] | None,
    timers: str,
) -> dict[str, Any]:
    return {
        "id": id,
        "definition": _definition_object(definition),
        "parentId": parent,
        "historyPath": None if history_path is None else list(history_path),
        "match": match,
        "landing": landing,
        "stateMapping": None if state_map is None else dict(state_map),
        "guardDefault": guard_default,
        "delays": None if delays is None else dict(delays),
        "timers": timers,
    }


def _definition_object(definition: Any) -> Any:
    """The definition as the service takes it, a JSON object: the keep also takes its JSON
    text (a file's), which is parsed here (keeping its key order), as the keep would parse it."""
    if not isinstance(definition, (str, bytes)):
        return definition
    try:
        return jsonio.loads(definition, "the definition")
    except InvalidRequest as e:
        raise DefinitionError(str(e), "$") from None


def _server_sent_events(lines: Iterator[str]) -> Iterator[dict[str, str]]:
    """The events of a text/event-stream (a comment is an empty event: the stream is alive)."""
    event: dict[str, str] = {}
    for line in lines:
        if not line:
            yield event
            event = {}
        elif line.startswith(":"):
            yield {}
        else:
            name, _, value = line.partition(":")
            value = value[1:] if value.startswith(" ") else value
            event[name] = event[name] + "\n" + value if name == "data" and name in event else value
