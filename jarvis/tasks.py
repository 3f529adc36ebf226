"""Stopping a task: cancel it, then wait until it has ended, never swallowing the caller's
cancellation. The one way both programs stop the tasks they started (the edge's skills, link and
event writer; the cloud's sockets, batch workers and background loops)."""

from __future__ import annotations

import asyncio
from typing import Any

import structlog

log = structlog.get_logger(__name__)


async def cancel_and_wait(*tasks: asyncio.Task[Any] | None) -> list[Any]:
    """Cancel ``tasks`` (``None`` stands for one never started) and wait until each has ended.

    Each task's own ending — its cancellation, its error or its value — is returned, in order,
    never raised here; an error is logged too, so a shutdown goes on and no failure goes
    unheard. A cancellation of the caller is raised, not swallowed: it cancels the tasks once
    more (a cleanup that waits is cut short), and is raised once they have ended."""
    started = [task for task in tasks if task is not None]
    for task in started:
        task.cancel()
    if not started:
        return []
    ended = await asyncio.gather(*started, return_exceptions=True)
    for task, ending in zip(started, ended, strict=True):
        if isinstance(ending, Exception):
            log.error("background task had failed", task=task.get_name(), exc_info=ending)
    return ended
