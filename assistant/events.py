"""Fan-out of replies to everyone listening: the SSE stream now, the speaker later."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import structlog

from models import Reply

log = structlog.get_logger(__name__)

WAKE_EVENT_KIND = "wake"
"""The ``kind`` of what the voice loop publishes when the wake word is heard: ``/v1/events``
sends it as a ``wake`` event, and it is never spoken."""
SUBSCRIBER_QUEUE_SIZE = 256
"""Replies a slow listener may fall behind by before it starts losing the oldest ones."""


class ReplyBus:
    """Publishes each reply to every current subscriber without ever blocking the publisher."""

    def __init__(self) -> None:
        self._subscribers: set[asyncio.Queue[Reply]] = set()

    def publish(self, reply: Reply) -> None:
        for queue in self._subscribers:
            if queue.full():
                # A stalled listener must not stall Jarvis: drop its oldest reply.
                queue.get_nowait()
                log.warning("reply_bus.listener_lagging", dropped=1)
            queue.put_nowait(reply)

    @asynccontextmanager
    async def subscribe(self) -> AsyncIterator[asyncio.Queue[Reply]]:
        queue: asyncio.Queue[Reply] = asyncio.Queue(maxsize=SUBSCRIBER_QUEUE_SIZE)
        self._subscribers.add(queue)
        try:
            yield queue
        finally:
            self._subscribers.discard(queue)

    @property
    def subscriber_count(self) -> int:
        return len(self._subscribers)
