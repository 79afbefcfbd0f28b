"""The routes, a module per resource. A handler reads its request, calls the keep and returns
the result in the wire form (``statekeep.wire``); writes go through the group committer, so
many concurrent requests share one sync, and everything else runs in a worker thread, off the
event loop. The frame around every handler (keys, errors, metrics) is ``statekeep.service.app``'s.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from starlette.requests import Request

from statekeep.api import KeepAPI
from statekeep.service.auth import KeyCache
from statekeep.service.batcher import GroupCommitter
from statekeep.service.metrics import Metrics

if TYPE_CHECKING:
    from statekeep.service.routes.changes import ChangeSignal


@dataclass(frozen=True)
class Service:
    """What the handlers share."""

    keep: KeepAPI
    #: Group commit of the write calls.
    commits: GroupCommitter
    keys: KeyCache
    metrics: Metrics
    #: The store's figures for the metrics page: actors per version, scans.
    stats: Callable[[], dict[str, Any]]
    #: The keep's background workers: name -> (failed attempts since the last success, last error).
    workers: Callable[[], dict[str, tuple[int, str | None]]]
    #: Wakes the change streams when this process commits changes.
    changes: ChangeSignal


#: A route's handler: its result is a Response, or data sent as JSON.
Handler = Callable[[Service, Request], Awaitable[Any]]
