"""Replies that cannot be spoken (text only, no speaker) are handed to a printer instead, so a
timer that rings while nobody has a client open still reaches the person at the terminal."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from contextlib import AsyncExitStack

import structlog

from assistant.events import ReplyBus
from jarvis.tasks import cancel_and_wait
from models import Reply

log = structlog.get_logger(__name__)


async def print_replies(
    stack: AsyncExitStack, bus: ReplyBus, on_reply: Callable[[Reply], None]
) -> None:
    """Hand every reply published from now on to ``on_reply`` until ``stack`` closes. Subscribed
    before this returns, so the alerts of the skills started next (a timer that ended while the
    edge was off) are printed too."""
    replies = await stack.enter_async_context(bus.subscribe())
    task = asyncio.create_task(_forward(replies, on_reply), name="reply-printer")
    stack.push_async_callback(cancel_and_wait, task)


async def _forward(replies: asyncio.Queue[Reply], on_reply: Callable[[Reply], None]) -> None:
    while True:
        reply = await replies.get()
        if not reply.text.strip():  # a request marked cancelled says nothing
            continue
        try:
            on_reply(reply)
        except Exception:
            log.exception("reply_printer.failed")
