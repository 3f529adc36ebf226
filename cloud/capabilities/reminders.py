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

from cloud.store import reminders as stored_reminders
from cloud.store import traces
from cloud.store.database import ACQUIRE_TIMEOUT_S
from cloud.store.outbox import enqueue_reply
from cloud.time_phrases import reminder_text
from models import Reply, new_id

log = structlog.get_logger(__name__)

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
    await stored_reminders.insert(
        conn,
        reminder_id=reminder_id,
        device_id=device_id,
        text=text,
        due_at=due_at,
        utterance_id=utterance_id,
        trace_id=trace_id,
    )
    await traces.record(
        conn,
        trace_id,
        "reminder.stored",
        device_id=device_id,
        detail={"reminder_id": reminder_id, "due_at": due_at.isoformat(), "text": text},
    )
    await stored_reminders.notify_stored(conn)
    return reminder_id


async def deliver_due(pool: asyncpg.Pool) -> float | None:
    """Enqueue the replies of due reminders; returns seconds until the next one (None: none)."""
    async with pool.acquire(timeout=ACQUIRE_TIMEOUT_S) as conn:
        async with conn.transaction():
            claimed = await stored_reminders.claim_due(conn, limit=CLAIM_BATCH)
            for due in claimed:
                reply = Reply(
                    text=reminder_text(due.text, due.due_at, due.now),
                    utterance_id=due.utterance_id,
                    kind="reminder",
                )
                await enqueue_reply(
                    conn, due.device_id, reply, trace_id=due.trace_id, reminder_id=due.id
                )
        if claimed:
            log.info("reminders due", count=len(claimed))
        if len(claimed) == CLAIM_BATCH:
            return 0.0  # more may be due: go again at once (MIN_SLEEP_S)
        wait_s = await stored_reminders.seconds_to_next(conn)
    return None if wait_s is None else max(0.0, wait_s)


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
