"""The history of every reply the edge published (``events`` in the edge database)."""

from __future__ import annotations

import json
import time
from collections.abc import Iterable

import aiosqlite

from assistant.events import ANSWER_KINDS, Event
from models import Reply

KEEP_S = 7 * 24 * 3600.0
"""Events older than this are forgotten when the edge starts."""


class EventLog:
    """Implements ``assistant.events.EventStore`` over the ``events`` table."""

    def __init__(self, db: aiosqlite.Connection) -> None:
        self._db = db

    async def recent(self, limit: int) -> list[tuple[Event, bool]]:
        await self._db.execute("DELETE FROM events WHERE ts < ?", (time.time() - KEEP_S,))
        await self._db.commit()
        async with self._db.execute(
            "SELECT id, ts, reply, seen FROM events ORDER BY id DESC LIMIT ?", (limit,)
        ) as cursor:
            rows = list(await cursor.fetchall())
        return [
            (Event(row["id"], row["ts"], Reply.from_wire(json.loads(row["reply"]))), row["seen"])
            for row in reversed(rows)
        ]

    async def add(self, event: Event) -> None:
        await self._db.execute(
            "INSERT OR IGNORE INTO events (id, ts, kind, utterance_id, reply)"
            " VALUES (?, ?, ?, ?, ?)",
            (
                event.id,
                event.ts,
                event.reply.kind,
                event.reply.utterance_id,
                json.dumps(event.reply.to_wire(), ensure_ascii=False),
            ),
        )
        await self._db.commit()

    async def mark_seen(self, event_ids: Iterable[int]) -> None:
        await self._db.executemany(
            "UPDATE events SET seen = 1 WHERE id = ?", [(event_id,) for event_id in event_ids]
        )
        await self._db.commit()

    async def alerts(self, limit: int) -> list[Event]:
        """The newest ``limit`` alerts (timers, reminders, news), oldest first: what
        ``Event.is_alert`` says, so no answer and no wake word heard is listed among them."""
        answers = sorted(ANSWER_KINDS)
        async with self._db.execute(
            f"SELECT id, ts, reply FROM events WHERE kind NOT IN ({', '.join('?' * len(answers))})"
            " ORDER BY id DESC LIMIT ?",
            (*answers, limit),
        ) as cursor:
            rows = list(await cursor.fetchall())
        return [
            Event(row["id"], row["ts"], Reply.from_wire(json.loads(row["reply"])))
            for row in reversed(rows)
        ]
