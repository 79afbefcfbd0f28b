"""The interface a keep offers, whatever the transport: ``statekeep.open`` (``Keep``, embedded)
and ``statekeep.connect`` (``Client``, over HTTP) both satisfy :class:`KeepAPI`, with the same
arguments, results and exceptions. Code that only calls these methods (the CLI, an
application) depends on this, and runs unchanged on either.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from typing import Any, Protocol, Self

from statekeep.keep import Event
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


class KeepAPI(Protocol):
    """A store of actors, embedded or remote. Use it as a context manager, or ``close()`` it."""

    # ----- versions ---------------------------------------------------------------------------

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
    ) -> Deployment: ...

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
    ) -> Preview: ...

    def definitions(self) -> list[Version]: ...

    def deployment(self, id: str) -> Deployment: ...

    # ----- actors -----------------------------------------------------------------------------

    def spawn(
        self,
        definition_id: str,
        context: Any = None,
        *,
        actor_id: str | None = None,
        idempotency_key: str | None = None,
    ) -> Actor: ...

    def spawn_many(
        self,
        definition_id: str,
        contexts: Iterable[Any],
        *,
        actor_ids: Sequence[str | None] | None = None,
        idempotency_key: str | None = None,
    ) -> list[Actor]: ...

    def send(
        self,
        actor_id: str,
        event: Event,
        *,
        guards: Mapping[str, bool] | None = None,
        idempotency_key: str | None = None,
        expected_seq: int | None = None,
    ) -> StepResult: ...

    def send_many(self, items: Iterable[tuple[str, Event]]) -> list[StepResult]: ...

    def release(self, actor_id: str) -> Decision: ...

    def terminate(self, actor_id: str) -> Actor: ...

    # ----- timers -----------------------------------------------------------------------------

    def schedule(
        self,
        actor_id: str,
        event: Event,
        *,
        at: float | None = None,
        delay: float | None = None,
        id: str | None = None,
        idempotency_key: str | None = None,
    ) -> dict[str, Any]: ...

    def scheduled(self, actor_id: str) -> list[dict[str, Any]]: ...

    def cancel_scheduled(self, actor_id: str, id: str) -> None: ...

    def timer_stats(self) -> dict[str, Any]: ...

    def state_counts(self, definition_id: str) -> dict[str, int]: ...

    # ----- the outbox -------------------------------------------------------------------------

    def changes(
        self,
        after: int | None = None,
        limit: int | None = None,
        *,
        actor: str | None = None,
        definition: str | None = None,
    ) -> list[Change]: ...

    def change_page(
        self,
        after: int | None = None,
        limit: int | None = None,
        *,
        actor: str | None = None,
        definition: str | None = None,
    ) -> tuple[list[Change], int]: ...

    def change_page_before(
        self,
        before: int | None = None,
        limit: int | None = None,
        *,
        actor: str | None = None,
        definition: str | None = None,
    ) -> tuple[list[Change], int]: ...

    def last_change(self) -> int: ...

    def follow(
        self,
        after: int | None = None,
        *,
        actor: str | None = None,
        definition: str | None = None,
        timeout: float | None = None,
    ) -> Iterator[Change]: ...

    # ----- reads ------------------------------------------------------------------------------

    def get(self, actor_id: str) -> Actor: ...

    def history(
        self,
        actor_id: str,
        after: int | None = None,
        limit: int | None = None,
        *,
        before: int | None = None,
        newest_first: bool = False,
    ) -> list[HistoryEntry]: ...

    def decisions(self, actor_id: str | None = None, deployment: str | None = None) -> list[Decision]: ...

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
    ) -> list[Actor]: ...

    # ----- keys and the store -------------------------------------------------------------------

    def create_api_key(self, scope: str, *, name: str | None = None) -> ApiKey: ...

    def api_keys(self) -> list[ApiKey]: ...

    def revoke_api_key(self, key_id: str) -> None: ...

    # ----- webhooks ---------------------------------------------------------------------------

    def add_webhook(
        self,
        url: str,
        *,
        description: str | None = None,
        definitions: Sequence[str] | None = None,
        kinds: Sequence[str] | None = None,
        actions: Sequence[str] | None = None,
        enabled: bool = True,
    ) -> Webhook: ...

    def webhooks(self) -> list[Webhook]: ...

    def webhook(self, webhook_id: str) -> Webhook: ...

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
    ) -> Webhook: ...

    def remove_webhook(self, webhook_id: str) -> None: ...

    def rotate_webhook_secret(self, webhook_id: str, *, overlap: float = 86400.0) -> Webhook: ...

    def webhook_deliveries(
        self, webhook_id: str, *, dead: bool = False, after: int | None = None, limit: int | None = None
    ) -> list[WebhookDelivery]: ...

    def redeliver(self, webhook_id: str, *, seq: int | None = None, since: float | None = None) -> int: ...

    def backup(self, dest: str | os.PathLike[str]) -> None: ...

    def rotate_key(
        self,
        new_key: bytes | str | None = None,
        *,
        batch: int = 1_000,
        progress: Callable[[int, int], None] | None = None,
        wait: float = 60.0,
    ) -> None: ...

    def close(self) -> None: ...

    def __enter__(self) -> Self: ...

    def __exit__(self, *exc: object) -> None: ...
