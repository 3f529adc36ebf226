"""Real TCP peers for the satellite link's tests, and a wait for what they count."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator, Awaitable, Callable

WAIT_S = 10.0
POLL_S = 0.05

Serve = Callable[[asyncio.StreamReader, asyncio.StreamWriter], Awaitable[None]]


@contextlib.asynccontextmanager
async def serving(serve: Serve) -> AsyncIterator[str]:
    """``serve`` on a free loopback port; yields its ``tcp://`` address."""
    server = await asyncio.start_server(serve, "127.0.0.1", 0)
    async with server:
        yield f"tcp://127.0.0.1:{server.sockets[0].getsockname()[1]}"


async def until(condition: Callable[[], bool], what: str) -> None:
    """Return once ``condition`` holds; fail naming ``what`` after ``WAIT_S``."""
    for _ in range(round(WAIT_S / POLL_S)):
        if condition():
            return
        await asyncio.sleep(POLL_S)
    raise AssertionError(f"no {what} within {WAIT_S} s")
