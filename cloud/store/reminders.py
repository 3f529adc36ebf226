"""Reminders in PostgreSQL: stored with a NOTIFY, claimed once when due, by any instance."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

import asyncpg

REMINDER_CHANNEL = "jarvis_reminders"
"""NOTIFY (empty payload): a reminder was stored; every scheduler looks again."""


@dataclass(frozen=True, slots=True)
class Due:
    """A reminder claimed for delivery."""

    id: str
    device_id: str
    text: str
    due_at: datetime
    utterance_id: str | None
    trace_id: str
    now: datetime
    """PostgreSQL's time when it was claimed (how late it is)."""


async def insert(
    conn: asyncpg.Connection,
    *,
    reminder_id: str,
    device_id: str,
    text: str,
    due_at: datetime,
    utterance_id: str | None,
    trace_id: str,
) -> None:
    await conn.execute(
        "INSERT INTO reminders (id, device_id, text, due_at, utterance_id, trace_id)"
        " VALUES ($1, $2, $3, $4, $5, $6)",
        reminder_id,
        device_id,
        text,
        due_at,
        utterance_id,
        trace_id,
    )


async def notify_stored(conn: asyncpg.Connection) -> None:
    """Wake every instance's scheduler when the caller's transaction commits."""
    await conn.execute("SELECT pg_notify($1, '')", REMINDER_CHANNEL)


async def claim_due(conn: asyncpg.Connection, *, limit: int) -> list[Due]:
    """Mark up to ``limit`` due reminders delivered, oldest due first, and return them; those
    another instance holds are skipped (each is claimed once)."""
    rows = await conn.fetch(
        "UPDATE reminders SET delivered_at = now() WHERE id IN ("
        " SELECT id FROM reminders WHERE due_at <= now() AND delivered_at IS NULL"
        " ORDER BY due_at LIMIT $1 FOR UPDATE SKIP LOCKED)"
        " RETURNING id, device_id, text, due_at, utterance_id, trace_id, now() AS now",
        limit,
    )
    return [
        Due(
            id=row["id"],
            device_id=row["device_id"],
            text=row["text"],
            due_at=row["due_at"],
            utterance_id=row["utterance_id"],
            trace_id=row["trace_id"],
            now=row["now"],
        )
        for row in rows
    ]


async def seconds_to_next(conn: asyncpg.Connection) -> float | None:
    """Seconds until the next undelivered reminder is due (negative: overdue); None: none."""
    wait_s = await conn.fetchval(
        "SELECT extract(epoch FROM min(due_at) - now())::float8 FROM reminders"
        " WHERE delivered_at IS NULL"
    )
    return None if wait_s is None else float(wait_s)


@dataclass(frozen=True, slots=True)
class Pending:
    """A reminder not delivered yet."""

    text: str
    due_at: datetime
    device_id: str
    device_name: str


@dataclass(frozen=True, slots=True)
class PendingList:
    first: list[Pending]
    """The soonest, soonest first."""
    total: int
    """How many are pending in all."""
    now: datetime
    """The database's clock when read."""


async def pending(conn: asyncpg.Connection, *, limit: int) -> PendingList:
    """The reminders of every enrolled device not delivered yet: the first ``limit``."""
    rows = await conn.fetch(
        "SELECT r.text, r.due_at, r.device_id, d.name, count(*) OVER () AS total"
        " FROM reminders r JOIN devices d ON d.id = r.device_id"
        " WHERE r.delivered_at IS NULL AND d.revoked_at IS NULL"
        " ORDER BY r.due_at, r.id LIMIT $1",
        limit,
    )
    now: datetime = await conn.fetchval("SELECT now()")
    first = [Pending(row["text"], row["due_at"], row["device_id"], row["name"]) for row in rows]
    return PendingList(first, rows[0]["total"] if rows else 0, now)
