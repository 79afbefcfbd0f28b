"""Group commit for the service: concurrent write requests share one synced transaction.

Requests queue their call while a group is being committed; when it is done, everything that
queued meanwhile goes in the next group. So under load each sync acknowledges many requests,
and a lone request still commits at once. One thread does the writing, which is all LMDB
allows anyway; the event loop stays free to parse the next requests.
"""

from __future__ import annotations

import asyncio
from collections.abc import Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from typing import Any

from statekeep.keep import Keep

#: Calls per group: bounds how long one sync holds the writer.
MAX_GROUP = 2_000

_Call = tuple[str, Sequence[Any], Mapping[str, Any]]


class GroupCommitter:
    def __init__(self, keep: Keep) -> None:
        self._keep = keep
        self._pending: list[tuple[_Call, asyncio.Future[Any]]] = []
        self._writer = ThreadPoolExecutor(max_workers=1, thread_name_prefix="statekeep-commit")
        self._running = False
        self.groups = 0
        self.calls = 0

    async def call(self, name: str, *args: Any, **kwargs: Any) -> Any:
        """Run ``keep.<name>(*args, **kwargs)`` in the next group; returns once it is durable."""
        future: asyncio.Future[Any] = asyncio.get_running_loop().create_future()
        self._pending.append(((name, args, kwargs), future))
        if not self._running:
            self._running = True
            asyncio.get_running_loop().create_task(self._drain())
        return await future

    async def _drain(self) -> None:
        loop = asyncio.get_running_loop()
        try:
            while self._pending:
                group, self._pending = self._pending[:MAX_GROUP], self._pending[MAX_GROUP:]
                try:
                    results = await loop.run_in_executor(self._writer, self._keep.run_group, [c for c, _ in group])
                except BaseException as e:  # noqa: BLE001 - the whole group failed: a server fault, every caller sees it
                    for _, future in group:
                        if not future.done():
                            future.set_exception(e)
                    continue
                self.groups += 1
                self.calls += len(group)
                for (_, future), result in zip(group, results, strict=True):
                    if future.done():
                        continue  # the request went away; its write stands
                    if isinstance(result, BaseException):
                        future.set_exception(result)
                    else:
                        future.set_result(result)
        finally:
            self._running = False

    def close(self) -> None:
        self._writer.shutdown(wait=True)
