"""Which ears a person muted, kept in the edge's database, so a mute survives a restart: someone
who muted the kitchen's satellite, or this machine's microphone, for the evening must not find
it listening again after an update or a power cut (Home Assistant restores its satellites' mute
switches the same way)."""

from __future__ import annotations

import time

import aiosqlite

from assistant.listening import MICROPHONE, ListeningState


class MuteStore:
    def __init__(self, db: aiosqlite.Connection) -> None:
        self._db = db

    async def restore(self, listening: ListeningState) -> None:
        """Mute again what was muted when the edge stopped: the microphone, and the satellites
        ``listening`` knows (one since taken out of the settings keeps its row, should it come
        back)."""
        async with self._db.execute("SELECT ear FROM mutes") as cursor:
            ears = [str(row[0]) for row in await cursor.fetchall()]
        for ear in ears:
            if ear == MICROPHONE:
                listening.set_muted(True)
            elif ear in listening.satellites:
                listening.satellites[ear].set_muted(True)

    async def save(self, ear: str, muted: bool) -> None:
        """``ear``: ``MICROPHONE`` or a satellite's address."""
        if muted:
            await self._db.execute(
                "INSERT OR IGNORE INTO mutes (ear, muted_at) VALUES (?, ?)", (ear, time.time())
            )
        else:
            await self._db.execute("DELETE FROM mutes WHERE ear = ?", (ear,))
        await self._db.commit()
