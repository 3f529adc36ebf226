"""Alarms as values, and their rows in the edge database (table ``alarms``, migration 4)."""

from __future__ import annotations

from dataclasses import dataclass

import aiosqlite


@dataclass(frozen=True, slots=True)
class Alarm:
    id: str
    time: str
    """``"HH:MM"``, local wall time."""
    repeat: str | None
    """``daily``, ``weekdays``, ``weekends`` or weekday names joined by commas; ``None``: once."""
    label: str | None
    ring_at: float
    """Epoch seconds of the next ring; a snooze moves it without changing ``time``."""
    snoozed: bool
    utterance_id: str | None
    """The utterance that set it; each ring points back to it."""
    created_at: float
    """Epoch seconds."""


_COLUMNS = "id, time, repeat, label, ring_at, snoozed, utterance_id, created_at"


class AlarmStore:
    """Reads and writes alarm rows; every write is committed before it returns."""

    def __init__(self, db: aiosqlite.Connection) -> None:
        self._db = db

    async def load(self) -> list[Alarm]:
        query = f"SELECT {_COLUMNS} FROM alarms ORDER BY ring_at"
        async with self._db.execute(query) as cursor:
            rows = await cursor.fetchall()
        return [_alarm(tuple(row)) for row in rows]

    async def insert(self, alarm: Alarm) -> None:
        await self._db.execute(
            f"INSERT INTO alarms ({_COLUMNS}) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
            (
                alarm.id,
                alarm.time,
                alarm.repeat,
                alarm.label,
                alarm.ring_at,
                int(alarm.snoozed),
                alarm.utterance_id,
                alarm.created_at,
            ),
        )
        await self._db.commit()

    async def update(self, alarm: Alarm) -> None:
        await self._db.execute(
            "UPDATE alarms SET ring_at = ?, snoozed = ? WHERE id = ?",
            (alarm.ring_at, int(alarm.snoozed), alarm.id),
        )
        await self._db.commit()

    async def delete(self, *alarm_ids: str) -> None:
        await self._db.executemany("DELETE FROM alarms WHERE id = ?", [(i,) for i in alarm_ids])
        await self._db.commit()


def _alarm(row: tuple[object, ...]) -> Alarm:
    alarm_id, time, repeat, label, ring_at, snoozed, utterance_id, created_at = row
    return Alarm(
        id=str(alarm_id),
        time=str(time),
        repeat=None if repeat is None else str(repeat),
        label=None if label is None else str(label),
        ring_at=float(ring_at),  # type: ignore[arg-type]
        snoozed=bool(snoozed),
        utterance_id=None if utterance_id is None else str(utterance_id),
        created_at=float(created_at),  # type: ignore[arg-type]
    )
