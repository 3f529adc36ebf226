"""Ending background tasks: cancel, then wait, without swallowing our own cancellation."""

from __future__ import annotations

import asyncio
from typing import Any

import structlog

log = structlog.get_logger(__name__)


async def cancel_and_wait(*tasks: asyncio.Task[Any]) -> None:
    """Cancel ``tasks`` and wait for them to end.

    Their CancelledError is expected and absorbed; one aimed at the caller (it is being cancelled
    itself while it waits) is raised again. A task that had failed is logged, not raised, so the
    rest of a shutdown still happens.
    """
    for task in tasks:
        task.cancel()
    for task in tasks:
        try:
            await task
        except asyncio.CancelledError:
            current = asyncio.current_task()
            if current is not None and current.cancelling():
                raise
        except Exception:
            log.exception("background task had failed", task=task.get_name())
