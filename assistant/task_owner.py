"""The tasks one object starts: each one logged if it fails, all cancelled and awaited on close.

The voice loop and a console talk session each own a few long-running tasks (listening,
speaking, forwarding replies); this is the one place that keeps them, so none is left running
and none fails unheard. A task started alone is stopped with ``jarvis.tasks.cancel_and_wait``.
"""

from __future__ import annotations

import asyncio
from collections.abc import Coroutine
from typing import Any

import structlog

from jarvis.tasks import cancel_and_wait

log = structlog.get_logger(__name__)


class TaskOwner:
    """Owns tasks until they end or :meth:`cancel_all`; ``failed_event`` names the log line."""

    def __init__(self, failed_event: str) -> None:
        self._failed_event = failed_event
        self._tasks: set[asyncio.Task[Any]] = set()

    def spawn(self, coroutine: Coroutine[Any, Any, Any], name: str) -> asyncio.Task[Any]:
        task = asyncio.create_task(coroutine, name=name)
        self._tasks.add(task)
        task.add_done_callback(self._finished)
        return task

    def names(self) -> set[str]:
        """The names of the tasks still running."""
        return {task.get_name() for task in self._tasks}

    def _finished(self, task: asyncio.Task[Any]) -> None:
        self._tasks.discard(task)
        if not task.cancelled() and task.exception() is not None:
            log.error(self._failed_event, task=task.get_name(), error=repr(task.exception()))

    async def cancel_all(self) -> None:
        """Cancel every task and wait for all of them; a cancel of the caller goes through."""
        await cancel_and_wait(*self._tasks)
