"""Timers as values, and their rows in the edge database (table ``timers``, migration 1)."""

from __future__ import annotations

from dataclasses import dataclass

import aiosqlite

from assistant import replies

RUNNING = "running"
PAUSED = "paused"


@dataclass(frozen=True, slots=True)
class Timer:
    """One timer; exactly one of ``ends_at`` (running) and ``remaining_s`` (paused) is set."""

    id: str
    name: str | None
    duration_s: float
    """Seconds it was set for, which names an unnamed timer ("your 5 minute timer")."""
    state: str
    ends_at: float | None
    """Epoch seconds when a running timer ends."""
    remaining_s: float | None
    """Seconds a paused timer still has."""
    utterance_id: str | None
    """The utterance that started it; the "done" reply points back to it."""
    created_at: float
    """Epoch seconds."""

    @property
    def paused(self) -> bool:
        return self.state == PAUSED

    @property
    def label(self) -> str:
        return replies.timer_label(self.name, self.duration_s)

    @property
    def short_label(self) -> str:
        """``pasta`` or ``5 minute``: how a timer is named when asking which one."""
        label = self.label.removesuffix("timer").strip()
        return label or "unnamed"

    def left_s(self, now: float) -> float:
        if self.ends_at is not None:
            return max(0.0, self.ends_at - now)
        return max(0.0, self.remaining_s or 0.0)

    def matches(self, name: str) -> bool:
        key = name.casefold()
        return key in {(self.name or "").casefold(), self.short_label.casefold()}


class TimerStore:
    """Reads and writes timer rows; every write is committed before it returns."""

    def __init__(self, db: aiosqlite.Connection) -> None:
        self._db = db

    async def load(self) -> list[Timer]:
        query = (
            "SELECT id, name, duration_s, state, ends_at, remaining_s, utterance_id, created_at"
            " FROM timers ORDER BY created_at"
        )
        async with self._db.execute(query) as cursor:
            rows = await cursor.fetchall()
        return [Timer(*tuple(row)) for row in rows]

    async def insert(self, timer: Timer) -> None:
        await self._db.execute(
            "INSERT INTO timers (id, name, duration_s, state, ends_at, remaining_s, utterance_id,"
            " created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
            (
                timer.id,
                timer.name,
                timer.duration_s,
                timer.state,
                timer.ends_at,
                timer.remaining_s,
                timer.utterance_id,
                timer.created_at,
            ),
        )
        await self._db.commit()

    async def update(self, timer: Timer) -> None:
        await self._db.execute(
            "UPDATE timers SET state = ?, ends_at = ?, remaining_s = ? WHERE id = ?",
            (timer.state, timer.ends_at, timer.remaining_s, timer.id),
        )
        await self._db.commit()

    async def delete(self, *timer_ids: str) -> None:
        await self._db.executemany("DELETE FROM timers WHERE id = ?", [(i,) for i in timer_ids])
        await self._db.commit()
