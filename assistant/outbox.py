"""At-least-once delivery on the edge: what waits to be sent, and what was already received.

Messages to the cloud are written here before they are sent and removed only when the cloud acks
them, so a dropped connection or a restart loses nothing. Ids of messages received from the cloud
are remembered, so a message the cloud sends again (its ack was lost) is not acted on twice.
"""

from __future__ import annotations

import json
import time
from typing import Any

import aiosqlite

from models import Envelope

SEEN_RETENTION_S = 7 * 24 * 3600.0
"""How long a received id is remembered; the cloud never re-sends anything that old."""


class Outbox:
    def __init__(self, db: aiosqlite.Connection) -> None:
        self._db = db

    async def add(self, envelope: Envelope, frame: str | None = None) -> None:
        """Keep ``envelope`` until acked; ``frame``: its ``encode()``, when the caller has it."""
        await self._db.execute(
            "INSERT OR IGNORE INTO outbox (id, envelope, created_at) VALUES (?, ?, ?)",
            (envelope.id, frame or envelope.encode(), time.time()),
        )
        await self._db.commit()

    async def pending(self) -> list[str]:
        """Everything not yet acked, oldest first, encoded as it is sent. Not decoded again: a
        message this build would refuse (queued by an older one) must still go, and be
        refused by the cloud, which then tells the edge to drop it."""
        async with self._db.execute("SELECT envelope FROM outbox ORDER BY created_at") as cursor:
            rows = await cursor.fetchall()
        return [row[0] for row in rows]

    async def drop(self, message_id: str) -> dict[str, Any] | None:
        """Remove a message the cloud refused for good; it (as JSON, not decoded strictly: it
        may be what the cloud refused), when it was still waiting."""
        # SELECT, then DELETE: RETURNING needs SQLite 3.35, newer than some devices have.
        async with self._db.execute(
            "SELECT envelope FROM outbox WHERE id = ?", (message_id,)
        ) as cursor:
            row = await cursor.fetchone()
        await self._db.execute("DELETE FROM outbox WHERE id = ?", (message_id,))
        await self._db.commit()
        if row is None:
            return None
        refused = json.loads(row[0])
        return refused if isinstance(refused, dict) else {}

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
