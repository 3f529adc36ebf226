"""Messages for devices, kept in PostgreSQL until the device acks them (at-least-once).

Enqueueing happens inside the caller's transaction together with whatever caused the message,
and sends ``NOTIFY jarvis_outbox, '<device id>'``: PostgreSQL delivers it on commit to every
instance, and the one holding that device's link flushes its outbox.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

import asyncpg

from cloud import traces
from cloud.database import ACQUIRE_TIMEOUT_S
from cloud.time_phrases import reminder_text
from models import Envelope, Reply

OUTBOX_CHANNEL = "jarvis_outbox"
FLUSH_BATCH = 100


@dataclass(frozen=True, slots=True)
class Pending:
    """One unacked message, ready to send."""

    envelope: Envelope
    created_at: datetime


async def enqueue(
    conn: asyncpg.Connection,
    device_id: str,
    envelope: Envelope,
    *,
    reminder_id: str | None = None,
) -> None:
    """Queue ``envelope`` for ``device_id`` in the caller's transaction, and wake its holder."""
    await conn.execute(
        "INSERT INTO outbox (id, device_id, envelope, reminder_id) VALUES ($1, $2, $3, $4)",
        envelope.id,
        device_id,
        _to_json(envelope),
        reminder_id,
    )
    await traces.record(
        conn,
        envelope.trace_id,
        f"enqueued.{envelope.type}",
        device_id=device_id,
        detail={"message_id": envelope.id, "body": dict(envelope.body)},
    )
    await conn.execute("SELECT pg_notify($1, $2)", OUTBOX_CHANNEL, device_id)


async def enqueue_reply(
    conn: asyncpg.Connection,
    device_id: str,
    reply: Reply,
    *,
    trace_id: str,
    reminder_id: str | None = None,
) -> None:
    envelope = Envelope(type="reply", body=reply.to_wire(), trace_id=trace_id)
    await enqueue(conn, device_id, envelope, reminder_id=reminder_id)


async def pending(pool: asyncpg.Pool, device_id: str) -> list[Pending]:
    """The device's unacked messages, oldest first, as they should be sent now.

    A reminder's text is written at send time, so one that waited for an offline device says
    how late it is.
    """
    rows = await pool.fetch(
        "SELECT o.envelope, o.created_at, r.text AS reminder, r.due_at, now() AS now"
        " FROM outbox o LEFT JOIN reminders r ON r.id = o.reminder_id"
        " WHERE o.device_id = $1 AND o.delivered_at IS NULL"
        " ORDER BY o.seq LIMIT $2",
        device_id,
        FLUSH_BATCH,
    )
    found = []
    for row in rows:
        envelope = _from_json(row["envelope"])
        if row["reminder"] is not None:
            body = dict(envelope.body)
            body["text"] = reminder_text(row["reminder"], row["due_at"], row["now"])
            envelope = Envelope(
                type=envelope.type,
                body=body,
                id=envelope.id,
                trace_id=envelope.trace_id,
                ts=envelope.ts,
            )
        found.append(Pending(envelope=envelope, created_at=row["created_at"]))
    return found


async def acknowledge(pool: asyncpg.Pool, device_id: str, ids: Sequence[str]) -> int:
    """Mark the device's messages ``ids`` delivered; returns how many were still pending."""
    async with pool.acquire(timeout=ACQUIRE_TIMEOUT_S) as conn, conn.transaction():
        rows = await conn.fetch(
            "UPDATE outbox SET delivered_at = now()"
            " WHERE device_id = $1 AND id = ANY($2::text[]) AND delivered_at IS NULL"
            " RETURNING id, envelope->>'trace_id' AS trace_id, envelope->>'type' AS type",
            device_id,
            list(ids),
        )
        for row in rows:
            await traces.record(
                conn,
                row["trace_id"],
                f"delivered.{row['type']}",
                device_id=device_id,
                detail={"message_id": row["id"]},
            )
    return len(rows)


def _to_json(envelope: Envelope) -> dict[str, object]:
    return {
        "v": envelope.v,
        "type": envelope.type,
        "id": envelope.id,
        "trace_id": envelope.trace_id,
        "ts": envelope.ts,
        "body": dict(envelope.body),
    }


def _from_json(data: dict[str, object]) -> Envelope:
    return Envelope.decode(json.dumps(data))
