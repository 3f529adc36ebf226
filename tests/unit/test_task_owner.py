"""The task owner: a failed task is logged by name, and closing cancels and awaits the rest."""

from __future__ import annotations

import asyncio

from structlog.testing import capture_logs

from assistant.task_owner import TaskOwner


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
