"""At-least-once delivery on the edge: what waits to be sent, and what was already received.

Messages to the cloud are written here before they are sent and removed only when the cloud acks
them, so a dropped connection or a restart loses nothing. Ids of messages received from the cloud
are remembered, so a message the cloud sends again (its ack was lost) is not acted on twice.
"""

from __future__ import annotations

import time

import aiosqlite

from models import Envelope

SEEN_RETENTION_S = 7 * 24 * 3600.0
"""How long a received id is remembered; the cloud never re-sends anything that old."""


class Outbox:
    def __init__(self, db: aiosqlite.Connection) -> None:
        self._db = db

    async def add(self, envelope: Envelope) -> None:
        await self._db.execute(
            "INSERT OR IGNORE INTO outbox (id, envelope, created_at) VALUES (?, ?, ?)",
            (envelope.id, envelope.encode(), time.time()),
        )
        await self._db.commit()

    async def pending(self) -> list[Envelope]:
        """Everything not yet acked, oldest first."""
        async with self._db.execute("SELECT envelope FROM outbox ORDER BY created_at") as cursor:
            rows = await cursor.fetchall()
        return [Envelope.decode(row[0]) for row in rows]

    async def acked(self, ids: list[str]) -> None:
        await self._db.executemany("DELETE FROM outbox WHERE id = ?", [(i,) for i in ids])
        await self._db.commit()


class Inbox:
    def __init__(self, db: aiosqlite.Connection) -> None:
        self._db = db

    async def seen(self, message_id: str) -> bool:
        """True when ``message_id`` was handled before (the cloud is re-sending it)."""
        async with self._db.execute(
            "SELECT 1 FROM inbox_seen WHERE id = ?", (message_id,)
        ) as cursor:
            return await cursor.fetchone() is not None

    async def mark(self, message_id: str) -> None:
        """Remember ``message_id`` once its effects are stored, before they are shown."""
        await self._db.execute(
            "INSERT OR IGNORE INTO inbox_seen (id, received_at) VALUES (?, ?)",
            (message_id, time.time()),
        )
        await self._db.commit()

    async def forget_old(self) -> None:
        await self._db.execute(
            "DELETE FROM inbox_seen WHERE received_at < ?", (time.time() - SEEN_RETENTION_S,)
        )
        await self._db.commit()
