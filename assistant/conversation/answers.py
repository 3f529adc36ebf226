"""How an utterance ends: its reply kept in the history and published to every listener, and
remembered for "say that again". Also the owner of the tasks that answer later."""

from __future__ import annotations

import asyncio
from typing import Any

import structlog

from assistant.events import ReplyBus
from assistant.history import History, Status, UtteranceRecord
from jarvis.tasks import cancel_and_wait
from models import Reply
from models import intent_names as names

log = structlog.get_logger(__name__)


class Answers:
    """Ends utterances and publishes news. Owns the tasks that will answer a pending utterance
    ("working on it", a failed forward); ``close()`` cancels and awaits them."""

    def __init__(self, history: History, bus: ReplyBus) -> None:
        self._history = history
        self._bus = bus
        self._waiting: dict[str, asyncio.Task[Any]] = {}
        self.last_reply: str | None = None
        """What was said last, for "say that again"."""

    async def finish(
        self,
        record: UtteranceRecord,
        *,
        status: Status,
        reply: str,
        error: str | None = None,
        follow_up_at: float | None = None,
    ) -> UtteranceRecord:
        """``record`` ends with ``reply``: kept, remembered and published."""
        done = await self._history.finish(
            record, status=status, reply=reply, error=error, follow_up_at=follow_up_at
        )
        # "say that again" repeats what was said before, not itself.
        if record.intent != names.ASSISTANT_REPEAT:
            self.last_reply = reply
        self._bus.publish(
            Reply(text=reply, utterance_id=record.id, kind="reply", follow_up_at=follow_up_at)
        )
        log.info("utterance.answered", utterance_id=record.id, status=done.status)
        return done

    def news(self, reply: Reply) -> None:
        """Publish ``reply`` as it came (a reminder, news about a request); it is what "say that
        again" repeats."""
        self.last_reply = reply.text
        self._bus.publish(reply)

    def publish(self, reply: Reply) -> None:
        """Publish ``reply`` without making it what "say that again" repeats ("working on it")."""
        self._bus.publish(reply)

    def own(self, utterance_id: str, task: asyncio.Task[Any]) -> None:
        """``task`` will answer ``utterance_id``; :meth:`stop_waiting` cancels it."""
        self._waiting[utterance_id] = task
        task.add_done_callback(lambda _: self._waiting.pop(utterance_id, None))

    def stop_waiting(self, utterance_id: str) -> None:
        """The answer came: the task waiting to answer it (if any) has nothing left to say."""
        waiting = self._waiting.pop(utterance_id, None)
        if waiting:
            waiting.cancel()

    async def close(self) -> None:
        await cancel_and_wait(*self._waiting.values())
