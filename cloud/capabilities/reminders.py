"""Reminders: stored in PostgreSQL, handed to the outbox when due by a scheduler per instance.

Claiming uses ``FOR UPDATE SKIP LOCKED``, so several instances share the work and each reminder
is enqueued exactly once, in the same transaction that marks it delivered. The scheduler sleeps
until the next due time (at most ``MAX_SLEEP_S``) or until ``NOTIFY jarvis_reminders`` says a
new one was stored.
"""

from __future__ import annotations

import asyncio
import contextlib
from datetime import datetime

import asyncpg
import structlog

from cloud.store import traces
from cloud.store.database import ACQUIRE_TIMEOUT_S
from cloud.store.outbox import enqueue_reply
from cloud.time_phrases import reminder_text
from models import Reply, new_id

log = structlog.get_logger(__name__)

REMINDER_CHANNEL = "jarvis_reminders"
MAX_SLEEP_S = 60.0
MIN_SLEEP_S = 0.05
RETRY_AFTER_S = 5.0
CLAIM_BATCH = 100


async def store(
    conn: asyncpg.Connection,
    *,
    device_id: str,
    text: str,
    due_at: datetime,
    utterance_id: str | None,
    trace_id: str,
) -> str:
    """Insert a reminder in the caller's transaction and wake every scheduler on commit."""
    reminder_id = new_id()
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
    await traces.record(
        conn,
        trace_id,
        "reminder.stored",
        device_id=device_id,
        detail={"reminder_id": reminder_id, "due_at": due_at.isoformat(), "text": text},
    )
    await conn.execute("SELECT pg_notify($1, '')", REMINDER_CHANNEL)
    return reminder_id


async def deliver_due(pool: asyncpg.Pool) -> float | None:
    """Enqueue the replies of due reminders; returns seconds until the next one (None: none)."""
    async with pool.acquire(timeout=ACQUIRE_TIMEOUT_S) as conn:
        async with conn.transaction():
            claimed = await conn.fetch(
                "UPDATE reminders SET delivered_at = now() WHERE id IN ("
                " SELECT id FROM reminders WHERE due_at <= now() AND delivered_at IS NULL"
                " ORDER BY due_at LIMIT $1 FOR UPDATE SKIP LOCKED)"
                " RETURNING id, device_id, text, due_at, utterance_id, trace_id, now() AS now",
                CLAIM_BATCH,
            )
            for row in claimed:
                reply = Reply(
                    text=reminder_text(row["text"], row["due_at"], row["now"]),
                    utterance_id=row["utterance_id"],
                    kind="reminder",
                )
                await enqueue_reply(
                    conn, row["device_id"], reply, trace_id=row["trace_id"], reminder_id=row["id"]
                )
        if claimed:
            log.info("reminders due", count=len(claimed))
        if len(claimed) == CLAIM_BATCH:
            return 0.0  # more may be due: go again at once (MIN_SLEEP_S)
        wait_s = await conn.fetchval(
            "SELECT extract(epoch FROM min(due_at) - now())::float8 FROM reminders"
            " WHERE delivered_at IS NULL"
        )
    return None if wait_s is None else max(0.0, float(wait_s))


async def run_scheduler(pool: asyncpg.Pool, wake: asyncio.Event) -> None:
    """Deliver reminders when due, forever; ``wake`` is set when a reminder is stored."""
    while True:
        wake.clear()
        try:
            wait_s = await deliver_due(pool)
        except (OSError, TimeoutError, asyncpg.PostgresError, asyncpg.InterfaceError) as error:
            log.warning("reminder scheduler failed; retrying", error=str(error))
            wait_s = RETRY_AFTER_S
        except Exception:
            log.exception("reminder scheduler crashed; retrying")
            wait_s = RETRY_AFTER_S
        # A due reminder another instance holds locked shows as "due now": don't spin on it.
        sleep_s = MAX_SLEEP_S if wait_s is None else min(max(wait_s, MIN_SLEEP_S), MAX_SLEEP_S)
        with contextlib.suppress(TimeoutError):
            # asyncio.timeout, not wait_for: on 3.11 wait_for can swallow a cancellation that
            # lands as the event fires, and the scheduler would then never stop.
            async with asyncio.timeout(sleep_s):
                await wake.wait()
