"""Requests in PostgreSQL: the message ids handled once, and the plain answers' shared write.

``write_answers`` is the hot path's one statement for a whole batch of answers; ``flush_barrier``
its one durable commit for everyone waiting (see ``cloud.requests.hot_path``).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import asyncpg

from cloud.store.outbox import OUTBOX_CHANNEL
from cloud.store.traces import INSERT as TRACE_INSERT
from models import Envelope


@dataclass(frozen=True, slots=True)
class AnswerRow:
    """One plain answer to store with its request's message id."""

    message_id: str
    device_id: str
    trace_id: str
    request_body: str
    """The request envelope's body as JSON (for its trace event)."""
    utterance_id: str
    text: str
    queued_id: str
    queued_json: str
    """The reply envelope as queued (``Envelope.encode()``, made once for socket and outbox)."""


@dataclass(frozen=True, slots=True)
class AnswersWritten:
    fresh: frozenset[str]
    """The message ids stored now (the others were handled before: duplicates)."""
    holders: dict[str, str | None]
    """device id → the instance holding its link when the replies were stored."""


# One statement, so atomic without BEGIN and COMMIT. The device rows are read FOR SHARE (in id
# order, so two batches never wait on each other in a cycle): a hello moving a link to another
# instance waits for this commit, and its first flush then finds these replies. NOTIFY goes out
# only for devices whose link another instance holds: PostgreSQL serializes the commits of
# transactions that notify, and this instance sends its own devices' replies itself.
_WRITE_ANSWERS = f"""
WITH request AS (
    SELECT * FROM unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::text[],
                         $6::text[], $7::text[], $8::text[])
        WITH ORDINALITY AS r (id, device_id, trace_id, body, utterance_id, reply, queued_id,
                              queued, n)
),
processed AS (
    INSERT INTO processed_messages (id, device_id, type)
    SELECT id, device_id, 'request' FROM request ORDER BY n
    ON CONFLICT (id) DO NOTHING RETURNING id
),
fresh AS (SELECT request.* FROM request JOIN processed USING (id)),
holder AS (
    SELECT id, connected_instance FROM devices WHERE id = ANY($2::text[]) ORDER BY id FOR SHARE
),
queued AS (
    INSERT INTO outbox (id, device_id, envelope)
    SELECT queued_id, device_id, queued::jsonb FROM fresh ORDER BY n
),
traced AS (
    {TRACE_INSERT}
    SELECT fresh.trace_id, 'cloud', fresh.device_id, event.kind, event.detail
    FROM fresh CROSS JOIN LATERAL (VALUES
        (1, 'received.request',
         jsonb_build_object('message_id', fresh.id, 'body', fresh.body::jsonb)),
        (2, 'planned.Answer',
         jsonb_build_object('utterance_id', fresh.utterance_id, 'reply', fresh.reply)),
        (3, 'enqueued.reply',
         jsonb_build_object('message_id', fresh.queued_id, 'body', fresh.queued::jsonb -> 'body'))
    ) AS event (k, kind, detail)
    ORDER BY fresh.n, event.k
),
notified AS (
    SELECT pg_notify($9, holder.id) FROM holder
    WHERE holder.connected_instance <> $10 AND holder.id IN (SELECT device_id FROM fresh)
)
SELECT ARRAY(SELECT id FROM processed) AS fresh,
       (SELECT jsonb_object_agg(id, connected_instance) FROM holder) AS holders,
       (SELECT count(*) FROM notified) AS notified,
       set_config('synchronous_commit', 'off', true) AS early
"""

_BARRIER = "SELECT pg_current_xact_id()"
"""A transaction with an id, committed durably: its commit flushes the WAL up to its own record,
so every commit before it is on disk too (and on synchronous standbys, where there are any)."""


async def write_answers(
    conn: asyncpg.Connection, rows: Sequence[AnswerRow], *, instance_id: str
) -> AnswersWritten:
    """Store ``rows`` (message ids unique) in one statement, committed without waiting for the
    disk: the message ids, the replies in the outboxes, their trace events, and a NOTIFY for
    each device whose link an instance other than ``instance_id`` holds."""
    record = await conn.fetchrow(
        _WRITE_ANSWERS,
        [row.message_id for row in rows],
        [row.device_id for row in rows],
        [row.trace_id for row in rows],
        [row.request_body for row in rows],
        [row.utterance_id for row in rows],
        [row.text for row in rows],
        [row.queued_id for row in rows],
        [row.queued_json for row in rows],
        OUTBOX_CHANNEL,
        instance_id,
    )
    return AnswersWritten(frozenset(record["fresh"]), record["holders"] or {})


async def flush_barrier(conn: asyncpg.Connection) -> None:
    """One durable commit: every commit before it is on disk once it returns."""
    await conn.fetchval(_BARRIER)


async def mark_processed(conn: asyncpg.Connection, envelope: Envelope, device_id: str) -> bool:
    """Record the message id with its trace event; False when it was there already (a
    duplicate: the caller does nothing again)."""
    inserted: bool = await conn.fetchval(
        "WITH processed AS (INSERT INTO processed_messages (id, device_id, type)"
        " VALUES ($1, $2, $3) ON CONFLICT (id) DO NOTHING RETURNING id),"
        f" traced AS ({TRACE_INSERT} SELECT $4, 'cloud', $2, $5, $6::jsonb FROM processed)"
        " SELECT EXISTS (SELECT 1 FROM processed)",
        envelope.id,
        device_id,
        envelope.type,
        envelope.trace_id,
        f"received.{envelope.type}",
        {"message_id": envelope.id, "body": dict(envelope.body)},
    )
    return inserted


async def seen(pool: asyncpg.Pool, message_id: str) -> bool:
    """Whether the message id was handled already."""
    found: bool = await pool.fetchval(
        "SELECT EXISTS (SELECT 1 FROM processed_messages WHERE id = $1)", message_id
    )
    return found
