"""Fan-out of replies to everyone listening, and the history of them, so nothing goes unheard.

Every reply published (an answer, a timer that rang, a reminder from the cloud) becomes an
``Event`` with an id that only grows, kept in memory for replay and written to the edge database
(``assistant.event_log``) behind the publisher's back: publishing never waits and never blocks.

An SSE client that reconnects with ``Last-Event-ID`` gets every event it missed; a client that
connects afresh gets the alerts of the last ``UNSEEN_ALERTS_S`` that no client has seen (a timer
that rang during start-up, before anyone listened). Alerts are replies that are not answers
(``kind`` other than ``reply`` and ``progress``).
"""

from __future__ import annotations

import asyncio
import contextlib
import dataclasses
import time
from collections import deque
from collections.abc import AsyncIterator, Callable, Iterable
from contextlib import asynccontextmanager
from dataclasses import dataclass
from typing import Protocol

import structlog

from assistant import replies
from jarvis.tasks import cancel_and_wait
from models import Reply

log = structlog.get_logger(__name__)

WAKE_EVENT_KIND = "wake"
"""The ``kind`` of what the voice loop publishes when the wake word is heard: ``/v1/events``
sends it as a ``wake`` event, and it is never spoken."""
SUBSCRIBER_QUEUE_SIZE = 256
"""Replies a slow listener may fall behind by before it starts losing the oldest ones."""
RECENT_EVENTS = 1000
"""Events kept in memory for clients that reconnect with ``Last-Event-ID``."""
UNSEEN_ALERTS_S = 600.0
"""A new client is given the alerts of this many last seconds that no client has seen."""
ANSWER_KINDS = frozenset({"reply", "progress", WAKE_EVENT_KIND})
"""Kinds that are no alert: answers to what was said, and the wake word heard (a new client is
never told, minutes later, that Jarvis woke)."""
TOLD_LATE_AFTER_S = 60.0
"""An alert replayed this long after it happened says how long ago it was."""


@dataclass(frozen=True, slots=True)
class Event:
    """One published reply, with its place in the history."""

    id: int
    """Grows with every event, across restarts (microseconds since the epoch, made unique)."""
    ts: float
    """Seconds since the epoch when it was published."""
    reply: Reply

    @property
    def is_alert(self) -> bool:
        """Something that happened (a timer, a reminder), not an answer to what was said."""
        return self.reply.kind not in ANSWER_KINDS

    def told_at(self, now: float) -> Reply:
        """The reply as told at ``now``: an alert told a minute or more after it happened (to a
        client that was away) says how long ago that was."""
        late_s = now - self.ts
        if not self.is_alert or late_s < TOLD_LATE_AFTER_S or not self.reply.text:
            return self.reply
        text = f"{self.reply.text} That was {replies.approximate_duration(late_s)} ago."
        return dataclasses.replace(self.reply, text=text)


class EventStore(Protocol):
    """Where events are kept across restarts (``assistant.event_log.EventLog``)."""

    async def recent(self, limit: int) -> list[tuple[Event, bool]]:
        """The newest ``limit`` events, oldest first, each with whether a client saw it."""
        ...

    async def add(self, event: Event) -> None: ...

    async def mark_seen(self, event_ids: Iterable[int]) -> None: ...


class ReplyBus:
    """Publishes each reply to every current subscriber without ever blocking the publisher,
    and keeps the recent ones for clients that missed them."""

    def __init__(
        self, store: EventStore | None = None, clock: Callable[[], float] = time.time
    ) -> None:
        self._subscribers: set[asyncio.Queue[Reply]] = set()
        self._streams: set[asyncio.Queue[Event]] = set()
        self._recent: deque[Event] = deque(maxlen=RECENT_EVENTS)
        self._seen: set[int] = set()
        """Ids of the recent alerts some client was sent."""
        self._last_id = 0
        self._store = store
        self._clock = clock
        self._writes: asyncio.Queue[Event | list[int]] = asyncio.Queue()
        self._writer: asyncio.Task[None] | None = None

    async def start(self) -> None:
        """Load the recent history and start writing new events to the store."""
        if self._store is None:
            return
        for event, seen in await self._store.recent(RECENT_EVENTS):
            self._recent.append(event)
            self._last_id = max(self._last_id, event.id)
            if seen:
                self._seen.add(event.id)
        self._writer = asyncio.create_task(self._write_forever(), name="event-log")

    async def close(self) -> None:
        """Write what is still queued, then stop the writer."""
        if self._writer is None:
            return
        with contextlib.suppress(TimeoutError):
            async with asyncio.timeout(5.0):
                await self._writes.join()
        await cancel_and_wait(self._writer)
        self._writer = None

    def publish(self, reply: Reply) -> None:
        now = self._clock()
        self._last_id = max(self._last_id + 1, int(now * 1_000_000))
        event = Event(self._last_id, now, reply)
        self._recent.append(event)
        for queue in self._subscribers:
            _put(queue, reply)
        for stream in self._streams:
            _put(stream, event)
        if self._store is not None:
            self._writes.put_nowait(event)

    def now(self) -> float:
        """Seconds since the epoch, on the clock events are stamped with."""
        return self._clock()

    def seen(self, event: Event) -> None:
        """A client was sent ``event``: a new client is not given it again."""
        if event.is_alert and event.id not in self._seen:
            self._seen.add(event.id)
            if self._store is not None:
                self._writes.put_nowait([event.id])

    @asynccontextmanager
    async def subscribe(self) -> AsyncIterator[asyncio.Queue[Reply]]:
        """Every reply from now on (the speaker's view: what is past is not said again)."""
        queue: asyncio.Queue[Reply] = asyncio.Queue(maxsize=SUBSCRIBER_QUEUE_SIZE)
        self._subscribers.add(queue)
        try:
            yield queue
        finally:
            self._subscribers.discard(queue)

    @asynccontextmanager
    async def stream(
        self, last_event_id: int | None, *, replay: bool = True
    ) -> AsyncIterator[asyncio.Queue[Event]]:
        """Every event from now on, after those the client missed (unless not ``replay``):
        all after ``last_event_id`` when given, else the alerts of the last
        ``UNSEEN_ALERTS_S`` that no client has seen. Replay and live events come in order, none
        twice."""
        queue: asyncio.Queue[Event] = asyncio.Queue(maxsize=SUBSCRIBER_QUEUE_SIZE + RECENT_EVENTS)
        # No await between the snapshot and subscribing: nothing can fall between the two.
        for event in self._missed(last_event_id) if replay else ():
            queue.put_nowait(event)
        self._streams.add(queue)
        try:
            yield queue
        finally:
            self._streams.discard(queue)

    def _missed(self, last_event_id: int | None) -> list[Event]:
        if last_event_id is not None:
            return [event for event in self._recent if event.id > last_event_id]
        since = self._clock() - UNSEEN_ALERTS_S
        return [
            event
            for event in self._recent
            if event.is_alert and event.ts >= since and event.id not in self._seen
        ]

    @property
    def subscriber_count(self) -> int:
        return len(self._subscribers) + len(self._streams)

    async def _write_forever(self) -> None:
        assert self._store is not None
        while True:
            item = await self._writes.get()
            try:
                if isinstance(item, Event):
                    await self._store.add(item)
                else:
                    await self._store.mark_seen(item)
            except Exception:
                # The live stream has it already; only a replay after a restart would miss it.
                log.exception("event_log.write_failed")
            finally:
                self._writes.task_done()


def _put(queue: asyncio.Queue[Reply] | asyncio.Queue[Event], item: Reply | Event) -> None:
    if queue.full():
        # A stalled listener must not stall Jarvis: drop its oldest reply.
        queue.get_nowait()
        log.warning("reply_bus.listener_lagging", dropped=1)
    queue.put_nowait(item)  # type: ignore[arg-type]
