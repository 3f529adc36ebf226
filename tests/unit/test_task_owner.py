"""The task owner: a failed task is logged by name, and closing cancels and awaits the rest;
``cancel_and_wait`` stops any task so, without swallowing its caller's cancellation."""

from __future__ import annotations

import asyncio

import pytest
from structlog.testing import capture_logs

from assistant.task_owner import TaskOwner, cancel_and_wait


async def test_a_failed_task_is_logged_with_its_name() -> None:
    """A task that raises is not lost silently: one error line names it and its error."""
    owner = TaskOwner("test.task_failed")

    async def fail() -> None:
        raise ValueError("broken")

    with capture_logs() as logs:
        task = owner.spawn(fail(), "failing")
        await asyncio.gather(task, return_exceptions=True)
        await asyncio.sleep(0)  # the done callback runs on the next turn of the loop
    assert [(e["event"], e["task"], e["error"]) for e in logs] == [
        ("test.task_failed", "failing", "ValueError('broken')")
    ]


async def test_cancel_all_cancels_and_awaits_every_running_task() -> None:
    """Closing leaves no task running, and a task's own cleanup has run by then."""
    owner = TaskOwner("test.task_failed")
    cleaned: list[str] = []

    async def forever(name: str) -> None:
        try:
            await asyncio.Event().wait()
        finally:
            cleaned.append(name)

    tasks = [owner.spawn(forever(name), name) for name in ("a", "b")]
    await asyncio.sleep(0)
    assert owner.names() == {"a", "b"}
    await owner.cancel_all()
    assert owner.names() == set()
    assert all(task.cancelled() for task in tasks)
    assert sorted(cleaned) == ["a", "b"]


async def test_cancel_and_wait_returns_how_each_task_ended() -> None:
    """A running task is cancelled and waited for, one that failed or finished before is only
    waited for; each ending is returned in order, none raised, and ``None`` is skipped."""

    async def fail() -> None:
        raise ValueError("broken")

    async def finish() -> str:
        return "done"

    running = asyncio.create_task(asyncio.Event().wait())
    failed, finished = asyncio.create_task(fail()), asyncio.create_task(finish())
    await asyncio.sleep(0)
    ended = await cancel_and_wait(running, None, failed, finished)
    assert [type(e).__name__ if isinstance(e, BaseException) else e for e in ended] == [
        "CancelledError",
        "ValueError",
        "done",
    ]
    assert running.cancelled()


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
