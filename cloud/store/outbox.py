"""Messages for devices, kept in PostgreSQL until the device acks them (at-least-once).

Enqueueing happens inside the caller's transaction together with whatever caused the message,
and sends ``NOTIFY jarvis_outbox, '<device id>'``: PostgreSQL delivers it on commit to every
instance, and the one holding that device's link flushes its outbox.

Nothing queued here can exceed a frame (``models.MAX_FRAME_BYTES``): a message's longest texts
are cut to fit where it is made (a reply quoting 300,000 characters), and one that cannot be cut
(a mission's code) is refused with ``TooLargeError``. One the edge refuses all the same, by id
and with a code of ``models.REFUSED_FOR_GOOD``, is dropped (``drop``), so it never blocks those
behind it.
"""

from __future__ import annotations

import dataclasses
import json
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

import asyncpg
import structlog

from cloud.errors import TooLargeError
from cloud.store import traces
from cloud.time_phrases import reminder_text
from models import MAX_FRAME_BYTES, Envelope, Reply, messages
from models.envelope import too_large
from models.frames import fit_to_frame
from models.messages import MessageType

log = structlog.get_logger(__name__)

OUTBOX_CHANNEL = "jarvis_outbox"
CUT_TO_FIT = frozenset({MessageType.REPLY, MessageType.COMMAND})
"""Messages whose texts are said or run as said, and so may be cut in the middle to fit a frame;
any other (settings, a mission's code) cut short would be wrong: too big, it is refused."""
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
    """Queue ``envelope`` for ``device_id`` in the caller's transaction, and wake its holder.

    Too big for a frame, its longest texts are cut in the middle (``CUT_TO_FIT`` types), or it
    is refused with TooLargeError (any other)."""
    envelope = fitted(envelope)
    # One statement: the message, its trace event and the notification (sent on commit).
    await conn.execute(
        "WITH queued AS (INSERT INTO outbox (id, device_id, envelope, reminder_id)"
        " VALUES ($1, $2, $3, $4)),"
        f" traced AS ({traces.INSERT} VALUES ($5, 'cloud', $2, $6, $7::jsonb))"
        " SELECT pg_notify($8, $2)",
        envelope.id,
        device_id,
        envelope_json(envelope),
        reminder_id,
        envelope.trace_id,
        f"enqueued.{envelope.type}",
        {"message_id": envelope.id, "body": dict(envelope.body)},
        OUTBOX_CHANNEL,
    )


async def enqueue_reply(
    conn: asyncpg.Connection,
    device_id: str,
    reply: Reply,
    *,
    trace_id: str,
    reminder_id: str | None = None,
) -> None:
    envelope = messages.envelope(reply, trace_id=trace_id)
    await enqueue(conn, device_id, envelope, reminder_id=reminder_id)


def fitted(envelope: Envelope) -> Envelope:
    """``envelope`` when it fits a frame; else a copy with its longest texts cut; TooLargeError
    when it does not fit even then, or must not be cut (``CUT_TO_FIT``)."""
    frame = envelope.encode()
    if not too_large(frame):
        return envelope
    if envelope.type in CUT_TO_FIT:
        cut, frame = fit_to_frame(envelope)
        if len(frame.encode("utf-8")) <= MAX_FRAME_BYTES:
            log.warning("message cut to fit a frame", type=envelope.type, message_id=envelope.id)
            return cut
    raise TooLargeError(
        f"A {envelope.type} message for a device may take at most {MAX_FRAME_BYTES} bytes."
    )


async def drop(pool: asyncpg.Pool, device_id: str, message_id: str, *, reason: str) -> str | None:
    """Remove a pending message the device can never take (it refused it for good, or it cannot
    fit a frame), with a ``refused.<type>`` trace event saying why; its type, or None when it
    was not pending."""
    return await pool.fetchval(  # type: ignore[no-any-return]
        "WITH dropped AS (DELETE FROM outbox WHERE device_id = $1 AND id = $2"
        " AND delivered_at IS NULL RETURNING id, envelope->>'trace_id' AS trace_id,"
        " envelope->>'type' AS type),"
        f" traced AS ({traces.INSERT} SELECT trace_id, 'cloud', $1, 'refused.' || type,"
        " jsonb_build_object('message_id', id, 'reason', $3::text) FROM dropped)"
        " SELECT type FROM dropped",
        device_id,
        message_id,
        reason,
    )


async def withdraw_mission(conn: asyncpg.Connection, device_id: str, mission_id: str) -> None:
    """Remove the mission's assignment from the device's outbox if it was not delivered yet."""
    await conn.execute(
        "DELETE FROM outbox WHERE device_id = $1 AND delivered_at IS NULL"
        " AND envelope->>'type' = 'mission' AND envelope->'body'->'mission'->>'id' = $2",
        device_id,
        mission_id,
    )


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
    return [_pending(row) for row in rows]


async def reply_to(pool: asyncpg.Pool, device_id: str, utterance_id: str) -> Pending | None:
    """The device's reply to ``utterance_id``: the oldest still pending, else the one delivered
    last (so a client retrying a lost answer gets it again); None while there is none yet."""
    row = await pool.fetchrow(
        "SELECT o.envelope, o.created_at, r.text AS reminder, r.due_at, now() AS now"
        " FROM outbox o LEFT JOIN reminders r ON r.id = o.reminder_id"
        " WHERE o.device_id = $1 AND o.envelope->'body'->>'utterance_id' = $2"
        " AND o.envelope->>'type' = 'reply'"
        " ORDER BY o.delivered_at DESC NULLS FIRST, o.seq LIMIT 1",
        device_id,
        utterance_id,
    )
    return None if row is None else _pending(row)


def _pending(row: asyncpg.Record) -> Pending:
    envelope = _from_json(row["envelope"])
    if row["reminder"] is not None:
        reply = messages.body_of(envelope, Reply)
        said = reminder_text(row["reminder"], row["due_at"], row["now"])
        envelope = messages.envelope(
            dataclasses.replace(reply, text=said),
            id=envelope.id,
            trace_id=envelope.trace_id,
            ts=envelope.ts,
        )
        # Written anew, so fitted anew (a reminder stored before requests were bounded).
        envelope = sendable(envelope) or envelope
    return Pending(envelope=envelope, created_at=row["created_at"])


def sendable(envelope: Envelope) -> Envelope | None:
    """What to send for a stored message: itself, or cut to fit a frame when it was stored
    before the cloud cut messages (or grew at send time); None when it cannot fit at all."""
    try:
        return fitted(envelope)
    except TooLargeError:
        return None


@dataclass(frozen=True, slots=True)
class Ack:
    """A device's ack of some of its messages."""

    device_id: str
    ids: tuple[str, ...]


async def acknowledge(pool: asyncpg.Pool, device_id: str, ids: Sequence[str]) -> int:
    """Mark the device's messages ``ids`` delivered; returns how many were still pending."""
    counts = await acknowledge_batch(pool, [Ack(device_id, tuple(ids))])
    return counts[0]


async def acknowledge_batch(pool: asyncpg.Pool, acks: Sequence[Ack]) -> list[int]:
    """Mark many devices' acked messages delivered in one statement; per ack, how many were
    still pending. One statement, so atomic without a transaction: the updates and an event per
    message. Committed without waiting for the disk: an ack lost in a crash only means the
    message is sent again, and edges drop duplicates by id."""
    device_ids = [ack.device_id for ack in acks for _ in ack.ids]
    ids = [message_id for ack in acks for message_id in ack.ids]
    rows = await pool.fetch(
        "WITH acked AS (SELECT * FROM unnest($1::text[], $2::text[]) AS acked (device_id, id)),"
        " delivered AS (UPDATE outbox SET delivered_at = now() FROM acked"
        " WHERE outbox.device_id = acked.device_id AND outbox.id = acked.id"
        " AND outbox.delivered_at IS NULL RETURNING outbox.id, outbox.device_id,"
        " outbox.envelope->>'trace_id' AS trace_id, outbox.envelope->>'type' AS type),"
        f" traced AS ({traces.INSERT} SELECT trace_id, 'cloud', device_id, 'delivered.' || type,"
        " jsonb_build_object('message_id', id) FROM delivered)"
        " SELECT delivered.device_id, delivered.id,"
        " set_config('synchronous_commit', 'off', true) FROM delivered",
        device_ids,
        ids,
    )
    delivered = {(row["device_id"], row["id"]) for row in rows}
    return [sum((ack.device_id, message_id) in delivered for message_id in ack.ids) for ack in acks]


def envelope_json(envelope: Envelope) -> dict[str, object]:
    """The envelope as the outbox stores it (jsonb)."""
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
