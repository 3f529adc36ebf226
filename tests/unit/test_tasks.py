"""Stopping tasks (``jarvis.tasks.cancel_and_wait``): cancelled, waited for, endings returned,
failures logged, and the caller's own cancellation never swallowed."""

from __future__ import annotations

import asyncio

import pytest
from structlog.testing import capture_logs

from jarvis.tasks import cancel_and_wait


async def test_cancel_and_wait_returns_how_each_task_ended() -> None:
    """A running task is cancelled and waited for, one that failed or finished before is only
    waited for; each ending is returned in order, none raised (a failure is logged by the task's
    name), and ``None`` is skipped."""

    async def fail() -> None:
        raise ValueError("broken")

    async def finish() -> str:
        return "done"

    running = asyncio.create_task(asyncio.Event().wait())
    failed = asyncio.create_task(fail(), name="failing")
    finished = asyncio.create_task(finish())
    await asyncio.sleep(0)
    with capture_logs() as logs:
        ended = await cancel_and_wait(running, None, failed, finished)
    assert [type(e).__name__ if isinstance(e, BaseException) else e for e in ended] == [
        "CancelledError",
        "ValueError",
        "done",
    ]
    assert running.cancelled()
    assert [(e["event"], e["task"]) for e in logs] == [("background task had failed", "failing")]


async def test_a_caller_cancelled_while_stopping_a_task_is_cancelled() -> None:
    """Cancelling whoever waits for a task to stop cancels it too: the wait does not swallow
    that cancellation (as ``suppress(CancelledError)`` around ``await task`` would)."""
    stopping = asyncio.Event()

    async def slow_to_stop() -> None:
        try:
            await asyncio.Event().wait()
        finally:
            stopping.set()
            await asyncio.Event().wait()  # its cleanup waits; a second cancel ends it

    task = asyncio.create_task(slow_to_stop())
    await asyncio.sleep(0)
    stopper = asyncio.create_task(cancel_and_wait(task))
    await stopping.wait()
    stopper.cancel()
    with pytest.raises(asyncio.CancelledError):
        await stopper
    assert stopper.cancelled()
    assert task.done()
