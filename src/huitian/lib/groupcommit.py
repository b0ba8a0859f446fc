"""Group commit: requests that arrive together are written together.

Each caller awaits `submit(item)`; one worker task takes everything waiting (up to `max_batch`) and runs
`run_batch(items)` in a thread, which writes them in one transaction and returns one result (or one
exception) per item, in order. Under load, one BEGIN/COMMIT and one multi-row INSERT serve many
requests; when idle, a lone request goes through at once (no timer, no added latency).
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from typing import Generic, TypeVar

from starlette.concurrency import run_in_threadpool

T = TypeVar("T")
R = TypeVar("R")


class GroupCommit(Generic[T, R]):
    def __init__(
        self,
        run_batch: Callable[[list[T]], list[R | BaseException]],
        *,
        max_batch: int = 64,
        workers: int = 1,
    ) -> None:
        self.run_batch = run_batch
        self.max_batch = max_batch
        self.workers = workers
        self._queue: asyncio.Queue[tuple[T, asyncio.Future[R]]] | None = None
        self._tasks: list[asyncio.Task] = []

    def start(self) -> None:
        self._queue = asyncio.Queue()
        self._tasks = [asyncio.create_task(self._work()) for _ in range(self.workers)]

    async def stop(self) -> None:
        for task in self._tasks:
            task.cancel()
        await asyncio.gather(*self._tasks, return_exceptions=True)
        self._tasks = []

    async def submit(self, item: T) -> R:
        if self._queue is None:
            raise RuntimeError("GroupCommit used before start()")
        future: asyncio.Future[R] = asyncio.get_running_loop().create_future()
        self._queue.put_nowait((item, future))
        return await future

    async def _work(self) -> None:
        assert self._queue is not None
        while True:
            batch = [await self._queue.get()]
            while len(batch) < self.max_batch and not self._queue.empty():
                batch.append(self._queue.get_nowait())
            try:
                results = await run_in_threadpool(self.run_batch, [item for item, _ in batch])
            except asyncio.CancelledError:
                for _, future in batch:
                    future.cancel()
                raise
            except Exception as exc:  # the whole batch failed: every caller hears why
                results = [exc] * len(batch)
            for (_, future), result in zip(batch, results, strict=True):
                if future.done():
                    continue
                if isinstance(result, BaseException):
                    future.set_exception(result)
                else:
                    future.set_result(result)
