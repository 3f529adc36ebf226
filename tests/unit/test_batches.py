"""cloud.requests.batching: items submitted while a batch is in flight leave together, each
submitter
gets its own outcome, and nothing waits forever when the owner stops."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator, Sequence

import pytest

from cloud.requests.batching import Batches, StoppedError


class Recorder:
    """A batch handler that doubles numbers, fails on negatives, and can be held mid-batch."""

    def __init__(self) -> None:
        self.batches: list[list[int]] = []
        self.gate = asyncio.Event()
        self.gate.set()

    async def __call__(self, items: Sequence[int]) -> list[int | Exception]:
        self.batches.append(list(items))
        await self.gate.wait()
        if any(item == 666 for item in items):
            raise RuntimeError("the whole batch failed")
        return [ValueError(f"negative {item}") if item < 0 else 2 * item for item in items]


@contextlib.asynccontextmanager
async def running(batches: Batches[int, int]) -> AsyncIterator[asyncio.Task[None]]:
    task = asyncio.create_task(batches.run())
    await asyncio.sleep(0)
    try:
        yield task
    finally:
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await task


async def test_items_waiting_behind_a_busy_worker_leave_in_one_batch() -> None:
    """While the only worker is busy, twenty submissions pile up and go out as one batch."""
    handler = Recorder()
    batches = Batches("test", handler, max_batch=100, workers=1)
    async with running(batches):
        handler.gate.clear()
        first = asyncio.create_task(batches.submit(1))
        await asyncio.sleep(0.01)
        rest = [asyncio.create_task(batches.submit(n)) for n in range(2, 22)]
        await asyncio.sleep(0.01)
        handler.gate.set()
        results = await asyncio.gather(first, *rest)
    assert results == [2 * n for n in range(1, 22)]
    assert handler.batches == [[1], list(range(2, 22))]
    assert batches.batches_done == 2


async def test_a_batch_never_holds_more_than_max_batch() -> None:
    handler = Recorder()
    batches = Batches("test", handler, max_batch=3, workers=1)
    async with running(batches):
        await asyncio.gather(*(batches.submit(n) for n in range(7)))
    assert max(len(batch) for batch in handler.batches) <= 3
    assert sorted(n for batch in handler.batches for n in batch) == list(range(7))


async def test_an_item_error_reaches_only_its_submitter() -> None:
    handler = Recorder()
    batches = Batches("test", handler, max_batch=10, workers=1)
    async with running(batches):
        outcomes = await asyncio.gather(
            batches.submit(5), batches.submit(-1), batches.submit(7), return_exceptions=True
        )
    assert (outcomes[0], outcomes[2]) == (10, 14)
    assert isinstance(outcomes[1], ValueError)


async def test_a_failed_batch_fails_each_of_its_submitters_and_the_workers_go_on() -> None:
    handler = Recorder()
    batches = Batches("test", handler, max_batch=10, workers=1)
    async with running(batches):
        outcomes = await asyncio.gather(
            batches.submit(666), batches.submit(1), return_exceptions=True
        )
        assert all(isinstance(outcome, RuntimeError) for outcome in outcomes)
        assert await batches.submit(4) == 8


async def test_submitting_to_batches_that_do_not_run_is_refused() -> None:
    batches = Batches("test", Recorder(), max_batch=10, workers=1)
    with pytest.raises(StoppedError):
        await batches.submit(1)
    with pytest.raises(StoppedError):
        batches.submit_nowait(1)


async def test_stopping_fails_the_waiting_items_instead_of_leaving_them_hanging() -> None:
    """Cancelled mid-batch: the batch in flight and the items behind it all get StoppedError."""
    handler = Recorder()
    batches = Batches("test", handler, max_batch=1, workers=1)
    async with running(batches):
        handler.gate.clear()
        waiting = [asyncio.create_task(batches.submit(n)) for n in range(3)]
        await asyncio.sleep(0.01)
    outcomes = await asyncio.gather(*waiting, return_exceptions=True)
    assert all(isinstance(outcome, StoppedError) for outcome in outcomes)


async def test_fire_and_forget_items_are_handled_and_a_full_queue_drops_the_excess() -> None:
    handler = Recorder()
    batches = Batches("test", handler, max_batch=100, workers=1, max_waiting=2)
    async with running(batches):
        handler.gate.clear()
        batches.submit_nowait(1)
        await asyncio.sleep(0.01)  # the worker holds [1]; two may wait behind it
        for n in (2, 3, 4):
            batches.submit_nowait(n)
        handler.gate.set()
        await asyncio.sleep(0.05)
    assert handler.batches == [[1], [2, 3]]


async def test_a_fire_and_forget_items_callback_runs_once_it_is_settled_whatever_the_outcome() -> (
    None
):
    """``then`` runs after the item's batch is handled (not when it is queued), and also for an
    item that failed, one dropped from a full queue, and one failed because the owner stopped."""
    handler = Recorder()
    batches = Batches("test", handler, max_batch=1, workers=1, max_waiting=2)
    settled: list[int] = []
    async with running(batches):
        handler.gate.clear()
        batches.submit_nowait(1, then=lambda: settled.append(1))
        await asyncio.sleep(0.01)  # the worker holds [1]
        assert settled == []
        batches.submit_nowait(-2, then=lambda: settled.append(-2))
        batches.submit_nowait(3, then=lambda: settled.append(3))
        batches.submit_nowait(4, then=lambda: settled.append(4))  # the queue is full: dropped
        assert settled == [4]
        handler.gate.set()
        await asyncio.sleep(0.05)
        assert settled == [4, 1, -2, 3]
        handler.gate.clear()
        batches.submit_nowait(5, then=lambda: settled.append(5))
        batches.submit_nowait(6, then=lambda: settled.append(6))
        await asyncio.sleep(0.01)
    assert settled == [4, 1, -2, 3, 5, 6]
