"""Work submitted by many tasks, done together: one database round trip (and one commit) for a
whole batch instead of one per item.

There is no timer and no minimum size. A worker takes everything waiting the moment it is free,
so a lone request goes at once and, under load, items pile up behind the work in flight and leave
together: the batch grows with the load, and latency stays one batch deep. A few workers overlap
their round trips, so the database always has the next batch while one commits.
"""

from __future__ import annotations

import asyncio
import collections
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from typing import Generic, TypeVar

import structlog

from jarvis.tasks import cancel_and_wait

log = structlog.get_logger(__name__)

T = TypeVar("T")
R = TypeVar("R")

Handler = Callable[[Sequence[T]], Awaitable[Sequence[R | Exception]]]
"""A batch in; per item, its result or the error that item alone met (raised to its submitter)."""


class StoppedError(RuntimeError):
    """The instance is stopping: the item was not handled (the edge sends it again)."""


@dataclass(slots=True)
class _Waiting(Generic[T, R]):
    item: T
    future: asyncio.Future[R] | None
    """None for fire-and-forget items (``submit_nowait``)."""
    then: Callable[[], None] | None = None
    """A fire-and-forget item's callback, called once it is settled, whatever the outcome."""


class Batches(Generic[T, R]):
    """Items in, batches to ``handle``, each item's outcome back to whoever submitted it.

    ``handle`` gets up to ``max_batch`` items and returns one outcome per item, in order; an
    exception it raises fails the whole batch. ``run`` is the owner: submitting before it starts
    or after it ends raises StoppedError, and items still waiting when it ends fail with it.
    """

    def __init__(
        self,
        name: str,
        handle: Handler[T, R],
        *,
        max_batch: int,
        workers: int,
        max_waiting: int = 50_000,
    ) -> None:
        self.name = name
        self._handle = handle
        self._max_batch = max_batch
        self._workers = workers
        self._max_waiting = max_waiting
        """Fire-and-forget items beyond this many waiting are dropped (and logged)."""
        self._waiting: collections.deque[_Waiting[T, R]] = collections.deque()
        self._ready = asyncio.Event()
        self._running = False
        self.batches_done = 0
        """How many batches were handled (items ÷ this is the average batch size)."""

    async def submit(self, item: T) -> R:
        """Wait until ``item``'s batch is done; its result, or its error raised here."""
        return await self.enqueue(item)

    def enqueue(self, item: T) -> asyncio.Future[R]:
        """Queue ``item`` now; the future holds its outcome once its batch is done."""
        self._check_running()
        future: asyncio.Future[R] = asyncio.get_running_loop().create_future()
        self._waiting.append(_Waiting(item, future))
        self._ready.set()
        return future

    def submit_nowait(self, item: T, *, then: Callable[[], None] | None = None) -> None:
        """Queue ``item`` and return at once; its outcome is only logged if it fails.

        ``then`` is called once the item is settled: handled, failed, dropped because too many
        wait, or failed because the instance stopped."""
        self._check_running()
        if len(self._waiting) >= self._max_waiting:
            log.warning("batch queue full; item dropped", batches=self.name)
            if then is not None:
                then()
            return
        self._waiting.append(_Waiting(item, None, then))
        self._ready.set()

    def _check_running(self) -> None:
        if not self._running:
            raise StoppedError(f"{self.name}: the cloud instance is not serving")

    async def run(self) -> None:
        """Serve batches with ``workers`` tasks until cancelled."""
        self._running = True
        workers = [
            asyncio.create_task(self._work(), name=f"{self.name} worker {index}")
            for index in range(self._workers)
        ]
        try:
            await asyncio.gather(*workers)
        finally:
            self._running = False
            try:
                await cancel_and_wait(*workers)
            finally:  # even as our own cancellation goes on up: nobody may wait forever
                stopped = StoppedError(f"{self.name}: the cloud instance is stopping")
                while self._waiting:
                    _settle(self._waiting.popleft(), stopped)

    async def _work(self) -> None:
        while True:
            await self._ready.wait()
            batch = self._take()
            if not batch:
                continue
            try:
                outcomes: Sequence[R | Exception] = await self._handle([w.item for w in batch])
                if len(outcomes) != len(batch):
                    raise RuntimeError(f"{len(outcomes)} outcomes for {len(batch)} items")
            except asyncio.CancelledError:
                stopped = StoppedError(f"{self.name}: the cloud instance is stopping")
                for waiting in batch:
                    _settle(waiting, stopped)
                raise
            except Exception as error:
                log.exception("batch failed", batches=self.name, size=len(batch))
                outcomes = [error] * len(batch)
            self.batches_done += 1
            for waiting, outcome in zip(batch, outcomes, strict=True):
                _settle(waiting, outcome)

    def _take(self) -> list[_Waiting[T, R]]:
        """Up to ``max_batch`` waiting items; clears the flag once nothing is left."""
        count = min(len(self._waiting), self._max_batch)
        batch = [self._waiting.popleft() for _ in range(count)]
        if not self._waiting:
            self._ready.clear()
        return batch


def _settle(waiting: _Waiting[T, R], outcome: R | Exception) -> None:
    future = waiting.future
    if future is None:
        if isinstance(outcome, Exception):
            log.warning("queued item failed", error=str(outcome))
        if waiting.then is not None:
            waiting.then()
        return
    if future.done():  # its submitter gave up (the link closed): nobody to tell
        return
    if isinstance(outcome, Exception):
        future.set_exception(outcome)
    else:
        future.set_result(outcome)
